"""Gradients of gradients: ``backward(create_graph=True)`` and ``microgradpp.grad`` (autograd.py).

Checked three ways: against PyTorch's ``torch.autograd.grad(..., create_graph=True)`` in float64
on random expressions of every gate (second and third derivatives, Hessians, Hessian-vector
products, relative 1e-12; skipped without torch), against central differences of the first
derivative, and against the plain backward() (the same numbers to the last bit).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import microgradpp as mg
from microgradpp import GATES, Gate, Value, grad, no_grad
from microgradpp.engine import apply_gate, gradients
from microgradpp.errors import (
    GradientError,
    NotDifferentiableError,
    UnusedInputError,
)
from microgradpp.i18n import translated

# ------------------------------------------------------------------------------------------------
# Random expressions of every gate, written once for both libraries
# ------------------------------------------------------------------------------------------------


class Ops:
    """The gates, spelled for one library: microgradpp Values or torch tensors."""

    def __init__(self, torch: Any = None) -> None:
        self.torch = torch

    def unary(self, name: str, a: Any) -> Any:
        t = self.torch
        safe = a * a + 0.5  # > 0: the domain of log, 1/x and fractional powers
        if name == "exp":
            return t.exp(t.tanh(a)) if t else a.tanh().exp()
        if name == "log":
            return t.log(safe) if t else safe.log()
        if name == "reciprocal":
            return t.reciprocal(safe) if t else safe.reciprocal()
        if name == "relu":
            return t.relu(a) if t else a.relu()
        if name == "tanh":
            return t.tanh(a) if t else a.tanh()
        if name == "sigmoid":
            return t.sigmoid(a) if t else a.sigmoid()
        if name == "pow3":
            return a**3
        if name == "pow2":
            return a**2
        if name == "pow1.5":
            return safe**1.5
        if name == "pow-1":
            return safe**-1
        if name == "base_pow":
            return 2.0 ** t.tanh(a) if t else 2.0 ** a.tanh()
        if name == "neg":
            return -a
        if name == "softplus":
            return t.nn.functional.softplus(a) if t else apply_gate(GATES["softplus"], a)
        raise AssertionError(name)

    def binary(self, name: str, a: Any, b: Any) -> Any:
        t = self.torch
        if name == "add":
            return a + b
        if name == "mul":
            return a * b
        if name == "sub":
            return a - b
        if name == "div":
            return a / (b * b + 1.0)
        if name == "max":
            return t.maximum(a, b) if t else a.max(b)
        raise AssertionError(name)

    def nary(self, name: str, xs: Sequence[Any]) -> Any:
        t = self.torch
        if name == "sum":
            if t:
                total = xs[0] * 0.0
                for x in xs:
                    total = total + x
                return total
            return mg.sum(xs)
        # linear: b + w·x with the first entry as the bias, then (w, x) pairs
        b, wx = xs[0], xs[1:]
        if t:
            total = b
            for w, x in zip(wx[::2], wx[1::2]):
                total = total + w * x
            return total
        return mg.linear(list(wx[::2]), list(wx[1::2]), b)


UNARY = (
    "exp", "log", "reciprocal", "relu", "tanh", "sigmoid", "pow3", "pow2", "pow1.5", "pow-1",
    "base_pow", "neg", "softplus",
)  # fmt: skip
BINARY = ("add", "mul", "sub", "div", "max")
NARY = ("sum", "linear")


def random_program(rng: random.Random, inputs: int, steps: int) -> list[tuple]:
    """A straight-line program over the inputs: each step applies a gate to earlier results
    (so results are reused: fan-out), the last step is the output."""
    program: list[tuple] = []
    for step in range(steps):
        available = inputs + step
        kind = rng.random()
        if kind < 0.45:
            program.append(("unary", rng.choice(UNARY), rng.randrange(available)))
        elif kind < 0.85:
            pair = (rng.randrange(available), rng.randrange(available))
            program.append(("binary", rng.choice(BINARY), *pair))
        else:
            name = rng.choice(NARY)
            count = 3 if name == "sum" else 5
            program.append(("nary", name, *(rng.randrange(available) for _ in range(count))))
    return program


def run_program(program: list[tuple], xs: Sequence[Any], ops: Ops) -> Any:
    values = list(xs)
    for kind, name, *args in program:
        if kind == "unary":
            values.append(ops.unary(name, values[args[0]]))
        elif kind == "binary":
            values.append(ops.binary(name, values[args[0]], values[args[1]]))
        else:
            values.append(ops.nary(name, [values[i] for i in args]))
    # every input appears in the output (so no input is unused), squashed to keep it moderate
    total = values[-1]
    for x in xs:
        total = total + x * 0.25
    return ops.unary("tanh", total) * 3.0 + total


def covers_every_gate(programs: list[list[tuple]]) -> set[str]:
    names = {name for program in programs for _, name, *_ in program}
    return set(UNARY) | set(BINARY) | set(NARY) - names


def close(ours: float, theirs: float, scale: float, rel: float = 1e-12) -> bool:
    return abs(ours - theirs) <= rel * max(abs(theirs), scale, 1e-300)


# ------------------------------------------------------------------------------------------------
# Against PyTorch
# ------------------------------------------------------------------------------------------------

PROGRAMS = [random_program(random.Random(seed), 3, 9) for seed in range(40)]


def test_the_random_programs_use_every_gate() -> None:
    used = {name for program in PROGRAMS for _, name, *_ in program}
    assert used == set(UNARY) | set(BINARY) | set(NARY)


def _torch_derivatives(program: list[tuple], point: list[float]) -> tuple[list, list, list, list]:
    """Gradient, Hessian, ∂³f/∂x₀∂xᵢ∂xⱼ and H·v by torch.autograd.grad(create_graph=True)."""
    torch = pytest.importorskip("torch")
    xs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    f = run_program(program, xs, Ops(torch))
    g = torch.autograd.grad(f, xs, create_graph=True, materialize_grads=True)
    hessian = [
        torch.autograd.grad(gi, xs, create_graph=True, materialize_grads=True)
        if gi.requires_grad
        else tuple(torch.zeros((), dtype=torch.float64) for _ in xs)
        for gi in g
    ]
    third = [
        torch.autograd.grad(h, xs, retain_graph=True, materialize_grads=True)
        if h.requires_grad
        else tuple(torch.zeros((), dtype=torch.float64) for _ in xs)
        for h in hessian[0]
    ]
    v = [0.3, -1.1, 0.7]
    gv = sum(gi * vi for gi, vi in zip(g, v))
    hvp = torch.autograd.grad(gv, xs, materialize_grads=True) if gv.requires_grad else [0.0] * 3
    number = lambda t: float(t.detach()) if isinstance(t, torch.Tensor) else float(t)  # noqa: E731
    as_floats = lambda rows: [[number(t) for t in row] for row in rows]  # noqa: E731
    return (
        [number(t) for t in g],
        as_floats(hessian),
        as_floats(third),
        [number(t) for t in hvp],
    )


def _our_derivatives(program: list[tuple], point: list[float]) -> tuple[list, list, list, list]:
    xs = [Value(p, label=f"x{i}") for i, p in enumerate(point)]
    f = run_program(program, xs, Ops())
    g = grad(f, xs, create_graph=True, materialize_grads=True)
    hessian = [grad(gi, xs, create_graph=True, materialize_grads=True) for gi in g]
    third = [grad(h, xs, materialize_grads=True) for h in hessian[0]]
    v = [0.3, -1.1, 0.7]
    gv = mg.sum([gi * vi for gi, vi in zip(g, v)])
    hvp = grad(gv, xs, materialize_grads=True)
    as_floats = lambda rows: [[float(t) for t in row] for row in rows]  # noqa: E731
    return [float(t) for t in g], as_floats(hessian), as_floats(third), [float(t) for t in hvp]


@pytest.mark.parametrize("index", range(len(PROGRAMS)))
def test_second_and_third_derivatives_hessians_and_hvps_agree_with_torch(index: int) -> None:
    pytest.importorskip("torch")
    rng = random.Random(1000 + index)
    point = [rng.uniform(-1.5, 1.5) for _ in range(3)]
    ours = _our_derivatives(PROGRAMS[index], point)
    theirs = _torch_derivatives(PROGRAMS[index], point)
    for what, our_rows, their_rows in zip(("grad", "hessian", "third", "hvp"), ours, theirs):
        flat_ours = _flat(our_rows)
        flat_theirs = _flat(their_rows)
        scale = max(map(abs, flat_theirs)) if flat_theirs else 1.0
        for a, b in zip(flat_ours, flat_theirs):
            assert close(a, b, scale), (what, a, b, PROGRAMS[index])


KINK_POINTS = (0.0, -0.0, 1.0, -1.0, 0.5, 2.0)  # relu(0), max ties, x - x = 0, pow at 0 …


@settings(max_examples=40)
@given(seed=st.integers(0, 10**6), inputs=st.integers(1, 3), data=st.data())
def test_gradients_and_hessians_at_kinks_and_ties_agree_with_torch(
    seed: int, inputs: int, data: st.DataObject
) -> None:
    """Random programs at points where kinks meet: inputs 0, −0.0 and equal to each other
    (relu(0), max(a, a), ties of two equal inputs), where the conventions decide the numbers;
    the first and second derivatives are PyTorch's (float64), materialized as 0 where unused."""
    torch = pytest.importorskip("torch")
    rng = random.Random(seed)
    program = random_program(rng, inputs, rng.randrange(2, 16))
    point = data.draw(st.lists(st.sampled_from(KINK_POINTS), min_size=inputs, max_size=inputs))
    ts = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in point]
    tg = torch.autograd.grad(run_program(program, ts, Ops(torch)), ts, create_graph=True)

    def second(g: Any) -> list[float]:
        if not g.requires_grad:  # a constant gradient (max's routes): its derivatives are 0
            return [0.0] * inputs
        hs = torch.autograd.grad(g, ts, retain_graph=True, materialize_grads=True)
        return [h.item() for h in hs]

    theirs = [g.item() for g in tg] + [h for g in tg for h in second(g)]
    assume(all(math.isfinite(t) for t in theirs))
    xs = [Value(p) for p in point]
    g = grad(run_program(program, xs, Ops()), xs, create_graph=True)
    hessian = [grad(gi, xs, materialize_grads=True) for gi in g]
    ours = [gi.data for gi in g] + [float(h) for row in hessian for h in row]  # type: ignore[union-attr,arg-type]
    scale = max(map(abs, theirs))
    for a, b in zip(ours, theirs):
        assert close(a, b, scale, rel=1e-10), (a, b, point, program)


