"""The engine: Value, operators, backward, no_grad, topological order, and bad input.

Numbers in the assertions are worked out by hand in the comments beside them.
"""

from __future__ import annotations

import copy
import gc
import inspect
import math
import os
import pickle
import random
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

import microgradpp as mg
from microgradpp import GateError, GradientError, Value, no_grad, topological_order
from microgradpp.i18n import translated

# ------------------------------------------------------------------------------------------------
# Making a Value: only finite real numbers
# ------------------------------------------------------------------------------------------------


BAD_OPERANDS = [
    ("2.0", "str"),
    (None, "NoneType"),
    (1 + 2j, "complex"),
    ([1.0], "list"),
    (True, "bool"),
]


@pytest.mark.parametrize(("bad", "type_name"), BAD_OPERANDS)
def test_value_of_a_non_number_is_a_type_error_naming_the_type(bad, type_name):
    with pytest.raises(TypeError, match=rf"^Value data must be a real number .* got {type_name}: "):
        Value(bad)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_value_of_nan_or_inf_is_a_value_error(bad):
    with pytest.raises(ValueError, match=rf"^Value data must be finite, got {bad!r}$"):
        Value(bad)


VALUE_FIRST = {
    "x+o": lambda x, o: x + o,
    "x*o": lambda x, o: x * o,
    "x-o": lambda x, o: x - o,
    "x/o": lambda x, o: x / o,
    "x.max(o)": lambda x, o: x.max(o),
    "max(o,x)": lambda x, o: mg.max(o, x),
}


@pytest.mark.parametrize(
    ("op", "bad", "type_name"),
    [
        pytest.param(VALUE_FIRST[name], bad, type_name, id=f"{name}-{type_name}")
        for name in VALUE_FIRST
        for bad, type_name in BAD_OPERANDS
        # x * "2.0" and x * [1.0]: Python asks the str/list to repeat itself, and words the error
        # its own way ("can't multiply sequence by non-int of type 'Value'")
        if not (name == "x*o" and type_name in ("str", "list"))
    ],
)
def test_operators_with_a_non_number_are_type_errors_naming_the_type(op, bad, type_name):
    with pytest.raises(TypeError, match=rf"\b{type_name}\b"):
        op(Value(2.0), bad)


# (str and list on the left of * or + get Python's own sequence messages, so they are left out)
@pytest.mark.parametrize(
    ("bad", "type_name"), [b for b in BAD_OPERANDS if b[1] not in ("str", "list")]
)
@pytest.mark.parametrize(
    "op",
    [lambda x, o: o + x, lambda x, o: o * x, lambda x, o: o - x, lambda x, o: o / x],
    ids=["o+x", "o*x", "o-x", "o/x"],
)
def test_a_non_number_on_the_left_is_a_type_error_naming_the_type(op, bad, type_name):
    with pytest.raises(
        TypeError, match=rf"^unsupported operand type\(s\) for .: '{type_name}' and 'Value'$"
    ):
        op(Value(2.0), bad)


def test_dividing_by_a_non_number_and_methods_name_the_type():
    x = Value(2.0)
    with pytest.raises(
        TypeError, match=r"^unsupported operand type\(s\) for /: 'Value' and 'str'$"
    ):
        x / "a"
    with pytest.raises(
        TypeError, match=r"^max needs a Value or a real number, got NoneType: None$"
    ):
        x.max(None)
    with pytest.raises(TypeError, match=r"^max needs a Value or a real number, got list: \[1\]$"):
        mg.max([1], x)
    with pytest.raises(TypeError, match=r"^sum needs a Value or a real number, got str: 'a'$"):
        mg.sum([x, "a"])
    with pytest.raises(TypeError, match=r"^exponent must be a real number .* got complex: 1j$"):
        x**1j
    with pytest.raises(ValueError, match=r"^exponent must be finite, got nan$"):
        x**math.nan


def test_an_int_too_large_for_a_float_is_a_value_error():
    with pytest.raises(ValueError, match=r"^Value data must be finite, got an int too large"):
        Value(10**400)
    with pytest.raises(ValueError, match=r"^Value data must be finite, got an int too large"):
        Value(1.0) + 10**400
    with pytest.raises(ValueError, match=r"^exponent must be finite, got an int too large"):
        Value(1.0) ** 10**400


def test_a_value_keeps_its_label_and_a_number_becomes_a_float():
    x = Value(3, label="x")
    assert x.data == 3.0 and type(x.data) is float
    assert x.grad == 0.0 and type(x.grad) is float
    assert x.label == "x" and x.parents == () and x.local_grads == () and x.gate is None
    assert x.is_leaf
    assert repr(x) == "Value(data=3.0, grad=0.0, label='x')"
    assert repr(x * 2) == "Value(data=6.0, grad=0.0, gate=mul)"
    assert float(x) == 3.0


# ------------------------------------------------------------------------------------------------
# Operators with numbers on either side
# ------------------------------------------------------------------------------------------------


def grad_of(build, at: float) -> tuple[float, float]:
    """(f(x), f'(x)) for f = build(x) at x = at, by backward()."""
    x = Value(at, label="x")
    f = build(x)
    f.backward()
    return f.data, x.grad


