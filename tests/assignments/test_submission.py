"""Submissions: a file or a paste code carrying the same object; every bad one refused by name."""

from __future__ import annotations

import json

import pytest

from microgradpp.assignments import (
    SubmissionError,
    encode_code,
    parse_submissions,
    read_submissions,
)
from microgradpp.assignments import submission as submission_module

WORK = {
    "format": "microgradpp submission",
    "version": 1,
    "assignment": "hw3",
    "student": "S001",
    "name": "Ada",
    "fingerprint": "0000-1111-2222",
    "revision": 2,
    "saved": "2026-12-06T17:03:11.204Z",
    "problems": [
        {"answers": {"x": "−4", "y": ""}, "attempts": {"x": ["4", "−4"]}, "hints": {"x": 1}}
    ],
}


def test_a_file_and_its_paste_code_read_as_the_same_submission():
    from_file = parse_submissions(json.dumps(WORK).encode(), "ada.json")[0]
    code = encode_code(WORK)
    assert code.startswith("MGPP1z.") and code.endswith(".") and len(code) < 300
    wrapped = "Dear teacher,\n" + code[:40] + "\n" + code[40:] + "\nAda"  # an e-mail's line break
    from_code = parse_submissions(wrapped, "mail.txt")[0]
    assert from_file.problems == from_code.problems
    assert (from_code.student, from_code.fingerprint, from_code.revision) == (
        "S001",
        "0000-1111-2222",
        2,
    )
    assert from_code.problems[0].answers == {"x": "−4", "y": ""}
    assert from_code.problems[0].attempts == {"x": ("4", "−4")}
    assert from_code.problems[0].hints == {"x": 1}
    assert from_code.source == "mail.txt"


def test_a_text_with_several_codes_is_several_submissions_and_plain_codes_are_read_too():
    import base64

    plain = (
        base64.urlsafe_b64encode(json.dumps({**WORK, "student": "S002"}).encode())
        .decode()
        .rstrip("=")
    )
    text = f"id,answer\nS001,{encode_code(WORK)}\nS002,MGPP1j.{plain}.\n"
    found = parse_submissions(text, "quiz.csv")
    assert [(s.student, s.source) for s in found] == [
        ("S001", "quiz.csv (code 1)"),
        ("S002", "quiz.csv (code 2)"),
    ]


def _error(data, name="s.txt") -> str:
    with pytest.raises(SubmissionError) as caught:
        parse_submissions(data, name)
    return str(caught.value)


def test_codes_cut_short_or_damaged_are_named_as_such():
    code = encode_code(WORK)
    assert _error(code[:-1]) == (
        "s.txt: the paste code is cut short (it must end with a dot); ask the student to copy all of it"
    )
    assert _error(code[:60] + ".") == (
        "s.txt: the paste code is cut short (it must end with a dot); ask the student to copy all of it"
    )
    changed = code[:30] + ("A" if code[30] != "A" else "B") + code[31:]
    assert _error(changed) == (
        "s.txt: the paste code is damaged (a character changed or missing); ask the student to copy it again"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            json.dumps(WORK)[:70],
            "s.json: is cut short: the file ends in the middle; ask the student to download it",
        ),
        (
            "{this is not json}",
            "s.json: is not a submission file (its JSON breaks at line 1, column 2)",
        ),
        ("   \n", "s.json: is empty"),
        ("just words", "s.json: holds no submission: neither a submission file nor a paste code"),
        (json.dumps({"format": "other"}), "s.json: is not a microgradpp submission"),
        (
            json.dumps({**WORK, "version": 9}),
            "s.json: is a submission of version 9; this microgradpp reads version 1",
        ),
        (
            json.dumps({**WORK, "student": 17}),
            "s.json: the field 'student' is missing or not what a graded page writes",
        ),
        (json.dumps({**WORK, "revision": True}), "s.json: the field 'revision' is missing"),
        (json.dumps({**WORK, "problems": []}), "s.json: the field 'problems' is missing"),
        (json.dumps({**WORK, "problems": [{}] * 6}), "s.json: the field 'problems' is missing"),
        (
            json.dumps({**WORK, "problems": [{"attempts": {"x": ["1", 2]}}]}),
            "s.json: the field 'attempts' is missing",
        ),
        (
            json.dumps({**WORK, "problems": [{"answers": {"x": 4}}]}),
            "s.json: the field 'answers' is missing",
        ),
        (
            json.dumps({**WORK, "problems": [{"answers": {"x": ["4"]}}]}),
            "s.json: the field 'answers' is missing",
        ),
        (
            json.dumps({**WORK, "problems": [{"attempts": {"x": "4"}}]}),
            "s.json: the field 'attempts' is missing",
        ),
        (
            json.dumps({**WORK, "problems": [{"hints": {"x": -1}}]}),
            "s.json: the field 'hints' is missing",
        ),
    ],
)
def test_a_bad_submission_file_is_refused_with_the_reason(content, message):
    assert _error(content.encode("utf-8"), "s.json").startswith(message)


