"""Grading: every student's graphs re-created from the manifest, every answer judged again.

Nothing the student's machine says is trusted: the page does not check, and the submission
carries only what was typed. For each submission :func:`grade_submissions`

1. checks it belongs here: this assignment, an ID on the roster, and the fingerprint of the page
   issued to that ID (another fingerprint means the work was done on someone else's page), and
   that whoever uploaded it, where that is known, is that student (a Canvas download's file
   name, :func:`canvas_uploader`; Gradescope's metadata, ``handed_in_by``);
2. keeps the later of two submissions from one student (and reports the earlier one);
3. re-creates the student's problems from their variant seeds (``manifest.recreate``) and
   judges each typed answer with the fair checking rule of :mod:`microgradpp.judging` (the
   engine's own gradients, rounding-fair, mistakes named).

A student on the roster with no submission gets no score (an empty cell, not a zero: the LMS
then shows the work as missing).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from ..engine import Value
from ..i18n import Translator
from ..judging import feedback, judge
from ..practice import Problem, parse_answer
from .errors import SubmissionError
from .manifest import Issued, Manifest, recreate
from .roster import Student
from .submission import Submission

POINTS_PER_PROBLEM = 10
"""What each problem is worth, shared evenly by its boxes: students' graphs have different numbers
of boxes (9 or 11), and a gradebook column needs one maximum for the whole class."""
CANVAS_DOWNLOAD_NAME = re.compile(r"[^_]*_(?:late_)?(\d+)_\d+_.", re.IGNORECASE)
"""How Canvas names each file of "Download Submissions": ``name_USERID_ATTACHMENTID_file``, with
``LATE_`` before the user ID of a late one (``chenzhiming_40117_88812_hw3-40118.json``). The
user ID is the ``ID`` column of Canvas's gradebook export: the roster's ID."""
FAN_OUT = "fan-out"
"""The 'gate' of a node used by more than one wire: its gradient is a sum over the wires."""


@dataclass(frozen=True)
class Mark:
    """One answer, graded: where it is, what was typed, the engine's number, right or not."""

    problem: int
    """The problem's number, from 1."""
    node: str
    answer: str
    """As typed ('' when the box was left empty)."""
    exact: float
    right: bool
    attempts: int
    hints: int
    gate: str
    """The gate the node's gradient comes back through ('mul', 'exp', …) or 'fan-out'."""
    mistake: str = ""
    """The mistake a wrong answer matches, an id of ``judging.MISTAKES`` ('' when none is
    recognised, or when right)."""
    advice: str = ""
    """The mistake said to the student, with the graph's names and numbers ('' if none)."""
    could: tuple[str, ...] = ()
    """The mistakes that would change the number here (the chances to make each one)."""


@dataclass(frozen=True)
class Grade:
    """A student's grade: their submission (None: none came) and a mark per question."""

    student: Student
    submission: Submission | None
    marks: tuple[Mark, ...]
    questions: tuple[int, ...]
    """How many questions each problem has (the maximum score of each)."""

    @property
    def submitted(self) -> bool:
        return self.submission is not None

    @property
    def score(self) -> int:
        """One point per right answer."""
        return sum(mark.right for mark in self.marks)

    @property
    def max_score(self) -> int:
        return sum(self.questions)

    def problem_scores(self) -> list[int]:
        """The right answers of each problem, in order."""
        return [
            sum(m.right for m in self.marks if m.problem == number)
            for number in range(1, len(self.questions) + 1)
        ]

    def problem_points(self) -> list[float]:
        """The points of each problem: POINTS_PER_PROBLEM × right / boxes, to 2 decimals."""
        return [
            round(POINTS_PER_PROBLEM * right / boxes, 2) if boxes else 0.0
            for right, boxes in zip(self.problem_scores(), self.questions)
        ]

    @property
    def points(self) -> float:
        """The grade: the problems' points added up (out of :attr:`max_points`)."""
        return round(sum(self.problem_points()), 2)

    @property
    def max_points(self) -> int:
        return POINTS_PER_PROBLEM * len(self.questions)