@pytest.mark.parametrize(
    ("build", "value", "grad"),
    [
        (lambda x: x + 2, 5.0, 1.0),
        (lambda x: 2 + x, 5.0, 1.0),
        (lambda x: x * 2, 6.0, 2.0),
        (lambda x: 2 * x, 6.0, 2.0),
        (lambda x: x - 2, 1.0, 1.0),
        (lambda x: 3 - x, 0.0, -1.0),
        (lambda x: -x, -3.0, -1.0),
        (lambda x: x / 4, 0.75, 0.25),
        (lambda x: 1 / x, 1 / 3, -1 / 9),  # d/dx 1/x = -1/x²
        (lambda x: x**3, 27.0, 27.0),  # 3x² = 27
        (lambda x: x**-1, 1 / 3, -1 / 9),
        (lambda x: x**0.5, math.sqrt(3), 0.5 / math.sqrt(3)),
        (lambda x: x / x, 1.0, 0.0),  # x·(1/x): 1/x + x·(−1/x²) = 0
        (lambda x: x - x, 0.0, 0.0),
    ],
)
def test_operators_with_numbers_on_either_side_at_x_equals_3(build, value, grad):
    f, dfdx = grad_of(build, 3.0)
    assert math.isclose(f, value, rel_tol=1e-15)
    assert math.isclose(dfdx, grad, rel_tol=1e-15, abs_tol=1e-15)


def test_two_to_the_x_is_one_gate_with_an_exact_power():
    f, dfdx = grad_of(lambda x: 2**x, 3.0)
    assert f == 8.0  # Python's 2.0 ** 3.0, not exp(3 · ln 2) = 7.999999999999998
    assert dfdx == 8.0 * math.log(2.0)  # d/dx 2ˣ = 2ˣ·ln 2


@pytest.mark.parametrize("base", [0, -2, -0.5])
def test_a_number_to_the_x_needs_a_positive_base(base):
    with pytest.raises(
        GateError,
        match=rf"^base_pow gate \(bˣ\) with input x = 2\.0: base \*\* x needs base > 0, got "
        rf"base = {float(base)!r}\. Remedy: ",
    ):
        base ** Value(2.0, label="x")


def test_a_value_exponent_is_a_type_error_with_the_way_out():
    x, y = Value(2.0), Value(3.0)
    with pytest.raises(
        TypeError,
        match=r"^x \*\* y needs a constant number y; for a Value exponent write \(y \* x\.log\(\)\)\.exp\(\)$",
    ):
        x**y


def test_the_operators_build_the_documented_circuits():
    a, b = Value(6.0, label="a"), Value(3.0, label="b")
    difference = a - b  # a + (b · −1)
    assert difference.gate.name == "add" and difference.parents[0] is a
    assert difference.parents[1].gate.name == "mul" and difference.parents[1].parents[0] is b
    quotient = a / b  # a · (1/b)
    assert quotient.gate.name == "mul" and quotient.parents[0] is a
    assert quotient.parents[1].gate.name == "reciprocal" and quotient.parents[1].parents == (b,)
    negated = -a  # a · (−1)
    assert negated.gate.name == "mul" and negated.parents[1].data == -1.0


def test_comparisons_compare_data():
    x = Value(2.0)
    assert x < 3 and x <= 2 and x > 1 and x >= 2 and x < Value(2.5)
    assert Value(2.0) != Value(2.0)  # nodes are compared by identity
    assert len({Value(1.0), Value(1.0)}) == 2


# ------------------------------------------------------------------------------------------------
# Backward: reuse, constants, repeated calls, seeds
# ------------------------------------------------------------------------------------------------


def test_a_plus_a_keeps_two_edges_and_gets_gradient_two():
    a = Value(3.0, label="a")
    f = a + a
    assert f.parents == (a, a)
    f.backward()
    assert a.grad == 2.0


def test_a_times_a_gets_gradient_two_a():
    a = Value(3.0, label="a")
    f = a * a
    f.backward()
    assert f.data == 9.0
    assert a.grad == 6.0  # d/da a² = 2a


def test_a_diamond_sums_the_gradients_of_both_paths():
    a = Value(3.0, label="a")
    b = a * 2.0  # 6
    c = a + 1.0  # 4
    d = b * c  # 24 = 2a(a+1) = 2a² + 2a
    d.backward()
    assert d.data == 24.0
    assert b.grad == 4.0 and c.grad == 6.0  # ∂d/∂b = c, ∂d/∂c = b
    assert a.grad == 14.0  # 4a + 2 = 14: 2·c (via b) + 1·b (via c) = 8 + 6


def test_numbers_become_constant_leaves_that_also_get_a_gradient():
    x = Value(4.0, label="x")
    f = x * 3
    constant = f.parents[1]
    assert constant.data == 3.0 and constant.is_leaf and constant.gate is None
    assert constant.label == ""
    f.backward()
    assert x.grad == 3.0 and constant.grad == 4.0


def test_repeated_backward_recomputes_intermediates_and_accumulates_leaves():
    x, y, w = Value(2.0, label="x"), Value(-3.0, label="y"), Value(0.5, label="w")
    q = x * y  # -6
    f = q.tanh() * w  # ∂f/∂q = w·(1 - tanh²(-6))
    f.backward()
    first = (f.grad, q.grad, x.grad, y.grad, w.grad)
    f.backward()
    assert (f.grad, q.grad) == first[:2]  # intermediates: the same numbers again
    assert (x.grad, y.grad, w.grad) == tuple(2 * g for g in first[2:])  # leaves: accumulated
    assert q.grad == 0.5 * (1.0 - math.tanh(-6.0) ** 2)
    assert w.grad == 2 * math.tanh(-6.0)


