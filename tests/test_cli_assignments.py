"""The assignment commands: `microgradpp assignment` and `microgradpp grade`, exit codes, words."""

from __future__ import annotations

import json
import shutil

import pytest

from microgradpp.assignments import encode_code, read_manifest
from microgradpp.assignments.manifest import recreate
from microgradpp.cli import main
from microgradpp.practice import shown

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)


@needs_dot
def test_issue_then_grade_from_the_command_line(tmp_path, capsys):
    roster = tmp_path / "class.csv"
    roster.write_text("id,name\nS1,Ada\nS2,Alan\n", "utf-8")
    out = tmp_path / "hw3"
    assert main(["assignment", "--roster", str(roster), "--name", "hw3", "--seed", "7",
                 "--out", str(out)]) == 0  # fmt: skip
    assert capsys.readouterr().out == (
        f"Issued hw3 to 2 students in {out}. Start with {out}/index.html; keep "
        f"{out}/manifest.json to yourself: grading needs it.\n"
    )
    manifest = read_manifest(out)
    issued = manifest.issued[0]
    problem = recreate(manifest, issued)[0]
    work = {
        "format": "microgradpp submission", "version": 1, "assignment": "hw3", "student": "S1",
        "name": "Ada", "fingerprint": issued.fingerprint, "revision": 1, "saved": "",
        "problems": [{"answers": {n.label: shown(n.grad) for n in problem.asked}}],
    }  # fmt: skip
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ada.txt").write_text(encode_code(work), "utf-8")
    assert main(["grade", str(inbox), "--assignment", str(out), "--out", str(tmp_path / "g")]) == 0
    assert capsys.readouterr().out == (
        f"Graded 1 of 2 students into {tmp_path / 'g'}: grades.csv, report.html, gradescope/ "
        "(files not graded: 0).\n"
    )
    (inbox / "copy.json").write_text(json.dumps({**work, "student": "S2"}), "utf-8")
    assert main(["grade", str(inbox), "--assignment", str(out), "--out", str(tmp_path / "g"),
                 "--lang", "zh-Hant"]) == 1  # fmt: skip
    captured = capsys.readouterr()
    assert captured.err == (
        f"microgradpp grade：未評分：{inbox / 'copy.json'}：是在指紋為 {issued.fingerprint} 的頁面上"
        "作答的，那是發給 'S1' 的頁面，不是 'S2' 的：這是抄來的繳交\n"
    )
    lines = (tmp_path / "g/grades.csv").read_text("utf-8-sig").splitlines()
    assert lines[1:] == ["S1,Ada,10,10,10", "S2,Alan,-,10,-"]  # no grade, not 0
    (inbox / "copy.json").unlink()
    for feedback, visibility in (("after-due-date", "after_due_date"), ("immediate", "visible")):
        assert main(["grade", str(inbox), "--assignment", str(out), "--out", str(tmp_path / feedback),
                     "--gradescope-feedback", feedback]) == 0  # fmt: skip
        (written,) = (tmp_path / feedback / "gradescope").glob("*/results.json")
        results = json.loads(written.read_text("utf-8"))
        assert {test["visibility"] for test in results["tests"]} == {visibility}
        assert results["score"] == 10
    assert (
        main(["grade", str(inbox), "--assignment", str(out), "--gradescope-feedback", "now"]) == 2
    )


def test_a_bad_roster_or_manifest_is_exit_1_and_bad_options_exit_2(tmp_path, capsys):
    roster = tmp_path / "class.csv"
    roster.write_text("id,name\nS1,Ada\n,Bob\n", "utf-8")
    assert main(["assignment", "--roster", str(roster), "--name", "hw3", "--seed", "1",
                 "--out", str(tmp_path / "x")]) == 1  # fmt: skip
    assert capsys.readouterr().err == (
        f"microgradpp assignment: error: {roster}, line 3: empty ID (the 'id' column)\n"
    )
    assert not (tmp_path / "x").exists()
    assert main(["assignment", "--roster", str(roster), "--name", "hw3", "--seed", "1",
                 "--problems", "9"]) == 2  # fmt: skip
    assert (
        "the number of problems must be a whole number from 1 to 5, got 9"
        in capsys.readouterr().err
    )
    assert main(["assignment", "--roster", str(roster), "--name", "hw3"]) == 2  # --seed is required
    assert "--seed" in capsys.readouterr().err
    assert main(["grade", str(roster), "--assignment", str(tmp_path)]) == 1
    assert "no manifest here" in capsys.readouterr().err


def test_grade_writes_for_the_class_in_the_assignments_language_whatever_the_locale(
    tmp_path, capsys, monkeypatch
):
    # a Gradescope container (or a teacher's English laptop) has an English locale: the report
    # and the students' Gradescope texts still follow the assignment, unless --lang is given
    from microgradpp.assignments import parse_roster
    from microgradpp.assignments.issue import plan_assignment

    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    roster = parse_roster("學號,姓名\nS1,林怡君\n", "class.csv")
    plan = plan_assignment(roster, "hw3", level=1, problems=1, seed=7, lang="zh-Hant")
    (tmp_path / "hw3").mkdir()
    (tmp_path / "hw3/manifest.json").write_text(plan.manifest.to_json(), "utf-8")
    issued = plan.manifest.issued[0]
    asked = plan.variants["S1"][0].problem.asked
    work = {
        "format": "microgradpp submission", "version": 1, "assignment": "hw3", "student": "S1",
        "name": "", "fingerprint": issued.fingerprint, "revision": 1, "saved": "",
        "problems": [{"answers": {n.label: shown(n.grad) for n in asked}}],
    }  # fmt: skip
    (tmp_path / "s1.txt").write_text(encode_code(work), "utf-8")
    for extra, lang, summary in (
        ([], "zh-Hant", f"{len(asked)} 個梯度中答對 {len(asked)} 個。"),
        (["--lang", "en"], "en", f"{len(asked)} of {len(asked)} gradients right."),
    ):
        out = tmp_path / f"g-{lang}"
        assert main(["grade", str(tmp_path / "s1.txt"), "--assignment", str(tmp_path / "hw3"),
                     "--out", str(out), *extra]) == 0  # fmt: skip
        assert f'<html lang="{lang}"' in (out / "report.html").read_text("utf-8")
        results = json.loads((out / f"gradescope/{issued.stem}/results.json").read_text("utf-8"))
        assert results["output"] == summary
    assert capsys.readouterr().out.startswith("Graded 1 of 1 students")  # the console: locale's
    # Gradescope's metadata names the uploader (an e-mail, or a sid): only their own work counts
    metadata = tmp_path / "submission_metadata.json"
    metadata.write_text(json.dumps({"users": [{"email": "x@y.tw", "sid": "S2"}]}), "utf-8")
    assert main(["grade", str(tmp_path / "s1.txt"), "--assignment", str(tmp_path / "hw3"),
                 "--out", str(tmp_path / "g3"), "--gradescope-metadata", str(metadata)]) == 1  # fmt: skip
    assert "who is not 'S1' on the roster" in capsys.readouterr().err