def _flat(rows: Any) -> list[float]:
    return [x for row in rows for x in row] if rows and isinstance(rows[0], list) else list(rows)


def test_hessian_of_a_small_function_matches_torch_and_the_formula() -> None:
    torch = pytest.importorskip("torch")
    # f = x²y + sin-free closed form: ∂²f/∂x² = 2y, ∂²f/∂x∂y = 2x, ∂²f/∂y² = 0 (plus exp(xy) terms)
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    f = x * x * y + (x * y).exp()
    gx, gy = grad(f, [x, y], create_graph=True)
    hessian = [grad(g, [x, y]) for g in (gx, gy)]
    e = math.exp(0.7 * -1.3)
    expected = [[2 * -1.3 + -1.3 * -1.3 * e, 2 * 0.7 + e + 0.7 * -1.3 * e],
                [2 * 0.7 + e + 0.7 * -1.3 * e, 0.7 * 0.7 * e]]  # fmt: skip
    tx = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    tf = tx * tx * ty + torch.exp(tx * ty)
    tg = torch.autograd.grad(tf, [tx, ty], create_graph=True)
    th = [[float(h) for h in torch.autograd.grad(g, [tx, ty], retain_graph=True)] for g in tg]
    for i in range(2):
        for j in range(2):
            assert hessian[i][j] == pytest.approx(expected[i][j], rel=1e-12)
            assert close(hessian[i][j], th[i][j], 1.0)


