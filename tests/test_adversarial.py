"""Adversarial tests: hostile input at every door, bounded so the suite stays fast (issue 13).

* the expression parser and the command line, fuzzed with hypothesis: every input ends in a
  result or in one clear error (exit code 1 or 2, a message, never a traceback);
* hostile labels through every writer (DOT, SVG, the step-by-step page, tables);
* corrupt and hostile model files through ``load``: one ``SerializationError`` each;
* Graphviz bounded in time: a ``dot`` that hangs is stopped, a slow layout is retried cheaply,
  and a command whose promised file was not written does not exit 0;
* output streams that cannot take Unicode, or that close early.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microgradpp import Value
from microgradpp.cli import main
from microgradpp.errors import MicrogradppError
from microgradpp.expr import ExpressionError, parse
from microgradpp.nn import MLP
from microgradpp.serialize import SerializationError, load, save

FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None
)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")

# Pieces of expressions: the grammar's own tokens, numbers at the edges of a float, and the
# characters that broke parsers before (Unicode digits, superscripts, NUL, lone surrogates).
PIECES = [
    *"xyz0123456789.eE+-*/^(), ",
    "**", "exp(", "log(", "tanh(", "max(", "relu(", "sigmoid(", "1e308", "1e400", "1e-400",
    "9" * 400, "²", "①", "٣", "½", "\x00", "\ud800", "\ufffe", "\t", "\n", "−", "×",
]  # fmt: skip
expression_texts = st.lists(st.sampled_from(PIECES), max_size=25).map("".join) | st.text(
    max_size=40
)


# -- the expression parser ------------------------------------------------------------------------


@FUZZ
@given(expression_texts)
def test_any_text_parses_or_is_one_expression_error(text):
    try:
        expression = parse(text)
    except ExpressionError as error:
        assert error.reason and str(error).startswith(error.reason)
        if error.position is not None:
            assert 0 <= error.position <= len(text)
            assert str(error).endswith("^")
        return
    try:
        f = expression.evaluate({name: 0.7 for name in expression.variables})
        f.backward()
    except MicrogradppError:
        pass  # e.g. log of a negative number: a GateError naming the gate


@pytest.mark.parametrize(
    "text, position, hint",
    [
        ("①", 0, "numbers are written with the digits 0-9"),
        ("x*٣", 2, "numbers are written with the digits 0-9"),
        ("1+½", 2, "numbers are written with the digits 0-9"),
        ("x⁻+1", 1, "a power written as a superscript needs its digits"),
    ],
)
def test_unicode_digits_are_a_bad_expression_with_a_caret(text, position, hint):
    with pytest.raises(ExpressionError, match=re.escape(hint)) as caught:
        parse(text)
    assert caught.value.position == position
    assert str(caught.value).splitlines()[-1] == "    " + " " * position + "^"


@pytest.mark.parametrize(
    "text, position", [("1e400", 0), ("x+1e400", 2), ("2*1.5e+309", 2), ("9" * 400, 0)]
)
def test_a_number_beyond_a_float_is_a_bad_expression(text, position):
    with pytest.raises(ExpressionError, match="is too large for a float") as caught:
        parse(text)
    assert caught.value.position == position


def test_the_caret_picture_of_a_long_expression_is_a_window():
    text = "+".join(["x"] * 5000) + "+?"
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    shown, caret = str(caught.value).splitlines()[1:]
    assert len(shown) < 140 and shown.startswith("    …")
    assert shown[caret.index("^")] == "?"


def test_what_our_output_prints_is_not_a_bad_expression():
    # superscript powers, the minus sign of our tables, full-width digits (Chinese input methods)
    assert parse("2²").evaluate({}).data == 4.0
    assert parse("x³+1").evaluate({"x": 2.0}).data == 9.0
    assert parse("x + ２").evaluate({"x": 1.0}).data == 3.0
    assert parse("x−1").evaluate({"x": 1.0}).data == 0.0


@pytest.mark.parametrize("text", ["x⁻", "①+1", "1e400", "x+1e400", "x*٣", "(x", "x)", "", "x $ y"])
def test_a_bad_expression_exits_2_with_a_caret(text, capsys):
    assert main(["expr", text, "--at", "x=1", "y=1", "--no-files"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("microgradpp expr: error: ") and "Traceback" not in err
    if text:
        assert err.rstrip().endswith("^")


# -- the command line --------------------------------------------------------------------------------

ARGUMENTS = st.lists(
    st.sampled_from(
        [
            "expr", "gradcheck", "example", "examples", "train", "x*y", "2²", "1e400", "exp(x)",
            "--at", "x=1", "y=2", "x=nan", "x=1e400", "y=", "=1", "--eps", "-1", "0", "1e-3",
            "--digits", "13", "--format", "gif", "--no-files", "add-mul", "nope", "--lang", "\ud800",
            "\x00", "--", "-h",
        ]
    ),
    max_size=8,
)  # fmt: skip


@FUZZ
@given(ARGUMENTS)
def test_the_command_line_never_shows_a_traceback(argv):
    if "train" in argv or "-h" in argv:
        return  # training runs take seconds, help is not an error: both tested elsewhere
    if argv and argv[0] in ("expr", "example") and "--no-files" not in argv:
        argv = [*argv, "--no-files"]
    from io import StringIO

    out, err = StringIO(), StringIO()
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        code = main(argv)
    except SystemExit as exit:  # argparse exits itself on some errors
        code = exit.code
    finally:
        sys.stdout, sys.stderr = stdout, stderr
    assert code in (0, 1, 2), (argv, code)
    assert "Traceback" not in err.getvalue()
    if code != 0:
        assert err.getvalue().strip(), argv


@pytest.mark.parametrize("eps", ["-1", "0", "nan", "inf", "-inf", "abc", "1e400", ""])
def test_a_bad_eps_is_a_bad_command_line(eps, capsys):
    assert main(["gradcheck", "x*y", "--at", "x=1", "y=2", f"--eps={eps}"]) == 2
    assert "argument --eps: expected a" in capsys.readouterr().err


def run_cli(*args: str, **environment: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **environment}
    return subprocess.run(
        [sys.executable, "-m", "microgradpp", *args], capture_output=True, env=env, timeout=120
    )


@pytest.mark.parametrize("encoding", ["latin-1", "ascii", "cp1252"])
def test_output_degrades_on_a_stream_that_lacks_characters(encoding):
    finished = run_cli("example", "add-mul", "--no-files", PYTHONIOENCODING=encoding)
    assert finished.returncode == 0, finished.stderr
    text = finished.stdout.decode(encoding)
    assert "-12" in text and "at x = -2, y = 5, z = -4" in text  # − became -
    if encoding == "ascii":
        assert "f = (x + y) * z" in text  # · became *
    else:
        assert "f = (x + y) · z" in text  # latin-1 and cp1252 have ·


def test_the_ascii_stand_ins():
    from microgradpp.streams import _ascii_replacement  # noqa: F401 (registers the handler)

    text = "f = (x + y) · z at x = −2 → ∂f/∂x ≈ 0.5·σ(z), é, 中"
    assert text.encode("ascii", "microgradpp-ascii") == (
        b"f = (x + y) * z at x = -2 -> df/dx ~ 0.5*sigma(z), e, ?"
    )
    assert "e⁻¹ ×".encode("latin-1", "microgradpp-ascii") == b"e-\xb9 \xd7"  # ¹ × are latin-1


@pytest.mark.parametrize(
    "args", [["examples"], ["example", "sigmoid-neuron", "--no-files"], ["--help"]]
)
def test_a_closed_pipe_ends_the_command_quietly(args):
    reader = subprocess.Popen(["head", "-c", "0"], stdin=subprocess.PIPE)
    finished = subprocess.run(
        [sys.executable, "-m", "microgradpp", *args],
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        timeout=120,
    )
    reader.stdin.close()
    reader.wait(timeout=30)
    assert finished.stderr == b""
    assert finished.returncode in (0, 141)


@pytest.mark.skipif(not Path("/bin/bash").exists(), reason="needs bash")
def test_a_closed_pipe_exits_141_as_a_unix_tool_does():
    text = "+".join(f"x*{i}" for i in range(2000))  # a table far larger than a pipe's buffer
    finished = subprocess.run(
        f"{sys.executable} -m microgradpp expr '{text}' --at x=1 --no-files | head -c 0; "
        "echo ${PIPESTATUS[0]}",
        shell=True,
        capture_output=True,
        timeout=120,
        executable="/bin/bash",
    )
    assert finished.stderr == b""
    assert finished.stdout == b"141\n"


# -- Graphviz, bounded in time ----------------------------------------------------------------------


def fake_dot(folder: Path, body: str) -> Path:
    """A program called `dot` on PATH, written in Python, doing ``body``."""
    program = folder / "dot"
    program.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return program


@pytest.fixture
def slow_dot(tmp_path, monkeypatch):
    """`dot` hangs for a minute unless given the cheap layout's options, then answers at once."""
    fake_dot(
        tmp_path,
        "if '-Gnslimit=2' not in sys.argv: time.sleep(60)\n"
        "sys.stdin.read(); sys.stdout.write('<svg xmlns=\"http://www.w3.org/2000/svg\"/>')",
    )
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")


