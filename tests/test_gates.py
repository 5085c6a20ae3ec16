"""Every gate in the registry ``microgradpp.GATES``, tested without a test per gate.

For each registered gate: ``forward`` against its ``reference``, ``local_grads`` against central
differences over its ``test_range`` (skipping kinks it declares not ``well_conditioned``), and each
of its ``invalid_inputs`` raising a GateError that names the gate and the input. A new gate gets
all of this by being registered.

The engine writes add, mul and linear out inline for speed; the last tests check those fast paths
give exactly the numbers of ``gates.Add``, ``gates.Mul`` and ``gates.Linear``.
"""

from __future__ import annotations

import math
import re
import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import microgradpp as mg
from microgradpp import GATES, GateError, Value
from microgradpp.engine import _apply
from microgradpp.gates import Gate, Pow, pow_gate
from microgradpp.gradcheck import central_difference, gradcheck

GATE_NAMES = sorted(GATES)

NARY_INPUT_COUNTS = {"linear": (1, 3, 5, 9)}
"""Input counts to try for n-ary gates; linear takes b, w₁, x₁, w₂, x₂, … (an odd count)."""
DEFAULT_NARY_INPUT_COUNTS = (1, 2, 3, 7)


def input_counts(gate: Gate) -> tuple[int, ...]:
    if gate.arity is not None:
        return (gate.arity,)
    return NARY_INPUT_COUNTS.get(gate.name, DEFAULT_NARY_INPUT_COUNTS)


GATE_CASES = [
    pytest.param(name, count, id=f"{name}-{count}")
    for name in GATE_NAMES
    for count in input_counts(GATES[name])
]


def draw_inputs(data: st.DataObject, gate: Gate, count: int) -> tuple[float, ...]:
    low, high = gate.test_range
    xs = data.draw(
        st.tuples(*[st.floats(low, high, allow_nan=False) for _ in range(count)]), label="xs"
    )
    assume(gate.well_conditioned(*xs))
    return xs


def labelled(xs: tuple[float, ...]) -> tuple[Value, ...]:
    """Leaves labelled a, b, c, … so error messages can name them."""
    return tuple(Value(x, label=name) for x, name in zip(xs, string.ascii_lowercase))


# ------------------------------------------------------------------------------------------------
# What every gate must declare
# ------------------------------------------------------------------------------------------------


DOCUMENTED_PRIMITIVES = {"add", "mul", "exp", "reciprocal", "max", "log", "pow"}
DOCUMENTED_FUSED = {"relu", "tanh", "sigmoid", "sum", "linear"}


def test_the_registry_holds_the_documented_gates():
    # a student's new gate may join them: the tests below pick it up by themselves
    assert set(GATES) >= DOCUMENTED_PRIMITIVES | DOCUMENTED_FUSED
    assert all(GATES[name].primitive for name in DOCUMENTED_PRIMITIVES)
    assert not any(GATES[name].primitive for name in DOCUMENTED_FUSED)


@pytest.mark.parametrize("name", GATE_NAMES)
def test_every_gate_declares_what_its_tests_need(name):
    gate = GATES[name]
    assert gate.name == name
    assert gate.symbol, "a gate needs a symbol for pictures"
    assert gate.reference is not None, "declare a reference so forward can be checked"
    low, high = gate.test_range
    assert low < high
    doc = type(gate).__doc__ or ""
    assert "out =" in doc and ("∂" in doc or "d/d" in doc), "the docstring states the math"


# ------------------------------------------------------------------------------------------------
# forward and local_grads, for every gate
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "count"), GATE_CASES)
@given(data=st.data())
def test_forward_matches_the_reference(name, count, data):
    gate = GATES[name]
    xs = draw_inputs(data, gate, count)
    scale = 1.0 + math.fsum(abs(x) for x in xs)
    assert math.isclose(
        gate.forward(*xs), gate.reference(*xs), rel_tol=1e-12, abs_tol=1e-14 * scale * scale
    )


@pytest.mark.parametrize(("name", "count"), GATE_CASES)
@given(data=st.data())
def test_local_grads_match_central_differences(name, count, data):
    gate = GATES[name]
    xs = draw_inputs(data, gate, count)
    out = gate.forward(*xs)
    analytic = gate.local_grads(out, *xs)
    assert len(analytic) == count
    assert all(type(g) is float for g in analytic), "local gradients are floats"
    for i, grad in enumerate(analytic):
        numeric = central_difference(gate.forward, *xs, arg=i)
        assert math.isclose(grad, numeric, rel_tol=1e-6, abs_tol=1e-7 * (1.0 + abs(out))), (
            f"∂{name}/∂x{i} at {xs}: local_grads gives {grad}, central difference {numeric}"
        )


@pytest.mark.parametrize(("name", "count"), GATE_CASES)
@given(data=st.data())
def test_the_engine_runs_each_gate_and_backward_agrees_with_gradcheck(name, count, data):
    gate = GATES[name]
    xs = draw_inputs(data, gate, count)
    node = _apply(gate, labelled(xs))
    assert node.gate is gate
    assert node.data == gate.forward(*xs)
    assert node.local_grads == gate.local_grads(node.data, *xs)
    report = gradcheck(lambda *vs: _apply(gate, vs), list(labelled(xs)), atol=1e-6, rtol=1e-6)
    assert report, str(report)


