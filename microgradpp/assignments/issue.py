"""Issuing an assignment: a variant per student, their pages, the manifest, the teacher's index.

:func:`issue_assignment` writes, into one folder::

    DIR/index.html                       the teacher's page: who got what, links, what to do next
    DIR/manifest.json                    what was issued, to whom, how it is checked (keep it!)
    DIR/students/hw3-S001.html           S001's graded page (or practice page, practice=True)
    DIR/students/hw3-S001-sheet.html     S001's printable sheet of the same graphs

Every file is a pure function of the roster's IDs and names, the assignment's name, level,
number of problems, seed and language: the same inputs give byte-identical files on any machine
(the pages hold no time stamp, and variants are drawn with SHA-256, see ``variants``). The
files appear together or not at all (``files.write_together``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

from ..files import write_together
from ..i18n import Translator
from ..practice import LEVELS, Problem, make_problem
from ..validation import is_integer
from .errors import AssignmentError, ManifestError
from .manifest import Issued, IssuedProblem, Manifest, read_manifest
from .roster import Roster, read_roster
from .submission import MAX_PROBLEMS, submission_format
from .variants import Variant, fingerprint, issue_variants, variant_seed

CHECKING_RULE = "judging.judge: fair rounding, 2 decimals"
"""The checking rule grading applies, by name (the manifest records it; grading refuses a
manifest whose rule it does not apply)."""
PRACTICE_RULE = "practice pages: checked on the page"
"""What a manifest of practice pages records: there is nothing to grade."""
MAX_NAME_LENGTH = 60


@dataclass(frozen=True)
class IssuedAssignment:
    """What :func:`issue_assignment` did: the manifest and the files written."""

    manifest: Manifest
    files: list[Path]


def check_settings(name: object, level: object, problems: object, seed: object) -> None:
    """Refuse impossible settings before any work, each with its own message."""
    if (
        not isinstance(name, str)
        or not name.strip()
        or name != name.strip()
        or len(name) > MAX_NAME_LENGTH
        or not name.isprintable()
        or any(c in name for c in '/\\:*?"<>|')
    ):
        raise AssignmentError("--name", "bad_name", name=repr(name), most=MAX_NAME_LENGTH)
    if isinstance(level, bool) or level not in LEVELS:
        raise AssignmentError("--level", "bad_level", level=repr(level))
    if not is_integer(problems) or not 1 <= problems <= MAX_PROBLEMS:
        raise AssignmentError(
            "--problems", "bad_problems", problems=repr(problems), most=MAX_PROBLEMS
        )
    if not is_integer(seed) or seed < 0:
        raise AssignmentError("--seed", "bad_seed", seed=repr(seed))


def check_out(out: str | Path) -> None:
    """Refuse an output folder that is a file, before any work (drawing a class takes a while)."""
    if Path(out).exists() and not Path(out).is_dir():
        raise AssignmentError(str(out), "out_is_a_file")


def file_stem(assignment: str, student_id: str) -> str:
    """A student's file name without extension: 'hw3-S001'. Characters a file name cannot hold
    become '_', and then a short hash of the ID keeps two IDs from sharing a name."""
    safe = re.sub(r"[^A-Za-z0-9._@-]", "_", f"{assignment}-{student_id}").lstrip(".")
    if safe != f"{assignment}-{student_id}":
        safe += "-" + _short_hash(student_id)
    return safe


def file_stems(assignment: str, student_ids: Sequence[str]) -> dict[str, str]:
    """Each student's :func:`file_stem`, told apart also where case is not: on Windows and macOS
    'hw3-s001.html' and 'hw3-S001.html' are one file, so two stems equal but for case each get a
    short hash of their ID."""
    stems = {student_id: file_stem(assignment, student_id) for student_id in student_ids}
    folded = Counter(stem.casefold() for stem in stems.values())
    return {
        student_id: stem if folded[stem.casefold()] == 1 else f"{stem}-{_short_hash(student_id)}"
        for student_id, stem in stems.items()
    }


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:6]


def practice_problem(student_id: str, assignment: str, seed: int, level: int) -> Problem:
    """The "try another one" graph: another variant of the same level, never the graded one's
    seed (its text differs), so the practice page's answers give nothing of the assignment away."""
    return make_problem(level, variant_seed(student_id, f"{assignment}\x1fpractice", seed), 1)


@dataclass(frozen=True)
class Plan:
    """An assignment worked out but not written: the manifest and each student's variants."""

    manifest: Manifest
    variants: dict[str, list[Variant]]


