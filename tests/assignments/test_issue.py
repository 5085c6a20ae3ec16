"""Issuing: a graded page and a sheet per student, the manifest, the index; byte-identical."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from microgradpp.assignments import (
    AssignmentError,
    grade,
    issue_assignment,
    parse_roster,
    read_manifest,
)
from microgradpp.assignments.manifest import recreate

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)
ROSTER = parse_roster("id,name\nS001,Ada Lovelace\nS/2,Alan Turing\n", "class.csv")


def _data(page: str, element: str) -> dict:
    found = re.search(rf'<script type="application/json" id="{element}">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def issued(tmp_path_factory):
    out = tmp_path_factory.mktemp("hw") / "hw3"
    return out, issue_assignment(ROSTER, "hw3", out, level=2, problems=2, seed=7, lang="en")


@needs_dot
def test_every_student_gets_a_page_and_a_sheet_and_the_teacher_a_manifest_and_an_index(issued):
    out, result = issued
    names = [str(path.relative_to(out)) for path in result.files]
    odd = "hw3-S_2-" + names[2].split("-")[2]  # 'S/2' cannot be a file name: S_2 and a hash
    assert names == ["students/hw3-S001.html", "students/hw3-S001-sheet.html",
                     f"students/{odd}", f"students/{odd.removesuffix('.html')}-sheet.html",
                     "manifest.json", "index.html"]  # fmt: skip
    manifest = read_manifest(out)
    assert manifest.to_json() == (out / "manifest.json").read_text("utf-8")
    assert [i.student.id for i in manifest.issued] == ["S001", "S/2"]
    index = (out / "index.html").read_text("utf-8")
    assert "2 students, level 2, 2 problems each, seed 7; roster layout: plain." in index
    assert f'<a href="students/{odd}">page</a>' in index
    # the steps name a real file (it said students/hw3-ID.html, not the file of an ID like S/2
    # or of an assignment named 作业3, whose file names are made safe)
    assert "(the table links it: students/hw3-S001.html for the first)" in index
    sheet = (out / "students/hw3-S001-sheet.html").read_text("utf-8")
    assert sheet.count('<section class="sheet"') == 2
    assert f"hw3 · Ada Lovelace (S001) · page {manifest.issued[0].fingerprint}" in sheet


@needs_dot
def test_a_graded_page_carries_no_answers(issued):
    out, result = issued
    manifest = read_manifest(out)
    page = (out / "students/hw3-S001.html").read_text("utf-8")
    data = _data(page, "graded-data")
    problems = recreate(manifest, manifest.issued[0])
    assert [sorted(q["name"] for q in p["questions"]) for p in data["problems"]] == [
        sorted(node.label for node in problem.asked) for problem in problems
    ]
    for problem in data["problems"]:
        for question in problem["questions"]:
            assert set(question) == {"box", "name", "hint"}
    assert (data["student"], data["fingerprint"]) == ("S001", manifest.issued[0].fingerprint)
    assert data["submission"] == {
        "format": "microgradpp submission",
        "version": 1,
        "prefix": "MGPP1",
        "max_answer": 40,  # the boxes take no more than grading keeps
        "max_attempts": 200,
    }
    graded_part = page.split('<iframe id="practice"')[0]
    assert "exercise-data" not in graded_part and '"answer"' not in graded_part
    # "try another one" is a practice page of another graph: it has its answers
    assert 'srcdoc="&lt;!DOCTYPE html&gt;' in page and "&quot;answer&quot;" in page


@needs_dot
def test_the_same_inputs_give_byte_identical_files_and_another_seed_other_graphs(issued, tmp_path):
    out, result = issued
    again = issue_assignment(
        ROSTER, "hw3", tmp_path / "again", level=2, problems=2, seed=7, lang="en"
    )
    for first, second in zip(result.files, again.files):
        assert first.read_bytes() == second.read_bytes(), first.name
    other = issue_assignment(
        ROSTER, "hw3", tmp_path / "other", level=2, problems=2, seed=8, lang="en"
    )
    assert other.manifest.issued[0].fingerprint != result.manifest.issued[0].fingerprint


@needs_dot
def test_practice_pages_check_themselves_and_have_nothing_to_grade(tmp_path):
    roster = parse_roster("id,name\nS1,Ada\n", "r.csv")
    result = issue_assignment(roster, "drill", tmp_path / "drill", level=1, seed=3, practice=True)
    page = (tmp_path / "drill/students/drill-S1.html").read_text("utf-8")
    assert "answer" in _data(page, "exercise-data")["questions"][0]
    assert "These are practice pages" in (tmp_path / "drill/index.html").read_text("utf-8")
    with pytest.raises(AssignmentError, match="was issued with --practice"):
        grade([tmp_path], tmp_path / "drill", tmp_path / "grades")
    assert result.manifest.issued[0].page == "students/drill-S1.html"
    two = issue_assignment(
        roster, "drill", tmp_path / "two", level=1, problems=2, seed=3, practice=True
    )
    assert [p.name for p in two.files][:3] == [
        "drill-S1-p1.html",
        "drill-S1-p2.html",
        "drill-S1-sheet.html",
    ]
    index = (tmp_path / "two/index.html").read_text("utf-8")
    assert '<a href="students/drill-S1-p2.html">page 2</a>' in index


@needs_dot
def test_a_failure_half_way_leaves_no_files_and_an_old_folder_as_it_was(tmp_path, monkeypatch):
    import microgradpp.steps.graded as graded

    real, calls = graded.graded_html, []

    def fails_the_second_time(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(graded, "graded_html", fails_the_second_time)
    with pytest.raises(OSError):
        issue_assignment(ROSTER, "hw3", tmp_path / "new", level=1, seed=1)
    assert not (tmp_path / "new").exists()
    (tmp_path / "old").mkdir()
    (tmp_path / "old/index.html").write_text("last week's", "utf-8")
    calls.clear()
    with pytest.raises(OSError):
        issue_assignment(ROSTER, "hw3", tmp_path / "old", level=1, seed=1)
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["index.html"]
    assert (tmp_path / "old/index.html").read_text("utf-8") == "last week's"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"name": "hw/3"},
            "--name: the assignment's name 'hw/3' must be 1 to 60 printable characters",
        ),
        ({"name": " hw3"}, "--name: the assignment's name ' hw3' must be"),
        ({"name": "x" * 61}, "--name: the assignment's name 'xxxxxxxxxxxxxxxxxxxxx"),
        ({"level": 4}, "--level: the level must be 1, 2 or 3, got 4"),
        (
            {"problems": 6},
            "--problems: the number of problems must be a whole number from 1 to 5, got 6",
        ),
        (
            {"problems": 0},
            "--problems: the number of problems must be a whole number from 1 to 5, got 0",
        ),
        ({"seed": -1}, "--seed: the seed must be a whole number 0 or more, got -1"),
        ({"seed": 1.5}, "--seed: the seed must be a whole number 0 or more, got 1.5"),
    ],
)
def test_impossible_settings_are_refused_before_any_work(settings, message, tmp_path):
    arguments = {"name": "hw3", "level": 1, "problems": 1, "seed": 1, **settings}
    name = arguments.pop("name")
    with pytest.raises(AssignmentError) as caught:
        issue_assignment(ROSTER, name, tmp_path / "out", **arguments)
    assert str(caught.value).startswith(message)
    assert not (tmp_path / "out").exists()


@needs_dot
def test_the_files_are_byte_identical_whatever_pythonhashseed_is(tmp_path):
    import os
    import subprocess
    import sys

    program = (
        "import sys\n"
        "from microgradpp.assignments import issue_assignment, parse_roster\n"
        "issue_assignment(parse_roster('id,name\\nS1,Ada\\nS2,李\\n', 'r'), 'hw3', sys.argv[1],"
        " level=3, seed=4, lang='zh-Hant')\n"
    )
    for hash_seed in ("0", "977"):
        environment = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", program, str(tmp_path / hash_seed)], env=environment,
                       check=True, timeout=120)  # fmt: skip
    first = sorted(
        p.relative_to(tmp_path / "0") for p in (tmp_path / "0").rglob("*") if p.is_file()
    )
    second = sorted(
        p.relative_to(tmp_path / "977") for p in (tmp_path / "977").rglob("*") if p.is_file()
    )
    assert first == second and len(first) == 6
    for path in first:
        assert (tmp_path / "0" / path).read_bytes() == (tmp_path / "977" / path).read_bytes(), path


def test_ids_that_differ_only_in_case_get_files_that_differ_on_any_file_system():
    from microgradpp.assignments.issue import file_stems

    stems = file_stems("hw3", ["s001", "S001", "S002", "a/b"])
    assert stems["S002"] == "hw3-S002"
    assert stems["s001"].startswith("hw3-s001-") and stems["S001"].startswith("hw3-S001-")
    assert stems["s001"].casefold() != stems["S001"].casefold()
    assert stems["a/b"].startswith("hw3-a_b-")


@needs_dot
def test_issued_again_into_its_folder_each_student_keeps_the_page_they_have(tmp_path):
    # S073 and S151 draw the same level-3 graph: S073 drew again. Dropping S151 and issuing
    # again gave S073 a new graph and fingerprint, and grading refused the page S073 had
    out = tmp_path / "hw3"
    issue_assignment(
        parse_roster("id,name\nS073,A\nS151,B\n", "r.csv"), "hw3", out, level=3, seed=1
    )
    page = (out / "students/hw3-S073.html").read_bytes()
    before = read_manifest(out).find("S073")
    issue_assignment(
        parse_roster("id,name\nS073,A\nS200,C\n", "r.csv"), "hw3", out, level=3, seed=1
    )
    after = read_manifest(out)
    assert after.find("S073") == before and (out / "students/hw3-S073.html").read_bytes() == page
    assert after.find("S073").problems[0].round == 1  # as issued, though nobody now shares it
    # another assignment in the folder keeps nothing: it is a new one
    issue_assignment(parse_roster("id,name\nS073,A\n", "r.csv"), "hw3", out, level=3, seed=2)
    assert read_manifest(out).find("S073").fingerprint != before.fingerprint
