"""backward_steps replays backward() exactly; captions; the step-by-step HTML page."""

from __future__ import annotations

import math
import random
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

from microgradpp import Value, backward_order, linear, topological_order
from microgradpp import max as vmax
from microgradpp import sum as vsum
from microgradpp.examples import get_example
from microgradpp.expr import evaluate
from microgradpp.steps import MINUS, backward_steps, render_steps, stepper_frames

# ------------------------------------------------------------------------------------------------
# Random graphs, with reuse: every operand is drawn from all the nodes made so far
# ------------------------------------------------------------------------------------------------


def random_graph(seed: int, n_ops: int = 25) -> Value:
    rng = random.Random(seed)
    nodes = [Value(rng.uniform(-2, 2), label=f"x{i}") for i in range(4)]

    def pick() -> Value:
        return rng.choice(nodes)

    for _ in range(n_ops):
        kind = rng.choice(
            ["add", "mul", "self", "exp", "tanh", "sigmoid", "relu", "max", "pow", "recip",
             "log", "sum", "linear", "const"]
        )  # fmt: skip
        a = pick()
        if kind == "add":
            out = a + pick()
        elif kind == "mul":
            out = a * pick()
        elif kind == "self":
            out = a * a + a  # the same node on several edges
        elif kind == "exp":
            out = (a * 0.1).exp()
        elif kind == "tanh":
            out = a.tanh()
        elif kind == "sigmoid":
            out = a.sigmoid()
        elif kind == "relu":
            out = a.relu()
        elif kind == "max":
            out = vmax(a, pick())
        elif kind == "pow":
            out = (a * 0.5) ** 2
        elif kind == "recip":
            out = (a * a + 1.0).reciprocal()
        elif kind == "log":
            out = (a * a + 0.5).log()
        elif kind == "sum":
            out = vsum([a, pick(), pick()])
        elif kind == "linear":
            out = linear([a, pick()], [pick(), pick()], pick())
        else:
            out = 3.0 - a
        if abs(out.data) < 50:  # keep numbers tame so nothing overflows
            nodes.append(out)
    return vsum(nodes[-6:]) * 0.5


def final_grads(root: Value, seed: float = 1.0) -> dict[Value, float]:
    """The gradient of every node after the last step (0.0 for nodes never reached)."""
    grads = dict.fromkeys(topological_order(root), 0.0)
    grads[root] = seed
    for step in backward_steps(root, seed):
        for edge in step.contributions:
            grads[edge.parent] = edge.grad_after
    return grads


@pytest.mark.parametrize("seed", range(40))
def test_steps_give_exactly_the_gradients_of_backward(seed):
    root = random_graph(seed)
    replayed = final_grads(root)
    root.zero_grad()
    root.backward()
    for node in topological_order(root):
        assert replayed[node].hex() == node.grad.hex(), node  # bit for bit


@pytest.mark.parametrize("seed", range(10))
def test_steps_follow_the_order_of_backward(seed):
    root = random_graph(seed)
    steps = list(backward_steps(root))
    expected = backward_order(root)  # every gate node, newest first
    assert [step.node for step in steps] == expected
    assert [step.index for step in steps] == list(range(1, len(expected) + 1))
    assert {step.total for step in steps} == {len(expected)}
    root.backward()
    for step in steps:  # a node's gradient is complete when its step runs
        assert step.upstream.hex() == step.node.grad.hex()
        for edge, parent, local in zip(
            step.contributions, step.node.parents, step.node.local_grads
        ):
            assert edge.parent is parent
            assert edge.local_grad == local
            assert edge.contribution == local * step.upstream
            assert edge.grad_after == edge.grad_before + edge.contribution


def test_steps_with_a_seed_match_backward_with_that_seed():
    root = random_graph(3)
    replayed = final_grads(root, 2.5)
    root.zero_grad()
    root.backward(2.5)
    assert all(replayed[n].hex() == n.grad.hex() for n in topological_order(root))


def test_backward_steps_leaves_grad_untouched():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    f = x * y + x
    x.grad = 7.0
    list(backward_steps(f))
    assert (x.grad, y.grad, f.grad) == (7.0, 0.0, 0.0)


def test_a_leaf_root_has_no_steps():
    assert list(backward_steps(Value(1.0))) == []


# ------------------------------------------------------------------------------------------------
# Captions
# ------------------------------------------------------------------------------------------------