def test_zero_grad_zeroes_every_node_of_the_graph():
    x, y = Value(2.0), Value(-3.0)
    f = (x * y + x).exp()
    f.backward()
    assert x.grad != 0.0
    f.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(f))
    f.backward()
    assert x.grad == (-3.0 + 1.0) * math.exp(-4.0)  # (y + 1)·e^(xy + x)


def test_backward_with_a_seed_scales_every_gradient():
    x = Value(3.0)
    f = x * x
    f.backward(2.5)
    assert f.grad == 2.5 and x.grad == 15.0  # 2.5 · 2x
    with pytest.raises(ValueError, match=r"^grad must be finite, got nan$"):
        f.backward(math.nan)
    with pytest.raises(TypeError, match=r"^grad must be a real number .* got str"):
        f.backward("1")
    assert x.grad == 15.0  # a rejected seed changes nothing


def test_backward_on_a_leaf_gives_it_the_seed():
    x = Value(1.5)
    x.backward()
    assert x.grad == 1.0


# ------------------------------------------------------------------------------------------------
# no_grad
# ------------------------------------------------------------------------------------------------


def test_no_grad_builds_no_graph():
    x = Value(2.0)
    with no_grad():
        assert not mg.is_grad_enabled()
        y = (x * 3 + 1).tanh()
        s = mg.sum([x, y])
        lin = mg.linear([x], [y], x)
    assert mg.is_grad_enabled()
    for node in (y, s, lin):
        assert node.parents == () and node.local_grads == () and node.gate is None
    assert y.data == math.tanh(7.0)
    for node in (y, s, lin):  # nothing leads back to x: saying so, not leaving every grad at 0
        with pytest.raises(mg.NoGradError, match=r"^backward\(\) on the Value .*, which a gate "):
            node.backward()
    assert x.grad == 0.0 and y.grad == 0.0


def test_backward_on_a_value_computed_in_no_grad_says_so_in_each_form_of_node() -> None:
    """A leaf made by a gate inside no_grad() is refused (each way a node is built: +, ×, a
    one-input gate, an n-input gate, a composite); a leaf of the user's, outside or inside the
    block, and a graph built outside but differentiated inside, still work (as PyTorch)."""
    x = Value(2.0, "x")
    with no_grad():
        made = [x + 1, x * 3, x.exp(), mg.sum([x, x, x]), x - 1, x / 2, x.sigmoid(), x**2]
        leaf = Value(5.0, "c")
    for node in made:
        with pytest.raises(mg.NoGradError) as raised:
            node.backward()
        assert "kept no inputs, so no gradient can flow back: every one would be 0" in str(
            raised.value
        )
        assert isinstance(raised.value, RuntimeError)
        assert copy.deepcopy(node).parents == ()
        with pytest.raises(mg.NoGradError):
            pickle.loads(pickle.dumps(node)).backward()
    assert x.grad == 0.0
    leaf.backward()  # a Value you made is an input: ∂c/∂c = 1
    assert leaf.grad == 1.0
    y = x * x
    with no_grad():
        y.backward()  # the graph was built outside: backward works inside
    assert x.grad == 4.0


def test_no_grad_nests_and_is_restored_after_an_exception():
    with no_grad():
        with no_grad():
            assert not mg.is_grad_enabled()
        assert not mg.is_grad_enabled()  # leaving the inner block keeps the outer one
    assert mg.is_grad_enabled()
    with pytest.raises(GateError):
        with no_grad():
            Value(0.0).log()
    assert mg.is_grad_enabled()
    assert (Value(1.0) * 2).parents != ()


# ------------------------------------------------------------------------------------------------
# Scale: a million nodes, no recursion, no reference cycles
# ------------------------------------------------------------------------------------------------


def test_a_chain_of_a_million_nodes_runs_backward_and_is_freed():
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()  # freeing must not need the cyclic garbage collector
    try:
        blocks_before = sys.getallocatedblocks()
        x, one = Value(1.0, label="x"), Value(1.0, label="one")
        y = x
        for _ in range(1_000_000):
            y = y + one  # depth 1,000,000: a recursive sort would hit the recursion limit
        y.backward()
        assert y.data == 1_000_001.0
        assert x.grad == 1.0 and one.grad == 1_000_000.0
        assert sys.getallocatedblocks() - blocks_before > 2_000_000
        del x, y, one  # deallocating a deep chain must not overflow the stack either
        assert sys.getallocatedblocks() - blocks_before < 20_000
    finally:
        if gc_was_enabled:
            gc.enable()


def build_every_gate(x: Value, y: Value) -> Value:
    """A graph that uses every gate and operator once, with reuse."""
    a = x * y + x  # mul, add
    b = (a / 3 - y).exp()  # reciprocal (of a constant), sub, neg, exp
    c = mg.max(a, y).relu() + x.tanh() + y.sigmoid()
    d = mg.linear([x, y], [a, b], c) + mg.sum([a, b, c]) + (x * x).log() + x**3 + 2**y
    return d * (1 / y)


def test_no_reference_cycles_a_graph_is_freed_without_the_garbage_collector():
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep whatever the collector finds, to inspect it
    try:
        x, y = Value(0.5, label="x"), Value(-1.5, label="y")
        f = build_every_gate(x, y)
        f.backward()
        order = topological_order(f)
        f.zero_grad()
        del x, y, f, order
        gc.collect()
        ours = [
            obj
            for obj in gc.garbage
            if isinstance(obj, Value)
            or (isinstance(obj, (tuple, list)) and any(isinstance(o, Value) for o in obj))
        ]
        assert ours == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if gc_was_enabled:
            gc.enable()