def test_a_slow_layout_is_retried_cheaply_within_the_timeout(slow_dot):
    from microgradpp.viz.dot import run_dot

    started = time.monotonic()
    assert run_dot("digraph { a -> b }", "svg", timeout=2.0) == (
        b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    )
    assert time.monotonic() - started < 20  # cut off: the fake dot would hang for 60 s


def test_a_dot_that_hangs_is_stopped_in_time(tmp_path, monkeypatch):
    from microgradpp.viz.dot import DotTimeoutError, run_dot, time_budget

    fake_dot(tmp_path, "time.sleep(60)")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    started = time.monotonic()
    with pytest.raises(DotTimeoutError, match=r"took more than 1 s .*for an expression, use"):
        run_dot("digraph { a -> b }", "svg", timeout=1.0)
    assert time.monotonic() - started < 20  # cut off: the fake dot would hang for 60 s
    with time_budget(0.6):
        started = time.monotonic()
        with pytest.raises(DotTimeoutError, match="took more than 0.6"):
            run_dot("digraph { a -> b }", "svg")
        with pytest.raises(DotTimeoutError, match="no time was left for this picture"):
            run_dot("digraph { a -> b }", "svg")
    assert time.monotonic() - started < 20  # cut off: the fake dot would hang for 60 s


def test_expr_exits_1_when_graphviz_runs_out_of_time(tmp_path, monkeypatch, capsys):
    from microgradpp import cli

    (tmp_path / "bin").mkdir()
    fake_dot(tmp_path / "bin", "time.sleep(60)")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(cli, "GRAPH_FILES_SECONDS", 1.0)
    started = time.monotonic()
    code = main(["expr", "tanh(x*0.999)+x", "--at", "x=0.5", "--out", str(tmp_path / "out")])
    assert time.monotonic() - started < 20  # cut off: the fake dot would hang for 60 s
    assert code == 1
    err = capsys.readouterr().err
    assert "No forward picture: Graphviz took more than" in err
    assert "not written: forward picture, backward picture, step-by-step page" in err
    assert list((tmp_path / "out").iterdir()) == []


