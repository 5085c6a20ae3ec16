"""What a student hands in: a submission, as a file or as a paste code.

The graded page makes one JSON object::

    {"format": "microgradpp submission", "version": 1, "assignment": "hw3",
     "student": "S001", "name": "Ada Lovelace", "fingerprint": "3f9a-c21b-07d4",
     "revision": 2, "saved": "2026-12-06T17:03:11.204Z",
     "problems": [{"answers": {"x": "-4", ...}, "attempts": {"x": ["4", "-4"]}, "hints": {"x": 1}}]}

and gives it twice: as a file (those bytes) and as a **paste code**, the same bytes deflated
(zlib, whose Adler-32 checksum catches a code cut short) and written in base64url between a
prefix and a final dot: ``MGPP1z.eJyrVkrLz1eyUkpKLFKqBQ….`` (``MGPP1j.`` when the browser has no
``CompressionStream``: not deflated). A code survives an e-mail client's line breaks (spaces
and line breaks inside it are ignored) and may sit anywhere in a text: a file of an LMS quiz's
responses with one code per student is read as that many submissions.

Reading never trusts the content: every field is checked for type and size, and a file that
cannot be used raises :class:`SubmissionError` saying why (the other files are still graded).
What a student can type is bounded, not refused: an answer longer than ``MAX_ANSWER_CHARS`` (an
explanation typed into a box on a page issued before the page stopped it) is kept cut short, so
it is wrong, and a box's attempts beyond ``MAX_ATTEMPTS`` keep the latest; the rest of the work
is graded (refusing the file lost every answer of a student who did this once).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..files import TooBig, os_reason, read_at_most
from .errors import SubmissionError
from .text import decode_text

FORMAT = "microgradpp submission"
VERSION = 1
PREFIX = "MGPP1"
MAX_SUBMISSION_BYTES = 1_000_000
"""A submission file larger than this is refused before it is read (a real one is ~1 KB)."""
MAX_ANSWER_CHARS = 40
"""The longest answer kept (the page's boxes take no more); a longer one is cut, with '…'."""
MAX_ATTEMPTS = 200
"""The most attempts kept per box (the page keeps the latest ones, as reading does)."""
MAX_PROBLEMS = 5

_CODE = re.compile(PREFIX + r"([zj])\.([A-Za-z0-9_\-\s]*)(\.?)")


@dataclass(frozen=True)
class ProblemWork:
    """A student's work on one problem: final answers, every attempt, hints asked (by node)."""

    answers: dict[str, str]
    attempts: dict[str, tuple[str, ...]]
    hints: dict[str, int]


@dataclass(frozen=True)
class Submission:
    """One submission as read: who, for what, on which page, the work; ``source`` says where
    it came from ('alice.json', 'quiz.csv (code 3)')."""

    assignment: str
    student: str
    name: str
    fingerprint: str
    revision: int
    saved: str
    problems: tuple[ProblemWork, ...]
    source: str

    def later_than(self, other: Submission) -> bool:
        """Whether this one was submitted after ``other``: by the time the page saved it (UTC,
        ISO 8601, so the text sorts as the time), then its revision, then the source's name.
        Time comes first: a student who moves to another browser starts again at revision 1."""
        mine = (self.saved, self.revision, self.source)
        return mine > (other.saved, other.revision, other.source)


def submission_format() -> dict[str, object]:
    """What the graded page needs to make a submission: format, version, paste-code prefix, and
    the bounds it keeps what is typed within (the longest answer, the attempts kept per box)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "prefix": PREFIX,
        "max_answer": MAX_ANSWER_CHARS,
        "max_attempts": MAX_ATTEMPTS,
    }


def encode_code(submission: dict[str, Any]) -> str:
    """The paste code of a submission object, as the page makes it (deflated)."""
    raw = json.dumps(submission, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    packed = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")
    return f"{PREFIX}z.{packed}."


def read_submissions(path: str | Path) -> list[Submission]:
    """Every submission in a file: a submission file (JSON), or a text holding paste codes.

    Raises :class:`SubmissionError` for a file that holds none that can be used.
    """
    where = str(path)
    try:
        data = read_at_most(path, MAX_SUBMISSION_BYTES)
    except IsADirectoryError:
        raise SubmissionError(where, "folder") from None
    except TooBig as error:
        raise SubmissionError(
            where, "submission_too_big", size=error.size, most=MAX_SUBMISSION_BYTES
        ) from None
    except OSError as error:
        raise SubmissionError(where, "unreadable", error=os_reason(error)) from None
    return parse_submissions(data, where)


def parse_submissions(data: bytes | str, where: str = "submission") -> list[Submission]:
    """The submissions in the bytes of a file (see :func:`read_submissions`)."""
    if isinstance(data, bytes):
        try:
            text = decode_text(data)  # a file opened and saved again in Notepad may be UTF-16
        except UnicodeDecodeError:
            raise SubmissionError(where, "submission_not_text") from None
    else:
        text = data
    if not text.strip():
        raise SubmissionError(where, "submission_empty")
    if text.lstrip().startswith("{"):
        try:
            content = json.loads(text)
        except json.JSONDecodeError as error:
            cut = error.pos >= len(text.rstrip()) - 1 or error.msg.startswith("Unterminated")
            if cut:  # (json's own words are English: the place is said instead)
                raise SubmissionError(where, "truncated") from None
            raise SubmissionError(
                where, "not_json", line=error.lineno, column=error.colno
            ) from None
        return [parse_submission(content, where)]
    codes = list(_CODE.finditer(text))
    if not codes:
        raise SubmissionError(where, "no_submission")
    found = []
    for number, match in enumerate(codes, start=1):
        source = where if len(codes) == 1 else f"{where} (code {number})"
        found.append(parse_submission(_decode_code(match, source), source))
    return found


def _decode_code(match: re.Match[str], where: str) -> Any:
    kind, body, end = match.groups()
    body = re.sub(r"\s+", "", body)
    if not end or not body:
        raise SubmissionError(where, "code_truncated")
    if len(body) % 4 == 1:  # no base64 text has this length: a character is missing at the end
        body = body[:-1]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if kind == "z":
            unpacker = zlib.decompressobj()
            raw = unpacker.decompress(raw, MAX_SUBMISSION_BYTES)
            if unpacker.unconsumed_tail:
                raise SubmissionError(
                    where,
                    "submission_too_big",
                    size=MAX_SUBMISSION_BYTES,
                    most=MAX_SUBMISSION_BYTES,
                )
            if not unpacker.eof:
                raise SubmissionError(where, "code_truncated")
        return json.loads(raw.decode("utf-8"))
    except (
        binascii.Error,
        zlib.error,
        UnicodeDecodeError,
        json.JSONDecodeError,
        ValueError,
    ) as error:
        if isinstance(error, SubmissionError):
            raise
        raise SubmissionError(where, "code_damaged") from None


def parse_submission(content: Any, where: str) -> Submission:
    """A submission from its parsed JSON, every field checked (type, size)."""
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise SubmissionError(where, "not_a_submission")
    if content.get("version") != VERSION:
        raise SubmissionError(
            where, "submission_version", version=repr(content.get("version")), supported=VERSION
        )

    def text(key: str, most: int = 200) -> str:
        value = content.get(key)
        if not isinstance(value, str) or len(value) > most:
            raise SubmissionError(where, "bad_field", field=key)
        return value

    revision = content.get("revision")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
        raise SubmissionError(where, "bad_field", field="revision")
    problems = content.get("problems")
    if not isinstance(problems, list) or not 1 <= len(problems) <= MAX_PROBLEMS:
        raise SubmissionError(where, "bad_field", field="problems")
    return Submission(
        text("assignment"),
        text("student"),
        text("name"),
        text("fingerprint"),
        revision,
        text("saved"),
        tuple(_work(problem, where) for problem in problems),
        where,
    )


def _work(problem: Any, where: str) -> ProblemWork:
    if not isinstance(problem, dict):
        raise SubmissionError(where, "bad_field", field="problems")
    answers = problem.get("answers", {})
    attempts = problem.get("attempts", {})
    hints = problem.get("hints", {})
    if not (isinstance(answers, dict) and isinstance(attempts, dict) and isinstance(hints, dict)):
        raise SubmissionError(where, "bad_field", field="problems")
    for name, answer in answers.items():
        if not isinstance(answer, str) or len(name) > 20:
            raise SubmissionError(where, "bad_field", field="answers")
    for tried in attempts.values():
        if not isinstance(tried, list) or not all(isinstance(a, str) for a in tried):
            raise SubmissionError(where, "bad_field", field="attempts")
    for count in hints.values():
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 10_000:
            raise SubmissionError(where, "bad_field", field="hints")
    return ProblemWork(
        {str(k): _bounded(v) for k, v in answers.items()},
        {str(k): tuple(map(_bounded, v[-MAX_ATTEMPTS:])) for k, v in attempts.items()},
        {str(k): v for k, v in hints.items()},
    )


def _bounded(answer: str) -> str:
    """The answer as kept: at most MAX_ANSWER_CHARS characters, a longer one cut with '…' (so
    it never reads as the number its first characters might be)."""
    return answer if len(answer) <= MAX_ANSWER_CHARS else answer[:MAX_ANSWER_CHARS] + "…"