def test_files_that_cannot_be_read_are_refused_before_reading(tmp_path, monkeypatch):
    with pytest.raises(
        SubmissionError, match=r"gone.json: cannot be read \(No such file or directory\)"
    ):
        read_submissions(tmp_path / "gone.json")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(SubmissionError, match="latin.txt: is not a text file a graded page writes"):
        read_submissions(latin)
    monkeypatch.setattr(submission_module, "MAX_SUBMISSION_BYTES", 3)
    with pytest.raises(
        SubmissionError, match="latin.txt: is 4 bytes; a submission is at most 3 bytes"
    ):
        read_submissions(latin)


def test_submission_errors_are_said_in_chinese():
    # json's own words are English: the place is said instead (it showed "（Expecting value）")
    for data, zh in (
        (json.dumps(WORK)[:70], "s.json：不完整：檔案在中途就結束了；請學生重新下載一次"),
        ('{"format": x}', "s.json：不是繳交檔（JSON 在第 1 行第 12 欄出錯）"),
    ):
        with pytest.raises(SubmissionError) as caught:
            parse_submissions(data, "s.json")
        assert caught.value.translated("zh-Hant") == zh
    with pytest.raises(SubmissionError) as caught:
        parse_submissions(encode_code(WORK)[:-1], "s.txt")
    assert caught.value.translated("zh-Hant") == (
        "s.txt：貼上用代碼不完整（結尾必須是一個句點）；請學生完整複製"
    )


def test_a_file_saved_again_as_utf16_or_with_a_mark_reads_as_the_file_the_page_wrote():
    # Windows Notepad's "Unicode" is UTF-16 with its mark; "UTF-8 with BOM" adds EF BB BF
    text = json.dumps(WORK, ensure_ascii=False)
    read = [
        parse_submissions(data, "s.json")
        for data in (
            text.encode("utf-8"),
            b"\xef\xbb\xbf" + text.encode("utf-8"),
            b"\xff\xfe" + text.encode("utf-16-le"),
            b"\xfe\xff" + text.encode("utf-16-be"),
        )
    ]
    assert all(r == read[0] for r in read) and read[0][0].student == WORK["student"]


def test_what_a_student_typed_too_much_of_is_bounded_and_the_rest_is_read():
    # an explanation typed into a box, an answer changed 250 times: refusing the file lost all
    # of the student's work; the long answer is cut (so it is wrong) and the latest tries kept
    explained = "-0.15 because dσ/dz = σ(1-σ) = 0.08·0.92, times -2"
    tries = [str(k) for k in range(250)]
    content = {**WORK, "problems": [{"answers": {"x": explained, "y": "3"},
                                     "attempts": {"x": tries}}]}  # fmt: skip
    (work,) = parse_submissions(json.dumps(content), "s.json")[0].problems
    assert work.answers == {"x": explained[:40] + "…", "y": "3"}
    assert work.attempts["x"] == tuple(tries[-200:])
