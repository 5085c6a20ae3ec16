"""Rosters as Canvas and Moodle export them, and plain id,name files; bad ones refused by line."""

from __future__ import annotations

import pytest

from microgradpp.assignments import RosterError, parse_roster, read_roster
from microgradpp.assignments import roster as roster_module

CANVAS = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Homework 1 (1201)\n"
    "    Points Possible,,,,,10.00\n"
    '"Lovelace, Ada",1001,S001,ada,Period 1,9.00\n'
    '"Student, Test",9999,,,Period 1,\n'
    '"Turing, Alan",1002,S002,alan,Period 2,\n'
)
MOODLE = (
    "First name,Last name,ID number,Institution,Department,Email address,Quiz: hw1 (Real)\n"
    "Ada,Lovelace,S001,,,ada@school.example,7.00\n"
    "Alan,Turing,S002,,,alan@school.example,-\n"
)


def test_a_canvas_export_is_read_without_its_points_possible_row_and_test_student():
    roster = parse_roster(CANVAS.encode("utf-8"), "canvas.csv")
    assert roster.layout == "canvas"
    assert [(s.id, s.name, s.line) for s in roster.students] == [
        ("1001", "Lovelace, Ada", 3),
        ("1002", "Turing, Alan", 5),
    ]
    assert roster.identity_columns == ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
    assert dict(roster.students[0].row)["SIS Login ID"] == "ada"


def test_a_moodle_export_uses_id_number_or_the_email_when_the_site_has_no_id_numbers():
    roster = parse_roster(MOODLE, "moodle.csv")
    assert (roster.layout, roster.id_column) == ("moodle", "ID number")
    assert [(s.id, s.name) for s in roster.students] == [
        ("S001", "Ada Lovelace"),
        ("S002", "Alan Turing"),
    ]
    assert roster.identity_columns == ("First name", "Last name", "ID number", "Email address")
    no_numbers = MOODLE.replace(",S001,", ",,").replace(",S002,", ",,")
    roster = parse_roster(no_numbers, "moodle.csv")
    assert roster.id_column == "Email address"
    assert [s.id for s in roster.students] == ["ada@school.example", "alan@school.example"]


def test_a_plain_file_in_any_case_with_semicolons_and_blank_lines(tmp_path):
    path = tmp_path / "class.csv"
    path.write_bytes("\ufeffID;Name;Group\nS1;Ada;a\n\nS2;李小龍;b\n\n".encode())
    roster = read_roster(path)
    assert roster.layout == "plain"
    assert [(s.id, s.name, s.line) for s in roster.students] == [
        ("S1", "Ada", 2),
        ("S2", "李小龍", 4),
    ]
    assert roster.identity_columns == ("ID", "Name")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "student_id,full name\nS1,Ada\n",
            "r.csv, line 1: missing column: a roster needs a student-ID column and a name column — "
            "Canvas's 'Student' and 'ID', Moodle's 'First name', 'Last name' and 'ID number', or "
            "'id' and 'name' (or 學號/学号 and 姓名); the header has 'student_id', 'full name'",
        ),
        ("id,name\nS1,Ada\nS2,Bob\nS1,Cy\n", "r.csv, line 4: the ID 'S1' is already on line 2"),
        ("id,name\nS1,Ada\n ,Bob\n", "r.csv, line 3: empty ID (the 'id' column)"),
        ("id,name\n", "r.csv: lists no students (only a header)"),
        ("", "r.csv: is empty: a roster needs a header row and one row per student"),
        ("id,name\nS1,Ada,x,y\n", "r.csv, line 2: has 4 cells but the header has 2 columns"),
        ('id,name\nS1,"Ada\n', "r.csv, line 2: is not valid CSV (unexpected end of data)"),
        ("id,name\nS1,Ada\x00\n", "r.csv, line 2: has a NUL character: this is not a CSV file"),
        (
            "First name,Last name\nAda,L\n",
            "r.csv, line 1: missing column: a Moodle export needs 'ID number' or 'Email address'",
        ),
        (
            "id,name\nS\x071,Ada\n",
            "r.csv, line 2: the ID 'S\\x071' is not a printable text of at most 100 characters",
        ),
    ],
)
def test_a_bad_roster_is_refused_with_the_line_and_the_reason(text, message):
    with pytest.raises(RosterError) as caught:
        parse_roster(text.encode("utf-8"), "r.csv")
    assert str(caught.value) == message


