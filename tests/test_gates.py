"""Every gate in the registry ``microgradpp.GATES``, tested without a test per gate.

For each registered gate: ``forward`` against its ``reference``, ``local_grads`` against central
differences over its ``test_range`` (skipping kinks it declares not ``well_conditioned``), and each
of its ``invalid_inputs`` raising a GateError that names the gate and the input. A new gate gets
all of this by being registered.

The engine writes add, mul and linear out inline for speed; the last tests check those fast paths
give exactly the numbers of ``gates.Add``, ``gates.Mul`` and ``gates.Linear``.
"""

from __future__ import annotations

import decimal
import inspect
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
    "step": Value.step,
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


# ------------------------------------------------------------------------------------------------
# Near the ends of each gate's safe range: local gradients against exact derivatives
# ------------------------------------------------------------------------------------------------
# Central differences cannot check a gate at 1e-200 or 1e150 (the values under- or overflow), so
# the derivatives are worked out exactly here, with 60-digit decimals, and compared with what the
# gate gives. This is how ``x ** 2`` at 1e-200 was found to give 0.0 (true 2e-200) and at 1e154 inf.

D = decimal.Decimal
EXACT = decimal.Context(prec=60, Emax=999_999, Emin=-999_999)


def _exp(x: decimal.Decimal) -> decimal.Decimal:
    return EXACT.exp(x)


EXACT_DERIVATIVES = {  # gate name -> exact ∂out/∂xᵢ as decimals
    "add": lambda a, b: (D(1), D(1)),
    "mul": lambda a, b: (b, a),
    "exp": lambda x: (_exp(x),),
    "reciprocal": lambda x: (EXACT.divide(D(-1), EXACT.multiply(x, x)),),
    "max": lambda a, b: (D(1), D(0)) if a > b else (D(0), D(1)),
    "log": lambda x: (EXACT.divide(D(1), x),),
    "relu": lambda x: (D(1) if x > 0 else D(0),),
    "step": lambda x: (D(0),),
    # both derivatives are even functions; written with e^(−|x|) so nothing overflows
    "tanh": lambda x: (  # 4e^(−2|x|) / (1 + e^(−2|x|))²
        EXACT.divide(4 * _exp(-2 * abs(x)), EXACT.power(1 + _exp(-2 * abs(x)), 2)),
    ),
    "sigmoid": lambda x: (  # e^(−|x|) / (1 + e^(−|x|))²
        EXACT.divide(_exp(-abs(x)), EXACT.power(1 + _exp(-abs(x)), 2)),
    ),
    "softplus": lambda x: (  # σ(x) = 1/(1 + e^(−x)) = e^x/(1 + e^x): exp of −|x|, no overflow
        EXACT.divide(D(1), 1 + _exp(-x)) if x >= 0 else EXACT.divide(_exp(x), 1 + _exp(x)),
    ),
    "sum": lambda *xs: tuple(D(1) for _ in xs),
    "linear": lambda b, *wx: (D(1), *[v for w, x in zip(wx[::2], wx[1::2]) for v in (x, w)]),
    "base_pow": lambda x: (_exp(x * EXACT.ln(D(2))) * EXACT.ln(D(2)),),  # (2ˣ)′ = 2ˣ·ln 2
}

EDGE_INPUTS = {  # gate name -> inputs near the ends of its safe range (every result finite)
    "add": [(1e308, -1e308), (5e-324, 5e-324), (1.7e308, 1e292)],
    "mul": [(1e154, 1e154), (1e-200, 1e-100), (-1.3e308, 1.0), (1e300, 1e-300)],
    "exp": [(709.78,), (-745.0,), (-700.0,), (1e-300,), (50.0,)],
    "reciprocal": [(1e-154,), (1e154,), (-1e-308,), (1e300,), (5e-300,)],
    "max": [(1e308, -1e308), (5e-324, 0.0), (-1e-300, -1e300)],
    "log": [(1e-308,), (1.7e308,), (1e-100,), (5e-324,)],
    "relu": [(5e-324,), (-5e-324,), (1e308,)],
    "step": [(5e-324,), (-5e-324,), (1e308,), (-1e308,)],
    "tanh": [(1e-300,), (-1e-200,), (19.0,), (-25.0,), (1e300,)],
    "sigmoid": [(-700.0,), (-745.0,), (40.0,), (1e-300,), (1e300,), (-1e300,)],
    "softplus": [(-745.0,), (-700.0,), (40.0,), (1e-300,), (1e300,), (-1e300,)],
    "sum": [(1e308, -1e308, 1e307), (5e-324, 5e-324)],
    "linear": [(1.0, 1e154, 1e154), (0.0, 1e-200, 1e-100, 1e200, 1e-300)],
    "base_pow": [(1023.0,), (-1074.0,), (-1000.0,), (1e-300,), (0.5,)],
}

