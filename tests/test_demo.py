"""microgradpp demo: every worked example's files, a short training run, and an index.html,
run as a user runs it (``python -m microgradpp demo`` in a subprocess). Slow: it draws every
picture and trains a network (``pytest -m "not slow"`` skips it)."""

from __future__ import annotations

import os
import re

import pytest
from test_cli import PNG, cli, needs_dot

pytestmark = pytest.mark.slow


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
    assert {"add-mul-steps.html", "sigmoid-neuron-steps.html", "xor-steps-collapsed.html"} <= files
    assert "xor-steps.html" not in files  # 70 tangled frames: written with --full only
    assert (demo / "moons-boundary.png").read_bytes().startswith(PNG)
    assert f"open {os.path.join('demo', 'index.html')} in a browser" in out


def test_demo_without_graphviz_still_prints_tables_and_writes_dot_files(tmp_path):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    empty = tmp_path / "no-programs"
    empty.mkdir()
    # no dot on this PATH, and not the bundled graphviz-pure either
    env = {**os.environ, "PATH": str(empty), "MICROGRADPP_DOT": "system"}
    finished = cli("demo", "--out", "demo", "--epochs", "1", cwd=tmp_path, env=env)
    assert finished.returncode == 0, finished.stderr
    assert "15  f     1/x   d       0.7311        1" in finished.stdout
    assert "sudo apt-get install graphviz" in finished.stderr
    demo = tmp_path / "demo"
    assert (demo / "add-mul-forward.dot").read_text(encoding="utf-8").startswith("digraph")
    assert not list(demo.glob("*.svg")) and not list(demo.glob("*-steps.html"))
    assert (demo / "index.html").exists()


@needs_dot
def test_demo_exits_1_and_names_the_files_it_could_not_write(tmp_path, monkeypatch, capsys):
    """A step page refused (too large) must not end in a demo that reports success."""
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    import microgradpp.steps
    from microgradpp.cli import main
    from microgradpp.errors import GraphTooLargeError

    real_render_steps = microgradpp.steps.render_steps

    def refuse_xor(root, path, *args, **kwargs):
        if path.name == "xor-steps-collapsed.html":
            raise GraphTooLargeError("this graph is too large for a step-by-step page (test)")
        return real_render_steps(root, path, *args, **kwargs)

    monkeypatch.setattr(microgradpp.steps, "render_steps", refuse_xor)
    assert main(["demo", "--out", str(tmp_path / "demo"), "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert (
        "No collapsed step-by-step page: this graph is too large for a step-by-step page (test)"
        in err
    )
    assert err.endswith(
        "microgradpp demo: not written: xor collapsed step-by-step page (see above)\n"
    )
    assert not (tmp_path / "demo" / "xor-steps-collapsed.html").exists()
    assert (tmp_path / "demo" / "add-mul-steps.html").exists()