@dataclass
class Grading:
    """What grading found: a grade per student (roster order), the files or codes refused (each
    with its reason), and the submissions a later one from the same student replaced."""

    manifest: Manifest
    grades: list[Grade]
    refused: list[SubmissionError] = field(default_factory=list)
    replaced: list[tuple[Submission, Submission]] = field(default_factory=list)
    """(earlier, later) pairs: the later one counts."""


def gate_of(problem: Problem, node: Value) -> str:
    """The gate ∂f/∂node comes back through: the gate of the one node it feeds, or 'fan-out'."""
    users = [child for child in problem.computed if any(p is node for p in child.parents)]
    if len(users) != 1 or sum(p is node for p in users[0].parents) > 1:
        return FAN_OUT
    gate = users[0].gate
    return gate.name if gate is not None else ""


def canvas_uploader(manifest: Manifest, source: str) -> str | None:
    """The roster ID of the student who uploaded ``source`` to Canvas, read from the name
    Canvas's "Download Submissions" gives the file; None when the class is not a Canvas roster
    or the name is not Canvas's (a file saved by hand, a paste code, Gradescope's upload)."""
    if manifest.roster.layout != "canvas":
        return None
    path = re.sub(r" \(code \d+\)$", "", source)  # the file of a text's third code: "x (code 3)"
    match = CANVAS_DOWNLOAD_NAME.match(PurePath(path).name)
    if match is None or manifest.find(match.group(1)) is None:
        return None
    return match.group(1)


def is_student(student: Student, names: frozenset[str]) -> bool:
    """Whether one of ``names`` (e-mails or IDs, any case) is this student's ID or a cell of
    their roster row (Moodle's Email address, Canvas's SIS Login ID, …)."""
    cells = {student.id, *(cell for _, cell in student.row)}
    return any(cell.strip().casefold() in names for cell in cells if cell.strip())


def check_belongs(
    manifest: Manifest, submission: Submission, handed_in_by: frozenset[str] = frozenset()
) -> Issued:
    """What was issued to the submission's student, or the SubmissionError saying why it is
    not theirs to hand in (another assignment, an ID not on the roster, someone else's page)."""
    where = submission.source
    if submission.assignment != manifest.assignment:
        raise SubmissionError(
            where,
            "other_assignment",
            got=repr(submission.assignment),
            expected=repr(manifest.assignment),
        )
    issued = manifest.find(submission.student)
    if issued is None:
        raise SubmissionError(where, "not_on_roster", id=repr(submission.student))
    if handed_in_by and not is_student(issued.student, handed_in_by):
        raise SubmissionError(
            where,
            "not_uploader",
            id=repr(submission.student),
            uploader=", ".join(sorted(handed_in_by)),
        )
    uploader = canvas_uploader(manifest, where)
    if uploader is not None and uploader != submission.student:  # a classmate's file, handed in
        raise SubmissionError(
            where, "handed_in_by", uploader=repr(uploader), id=repr(submission.student)
        )
    if submission.fingerprint != issued.fingerprint:
        owner = manifest.owner_of(submission.fingerprint)
        if owner is None:
            raise SubmissionError(
                where,
                "unknown_fingerprint",
                fingerprint=submission.fingerprint,
                id=repr(submission.student),
            )
        raise SubmissionError(
            where,
            "copied",
            fingerprint=submission.fingerprint,
            owner=repr(owner.student.id),
            id=repr(submission.student),
        )
    if len(submission.problems) != len(issued.problems):
        raise SubmissionError(
            where, "problem_count", got=len(submission.problems), expected=len(issued.problems)
        )
    return issued