POW_EDGE_INPUTS = {  # exponent -> inputs
    2: [(1e-200,), (1e154,), (-1e154,), (1e-300,), (5e-324,)],
    3: [(1e-150,), (5e102,), (-5e102,), (1e-110,)],
    -1: [(1e-154,), (1e300,), (-1e-154,)],
    -2: [(1e-100,), (1e-103,), (1e200,)],
    0.5: [(1e-300,), (1e300,), (5e-324,)],
    2.5: [(1e-120,), (1e120,)],
    1: [(1e-300,), (1e308,)],
}
# tanh and sigmoid flatten out: 1 − out² and out·(1 − out) lose everything below the last bit of
# 1.0 (tanh(19) rounds to 1.0, so the gate says 0 where the truth is 1.1e-16). That absolute error
# is accepted for them; every other gate must be right to 12 digits wherever the truth is a float.
SATURATING = {"tanh": 2.3e-16, "sigmoid": 2.3e-16}


def check_against_exact(gate: Gate, xs: tuple[float, ...], exact: tuple) -> None:
    out = gate.forward(*xs)
    assert math.isfinite(out)
    grads = gate.local_grads(out, *xs)
    assert len(grads) == len(exact)
    for i, (grad, truth) in enumerate(zip(grads, exact)):
        where = f"∂{gate.name}/∂x{i} at {xs}: the gate gives {grad!r}, the truth is {truth:.6e}"
        size = abs(truth)
        if size > D("1.7976931348623157e308"):  # beyond a float: inf of the right sign
            assert math.isinf(grad) and (grad > 0) == (truth > 0), where
        elif size < D("1e-300"):  # at the bottom of the range: (nearly) zero is the best we get
            assert abs(grad) <= 1e-299, where
        else:
            error = abs(D(grad) - truth)
            assert error <= size * D("1e-12") or error <= D(SATURATING.get(gate.name, 0)), where


@pytest.mark.parametrize(
    ("name", "xs"),
    [pytest.param(n, xs, id=f"{n}-{xs}") for n in EDGE_INPUTS for xs in EDGE_INPUTS[n]],
)
def test_local_grads_are_exact_near_the_ends_of_the_safe_range(name, xs):
    gate = GATES[name]
    check_against_exact(gate, xs, EXACT_DERIVATIVES[name](*(D(x) for x in xs)))


def test_every_gate_is_probed_near_the_ends_of_its_range():
    assert set(EDGE_INPUTS) | {"pow"} >= set(GATES)  # a new gate: add its edge inputs above


@pytest.mark.parametrize(
    ("n", "xs"),
    [pytest.param(n, xs, id=f"pow{n}-{xs}") for n in POW_EDGE_INPUTS for xs in POW_EDGE_INPUTS[n]],
)
def test_pow_local_grads_are_exact_near_the_ends_of_the_safe_range(n, xs):
    (x,) = xs
    exact = EXACT.multiply(D(n), EXACT.power(D(x), D(n) - 1))  # n·xⁿ⁻¹
    check_against_exact(pow_gate(n), xs, (exact,))


def test_the_square_of_a_tiny_or_a_huge_value_has_the_right_gradient():
    for x, expected in ((1e-200, 2e-200), (1e154, 2e154)):  # n·xⁿ/x gave 0.0 and inf here
        v = Value(x)
        square = v**2
        square.backward()
        assert v.grad == expected
        w = Value(x)  # x * x agrees
        (w * w).backward()
        assert w.grad == expected


def test_the_pow_gate_cache_stays_bounded():
    from microgradpp import gates

    pow_gate.cache_clear()
    x = Value(1.5)
    for i in range(5 * gates.POW_CACHE_SIZE):
        x ** (1 + i / 1e6)
    assert pow_gate.cache_info().currsize == gates.POW_CACHE_SIZE
    assert pow_gate(2.0) is pow_gate(2.0)  # recently used exponents still share one gate
    assert (x**2).gate is (Value(3.0) ** 2).gate


def test_the_sum_gate_adds_left_to_right_on_every_python():
    """One rounding per +, like a chain of add gates; built-in sum() compensates from 3.12 on."""
    assert GATES["sum"].forward(1e16, 1.0, -1e16) == (1e16 + 1.0) - 1e16 == 0.0
    assert GATES["sum"].forward(0.1, 0.2, 0.3) == (0.1 + 0.2) + 0.3 == 0.6000000000000001


# -- every gate class reads in one order: math, numpy, words -------------------------------------