def plan_assignment(
    roster: Roster | str | Path,
    name: str,
    *,
    level: int = 1,
    problems: int = 1,
    seed: int = 0,
    lang: str | None = None,
    practice: bool = False,
    previous: Manifest | None = None,
) -> Plan:
    """Who gets which graphs, and the manifest that records it (nothing drawn or written).

    ``previous``: the manifest of this assignment as issued before (same name, level, number of
    problems and seed; another one is ignored): its students keep their graphs, so a page a
    student already has stays theirs when the roster changes (see ``variants``).
    """
    check_settings(name, level, problems, seed)
    if not isinstance(roster, Roster):
        roster = read_roster(roster)
    kept = {}
    if previous is not None and (previous.assignment, previous.level, previous.problems,
                                 previous.seed) == (name, level, problems, seed):  # fmt: skip
        kept = {i.student.id: [(p.seed, p.round) for p in i.problems] for i in previous.issued}
    ids = [s.id for s in roster.students]
    variants = issue_variants(ids, name, seed, level, problems, kept)
    stems = file_stems(name, [s.id for s in roster.students])
    issued = []
    for student in roster.students:
        mine = variants[student.id]
        stem = stems[student.id]
        page = f"students/{stem}-p1.html" if practice and problems > 1 else f"students/{stem}.html"
        issued.append(
            Issued(
                student,
                fingerprint(name, [v.digest for v in mine]),
                tuple(IssuedProblem(v.seed, v.round, v.digest) for v in mine),
                page,
                stem,
            )
        )
    rule = PRACTICE_RULE if practice else CHECKING_RULE
    manifest = Manifest(
        name, level, problems, seed, Translator(lang).lang, rule, roster, tuple(issued)
    )
    return Plan(manifest, variants)


def issue_assignment(
    roster: Roster | str | Path,
    name: str,
    out: str | Path,
    *,
    level: int = 1,
    problems: int = 1,
    seed: int = 0,
    lang: str | None = None,
    practice: bool = False,
) -> IssuedAssignment:
    """Issue assignment ``name`` to every student of ``roster`` (a :class:`Roster` or a CSV path).

    Writes the files listed in the module's docstring into ``out``; each student gets
    ``problems`` graphs of ``level``, their own. ``practice=True`` writes pages that check as the
    exercise page does (for practice: they contain their answers). Needs Graphviz's ``dot``.

    Issued again into the same folder (a student added to the roster or dropped), the students
    of the manifest already there keep their graphs: the pages they have stay theirs.
    """
    check_out(out)
    t = Translator(lang)
    plan = plan_assignment(
        roster, name, level=level, problems=problems, seed=seed, lang=t.lang, practice=practice,
        previous=_previous(out),
    )  # fmt: skip
    files: dict[str, bytes | str] = {}
    for issued in plan.manifest.issued:
        student = issued.student
        stem = issued.stem
        mine = plan.variants[student.id]
        files.update(
            _student_pages(
                mine, name, student.id, student.name, issued.fingerprint, seed, level, t, stem,
                practice,
            )
        )  # fmt: skip
        files[f"students/{stem}-sheet.html"] = _sheet(
            [v.problem for v in mine], name, student.id, student.name, issued.fingerprint, seed, t
        )
    files["manifest.json"] = plan.manifest.to_json()
    files["index.html"] = _index(plan.manifest, plan.variants, practice, t)
    written = write_together(out, files)
    return IssuedAssignment(plan.manifest, written)


def _previous(out: str | Path) -> Manifest | None:
    """The manifest already in ``out`` (None: none, or one that cannot be read)."""
    if not (Path(out) / "manifest.json").is_file():
        return None
    try:
        return read_manifest(out)
    except ManifestError:
        return None


