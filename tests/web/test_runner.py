"""What the playground runs in the browser (microgradpp.web.runner), run here in CPython."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from microgradpp.web.build import EDITOR_EXAMPLES
from microgradpp.web.runner import run

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None and shutil.which("graphviz-pure") is None,
    reason="no dot program",
)


@needs_dot
def test_the_first_example_prints_the_gradients_and_draws_everything():
    result = run(EDITOR_EXAMPLES["add-mul"], "en")
    assert result["output"] == "-12.0 -4.0 -4.0 3.0\n"
    assert result["error"] == "" and result["problems"] == [] and result["shown"] == "f"
    assert result["values"] == 5
    for picture in (result["forward"], result["backward"]):
        assert picture.lstrip().startswith("<?xml") and "<svg" in picture
    assert ">&#45;12<" in result["forward"] or ">-12<" in result["forward"]
    frames = re.findall(r'<section class="frame" id="([a-z]+-\d+)"', result["steps"])
    assert frames == ["forward-0", "forward-1", "forward-2", "step-0", "step-1", "step-2"]
    data = re.search(r'id="exercise-data">(.*?)</script>', result["exercise"]).group(1)
    asked = [(q["answer"], q["name"]) for q in json.loads(data)["questions"]]
    assert asked == [(-4.0, "q"), (3.0, "z"), (-4.0, "x"), (-4.0, "y")]
    assert "<svg" in result["exercise"]


@needs_dot
@pytest.mark.parametrize("name", ["sigmoid-neuron", "neuron", "exercise"])
def test_every_editor_example_runs_and_draws(name):
    result = run(EDITOR_EXAMPLES[name], "zh-Hant")
    assert result["error"] == "" and result["problems"] == []
    assert "反向傳播" in result["steps"] and "<svg" in result["backward"]
    expected = {
        "sigmoid-neuron": "0.7311 [-0.1966, 0.3932, -0.3932, -0.5898, 0.1966]\n",
        "neuron": "0.7071 [1.0, 0.0] 0.5\n",
        "exercise": "f = 0.25\n",
    }
    assert result["output"] == expected[name]


def test_an_error_shows_the_students_lines_only_and_nothing_is_drawn():
    result = run("x = 1\nprint('before')\ny = x / 0\n", "en")
    assert result["output"] == "before\n"
    assert result["error"] == (
        "Traceback (most recent call last):\n"
        '  File "<playground>", line 3, in <module>\n'
        "ZeroDivisionError: division by zero\n"
    )
    assert "forward" not in result and result["shown"] == ""


def test_show_refuses_what_is_not_a_value_and_nothing_shown_draws_nothing():
    result = run("show(3)", "en")
    assert result["error"].endswith("TypeError: show needs a Value, got int\n")
    result = run("from microgradpp import Value\ng = Value(2.0) * 3\nprint(g.data)", "en")
    assert result == {"output": "6.0\n", "error": "", "shown": ""}


def test_a_syntax_error_and_exit_are_reported_not_raised():
    result = run("def f(:\n", "en")
    assert "SyntaxError" in result["error"] and result["output"] == ""
    assert run("raise SystemExit(3)", "en")["error"].endswith("SystemExit: 3\n")


@needs_dot
def test_backward_is_run_for_a_value_shown_before_it(monkeypatch):
    result = run(
        "from microgradpp import Value\nf = Value(3.0, label='a') * 2\nf.label = 'f'\n", "en"
    )
    assert result["shown"] == "f" and "<svg" in result["backward"]
    assert "= 2<" in result["backward"] or ">2<" in result["backward"]


@needs_dot
def test_what_cannot_be_drawn_is_said_in_the_language():
    code = "from microgradpp import Value\nf = Value(1.0, label='f')\nshow(f)\n"
    result = run(code, "zh-Hans")
    assert result["error"] == "" and "<svg" in result["forward"]
    assert result["exercise"] == "" and result["steps"] != ""
    assert [p.split("：")[0] for p in result["problems"]] == ["没有练习"]