def test_add_mul_captions_read_like_the_notes():
    f = get_example("add-mul").build()
    captions = [step.caption() for step in backward_steps(f)]
    assert captions == [
        "Step 1 of 2: f = q × z. A mul gate swaps its inputs: each input's local derivative "
        "is the other input.\n"
        "∂f/∂q = z · ∂f/∂f = (−4) · 1 = −4\n"
        "∂f/∂z = q · ∂f/∂f = 3 · 1 = 3",
        "Step 2 of 2: q = x + y. An add gate distributes the gradient: each input gets ∂f/∂q "
        "unchanged.\n"
        "∂f/∂x = 1 · ∂f/∂q = 1 · (−4) = −4\n"
        "∂f/∂y = 1 · ∂f/∂q = 1 · (−4) = −4",
    ]


def test_sigmoid_neuron_captions_have_the_published_numbers():
    f = get_example("sigmoid-neuron").build()
    headlines = [step.headline(digits=2) for step in backward_steps(f)]
    assert headlines == [
        "Step 1 of 8: f = 1/d. A 1/x gate: (1/x)′ = −1/x² = −1/(1.37)² = −0.53.",
        "Step 2 of 8: d = e + 1. An add gate distributes the gradient: each input gets ∂f/∂d "
        "unchanged.",
        "Step 3 of 8: e = exp(u). An exp gate: (eˣ)′ = eˣ, the gate's own output 0.37.",
        "Step 4 of 8: u = z × (−1). A mul gate swaps its inputs: each input's local derivative "
        "is the other input.",
        "Step 5 of 8: z = s + w2. An add gate distributes the gradient: each input gets ∂f/∂z "
        "unchanged.",
        "Step 6 of 8: s = p0 + p1. An add gate distributes the gradient: each input gets ∂f/∂s "
        "unchanged.",
        "Step 7 of 8: p1 = w1 × x1. A mul gate swaps its inputs: each input's local derivative "
        "is the other input.",
        "Step 8 of 8: p0 = w0 × x0. A mul gate swaps its inputs: each input's local derivative "
        "is the other input.",
    ]
    lines = [line for step in backward_steps(f) for line in step.chain_rule_lines(digits=2)]
    assert "∂f/∂w0 = x0 · ∂f/∂p0 = (−1) · 0.2 = −0.2" in lines
    assert "∂f/∂x0 = w0 · ∂f/∂p0 = 2 · 0.2 = 0.39" in lines
    assert "∂f/∂w1 = x1 · ∂f/∂p1 = (−2) · 0.2 = −0.39" in lines
    assert "∂f/∂x1 = w1 · ∂f/∂p1 = (−3) · 0.2 = −0.59" in lines
    assert "∂f/∂w2 = 1 · ∂f/∂z = 1 · 0.2 = 0.2" in lines
    assert "∂f/∂u = 0.37 · ∂f/∂e = 0.37 · (−0.53) = −0.2" in lines


def test_max_gate_routes_and_splits_on_a_tie():
    f = get_example("max-circuit").build()
    step = next(s for s in backward_steps(f) if s.node.label == "m")
    assert step.headline() == (
        "Step 3 of 4: m = max(z, w). A max gate routes the gradient to the larger input "
        "(z = 2 > w = −1); w gets 0."
    )
    assert step.chain_rule_lines() == [
        "∂f/∂z = 1 · ∂f/∂m = 1 · 2 = 2",
        "∂f/∂w = 0 · ∂f/∂m = 0 · 2 = 0",
    ]
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    (tie,) = backward_steps(a.max(b))
    assert "splits the gradient ½/½" in tie.headline()
    assert [edge.contribution for edge in tie.contributions] == [0.5, 0.5]


def test_reuse_shows_the_gradient_accumulating():
    a = Value(3.0, label="a")
    square = a * a
    square.label = "s"
    f = square + a
    steps = list(backward_steps(f))
    assert steps[0].chain_rule_lines() == [
        "∂f/∂s = 1 · ∂f/∂f = 1 · 1 = 1",
        "∂f/∂a = 1 · ∂f/∂f = 1 · 1 = 1",
    ]
    assert steps[1].chain_rule_lines() == [
        "∂f/∂a += a · ∂f/∂s = 3 · 1 = 3, so ∂f/∂a is now 1 + 3 = 4",
        "∂f/∂a += a · ∂f/∂s = 3 · 1 = 3, so ∂f/∂a is now 4 + 3 = 7",
    ]