def test_files_that_are_not_rosters_are_refused_before_reading(tmp_path, monkeypatch):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,name\nS1,Ada\nS2,Jos\xe9\n".encode("latin-1"))
    with pytest.raises(RosterError, match=r"latin.csv, line 3: is neither UTF-8 nor UTF-16 text"):
        read_roster(latin)
    with pytest.raises(
        RosterError, match=r"missing.csv: cannot be read \(No such file or directory\)"
    ):
        read_roster(tmp_path / "missing.csv")
    with pytest.raises(RosterError, match=r": is a folder, not a file$"):
        read_roster(tmp_path)
    monkeypatch.setattr(roster_module, "MAX_ROSTER_BYTES", 10)
    with pytest.raises(
        RosterError, match=r"latin.csv: is 23 bytes; a roster may be at most 10 bytes"
    ):
        read_roster(latin)


def test_a_roster_of_more_students_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(roster_module, "MAX_STUDENTS", 2)
    with pytest.raises(RosterError, match="line 4: more than 2 students: split the class"):
        parse_roster("id,name\na,A\nb,B\nc,C\n", "r.csv")


def test_roster_errors_are_said_in_chinese():
    with pytest.raises(RosterError) as caught:
        parse_roster("id,name\nS1,Ada\nS1,Bob\n", "r.csv")
    assert caught.value.translated("zh-Hant") == "r.csv 第 3 行：學號 'S1' 已經出現在第 2 行"
    assert caught.value.translated("zh-Hans") == "r.csv 第 3 行：学号 'S1' 已经出现在第 2 行"


def test_a_class_list_typed_in_chinese_is_a_plain_roster():
    roster = parse_roster("座號,學號,姓名\n1,A001,王小明\n2,A002,陳美玲\n", "班級.csv")
    assert (roster.layout, roster.id_column, roster.identity_columns) == (
        "plain",
        "學號",
        ("學號", "姓名"),
    )
    assert [(s.id, s.name) for s in roster.students] == [("A001", "王小明"), ("A002", "陳美玲")]
    simplified = parse_roster("学号,姓名\nB1,李华\n", "班级.csv")
    assert [(s.id, s.name) for s in simplified.students] == [("B1", "李华")]


CLASS = "學號,姓名\r\nB1090001,林怡君\r\nB1090002,陳家豪\r\n"


@pytest.mark.parametrize(
    "data",
    [
        CLASS.encode("utf-8"),
        b"\xef\xbb\xbf" + CLASS.encode("utf-8"),  # Excel's "CSV UTF-8"
        b"\xff\xfe" + CLASS.replace(",", "\t").encode("utf-16-le"),  # Excel's "Unicode Text"
        b"\xff\xfe" + CLASS.encode("utf-16-le"),
        b"\xfe\xff" + CLASS.encode("utf-16-be"),
    ],
)
def test_utf8_and_utf16_with_its_mark_are_read_as_the_same_class(data):
    roster = parse_roster(data, "班級.csv")
    assert [(s.id, s.name) for s in roster.students] == [
        ("B1090001", "林怡君"),
        ("B1090002", "陳家豪"),
    ]


@pytest.mark.parametrize("encoding", ["cp950", "gbk", "shift_jis"])
def test_a_legacy_code_page_is_refused_with_how_to_save_it_again(encoding):
    # the same bytes are other names in Big5 and GBK: guessing would issue pages to wrong names
    with pytest.raises(RosterError) as caught:
        parse_roster("學號,姓名\nB1,王小明\nB2,李四\n".encode(encoding), "班級.csv")
    assert str(caught.value) == (
        "班級.csv, line 1: is neither UTF-8 nor UTF-16 text (a Big5 or GBK file?): in Excel, "
        "Save As → 'CSV UTF-8 (Comma delimited)' and try again"
    )
    assert "「CSV UTF-8（逗號分隔）」" in caught.value.translated("zh-Hant")


def test_moodle_exports_old_and_new_with_chinese_names_family_name_first():
    grades = (
        "\ufeffFirst name,Surname,ID number,Institution,Department,Email address,"
        "Course total (Real)\n怡君,林,410100001,,,s1@x.tw,-\nAda,Lovelace,410100002,,,a@x.tw,-\n"
    )  # Moodle before 3.11 says Surname
    roster = parse_roster(grades, "grades.csv")
    assert (roster.layout, roster.id_column) == ("moodle", "ID number")
    assert [s.name for s in roster.students] == ["林怡君", "Ada Lovelace"]
    assert roster.identity_columns == ("First name", "Surname", "ID number", "Email address")
    participants = "First name,Last name,Email address\n美玲,陳,s3@x.tw\n"  # Participants page
    roster = parse_roster(participants, "participants.csv")
    assert [(s.id, s.name) for s in roster.students] == [("s3@x.tw", "陳美玲")]


def test_moodles_colon_and_tab_separated_exports_are_read():
    for separator in (":", "\t", ";"):
        text = separator.join(["First name", "Last name", "ID number", "Email address"]) + "\n"
        text += separator.join(["怡君", "林", "410100001", "s1@x.tw"]) + "\n"
        roster = parse_roster(text, "grades.txt")
        assert [(s.id, s.name) for s in roster.students] == [("410100001", "林怡君")]
