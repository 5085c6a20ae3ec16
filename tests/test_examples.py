"""The worked examples and the textbook numbers they reproduce exactly: the registry, each
example's numbers computed by hand, cs231n's figures (two decimals, and the exact values) and
micrograd's README expression."""

from __future__ import annotations

import math

import pytest

import microgradpp as mg
from microgradpp import Value, composites, topological_order
from microgradpp.examples import EXAMPLES, Example, get_example, nodes_by_label


def run(name: str) -> dict[str, Value]:
    return nodes_by_label(get_example(name).run())


def test_registry_lists_the_examples_in_course_order():
    assert list(EXAMPLES) == [
        "add-mul", "sigmoid-neuron", "sigmoid-neuron-fused", "max-circuit", "two-layer", "xor",
    ]  # fmt: skip
    for name, example in EXAMPLES.items():
        assert isinstance(example, Example) and example.name == name
        assert example.title and len(example.teaches) > 100  # a real text of what it teaches


def test_unknown_name_lists_the_examples_and_suggests_one():
    with pytest.raises(
        ValueError,
        match=r"no example called 'sigmoid'; did you mean 'sigmoid-neuron'\? the examples are: add-mul, ",
    ):
        get_example("sigmoid")
    with pytest.raises(ValueError, match=r"no example called 'zzz'; the examples are: add-mul"):
        get_example("zzz")


def test_each_build_makes_a_fresh_graph():
    example = get_example("add-mul")
    first, second = example.run(), example.run()
    assert first is not second
    assert nodes_by_label(first)["x"].grad == nodes_by_label(second)["x"].grad == -4.0


def test_add_mul():
    """cs231n: f = (x + y)·z at x = −2, y = 5, z = −4."""
    n = run("add-mul")
    assert (n["q"].data, n["f"].data) == (3.0, -12.0)
    assert (n["f"].grad, n["q"].grad, n["z"].grad) == (1.0, -4.0, 3.0)  # ∂f/∂q = z, ∂f/∂z = q
    assert (n["x"].grad, n["y"].grad) == (-4.0, -4.0)  # the add gate copies ∂f/∂q to both


SIGMA_1 = 1.0 / (1.0 + math.exp(-1.0))  # σ(1) = 0.7310585786300049
DSIGMA_1 = SIGMA_1 * (1.0 - SIGMA_1)  # σ'(1) = σ(1)(1 − σ(1)) = 0.19661193324148185


def test_sigmoid_neuron_matches_the_cs231n_figure():
    """The sigmoid neuron as cs231n's circuit of gates: ×, ×, +, +, ×−1, exp, +1, 1/x. The figure
    gives two decimals; we check those and the exact values."""
    n = run("sigmoid-neuron")
    assert [node.gate.name for node in topological_order(n["f"]) if node.parents] == [
        "mul", "mul", "add", "add", "mul", "exp", "add", "reciprocal",
    ]  # fmt: skip
    assert [n[k].data for k in ("p0", "p1", "s", "z", "u")] == [-2.0, 6.0, 4.0, 1.0, -1.0]
    assert [round(n[k].data, 2) for k in ("e", "d", "f")] == [0.37, 1.37, 0.73]
    assert math.isclose(n["f"].data, SIGMA_1, rel_tol=1e-15)
    assert f"{n['f'].data:.10f}" == "0.7310585786"

    # the gradient at the 1/x gate's input: −1/1.37² · 1 = −0.5344 (the figure shows −0.53)
    assert math.isclose(n["d"].grad, -1.0 / (1.0 + math.exp(-1.0)) ** 2, rel_tol=1e-15)
    assert f"{n['d'].grad:.4f}" == "-0.5344" and round(n["d"].grad, 2) == -0.53
    assert n["e"].grad == n["d"].grad  # +1 passes the gradient on
    assert round(n["u"].grad, 2) == -0.20  # times e⁻¹
    assert round(n["z"].grad, 2) == 0.20  # times −1
    assert math.isclose(n["z"].grad, DSIGMA_1, rel_tol=1e-12)

    other_input = {"w0": -1.0, "x0": 2.0, "w1": -2.0, "x1": -3.0, "w2": 1.0}  # of each × gate
    for name, factor in other_input.items():
        assert math.isclose(n[name].grad, DSIGMA_1 * factor, rel_tol=0, abs_tol=1e-9), name
    published = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
    assert {name: round(n[name].grad, 2) for name in published} == published
    assert {name: f"{n[name].grad:.5f}" for name in published} == {
        "w0": "-0.19661", "x0": "0.39322", "w1": "-0.39322", "x1": "-0.58984", "w2": "0.19661",
    }  # fmt: skip


def sigmoid_neuron_inputs() -> dict[str, Value]:
    values = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    return {name: Value(v, label=name) for name, v in values.items()}


@pytest.mark.parametrize(
    "neuron",
    [
        lambda p: mg.linear([p["w0"], p["w1"]], [p["x0"], p["x1"]], p["w2"]).sigmoid(),
        lambda p: (p["w0"] * p["x0"] + p["w1"] * p["x1"] + p["w2"]).sigmoid(),
        lambda p: composites.sigmoid(p["w0"] * p["x0"] + p["w1"] * p["x1"] + p["w2"]),
    ],
    ids=["linear+sigmoid", "fused-sigmoid", "composite-sigmoid"],
)
def test_the_fused_sigmoid_neuron_gives_the_same_numbers(neuron):
    p = sigmoid_neuron_inputs()
    out = neuron(p)
    out.backward()
    assert math.isclose(out.data, SIGMA_1, rel_tol=1e-15)
    other_input = {"w0": -1.0, "x0": 2.0, "w1": -2.0, "x1": -3.0, "w2": 1.0}
    for name, factor in other_input.items():
        assert math.isclose(p[name].grad, DSIGMA_1 * factor, rel_tol=1e-12), name