@pytest.mark.parametrize(
    ("build", "sentence"),
    [
        (lambda x: x.relu(), "A relu gate lets the gradient through: its input 0.5 > 0."),
        (
            lambda x: (x * -1.0).relu(),
            "A relu gate blocks the gradient: its input −0.5 ≤ 0, so relu′ = 0.",
        ),
        (lambda x: x.tanh(), "A tanh gate: (tanh x)′ = 1 − tanh²x = 1 − (0.4621)² = 0.7864."),
        (lambda x: x.sigmoid(), "A sigmoid gate: σ′ = σ·(1 − σ) = 0.6225·(1 − 0.6225) = 0.235."),
        (lambda x: x.log(), "A log gate: (ln x)′ = 1/x = 1/0.5 = 2."),
        (lambda x: x**3, "A power gate: (xⁿ)′ = n·xⁿ⁻¹ = 3·(0.5)^2 = 0.75."),
        (lambda x: x.reciprocal(), "A 1/x gate: (1/x)′ = −1/x² = −1/(0.5)² = −4."),
    ],
)
def test_every_gate_has_its_sentence(build, sentence):
    step = next(backward_steps(build(Value(0.5, label="x"))))  # the root's step
    assert step.headline().endswith(sentence)


def test_linear_gate_pairs_each_weight_with_its_input():
    w, x, b = Value(2.0, label="w"), Value(-3.0, label="x"), Value(1.0, label="b")
    (step,) = backward_steps(linear([w], [x], b))
    assert step.equation() == "f = b + w·x"
    assert step.chain_rule_lines() == [
        "∂f/∂b = 1 · ∂f/∂f = 1 · 1 = 1",
        "∂f/∂w = x · ∂f/∂f = (−3) · 1 = −3",
        "∂f/∂x = w · ∂f/∂f = 2 · 1 = 2",
    ]


def test_unlabelled_nodes_get_names_and_constants_a_typographic_minus():
    x = Value(2.0, label="x")
    steps = list(backward_steps((x * -1.0).exp()))
    assert steps[0].equation() == "f = exp(n3)"
    assert steps[1].equation() == f"n3 = x × ({MINUS}1)"


# ------------------------------------------------------------------------------------------------
# Frames (no Graphviz needed)
# ------------------------------------------------------------------------------------------------


def test_frames_play_forward_then_one_frame_per_backward_step():
    f = get_example("sigmoid-neuron").build()
    frames = stepper_frames(f, digits=2)
    ids = [frame.id for frame in frames]
    assert ids == [f"forward-{i}" for i in range(9)] + [f"step-{i}" for i in range(9)]
    assert frames[1].caption == "Forward: p0 = w0 × x0 = 2 × (−1) = −2"
    assert frames[8].caption == "Forward: f = 1/d = 1/1.37 = 0.73\nThat is the output f."
    assert frames[9].caption.startswith("Backward starts at the output with ∂f/∂f = 1")
    assert (
        frames[10].caption.splitlines()[0]
        == "f = 1/d. A 1/x gate: (1/x)′ = −1/x² = −1/(1.37)² = −0.53."
    )
    last = frames[-1]
    grads = {node.label: round(grad, 2) for node, grad in last.grads.items() if node.label}
    assert {k: grads[k] for k in ("w0", "x0", "w1", "x1", "w2")} == {
        "w0": -0.2, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.2
    }  # fmt: skip
    assert last.final == frozenset(topological_order(f))
    assert frames[9].final == frozenset({f})
    assert {node.label for node in frames[3].highlight} == {"s", "p0", "p1"}


def test_a_partial_gradient_is_not_final_yet():
    a = Value(3.0, label="a")
    f = a * a + a
    frames = stepper_frames(f)
    first_step = frames[-2]  # after step 1: a has got 1 of its 3 contributions
    assert first_step.grads[a] == 1.0 and a not in first_step.final
    assert frames[-1].grads[a] == 7.0 and a in frames[-1].final


# ------------------------------------------------------------------------------------------------
# The HTML page (needs the graphviz package and Graphviz's dot)
# ------------------------------------------------------------------------------------------------

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)


def svgs_of(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)