METHOD_GROUPS = {
    "__init__": "setup",
    "forward": "math",
    "local_grads": "math",
    "well_conditioned": "math",
    "forward_array": "numpy",
    "local_grads_array": "numpy",
    "expression": "words",
    "local_symbol": "words",
    "explain": "words",
    "folded_symbol": "words",
    "overflow": "words",
    "infinite_derivative": "words",
    "__repr__": "words",
}
"""Where each method of a gate belongs: its math (forward, local gradients; any other method whose
name starts with ``local_grad`` and is not a numpy form counts as math too), then its numpy form
for compiled mode, then its words (notation, caption, error hints)."""
GROUP_ORDER = ("setup", "math", "numpy", "words")


def method_group(name: str) -> str:
    if name in METHOD_GROUPS:
        return METHOD_GROUPS[name]
    if name.startswith("local_grad") and not name.endswith("_array"):
        return "math"
    raise AssertionError(f"gates.py: put the method {name!r} in a group in METHOD_GROUPS")


def gate_classes() -> list[type[Gate]]:
    import microgradpp.gates as gates_module

    return [
        cls
        for cls in vars(gates_module).values()
        if isinstance(cls, type)
        and issubclass(cls, Gate)
        and cls.__module__ == gates_module.__name__
    ]


def methods_of(cls: type) -> list[str]:
    """The methods a class body defines, in the order written (``reference`` is data: a
    function the tests call, not a method of the gate)."""
    return [name for name, member in vars(cls).items() if inspect.isfunction(member)]


def test_every_gate_class_is_written_math_first_then_numpy_then_words():
    classes = gate_classes()
    assert {type(gate) for gate in GATES.values()} <= set(classes)
    out_of_order = []
    for cls in classes:
        methods = methods_of(cls)
        groups = [GROUP_ORDER.index(method_group(name)) for name in methods]
        if groups != sorted(groups):
            out_of_order.append(f"{cls.__name__}: {', '.join(methods)}")
    assert out_of_order == []


def test_the_base_gate_says_what_every_method_a_gate_writes_computes():
    # a new gate is written from these: each says what it returns (forward: out = f(x₁, …, xₙ),
    # local_grads: ∂out/∂xᵢ for every input)
    undocumented = [
        name
        for name in methods_of(Gate)
        if not name.startswith("__") and not (inspect.getdoc(getattr(Gate, name)) or "").strip()
    ]
    assert undocumented == []
    assert "∂out/∂x₁" in inspect.getdoc(Gate.local_grads)
    assert "out = f(x₁, …, xₙ)" in inspect.getdoc(Gate.forward)


def test_the_order_check_sees_a_class_out_of_order():
    class WordsFirst(Gate):
        def expression(self, inputs):  # words before the math
            return "w"

        def forward(self, x):
            return x

    names = methods_of(WordsFirst)
    assert names == ["expression", "forward"]
    groups = [GROUP_ORDER.index(method_group(name)) for name in names]
    assert groups != sorted(groups)
    with pytest.raises(AssertionError, match="'softmax_words'"):
        method_group("softmax_words")
    assert method_group("local_grads_graph") == "math"  # a differentiable local-gradient form


def test_the_numpy_forms_refusals_are_said_in_chinese():
    np = pytest.importorskip("numpy")
    from microgradpp.errors import DomainError
    from microgradpp.gates import base_pow_gate, pow_gate
    from microgradpp.i18n import translated

    cases = [
        (lambda: GATES["exp"].forward_array(np.array([1.0, 800.0])),
         "exp overflows a float (the largest input is 709.78)", "exp 超出了浮點數的範圍（最大的輸入是 709.78）"),
        (lambda: GATES["reciprocal"].forward_array(np.array([0.0])),
         "1/x is undefined at x = 0", "1/x 在 x = 0 沒有定義"),
        (lambda: GATES["log"].forward_array(np.array([-1.0])),
         "log is only defined for x > 0", "log 只在 x > 0 時有定義"),
        (lambda: pow_gate(-1.0).forward_array(np.array([0.0])), "0 ** -1.0 is a division by zero", "0 ** -1.0 是除以零"),
        (lambda: pow_gate(0.5).forward_array(np.array([-1.0])),
         "a negative base to a fractional power is not real (** 0.5)", "負數的分數次方不是實數（** 0.5）"),
        (lambda: pow_gate(3.0).forward_array(np.array([1e200])), "x ** 3.0 overflows a float", "x ** 3.0 超出了浮點數的範圍"),
        (lambda: base_pow_gate(2.0).forward_array(np.array([2000.0])), "2 ** x overflows a float", "2 ** x 超出了浮點數的範圍"),
    ]  # fmt: skip
    for make, english, hant in cases:
        with pytest.raises(DomainError) as caught:
            make()
        assert (str(caught.value), translated(caught.value, "zh-Hant")) == (english, hant)
    assert translated(caught.value, "zh-Hans") == "2 ** x 超出了浮点数的范围"
    with pytest.raises(ValueError) as refused:
        base_pow_gate(-2.0)
    assert translated(refused.value, "zh-Hant") == "b ** x 的底數 b 必須是正數，收到的是 -2.0"
