"""Grading the files students handed in, and writing the files the school's systems read.

:func:`grade` reads the manifest, reads every submission file (a file that cannot be used is
named with its reason, the others go on), grades them (``grading``) and writes ``grades.csv``,
``gradescope/STEM/results.json`` per graded student (``gradebook``) and ``report.html``
(``report``) — together, or not at all (``files.write_together``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..files import TooBig, read_at_most, write_together
from ..i18n import Listed, Translator, error
from .errors import AssignmentError, ManifestError, SubmissionError
from .gradebook import FEEDBACK, grades_csv, gradescope_json
from .grading import Grading, grade_submissions
from .issue import CHECKING_RULE, PRACTICE_RULE, check_out
from .manifest import read_manifest
from .report import report_html
from .submission import Submission, read_submissions

MAX_METADATA_BYTES = 1_000_000
"""Gradescope's submission metadata read at most (a real one is a few KB)."""
MAX_FILES = 10_000
"""The most files ``grade`` reads in one run (a class of 1,000 handing in several files each)."""


def grade(
    submissions: Sequence[str | Path],
    assignment: str | Path,
    out: str | Path,
    *,
    lang: str | None = None,
    gradescope_metadata: str | Path | None = None,
    gradescope_feedback: str = "after-due-date",
) -> GradingResult:
    """Grade the submission files (or folders of them) against the assignment in ``assignment``
    and write ``grades.csv``, ``gradescope/STEM/results.json`` per graded student and
    ``report.html`` into ``out`` — together, or not at all.

    A file that cannot be graded is reported (``refused``) and the rest are graded; a manifest
    that cannot be read raises :class:`ManifestError` before anything is written. ``lang``: the
    language of the report and of Gradescope's texts (default: the assignment's).
    ``gradescope_metadata``: Gradescope's ``/autograder/submission_metadata.json``; a submission
    is then graded only if it is for the student who uploaded it (their e-mail on the roster, or
    their ID): on Gradescope each upload is graded alone, and a classmate's downloaded file
    would otherwise earn the uploader the classmate's score. ``gradescope_feedback``: what the
    ``results.json`` files let a student see, ``"after-due-date"`` (each box with its answer,
    shown after the due date) or ``"immediate"`` (right or wrong at once, without the answers;
    ``gradebook``).
    """
    if gradescope_feedback not in FEEDBACK:
        choices = Listed(tuple(map(repr, FEEDBACK)), "or")
        raise error(
            ValueError, "grade.error.feedback", got=repr(gradescope_feedback), choices=choices
        )
    check_out(out)
    uploaders = read_gradescope_uploaders(gradescope_metadata) if gradescope_metadata else []
    manifest = read_manifest(assignment)
    t = Translator(lang if lang is not None else manifest.lang)  # the class's language
    if manifest.checking == PRACTICE_RULE:
        raise ManifestError(str(assignment), "practice_manifest")
    if manifest.checking != CHECKING_RULE:
        raise ManifestError(str(assignment), "unknown_rule", rule=repr(manifest.checking))
    found: list[Submission] = []
    refused: list[SubmissionError] = []
    # grading's own folders are not submissions: `grade . --assignment hw3 --out grades` run
    # again in a folder holding both would read the pages, the manifest and last run's results
    for path in _files(submissions, skip=(Path(out), Path(assignment))):
        try:
            found += read_submissions(path)
        except SubmissionError as refusal:
            refused.append(refusal)
    grading = grade_submissions(manifest, found, refused, t, uploaders)
    files: dict[str, str | bytes] = {"grades.csv": grades_csv(grading)}
    for issued, one in zip(manifest.issued, grading.grades):  # (grades are in roster order)
        if one.submitted:
            files[f"gradescope/{issued.stem}/results.json"] = gradescope_json(
                one, t, gradescope_feedback
            )
    files["report.html"] = report_html(grading, t)
    return GradingResult(grading, write_together(out, files))


@dataclass(frozen=True)
class GradingResult:
    """What :func:`grade` found and the files it wrote."""

    grading: Grading
    files: list[Path]


def read_gradescope_uploaders(path: str | Path) -> list[str]:
    """The e-mails (and student IDs, ``sid``, where Gradescope gives them) of the users of a
    Gradescope ``submission_metadata.json``; AssignmentError when it holds none."""
    try:
        data = json.loads(read_at_most(path, MAX_METADATA_BYTES).decode("utf-8"))
    except (OSError, TooBig, UnicodeDecodeError, json.JSONDecodeError):
        data = None
    users = data.get("users") if isinstance(data, dict) else None
    names = [
        str(user[key])
        for user in (users if isinstance(users, list) else [])
        if isinstance(user, dict)
        for key in ("email", "sid")
        if isinstance(user.get(key), (str, int)) and str(user[key]).strip()
    ]
    if not names:
        raise AssignmentError(str(path), "bad_metadata")
    return names


def _files(paths: Sequence[str | Path], skip: Sequence[Path] = ()) -> list[Path]:
    """The files given, a folder standing for every file under it, in its subfolders too
    (sorted; hidden files and folders skipped): Moodle's "Download all submissions" unzips to a
    folder per student, and Gradescope keeps an uploaded folder's layout. A file given twice (by
    two names, or in a folder and by name) is read once. More than MAX_FILES files (a folder
    given by mistake, such as a home folder) is refused before any is read. Folders in ``skip``
    (and what is in them) are left out of a folder's files."""
    skipped = {folder.resolve() for folder in skip}
    found: dict[Path, Path] = {}
    for path in map(Path, paths):
        inside = sorted(_under(path, skipped)) if path.is_dir() else [path]
        for file in inside:
            found.setdefault(file.resolve(), file)
            if len(found) > MAX_FILES:
                raise AssignmentError(str(path), "too_many_files", most=MAX_FILES)
    return list(found.values())


def _under(folder: Path, skipped: set[Path]) -> Iterator[Path]:
    """The files under ``folder``, at any depth, but none hidden or in a hidden folder (a
    zip's ``.DS_Store``, ``__MACOSX/._hw3.json``) or in a ``skipped`` one."""
    for root, folders, names in os.walk(folder):
        folders[:] = [
            name
            for name in folders
            if not name.startswith(".") and Path(root, name).resolve() not in skipped
        ]
        yield from (Path(root, name) for name in names if not name.startswith("."))