def judge_answers(
    problem: Problem, answers: Mapping[str, str], t: Translator
) -> dict[str, tuple[bool, str, str]]:
    """Each asked node's (right, mistake, advice) for the typed ``answers`` (by node name), by
    the fair checking rule of :mod:`microgradpp.judging` — the one the quiz, the exercise page
    and the keys use: right within half a digit of the exact answer or of the chain rounded from
    the shown numbers and the student's *own* earlier answers; a wrong answer's mistake named
    when it fits one (``advice`` says it in ``t``'s language). An empty box or a text that is
    not a number is wrong, with no mistake named.
    """
    asked = {node.label for node in problem.asked}
    numbers: dict[str, float] = {}
    for name, text in answers.items():
        if name in asked:
            try:
                numbers[name] = parse_answer(text)
            except ValueError:
                continue
    judged: dict[str, tuple[bool, str, str]] = {}
    for node in problem.asked:
        if node.label not in numbers:
            judged[node.label] = (False, "", "")
            continue
        verdict = judge(problem.work, node, numbers[node.label], numbers)
        advice = feedback(problem.work, verdict, t)
        judged[node.label] = (verdict.right, verdict.mistake or "", advice)
    return judged


def possible_mistakes(problem: Problem, node: Value) -> tuple[str, ...]:
    """The mistakes that change ∂f/∂node's number in this problem (``judging``'s list)."""
    question = problem.work.question(node)
    return tuple(dict.fromkeys(step.mistake for step in problem.work.changing_mistakes(question)))


def grade_student(
    manifest: Manifest, issued: Issued, submission: Submission | None, t: Translator | None = None
) -> Grade:
    """One student's grade (every mark wrong-and-empty when there is no submission); ``t``: the
    language of the marks' advice (English by default)."""
    t = t or Translator("en")
    problems = recreate(manifest, issued)
    marks = []
    questions = []
    for number, problem in enumerate(problems, start=1):
        nodes = problem.asked  # every named node but f, in the order backward completes them
        questions.append(len(nodes))
        work = submission.problems[number - 1] if submission is not None else None
        typed = {k: v.strip() for k, v in work.answers.items()} if work is not None else {}
        judged = judge_answers(problem, typed, t)
        for node in nodes:
            name = node.label
            right, mistake, advice = judged[name]
            marks.append(
                Mark(
                    number,
                    name,
                    typed.get(name, ""),
                    node.grad,
                    right,
                    len(work.attempts.get(name, ())) if work is not None else 0,
                    work.hints.get(name, 0) if work is not None else 0,
                    gate_of(problem, node),
                    mistake,
                    advice,
                    possible_mistakes(problem, node),
                )
            )
    return Grade(issued.student, submission, tuple(marks), tuple(questions))


def grade_submissions(
    manifest: Manifest,
    submissions: Sequence[Submission],
    refused: Sequence[SubmissionError] = (),
    t: Translator | None = None,
    handed_in_by: Sequence[str] = (),
) -> Grading:
    """Grade every submission that belongs (see the module's docstring), in roster order.

    ``handed_in_by``: the e-mails or IDs of whoever uploaded the submissions (Gradescope's
    metadata): a submission for a student none of them identifies is refused."""
    uploaders = frozenset(name.strip().casefold() for name in handed_in_by if name.strip())
    refusals = list(refused)
    counted: dict[str, Submission] = {}
    replaced: list[tuple[Submission, Submission]] = []
    for submission in submissions:
        try:
            check_belongs(manifest, submission, uploaders)
        except SubmissionError as error:
            refusals.append(error)
            continue
        earlier = counted.get(submission.student)
        if earlier is None:
            counted[submission.student] = submission
        elif submission.later_than(earlier):
            replaced.append((earlier, submission))
            counted[submission.student] = submission
        else:
            replaced.append((submission, earlier))
    grades = [
        grade_student(manifest, issued, counted.get(issued.student.id), t)
        for issued in manifest.issued
    ]
    return Grading(manifest, grades, refusals, replaced)
