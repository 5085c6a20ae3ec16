"""The engine's fast paths give exactly what the readable forms they stand in for give.

``isinstance(x, value_checks.REAL)`` stands for ``isinstance(x, numbers.Real)``, trying float and int
first (the check against the abstract class is slow).

``Value.backward()`` runs ``fast_backward.chain_rule_fast``, which unpacks a node's parents and
local gradients from its slots by hand instead of the ``zip`` over ``node.parents`` and
``node.local_grads`` that ``engine.chain_rule`` (the readable form) writes (a speed-up measured in
``benchmarks/engine.py``). These tests run the readable loop, written here as backward's docstring
states it, on the same graphs and ask for the same gradients, bit for bit; and they hold
backward's graph walk and finiteness check (``fast_backward``) to the plain definitions.
"""

from __future__ import annotations

import math
import random
from decimal import Decimal
from fractions import Fraction
from numbers import Real

import pytest

import microgradpp as mg
from microgradpp import (
    GateError,
    Value,
    backward_order,
    diagnosis,
    engine,
    fast_backward,
    topological_order,
    value_checks,
)


def textbook_backward(root: Value) -> None:
    """backward() without its fast path: parent.grad += local_grad * node.grad for every edge,
    the gate nodes newest first."""
    order = backward_order(root)
    for node in order:
        node.grad = 0.0
    root.grad += 1.0
    for node in order:
        for parent, local_grad in zip(node.parents, node.local_grads):
            parent.grad += local_grad * node.grad


def random_graph(seed: int) -> tuple[Value, list[Value]]:
    """A DAG with reuse mixing 1-, 2- and n-input gates (so both paths of backward run)."""
    rng = random.Random(seed)
    inputs = [Value(rng.uniform(-1.5, 1.5), label=f"x{i}") for i in range(rng.randint(1, 4))]
    nodes = list(inputs)
    for _ in range(rng.randint(1, 30)):
        a, b = rng.choice(nodes), rng.choice(nodes)  # may be the same node twice: a + a
        kind = rng.choice(["add", "mul", "max", "tanh", "relu", "sigmoid", "sum", "linear"])
        try:
            if kind == "add":
                node = a + b
            elif kind == "mul":
                node = a * b
            elif kind == "max":
                node = a.max(b)
            elif kind in ("tanh", "relu", "sigmoid"):
                node = getattr(a, kind)()
            elif kind == "sum":  # a sum of exactly two takes the fast path, others the loop
                node = mg.sum(rng.choices(nodes, k=rng.randint(1, 4)))
            else:
                node = mg.linear(rng.choices(nodes, k=2), rng.choices(nodes, k=2), a)
        except GateError:  # a product overflowed: skip it
            continue
        nodes.append(node)
    return nodes[-1], inputs


@pytest.mark.parametrize("seed", range(200))
def test_backward_gives_the_same_bits_as_the_textbook_loop(seed):
    root, _ = random_graph(seed)
    order = topological_order(root)
    root.backward()
    fast = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    textbook_backward(root)
    assert [node.grad for node in order] == fast


@pytest.mark.parametrize("seed", range(50))
def test_the_engines_readable_passes_give_the_same_bits_as_the_fast_one(seed):
    # engine.chain_rule is the readable form; diagnosis.first_bad_edge is the pass backward()
    # reruns, with a check on every edge, to name a bad node
    root, _ = random_graph(seed)
    order = topological_order(root)
    root.backward()
    fast = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    engine.chain_rule(backward_order(root))
    assert [node.grad for node in order] == fast
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    assert diagnosis.first_bad_edge(backward_order(root)) is None  # all finite
    assert [node.grad for node in order] == fast


