"""One layout per graph: the forward, backward and both pictures, and every frame of its step
page, put every box, gate and wire label in the same place (measured with ``dot -Tjson``)."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess

import pytest

from microgradpp import Value
from microgradpp.cli import main
from microgradpp.engine import sum_values
from microgradpp.examples import EXAMPLES, get_example
from microgradpp.expr import Expression
from microgradpp.nn import MLP
from microgradpp.steps import stepper_frames
from microgradpp.viz import GraphView, draw_graph
from microgradpp.viz.graph import SCREEN_ROOM, settle_rankdir

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
pytestmark = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)
MODES = ("forward", "backward", "both")
EXPRESSIONS = {
    "x*y + exp(x)": {"x": 1.0, "y": 2.0},
    "max(x*y, z) / (x + 2)": {"x": 3.0, "y": -4.0, "z": 2.0},
    "relu(a*b - c) * a + tanh(c)": {"a": 1.5, "b": 2.0, "c": -0.5},
    "(a + b) * (a - b) * sigmoid(b)": {"a": 0.5, "b": -1.25},
}


def layout(picture) -> dict[str, tuple[float, float, float, float]]:
    """Every node's centre and size (points) and every wire label's place, as dot lays them out."""
    made = subprocess.run(
        ["dot", "-Tjson"], input=picture.source.encode("utf-8"), capture_output=True, check=True
    )
    drawn = json.loads(made.stdout)
    places = {}
    for node in drawn.get("objects", []):
        if "pos" not in node:  # a subgraph; a cluster (a layer drawn by neuron) has a frame
            if "bb" in node:
                places[node["name"]] = tuple(float(v) for v in node["bb"].split(","))
            continue
        x, y = (float(v) for v in node["pos"].split(","))
        places[node["name"]] = (x, y, float(node["width"]), float(node["height"]))
    for wire in drawn.get("edges", []):
        if "lp" in wire:
            x, y = (float(v) for v in wire["lp"].split(","))
            places[f"label {wire['_gvid']}"] = (x, y, 0.0, 0.0)
    places["bounding box"] = tuple(float(v) for v in drawn["bb"].split(","))  # type: ignore[assignment]
    return places


def rank_orders(places: dict[str, tuple[float, float, float, float]]) -> list[list[str]]:
    """Boxes and gates column by column (left to right), each column top to bottom."""
    columns: dict[float, list[tuple[float, str]]] = {}
    for name, (x, y, _, _) in places.items():
        if name.startswith(("v", "g")):
            columns.setdefault(x, []).append((-y, name))
    return [[name for _, name in sorted(column)] for _, column in sorted(columns.items())]


def expression(text: str) -> Value:
    root = Expression(text).evaluate(EXPRESSIONS[text])
    root.backward()
    return root


GRAPHS = [
    *(pytest.param(lambda name=name: get_example(name).run(), id=name) for name in EXAMPLES),
    *(pytest.param(lambda text=text: expression(text), id=text) for text in EXPRESSIONS),
]


@pytest.mark.parametrize("make", GRAPHS)
def test_forward_backward_and_both_pictures_put_everything_in_the_same_place(make):
    root = make()
    places = {mode: layout(draw_graph(root, mode)) for mode in MODES}
    orders = {mode: rank_orders(places[mode]) for mode in MODES}
    assert orders["forward"] == orders["backward"] == orders["both"]
    assert places["forward"] == places["backward"] == places["both"]
    boxes = [name for name in places["forward"] if name.startswith("v")]
    assert len(boxes) >= 4


def test_in_the_sigmoid_neuron_w1_and_x1_keep_their_places():
    """The defect a teacher saw: w1 and x1 swapped places between forward and backward. Each
    gate's inputs are drawn in the order they were given, as in the textbook's figure."""
    root = get_example("sigmoid-neuron").run()
    view = GraphView.of(root)
    ids = {view.names[node]: view.box_id(node) for node in view.boxes()}
    for mode in MODES:
        places = layout(draw_graph(root, mode))
        heights = [places[ids[name]][1] for name in ("w0", "x0", "w1", "x1")]
        assert heights == sorted(heights, reverse=True), mode  # top to bottom, in every mode


@pytest.mark.parametrize("name", ["add-mul", "sigmoid-neuron", "max-circuit", "two-layer"])
def test_every_frame_of_the_step_page_has_the_pictures_layout(name):
    root = get_example(name).run()
    frames = stepper_frames(root, lang="en")
    picture = layout(draw_graph(root, "backward", rankdir=frames[0].view.rankdir))
    for frame in (frames[0], frames[len(frames) // 2], frames[-1]):
        assert layout(draw_graph(frame.view)) == picture, frame.id


def test_a_network_drawn_by_neuron_keeps_one_layout():
    model = MLP(2, [3, 3, 1], seed=3)
    loss = (model([Value(0.5), Value(-1.0)]) - 1.0) ** 2
    loss.backward()
    places = {mode: layout(draw_graph(loss, mode, collapse="neuron")) for mode in MODES}
    assert places["forward"] == places["backward"] == places["both"]
    assert sum(1 for name in places["forward"] if name.startswith("group")) == 7


def test_wire_labels_take_the_same_room_in_every_mode_and_forward_shows_none():
    root = get_example("add-mul").run()
    for mode in MODES:
        source = draw_graph(root, mode).source
        labelled = [line for line in source.splitlines() if "->" in line and "label=" in line]
        assert len(labelled) == 4  # the wires into a gate: x, y into +; q, z into ×
        decorated = [line for line in labelled if "decorate=true" in line]
        # a line ties each label to its own wire; forward's labels are blank: nothing to tie
        assert len(decorated) == (0 if mode == "forward" else 4)
    forward = draw_graph(root, "forward").source
    assert "× 1" not in forward and "= -4" not in forward


# ------------------------------------------------------------------------------------------------
# rankdir="auto": the direction that comes out larger on a 1920×1080 screen
# ------------------------------------------------------------------------------------------------


def dot_product(n: int) -> Value:
    """w0·x0 + … + w(n-1)·x(n-1) with one n-ary sum gate: shallow and wide."""
    xs = [Value(0.5 * i + 1, label=f"x{i}") for i in range(n)]
    ws = [Value(0.5 - 0.25 * i, label=f"w{i}") for i in range(n)]
    root = sum_values([w * x for w, x in zip(ws, xs)])
    root.label = "f"
    root.backward()
    return root


def fitted_scale(picture) -> float:
    """The scale at which dot's picture fits SCREEN_ROOM (pixels: 96 an inch)."""
    made = subprocess.run(
        ["dot", "-Tplain"], input=picture.source.encode("utf-8"), capture_output=True, check=True
    )
    _, _, width, height = made.stdout.decode("utf-8").split("\n", 1)[0].split()
    return min(SCREEN_ROOM[0] / (float(width) * 96), SCREEN_ROOM[1] / (float(height) * 96))