# ------------------------------------------------------------------------------------------------
# Determinism
# ------------------------------------------------------------------------------------------------


def test_the_topological_order_is_the_same_every_time():
    def labels() -> list[str]:
        x, y = Value(0.5, label="x"), Value(-1.5, label="y")
        f = build_every_gate(x, y)
        for i, node in enumerate(topological_order(f)):
            node.label = node.label or f"n{i}"
        # name each node by its label and its parents' labels: the structure, not id()
        return [f"{n.label}<-{','.join(p.label for p in n.parents)}" for n in topological_order(f)]

    assert labels() == labels()


DETERMINISM_SCRIPT = (
    "import microgradpp as mg\nfrom microgradpp import Value\n\n"
    + inspect.getsource(build_every_gate)
    + textwrap.dedent(
        """
        x, y = Value(0.5, label="x"), Value(-1.5, label="y")
        f = build_every_gate(x, y)
        f.backward()
        for node in mg.topological_order(f):
            print(node.gate.name if node.gate else "leaf", node.data.hex(), node.grad.hex())
        """
    )
)


def test_the_same_program_gives_the_same_bits_in_two_processes():
    outputs = [
        subprocess.run(
            [sys.executable, "-c", DETERMINISM_SCRIPT],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) >= 30  # every gate of build_every_gate, and its leaves


# ------------------------------------------------------------------------------------------------
# The topological order: every node once, after its parents, root last
# ------------------------------------------------------------------------------------------------


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[Value, set[int]]:
    """A random DAG with reuse: each new node combines earlier nodes (any of them, even twice)."""
    leaves = draw(st.integers(1, 4))
    nodes = [Value(float(i), label=f"x{i}") for i in range(leaves)]
    for _ in range(draw(st.integers(0, 25))):
        pick = st.integers(0, len(nodes) - 1)
        kind = draw(st.sampled_from(["add", "mul", "tanh", "sum"]))
        if kind == "tanh":
            nodes.append(nodes[draw(pick)].tanh())
        elif kind == "sum":
            nodes.append(mg.sum([nodes[i] for i in draw(st.lists(pick, min_size=1, max_size=4))]))
        else:
            a, b = nodes[draw(pick)], nodes[draw(pick)]
            try:
                nodes.append(a + b if kind == "add" else a * b)
            except GateError:  # repeated squaring overflowed: not the graph we want
                reject()
    root = nodes[-1]
    reachable, stack = {id(root)}, [root]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in reachable:
                reachable.add(id(parent))
                stack.append(parent)
    return root, reachable


@given(random_graphs())
def test_topological_order_lists_each_node_once_after_its_parents(graph):
    root, reachable = graph
    order = topological_order(root)
    assert order[-1] is root
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order)  # each node once
    assert set(position) == reachable  # every node of the graph, nothing else
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]


# ------------------------------------------------------------------------------------------------
# Errors: a clear message, nothing half-done
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Value(710.0, label="z").exp(), r"^exp gate \(exp\) with input z = 710\.0: exp"),
        (lambda: Value(0.0, label="p").log(), r"^log gate \(log\) with input p = 0\.0: log is"),
        (lambda: Value(-1.0, label="p").log(), r"^log gate \(log\) with input p = -1\.0: log is"),
        (lambda: 1 / Value(0.0, label="d"), r"^reciprocal gate \(1/x\) with input d = 0\.0: 1/x"),
        (lambda: Value(1.0, label="n") / 0, r"^reciprocal gate \(1/x\) with input 0\.0: 1/x"),
        (
            lambda: Value(-8.0, label="a") ** (1 / 3),
            r"^pow gate \(\*\*0\.3333333333333333\) with input a = -8\.0: a negative base",
        ),
        (
            lambda: Value(1e200, label="a") * Value(1e200, label="b"),
            r"^mul gate \(×\) with input a = 1e\+200, b = 1e\+200: 1e\+200 × 1e\+200 is beyond",
        ),
    ],
)
def test_results_that_are_not_finite_reals_raise_a_gate_error_with_a_remedy(build, message):
    with pytest.raises(GateError, match=message) as caught:
        build()
    assert type(caught.value) is GateError
    assert "Remedy: " in str(caught.value)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Value(1000.0).exp(),
            "exp gate (exp) with input 1000.0: exp(1000.0) overflows a float (the largest input "
            "is 709.78). Remedy: keep the input of exp at most 709.78 (e^709.78 is the largest "
            "float, about 1.8e308): scale it down, or subtract the largest input first, "
            "exp(x − m) = exp(x) / exp(m), as a stable softmax does",
        ),
        (
            lambda: Value(1e200, label="a") * Value(1e200, label="b"),
            "mul gate (×) with input a = 1e+200, b = 1e+200: 1e+200 × 1e+200 is beyond the "
            "largest float (about 1.8e308). Remedy: keep |a·b| below 1.8e308: scale the inputs "
            "down (measure in other units), or add their logarithms instead of multiplying them "
            "(log a + log b)",
        ),
        (
            lambda: Value(1e308) + Value(1e308),
            "add gate (+) with input 1e+308, 1e+308: 1e+308 + 1e+308 is beyond the largest float "
            "(about 1.8e308). Remedy: keep |a + b| below 1.8e308: scale the inputs down "
            "(measure in other units)",
        ),
        (
            lambda: Value(1e300, label="x") ** 2,
            "pow gate (**2) with input x = 1e+300: (1e+300) ** 2.0 overflows a float. Remedy: "
            "keep |x| below 1.341e+154 (where |x| ** 2 reaches the largest float, about 1.8e308)",
        ),
        (
            lambda: Value(1e-200) ** -2,
            "pow gate (**-2) with input 1e-200: (1e-200) ** -2.0 overflows a float. Remedy: keep "
            "|x| above 7.458e-155 (where |x| ** -2 reaches the largest float, about 1.8e308)",
        ),
        (
            lambda: 2 ** Value(2000.0),
            "base_pow gate (2ˣ) with input 2000.0: 2 ** 2000.0 overflows a float. Remedy: keep x "
            "below 1024 (where 2 ** x reaches the largest float, about 1.8e308)",
        ),
        (
            lambda: Value(1e-320).reciprocal(),
            "reciprocal gate (1/x) with input 1e-320: 1/1e-320 is beyond the largest float (about "
            "1.8e308). Remedy: keep |x| at least 5.6e-309 (1/1.8e308): add a small constant to "
            "the denominator (x + 1e-12) or find out what drove it so close to zero",
        ),
        (
            lambda: mg.sum([Value(1e308)] * 3),
            "sum gate (Σ) with input 1e+308, 1e+308, 1e+308: the sum of these 3 inputs is beyond "
            "the largest float (about 1.8e308). Remedy: keep the inputs smaller in size, e.g. "
            "scale them down (measure in other units)",
        ),
    ],
)
def test_a_gate_used_directly_says_what_overflowed_and_how_to_keep_its_input_in_range(
    build, message
):
    with pytest.raises(GateError) as caught:
        build()
    assert type(caught.value) is GateError
    assert str(caught.value) == message
    assert caught.value.overflow
    assert "learning rate" not in message  # no training is going on


