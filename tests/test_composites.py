"""Circuits of primitive gates equal the fused gates and the operators, in value and gradient."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradpp import GATES, Value, apply_gate, composites, topological_order


def value_and_grad(function, x: float) -> tuple[float, float]:
    leaf = Value(x)
    out = function(leaf)
    out.backward()
    return out.data, leaf.grad


# exp(−x) in the sigmoid circuit overflows below x ≈ −709 and exp(−2x) in tanh's below −354:
# the fused gates are stable everywhere, the textbook circuits only where the floats allow.
moderate = st.floats(-30.0, 30.0, allow_nan=False)


@pytest.mark.parametrize(
    ("circuit", "fused"),
    [
        (composites.sigmoid, Value.sigmoid),
        (composites.tanh, Value.tanh),
        (composites.softplus, lambda x: apply_gate(GATES["softplus"], x)),
    ],
    ids=["sigmoid", "tanh", "softplus"],
)
@given(x=moderate)
def test_composite_equals_fused_gate_in_value_and_gradient(circuit, fused, x):
    circuit_value, circuit_grad = value_and_grad(circuit, x)
    fused_value, fused_grad = value_and_grad(fused, x)
    assert math.isclose(circuit_value, fused_value, rel_tol=1e-14, abs_tol=1e-15)
    # the fused gradient, out·(1 − out), loses relative precision where out ≈ 1: compare absolutely
    assert math.isclose(circuit_grad, fused_grad, rel_tol=1e-9, abs_tol=1e-14)


def test_the_sigmoid_circuit_is_the_four_textbook_gates():
    x = Value(1.0, label="x")
    out = composites.sigmoid(x)
    gates = [node.gate.name for node in topological_order(out) if node.gate]
    assert gates == ["mul", "exp", "add", "reciprocal"]  # ×−1, exp, +1, 1/x
    assert math.isclose(out.data, 1 / (1 + math.exp(-1.0)), rel_tol=1e-15)


def test_the_tanh_circuit_uses_only_primitive_gates():
    out = composites.tanh(Value(0.3))
    assert all(node.gate.primitive for node in topological_order(out) if node.gate)


pairs = st.tuples(st.floats(-50.0, 50.0), st.floats(0.1, 50.0) | st.floats(-50.0, -0.1))


@pytest.mark.parametrize(
    ("composite", "operator"),
    [
        (lambda a, b: composites.neg(a), lambda a, b: -a),
        (composites.sub, lambda a, b: a - b),
        (composites.div, lambda a, b: a / b),
    ],
    ids=["neg", "sub", "div"],
)
@given(ab=pairs)
def test_neg_sub_div_equal_the_operators_exactly(composite, operator, ab):
    results = []
    for build in (composite, operator):
        a, b = Value(ab[0]), Value(ab[1])
        out = build(a, b)
        out.backward()
        gates = [node.gate.name for node in topological_order(out) if node.gate]
        results.append((out.data, a.grad, b.grad, gates))
    assert results[0] == results[1]
