"""Printable worksheets: a page per student, a key per student, a summary, byte-identical by seed."""

from __future__ import annotations

import re
import shutil

import pytest

from microgradpp.practice import PracticeError, make_class
from microgradpp.worksheets import worksheet_dot, write_worksheets

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)


def _cells(html: str, kind: str) -> list[str]:
    return re.findall(rf"<td class='{kind}'>([^<]*)</td>", html)


@needs_dot
def test_a_class_gets_a_sheet_and_a_key_each_a_summary_and_files_to_print_everything(tmp_path):
    paths = write_worksheets(tmp_path, students=3, seed=2026, level=1, lang="en")
    assert [p.name for p in paths] == [
        "sheet-01.html",
        "key-01.html",
        "sheet-02.html",
        "key-02.html",
        "sheet-03.html",
        "key-03.html",
        "all-sheets.html",
        "all-keys.html",
        "summary.html",
    ]
    sheet = (tmp_path / "sheet-01.html").read_text("utf-8")
    key = (tmp_path / "key-01.html").read_text("utf-8")
    # student 1 of seed 2026: p = x + y, q = z × w, r = q + u, f = p × r (tests/test_practice.py)
    assert "<b>Inputs:</b> x = 2, y = 1, z = −5, w = −4, u = −2" in sheet
    assert "<li>q = z × w</li>" in sheet
    assert _cells(sheet, "value") == ["2", "1", "", "−5", "−4", "", "−2", "", ""]
    assert _cells(sheet, "grad") == ["", "", "", "", "", "", "", "", "1"]
    assert _cells(key, "value") == ["2", "1", "3", "−5", "−4", "20", "−2", "18", "54"]
    assert _cells(key, "grad") == ["18", "18", "18", "−12", "−15", "3", "3", "3", "1"]
    assert "Name: " in sheet and "Name: " not in key
    assert "@page { size: A4 portrait" in sheet
    assert (
        sheet.count("<svg") == 1
        and "<script" not in sheet
        and "http://" not in sheet.split("<svg", 1)[0]
    )
    everything = (tmp_path / "all-sheets.html").read_text("utf-8")
    assert everything.count('<section class="sheet"') == 3
    summary = (tmp_path / "summary.html").read_text("utf-8")
    assert "Class summary: 3 worksheets, level 1, seed 2026" in summary
    assert '<a href="key-02.html">answer key</a>' in summary


@needs_dot
def test_the_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path):
    first = write_worksheets(tmp_path / "a", students=4, seed=7, level=2)
    again = write_worksheets(tmp_path / "b", students=4, seed=7, level=2)
    other = write_worksheets(tmp_path / "c", students=4, seed=8, level=2)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert first[0].read_bytes() != other[0].read_bytes()


@needs_dot
@pytest.mark.parametrize(
    ("lang", "title", "task"),
    [
        ("zh-Hant", "反向傳播練習單（第 3 級）", "用連鎖律求出每個節點的梯度"),
        ("zh-Hans", "反向传播练习单（第 3 级）", "用链式法则求出每个节点的梯度"),
    ],
)
def test_worksheets_in_chinese(tmp_path, lang, title, task):
    write_worksheets(tmp_path, students=1, seed=2026, level=3, lang=lang)
    sheet = (tmp_path / "sheet-01.html").read_text("utf-8")
    assert f'<html lang="{lang}">' in sheet
    assert title in sheet and task in sheet
    assert "Noto Sans CJK" in sheet  # the print stylesheet names a font with the characters


def test_sheet_and_key_pictures_share_one_layout():
    """The key fills the blanks: same boxes and wires in the same order, blanks as wide."""
    for problem in make_class(2, 2026, 5):
        sheet, key = worksheet_dot(problem), worksheet_dot(problem, answers=True)
        assert re.findall(r"^\s+\S+ -> \S+;$", sheet, re.M) == re.findall(
            r"^\s+\S+ -> \S+;$", key, re.M
        )
        assert sheet.count('WIDTH="64"') == key.count('WIDTH="64"')
        assert 'SIDES="B"' in sheet and 'SIDES="B"' not in key


def test_bad_settings_are_reported_before_any_file_is_written(tmp_path):
    with pytest.raises(PracticeError, match="level must be 1, 2 or 3"):
        write_worksheets(tmp_path / "out", students=3, level=5)
    assert not (tmp_path / "out").exists()
