"""The textbook numbers, reproduced exactly.

* cs231n "Backpropagation, Intuitions": f = (x + y)·z, the sigmoid neuron as a circuit of gates,
  and the max-gate circuit; figures give two decimals, we check those and the exact values.
* micrograd's README expression (g = 24.7041, dg/da = 138.8338, dg/db = 645.5773).
"""

from __future__ import annotations

import math

import pytest

import microgradpp as mg
from microgradpp import Value, composites

SIGMA_1 = 1.0 / (1.0 + math.exp(-1.0))  # σ(1) = 0.7310585786300049
DSIGMA_1 = SIGMA_1 * (1.0 - SIGMA_1)  # σ'(1) = σ(1)(1 − σ(1)) = 0.19661193324148185


def test_x_plus_y_times_z():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0)
    assert (f.grad, q.grad, z.grad) == (1.0, -4.0, 3.0)  # ∂f/∂q = z, ∂f/∂z = q
    assert (x.grad, y.grad) == (-4.0, -4.0)  # the add gate copies ∂f/∂q to both inputs


def sigmoid_neuron_inputs() -> dict[str, Value]:
    values = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    return {name: Value(v, label=name) for name, v in values.items()}


def test_the_sigmoid_neuron_as_the_cs231n_circuit_of_gates():
    p = sigmoid_neuron_inputs()
    w0x0 = p["w0"] * p["x0"]  # -2
    w1x1 = p["w1"] * p["x1"]  # 6
    dot = w0x0 + w1x1  # 4
    z = dot + p["w2"]  # 1
    negated = z * -1.0  # -1
    e = negated.exp()  # e⁻¹ = 0.37
    denominator = e + 1.0  # 1.37
    out = denominator.reciprocal()  # 1/1.37 = 0.73
    out.backward()

    assert [w0x0.data, w1x1.data, dot.data, z.data, negated.data] == [-2.0, 6.0, 4.0, 1.0, -1.0]
    assert [round(n.data, 2) for n in (e, denominator, out)] == [0.37, 1.37, 0.73]
    assert math.isclose(out.data, SIGMA_1, rel_tol=1e-15)
    assert f"{out.data:.10f}" == "0.7310585786"

    # the gradient at the 1/x gate's input: −1/1.37² · 1 = −0.5344 (the figure shows −0.53)
    assert math.isclose(denominator.grad, -1.0 / (1.0 + math.exp(-1.0)) ** 2, rel_tol=1e-15)
    assert f"{denominator.grad:.4f}" == "-0.5344" and round(denominator.grad, 2) == -0.53
    assert e.grad == denominator.grad  # +1 passes the gradient on
    assert round(negated.grad, 2) == -0.20  # times e⁻¹
    assert round(z.grad, 2) == 0.20  # times −1
    assert math.isclose(z.grad, DSIGMA_1, rel_tol=1e-12)

    expected = {  # σ'(1) times the other input of each mul gate; w2 gets σ'(1) itself
        "w0": DSIGMA_1 * -1.0,
        "x0": DSIGMA_1 * 2.0,
        "w1": DSIGMA_1 * -2.0,
        "x1": DSIGMA_1 * -3.0,
        "w2": DSIGMA_1,
    }
    for name, grad in expected.items():
        assert math.isclose(p[name].grad, grad, rel_tol=0, abs_tol=1e-9), name
    published = {"w0": -0.20, "x0": 0.39, "w1": -0.39, "x1": -0.59, "w2": 0.20}
    assert {name: round(v.grad, 2) for name, v in p.items()} == published
    leading = {name: f"{v.grad:.5f}" for name, v in p.items()}
    assert leading == {
        "w0": "-0.19661",
        "x0": "0.39322",
        "w1": "-0.39322",
        "x1": "-0.58984",
        "w2": "0.19661",
    }


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


def test_the_max_gate_circuit():
    x, y, z, w = Value(3.0), Value(-4.0), Value(2.0), Value(-1.0)
    xy = x * y  # -12
    m = mg.max(z, w)  # 2
    f = 2 * (xy + m)  # -20
    f.backward()
    assert (xy.data, m.data, f.data) == (-12.0, 2.0, -20.0)
    # the mul gate swaps (·2), the max gate routes to the larger input, the add gate copies
    assert (x.grad, y.grad, z.grad, w.grad) == (-8.0, 6.0, 2.0, 0.0)


def test_micrograds_readme_expression():
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
