"""The worked examples: the registry, and each example's numbers computed by hand."""

from __future__ import annotations

import math

import pytest

from microgradpp import Value, topological_order
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
    n = run("add-mul")
    assert (n["q"].data, n["f"].data) == (3.0, -12.0)
    assert (n["x"].grad, n["y"].grad, n["z"].grad, n["q"].grad) == (-4.0, -4.0, 3.0, -4.0)


def test_sigmoid_neuron_matches_the_cs231n_figure():
    n = run("sigmoid-neuron")
    values = [round(n[k].data, 2) for k in ("p0", "p1", "s", "z", "u", "e", "d", "f")]
    assert values == [-2.0, 6.0, 4.0, 1.0, -1.0, 0.37, 1.37, 0.73]
    grads = [round(n[k].grad, 2) for k in ("w0", "x0", "w1", "x1", "w2")]
    assert grads == [-0.2, 0.39, -0.39, -0.59, 0.2]
    sigma = 1 / (1 + math.exp(-1))
    assert n["f"].data == pytest.approx(0.7310585786, abs=1e-10)
    assert n["w0"].grad == pytest.approx(-0.1966119332, abs=1e-10)
    assert n["d"].grad == pytest.approx(-1 / (1 + math.exp(-1)) ** 2, abs=1e-15)  # -0.5344
    assert n["z"].grad == pytest.approx(sigma * (1 - sigma), abs=1e-15)
    assert [node.gate.name for node in topological_order(n["f"]) if node.parents] == [
        "mul", "mul", "add", "add", "mul", "exp", "add", "reciprocal",
    ]  # fmt: skip


def test_fused_neuron_has_the_same_gradients_in_one_gate():
    gates, fused = run("sigmoid-neuron"), run("sigmoid-neuron-fused")
    assert fused["f"].gate.name == "sigmoid"
    assert fused["f"].data == pytest.approx(gates["f"].data, abs=1e-15)
    for name in ("w0", "x0", "w1", "x1", "w2"):
        assert fused[name].grad == pytest.approx(gates[name].grad, abs=1e-15)
    text = get_example("sigmoid-neuron-fused").explain(fused["f"])
    assert "= 0.7310585786 · 0.2689414214 = 0.1966119332" in text


def test_max_circuit():
    n = run("max-circuit")
    assert n["f"].data == -20.0
    assert (n["x"].grad, n["y"].grad, n["z"].grad, n["w"].grad) == (-8.0, 6.0, 2.0, 0.0)


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