def test_fused_neuron_has_the_same_gradients_in_one_gate():
    gates, fused = run("sigmoid-neuron"), run("sigmoid-neuron-fused")
    assert fused["f"].gate.name == "sigmoid"
    assert fused["f"].data == pytest.approx(gates["f"].data, abs=1e-15)
    for name in ("w0", "x0", "w1", "x1", "w2"):
        assert fused[name].grad == pytest.approx(gates[name].grad, abs=1e-15)
    text = get_example("sigmoid-neuron-fused").explain(fused["f"])
    assert "= 0.7310585786 · 0.2689414214 = 0.1966119332" in text


def test_max_circuit():
    """cs231n's max-gate circuit: f = 2·(x·y + max(z, w)) at x = 3, y = −4, z = 2, w = −1."""
    n = run("max-circuit")
    assert (n["p"].data, n["m"].data, n["f"].data) == (-12.0, 2.0, -20.0)
    # the mul gate swaps (·2), the max gate routes to the larger input, the add gate copies
    assert (n["x"].grad, n["y"].grad, n["z"].grad, n["w"].grad) == (-8.0, 6.0, 2.0, 0.0)


def test_micrograds_readme_expression():
    """micrograd's README expression: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    # c = -1, d = 6, e = -7, f = 49, g = 49/2 + 10/49 = 2421/98
    assert (c.data, d.data, e.data, f.data) == (-1.0, 6.0, -7.0, 49.0)
    assert math.isclose(g.data, 2421 / 98, rel_tol=1e-15)
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"
    # what micrograd 0.1.0 prints for the same expression
    assert math.isclose(g.data, 24.70408163265306, rel_tol=1e-14)
    assert math.isclose(a.grad, 138.83381924198252, rel_tol=1e-14)
    assert math.isclose(b.grad, 645.5772594752186, rel_tol=1e-14)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_two_layer_network_agrees_with_bp1_to_bp4():
    n = run("two-layer")
    # by hand: z1 = W1 x + b1 with x = (1, 0.5)
    z1 = [0.1 + 0.2 * 1.0 - 0.4 * 0.5, -0.3 + 0.7 * 1.0 + 0.1 * 0.5]  # 0.1, 0.45
    a1 = [sigmoid(z) for z in z1]
    a2 = 0.05 + 0.6 * a1[0] - 0.9 * a1[1]
    delta2 = a2 - 1.0  # BP1 with a linear output
    delta1 = [0.6 * delta2 * a1[0] * (1 - a1[0]), -0.9 * delta2 * a1[1] * (1 - a1[1])]  # BP2
    assert n["C"].data == pytest.approx(0.5 * (a2 - 1.0) ** 2, abs=1e-15)
    assert n["a2"].grad == pytest.approx(delta2, abs=1e-15)
    assert n["z1_1"].grad == pytest.approx(delta1[0], abs=1e-15)
    assert n["z1_2"].grad == pytest.approx(delta1[1], abs=1e-15)
    assert n["b2"].grad == pytest.approx(delta2, abs=1e-15)  # BP3
    assert n["w2_2"].grad == pytest.approx(a1[1] * delta2, abs=1e-15)  # BP4
    assert n["w1_12"].grad == pytest.approx(0.5 * delta1[0], abs=1e-15)
    text = get_example("two-layer").explain(n["C"])
    assert text.count("(agrees)") == 12 and "DIFFERS" not in text  # 1 + 2 + 3 + 6 lines
    for equation in ("BP1  δ2 = ∂C/∂z2", "BP2  δ1_j", "BP3  ∂C/∂b", "BP4  ∂C/∂w_jk"):
        assert equation in text
    assert f"δ1_1 = 0.6 · {delta2:.6f}" in text


def test_xor_sums_four_contributions_into_each_weight():
    n = run("xor")
    points = [((0, 0), 0), ((0, 1), 1), ((1, 0), 1), ((1, 1), 0)]
    outs, grad_b2 = [], 0.0
    for (x1, x2), t in points:
        h1, h2 = math.tanh(2 * x1 + 2 * x2 - 1), math.tanh(-2 * x1 - 2 * x2 + 3)
        out = 0.5 * h1 + 0.5 * h2 - 0.25
        outs.append(out)
        grad_b2 += 0.25 * 2 * (out - t)  # one contribution per point
    loss = sum((o - t) ** 2 for o, (_, t) in zip(outs, points)) / 4
    assert n["loss"].data == pytest.approx(loss, abs=1e-15)
    assert n["b2"].grad == pytest.approx(grad_b2, abs=1e-15)
    assert len([node for node in topological_order(n["loss"]) if n["b2"] in node.parents]) == 4
    assert [round(o, 4) for o in outs] == [-0.1333, 0.5116, 0.5116, -0.1333]


def test_module_docstring_examples_run():
    import doctest

    import microgradpp.examples

    assert doctest.testmod(microgradpp.examples).failed == 0