def _student_pages(
    mine: list[Variant],
    assignment: str,
    student_id: str,
    name: str,
    print_: str,
    seed: int,
    level: int,
    t: Translator,
    stem: str,
    practice: bool,
) -> dict[str, str]:
    """The student's page file(s), by path: one graded page with every problem, or (practice)
    an exercise page per problem, ``STEM.html`` or ``STEM-p1.html``, ``STEM-p2.html``, …"""
    from ..steps.exercise import exercise_html
    from ..steps.graded import GradedStudent, graded_html

    if practice:
        title = t("assignment.practice_title", assignment=assignment, name=name or student_id)
        if len(mine) == 1:
            return {
                f"students/{stem}.html": exercise_html(
                    mine[0].problem.root, lang=t.lang, title=title
                )
            }
        return {
            f"students/{stem}-p{number}.html": exercise_html(
                variant.problem.root,
                lang=t.lang,
                title=title + " · " + t("graded.problem", number=number, total=len(mine)),
            )
            for number, variant in enumerate(mine, start=1)
        }
    extra = practice_problem(student_id, assignment, seed, level)
    practice_page = exercise_html(
        extra.root, lang=t.lang, title=t("assignment.another_title", assignment=assignment)
    )
    page = graded_html(
        [variant.problem.root for variant in mine],
        GradedStudent(assignment, student_id, name, print_),
        submission_format(),
        lang=t.lang,
        practice_page=practice_page,
        file_stem=stem,
    )
    return {f"students/{stem}.html": page}


def _sheet(
    problems: list[Problem],
    assignment: str,
    student_id: str,
    name: str,
    print_: str,
    seed: int,
    t: Translator,
) -> str:
    """The student's printable sheet: the worksheet of each of their graphs (no answers)."""
    from ..worksheets import page, sheet_html

    who = escape(t("assignment.sheet_who", assignment=assignment, name=name, id=student_id,
                   fingerprint=print_))  # fmt: skip
    sections = []
    for number, problem in enumerate(problems, start=1):
        shown = replace(problem, number=number, seed=seed)
        section = sheet_html(shown, len(problems), t)
        section = re.sub(r'<p class="who">.*?</p>', f'<p class="who">{who}</p>', section, count=1)
        sections.append(section)
    title = t("assignment.sheet_title", assignment=assignment, id=student_id)
    return page(title, "\n".join(sections), t)


def _index(manifest: Manifest, variants: dict, practice: bool, t: Translator) -> str:
    """The teacher's page: the settings, what to do next, and a row per student."""
    from ..worksheets import page

    rows = []
    for position, issued in enumerate(manifest.issued, start=1):
        student = issued.student
        sheet = f"students/{issued.stem}-sheet.html"
        graphs = " | ".join("; ".join(v.problem.equations()) for v in variants[student.id])
        stem = issued.stem
        pages = (  # practice pages of several problems are a page each
            [f"students/{stem}-p{k}.html" for k in range(1, manifest.problems + 1)]
            if practice and manifest.problems > 1
            else [issued.page]
        )
        word = t("assignment.index.page")
        links = " · ".join(
            f'<a href="{escape(href)}">{escape(word)}{f" {k}" if len(pages) > 1 else ""}</a>'
            for k, href in enumerate(pages, start=1)
        )
        rows.append(
            f"<tr><td>{position}</td><td>{escape(student.id)}</td><td>{escape(student.name)}</td>"
            f"<td>{links} · "
            f'<a href="{escape(sheet)}">{escape(t("assignment.index.sheet"))}</a></td>'
            f"<td class='fingerprint' style='white-space: nowrap'>{escape(issued.fingerprint)}</td>"
            f"<td class='graph'>{escape(graphs)}</td></tr>"
        )
    heading = t("assignment.index.title", assignment=manifest.assignment)
    settings = t(
        "assignment.index.settings",
        students=len(manifest.issued),
        level=manifest.level,
        problems=manifest.problems,
        seed=manifest.seed,
        layout=manifest.roster.layout,
    )
    steps = "".join(
        # the first student's real file name: an assignment named 作业3 has ASCII-only file names
        f"<li>{escape(t(key, assignment=manifest.assignment, example=manifest.issued[0].page))}</li>"
        for key in (
            ("assignment.index.step_practice",)
            if practice
            else ("assignment.index.step_hand_out", "assignment.index.step_collect",
                  "assignment.index.step_grade", "assignment.index.step_keep")
        )
    )  # fmt: skip
    columns = "".join(
        f"<th>{escape(t(f'assignment.index.{key}'))}</th>"
        for key in ("number", "id", "name", "files", "fingerprint", "graphs")
    )
    body = (
        f'<section class="summary"><h1>{escape(heading)}</h1>\n'
        f"<p>{escape(settings)}</p>\n<p>{escape(t(f'level.{manifest.level}'))}</p>\n"
        f"<ol>{steps}</ol>\n"
        f"<table><thead><tr>{columns}</tr></thead>\n<tbody>{''.join(rows)}</tbody></table>"
        "</section>"
    )
    return page(heading, body, t)