@pytest.mark.parametrize("seed", range(50))
def test_the_fast_walk_finds_every_node_once_split_into_gate_nodes_and_leaves(seed):
    root, _ = random_graph(seed)
    gate_nodes, leaves = fast_backward.gate_nodes_and_leaves(root)
    every = topological_order(root)  # the readable walk
    assert len(gate_nodes) + len(leaves) == len(every)
    assert set(gate_nodes) | set(leaves) == set(every)
    assert set(gate_nodes) == {node for node in every if node.parents}
    assert backward_order(root) == sorted(gate_nodes, key=lambda node: -node.number)


@pytest.mark.parametrize(
    "grads, finite",
    [
        ([], True),
        ([1.0, -2.5, 0.0], True),
        ([1e308, 1e308], True),  # the sum overflows, every gradient is finite
        ([-1e308, -1e308, 1.0], True),
        ([1.0, math.inf], False),
        ([-math.inf, 2.0], False),
        ([math.inf, -math.inf], False),  # the sum is nan
        ([0.0, math.nan], False),
        ([1e308, 1e308, math.nan], False),
    ],
)
def test_the_fast_finiteness_check_agrees_with_looking_at_each_gradient(grads, finite):
    leaves = []
    for grad in grads:
        leaf = Value(0.0)
        leaf.grad = grad
        leaves.append(leaf)
    assert all(math.isfinite(leaf.grad) for leaf in leaves) is finite
    assert fast_backward.all_finite(leaves) is finite


@pytest.mark.parametrize("seed", range(50))
def test_creation_order_and_depth_first_order_agree_up_to_rounding(seed):
    # The order only changes in which order a node's gradient contributions are added up.
    root, _ = random_graph(seed)
    order = topological_order(root)
    root.backward()
    by_creation = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):  # the depth-first order (engine v1)
        for parent, local_grad in zip(node.parents, node.local_grads):
            parent.grad += local_grad * node.grad
    for new, old in zip(by_creation, (node.grad for node in order)):
        assert new == pytest.approx(old, rel=1e-12, abs=1e-300)


def test_the_fast_path_handles_a_node_whose_two_parents_are_the_same():
    x = Value(3.0, label="x")
    for f, expected in ((x + x, 2.0), (x * x, 6.0), (x.max(x), 1.0)):  # d/dx: 2, 2x, ½ + ½
        x.grad = 0.0
        f.backward()
        assert x.grad == expected


def test_the_fast_path_and_the_loop_are_both_run_on_a_mixed_graph():
    x, y = Value(0.5, label="x"), Value(-2.0, label="y")
    f = mg.linear([x, y], [y, x], x * y) + (x + y).exp()  # 3- and 1-input nodes, and 2-input ones
    f.backward()
    e = math.exp(0.5 + -2.0)
    # f = xy + xy + yx + e^(x+y):  df/dx = 3y + e^(x+y),  df/dy = 3x + e^(x+y)
    assert x.grad == pytest.approx(3 * -2.0 + e, rel=1e-15)
    assert y.grad == pytest.approx(3 * 0.5 + e, rel=1e-15)


def test_topological_order_is_evaluation_order_for_an_expression_tree():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    assert [node.label for node in topological_order(f)] == ["x", "y", "q", "z", "f"]


def test_topological_order_lists_a_shared_node_before_every_node_that_uses_it():
    # x is a parent of both b and c: it is listed once, before both
    x = Value(2.0, label="x")
    b = x * 3
    b.label = "b"
    c = b + x
    c.label = "c"
    order = [node.label or "3" for node in topological_order(c)]
    assert order == ["x", "3", "b", "c"]


@pytest.mark.parametrize(
    "x", [2.0, -3, True, Fraction(1, 3), Decimal("0.5"), 1 + 2j, "2", None, [1.0], Value(1.0)]
)
def test_the_fast_real_number_check_agrees_with_numbers_real(x):
    assert isinstance(x, value_checks.REAL) == isinstance(x, Real)


def test_a_real_number_that_is_neither_float_nor_int_still_lifts_to_a_constant():
    x = Value(2.0, label="x")
    f = x * Fraction(1, 4) + Fraction(3, 2)
    assert f.data == 2.0
    assert Value(Fraction(1, 4)).data == 0.25