# ------------------------------------------------------------------------------------------------
# Against central differences of the first derivative, and against backward() to the bit
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(0, len(PROGRAMS), 4))
def test_second_derivatives_match_central_differences_of_the_first(index: int) -> None:
    program = PROGRAMS[index]
    rng = random.Random(2000 + index)
    point = [rng.uniform(-1.5, 1.5) for _ in range(3)]

    def first_derivatives(p: list[float]) -> list[float]:
        xs = [Value(v) for v in p]
        return list(grad(run_program(program, xs, Ops()), xs))  # type: ignore[arg-type]

    xs = [Value(v) for v in point]
    g = grad(run_program(program, xs, Ops()), xs, create_graph=True)
    eps = 1e-5
    for j in range(3):
        up = first_derivatives([v + eps * (k == j) for k, v in enumerate(point)])
        down = first_derivatives([v - eps * (k == j) for k, v in enumerate(point)])
        row = grad(g[j], xs, materialize_grads=True)
        for i in range(3):
            numeric = (up[i] - down[i]) / (2 * eps)  # ∂/∂x_j of ∂f/∂x_i = H[i][j] = H[j][i]
            assert row[i] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def _random_graph(rng: random.Random) -> tuple[list[Value], Value]:
    xs = [Value(rng.uniform(-1.5, 1.5), label=f"x{i}") for i in range(3)]
    return xs, run_program(random_program(rng, 3, 12), xs, Ops())