@pytest.mark.parametrize(
    "make, chosen",
    [
        *(
            pytest.param(lambda name=name: get_example(name).run(), "LR", id=name)
            for name in ("add-mul", "sigmoid-neuron-fused", "max-circuit")
        ),
        # long chains: too wide left to right, too tall top to bottom; turned once they fit
        pytest.param(lambda: get_example("sigmoid-neuron").run(), "wrap", id="sigmoid-neuron"),
        pytest.param(lambda: get_example("two-layer").run(), "wrap", id="two-layer"),
        pytest.param(lambda: dot_product(4), "TB", id="dot product of 4"),
        pytest.param(lambda: expression("x*y + exp(x)"), "LR", id="x*y + exp(x)"),
    ],
)
def test_auto_takes_the_direction_whose_picture_fitted_to_the_screen_is_larger(make, chosen):
    root = make()
    directions = ("LR", "TB", "wrap")
    scales = {d: fitted_scale(draw_graph(root, "both", rankdir=d)) for d in directions}
    assert settle_rankdir(GraphView.of(root, "both", rankdir="auto")).rankdir == chosen
    assert all(scales[chosen] >= scales[d] for d in directions if d != "wrap"), scales
    # wrap is tried only where neither LR nor TB fits the room at its own size
    assert (chosen == "wrap") == (scales["wrap"] > max(scales["LR"], scales["TB"]) < 1.0), scales
    for mode in MODES:  # one layout for every mode: the same direction too
        assert settle_rankdir(GraphView.of(root, mode, rankdir="auto")).rankdir == chosen
        source = draw_graph(root, mode, rankdir="auto").source
        assert f"rankdir={'LR' if chosen == 'wrap' else chosen}" in source
        assert source.count("constraint=false") == (chosen == "wrap")  # the one turned wire
    frames = stepper_frames(root, lang="en")  # a step page: auto by default
    assert {frame.view.rankdir for frame in frames} == {chosen}


def test_wrap_turns_the_sigmoid_neurons_chain_once_half_way():
    from microgradpp.viz.graph import wrap_cut

    root = get_example("sigmoid-neuron").run()
    view = GraphView.of(root, "both", rankdir="wrap")
    names = {view.box_id(node): view.names[node] for node in view.order}
    gate, box = wrap_cut(view)
    # depths: leaves 0, p0 p1 1, s 2, z 3, u 4, e 5, d 6, f 7: u (4) and z (3) are as near half
    # of 7; the deeper one starts the second row, so that row begins with a box
    assert names[box] == "u" and gate == view.gate_id(next(n for n in view.order if n.label == "u"))
    scales = {d: fitted_scale(draw_graph(root, "both", rankdir=d)) for d in ("LR", "TB", "wrap")}
    assert scales["wrap"] > 1.3 * max(scales["LR"], scales["TB"]), scales
    # a graph without a spine (a wide sum of products) is not turned
    assert wrap_cut(GraphView.of(dot_product(4), "both", rankdir="wrap")) is None


