"""Rosters: who is in the class, read from the CSV file the school's LMS exports.

Three layouts are recognised by their header row:

- **Canvas** (Grades → Export): ``Student, ID, SIS User ID, SIS Login ID, Section, …``. The
  student's ID is Canvas's ``ID`` column (what its gradebook import matches on), the name is
  ``Student`` ("Last, First"). The rows Canvas puts before the students (``Points Possible``,
  ``Manual Posting``) and its "Student, Test" (the teacher's student view) are skipped.
- **Moodle** (Grades → Export → Plain text file, or Participants → Download):
  ``First name, Last name, ID number, …, Email address`` (``Surname`` in Moodle before 3.11).
  The ID is ``ID number``; where a site leaves that column empty for every student, or the
  export has none, ``Email address`` (the other field Moodle's grade import can match on).
  A name whose two parts are both Chinese is written family name first with no space (林怡君,
  not 怡君 林).
- **Plain**: ``id, name`` (any case, other columns allowed): the least common denominator;
  ``student id`` and ``student name``, or 學號/学号 and 姓名, are read as the same.

The file may be UTF-8 (with or without Excel's byte-order mark) or UTF-16 with its mark (Excel's
"Unicode Text", tab-separated); a Big5 or GBK file is refused with how to save it as UTF-8
(:mod:`.text`). A bad roster is refused whole, with the line and the reason (a column missing,
an ID empty or on two lines): nothing is issued for half a class. The columns of each student's row are kept,
so the gradebook can be written in the roster's own layout.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..files import TooBig, os_reason, read_at_most
from .errors import RosterError
from .text import decode_text

MAX_STUDENTS = 1000
"""The most students a roster may list (an assignment draws and draws a page per student)."""
MAX_ROSTER_BYTES = 5_000_000
"""A roster file larger than this is refused before it is read (a 1,000-student export is ~200 KB)."""
MAX_ID_LENGTH = 100
LAYOUTS = ("canvas", "moodle", "plain")
PLAIN_ID_COLUMNS = ("id", "student id", "student_id", "學號", "学号")
"""What a plain roster's ID column may be called (any case): a class list a teacher typed."""
PLAIN_NAME_COLUMNS = ("name", "student name", "姓名")
MOODLE_LAST_NAME_COLUMNS = ("last name", "surname")
"""Moodle's last-name column: 'Surname' until Moodle 3.11 renamed it."""

_CANVAS_SKIPPED = ("points possible", "manual posting", "student, test", "test student")


@dataclass(frozen=True)
class Student:
    """One student of a roster: ``id`` (as the LMS knows them), ``name``, and ``row``: every
    column of their line, by header, so grades go back in the roster's own layout."""

    id: str
    name: str
    line: int
    row: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Roster:
    """The students in the file's order, the layout recognised and the header as it was."""

    students: tuple[Student, ...]
    layout: str
    """'canvas', 'moodle' or 'plain'."""
    header: tuple[str, ...]
    id_column: str
    name_columns: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.students)

    def find(self, student_id: str) -> Student | None:
        """The student with this ID, or None."""
        return self._by_id.get(student_id)

    @property
    def _by_id(self) -> dict[str, Student]:
        return {student.id: student for student in self.students}

    @property
    def identity_columns(self) -> tuple[str, ...]:
        """The columns that say who a student is, in the layout's order: what a gradebook
        file written for this LMS starts with (Canvas: Student, ID, SIS User ID, SIS Login ID,
        Section; Moodle: First name, Last name, ID number, Email address; plain: id, name)."""
        wanted = {
            "canvas": ("student", "id", "sis user id", "sis login id", "section"),
            "moodle": ("first name", *MOODLE_LAST_NAME_COLUMNS, "id number", "email address"),
            "plain": (self.id_column.lower(), self.name_columns[0].lower()),
        }[self.layout]
        by_name = {column.strip().lower(): column for column in self.header}
        return tuple(by_name[name] for name in wanted if name in by_name)


def read_roster(path: str | Path) -> Roster:
    """Read a roster CSV (Canvas, Moodle or ``id,name``), or raise :class:`RosterError`."""
    shown = str(path)
    try:
        data = read_at_most(path, MAX_ROSTER_BYTES)
    except IsADirectoryError:
        raise RosterError(shown, 0, "folder") from None
    except TooBig as error:
        raise RosterError(
            shown, 0, "roster_too_big", size=error.size, most=MAX_ROSTER_BYTES
        ) from None
    except OSError as error:
        raise RosterError(shown, 0, "unreadable", error=os_reason(error)) from None
    return parse_roster(data, shown)


