"""One layout per graph: the forward, backward and both pictures, and every frame of its step
page, put every box, gate and wire label in the same place (measured with ``dot -Tjson``)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from microgradpp import Value
from microgradpp.examples import EXAMPLES, get_example
from microgradpp.expr import Expression
from microgradpp.nn import MLP
from microgradpp.steps import stepper_frames
from microgradpp.viz import GraphView, draw_graph

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
    picture = layout(draw_graph(root, "backward"))
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