def test_a_domain_error_is_not_an_overflow_and_keeps_its_remedy():
    with pytest.raises(GateError) as caught:
        Value(0.0, label="p").log()
    assert not caught.value.overflow
    assert str(caught.value) == (
        "log gate (log) with input p = 0.0: log is only defined for x > 0, got x = 0.0. Remedy: "
        "clamp the input away from zero (x.max(1e-12)), or for probabilities use the stable "
        "losses binary_cross_entropy_with_logits / cross_entropy"
    )
    assert caught.value.problem.endswith("got x = 0.0")
    renamed = caught.value.with_remedy("choose other values")
    assert type(renamed) is GateError and str(renamed).endswith(". Remedy: choose other values")
    assert (renamed.gate, renamed.inputs, renamed.labels) == ("log", (0.0,), ("p",))


def count_values() -> int:
    return sum(type(obj) is Value for obj in gc.get_objects())  # type(): no __class__ lookups


def test_a_gate_error_leaves_no_half_built_graph():
    x = Value(0.0, label="x")
    big = Value(1e200, label="big")
    gc.collect()  # free leftovers of earlier tests now, not in the middle of the count
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = count_values()
        for fails in (x.reciprocal, x.log, lambda: big * big, lambda: big.exp(), lambda: big**2):
            try:
                fails()
            except GateError:
                pass
            else:  # pragma: no cover
                pytest.fail("expected a GateError")
        assert count_values() == before  # not one node was made
    finally:
        if gc_was_enabled:
            gc.enable()
    assert x.is_leaf and big.is_leaf and x.grad == 0.0 and big.grad == 0.0


def test_an_overflowing_gradient_raises_and_restores_every_gradient_exactly():
    t = Value(1e-160, label="t")  # 1/t = 1e160 is fine, but d(1/t)/dt = -1/t² = -1e320 is not
    w, a = Value(2.0, label="w"), Value(3.0, label="a")
    f = t.reciprocal() * 1e-150 + w * a  # 1e10 + 6
    nodes = topological_order(f)
    for i, node in enumerate(nodes):  # gradients left over from earlier work
        node.grad = 0.125 * (i + 1)
    before = [node.grad for node in nodes]
    with pytest.raises(
        GradientError,
        match=r"^backward: the gradient of t = 1e-160 came out -inf; all gradients were restored\. "
        r"A gradient is the product of the local derivatives along the paths from the output "
        r"\(times the seed\), and this one grew beyond the largest float \(about 1\.8e308\)\. "
        r"Remedy: keep the inputs where the gates' derivatives are moderate, or scale the output "
        r"\(or the seed\) down\.$",
    ):
        f.backward()
    assert [node.grad for node in nodes] == before


def test_a_gradient_overflowing_from_a_large_seed_is_caught_too():
    x = Value(1e10, label="x")
    f = x * x  # 1e20, ∂f/∂x = 2e10
    with pytest.raises(GradientError, match=r"the gradient of x = 10000000000\.0 came out inf"):
        f.backward(1e300)
    assert x.grad == 0.0 and f.grad == 0.0


# ------------------------------------------------------------------------------------------------
# max, sum and relu conventions
# ------------------------------------------------------------------------------------------------


def test_max_function_and_method():
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    m = mg.max(a, b)
    assert m.data == 5.0 and m.parents == (a, b) and m.gate.name == "max"
    m.backward()
    assert (a.grad, b.grad) == (0.0, 1.0)  # the max gate routes the gradient to the larger input
    m2 = mg.max(7, a)
    assert m2.data == 7.0 and m2.parents[0].is_leaf
    assert a.max(1.5).data == 2.0


