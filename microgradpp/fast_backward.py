"""The passes ``Value.backward()`` runs, written for speed: the graph walk, the chain rule and the
finiteness check.

Each stands in for a readable form in ``engine.py`` and gives exactly what it gives:

    gate_nodes_and_leaves, then a sort by creation number   backward_order(root)
    chain_rule_fast(order)                                  chain_rule(order)
    all_finite(leaves)                                      every leaf's .grad is neither inf nor nan

(``tests/test_engine_fast_paths.py``, bit for bit, on random graphs). What makes them fast: they
read a node's slots by name (the layout is in ``engine.py``, "Fast paths") instead of building the
tuples ``node.parents`` and ``node.local_grads``; a one- or two-input node, most of a graph, is
written out, with no tuple and no ``zip``; the methods a loop calls are looked up once, not once
per node. This module does not import the engine.
"""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Any

_INF, _NEG_INF = math.inf, -math.inf
_GRAD = attrgetter("grad")


def gate_nodes_and_leaves(root: Any) -> tuple[list[Any], list[Any]]:
    """Every node reachable from root once: (gate nodes, leaves), in the order found.

    Depth-first with a stack of nodes still to expand (no recursion, so no recursion limit). A
    node found is stamped with this walk's own ``visit`` object in its ``last_visit`` slot, so it
    is not listed twice (cheaper than a set). Depth-first also finds the nodes almost newest-first
    (the last input of a node is usually the one made just before it), which makes the sort by
    creation number in backward() nearly free.
    """
    visit = object()
    root.last_visit = visit
    gate_nodes: list[Any] = []
    leaves: list[Any] = []
    if root.first_parent is None:
        leaves.append(root)
        return gate_nodes, leaves
    stack = [root]
    # local names: a method looked up once, not once per node (this loop runs for every node)
    pop, push, add_gate_node, add_leaf = stack.pop, stack.append, gate_nodes.append, leaves.append
    tuple_ = tuple
    while stack:
        node = pop()
        add_gate_node(node)
        first, second = node.first_parent, node.second_parent
        if second is not None:  # two inputs, written out (most of a graph): no tuple to build
            if first.last_visit is not visit:
                first.last_visit = visit
                (add_leaf if first.first_parent is None else push)(first)
            if second.last_visit is not visit:
                second.last_visit = visit
                (add_leaf if second.first_parent is None else push)(second)
            continue
        for parent in first if type(first) is tuple_ else (first,):
            if parent.last_visit is not visit:
                parent.last_visit = visit
                (add_leaf if parent.first_parent is None else push)(parent)
    return gate_nodes, leaves


def chain_rule_fast(order: list[Any]) -> None:
    """``engine.chain_rule`` with the tuples of ``parents`` / ``local_grads`` unpacked by hand:
    1- and 2-input nodes are most of a graph, and building a zip() for each costs as much as its
    two updates."""
    tuple_ = tuple
    for node in order:
        upstream = node.grad
        second = node.second_parent
        if second is not None:  # two inputs: +, ×, max
            node.first_parent.grad += node.first_local_grad * upstream
            second.grad += node.second_local_grad * upstream
            continue
        first = node.first_parent
        if type(first) is tuple_:  # n inputs: sum, linear
            for parent, local_grad in zip(first, node.first_local_grad):
                parent.grad += local_grad * upstream
        else:  # one input: exp, log, tanh, …
            first.grad += node.first_local_grad * upstream


def all_finite(leaves: list[Any]) -> bool:
    """True if no leaf's gradient is inf or nan.

    One C-level sum first: a finite sum proves every term finite (inf and nan never cancel out).
    Only if the sum is not finite (a bad gradient, or just an overflowing sum) look at each one.
    """
    total = sum(map(_GRAD, leaves))
    if _NEG_INF < total < _INF:
        return True
    return all(_NEG_INF < leaf.grad < _INF for leaf in leaves)
