"""The grades, in the files the school's systems import: ``grades.csv`` and Gradescope's JSON.

``grades.csv`` has a row per student in the roster's order, and starts with the roster's own
identity columns, so the LMS matches its students: Canvas's ``Student, ID, SIS User ID,
SIS Login ID, Section`` (then a ``Points Possible`` row, as Canvas's own export has), Moodle's
``First name, Last name, ID number, Email address``, or ``id, name``. Then the score (its column
is named after the assignment, which is how Canvas finds the assignment and what Moodle's import
maps to a grade item), ``max``, and a column per problem. Each problem is worth
``POINTS_PER_PROBLEM`` (10) points shared evenly by its boxes, so every student has the same
maximum whatever the size of their graphs. The file is UTF-8 with a byte-order mark (so Excel
reads names in any script) and CRLF line ends (RFC 4180).

Two rules come from how the importers read the file, not from taste:

- **Canvas** turns every column it does not know into a *new assignment* unless the
  ``Points Possible`` row says ``(read only)`` under it (what Canvas's own export writes under
  its computed columns, and what its importer skips). ``max`` and the problem columns are
  marked so: importing the file as it is changes only the assignment's own column, instead of
  adding the same points three times over.
- **A student with no submission** has no grade, not a zero: an empty cell for Canvas (its
  export's "no score"), and ``-`` for Moodle and plain rosters (Moodle's export writes ``-``,
  and its importer reads only ``-`` as "no grade" in a new grade item: an empty cell there is
  stored as 0).

Gradescope's autograder reads ``results.json`` (its documented schema): ``score``,
``max_score``, ``output`` and ``tests``, a list of ``{name, score, max_score, output,
visibility}``; one is written per graded submission. Two kinds of feedback (``FEEDBACK``):

- ``after-due-date`` (the default): each test's output says the answer, so its visibility is
  ``after_due_date``: on a page a student may submit again until the due date, answers shown at
  once would be answers to copy into the next submission. Gradescope shows these tests only
  after the due date.
- ``immediate``: each test is ``visible`` at once, and its output says right or wrong (and the
  mistake, when one is recognised) but not the answer: a student sees the score and which boxes
  to work on again, as on the practice page.
"""

from __future__ import annotations

import csv
import io
import json

from ..i18n import Translator
from ..judging import half_digit
from ..practice import DIGITS, parse_answer, shown
from .grading import POINTS_PER_PROBLEM, Grade, Grading, Mark

CANVAS_POINTS_ROW = "    Points Possible"
"""The first cell of the row Canvas puts under its header (with the leading spaces it writes)."""
CANVAS_READ_ONLY = "(read only)"
"""What Canvas writes in the Points Possible row under a column its import must not change."""
NO_GRADE = {"canvas": "", "moodle": "-", "plain": "-"}
"""The cell of a student with no submission, by roster layout (see the module's docstring)."""
FEEDBACK = {"after-due-date": "after_due_date", "immediate": "visible"}
"""The kinds of feedback on Gradescope (see the module's docstring), each with its tests'
``visibility``."""


def score_columns(grading: Grading) -> list[str]:
    """The columns after the identity columns: the assignment (the score), max, problem 1…"""
    problems = grading.manifest.problems
    return [
        grading.manifest.assignment,
        "max",
        *[f"{grading.manifest.assignment} problem {k}" for k in range(1, problems + 1)],
    ]


def grades_csv(grading: Grading) -> str:
    """``grades.csv``'s text (see the module's docstring)."""
    roster = grading.manifest.roster
    identity = list(roster.identity_columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*identity, *score_columns(grading)])
    problems = grading.manifest.problems
    if roster.layout == "canvas":
        possible = [CANVAS_POINTS_ROW if column.lower() == "student" else "" for column in identity]
        read_only = [CANVAS_READ_ONLY] * (1 + problems)  # max and the problems: not assignments
        writer.writerow([*possible, POINTS_PER_PROBLEM * problems, *read_only])
    missing = NO_GRADE[roster.layout]
    for grade in grading.grades:
        row = dict(grade.student.row)
        cells: list[object] = [row.get(column, "") for column in identity]
        if grade.submitted:
            points = [grade.points, *grade.problem_points()]
            cells += [number_text(points[0]), grade.max_points, *map(number_text, points[1:])]
        else:
            cells += [missing, grade.max_points, *[missing] * problems]
        writer.writerow(cells)
    return "\ufeff" + buffer.getvalue()


def number_text(x: float) -> str:
    """8.33, 10 (not 10.0): points as a gradebook shows them."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def gradescope_results(
    grade: Grade, t: Translator, feedback: str = "after-due-date"
) -> dict[str, object]:
    """Gradescope's ``results.json`` for one graded submission: a test per answer, each worth
    its share of its problem's points; ``feedback``: one of ``FEEDBACK``."""
    visibility = FEEDBACK[feedback]
    with_answer = feedback == "after-due-date"
    tests = []
    for mark in grade.marks:
        worth = round(POINTS_PER_PROBLEM / grade.questions[mark.problem - 1], 4)
        tests.append(
            {
                "name": t("grade.test_name", problem=mark.problem, node=mark.node),
                "score": worth if mark.right else 0.0,
                "max_score": worth,
                "output": mark_text(mark, t, with_answer),
                "visibility": visibility,
            }
        )
    return {
        "score": grade.points,
        "max_score": float(grade.max_points),
        "output": t("grade.summary", score=grade.score, total=grade.max_score),
        "tests": tests,
    }


def mark_text(mark: Mark, t: Translator, with_answer: bool = True) -> str:
    """'You wrote −4; the answer is −4: right.' (and the mistake, when one is recognised). A
    right answer away from the exact one (rounded work, or carried on from the student's own
    earlier slip) says why it is right, not "the answer is −0.1: right" under a typed 0.11.
    Without the answer: 'You wrote −4: right.'"""
    answer = shown(mark.exact)
    if not mark.answer:
        key = "grade.mark_empty"
    elif mark.right and not _near(mark.answer, mark.exact):
        key = "grade.mark_right_own"
    else:
        key = "grade.mark_right" if mark.right else "grade.mark_wrong"
    if not with_answer:
        key += "_no_answer"
    text = t(key, typed=mark.answer, answer=answer)
    if mark.advice:
        text += " " + mark.advice
    return text


def _near(typed: str, exact: float) -> bool:
    """Whether the typed answer is within half the shown digit of the exact one."""
    return abs(parse_answer(typed) - exact) <= half_digit(DIGITS)


def gradescope_json(grade: Grade, t: Translator, feedback: str = "after-due-date") -> str:
    """:func:`gradescope_results` as the text of a ``results.json`` file."""
    results = gradescope_results(grade, t, feedback)
    return json.dumps(results, ensure_ascii=False, indent=1) + "\n"