def boxes(svg: str) -> dict[str, list[tuple[str, str]]]:
    """Box name (Graphviz node title) -> [(text, fill colour)] of every text in it."""
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    found = {}
    for group in root.iter(f"{ns}g"):
        if "node" in group.get("class", "").split():
            title = group.find(f"{ns}title").text
            found[title] = [(t.text, t.get("fill", "")) for t in group.iter(f"{ns}text")]
    return found


def geometry(svg: str) -> dict[str, list[str]]:
    """Where every box, gate and wire is (not the text, and not the grey fill of a '?' cell)."""
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    shapes = {"viewBox": [root.get("viewBox")]}
    for group in root.iter(f"{ns}g"):
        kind = group.get("class", "").split()
        if "node" not in kind and "edge" not in kind:
            continue
        where = []
        for shape in group:
            if shape.tag == f"{ns}polygon" and shape.get("fill") != "#e6e6e6":
                where.append(shape.get("points"))
            elif shape.tag == f"{ns}ellipse":
                where.append(f"{shape.get('cx')},{shape.get('cy')},{shape.get('rx')}")
            elif shape.tag == f"{ns}path":
                where.append(shape.get("d"))
        shapes[group.find(f"{ns}title").text] = where
    return shapes


@pytest.fixture(scope="module")
def sigmoid_page(tmp_path_factory):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    f = get_example("sigmoid-neuron").build()
    path = render_steps(f, tmp_path_factory.mktemp("steps") / "sigmoid.html", digits=2)
    return f, path.read_text(encoding="utf-8")


@needs_dot
def test_sigmoid_page_has_one_frame_per_backward_step(sigmoid_page):
    f, page = sigmoid_page
    ids = re.findall(r'<section class="frame" id="([^"]+)"', page)
    steps = [i for i in ids if re.fullmatch(r"step-[1-9]\d*", i)]
    assert len(steps) == len(list(backward_steps(f))) == 8
    assert ids[:9] == [f"forward-{i}" for i in range(9)]  # the forward pass plays first
    assert len(svgs_of(page)) == len(ids) == 18


@needs_dot
def test_sigmoid_page_numbers_match_the_published_figure(sigmoid_page):
    _, page = sigmoid_page
    last = boxes(svgs_of(page)[-1])
    texts = {t for box in last.values() for t, _ in box}
    green = {t for box in last.values() for t, fill in box if fill == "#1a7f37"}
    red = {t for box in last.values() for t, fill in box if fill == "#b3261e"}
    for value in ("-2", "6", "4", "1", "-1", "0.37", "1.37", "0.73"):  # forward, cs231n figure
        assert value in green, value
    for grad in ("-0.2", "0.39", "-0.39", "-0.59", "0.2", "-0.53", "1"):  # backward
        assert grad in red, grad
    assert "?" not in texts  # every gradient known in the last frame
    assert "0.73" in page and "−0.53" in page  # captions


@needs_dot
def test_forward_frames_hide_values_not_computed_yet(sigmoid_page):
    _, page = sigmoid_page
    first = boxes(svgs_of(page)[0])
    values = [texts[1][0] for texts in first.values() if len(texts) >= 3]  # name, value, grad
    assert values.count("?") == 8  # only the 5 inputs are known before the forward pass
    assert sorted(v for v in values if v != "?") == ["-1", "-2", "-3", "-3", "2"]


@needs_dot
def test_layout_is_the_same_in_every_frame(sigmoid_page):
    _, page = sigmoid_page
    shapes = [geometry(svg) for svg in svgs_of(page)]
    assert shapes[0] and all(shape == shapes[0] for shape in shapes)


@needs_dot
def test_page_is_self_contained_and_printable(sigmoid_page):
    _, page = sigmoid_page
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    links = re.findall(r'(?:href|src)="([^"]*)"', page)
    assert links and all(link.startswith("#") for link in links)
    without_namespaces = re.sub(r'xmlns(?::\w+)?="[^"]*"', "", page)
    assert "http://" not in without_namespaces and "https://" not in without_namespaces
    assert "@media print" in page and "break-after: page" in page
    for control in ('id="prev"', 'id="next"', 'id="slider"', "ArrowRight", "hashchange"):
        assert control in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # Graphviz ids made unique per frame