@pytest.mark.parametrize("exponent", [-2, -1, -0.5, 0, 0.5, 1, 2, 2.5, 3])
@given(x=st.floats(0.2, 3.0))
def test_pow_by_any_constant_matches_math_and_central_differences(exponent, x):
    gate = pow_gate(exponent)
    assert isinstance(gate, Pow) and gate is pow_gate(exponent)  # one shared gate per exponent
    out = gate.forward(x)
    assert math.isclose(out, x**exponent, rel_tol=1e-15)
    (grad,) = gate.local_grads(out, x)
    assert math.isclose(grad, exponent * x ** (exponent - 1), rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(grad, central_difference(gate.forward, x), rel_tol=1e-6, abs_tol=1e-7)


def test_pow_of_a_negative_base_by_an_integer_and_at_zero():
    cube = pow_gate(3)
    assert cube.forward(-2.0) == -8.0
    assert cube.local_grads(-8.0, -2.0) == (12.0,)  # 3·(−2)²
    assert cube.local_grads(0.0, 0.0) == (0.0,)
    assert pow_gate(1).local_grads(0.0, 0.0) == (1.0,)
    assert pow_gate(0).local_grads(1.0, 0.0) == (0.0,)
    assert pow_gate(0.5).local_grads(0.0, 0.0) == (math.inf,)  # √x is vertical at 0


# ------------------------------------------------------------------------------------------------
# Invalid inputs: a GateError naming the gate and the input
# ------------------------------------------------------------------------------------------------

INVALID_CASES = [
    pytest.param(name, xs, id=f"{name}-{xs}")
    for name in GATE_NAMES
    for xs in GATES[name].invalid_inputs
]


def expected_message(gate: Gate, inputs: tuple[Value, ...]) -> str:
    described = ", ".join(f"{v.label} = {v.data!r}" for v in inputs)
    return re.escape(f"{gate.name} gate ({gate.symbol}) with input {described}: ")


@pytest.mark.parametrize(("name", "xs"), INVALID_CASES)
def test_invalid_inputs_raise_a_gate_error_naming_gate_and_input(name, xs):
    gate = GATES[name]
    inputs = labelled(xs)
    with pytest.raises(GateError, match=expected_message(gate, inputs)) as caught:
        _apply(gate, inputs)
    assert type(caught.value) is GateError
    assert caught.value.gate == name
    assert caught.value.inputs == xs
    assert caught.value.labels == tuple(v.label for v in inputs)
    assert "Remedy: " in str(caught.value)
    assert all(v.grad == 0.0 and v.is_leaf for v in inputs)


# How a student reaches each gate from a Value (methods, operators, module functions).
VALUE_FORMS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "exp": Value.exp,
    "log": Value.log,
    "reciprocal": Value.reciprocal,
    "max": Value.max,
    "pow": lambda x: x**3,  # the registered Pow gate has exponent 3
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "sum": lambda *xs: mg.sum(xs),
    "linear": lambda b, *wx: mg.linear(list(wx[::2]), list(wx[1::2]), b),
}


@pytest.mark.parametrize(("name", "count"), [c for c in GATE_CASES if c.values[0] in VALUE_FORMS])
@given(data=st.data())
def test_value_methods_run_the_registered_gate(name, count, data):
    gate = GATES[name]
    xs = draw_inputs(data, gate, count)
    node = VALUE_FORMS[name](*labelled(xs))
    reference = _apply(gate, labelled(xs))
    assert node.gate.name == name
    assert node.data == reference.data
    assert node.local_grads == reference.local_grads
    assert [p.data for p in node.parents] == list(xs)


@pytest.mark.parametrize(("name", "xs"), [c for c in INVALID_CASES if c.values[0] in VALUE_FORMS])
def test_value_methods_raise_the_gate_error_too(name, xs):
    inputs = labelled(xs)
    with pytest.raises(GateError, match=expected_message(GATES[name], inputs)):
        VALUE_FORMS[name](*inputs)


def test_reciprocal_of_zero_names_the_gate_the_label_and_a_remedy():
    with pytest.raises(
        GateError,
        match=r"^reciprocal gate \(1/x\) with input b = 0\.0: 1/x is undefined at x = 0\. "
        r"Remedy: add a small constant to the denominator",
    ):
        Value(0.0, label="b").reciprocal()


def test_an_unlabelled_input_is_named_by_its_value():
    with pytest.raises(GateError, match=r"^log gate \(log\) with input -2\.5: log is only defined"):
        Value(-2.5).log()


# ------------------------------------------------------------------------------------------------
# The engine's inline fast paths equal the gates exactly
# ------------------------------------------------------------------------------------------------

finite = st.floats(-1e100, 1e100, allow_nan=False)


@given(a=finite, b=finite)
def test_inline_add_equals_the_add_gate_exactly(a, b):
    node = Value(a) + Value(b)
    gate = GATES["add"]
    assert node.gate is gate
    assert node.data == gate.forward(a, b)
    assert node.local_grads == gate.local_grads(node.data, a, b)


@given(a=finite, b=finite)
def test_inline_mul_equals_the_mul_gate_exactly(a, b):
    node = Value(a) * Value(b)
    gate = GATES["mul"]
    assert node.gate is gate
    assert node.data == gate.forward(a, b)
    assert node.local_grads == gate.local_grads(node.data, a, b)


@given(b=finite, wx=st.lists(st.tuples(finite, finite), max_size=6))
def test_inline_linear_equals_the_linear_gate_exactly(b, wx):
    weights = [Value(w) for w, _ in wx]
    inputs = [Value(x) for _, x in wx]
    node = mg.linear(weights, inputs, Value(b))
    flat = [b] + [v for pair in wx for v in pair]
    gate = GATES["linear"]
    assert node.gate is gate
    assert node.data == gate.forward(*flat)
    assert node.local_grads == gate.local_grads(node.data, *flat)
    assert [p.data for p in node.parents] == flat