def parse_roster(data: bytes | str, name: str = "roster") -> Roster:
    """A roster from the bytes (or text) of a CSV file; ``name`` is what errors call it."""
    if isinstance(data, bytes):
        try:
            text = decode_text(data)
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            raise RosterError(name, line, "not_utf8") from None
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        raise RosterError(name, 0, "roster_empty")
    if "\0" in text:
        raise RosterError(name, text[: text.index("\0")].count("\n") + 1, "nul")
    first_line = text.splitlines()[0]
    # Excel in much of Europe writes ';', Moodle's export offers tab, ';' and ':' as well
    delimiter = max(",;\t:", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = tuple(cell.strip() for cell in next(reader))
        layout, id_column, name_columns = _layout(header, name)
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise RosterError(name, reader.line_num, "bad_csv", error=str(error)) from None
    return _students(rows, header, layout, id_column, name_columns, name)


def _layout(header: Sequence[str], name: str) -> tuple[str, str, tuple[str, ...]]:
    """(layout, ID column, name columns) from the header, or the error saying what is missing."""
    columns = {cell.lower(): cell for cell in header}
    if "student" in columns and "id" in columns:
        return "canvas", columns["id"], (columns["student"],)
    last = next((columns[c] for c in MOODLE_LAST_NAME_COLUMNS if c in columns), None)
    if "first name" in columns and last is not None:
        for id_name in ("id number", "email address"):
            if id_name in columns:
                return "moodle", columns[id_name], (columns["first name"], last)
        raise RosterError(name, 1, "moodle_id")
    id_column = next((columns[c] for c in PLAIN_ID_COLUMNS if c in columns), None)
    name_column = next((columns[c] for c in PLAIN_NAME_COLUMNS if c in columns), None)
    if id_column is not None and name_column is not None:
        return "plain", id_column, (name_column,)
    found = ", ".join(repr(cell) for cell in header if cell) or "nothing"
    raise RosterError(name, 1, "missing_column", found=found)


def _students(
    rows: list[tuple[int, list[str]]],
    header: tuple[str, ...],
    layout: str,
    id_column: str,
    name_columns: tuple[str, ...],
    name: str,
) -> Roster:
    if layout == "moodle" and id_column.lower() == "id number":
        position = header.index(id_column)
        if all(not row[position].strip() for _, row in rows if len(row) > position):
            emails = [cell for cell in header if cell.lower() == "email address"]
            if emails:  # the site does not use ID numbers: Moodle's import matches on e-mail
                id_column = emails[0]
    id_at = header.index(id_column)
    name_at = [header.index(column) for column in name_columns]
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # a blank line (spreadsheets leave them at the end)
        cells = [*row, *[""] * (len(header) - len(row))]
        if layout == "canvas" and _canvas_meta_row(cells[name_at[0]], cells[id_at]):
            continue
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            raise RosterError(name, line, "too_many_cells", cells=len(row), columns=len(header))
        student_id = cells[id_at].strip()
        if not student_id:
            raise RosterError(name, line, "empty_id", column=id_column)
        if len(student_id) > MAX_ID_LENGTH or not student_id.isprintable():
            raise RosterError(name, line, "bad_id", id=repr(student_id[:40]), most=MAX_ID_LENGTH)
        if student_id in seen:
            raise RosterError(
                name, line, "duplicate_id", id=repr(student_id), first=seen[student_id]
            )
        seen[student_id] = line
        full_name = _full_name([cells[i].strip() for i in name_at])
        students.append(Student(student_id, full_name, line, tuple(zip(header, cells))))
        if len(students) > MAX_STUDENTS:
            raise RosterError(name, line, "too_many_students", most=MAX_STUDENTS)
    if not students:
        raise RosterError(name, 0, "no_students")
    return Roster(tuple(students), layout, header, id_column, name_columns)


def _full_name(parts: list[str]) -> str:
    """The name from its columns (first name, last name for Moodle); two Chinese parts are
    written family name first with no space, as Chinese names are (林 + 怡君 → 林怡君)."""
    parts = [part for part in parts if part]
    if len(parts) == 2 and all(_is_han(part) for part in parts):
        return parts[1] + parts[0]
    return " ".join(parts)


def _is_han(text: str) -> bool:
    """Whether every character is a Chinese character (CJK Unified Ideographs, A and B)."""
    return all(
        "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" or "\U00020000" <= c <= "\U0002a6df"
        for c in text
    )


def _canvas_meta_row(student: str, student_id: str) -> bool:
    """Canvas's rows that are not students: 'Points Possible', 'Manual Posting', Test Student."""
    label = student.strip().lower()
    return label in _CANVAS_SKIPPED or (not label and not student_id.strip())
