"""The graded page in a browser: filled in as a student would, reloaded, submitted, graded."""

from __future__ import annotations

import json
import shutil
import urllib.parse

import pytest
from browsers import CHROMIUM, Browser

from microgradpp.assignments import grade, issue_assignment, parse_roster, read_manifest
from microgradpp.assignments.manifest import recreate
from microgradpp.practice import shown

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def _type(tab: Browser, selector: str, text: str) -> None:
    """Click into a box, select what is there, type text and press Enter, as a student does."""
    tab.evaluate(f"document.querySelector({json.dumps(selector)}).focus(); "
                 f"document.querySelector({json.dumps(selector)}).select()")  # fmt: skip
    tab.send("Input.insertText", session=True, text=text)
    for kind in ("keyDown", "keyUp"):
        tab.send("Input.dispatchKeyEvent", session=True, type=kind, key="Enter", code="Enter",
                 windowsVirtualKeyCode=13)  # fmt: skip


@needs_dot
@needs_chromium
@pytest.mark.slow
def test_a_student_fills_reloads_submits_and_the_file_and_the_code_grade_the_same(tmp_path):
    roster = parse_roster("id,name\nS001,Ada Lovelace\n", "class.csv")
    out = tmp_path / "hw3"
    issue_assignment(roster, "hw3", out, level=2, problems=1, seed=11, lang="en")
    manifest = read_manifest(out)
    problem = recreate(manifest, manifest.issued[0])[0]
    right = {node.label: shown(node.grad) for node in problem.asked}
    names = list(right)
    typed = {**right, names[-1]: "123"}  # the last box wrong
    page = (out / "students/hw3-S001.html").as_uri()
    with Browser(CHROMIUM, tmp_path / "profile") as tab:
        tab.open(page)
        tab.wait_for("document.querySelectorAll('input.answer').length > 0")
        on_page = tab.evaluate(
            "[...document.querySelectorAll('input.answer')].map(i => i.dataset.node)"
        )
        assert sorted(on_page) == sorted(names)
        _type(tab, f'input[data-node="{names[0]}"]', "7")  # first a wrong try, then the answer
        for name in names:
            _type(tab, f'input[data-node="{name}"]', typed[name])
        tab.evaluate(f"document.querySelector('input[data-node=\"{names[1]}\"]').focus()")
        tab.evaluate("document.getElementById('hint').click()")
        assert tab.evaluate("document.getElementById('message').textContent").startswith(
            f"{names[1]}: Hint: "
        )
        # nothing was checked: no box is marked right or wrong
        assert tab.evaluate("document.querySelectorAll('input.right, input.wrong').length") == 0
        tab.open(page)  # a reload (or the tab closed and opened again) loses nothing
        tab.wait_for("document.body.dataset.filled !== undefined")
        values = tab.evaluate(
            "Object.fromEntries([...document.querySelectorAll('input.answer')]"
            ".map(i => [i.dataset.node, i.value]))"
        )
        assert values == typed
        assert tab.evaluate("document.getElementById('message').textContent").startswith(
            "Your work was brought back from this browser"
        )
        assert tab.evaluate("document.getElementById('another').hidden") is True
        tab.evaluate("document.getElementById('submit').click()")
        tab.wait_for("document.body.dataset.submitted === '1'")
        code = tab.evaluate("document.getElementById('code').value")
        href = tab.evaluate("document.getElementById('download').href")
        download = tab.evaluate("document.getElementById('download').download")
        tab.evaluate("document.getElementById('another').click()")
        assert tab.evaluate("document.getElementById('practice').hidden") is False
        practice_boxes = tab.wait_for(
            "document.getElementById('practice').contentDocument"
            ".querySelectorAll('input.answer').length"
        )
    assert practice_boxes > 0 and download == "hw3-S001.json"
    assert code.startswith("MGPP1z.") and code.endswith(".")
    submission = json.loads(urllib.parse.unquote(href.split(",", 1)[1]))
    assert submission["problems"][0]["attempts"][names[0]] == ["7", typed[names[0]]]
    assert submission["problems"][0]["hints"] == {names[1]: 1}
    inbox_file, inbox_code = tmp_path / "file", tmp_path / "code"
    inbox_file.mkdir()
    inbox_code.mkdir()
    (inbox_file / "hw3-S001.json").write_text(json.dumps(submission), "utf-8")
    (inbox_code / "email.txt").write_text(f"Here is my code:\n{code}\nAda", "utf-8")
    by_file = grade([inbox_file], out, tmp_path / "g1").grading.grades[0]
    by_code = grade([inbox_code], out, tmp_path / "g2").grading.grades[0]
    assert by_file.marks == by_code.marks
    assert (by_file.score, by_file.max_score) == (len(names) - 1, len(names))
    assert [m.node for m in by_file.marks if not m.right] == [names[-1]]
    first = next(m for m in by_file.marks if m.node == names[0])
    assert first.attempts == 2


@needs_dot
@needs_chromium
@pytest.mark.slow
def test_the_page_reads_a_typed_number_as_the_grader_does(tmp_path):
    """'1 2' and '1,000' are not numbers to the grader (judging.parse_answer), so the page does not
    say "saved" for them; a full-width '－０.５' from a Chinese input method is one."""
    roster = parse_roster("id,name\nS001,Ada Lovelace\n", "class.csv")
    out = tmp_path / "hw3"
    issue_assignment(roster, "hw3", out, level=1, problems=1, seed=11, lang="en")
    page = (out / "students/hw3-S001.html").as_uri()
    with Browser(CHROMIUM, tmp_path / "profile") as tab:
        tab.open(page)
        tab.wait_for("document.querySelectorAll('input.answer').length > 0")
        box = "input.answer"
        for text, number in [("1 2", False), ("1,000", False), ("－０.５", True), ("1e-3", True)]:
            _type(tab, box, text)
            message = tab.evaluate("document.getElementById('message').textContent")
            looks = tab.evaluate(f"document.querySelector('{box}').className")
            assert message.startswith("Saved, but this is not a number") is not number, text
            assert ("unreadable" in looks.split()) is not number, text
            assert ("entered" in looks.split()) is number, text
        # a box takes no more than grading keeps (an explanation cannot push a number out)
        assert tab.evaluate(f"document.querySelector('{box}').maxLength") == 40