@pytest.mark.parametrize("seed", range(30))
def test_create_graph_gives_backwards_numbers_to_the_last_bit(seed: int) -> None:
    xs, f = _random_graph(random.Random(seed))
    f.backward()
    plain = {node: node.grad for node in mg.topological_order(f)}
    as_floats = gradients([f], [1.0])
    for node in mg.topological_order(f):
        node.grad = 0.0
    f.backward(create_graph=True)
    for node, number in plain.items():
        assert as_floats[node] == number
        assert isinstance(node.grad, Value)
        assert node.grad.data == number
    assert [float(g) for g in grad(f, xs)] == [plain[x] for x in xs]  # type: ignore[arg-type]


def test_every_gate_has_a_differentiable_local_gradient() -> None:
    """Every registered gate (and pow/base_pow at several exponents/bases) gives
    local_grads_graph as Values or numbers whose value is local_grads' float to the bit, and whose
    own derivative matches a central difference of local_grads."""
    from microgradpp.gates import base_pow_gate, pow_gate

    gates: list[Gate] = [*GATES.values(), pow_gate(2.0), pow_gate(0.5), pow_gate(-2.0)]
    gates += [pow_gate(1.0), pow_gate(0.0), base_pow_gate(0.5)]
    rng = random.Random(7)
    for gate in gates:
        arity = gate.arity or 5
        low, high = gate.test_range
        for _ in range(5):
            point = [rng.uniform(low, high) for _ in range(arity)]
            if not gate.well_conditioned(*point):
                continue
            xs = [Value(p) for p in point]
            out = apply_gate(gate, *xs)
            local = gate.local_grads_graph(out, *xs)
            assert [float(g) for g in local] == list(gate.local_grads(out.data, *point)), gate
            for i, g in enumerate(local):
                if not isinstance(g, Value):
                    continue
                derivative = grad(g, xs, materialize_grads=True)
                for j in range(arity):

                    def local_at(
                        v: float, i: int = i, j: int = j, gate: Gate = gate, point: list = point
                    ) -> float:
                        moved = list(point)
                        moved[j] = v
                        return gate.local_grads(gate.forward(*moved), *moved)[i]

                    eps = 1e-6
                    numeric = (local_at(point[j] + eps) - local_at(point[j] - eps)) / (2 * eps)
                    assert derivative[j] == pytest.approx(numeric, rel=1e-5, abs=1e-6), gate