def test_max_on_a_tie_splits_the_gradient_half_and_half():
    a, b = Value(3.0), Value(3.0)
    mg.max(a, b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)


def test_relu_has_derivative_zero_at_zero():
    for x, value, grad in [(0.0, 0.0, 0.0), (-0.0, 0.0, 0.0), (2.0, 2.0, 1.0), (-2.0, 0.0, 0.0)]:
        v = Value(x)
        r = v.relu()
        r.backward()
        assert (r.data, v.grad) == (value, grad)


def test_sum_function():
    xs = [Value(float(i)) for i in range(1, 5)]
    s = mg.sum(xs)
    assert s.data == 10.0 and s.parents == tuple(xs) and s.gate.name == "sum"
    s.backward()
    assert [x.grad for x in xs] == [1.0, 1.0, 1.0, 1.0]
    assert mg.sum(x for x in xs).data == 10.0  # any iterable
    with_numbers = mg.sum([xs[0], 2, 0.5])
    assert with_numbers.data == 3.5
    empty = mg.sum([])
    assert empty.data == 0.0 and empty.is_leaf


def test_linear_checks_its_lengths():
    w, x, b = [Value(1.0), Value(2.0)], [Value(3.0)], Value(0.0)
    with pytest.raises(ValueError, match=r"^linear: 2 weights but 1 inputs$"):
        mg.linear(w, x, b)


def test_linear_is_bias_plus_weighted_sum_with_its_gradients():
    w = [Value(2.0, label="w1"), Value(-3.0, label="w2")]
    x = [Value(-1.0, label="x1"), 4.0]
    b = Value(0.5, label="b")
    out = mg.linear(w, x, b)
    assert out.data == 0.5 + 2.0 * -1.0 + -3.0 * 4.0  # -13.5
    out.backward()
    assert (b.grad, w[0].grad, w[1].grad, x[0].grad) == (1.0, -1.0, 4.0, 2.0)


# ------------------------------------------------------------------------------------------------
# A random expression against its derivative by central differences
# ------------------------------------------------------------------------------------------------


@given(seed=st.integers(0, 10_000))
def test_random_expressions_agree_with_gradcheck(seed):
    from microgradpp.gradcheck import gradcheck

    rng = random.Random(seed)
    unary = [
        lambda v: v.tanh(),
        lambda v: v.sigmoid(),
        lambda v: v.tanh().exp(),
        lambda v: (v * v + 1.0).log(),
        lambda v: 1.0 / (v * v + 1.0),
        lambda v: v.tanh() ** 2,
    ]  # each bounded (or growing like log), so no expression overflows
    binary = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b]
    plan = [
        (rng.randrange(3), rng.randrange(len(unary)), rng.randrange(len(binary))) for _ in range(6)
    ]

    def f(x: Value, y: Value, z: Value) -> Value:
        nodes = [x, y, z]
        for pick, u, b in plan:
            nodes.append(binary[b](unary[u](nodes[-1]), nodes[pick]))
        return nodes[-1].tanh()

    inputs = [rng.uniform(-1.0, 1.0) for _ in range(3)]
    report = gradcheck(f, inputs)
    assert report, str(report)


def test_linear_with_a_number_as_weight_or_bias_names_the_type():
    x = Value(1.0, label="x")
    message = (
        r"^linear needs the weights and the bias as Values \(parameters\), got float; "
        r"wrap them: Value\(0\.5, label='w0'\)$"
    )
    with pytest.raises(TypeError, match=message):
        mg.linear([2.0], [x], Value(0.0))
    with pytest.raises(TypeError, match=message):
        mg.linear([Value(2.0)], [x], 0.0)


def test_a_gate_error_on_a_wide_neuron_lists_only_the_first_inputs():
    big = [Value(1e300, label=f"w{i}") for i in range(16)]
    with pytest.raises(GateError) as caught:
        mg.linear(big, big, Value(0.0, label="b"))
    message = str(caught.value)
    assert message.startswith(
        "linear gate (b+Σwx) with input b = 0.0, w0 = 1e+300, w0 = 1e+300, w1 = 1e+300, "
        "… (33 inputs in all): b + Σ wᵢxᵢ is beyond the largest float (about 1.8e308). Remedy: "
    )
    assert len(caught.value.inputs) == 33  # the attribute keeps them all


def test_apply_gate_runs_any_registered_gate_and_lifts_numbers():
    x = Value(0.5, label="x")
    out = mg.apply_gate(mg.GATES["max"], x, 2.0)
    assert out.data == 2.0 and out.gate is mg.GATES["max"]
    assert out.parents[0] is x and out.parents[1].data == 2.0
    out.backward()
    assert x.grad == 0.0 and out.parents[1].grad == 1.0
    with pytest.raises(TypeError, match=r"^max needs a Value or a real number, got str: 'a'$"):
        mg.apply_gate(mg.GATES["max"], x, "a")


def test_a_number_on_the_left_stays_the_first_input_as_written():
    x = Value(3.0, label="x")
    for node, expected in ((2 + x, 5.0), (2 * x, 6.0)):
        assert node.data == expected
        assert [p.data for p in node.parents] == [2.0, 3.0] and node.parents[1] is x
    with pytest.raises(
        TypeError, match=r"unsupported operand type\(s\) for \+: 'NoneType' and 'Value'"
    ):
        None + x


