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
from ..gates import GATES
from .view import GraphView


def split_terms(root: Value) -> list[Value]:
    """The terms whose sum root is, in order, or [] if root is not (a multiple of) a sum.

    From the root, follow products with a constant (× 0.25, a negation) down to the first gate
    that adds (+, Σ); its inputs, and the inputs of the adding gates among them (((a + b) + c) is
    a, b, c), are the terms. Constants added in are not terms. exp(a + b) is not a sum: [].
    """
    node = root
    while node.parents:
        moving = [parent for parent in node.parents if not _is_constant(parent)]
        if node.gate is not None and node.gate.adds and len(moving) >= 2:
            return _flatten(moving)
        if node.gate is not GATES["mul"] or len(moving) != 1:
            return []
        node = moving[0]
    return []


def _flatten(terms: list[Value]) -> list[Value]:
    """((a + b) + c, d) -> [a, b, c, d]: a partial sum (even a named one) is not a term."""
    flat: list[Value] = []
    stack = list(reversed(terms))
    while stack:
        term = stack.pop()
        if term.gate is not None and term.gate.adds:
            stack.extend(reversed([p for p in term.parents if not _is_constant(p)]))
        else:
            flat.append(term)
    return flat


def _is_constant(node: Value) -> bool:
    """An unlabelled number (x · 0.25): not an input anyone named."""
    return not node.parents and not node.label


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