# ------------------------------------------------------------------------------------------------
# PyTorch's rules for backward(create_graph=True) and grad()
# ------------------------------------------------------------------------------------------------


def test_backward_with_create_graph_accumulates_into_leaves_and_grad_does_not() -> None:
    x = Value(2.0, label="x")
    f = x**3
    f.backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == 12.0
    f.backward(create_graph=True)  # a leaf accumulates: 12 + 12, as a graph (torch: AddBackward)
    assert isinstance(x.grad, Value) and x.grad.data == 24.0 and x.grad.gate is GATES["add"]
    (g,) = grad(x.grad, x)  # d(2·3x²)/dx = 12x
    assert g == 24.0
    assert x.grad.data == 24.0  # grad() wrote no .grad
    x.grad = 0.0
    (df,) = grad(f, x, create_graph=True)
    assert x.grad == 0.0 and f.grad != df  # nothing written


def test_the_second_backward_pattern_of_pytorch() -> None:
    """f.backward(create_graph=True); g = x.grad; x.grad = 0; g.backward(): x.grad is f''(x)."""
    x = Value(0.5, label="x")
    f = x.tanh() * x
    f.backward(create_graph=True)
    g = x.grad
    x.grad = 0.0
    g.backward()
    t = math.tanh(0.5)
    # f = x·tanh x: f' = t + x(1 − t²), f'' = 2(1 − t²) − 2x·t(1 − t²)
    assert x.grad == pytest.approx(2 * (1 - t * t) - 2 * 0.5 * t * (1 - t * t), rel=1e-14)


def test_grad_to_any_order() -> None:
    x = Value(1.5)
    f = x**5
    derivatives = []
    for _ in range(5):
        (f,) = grad(f, x, create_graph=True)
        derivatives.append(f.data)
    assert derivatives == [5 * 1.5**4, 20 * 1.5**3, 60 * 1.5**2, 120 * 1.5, 120.0]
    assert grad(f, x, allow_unused=True) == (None,)  # the 5th derivative is a constant


def test_grad_outputs_weight_the_outputs_and_a_value_joins_the_graph() -> None:
    x, y = Value(2.0), Value(3.0)
    a, b = x * y, x * x
    assert grad([a, b], [x, y], grad_outputs=[2.0, None]) == (2 * 3.0 + 2 * 2.0, 2 * 2.0)
    v = Value(4.0)
    (gx,) = grad(a, x, grad_outputs=v, create_graph=True)  # v·y: a function of v
    assert gx.data == 12.0
    assert grad(gx, v) == (3.0,)
    assert grad(a, x, grad_outputs=v) == (12.0,)  # without create_graph: its number


def test_no_grad_around_a_create_graph_backward_still_builds_the_graph_as_pytorch() -> None:
    x = Value(3.0)
    f = x**3
    with no_grad():
        (g,) = grad(f, x, create_graph=True)
        f.backward(create_graph=True)
        assert not mg.is_grad_enabled()  # and the mode is back as it was
    assert g.gate is not None and grad(g, x) == (18.0,)
    assert isinstance(x.grad, Value) and x.grad.gate is not None
    with no_grad():
        assert grad(f, x) == (27.0,)  # a float, as torch's create_graph=False