@pytest.mark.parametrize("bad", [None, "0", [0.0]])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_grad_set_by_hand_to_something_else_than_a_number_is_named_and_nothing_changes(
    bad, create_graph
):
    """``p.grad = None`` is PyTorch's way to reset a gradient; here it was a raw TypeError
    ("unsupported operand type(s) for +=: 'NoneType' and 'float'") with y's and f's gradients
    already written. Now backward() says which .grad and what to do, and changes nothing."""
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    f = x * y + x
    x.grad = bad
    with pytest.raises(TypeError) as caught:
        f.backward(create_graph=create_graph)
    where = "backward(create_graph=True)" if create_graph else "backward"
    assert str(caught.value).startswith(
        f"{where}: the .grad of x = 2.0 is {type(bad).__name__}: {bad!r}, not a number. A gradient"
        " is a number here (a Value after backward(create_graph=True)); zero_grad() starts it"
    )
    assert (x.grad, y.grad, f.grad) == (bad, 0.0, 0.0)
    x.grad = 0.0
    f.backward()
    assert (x.grad, y.grad) == (4.0, 2.0)


def test_the_tables_pictures_and_diagnostics_name_a_grad_that_is_not_a_number():
    """Every reader of a ``.grad``'s number goes through diagnosis.grad_number: after
    ``p.grad = None`` they raised "float() argument must be a string or a real number"."""
    from microgradpp.micrograd import draw_dot
    from microgradpp.nn import MLP
    from microgradpp.tables import node_table
    from microgradpp.train import gradient_flow
    from microgradpp.viz import draw_graph

    model = MLP(2, [2, 1], seed=0)
    out = model([0.5, 1.0])
    out.backward()
    weight = model.parameters()[0]
    weight.grad = None
    for where, call in (
        ("node_table", lambda: node_table(out)),
        ("gradient_flow", lambda: gradient_flow(model)),
        ("draw_graph", lambda: draw_graph(out)),
        ("draw_dot", lambda: draw_dot(out)),
    ):
        with pytest.raises(TypeError) as caught:
            call()
        assert str(caught.value).startswith(
            f"{where}: the .grad of layer1.neuron1.w0 = {weight.data!r} is NoneType: None, not a"
        )


def test_a_grad_that_is_not_a_number_is_said_in_chinese():
    x = Value(2.0, label="x")
    x.grad = None
    with pytest.raises(TypeError) as caught:
        (x * x).backward()
    assert translated(caught.value, "zh-Hant").startswith(
        "backward：x = 2.0 的 .grad 是 NoneType: None，不是數字。這裡的梯度是數字"
    )
    assert translated(caught.value, "zh-Hans").startswith(
        "backward：x = 2.0 的 .grad 是 NoneType: None，不是数字。这里的梯度是数字"
    )


@pytest.mark.parametrize(
    ("x", "value", "slope"), [(-2.5, 2.5, -1.0), (3.0, 3.0, 1.0), (0.0, 0.0, 0.0)]
)
def test_abs_is_max_of_x_and_minus_x(x, value, slope):
    v = Value(x, label="x")
    out = abs(v)
    assert out.gate is mg.GATES["max"]
    out.backward()
    assert (out.data, v.grad) == (value, slope)  # d|x|/dx = sign(x), 0 at the kink


def test_a_number_minus_or_over_a_value_stays_the_first_input():
    x = Value(4.0, label="x")
    difference, quotient = 1 - x, 1 / x
    assert difference.data == -3.0 and quotient.data == 0.25
    assert difference.parents[0].data == 1.0 and difference.parents[1].parents[0] is x
    assert quotient.parents[0].data == 1.0 and quotient.parents[1].gate is mg.GATES["reciprocal"]


# ------------------------------------------------------------------------------------------------
# Engine v2: one object per node, read-only parents / local_grads, creation order
# ------------------------------------------------------------------------------------------------


def test_parents_and_local_grads_are_read_only_tuples():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    product, exp, total = x * y, x.exp(), mg.sum([x, y, x])
    assert product.parents == (x, y) and product.local_grads == (3.0, 2.0)
    assert exp.parents == (x,) and exp.local_grads == (math.exp(2.0),)
    assert total.parents == (x, y, x) and total.local_grads == (1.0, 1.0, 1.0)
    for node in (product, exp, total, x):
        assert type(node.parents) is tuple and type(node.local_grads) is tuple
        with pytest.raises(AttributeError):
            node.parents = ()
        with pytest.raises(AttributeError):
            node.local_grads = ()


def test_a_node_is_one_object_the_garbage_collector_tracks():
    x, y = Value(2.0), Value(3.0)
    gc.collect()
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        nodes = [x * y for _ in range(1000)]
        assert len(gc.get_objects()) - before == 1000 + 1  # the nodes and the list: nothing else
    finally:
        if gc_was_enabled:
            gc.enable()
    assert len(nodes) == 1000


def test_every_node_is_numbered_after_its_parents():
    x = Value(1.0)
    f = (x * 2 + x).tanh() + mg.linear([x], [x * x], x)
    for node in topological_order(f):
        assert all(parent.number < node.number for parent in node.parents)
    order = mg.backward_order(f)
    assert order[0] is f and all(node.parents for node in order)
    assert [n.number for n in order] == sorted((n.number for n in order), reverse=True)