def test_a_huge_expression_is_refused_by_size_not_by_memory(tmp_path, capsys):
    text = "+".join(["x"] * 8000)
    started = time.monotonic()
    assert main(["expr", text, "--at", "x=1", "--out", str(tmp_path)]) == 1
    assert time.monotonic() - started < 30
    err = capsys.readouterr().err
    assert "No step-by-step page: this graph has 8,000 nodes" in err
    assert "not written: forward picture, backward picture, step-by-step page" in err


# -- hostile labels through every writer ----------------------------------------------------------

HOSTILE_LABELS = [
    "<script>alert(1)</script>",
    '"; rankdir=TB; x [label="',
    "</svg><img src=x onerror=alert(1)>",
    "a|b{c}<d>",
    "\\",
    "x:y",
    "&amp;",
    "' onload='alert(1)",
    "\u202e",
    "é中文",
    "]]>",
    "node",
    "digraph",
    "%",
]


@pytest.mark.parametrize("label", HOSTILE_LABELS)
def test_a_hostile_label_is_only_text_in_every_writer(label, tmp_path):
    from microgradpp.tables import node_table

    x, y = Value(2.0, label=label), Value(3.0, label="y")
    f = x * y + x
    f.label = label
    f.backward()
    table = node_table(f)
    assert len(table.splitlines()) == 5 and label in table  # a table is plain text
    pytest.importorskip("graphviz")
    from microgradpp.viz import draw_graph, render

    source = draw_graph(f, "both").source
    assert "rankdir=TB" not in source.replace("rankdir=TB; x", "")
    render(f, tmp_path / "f.dot")
    if shutil.which("dot") is None:
        return
    from microgradpp.steps import render_steps

    svg = render(f, tmp_path / "f.svg").read_text(encoding="utf-8")
    tree = ElementTree.fromstring(svg)  # well-formed: the label did not break out
    texts = "".join(tree.itertext())
    assert label.strip() in texts or label.strip() in svg
    assert "<script" not in svg and "<img" not in svg
    page = render_steps(f, tmp_path / "steps.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "' onload='alert(1)" not in page


# -- corrupt and hostile files through load ------------------------------------------------------


@pytest.fixture(scope="module")
def model_text(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("model") / "m.json"
    save(MLP(2, [3, 1], batchnorm=True, seed=0), path)
    return path.read_text(encoding="utf-8")


@FUZZ
@given(data=st.data())
def test_a_corrupted_model_file_is_one_serialization_error(model_text, tmp_path_factory, data):
    """Flip, cut, insert or repeat bytes anywhere: either the file still loads (the change was
    in white space) or load raises SerializationError — never another exception."""
    raw = bytearray(model_text.encode())
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.integers(0, len(raw) - 1))
        how = data.draw(st.sampled_from(["flip", "cut", "insert", "truncate", "nest"]))
        if how == "flip":
            raw[where] ^= 1 << data.draw(st.integers(0, 7))
        elif how == "cut":
            del raw[where : where + data.draw(st.integers(1, 50))]
        elif how == "insert":
            raw[where:where] = data.draw(st.binary(min_size=1, max_size=20))
        elif how == "truncate":
            del raw[where:]
        else:
            raw[where:where] = b"[" * 5000
        if not raw:
            break
    path = tmp_path_factory.mktemp("bad") / "m.json"
    path.write_bytes(bytes(raw))
    target = MLP(2, [3, 1], batchnorm=True, seed=1)
    before = target.state_dict()
    try:
        load(path, model=target)
    except SerializationError as error:
        assert str(path) in str(error)
        assert target.state_dict() == before


@FUZZ
@given(
    field=st.sampled_from(["nin", "nouts", "activation", "fused", "batchnorm", "dropout"]),
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=5,
    ),
)
def test_any_config_value_is_checked_before_building(tmp_path_factory, field, value):
    from microgradpp.serialize import _checksum

    model = MLP(2, [3, 1], seed=0)
    config, state = dict(model.config(), **{field: value}), model.state_dict()
    try:
        checksum = _checksum(config, state)
    except ValueError:  # nan or inf: json refuses them, and so would save
        return
    document = {"format": "microgradpp-model", "version": 1, "class": "MLP",
                "config": config, "state": state, "checksum": checksum}  # fmt: skip
    path = tmp_path_factory.mktemp("cfg") / "m.json"
    path.write_text(json.dumps(document))
    started = time.monotonic()
    try:
        loaded = load(path)
    except SerializationError:
        pass
    else:
        assert loaded.state_dict() == state
    assert time.monotonic() - started < 1.0