@needs_dot
def test_render_steps_puts_gradients_back(tmp_path):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    x, y = Value(2.0, label="x"), Value(-1.0, label="y")
    f = x * y
    x.grad = 5.0
    render_steps(f, tmp_path / "page.html")
    assert (x.grad, y.grad, f.grad) == (5.0, 0.0, 0.0)


def test_render_steps_refuses_a_huge_graph(tmp_path):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    x = Value(0.5, label="x")
    f = x
    for _ in range(150):
        f = f * 1.001 + 0.0
    with pytest.raises(
        ValueError, match=r"this graph has \d+ nodes; a step-by-step page is made for"
    ):
        render_steps(f, tmp_path / "page.html")
    assert not (tmp_path / "page.html").exists()


def wire_labels(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    return [
        text.text
        for group in root.iter(f"{ns}g")
        if group.get("class") == "edge"
        for text in group.iter(f"{ns}text")
    ]


@needs_dot
def test_wires_carry_a_number_only_once_their_step_has_run(sigmoid_page):
    _, page = sigmoid_page
    svgs = svgs_of(page)
    assert set(wire_labels(svgs[9])) == {"?"}  # the seed: nothing has flowed back yet
    assert sorted(label for label in wire_labels(svgs[10]) if label != "?") == ["-0.53"]
    assert sorted(label for label in wire_labels(svgs[11]) if label != "?") == ["-0.53", "-0.53"]
    assert "?" not in wire_labels(svgs[-1])


def test_module_docstring_examples_run():
    import doctest

    import microgradpp.steps

    assert doctest.testmod(microgradpp.steps).failed == 0


# ------------------------------------------------------------------------------------------------
# Captions say each thing once, clearly (issue 12 §5)
# ------------------------------------------------------------------------------------------------


def test_a_node_named_by_its_own_expression_is_not_repeated():
    for source, repeated in (("exp(log(x))", "log(x) = log(x)"), ("x*(1/y)", "1/y = 1/y")):
        f = evaluate(source, {"x": 2.0, "y": 4.0} if "y" in source else {"x": 2.0})
        captions = [frame.caption for frame in stepper_frames(f)]
        captions += [step.caption() for step in backward_steps(f)]
        assert not any(repeated in caption for caption in captions), repeated
    log = next(s for s in backward_steps(evaluate("exp(log(x))", {"x": 2.0})) if s.index == 2)
    assert log.headline() == "Step 2 of 2: log(x). A log gate: (ln x)′ = 1/x = 1/2 = 0.5."
    frames = stepper_frames(evaluate("x*(1/y)", {"x": 2.0, "y": 4.0}))
    assert "Forward: 1/y = 1/4 = 0.25" in [frame.caption for frame in frames]


def test_no_derivative_is_written_d_over_dx():
    """d/dx clashed with a node named d (the sigmoid neuron's denominator): primes instead."""
    f = get_example("sigmoid-neuron").build()
    text = "\n".join(frame.caption for frame in stepper_frames(f))
    assert "d/d" not in text and "dσ/dx" not in text
    assert "f = 1/d. A 1/x gate: (1/x)′ = −1/x² = −1/(1.3679)² = −0.5344." in text


@pytest.mark.parametrize(
    ("build", "line"),
    [
        (lambda x, y: x * y, "∂f/∂x = y · ∂f/∂f = (−3) · 1 = −3"),
        (lambda x, y: (x * y).exp(), "∂f/∂n3 = 0.0025 · ∂f/∂f = 0.0025 · 1 = 0.0025"),
        (lambda x, y: (x * y) * -1.0, "∂f/∂n3 = (−1) · ∂f/∂f = (−1) · 1 = −1"),
        (lambda x, y: (x * y).reciprocal(), "∂f/∂n3 = (−0.0278) · ∂f/∂f = (−0.0278) · 1 = −0.0278"),
    ],
)
def test_negative_factors_are_in_parentheses(build, line):
    f = build(Value(2.0, label="x"), Value(-3.0, label="y"))
    lines = [text for step in backward_steps(f) for text in step.chain_rule_lines()]
    assert line in lines
    assert not any(re.search(r"· −\d", text) for text in lines), lines


def test_an_accumulating_gradient_with_a_negative_term_is_in_parentheses():
    a = Value(3.0, label="a")
    f = a * -2.0 + a
    lines = [text for step in backward_steps(f) for text in step.chain_rule_lines()]
    assert "∂f/∂a += (−2) · ∂f/∂n3 = (−2) · 1 = −2, so ∂f/∂a is now 1 + (−2) = −1" in lines


def test_every_gate_has_words_in_the_messages_table():
    from microgradpp import GATES
    from microgradpp.i18n import catalog

    ENGLISH = catalog("en")
    for gate in GATES.values():
        assert gate.sentence in ENGLISH, gate.name
    for key in ("caption.max.tie", "caption.relu.open", "caption.relu.closed"):
        assert key in ENGLISH


def test_every_message_is_used_somewhere():
    """No dead sentences: each key of the pictures' and pages' words is asked for by the code
    (or a gate)."""
    from pathlib import Path

    import microgradpp
    from microgradpp.i18n import catalog

    families = ("caption", "step", "frame", "collapse", "legend", "picture", "page", "files")
    ENGLISH = [key for key in catalog("en") if key.partition(".")[0] in families]

    package = Path(microgradpp.__file__).parent
    code = "\n".join(
        p.read_text(encoding="utf-8") for p in package.rglob("*") if p.suffix in (".py", ".html")
    )
    code = code.replace(Path(package / "messages.py").read_text(encoding="utf-8"), "")

    def used(key: str) -> bool:
        family, _, rest = key.partition(".")
        return (
            f'"{key}"' in code
            or f'f"{family}.' in code  # a key made in code: f"legend.{view.mode}"
            or (family == "page" and f'"{rest.replace(".", "_")}"' in code)  # the page's words
        )

    assert [key for key in ENGLISH if not used(key)] == []


# ------------------------------------------------------------------------------------------------
# The page: limits checked first, text escaped once
# ------------------------------------------------------------------------------------------------


def chain_of_additions(n: int) -> Value:
    f = Value(0.5, label="x")
    for _ in range(n // 2):
        f = f + 1.0
    return f


def wide_sum(n: int) -> Value:
    return vsum([Value(float(i), label=f"x{i}") for i in range(n)])


def balanced_tree(n: int) -> Value:
    level = [Value(1.0, label=f"x{i}") for i in range(n)]
    while len(level) > 1:
        level = [a * b if i % 4 else a + b for i, (a, b) in enumerate(zip(level[::2], level[1::2]))]
    return level[0]


@pytest.mark.parametrize(
    ("build", "size"),
    [
        (chain_of_additions, 8001),
        (chain_of_additions, 402),
        (wide_sum, 5000),
        (wide_sum, 201),
        (balanced_tree, 4096),
    ],
)
def test_a_graph_above_the_limit_is_refused_before_any_quadratic_work(build, size, tmp_path):
    import tracemalloc

    from microgradpp.errors import GraphTooLargeError
    from microgradpp.steps import MAX_STEPPER_NODES

    root = build(size)
    count = len(topological_order(root))
    assert count > MAX_STEPPER_NODES
    tracemalloc.start()
    for attempt in (
        lambda: render_steps(root, tmp_path / "page.html"),
        lambda: stepper_frames(root),
    ):
        with pytest.raises(
            GraphTooLargeError, match=rf"this graph has {count:,} nodes; a step-by-step page"
        ):
            attempt()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # memory measures the work (not the clock, which a busy machine stretches): a few objects per
    # node, not a view or a frame per node per frame
    assert peak < 2_000 * count + 1_000_000
    assert not (tmp_path / "page.html").exists()


def test_a_graph_at_the_limit_gives_its_frames():
    from microgradpp.steps import MAX_STEPPER_NODES

    root = chain_of_additions(MAX_STEPPER_NODES - 1)
    assert len(topological_order(root)) == MAX_STEPPER_NODES - 1
    frames = stepper_frames(root)
    gates = sum(1 for node in topological_order(root) if node.parents)
    assert len(frames) == 2 * gates + 2 == 200  # forward: inputs + each gate; backward: seed + each


def test_render_works_out_the_order_once(monkeypatch, tmp_path):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    import microgradpp.engine
    import microgradpp.steps.page
    import microgradpp.steps.replay
    import microgradpp.viz.view

    calls = []
    original = microgradpp.engine.topological_order

    def counting(root):
        calls.append(root)
        return original(root)

    for module in (microgradpp.steps.page, microgradpp.steps.replay, microgradpp.viz.view):
        monkeypatch.setattr(module, "topological_order", counting)
    render_steps(get_example("sigmoid-neuron").build(), tmp_path / "page.html")
    assert len(calls) == 1


HOSTILE = ["{{frames}}", "$frames", "${title}", "$$", "{title}", "</script><b>x</b>", "&amp;"]


@needs_dot
def test_text_put_in_the_page_is_escaped_once_and_never_expanded(tmp_path):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    x = Value(2.0, label=" ".join(HOSTILE))
    f = x * Value(3.0, label="y")
    path = render_steps(
        f, tmp_path / "page.html", title=" ".join(HOSTILE), description="$frames {{links}}"
    )
    page = path.read_text(encoding="utf-8")
    frames = stepper_frames(f)
    assert page.count('<section class="frame"') == len(frames) == 4
    assert page.count("<li><a href=") == 4
    assert page.count("{{links}}") == 1  # the description, as text
    assert (
        page.count("$frames") > page.count("<h1>{{frames}} $frames ${title}") == 1
    )  # title, label: never expanded
    assert (
        "<title>{{frames}} $frames ${title} $$ {title} &lt;/script&gt;&lt;b&gt;x&lt;/b&gt; &amp;amp;</title>"
        in page
    )
    assert "<b>x</b>" not in page
    assert "<p>$frames {{links}}</p>" in page


def test_the_page_templates_are_package_data():
    """An installed wheel must carry the page's HTML, CSS and JavaScript."""
    from importlib import resources
    from pathlib import Path

    folder = resources.files("microgradpp.steps").joinpath("templates")
    names = sorted(entry.name for entry in folder.iterdir() if not entry.name.startswith("."))
    assert {"page.html", "frame.html", "stepper.css", "stepper.js"} <= set(names)
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"  # tests/steps/ -> root
    if pyproject.exists():
        tomllib = pytest.importorskip("tomllib")  # Python 3.11+
        patterns = tomllib.loads(pyproject.read_text())["tool"]["setuptools"]["package-data"][
            "microgradpp.steps"
        ]
        for name in names:
            assert any(Path("templates", name).match(pattern) for pattern in patterns), name


def test_every_registered_gate_explains_itself_in_a_caption():
    """Each gate's notation and sentence, read from the gate (no test of its name anywhere)."""
    from microgradpp import GATES, apply_gate

    for gate in GATES.values():
        arity = gate.arity or 5  # n-ary gates (sum, linear: b, w1, x1, w2, x2) get five
        low, high = gate.test_range
        inputs = [
            Value(low + (high - low) * (i + 1) / (arity + 2), label=f"a{i}") for i in range(arity)
        ]
        f = apply_gate(gate, *inputs)
        (step,) = backward_steps(f)
        caption = step.caption()
        assert "{" not in caption and "}" not in caption, caption
        assert step.equation().startswith("f = ") and "a0" in step.equation(), gate.name
        assert len(caption.splitlines()) == arity + 1


def test_the_source_tests_no_gate_by_name():
    from pathlib import Path

    import microgradpp

    package = Path(microgradpp.__file__).parent
    for path in [*package.joinpath("viz").rglob("*.py"), *package.joinpath("steps").rglob("*.py")]:
        source = path.read_text(encoding="utf-8")
        assert "gate.name ==" not in source and "gate.name in" not in source, path


@needs_dot
def test_a_page_is_byte_identical_across_runs_and_hash_seeds(tmp_path):
    """Sets of nodes hold each frame's state: nothing drawn may depend on their order."""
    import os
    import subprocess
    import sys

    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    program = (
        "import sys\n"
        "from microgradpp.examples import get_example\n"
        "from microgradpp.steps import render_steps\n"
        "render_steps(get_example('max-circuit').build(), sys.argv[1])\n"
        "render_steps(get_example('sigmoid-neuron').build(), sys.argv[2], digits=2)\n"
    )
    pages = []
    for seed in ("1", "2"):
        paths = [tmp_path / f"max-{seed}.html", tmp_path / f"sigmoid-{seed}.html"]
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-c", program, *map(str, paths)], env=environment, check=True
        )
        pages.append([path.read_bytes() for path in paths])
    assert pages[0] == pages[1]


def test_a_function_call_name_needs_no_extra_parentheses_but_keeps_them_after_d():
    f = evaluate("exp(log(x))*(1/y)", {"x": 2.0, "y": -4.0})
    (first, *_) = backward_steps(f)
    assert first.equation() == "f = exp(log(x)) × (1/y)"
    assert first.chain_rule_lines() == [
        "∂f/∂(exp(log(x))) = (1/y) · ∂f/∂f = (−0.25) · 1 = −0.25",
        "∂f/∂(1/y) = exp(log(x)) · ∂f/∂f = 2 · 1 = 2",
    ]


@pytest.mark.parametrize("not_a_value", ["x", 3.0, None, [Value(1.0)]], ids=repr)
def test_pages_of_something_that_is_not_a_value_are_one_clear_type_error(tmp_path, not_a_value):
    from microgradpp.steps import Exercise, Steps, exercise_page

    expected = (
        "expected a microgradpp.Value (the result of a computation), got "
        + type(not_a_value).__name__
    )
    for make in (
        lambda: topological_order(not_a_value),
        lambda: render_steps(not_a_value, tmp_path / "steps.html"),
        lambda: exercise_page(not_a_value, tmp_path / "exercise.html"),
        lambda: Steps(not_a_value),
        lambda: Exercise(not_a_value),
    ):
        with pytest.raises(TypeError) as caught:
            make()
        assert str(caught.value) == expected
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("digits", ["a", -1, 16, 2.5, True, None])
def test_a_bad_number_of_digits_is_named_digits_before_any_work(tmp_path, digits):
    from microgradpp.steps import Steps

    f = get_example("add-mul").build()
    expected = f"digits must be a whole number of decimals 0..15, got {digits!r}"
    for make in (
        lambda: render_steps(f, tmp_path / "steps.html", digits=digits),
        lambda: stepper_frames(f, digits=digits),
        lambda: Steps(f, digits=digits),
    ):
        with pytest.raises(ValueError) as caught:
            make()
        assert str(caught.value) == expected
    assert list(tmp_path.iterdir()) == []


def test_the_step_page_of_a_second_backward(tmp_path):
    """x.grad built with create_graph=True is a graph of gates like any other: its backward
    replays step by step, and the replay ends with the second derivatives (f = x·tanh(x·y))."""
    from microgradpp import grad

    x, y = Value(0.5, label="x"), Value(-1.5, label="y")
    f = x * (x * y).tanh()
    (df,) = grad(f, x, create_graph=True)
    df.label = "df"
    replayed = final_grads(df)
    d2x, d2y = grad(df, [x, y])
    assert replayed[x] == d2x and replayed[y] == d2y
    t = math.tanh(-0.75)
    s = 1 - t * t  # f' = t + x·y·s;  f'' = 2y·s − 2x·y²·t·s
    assert d2x == pytest.approx(2 * -1.5 * s - 2 * 0.5 * 2.25 * t * s, rel=1e-12)
    page = render_steps(df, tmp_path / "second.html")
    html = page.read_text(encoding="utf-8")
    frames = re.findall(r'<section class="frame" id="step-\d+"', html)
    assert len(frames) == 1 + len(backward_order(df))  # the seed, then one frame per gate
    assert "Backward, step by step: df" in html


def test_the_first_backward_caption_does_not_say_children_first():
    """micrograd's ``_children`` are a node's inputs: "children first" read as "inputs first"."""
    from microgradpp.messages import text

    for lang in ("en", "zh-Hant", "zh-Hans"):
        seed = text("frame.seed", lang, root="f")
        assert "children" not in seed and "子節點" not in seed and "子节点" not in seed
    assert "walks back towards the inputs" in text("frame.seed", "en", root="f")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_the_pictures_tooltip_is_in_the_pages_language(tmp_path):
    from microgradpp.steps import exercise_page, render_steps

    f = get_example("add-mul").build()
    steps = render_steps(f, tmp_path / "s.html", lang="zh-Hans").read_text("utf-8")
    exercise = exercise_page(f, tmp_path / "e.html", lang="zh-Hant").read_text("utf-8")
    english = render_steps(f, tmp_path / "en.html", lang="en").read_text("utf-8")
    assert "computational_graph" not in steps + exercise + english  # the DOT name, not words
    assert steps.count("<title>计算图</title>") == steps.count('<section class="frame"') == 6
    assert exercise.count("<title>計算圖</title>") == 2  # the picture and its solved twin
    assert "<title>computational graph</title>" in english