def test_unused_inputs_follow_pytorch() -> None:
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    f = x * 3.0
    with pytest.raises(UnusedInputError) as caught:
        grad(f, [x, y])
    assert str(caught.value) == (
        "grad: inputs[1] (y = 2.0) is not part of the outputs' graph: no output was computed "
        "from it, so its gradient is 0 by construction. Pass allow_unused=True to get None for "
        "it, or materialize_grads=True to get 0"
    )
    assert caught.value.index == 1 and isinstance(caught.value, RuntimeError)
    assert grad(f, [x, y], allow_unused=True) == (3.0, None)
    assert grad(f, [x, y], materialize_grads=True) == (3.0, 0.0)
    zero = grad(f, [x, y], create_graph=True, materialize_grads=True)[1]
    assert isinstance(zero, Value) and zero.data == 0.0
    with pytest.raises(ValueError, match="materialize_grads=True gives 0 for an unused input"):
        grad(f, [x, y], materialize_grads=True, allow_unused=False)
    # a gradient that is a constant no longer depends on x: unused, as in torch (3x → 3)
    (g,) = grad(f, x, create_graph=True)
    with pytest.raises(UnusedInputError):
        grad(g, x)
    assert grad(x, x) == (1.0,)  # an output that is its own input


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda x: grad([], x), ValueError, "grad: outputs is empty; give at least one Value"),
        (lambda x: grad(x * 2, []), ValueError, "grad: inputs is empty; give at least one Value"),
        (lambda x: grad(2.0, x), TypeError, "grad: outputs must be a Value or a list/tuple of Values, got float"),
        (lambda x: grad(x, [x, 1.0]), TypeError, "grad: inputs[1] must be a Value, got float: 1.0"),
        (lambda x: grad(x * 2, x, [1.0, 2.0]), ValueError, "grad: 2 grad_outputs for 1 output; give one weight per output (None for 1)"),
        (lambda x: grad(x * 2, x, "1"), TypeError, "grad: grad_outputs must be None, a number, a Value or a list of them (one per output), got str"),
        (lambda x: grad(x * 2, x, math.nan), ValueError, "grad: grad_outputs[0] must be finite, got nan"),
        (lambda x: grad(x * 2, x, create_graph="yes"), TypeError, "create_graph must be True or False, got str: 'yes'"),
        (lambda x: grad(x * 2, x, retain_graph=1), TypeError, "retain_graph must be None, True or False, got int: 1"),
        (lambda x: grad(x * 2, x, allow_unused="no"), TypeError, "allow_unused must be None, True or False, got str: 'no'"),
        (lambda x: (x * 2).backward(create_graph=1), TypeError, "create_graph must be True or False, got int: 1"),
        (lambda x: (x * 2).backward(retain_graph="x"), TypeError, "retain_graph must be None, True or False, got str: 'x'"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_by_name(call: Callable, error: type, message: str) -> None:
    x = Value(1.0)
    with pytest.raises(error) as caught:
        call(x)
    assert str(caught.value) == message
    assert x.grad == 0.0


def test_retain_graph_changes_nothing() -> None:
    x = Value(2.0)
    f = x * x
    f.backward(retain_graph=False)
    f.backward(retain_graph=True)
    assert x.grad == 8.0
    assert grad(f, x, retain_graph=False) == grad(f, x) == (4.0,)


def test_an_infinite_derivative_while_building_is_refused_and_nothing_changes() -> None:
    x = Value(0.0, label="x")
    f = x**0.5 + x  # d/dx √x = 0.5·x^-0.5: infinite at 0
    x.grad = 1.0
    with pytest.raises(GradientError) as caught:
        f.backward(create_graph=True)
    assert str(caught.value).startswith(
        "backward(create_graph=True): the gradient through the **0.5 gate (inputs x = 0.0) could "
        "not be built as a graph: pow gate (**-0.5) with input x = 0.0: 0 ** -0.5 is a division "
        "by zero; no .grad was changed. The derivative of x ** 0.5 is 0.5·x ** -0.5, which is "
        "infinite at x = 0"
    )
    assert not caught.value.overflow and caught.value.node == _pow_node(f)
    assert x.grad == 1.0 and f.grad == 0.0  # all or nothing
    with pytest.raises(GradientError):
        grad(f, x, create_graph=True)
    with pytest.raises(GradientError, match="grad: the gradient of x = 0.0 came out inf"):
        grad(f, x)


def _pow_node(f: Value) -> str:
    return repr(f.parents[0].data)  # the √x node (unlabelled): its value


def test_a_gate_without_a_differentiable_local_gradient_is_refused_clearly() -> None:
    class Softplus(Gate):
        name, symbol = "softplus_test", "softplus"

        def forward(self, x: float) -> float:
            return math.log1p(math.exp(x))

        def local_grads(self, out: float, x: float) -> tuple[float, ...]:
            return (1.0 / (1.0 + math.exp(-x)),)

    x = Value(0.5)
    f = apply_gate(Softplus(), x) * x
    f.backward()  # the first derivative works as always
    first = x.grad
    with pytest.raises(NotDifferentiableError) as caught:
        f.backward(create_graph=True)
    assert str(caught.value).startswith(
        "the gate 'softplus_test' gives its local gradients only as numbers (local_grads)"
    )
    assert x.grad == first and isinstance(caught.value, NotImplementedError)


def test_kinks_relu_at_zero_and_max_ties_as_the_engine_and_pytorch() -> None:
    x = Value(0.0)
    f = x.relu() * x  # relu'(0) = 0, and its derivative 0: d/dx = relu(x) + x·relu'(x)
    (g,) = grad(f, x, create_graph=True)
    assert g.data == 0.0 and grad(g, x) == (0.0,)
    a = Value(1.0)
    m = a.max(a) * a  # a tie: ½/½ to the same node, so ∂max/∂a = 1
    (g,) = grad(m, a, create_graph=True)
    assert g.data == 2.0 and grad(g, a) == (2.0,)


def test_the_gradient_graph_reuses_forward_nodes_and_sums_fan_out() -> None:
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    q = x * y
    f = q * x  # x fans out: into q and into f
    f.backward(create_graph=True)
    g = x.grad
    # ∂f/∂x = q·1 (from f) + y·x (through q): a + gate summing the two paths
    assert g.gate is GATES["add"] and g.data == 12.0
    nodes = set(mg.topological_order(g))
    assert {x, y, q} <= nodes  # the forward values it reuses
    assert f not in nodes  # f itself is not needed for its own derivative


def test_a_leaf_whose_old_plus_new_gradient_overflows_is_refused_and_nothing_changes() -> None:
    x = Value(1.0, label="x")
    f = x * 1.5e308
    x.grad = 1.5e308
    with pytest.raises(GradientError) as caught:
        f.backward(create_graph=True)
    assert str(caught.value).startswith(
        "backward(create_graph=True): the gradient of x = 1.0 came out beyond the largest float "
        "when added to its .grad (1.5e+308); no .grad was changed. A gradient is the product"
    )
    assert x.grad == 1.5e308 and f.grad == 0.0


def test_the_errors_speak_every_language() -> None:
    from microgradpp.i18n import translated

    x = Value(0.0, label="x")
    with pytest.raises(GradientError) as caught:
        (x**0.5).backward(create_graph=True)
    assert translated(caught.value, "zh-Hant").startswith(
        "backward(create_graph=True)：經過 **0.5 閘（輸入 x = 0.0）的梯度無法建成計算圖"
    )
    with pytest.raises(UnusedInputError) as unused:
        grad(x * 2.0, [x, Value(1.0)])
    assert translated(unused.value, "zh-Hans").startswith(
        "grad：inputs[1]（1.0）不在输出的计算图里"
    )


def test_a_relus_gradient_stays_connected_to_its_input_as_pytorchs() -> None:
    """relu' is the step gate on x (PyTorch's threshold_backward): relu'' is 0, not an unused input."""
    for at in (1.5, -1.5, 0.0):
        x = Value(at)
        (g,) = grad(x.relu(), x, create_graph=True)
        assert g.data == (1.0 if at > 0 else 0.0)
        assert grad(g, x) == (0.0,)
        assert GATES["step"] in {node.gate for node in mg.topological_order(g)}
    torch = pytest.importorskip("torch")
    t = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.relu(t), t, create_graph=True)
    assert float(torch.autograd.grad(tg, t)[0]) == 0.0  # torch: connected too, derivative 0


