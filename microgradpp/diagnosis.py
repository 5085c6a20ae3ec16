"""What the engine says when a gate or backward() fails: which node, which numbers, and why.

Two failures, two errors (both from ``errors.py``):

* a gate refuses its inputs (log of -1) or its result is beyond the largest float: a
  ``GateError`` naming the gate and its inputs (:func:`gate_error`, :func:`overflow_error`);
* a gradient comes out inf or nan in backward(): a ``GradientError`` naming the first node whose
  gradient went bad (:func:`gradient_error`), found by running the chain rule again, the textbook
  way, with a check on every edge.

The engine has already put every gradient back when it asks for the second one. This module works
on anything with a Value's attributes (``data``, ``grad``, ``label``, ``gate``, ``parents``,
``local_grads``) and does not import the engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .errors import DomainError, GateError, GradientError
from .gates import Gate
from .i18n import Words, error

_INF, _NEG_INF = math.inf, -math.inf


def describe(node: Any) -> str:
    """'x = -2.0' for a labelled node, '-2.0' otherwise."""
    return f"{node.label} = {node.data!r}" if node.label else repr(node.data)


def gate_error(gate: Gate, parents: Sequence[Any], error: DomainError) -> GateError:
    """The GateError naming the gate and its inputs, for the gate's DomainError."""
    shown = parents if len(parents) <= 6 else parents[:4]  # a 16-input neuron: keep it readable
    inputs = ", ".join(describe(p) for p in shown)
    if len(shown) < len(parents):
        inputs += f", … ({len(parents)} inputs in all)"
    where = {"gate": gate.name, "symbol": gate.symbol, "inputs": inputs}
    values, labels = tuple(p.data for p in parents), tuple(p.label for p in parents)
    words = error.words  # a gate of this package says it from the catalogs (translatable)
    if words is None:  # a gate written elsewhere says it in plain English
        remedy_id = "gate.plain.remedy" if error.remedy else ""
        details = {"reason": error.reason, "remedy": error.remedy}
        words = Words("gate.plain", remedy_id, details, error.overflow)
    return GateError.at(where, words, values, labels)


def overflow_error(gate: Gate, parents: Sequence[Any], data: float) -> GateError:
    """The error for a result beyond the largest float: the gate says what overflowed and how
    to keep its inputs in range."""
    return gate_error(gate, parents, gate.overflow(*(parent.data for parent in parents)))


def base_pow_error(node: Any, base: float) -> GateError:
    """The error for ``base ** node`` with a base that is not positive (bˣ needs b > 0)."""
    return GateError.at(
        {"gate": "base_pow", "symbol": "bˣ", "inputs": describe(node)},
        Words("gate.base_pow.base", "gate.base_pow.base.remedy", {"base": repr(base)}),
        (base, node.data),
        ("", node.label),
    )


def first_bad_edge(order: Sequence[Any]) -> tuple[Any, Any, float] | None:
    """The chain rule as the textbook writes it, stopping at the first gradient that is not finite.

    Returns (node, parent, local_grad) for the edge that made ``parent.grad`` inf or nan (None if
    all stayed finite).
    """
    for node in order:
        for parent, local_grad in zip(node.parents, node.local_grads):
            parent.grad += local_grad * node.grad
            if not _NEG_INF < parent.grad < _INF:
                return node, parent, local_grad
    return None


def restore_grads(nodes: Sequence[Any], saved: Sequence[float]) -> None:
    """Put back the gradients backward() saved before it started."""
    for node, old in zip(nodes, saved):
        node.grad = old


def grad_number(node: Any, where: str) -> float:
    """node's ``.grad`` as a float (a Value's number after ``backward(create_graph=True)``), for
    the tables, pictures and diagnostics that show it; a ``.grad`` set by hand to something else
    (None, PyTorch's "no gradient yet") is a TypeError that names the node and ``where``."""
    grad = node.grad
    try:
        return float(grad)
    except (TypeError, ValueError):
        got = f"{type(grad).__name__}: {grad!r}"
        key = "engine.grad_not_a_number"
        raise error(TypeError, key, where=where, node=describe(node), got=got) from None


def grad_not_a_number(
    nodes: Sequence[Any], saved: Sequence[Any], failure: TypeError, where: str
) -> TypeError:
    """The TypeError for a ``.grad`` that is not a number (None, a string: set by hand), after
    putting every gradient back (``saved``, as backward() saved them); ``failure`` itself if every
    ``.grad`` is a number (the TypeError came from elsewhere)."""
    restore_grads(nodes, saved)
    for node in nodes:
        grad = node.grad
        if not (isinstance(grad, (int, float)) or hasattr(grad, "parents")):  # a Value: fine
            got = f"{type(grad).__name__}: {grad!r}"
            return error(
                TypeError, "engine.grad_not_a_number", where=where, node=describe(node), got=got
            )
    return failure


def gradient_error(
    root: Any, seed: float, order: Sequence[Any], leaves: Sequence[Any], saved: Sequence[float]
) -> GradientError:
    """Run backward again with a check on every edge (``order``: the gate nodes, children first),
    to name the first node whose gradient went inf or nan; then put every gradient back (``saved``:
    those of ``order`` then ``leaves``, as they were before backward) and return the error."""
    restore_grads([*order, *leaves], saved)  # the leaves' gradients as backward() found them
    for node in order:
        node.grad = 0.0
    root.grad += seed
    if not _NEG_INF < root.grad < _INF:  # a leaf root: its old gradient plus the seed overflowed
        bad, culprit = root, None
    else:
        found = first_bad_edge(order)
        if found is None:  # pragma: no cover - the same arithmetic again cannot succeed
            bad = next(leaf for leaf in leaves if not _NEG_INF < leaf.grad < _INF)
            culprit = None
        else:
            node, bad, local_grad = found
            culprit = (node, local_grad)
    came_out = bad.grad
    restore_grads([*order, *leaves], saved)
    explanation: Words | str = Words("engine.gradient_overflow")  # (training adds its advice)
    overflow = True
    if culprit is not None:
        node, local_grad = culprit
        if not _NEG_INF < local_grad < _INF:  # the gate's own derivative is infinite here
            gate = node.gate
            assert gate is not None  # a local gradient belongs to a gate node
            singular = gate.infinite_derivative(*(p.data for p in node.parents))
            if singular:
                explanation, overflow = singular, False
    node_text = describe(bad)
    return error(
        GradientError,
        "engine.gradient_error",
        overflow,
        node_text,
        repr(came_out),
        node=node_text,
        value=repr(came_out),
        explanation=explanation,
    )