def test_zero_grad_clears_every_node():
    x, y = Value(2.0), Value(3.0)
    f = (x * y).exp() + x
    f.backward()
    f.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(f))


# ------------------------------------------------------------------------------------------------
# Engine v2: no_grad belongs to the thread that enters it
# ------------------------------------------------------------------------------------------------


def test_no_grad_in_one_thread_leaves_another_threads_gradients_alone():
    import threading

    inside, done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def evaluator() -> None:
        with no_grad():
            seen.append(mg.is_grad_enabled())
            inside.set()
            done.wait(timeout=30)  # stay inside no_grad while the main thread builds a graph

    thread = threading.Thread(target=evaluator)
    thread.start()
    try:
        assert inside.wait(timeout=30)
        assert mg.is_grad_enabled()  # this thread is not inside no_grad
        x = Value(3.0, label="x")
        f = x * x + x  # built while the other thread sits in no_grad
        f.backward()
        assert f.parents != () and x.grad == 7.0  # 2x + 1
    finally:
        done.set()
        thread.join()
    assert seen == [False]
    assert mg.is_grad_enabled()


def test_overlapping_no_grad_blocks_in_two_threads_leave_gradients_on():
    import threading

    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with no_grad():
            first_in.set()
            second_in.wait(timeout=30)
        first_out.set()

    def second() -> None:
        first_in.wait(timeout=30)
        with no_grad():
            second_in.set()
            first_out.wait(timeout=30)  # leave after the first thread left

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mg.is_grad_enabled()
    assert (Value(1.0) * 2).parents != ()  # gradients were not switched off for good


def test_many_threads_building_graphs_while_others_evaluate_get_exact_gradients():
    import threading

    errors: list[str] = []

    def trainer(k: int) -> None:
        for i in range(2000):
            x = Value(float(i % 7 + k), label="x")
            f = x * x
            f.backward()
            if x.grad != 2 * x.data:
                errors.append(f"trainer {k}: grad {x.grad} at {x.data}")
                return

    def evaluator() -> None:
        for _ in range(2000):
            with no_grad():
                Value(1.0) * 2

    threads = [threading.Thread(target=trainer, args=(k,)) for k in range(2)]
    threads += [threading.Thread(target=evaluator) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


# ------------------------------------------------------------------------------------------------
# Engine v2: gc_paused
# ------------------------------------------------------------------------------------------------


def test_gc_paused_switches_the_collector_off_and_restores_it():
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        with mg.gc_paused():
            assert not gc.isenabled()
            with mg.gc_paused():  # nests
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner block does not switch it back on
        assert gc.isenabled()
        gc.disable()
        with mg.gc_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
        gc.enable()
        with pytest.raises(GateError):
            with mg.gc_paused():
                Value(0.0).log()
        assert gc.isenabled()  # restored after an exception too
    finally:
        if was_enabled:
            gc.enable()
        else:  # pragma: no cover
            gc.disable()


def test_gc_paused_blocks_overlapping_in_two_threads_restore_the_collector_once_both_left():
    import threading

    was_enabled = gc.isenabled()
    gc.enable()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    states: list[bool] = []

    def first() -> None:
        with mg.gc_paused():
            first_in.set()
            second_in.wait(timeout=30)
        first_out.set()

    def second() -> None:
        first_in.wait(timeout=30)
        with mg.gc_paused():
            second_in.set()
            first_out.wait(timeout=30)
            states.append(gc.isenabled())  # the first thread left; this one is still inside

    try:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert states == [False]
        assert gc.isenabled()
    finally:
        if not was_enabled:  # pragma: no cover
            gc.disable()


def test_importing_microgradpp_leaves_the_collector_settings_alone():
    script = (
        "import gc; before = (gc.isenabled(), gc.get_threshold()); import microgradpp; "
        "assert (gc.isenabled(), gc.get_threshold()) == before, before"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


# ------------------------------------------------------------------------------------------------
# Engine v2: GradientError names the node, restores everything, explains infinite derivatives
# ------------------------------------------------------------------------------------------------


def test_a_gradient_error_restores_the_gradients_of_interior_nodes_and_leaves():
    x, w = Value(1e200, label="x"), Value(1e-200, label="w")
    hidden = (x * w).tanh()  # 1e200 · 1e-200 = 1: fine forward
    hidden.label = "h"
    f = hidden * 1e300
    nodes = topological_order(f)
    for i, node in enumerate(nodes):
        node.grad = -0.5 * (i + 1)
    before = [node.grad for node in nodes]
    with pytest.raises(
        GradientError, match=r"^backward: the gradient of h = 0\.7615941559557649 came out inf;"
    ):
        f.backward(1e300)  # ∂f/∂h = 1e300 (seed) · 1e300 = inf: an interior node is named
    assert [node.grad for node in nodes] == before


def test_the_square_root_of_zero_has_an_infinite_derivative_and_says_so():
    x = Value(0.0, label="x")
    root = x**0.5
    assert root.data == 0.0
    with pytest.raises(
        GradientError,
        match=r"^backward: the gradient of x = 0\.0 came out inf; all gradients were restored\. "
        r"The derivative of x \*\* 0\.5 is 0\.5·x \*\* -0\.5, which is infinite at x = 0",
    ) as caught:
        root.backward()
    assert "lower the learning rate" not in str(caught.value)
    assert "Remedy: keep the input away from 0" in str(caught.value)
    assert x.grad == 0.0 and root.grad == 0.0