def test_abs_gradient_is_maxs_constant_route_unlike_pytorchs_sgn() -> None:
    """The README's kinks row: abs(x) = max(x, −x), so abs's local gradient is a constant (±1,
    0 at the tie) not connected to x; PyTorch's sgn(x) is connected (its derivative 0)."""
    for at in (1.5, -1.5, 0.0):
        x = Value(at, label="x")
        (g,) = grad(abs(x), x, create_graph=True)
        assert g.data == (at > 0) - (at < 0)
        with pytest.raises(UnusedInputError):
            grad(g, x)
        assert grad(g, x, materialize_grads=True) == (0.0,)
    torch = pytest.importorskip("torch")
    t = torch.tensor(-1.5, dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(t.abs(), t, create_graph=True)
    assert torch.autograd.grad(tg, t)[0].item() == 0.0  # connected: 0, no error


@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_of_a_value_computed_in_no_grad_says_so(create_graph) -> None:
    """As backward(): an output a gate computed inside no_grad() kept no inputs; grad said the
    input 'is not part of the outputs' graph' (true, but not why)."""
    x = Value(2.0, label="x")
    with no_grad():
        y = x * x
        y.label = "y"
    with pytest.raises(mg.NoGradError, match=(
        rf"^grad\(create_graph={create_graph}\): outputs\[1\], y = 4.0, which a gate computed "
        r"inside no_grad\(\): it kept no inputs, so no gradient can flow back: every one would "
        r"be 0\. Compute it outside `with no_grad\(\):`$"
    )):  # fmt: skip
        grad([x * 3, y], [x], create_graph=create_graph)
    with pytest.raises(mg.NoGradError, match=r"^backward\(\) on the Value y = 4.0, which a gate"):
        y.backward(create_graph=create_graph)
    assert x.grad == 0.0


@pytest.mark.parametrize(
    ("arguments", "hant"),
    [
        (
            {"allow_unused": False, "materialize_grads": True},
            "grad：materialize_grads=True 會讓沒用到的輸入得到 0，但 allow_unused=False 不允許這樣；"
            "使用 materialize_grads=True 時，請不要給 allow_unused（或給 True）",
        ),
        ({"outputs": "y"}, "grad：outputs 必須是一個 Value，或由 Value 組成的 list/tuple，收到的是 str"),
        ({"outputs": []}, "grad：outputs 是空的；請至少給一個 Value"),
        ({"inputs": [3]}, "grad：inputs[0] 必須是 Value，收到的是 int: 3"),
        (
            {"grad_outputs": "a"},
            "grad：grad_outputs 必須是 None、一個數字、一個 Value，或由它們組成的 list（每個輸出一個），"
            "收到的是 str",
        ),
        (
            {"grad_outputs": [1.0, 2.0]},
            "grad：給了 2 個 grad_outputs，但只有 1 個輸出；請每個輸出給一個權重（None 表示 1）",
        ),
    ],
)  # fmt: skip
def test_grads_argument_errors_are_said_in_traditional_chinese(arguments, hant) -> None:
    x = Value(2.0, label="x")
    given = {"outputs": x * x, "inputs": x, **arguments}
    with pytest.raises((TypeError, ValueError)) as caught:
        grad(**given)
    assert translated(caught.value, "zh-Hant") == hant
    assert translated(caught.value, "en") == str(caught.value)


def test_grads_argument_errors_are_said_in_simplified_chinese() -> None:
    x = Value(2.0, label="x")
    with pytest.raises(ValueError) as caught:
        grad([x * x, x * 3], x, grad_outputs=[1.0])
    assert str(caught.value) == (
        "grad: 1 grad_outputs for 2 outputs; give one weight per output (None for 1)"
    )
    assert translated(caught.value, "zh-Hans") == (
        "grad：传入了 1 个 grad_outputs，但有 2 个输出；请每个输出传一个权重（None 表示 1）"
    )
