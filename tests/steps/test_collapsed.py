"""The collapsed step page (a whole neuron, layer or part per frame), and what the commands write
for a long page: the collapsed page linked both ways, and for XOR's tangled sum readable pictures
and pages by default (the whole ones only with --full)."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from microgradpp import Value, backward_order, topological_order
from microgradpp.cli import main
from microgradpp.errors import GraphTooLargeError
from microgradpp.examples import get_example
from microgradpp.expr import evaluate
from microgradpp.nn import MLP
from microgradpp.steps import render_steps, stepper_frames
from microgradpp.steps.collapsed import collapsed_frame_count
from microgradpp.viz.collapse import PART_GATES, group_parts

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")

NEURON_15 = "sigmoid(" + " + ".join(f"w{i}*x{i}" for i in range(1, 16)) + " + b)"
NEURON_15_AT = {**{f"w{i}": 1.0 for i in range(1, 16)}, **{f"x{i}": 1.0 for i in range(1, 16)}}
NEURON_15_AT.update(w15=0.5, x15=-1.0, b=-14.0)


def mlp_sample() -> Value:
    """One sample through a gate-by-gate 2-4-4-1 tanh network, squared error: 106 Values, a
    134-frame page, not a sum."""
    model = MLP(2, [4, 4, 1], activation="tanh", seed=1, fused=False)
    out = model([Value(0.5, label="x1"), Value(-1.0, label="x2")])
    loss = (out - 1.0) ** 2
    loss.label = "loss"
    return loss


# ------------------------------------------------------------------------------------------------
# Parts: sub-expressions of any graph
# ------------------------------------------------------------------------------------------------


def test_xor_has_one_part_per_example_and_its_inputs_belong_to_it():
    loss = get_example("xor").build()
    order = topological_order(loss)
    group = group_parts(order)
    by_label = {node.label: key for node, key in group.items() if node.label}
    parts: dict[str, list[str]] = {}
    for node, key in group.items():
        if node.parents:
            parts.setdefault(key, []).append(node.label)
    assert {key: len(gates) for key, gates in parts.items()} == {
        "e1²": 8, "e2²": 8, "e3²": 8, "e4²": 8
    }  # fmt: skip
    assert sorted(parts["e1²"]) == sorted(
        ["z1_1", "h1_1", "z1_2", "h1_2", "out1", "-t1", "e1", "e1²"]
    )
    assert by_label["x3_1"] == by_label["x3_2"] == by_label["t3"] == "e3²"  # its example's inputs
    shared = [n.label for n in order if not n.parents and n.label and n not in group]
    assert shared == ["b2", "w2_1", "b1_1", "w1_11", "w1_12", "w2_2", "b1_2", "w1_21", "w1_22"]
    assert not any(node in group for node in (loss, loss.parents[0]))  # Σ and ×0.25 stay gates


def test_a_long_chain_is_cut_into_parts_of_at_most_eight_gates_each_computed_in_one_stretch():
    f = evaluate(NEURON_15, NEURON_15_AT)
    order = topological_order(f)
    group = group_parts(order)
    gates = [node for node in order if node.parents]
    assert all(node in group for node in gates)  # 31 gates in 4 parts
    sizes: dict[str, int] = {}
    for node in gates:
        sizes[group[node]] = sizes.get(group[node], 0) + 1
    assert sizes == {"n15": 7, "n31": 8, "n47": 8, "f": 8} and max(sizes.values()) <= PART_GATES
    keys = [group[node] for node in sorted(gates, key=lambda node: node.number)]
    assert keys == sorted(keys, key=lambda key: keys.index(key))  # no part is interrupted
    assert [group[n] for n in order if n.label in ("w1", "x1", "b")] == ["n15", "n15", "f"]


def test_a_small_sum_and_a_lone_gate_make_no_parts():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    assert group_parts(topological_order(0.5 * (x * y + x.exp() + y * y))) == {}
    assert group_parts(topological_order(x * y)) == {}
    assert group_parts([]) == {}


# ------------------------------------------------------------------------------------------------
# The frames: backward's own numbers, a box at a time
# ------------------------------------------------------------------------------------------------


def _backward_states(frames):
    return [
        (dict(frame.view.grads), frozenset(frame.view.final))
        for frame in frames
        if frame.id.startswith("step-")
    ]


@pytest.mark.parametrize(
    ("build", "level", "count"),
    [
        (lambda: get_example("xor").build(), "part", 14),
        (lambda: evaluate(NEURON_15, NEURON_15_AT), "part", 10),
        (mlp_sample, "neuron", 24),
        (mlp_sample, "layer", 12),
    ],
    ids=["xor-by-part", "neuron15-by-part", "mlp-by-neuron", "mlp-by-layer"],
)
def test_each_collapsed_frame_shows_backwards_own_gradients_at_that_point(build, level, count):
    root = build()
    full = stepper_frames(root, lang="en")
    collapsed = stepper_frames(root, lang="en", collapse=level)
    assert len(collapsed) == count == collapsed_frame_count(root, topological_order(root), level)
    states = _backward_states(full)
    shown = _backward_states(collapsed)
    positions = [states.index(state) for state in shown]  # each is a state of the full replay…
    assert positions == sorted(positions) and positions[0] == 0  # …in backward's order
    assert positions[-1] == len(states) - 1  # and the last is backward's end
    root.backward()
    final_grads, final = shown[-1]
    for node in topological_order(root):
        if node in final:
            assert final_grads.get(node, 0.0) == node.grad, node  # bit for bit
    assert all(frame.view.level == level for frame in collapsed)


def test_the_xor_collapsed_frames_say_what_each_box_does():
    frames = stepper_frames(get_example("xor").build(), lang="en", collapse="part")
    assert [frame.title for frame in frames] == [
        "Forward pass: the inputs (0 of 6)",
        "Forward pass: e1² (1 of 6)", "Forward pass: e2² (2 of 6)",
        "Forward pass: e3² (3 of 6)", "Forward pass: e4² (4 of 6)",
        "Forward pass: node 5 of 6", "Forward pass: node 6 of 6",
        "Backward: the seed (step 0 of 6)", "Backward: step 1 of 6", "Backward: step 2 of 6",
        "Backward: e4² (3 of 6)", "Backward: e3² (4 of 6)", "Backward: e2² (5 of 6)",
        "Backward: e1² (6 of 6)",
    ]  # fmt: skip
    assert frames[1].caption == (
        "Forward: the part e1², 8 gates at once (b+Σwx → tanh → × → + → **2): e1² = 0.0178"
    )
    headline, inputs = frames[-1].caption.split("\n")
    assert headline == (
        "Backward through the part e1², 8 gates at once (b+Σwx → tanh → × → + → **2): "
        "∂loss/∂(e1²) = 0.25 goes back inside it, to its inputs:"
    )
    assert inputs.startswith("∂loss/∂t1 = 0.0666,   ∂loss/∂b2 = −0.6217,   ∂loss/∂w2_1 = −0.3875")
    assert "so far" not in inputs and "∂(−1)" not in inputs  # all final now; no constant
    assert "∂loss/∂b2 = −0.0666 so far" in frames[-4].caption  # e4² came first: a partial sum
    step = frames[-1].view  # the part is lit; its 9 shared weights get orange wires, no frame
    assert {step.box_id(node) for node in step.lit} == {"group0"}
    assert len({parent for parent, _ in step.lit_wires if not parent.parents}) == 9 + 3 + 1  # −1
    sigma = frames[9].view  # a lone gate's step lights its inputs too, as on the full page
    assert {sigma.names[node] for node in sigma.lit} == {"Σe²", "e1²", "e2²", "e3²", "e4²"}


def test_a_collapsed_page_is_refused_by_size_before_any_work_and_by_level():
    x = Value(1.0, label="x")
    for _ in range(200):
        x = x * 1.0001
    started = time.perf_counter()
    with pytest.raises(GraphTooLargeError, match="at most 200"):
        stepper_frames(x, collapse="part")
    assert time.perf_counter() - started < 0.5
    with pytest.raises(ValueError, match="collapse must be one of"):
        stepper_frames(Value(1.0) * 2.0, collapse="neurons")


@needs_dot
def test_the_collapsed_page_is_small_and_draws_the_boxes(tmp_path):
    path = render_steps(
        get_example("xor").build(), tmp_path / "xor.html", lang="en", collapse="part"
    )
    page = path.read_text(encoding="utf-8")
    assert len(re.findall(r'<section class="frame"', page)) == 14
    assert path.stat().st_size < 1_000_000  # the whole page: 10 MB
    # 4 boxes a frame, each with its tooltip, and 8 captions
    assert page.count("b+Σwx → tanh → × → + → **2") == 14 * 4 * 2 + 8
    assert "x1_1 = 0, x1_2 = 0, t1 = 0" in page  # a part shows its own inputs
    assert "∂loss/∂(e4²) = ?" in page and "∂loss/∂(e4²) = 0.25" in page
    assert "http" not in page.replace("http://www.w3.org", "")  # offline


# ------------------------------------------------------------------------------------------------
# What the commands write
# ------------------------------------------------------------------------------------------------


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _svg_size(path) -> tuple[float, float]:
    match = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', path.read_text("utf-8"))
    assert match, path
    return float(match[1]), float(match[2])


@needs_dot
def test_example_xor_writes_only_readable_files_and_says_why(capsys, tmp_path):
    started = time.perf_counter()
    code, out, err = run(capsys, "example", "xor", "--out", str(tmp_path))
    seconds = time.perf_counter() - started
    assert code == 0 and err == ""
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "xor-backward-collapsed.svg", "xor-backward-term1.svg", "xor-backward-term2.svg",
        "xor-backward-term3.svg", "xor-backward-term4.svg", "xor-forward-collapsed.svg",
        "xor-steps-collapsed.html", "xor-steps-term1.html", "xor-steps-term2.html",
        "xor-steps-term3.html", "xor-steps-term4.html",
    ]  # fmt: skip
    assert (
        "xor: the whole graph (60 Values) is a sum of 4 terms, too tangled to read as one "
        "picture or one page, so those were not written (--full writes them too). "
        "Instead the -collapsed pictures and page draw it with a box per part" in out
    )
    assert out.index("too tangled") < out.index("wrote:")
    assert all(path.stat().st_size < 1_000_000 for path in tmp_path.iterdir())
    for mode in ("forward", "backward"):
        width, height = _svg_size(tmp_path / f"xor-{mode}-collapsed.svg")
        fitted = min(1880 / (width * 4 / 3), 830 / (height * 4 / 3))  # on a 1920×1080 screen
        assert fitted > 0.6  # the whole picture (3349 × 2485 pt, a tangle of wires): 0.25
    collapsed = (tmp_path / "xor-steps-collapsed.html").read_text(encoding="utf-8")
    assert "(14 frames instead of 70)" in collapsed
    assert "The full page, one gate per frame, is written with --full." in collapsed
    assert '<a href="xor-steps-term1.html">e1²</a>' in collapsed
    assert 'href="xor-steps.html"' not in collapsed  # not written, so not linked
    assert seconds < 20  # the whole page alone took 2.4 to 7 s


@needs_dot
def test_example_xor_full_also_writes_the_whole_picture_and_page_linked_both_ways(capsys, tmp_path):
    code, out, _ = run(capsys, "example", "xor", "--full", "--out", str(tmp_path))
    assert code == 0
    names = {p.name for p in tmp_path.iterdir()}
    assert {"xor-forward.svg", "xor-backward.svg", "xor-steps.html"} <= names
    assert len(names) == 14
    assert "too tangled" not in out
    assert "xor-steps.html: 70 frames: long for one lesson." in out
    full = (tmp_path / "xor-steps.html").read_text(encoding="utf-8")
    assert '<a href="xor-steps-collapsed.html">xor-steps-collapsed.html (14 frames)</a>' in full
    collapsed = (tmp_path / "xor-steps-collapsed.html").read_text(encoding="utf-8")
    assert '<a href="xor-steps.html">xor-steps.html (70 frames)</a>' in collapsed


@needs_dot
def test_a_long_expression_gets_its_page_and_a_collapsed_one_linked_both_ways(capsys, tmp_path):
    at = [f"{name}={value:g}" for name, value in NEURON_15_AT.items()]
    code, out, _ = run(
        capsys, "expr", NEURON_15, "--at", *at, "--name", "neuron", "--out", str(tmp_path)
    )
    assert code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "neuron-backward.svg", "neuron-forward.svg", "neuron-steps-collapsed.html",
        "neuron-steps.html",
    ]  # fmt: skip
    assert (
        "neuron-steps.html: 64 frames: long for one lesson. A shorter page steps through a "
        "whole part at a time, with the same numbers: neuron-steps-collapsed.html" in out
    )
    full = (tmp_path / "neuron-steps.html").read_text(encoding="utf-8")
    assert 'href="neuron-steps-collapsed.html">neuron-steps-collapsed.html (10 frames)' in full
    collapsed = (tmp_path / "neuron-steps-collapsed.html").read_text(encoding="utf-8")
    assert 'href="neuron-steps.html">neuron-steps.html (64 frames)' in collapsed
    assert len(re.findall(r'<section class="frame"', collapsed)) == 10


@needs_dot
def test_a_network_sample_is_collapsed_by_neuron_and_the_words_are_translated(tmp_path):
    from microgradpp.outputs import write_graph_files

    paths = write_graph_files(mlp_sample(), tmp_path, "mlp", lang="zh-Hant")
    assert [p.name for p in paths] == [
        "mlp-forward.svg", "mlp-backward.svg", "mlp-steps.html", "mlp-steps-collapsed.html"
    ]  # fmt: skip
    collapsed = (tmp_path / "mlp-steps-collapsed.html").read_text(encoding="utf-8")
    assert "收合檢視：每個方框是一整個神經元" in collapsed
    assert "backward() 自己算出的。完整頁面，每個畫面一個閘：" in collapsed  # no stray space
    assert "反向傳播一次走過神經元 layer2.neuron3 的 9 個閘" in collapsed
    assert len(re.findall(r'<section class="frame"', collapsed)) == 24


def test_collapsed_frame_count_is_zero_when_nothing_groups():
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    f = x * y
    assert collapsed_frame_count(f, topological_order(f), "part") == 0
    assert collapsed_frame_count(f, topological_order(f), "neuron") == 0
    assert len(backward_order(f)) == 1


@needs_dot
def test_a_graph_too_large_for_any_page_is_refused_once(tmp_path, capsys):
    from microgradpp.outputs import write_graph_files

    model = MLP(3, [8, 8, 1], activation="tanh", seed=1, fused=False)
    loss = (model([Value(0.5, label="x1"), Value(-1.0, label="x2"), Value(2.0)]) - 1.0) ** 2
    loss.backward()
    assert len(topological_order(loss)) > 200
    missing: list[str] = []
    paths = write_graph_files(loss, tmp_path, "big", missing=missing)
    err = capsys.readouterr().err
    assert missing == ["step-by-step page"]  # not the collapsed page too: the same limit
    assert err.count("a step-by-step page is made for graphs of at most 200") == 1
    assert [p.name for p in paths] == ["big-forward.svg", "big-backward.svg"]


@pytest.mark.parametrize("level", ["neuron", "layer", "part"])
def test_a_graph_with_nothing_to_collapse_keeps_a_frame_per_gate(tmp_path, level):
    x = Value(2.0, label="x")
    f = (x * x).exp()
    f.label = "f"
    collapsed = stepper_frames(f, collapse=level)
    full = stepper_frames(f)
    assert [frame.id for frame in collapsed] == [frame.id for frame in full]
    assert [frame.caption for frame in collapsed] == [frame.caption for frame in full]
    assert render_steps(f, tmp_path / "f.html", collapse=level).stat().st_size > 0
