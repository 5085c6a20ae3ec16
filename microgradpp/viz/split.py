"""A large graph that is a sum of terms, drawn one term at a time.

A loss over several examples is a sum with one term per example (XOR's loss is
0.25 · (e1² + e2² + e3² + e4²)); its whole graph, every example's path through the shared weights,
is too tangled to read in one picture. Each term's own graph is small, and it is what one example
does: :func:`split_terms` finds the terms, :func:`term_view` draws one with the gradients of that
term alone (∂e1²/∂node), and the shared weights' gradients in the whole picture are the sums of
what the terms send them (times the factor in front of the sum).
"""

from __future__ import annotations

from ..engine import Value, topological_order
from .collapse import split_terms
from .view import GraphView

__all__ = ["split_terms", "term_gradients", "term_view"]


def term_gradients(term: Value) -> dict[Value, float]:
    """∂term/∂node for every node of term's graph, by ``term.backward()``; every ``.grad`` of the
    graph is put back as it was afterwards."""
    order = topological_order(term)
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        term.backward()
        return {node: node.grad for node in order}
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad


def term_view(term: Value, precision: int = 4, **options: object) -> GraphView:
    """The backward picture of one term: its own graph, each box showing ∂term/∂node."""
    return GraphView.of(
        term,
        "backward",
        precision=precision,
        final_grads=term_gradients(term),
        **options,  # type: ignore[arg-type]
    )