def test_auto_is_left_to_right_without_dot(monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("MICROGRADPP_DOT", "system")  # nor the bundled one
    assert shutil.which("dot") is None
    view = settle_rankdir(GraphView.of(dot_product(4), rankdir="auto"))
    assert view.rankdir == "LR" and "rankdir=LR" in draw_graph(view).source


def test_the_command_lines_pictures_and_step_page_share_one_layout(tmp_path, capsys):
    """expr writes forward and backward pictures and a step page of one direction and size."""
    text = "a*b + c*d + e*f + g*h"
    at = ["a=1", "b=2", "c=-1", "d=0.5", "e=3", "f=-2", "g=0.25", "h=4"]
    assert main(["expr", text, "--at", *at, "--out", str(tmp_path), "--name", "dp"]) == 0
    sizes = set()
    for name in ("dp-forward.svg", "dp-backward.svg"):
        sizes |= set(
            re.findall(r'<svg width="([\d.]+pt)" height="([\d.]+pt)"', read(tmp_path, name))
        )
    page = read(tmp_path, "dp-steps.html")
    frames = re.findall(r'<svg width="([\d.]+pt)" height="([\d.]+pt)"', page)
    assert len(frames) == 2 + 2 * 7 and set(frames) == sizes and len(sizes) == 1
    assert main(["expr", text, "--at", *at, "--out", str(tmp_path), "--name", "tb", "--rankdir",
                 "TB"]) == 0  # fmt: skip
    assert main(["expr", text, "--at", *at, "--out", str(tmp_path), "--name", "lr", "--rankdir",
                 "LR"]) == 0  # fmt: skip
    tb = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', read(tmp_path, "tb-forward.svg"))
    lr = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', read(tmp_path, "lr-forward.svg"))
    assert tb and lr
    (lr_width, lr_height), (tb_width, tb_height) = (map(float, m.groups()) for m in (lr, tb))
    assert lr_width > lr_height and tb_height > tb_width
    # auto took LR: fitted to 1880 × 830 pixels it is larger (1.12 against 0.70)
    assert sizes == {(f"{lr.group(1)}pt", f"{lr.group(2)}pt")}
    capsys.readouterr()


def read(folder, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# A wire's label sits on its own wire
# ------------------------------------------------------------------------------------------------


def bezier_points(ops: list[dict]) -> list[tuple[float, float]]:
    """Points along a wire drawn by dot: its cubic Bézier pieces, sampled 400 times each."""
    points: list[tuple[float, float]] = []
    for op in ops:
        if op["op"] not in ("b", "B"):
            continue
        controls = op["points"]
        for start in range(0, len(controls) - 3, 3):
            p0, p1, p2, p3 = controls[start : start + 4]
            for step in range(401):
                t = step / 400
                points.append(
                    tuple(  # type: ignore[arg-type]
                        (1 - t) ** 3 * a
                        + 3 * (1 - t) ** 2 * t * b
                        + 3 * (1 - t) * t**2 * c
                        + t**3 * d
                        for a, b, c, d in zip(p0, p1, p2, p3)
                    )
                )
    return points


def distance(point: list[float], curve: list[tuple[float, float]]) -> float:
    return min(math.dist(point, on_curve) for on_curve in curve)


@pytest.mark.parametrize("name", ["add-mul", "sigmoid-neuron", "max-circuit", "two-layer"])
@pytest.mark.parametrize("mode", ["backward", "both"])
def test_each_wire_label_is_tied_by_a_line_to_its_own_wire(name, mode):
    """Gates with two to six inputs: the line dot draws from each label (decorate) ends on the
    label's own wire, not on a neighbour's."""
    made = subprocess.run(
        ["dot", "-Tjson"],
        input=draw_graph(get_example(name).run(), mode).source.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    wires = json.loads(made.stdout)["edges"]
    labelled = [wire for wire in wires if "lp" in wire]
    curves = {wire["_gvid"]: bezier_points(wire["_draw_"]) for wire in wires}
    for wire in labelled:
        tie = next(op for op in wire["_ldraw_"] if op["op"] == "L")["points"][-1]
        own = distance(tie, curves[wire["_gvid"]])
        assert own < 1.0, (wire["_gvid"], own)
        others = [distance(tie, curves[other["_gvid"]]) for other in wires if other is not wire]
        assert min(others) > own, (wire["_gvid"], own, min(others))
    gates_inputs = {wire["head"] for wire in labelled}
    assert len(labelled) > len(gates_inputs)  # several gates with two or more labelled inputs
