"""The teacher's manifest: what was issued, to whom, and how it is checked.

``microgradpp assignment`` writes ``manifest.json`` beside the pages; ``microgradpp grade``
reads it back and re-creates every student's graph from it (never from the submission). It
holds, per student, the roster's row (so grades go back in the roster's layout), the variant
seed and round of each problem and the digest of the graph drawn, and the fingerprint their
page carries. Anyone with the manifest can re-create every graph and so every answer: it is
the teacher's, not the students'.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files import TooBig, os_reason, read_at_most
from .errors import ManifestError
from .roster import Roster, Student
from .variants import VARIANT_VERSION, signature_digest, variant_problem

FORMAT = "microgradpp assignment manifest"
VERSION = 1
MAX_MANIFEST_BYTES = 50_000_000


@dataclass(frozen=True)
class IssuedProblem:
    """One problem as issued: its variant seed, the round it was drawn in, its graph's digest."""

    seed: int
    round: int
    digest: str


@dataclass(frozen=True)
class Issued:
    """One student as issued: who, their fingerprint, their problems and page file."""

    student: Student
    fingerprint: str
    problems: tuple[IssuedProblem, ...]
    page: str
    """The page's file name, relative to the assignment folder."""
    stem: str
    """The student's file names without extension ('hw3-S001'): page, sheet, Gradescope folder."""


@dataclass(frozen=True)
class Manifest:
    """Everything ``grade`` needs: the assignment's settings, the roster, what each got."""

    assignment: str
    level: int
    problems: int
    seed: int
    lang: str
    checking: str
    """The checking rule's name: grading refuses a manifest whose rule it does not know."""
    roster: Roster
    issued: tuple[Issued, ...]

    def find(self, student_id: str) -> Issued | None:
        """What was issued to this student ID, or None if they are not on the roster."""
        for issued in self.issued:
            if issued.student.id == student_id:
                return issued
        return None

    def owner_of(self, fingerprint: str) -> Issued | None:
        """Whose page carries this fingerprint (None: nobody's)."""
        for issued in self.issued:
            if issued.fingerprint == fingerprint:
                return issued
        return None

    def to_json(self) -> str:
        """The manifest as JSON text (sorted keys, one field per line: diffs read well)."""
        roster = self.roster
        data = {
            "format": FORMAT,
            "version": VERSION,
            "variant_version": VARIANT_VERSION,
            "assignment": self.assignment,
            "level": self.level,
            "problems": self.problems,
            "seed": self.seed,
            "lang": self.lang,
            "checking": self.checking,
            "roster": {
                "layout": roster.layout,
                "header": list(roster.header),
                "id_column": roster.id_column,
                "name_columns": list(roster.name_columns),
            },
            "students": [
                {
                    "id": issued.student.id,
                    "name": issued.student.name,
                    "line": issued.student.line,
                    "row": [list(cell) for cell in issued.student.row],
                    "fingerprint": issued.fingerprint,
                    "page": issued.page,
                    "stem": issued.stem,
                    "problems": [
                        {"seed": str(p.seed), "round": p.round, "digest": p.digest}
                        for p in issued.problems
                    ],
                }
                for issued in self.issued
            ],
        }
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def read_manifest(folder: str | Path) -> Manifest:
    """The manifest of the assignment in ``folder`` (or the manifest file itself), checked."""
    path = Path(folder)
    if path.is_dir():
        path = path / "manifest.json"
    where = str(path)
    try:
        text = read_at_most(path, MAX_MANIFEST_BYTES).decode("utf-8")
    except TooBig as error:
        raise ManifestError(
            where, "manifest_too_big", size=error.size, most=MAX_MANIFEST_BYTES
        ) from None
    except FileNotFoundError:
        raise ManifestError(where, "no_manifest") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(
            where,
            "unreadable",
            error=os_reason(error) if isinstance(error, OSError) else str(error),
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(where, "manifest_damaged", error=str(error)) from None
    return parse_manifest(data, where)


def parse_manifest(data: Any, where: str = "manifest.json") -> Manifest:
    """A manifest from its parsed JSON; :class:`ManifestError` names what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ManifestError(where, "not_a_manifest")
    if data.get("version") != VERSION or data.get("variant_version") != VARIANT_VERSION:
        raise ManifestError(
            where, "manifest_version", version=data.get("version"), supported=VERSION
        )
    try:
        roster_data = data["roster"]
        header = tuple(str(cell) for cell in roster_data["header"])
        students = []
        issued = []
        for entry in data["students"]:
            student = Student(
                str(entry["id"]),
                str(entry["name"]),
                int(entry["line"]),
                tuple((str(a), str(b)) for a, b in entry["row"]),
            )
            students.append(student)
            problems = tuple(
                IssuedProblem(int(p["seed"]), int(p["round"]), str(p["digest"]))
                for p in entry["problems"]
            )
            issued.append(
                Issued(
                    student,
                    str(entry["fingerprint"]),
                    problems,
                    str(entry["page"]),
                    str(entry["stem"]),
                )
            )
        roster = Roster(
            tuple(students),
            str(roster_data["layout"]),
            header,
            str(roster_data["id_column"]),
            tuple(str(c) for c in roster_data["name_columns"]),
        )
        manifest = Manifest(
            str(data["assignment"]),
            int(data["level"]),
            int(data["problems"]),
            int(data["seed"]),
            str(data["lang"]),
            str(data["checking"]),
            roster,
            tuple(issued),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ManifestError(
            where, "manifest_damaged", error=f"{type(error).__name__}: {error}"
        ) from None
    if manifest.level not in (1, 2, 3) or not manifest.issued:
        raise ManifestError(where, "manifest_damaged", error="no students or no level")
    return manifest


def recreate(manifest: Manifest, issued: Issued, where: str = "manifest.json") -> list:
    """The student's problems, drawn again from their variant seeds, each checked against the
    digest recorded when it was issued (a different generator would grade another graph)."""
    problems = []
    for number, recorded in enumerate(issued.problems, start=1):
        problem = variant_problem(manifest.level, recorded.seed)
        if signature_digest(problem) != recorded.digest:
            raise ManifestError(
                where, "generator_changed", id=repr(issued.student.id), number=number
            )
        problems.append(problem)
    return problems
