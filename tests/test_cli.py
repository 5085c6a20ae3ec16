"""The command line, run as a user runs it: ``python -m microgradpp …`` in a subprocess."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from microgradpp.cli import main

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)
PNG = b"\x89PNG\r\n\x1a\n"


def cli(*args: str, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "microgradpp", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def assert_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_help_everywhere(tmp_path):
    finished = cli("--help", cwd=tmp_path)
    assert finished.returncode == 0
    for command in ("examples", "example", "expr", "gradcheck", "train", "demo"):
        assert command in finished.stdout
    for command in ("examples", "example", "expr", "gradcheck", "train", "demo"):
        assert main([command, "--help"]) == 0


def test_examples_lists_every_example(tmp_path):
    finished = cli("examples", cwd=tmp_path)
    assert finished.returncode == 0
    names = [line.split()[0] for line in finished.stdout.splitlines()[:6]]
    assert names == [
        "add-mul",
        "sigmoid-neuron",
        "sigmoid-neuron-fused",
        "max-circuit",
        "two-layer",
        "xor",
    ]


@needs_dot
def test_example_prints_the_table_and_writes_its_files(tmp_path):
    finished = cli("example", "sigmoid-neuron", "--out", "pictures", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert " 1  w0    leaf               2  -0.1966" in finished.stdout
    assert "15  f     1/x   d       0.7311        1" in finished.stdout
    out = tmp_path / "pictures"
    assert_svg(out / "sigmoid-neuron-forward.svg")
    assert_svg(out / "sigmoid-neuron-backward.svg")
    page = (out / "sigmoid-neuron-steps.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<section class="frame" id="step-[1-9]', page)) == 8
    for name in (
        "sigmoid-neuron-forward.svg",
        "sigmoid-neuron-backward.svg",
        "sigmoid-neuron-steps.html",
    ):
        assert f"pictures/{name}" in finished.stdout


@needs_dot
@pytest.mark.parametrize(("format", "magic"), [("png", PNG), ("pdf", b"%PDF-")])
def test_example_in_other_formats(tmp_path, format, magic):
    finished = cli("example", "max-circuit", "--format", format, "--out", ".", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / f"max-circuit-backward.{format}").read_bytes().startswith(magic)
    assert "9  f     ×     s, 2      -20     1" in finished.stdout


def test_example_two_layer_prints_the_bp_equations_without_files(tmp_path, capsys):
    assert main(["example", "two-layer", "--no-files", "--out", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "BP1  δ2 = ∂C/∂z2" in out and out.count("(agrees)") == 12
    assert not (tmp_path / "none").exists()


@needs_dot
def test_expr_of_a_students_expression(tmp_path):
    finished = cli("expr", "(x+y)*z", "--at", "x=-2", "y=5", "z=-4", "--out", "o", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines()[0] == "f = (x+y)*z   at x = -2, y = 5, z = -4"
    assert "3  x+y   +     x, y        3    -4" in finished.stdout
    assert "5  f     ×     x+y, z    -12     1" in finished.stdout
    assert_svg(tmp_path / "o" / "expr-forward.svg")
    assert (tmp_path / "o" / "expr-steps.html").stat().st_size > 1000


def test_bad_expression_is_a_usage_error_pointing_at_the_character(tmp_path):
    finished = cli("expr", "(x + y", "--at", "x=1", "y=2", cwd=tmp_path)
    assert finished.returncode == 2
    assert (
        "microgradpp expr: error: expected ')' to close the '(' at column 1\n    (x + y\n          ^"
        in finished.stderr
    )
    assert "Traceback" not in finished.stderr and finished.stdout == ""


def test_math_error_is_a_runtime_error_without_traceback(tmp_path, capsys):
    assert main(["expr", "log(x)", "--at", "x=-1", "--no-files"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("microgradpp expr: error: log gate (log) with input x = -1.0")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["expr", "x*y", "--at", "x=1"], "no value given for y"),
        (["expr", "x", "--at", "x=abc"], "argument --at: the value of x is not a number: 'abc'"),
        (["expr", "x", "--at", "x=1", "x=2"], "--at gives x twice"),
        (["expr", "x", "--at", "x"], "'x' is not NAME=VALUE"),
        (["example", "nope"], "no example called 'nope'; the examples are: add-mul"),
        (["train", "banana"], "invalid choice: 'banana'"),
        (["train", "moons", "--epochs", "0"], "expected a positive whole number, got '0'"),
        (["bogus"], "invalid choice: 'bogus'"),
        ([], "usage: microgradpp"),
    ],
)
def test_usage_errors_exit_with_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_gradcheck_prints_the_table_and_fails_at_a_kink(tmp_path):
    finished = cli("gradcheck", "x*y + exp(x)", "--at", "x=1", "y=2", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert lines[1].startswith("gradcheck: all 2 inputs ok")
    assert re.match(r"x\s+4\.718281828\s+4\.71828\d*\s+\S+\s+ok$", lines[3])
    assert main(["gradcheck", "relu(x)", "--at", "x=0"]) == 1  # relu'(0) = 0; numerically 0.5


def test_train_prints_accuracy_and_writes_plots(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    finished = cli("train", "xor", "--epochs", "3", "--plot", "plots", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert re.search(r"xor: \d+ parameters, 3 epochs with adam; final loss \d\.\d{4}, "
                     r"final accuracy \d+\.\d% on 4 points", finished.stdout)  # fmt: skip
    assert "3/3" in finished.stderr  # the progress bar
    for name in ("xor-history.png", "xor-boundary.png", "xor-gradient-flow.png"):
        assert (tmp_path / "plots" / name).read_bytes().startswith(PNG)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "rmsprop"])
def test_train_with_each_optimizer(optimizer, capsys):
    assert (
        main(
            [
                "train",
                "moons",
                "--optimizer",
                optimizer,
                "--epochs",
                "2",
                "--samples",
                "10",
                "--quiet",
            ]
        )
        == 0
    )
    assert f"2 epochs with {optimizer}" in capsys.readouterr().out


def test_train_spiral_has_three_classes(capsys):
    assert (
        main(["train", "spiral", "--epochs", "1", "--samples", "9", "--hidden", "4", "--quiet"])
        == 0
    )
    assert "on 9 points" in capsys.readouterr().out


@needs_dot
def test_demo_writes_everything_and_an_index(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    finished = cli("demo", "--out", "demo", "--epochs", "2", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert "== add-mul: f = (x + y) · z" in out and "== sigmoid-neuron:" in out
    assert "5  f     ×     q, z      -12     1" in out
    assert "15  f     1/x   d       0.7311        1" in out
    demo = tmp_path / "demo"
    index = (demo / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', index))
    files = {path.name for path in demo.iterdir()} - {"index.html"}
    assert links == files
    assert {"add-mul-steps.html", "sigmoid-neuron-steps.html", "xor-steps.html"} <= files
    assert (demo / "moons-boundary.png").read_bytes().startswith(PNG)
    assert f"open {os.path.join('demo', 'index.html')} in a browser" in out


def test_demo_without_graphviz_still_prints_tables_and_writes_dot_files(tmp_path):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    empty = tmp_path / "no-programs"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}  # no dot on this PATH
    finished = cli("demo", "--out", "demo", "--epochs", "1", cwd=tmp_path, env=env)
    assert finished.returncode == 0, finished.stderr
    assert "15  f     1/x   d       0.7311        1" in finished.stdout
    assert "sudo apt-get install graphviz" in finished.stderr
    demo = tmp_path / "demo"
    assert (demo / "add-mul-forward.dot").read_text(encoding="utf-8").startswith("digraph")
    assert not list(demo.glob("*.svg")) and not list(demo.glob("*-steps.html"))
    assert (demo / "index.html").exists()


@needs_dot
def test_a_graph_too_big_to_draw_still_gets_its_table(tmp_path, capsys):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    text = "+".join(f"x*{i}" for i in range(120))  # 360 nodes
    assert main(["expr", text, "--at", "x=1", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "360  f" in captured.out
    assert "No forward picture: this graph has 360 Values" in captured.err
    assert "No step-by-step page: this graph has 360 nodes" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_without_the_graphviz_package_the_table_is_still_printed(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    assert main(["example", "add-mul", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "5  f     ×     q, z      -12     1" in captured.out
    assert "No pictures: draw_graph needs the graphviz Python package: pip install" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_a_bad_expression_prints_only_the_pointed_error():
    result = subprocess.run(
        [sys.executable, "-m", "microgradpp", "expr", "(x + y", "--at", "x=1", "y=2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "microgradpp expr: error: expected ')' to close the '(' at column 1\n"
        "    (x + y\n"
        "          ^\n"
    )
