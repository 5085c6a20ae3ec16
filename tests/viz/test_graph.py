"""Pictures of the computational graph (microgradpp.viz): what they show, files, sizes, no dot."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import microgradpp
from microgradpp import GATES, MicrogradppError, Value
from microgradpp.viz import (
    GraphTooLargeError,
    GraphView,
    GraphvizNotFoundError,
    draw_graph,
    format_number,
    jupyter_svg,
    render,
    to_svg,
)
from microgradpp.viz.dot import have_dot
from microgradpp.viz.graph import HIGHLIGHT_FILL, HIGHLIGHT_LINE, UNKNOWN_FILL

graphviz = pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"
)

# ------------------------------------------------------------------------------------------------
# The two worked examples of the cs231n notes
# ------------------------------------------------------------------------------------------------


def xyz_example() -> tuple[Value, dict[str, Value]]:
    """f = (x + y)·z at x = -2, y = 5, z = -4."""
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    return f, {"x": x, "y": y, "z": z, "q": q}


def sigmoid_neuron() -> tuple[Value, dict[str, Value]]:
    """f = 1/(1 + exp(-(w0·x0 + w1·x1 + w2))) gate by gate: ×, ×, +, +, ×-1, exp, +1, 1/x."""
    w0, x0 = Value(2.0, label="w0"), Value(-1.0, label="x0")
    w1, x1 = Value(-3.0, label="w1"), Value(-2.0, label="x1")
    w2 = Value(-3.0, label="w2")
    s = w0 * x0 + w1 * x1 + w2
    f = ((s * -1.0).exp() + 1.0).reciprocal()
    f.backward()
    return f, {"w0": w0, "x0": x0, "w1": w1, "x1": x1, "w2": w2}


def svg_texts(svg: str) -> list[str]:
    """The text of every <text> element of an SVG, entities decoded (dot writes - as &#45;)."""
    root = ET.fromstring(svg.encode("utf-8"))
    return [
        "".join(element.itertext())
        for element in root.iter()
        if element.tag.endswith("}text") or element.tag == "text"
    ]


def numbers_in(texts: list[str]) -> set[float]:
    """Every number printed in the texts, rounded to 2 decimals as the published figures are."""
    found = re.findall(r"-?\d+(?:\.\d+)?", " ".join(texts))
    return {round(float(number), 2) for number in found}


XYZ_VALUES = [-2.0, 5.0, -4.0, 3.0, -12.0]
XYZ_GRADS = [3.0, -12.0, -4.0, -4.0, 3.0]  # as listed in the figure: ∂z = 3 (and -12 is f)
NEURON_VALUES = [-2.0, 6.0, 4.0, 1.0, -1.0, 0.37, 1.37, 0.73]
NEURON_GRADS = [-0.20, 0.39, -0.39, -0.59, 0.20]


@needs_dot
@pytest.mark.parametrize(
    ("make", "values", "grads", "symbols"),
    [
        (xyz_example, XYZ_VALUES, [3.0, -4.0, 1.0], ["+", "×"]),
        (sigmoid_neuron, NEURON_VALUES, NEURON_GRADS, ["×", "+", "×-1", "exp", "+1", "1/x"]),
    ],
    ids=["(x+y)z", "sigmoid-neuron"],
)
def test_worked_examples_show_every_published_number_and_gate(make, values, grads, symbols):
    f, _ = make()
    forward = svg_texts(to_svg(f, mode="forward"))
    backward = svg_texts(to_svg(f, mode="backward"))
    both = svg_texts(to_svg(f, mode="both"))
    for number in values:
        assert number in numbers_in(forward), number
        assert number in numbers_in(both), number
    for number in grads:
        assert number in numbers_in(backward), number
        assert number in numbers_in(both), number
    for symbol in symbols:
        assert symbol in forward
        assert symbol in backward


@needs_dot
def test_xyz_pictures_exact_text():
    f, _ = xyz_example()
    forward = svg_texts(to_svg(f, mode="forward"))
    assert [t for t in forward if t in ("x", "y", "z", "q", "f")] == ["x", "y", "q", "z", "f"]
    for text in ("-2", "5", "3", "-4", "-12", "+", "×"):
        assert text in forward
    backward = svg_texts(to_svg(f, mode="backward"))
    # each wire: upstream × local = contribution
    for text in ("-4 × 1", "= -4", "1 × (-4)", "1 × 3", "= 3"):  # a negative factor in ( )
        assert text in backward
    assert "-12" not in backward  # values are not shown in backward mode


@needs_dot
def test_sigmoid_neuron_exact_text_at_default_precision():
    f, _ = sigmoid_neuron()
    forward = svg_texts(to_svg(f, mode="forward"))
    for text in ("0.3679", "1.3679", "0.7311", "6", "4", "1", "-1", "-2"):
        assert text in forward
    backward = svg_texts(to_svg(f, mode="backward"))
    for text in ("-0.1966", "0.3932", "-0.3932", "-0.5898", "0.1966", "-0.5344", "1"):
        assert text in backward
    two_decimals = svg_texts(to_svg(f, mode="backward", precision=2))
    for text in ("-0.2", "0.39", "-0.39", "-0.59", "0.2", "-0.53"):
        assert text in two_decimals


def test_constants_fold_into_their_gate_as_in_the_textbook():
    f, _ = sigmoid_neuron()
    source = draw_graph(f).source
    assert "label=<×-1>" in source and "label=<+1>" in source
    unfolded = draw_graph(f, fold_constants=False).source
    assert "label=<×>" in unfolded and "×-1" not in unfolded
    assert unfolded.count("shape=plaintext") == source.count("shape=plaintext") + 2


# ------------------------------------------------------------------------------------------------
# What backward pictures show
# ------------------------------------------------------------------------------------------------


def test_node_used_twice_shows_its_contributions_adding_up():
    a = Value(3.0, label="a")
    b = Value(-1.0, label="b")
    f = a * a + a * b  # ∂f/∂a = a + a + b = 5, from three wires: 3 + 3 - 1
    f.backward()
    source = draw_graph(f, "backward").source
    assert "3 + 3 - 1 = 5" in source
    c = Value(3.0, label="c")
    s = c + c  # c + c keeps two wires into one gate
    s.backward()
    assert ">1 + 1 = 2<" in draw_graph(s, "backward").source


def test_gradient_kept_from_an_earlier_backward_is_shown():
    a = Value(3.0, label="a")
    f = a + a
    f.backward()
    f.backward()  # leaves accumulate until zero_grad()
    source = draw_graph(f, "backward").source
    assert ">1 + 1 + 2 (earlier) = 4<" in source
    assert "call zero_grad() first" in source
    f.zero_grad()
    f.backward()
    assert "earlier" not in draw_graph(f, "backward").source


def test_many_uses_are_summarised():
    x = Value(0.5, label="x")
    f = microgradpp.sum([x * float(k) for k in range(1, 7)])  # 6 uses: ∂f/∂x = 21
    f.backward()
    assert "sum of 6 wires = 21" in draw_graph(f, "backward").source


def test_frames_show_not_computed_yet_differently_from_zero():
    f, v = xyz_example()
    q = v["q"]
    view = GraphView.of(f, "backward").frame(final={f}, grads={f: 1.0, q: -4.0, v["z"]: 3.0})
    source = draw_graph(view).source
    # x and y: not computed yet — '?' on grey, never '0'
    assert source.count(f'BGCOLOR="{UNKNOWN_FILL}"><FONT COLOR="#595959">?</FONT>') == 2
    # q has its gradient but has not sent it on: 'so far', and its wires show '-4 × 1' only
    assert "-4 so far" in source
    assert "-4 × 1</FONT>" in source and "= -4" not in source.split("g2 ->")[0]
    # f is final: its wires carry upstream × local = contribution
    assert "1 × (-4)" in source and "= 3" in source
    # a real gradient of 0 prints as 0
    z = Value(0.0, label="z")
    g = z * Value(0.0, label="w")
    g.backward()
    assert ">0</FONT>" in draw_graph(g, "backward").source


def test_the_old_frame_keywords_still_work_with_a_deprecation_warning():
    f, v = xyz_example()
    with pytest.warns(DeprecationWarning, match=r"GraphView.of\(root, mode\).frame"):
        source = draw_graph(f, "backward", computed={f, v["q"], v["x"], v["y"]}).source
    assert source.count(">?<") == 1  # z is not in computed: computed alone shows .grad
    assert "-4 × 1" in source and "= -4" in source
    q = v["q"]
    with pytest.warns(DeprecationWarning):
        old = draw_graph(f, "backward", computed={f}, grads={f: 1.0, q: -4.0, v["z"]: 3.0})
    new = GraphView.of(f, "backward").frame(final={f}, grads={f: 1.0, q: -4.0, v["z"]: 3.0})
    assert old.source == draw_graph(new).source


def test_a_view_is_drawn_as_it_is(tmp_path):
    f, v = xyz_example()
    view = GraphView.of(f, "both", precision=2)
    assert draw_graph(view).source == draw_graph(f, "both", precision=2).source
    assert draw_graph(f, view=view).source == draw_graph(view).source
    assert render(view, tmp_path / "p.dot").read_text(encoding="utf-8") == draw_graph(view).source
    with pytest.raises(TypeError, match="draws the view as it is"):
        draw_graph(view, precision=3)
    with pytest.raises(ValueError, match="another graph"):
        draw_graph(v["q"], view=view)


def test_a_view_leaves_dot_grad_alone_and_reads_no_grad_in_frames():
    f, v = xyz_example()
    view = GraphView.of(f, "both")
    v["x"].grad = 99.0  # changed after the view was made: the view keeps what it saw
    assert view.grads[v["x"]] == -4.0
    frame = view.frame(grads={f: 1.0}, final={f})
    assert frame.grad_state(v["x"]) == ("unknown", 0.0)
    assert frame.order is view.order and frame.names is view.names  # the graph part is shared


def _node_positions(svg: str) -> dict[str, tuple[float, ...]]:
    """Each graph node's title -> the bounding box of everything drawn for it."""
    positions = {}
    for block in re.findall(r'<g id="node\d+" class="node">(.*?)</g>', svg, re.S):
        title = re.search(r"<title>(.*?)</title>", block).group(1)
        xs, ys = [], []
        for x, y in re.findall(
            r"(-?[\d.]+),(-?[\d.]+)", " ".join(re.findall(r'points="([^"]+)"', block))
        ):
            xs.append(float(x))
            ys.append(float(y))
        for cx, cy in re.findall(r'cx="(-?[\d.]+)" cy="(-?[\d.]+)"', block):
            xs.append(float(cx))
            ys.append(float(cy))
        positions[title] = (min(xs), min(ys), max(xs), max(ys))
    return positions


@needs_dot
@pytest.mark.parametrize("mode", ["backward", "both"])
def test_frames_of_a_replay_keep_one_layout(mode):
    f, _ = sigmoid_neuron()
    order = microgradpp.topological_order(f)
    view = GraphView.of(f, mode)
    start = to_svg(view.frame(final=(), grads={f: 1.0}))
    middle = to_svg(
        view.frame(
            final=order[5:],
            grads={node: node.grad for node in order[5:]},
            lit={order[5]},
            lit_gates={order[5]},
        )
    )
    end = to_svg(view.frame(final=order, grads={node: node.grad for node in order}))
    assert _node_positions(start) == _node_positions(middle) == _node_positions(end)
    assert len(_node_positions(start)) == 21  # 13 boxes (2 constants folded) + 8 gates


def test_highlight_nodes_and_wires():
    f, v = xyz_example()
    q = v["q"]
    source = draw_graph(f, highlight=[q], highlight_edges=[(v["x"], q)]).source
    lines = source.splitlines()
    q_box = next(line for line in lines if line.strip().startswith("v2 "))
    assert f'BGCOLOR="{HIGHLIGHT_FILL}"' in q_box and f'COLOR="{HIGHLIGHT_LINE}"' in q_box
    x_wire = next(line for line in lines if line.strip().startswith("v0 -> g2"))
    y_wire = next(line for line in lines if line.strip().startswith("v1 -> g2"))
    assert HIGHLIGHT_LINE in x_wire and HIGHLIGHT_LINE not in y_wire
    path = [v["x"], q, f]
    on_path = draw_graph(f, highlight_edges=zip(path, path[1:])).source
    lit = [line for line in on_path.splitlines() if f'color="{HIGHLIGHT_LINE}"' in line]
    assert sum("->" in line and "penwidth=3.5" in line for line in lit) == 4


def test_rankdir_and_legend():
    f, _ = xyz_example()
    assert "rankdir=TB" in draw_graph(f, rankdir="TB").source
    assert "upstream × local" in draw_graph(f, "backward").source
    assert "label=" not in draw_graph(f, legend=False).source.splitlines()[1]


# ------------------------------------------------------------------------------------------------
# Names, numbers and escaping
# ------------------------------------------------------------------------------------------------


def test_unlabelled_nodes_get_short_names():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    f = (a * b).exp() * a
    source = draw_graph(f).source
    for name in ("<B>n3</B>", "<B>n4</B>", "<B>f</B>"):  # positions in topological order
        assert name in source
    named = draw_graph(f, names={"product": f.parents[0].parents[0], "out": f}).source
    assert "<B>product</B>" in named and "<B>out</B>" in named and "<B>n3</B>" not in named
    assert "<B>g</B>" in draw_graph(f, names={f: "g"}).source


def test_format_number():
    assert format_number(-4.0) == "-4"
    assert format_number(0.7310585786) == "0.7311"
    assert format_number(-0.0) == "0"
    assert format_number(1e-7) == "1.000e-07"  # a tiny gradient is never shown as 0
    assert format_number(0.196611, 2) == "0.2"
    assert format_number(3e9) == "3.000e+09"


WILD_LABELS = ['say "hi"', "{a|b}", "<b>&c", "back\\slash", "σ(∂x) → ∞ 日本", "two\nlines"]


@needs_dot
@pytest.mark.parametrize("label", WILD_LABELS)
def test_any_label_is_escaped(label, tmp_path):
    x = Value(1.5, label=label)
    f = x * 2.0
    f.backward()
    for mode in ("forward", "both"):
        texts = svg_texts(to_svg(f, mode=mode))
        assert label.split("\n") == [t for t in texts if t in label.split("\n")]
    assert render(f, tmp_path / "wild.dot").read_text(encoding="utf-8").startswith("digraph")


def test_escaping_in_the_dot_source():
    x = Value(1.0, label='<i>"&|{}')
    source = draw_graph(x * 2.0).source
    assert "&lt;i&gt;&quot;&amp;|{}" in source


# ------------------------------------------------------------------------------------------------
# Every gate draws with its symbol
# ------------------------------------------------------------------------------------------------


def test_every_registered_gate_shows_its_symbol():
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    w = [Value(0.1, label="w0"), Value(0.2, label="w1")]
    parts = [
        x + y,
        x * y,
        x.exp(),
        x.reciprocal(),
        x.max(y),
        y.log(),
        x**3,
        2**x,
        x.relu(),
        x.step(),
        x.tanh(),
        x.sigmoid(),
        microgradpp.apply_gate(GATES["softplus"], x),
        microgradpp.linear(w, [x, y], Value(0.3, label="b")),
    ]
    f = microgradpp.sum(parts)
    source = draw_graph(f).source
    used = {node.gate.name for node in microgradpp.topological_order(f) if node.gate}
    assert used == set(GATES)
    for node in microgradpp.topological_order(f):
        if node.gate is not None:
            assert f"label=<{node.gate.symbol}>" in source, node.gate.name
    assert "label=<**3>" in source and "label=<σ>" in source and "label=<b+Σwx>" in source


# ------------------------------------------------------------------------------------------------
# Files and determinism
# ------------------------------------------------------------------------------------------------


@needs_dot
def test_render_formats_from_suffix(tmp_path):
    f, _ = xyz_example()
    svg = render(f, tmp_path / "f.svg", mode="both")
    ET.fromstring(svg.read_bytes())  # a real SVG document
    assert render(f, tmp_path / "f.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert render(f, tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
    assert render(draw_graph(f), tmp_path / "sub" / "f.gv").read_text().startswith("digraph")
    assert render(f, tmp_path / "plain", format="svg") == tmp_path / "plain.svg"


def test_render_errors(tmp_path):
    f, _ = xyz_example()
    with pytest.raises(ValueError, match=r"cannot tell the format of .*f\.jpeg.* \.svg, \.png"):
        render(f, tmp_path / "f.jpeg")
    with pytest.raises(ValueError, match="format must be one of"):
        render(f, tmp_path / "f", format="gif")
    with pytest.raises(TypeError, match=r"drawing options \['mode'\] only apply to a Value"):
        render(draw_graph(f), tmp_path / "f.dot", mode="backward")
    with pytest.raises(TypeError, match="render needs a Value or what draw_graph returns"):
        render(3.0, tmp_path / "f.dot")


def test_draw_graph_argument_errors():
    f, v = xyz_example()
    with pytest.raises(TypeError, match="draw_graph needs a microgradpp.Value, got float"):
        draw_graph(3.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        draw_graph(f, "sideways")
    with pytest.raises(ValueError, match="rankdir must be one of"):
        draw_graph(f, rankdir="up")
    with pytest.raises(ValueError, match="precision must be a whole number of decimals"):
        draw_graph(f, precision=-1)
    with pytest.raises(ValueError, match="collapse must be one of"):
        draw_graph(f, collapse="everything")
    with pytest.raises(ValueError, match="max_nodes must be a positive whole number"):
        draw_graph(f, max_nodes=0)
    with pytest.raises(TypeError, match="highlight must hold Values, got str"):
        draw_graph(f, highlight=["x"])
    with pytest.raises(TypeError, match=r"highlight_edges must hold \(parent, child\) pairs"):
        draw_graph(f, highlight_edges=[v["x"]])


def test_same_program_same_dot_in_one_process():
    assert (
        draw_graph(xyz_example()[0], "both").source == draw_graph(xyz_example()[0], "both").source
    )


DETERMINISM_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_graph import sigmoid_neuron
from microgradpp.nn import MLP
from microgradpp.viz import render
f, _ = sigmoid_neuron()
out = sys.argv[1]
for mode in ("forward", "backward", "both"):
    render(f, out + "/neuron_" + mode + ".dot", mode=mode)
    render(f, out + "/neuron_" + mode + ".svg", mode=mode)
render(f, out + "/neuron.pdf", mode="both")
model = MLP(2, [3, 1], seed=0)
y = model([0.5, -1.0])
y.backward()
render(y, out + "/mlp.dot", mode="both")
render(y, out + "/mlp.svg", mode="both", collapse="neuron")
"""


@needs_dot
def test_byte_identical_files_across_processes(tmp_path):
    script = DETERMINISM_SCRIPT.format(tests=str(Path(__file__).parent))
    outputs = []
    for run, hash_seed in enumerate(("1", "2")):
        folder = tmp_path / f"run{run}"
        folder.mkdir()
        subprocess.run(
            [sys.executable, "-c", script, str(folder)],
            check=True,
            env={"PATH": str(Path(shutil.which("dot")).parent), "PYTHONHASHSEED": hash_seed},
        )
        outputs.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    assert len(outputs[0]) == 9
    assert outputs[0] == outputs[1]


# ------------------------------------------------------------------------------------------------
# Big graphs
# ------------------------------------------------------------------------------------------------


def _mlp_output():
    nn = pytest.importorskip("microgradpp.nn", reason="microgradpp.nn is not available")
    model = nn.MLP(2, [16, 16, 1], seed=0)
    out = model([0.5, -1.0])
    out.backward()
    return out


@needs_dot
def test_mlp_renders_collapsed(tmp_path):
    out = _mlp_output()
    assert len(microgradpp.topological_order(out)) == 404  # 337 parameters, 2 inputs, 65 nodes
    path = render(out, tmp_path / "mlp.svg", mode="both", collapse="neuron")
    texts = svg_texts(path.read_text(encoding="utf-8"))
    for text in ("layer1", "layer2", "layer3", "neuron1", "neuron16", "b+Σwx → relu", "b+Σwx"):
        assert text in texts
    assert sum(t.startswith("neuron") for t in texts) == 33
    # neurons are listed in order, top to bottom
    found = re.findall(r'x="(-?[\d.]+)" y="(-?[\d.]+)"[^>]*>neuron(\d+)<', path.read_text())
    leftmost = min(float(x) for x, _, _ in found)
    column = {int(n): float(y) for x, y, n in found if float(x) < leftmost + 30}  # layer1
    assert sorted(column, key=column.get) == list(range(1, 17))
    by_layer = draw_graph(out, "backward", collapse="layer").source
    output_neuron = [
        node for node in microgradpp.topological_order(out) if node.label.startswith("layer3.")
    ]
    norm = math.sqrt(sum(p.grad**2 for p in output_neuron))  # its 17 gradients as one length
    assert len(output_neuron) == 17 and f"‖∂f/∂params‖ {format_number(norm)}<" in by_layer
    assert "16 neurons, 48 parameters" in by_layer and "1 neuron, 17 parameters" in by_layer


def test_big_graph_collapses_by_default_and_refuses_to_draw_everything():
    out = _mlp_output()
    assert "drawn by neuron" in draw_graph(out).source
    assert "cluster_layer0" in draw_graph(out).source
    message = (
        r"this graph has 404 Values: 469 boxes and circles and 738 wires to draw, more than "
        r"max_nodes=400 allows \(400 boxes and circles, 800 wires\): Graphviz would take tens "
        r"of seconds. Draw it by collapse=\"neuron\" \(35 boxes and circles, 304 wires\) or "
        r"collapse=\"layer\" \(5 boxes and circles, 4 wires\), .* max_nodes=469\)"
    )
    with pytest.raises(GraphTooLargeError, match=message):
        draw_graph(out, collapse="none")
    assert issubclass(GraphTooLargeError, MicrogradppError)
    assert "drawn by" not in draw_graph(out, collapse="none", max_nodes=470).source


def test_unfused_neurons_collapse_too():
    nn = pytest.importorskip("microgradpp.nn", reason="microgradpp.nn is not available")
    model = nn.MLP(2, [4, 1], seed=0, fused=False)
    out = model([0.5, -1.0])
    source = draw_graph(out, collapse="neuron").source
    assert source.count("shape=box") == 5  # 4 hidden neurons + 1 output neuron
    assert "+ → × → relu" in source or "× → + → relu" in source


def test_a_graph_without_neurons_that_is_too_large():
    x = Value(1.0, label="x")
    y = x
    for _ in range(300):
        y = y * 1.001 + x
    with pytest.raises(GraphTooLargeError, match="Nothing here can be collapsed"):
        draw_graph(y)


@needs_dot
def test_dot_that_runs_too_long_is_stopped():
    f, _ = sigmoid_neuron()
    with pytest.raises(GraphTooLargeError, match="Graphviz took more than"):
        render(f, "/tmp/never-written.svg", timeout=1e-9)


# ------------------------------------------------------------------------------------------------
# Without Graphviz's dot, and in Jupyter
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """An environment where no dot program can be found: none on PATH, and the bundled one
    (graphviz-pure, found beside Python even without PATH) not allowed."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("MICROGRADPP_DOT", "system")
    assert shutil.which("dot") is None


def test_without_dot_a_clear_error_and_dot_files_still_work(no_dot, tmp_path):
    f, _ = xyz_example()
    for suffix in ("svg", "png", "pdf"):
        with pytest.raises(GraphvizNotFoundError, match="sudo apt-get install graphviz") as info:
            render(f, tmp_path / f"f.{suffix}")
        message = str(info.value)
        assert "brew install graphviz" in message and "winget install graphviz" in message
        assert "conda install -c conda-forge graphviz" in message
    assert issubclass(GraphvizNotFoundError, MicrogradppError)
    path = render(f, tmp_path / "f.dot", mode="backward")
    assert path.read_text(encoding="utf-8") == draw_graph(f, "backward").source
    assert not (tmp_path / "f.svg").exists()


def test_without_dot_notebooks_show_text_and_the_dot_source(no_dot):
    f, _ = xyz_example()
    svg = f._repr_svg_()
    texts = svg_texts(svg)
    assert texts[0].startswith("No picture: Graphviz's `dot` program is not installed")
    assert "  Debian/Ubuntu:  sudo apt-get install graphviz" in texts
    assert "digraph computational_graph {" in texts
    bundle = draw_graph(f)._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "sudo apt-get install graphviz" in bundle["text/plain"]
    assert bundle["text/plain"].endswith(draw_graph(f).source)


@needs_dot
def test_jupyter_shows_values_and_graphs_as_svg():
    x = Value(3.0, label="x")
    f = x * x
    before = svg_texts(f._repr_svg_())
    assert "9" in before and "6" not in before  # forward only before backward
    f.backward()
    after = svg_texts(jupyter_svg(f))
    assert "9" in after and "3 + 3 = 6" in after
    picture = draw_graph(f)
    assert isinstance(picture, graphviz.Digraph)
    assert picture._repr_mimebundle_()["image/svg+xml"].startswith("<?xml")


def test_jupyter_never_raises_on_a_huge_graph():
    x = Value(1.0, label="x")
    y = x
    for _ in range(300):
        y = y * 1.001 + x
    texts = svg_texts(jupyter_svg(y))
    assert texts[0].startswith("No picture: this graph has 901 Values")


def test_a_batch_keeps_its_loss_outside_the_neurons():
    nn = pytest.importorskip("microgradpp.nn", reason="microgradpp.nn is not available")
    losses = pytest.importorskip("microgradpp.losses", reason="microgradpp.losses is missing")
    model = nn.MLP(2, [16, 16, 1], seed=0, fused=False)
    X, y = [[0.5, -1.0], [1.0, 0.5], [-0.5, 0.2]], [1.0, 0.0, 1.0]
    loss = losses.mse(model.forward_batch(X), y)
    source = draw_graph(loss, "both").source
    assert "drawn by neuron" in source
    gates = re.findall(r"^\tg\d+ \[label=<([^<>]*)>", source, re.M)  # left outside neurons:
    assert gates == ["-1", "×", "+0", "×", "-1", "×", "Σ", "×0.3333"]  # (out - y)², mean
    assert source.count("cluster_layer") == 3 and source.count("shape=box") == 33


def test_too_many_wires_is_too_large_as_well():
    x = Value(1.0, label="x")
    total = microgradpp.sum([x] * 900)  # 3 nodes, but 901 wires
    with pytest.raises(GraphTooLargeError, match=r"3 boxes and circles and 901 wires"):
        draw_graph(total)
    assert "Σ" in draw_graph(total, max_nodes=451).source


def test_a_hopeless_graph_is_refused_at_once():
    x = Value(1.0, label="x")
    y = x
    for _ in range(8000):
        y = y + x
    with pytest.raises(GraphTooLargeError, match=r"8,001 Values, more than 20 × max_nodes=400"):
        draw_graph(y)
    texts = svg_texts(jupyter_svg(y))
    assert texts[0].startswith("No picture: this graph has 8,001 Values")


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours: 1 (same) to 21 (black on white)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_text_colour_keeps_a_contrast_of_4_5_on_every_fill_it_is_drawn_on():
    from microgradpp.viz import graph

    texts = [graph.VALUE_COLOUR, graph.GRAD_COLOUR, graph.PARTIAL_COLOUR, graph.UNKNOWN_COLOUR]
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    for text in [*texts, "#000000"]:  # a box is white, or yellow when highlighted
        for fill in ("#ffffff", graph.HIGHLIGHT_FILL):
            assert contrast(text, fill) >= 4.5, (text, fill, round(contrast(text, fill), 2))
    # a cell not known yet is grey, with a grey '?' (or a grey 'x × y' on a wire)
    assert contrast(graph.UNKNOWN_COLOUR, graph.UNKNOWN_FILL) >= 4.5
    for fill in (graph.GATE_FILL, graph.HIGHLIGHT_FILL):  # gate symbols are black
        assert contrast("#000000", fill) >= 4.5


def test_every_wire_label_is_tied_to_its_wire():
    from microgradpp.examples import get_example

    source = draw_graph(get_example("add-mul").run(), "backward").source
    labelled = [line for line in source.splitlines() if "->" in line and "label=" in line]
    assert len(labelled) == 4 and all("decorate=true" in line for line in labelled)


# ------------------------------------------------------------------------------------------------
# Gradients of gradients: x.grad is a Value with a graph of its own
# ------------------------------------------------------------------------------------------------


def test_a_gradient_built_with_create_graph_is_drawn_like_any_graph() -> None:
    """After backward(create_graph=True) every .grad is a Value: the forward picture shows its
    number, and x.grad's own graph is a picture of the backward pass, reusing forward nodes."""
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    qz = q * z
    qz.label = "qz"
    f = qz * x
    f.label = "f"
    f.backward(create_graph=True)
    plain = GraphView.of(f, "both")
    assert isinstance(x.grad, Value)
    # the numbers a float backward gives: ∂f/∂x = q·z + z·x = −12 + 8 = −4 (x fans out)
    assert plain.grads[x] == -4.0 and plain.grads[q] == 8.0
    source = draw_graph(f, "both").source
    assert ">-4<" in source.replace("−", "-")
    forward_nodes = set(microgradpp.topological_order(f))
    gradient = x.grad
    reused = [n for n in microgradpp.topological_order(gradient) if n in forward_nodes]
    assert set(reused) == {x, y, z, q, qz}  # ∂(qz·x)/∂x is the node qz itself
    assert gradient.gate is GATES["add"]  # the fan-out sum: the path through q, the direct one
    view = GraphView.of(gradient, highlight=reused)
    assert set(view.lit) == set(reused)
    assert draw_graph(view).source.count(HIGHLIGHT_FILL) >= len(reused)


def _refused(make):
    from microgradpp.i18n import translated

    with pytest.raises((TypeError, ValueError)) as caught:
        make()
    assert translated(caught.value, "en") == str(caught.value)
    return {lang: translated(caught.value, lang) for lang in ("zh-Hant", "zh-Hans")}


def test_drawing_refusals_are_said_in_chinese(tmp_path):
    from microgradpp.viz import GraphView

    x = Value(2.0, label="x")
    f = x * x
    cases = [
        (lambda: draw_graph(f, mode="sideways"),
         "mode 必須是 ('forward', 'backward', 'both') 之一，收到的是 'sideways'"),
        (lambda: draw_graph(f, precision=20), "precision 必須是 0 到 15 之間的整數（小數位數），收到的是 20"),
        (lambda: draw_graph(3), "draw_graph 需要一個 microgradpp.Value，收到的是 int"),
        (lambda: draw_graph(f, max_nodes=0), "max_nodes 必須是正整數，收到的是 0"),
        (lambda: draw_graph(f, highlight=[3]), "highlight 裡面必須都是 Value，收到的是 int: 3"),
        (lambda: draw_graph(f, highlight_edges=[(x,)]),
         "highlight_edges 裡面必須都是 Value 的 (parent, child) 配對，收到的是 "
         "(Value(data=2.0, grad=0.0, label='x'),)"),
        (lambda: draw_graph(GraphView.of(f), mode="backward"),
         "draw_graph(view) 會照 view 原樣畫出來：mode 和其他選項請傳給 GraphView.of"),
        (lambda: draw_graph(f, view=GraphView.of(x + 1)),
         "draw_graph(root, view=...)：這個 view 是另一張計算圖的"),
        (lambda: render(3, tmp_path / "x.svg"), "render 需要一個 Value 或 draw_graph 傳回的結果，收到的是 int"),
        (lambda: render(f, tmp_path / "x.jpg"),
         f"無法從副檔名看出 {str(tmp_path / 'x.jpg')!r} 的格式：請用 .svg、.png、.pdf、.dot 之一，或傳入 format="),
        (lambda: render(f, tmp_path / "x.svg", format="gif"),
         "format 必須是 ('svg', 'png', 'pdf', 'dot') 之一，收到的是 'gif'"),
        (lambda: GraphView.of(sum((Value(float(i)) for i in range(50)), Value(0.0)), max_nodes=2),
         "這張計算圖有 101 個 Value，超過 20 × max_nodes=2：畫出來也看不清楚，而且 Graphviz 要跑好幾分鐘。"
         "請畫單一資料點的計算圖（例如 model(X[0]) 的損失，而不是整個批次的），或只畫其中一部分。"),
    ]  # fmt: skip
    for make, hant in cases:
        assert _refused(make)["zh-Hant"] == hant
    said = _refused(lambda: draw_graph(f, rankdir="XY"))
    assert said["zh-Hans"] == (
        "rankdir 必须是 ('auto', 'LR', 'RL', 'TB', 'BT', 'wrap') 之一，得到的是 'XY'"
    )


def test_a_network_too_large_to_draw_is_offered_its_collapsed_forms_in_chinese():
    from microgradpp.i18n import english_sentences, translated
    from microgradpp.nn import MLP
    from microgradpp.viz import GraphTooLargeError, GraphView

    model = MLP(4, [8, 8, 1], seed=0)
    loss = model([Value(0.1 * i, label=f"x{i}") for i in range(4)])
    with pytest.raises(GraphTooLargeError) as caught:
        GraphView.of(loss, collapse="none", max_nodes=20)
    english, hant = str(caught.value), translated(caught.value, "zh-Hant")
    assert english.startswith("this graph has ") and 'Draw it by collapse="neuron" (' in english
    assert hant.startswith("這張計算圖有 ") and '可以改用 collapse="neuron"（' in hant
    assert "個方塊和圓圈" in hant and english_sentences(hant) == []
    assert (
        "，或畫其中較小的一部分（單一資料點而不是整個批次），或提高上限：draw_graph(..., max_nodes="
        in hant
    )
    hans = translated(caught.value, "zh-Hans")
    assert '可以改用 collapse="neuron"（' in hans and english_sentences(hans) == []


def test_jupyter_says_why_there_is_no_picture_in_the_notebooks_language():
    from microgradpp.i18n import set_language
    from microgradpp.tables import display_width

    x = Value(1.0, label="x")
    y = x
    for _ in range(300):
        y = y * 1.001 + x
    set_language("zh-Hant")
    svg = jupyter_svg(y)
    texts = svg_texts(svg)
    assert texts[0].startswith("沒有圖：這張計算圖有 901 個 Value：要畫 ")
    assert "DOT 原始碼（完整內容：draw_graph(value).source）：" in texts
    widest = max(display_width(text) for text in texts)  # a Chinese character is two columns
    assert widest <= 100 and f'width="{8 * widest + 20}"' in svg
    assert not any(text.startswith(("，", "。", "）")) for text in texts)


# ------------------------------------------------------------------------------------------------
# Tooltips: what a browser shows on hovering over a box, a gate or a wire
# ------------------------------------------------------------------------------------------------


def tooltips(svg: str) -> dict[str, str]:
    """{DOT name (the SVG <title>, which the pages find boxes by): its tooltip}, entities decoded;
    a wire's label carries the wire's tooltip too."""
    root = ET.fromstring(svg.encode("utf-8"))
    found: dict[str, str] = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") not in ("node", "edge"):
            continue
        title = group.find("{http://www.w3.org/2000/svg}title")
        assert title is not None and title.text is not None
        tips = {
            a.get("{http://www.w3.org/1999/xlink}title")
            for a in group.iter()
            if a.tag.endswith("}a")
        }
        assert len(tips) == 1, (title.text, tips)
        found[title.text] = tips.pop() or ""
    return found


XYZ_TOOLTIPS = {
    "en": {
        "v0": "x\nvalue -2\ngradient -4",
        "v1": "y\nvalue 5\ngradient -4",
        "g2": "+ gate: q = x + y",
        "v2": "q\nvalue 3\ngradient -4",
        "v3": "z\nvalue -4\ngradient 3",
        "g4": "× gate: f = q × z",
        "v4": "f\nvalue -12\ngradient 1",
        "v0->g2": "x → +",
        "v1->g2": "y → +",
        "g2->v2": "+ → q",
        "v2->g4": "q → ×",
        "v3->g4": "z → ×",
        "g4->v4": "× → f",
    },
    "zh-Hant": {"v0": "x\n值 -2\n梯度 -4", "g2": "+ 閘：q = x + y", "v2->g4": "q → ×"},
    "zh-Hans": {"v0": "x\n值 -2\n梯度 -4", "g2": "+ 门：q = x + y", "v2->g4": "q → ×"},
}


@needs_dot
@pytest.mark.parametrize("dot", ["system", "bundled"])
@pytest.mark.parametrize("lang", list(XYZ_TOOLTIPS))
def test_boxes_gates_and_wires_have_tooltips_in_the_pictures_language(lang, dot, monkeypatch):
    monkeypatch.setenv("MICROGRADPP_DOT", dot)
    if not have_dot():
        pytest.skip(f"no {dot} dot here")
    f, _ = xyz_example()
    found = tooltips(to_svg(f, mode="both", lang=lang))
    expected = XYZ_TOOLTIPS[lang]
    assert {name: found[name] for name in expected} == expected
    assert set(found) == set(XYZ_TOOLTIPS["en"])  # every box, gate and wire has one


@needs_dot
def test_tooltips_show_what_the_box_shows_in_each_mode_and_frame():
    f, _ = xyz_example()
    assert tooltips(to_svg(f, mode="forward"))["v3"] == "z\nvalue -4"
    assert tooltips(to_svg(f, mode="backward"))["v3"] == "z\ngradient 3"
    view = GraphView.of(f, "backward")
    frame = view.frame(grads={f: 1.0}, final=[f])
    assert tooltips(to_svg(draw_graph(frame)))["v3"] == "z\ngradient ?"
    g = f * -1.0
    g.label = "g"
    found = tooltips(to_svg(g))  # a folded constant: in the symbol, and as a number
    assert (found["g6"], found["v4->g6"]) == ("×-1 gate: g = f × (-1)", "f → ×-1")


@needs_dot
@pytest.mark.parametrize("label", WILD_LABELS)
def test_any_label_is_escaped_in_tooltips(label):
    x = Value(1.5, label=label)
    f = x * 2.0
    found = tooltips(to_svg(f, mode="forward"))
    assert found["v0"] == label + "\nvalue 1.5"
    assert found["v0->g2"] == " ".join(label.split("\n")) + " → ×2"
