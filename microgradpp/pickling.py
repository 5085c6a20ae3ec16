"""pickle, copy.copy and copy.deepcopy of a Value, without recursion, for graphs of any depth.

Saved naively, a node's parents are saved inside it, their parents inside them, …: a chain of
5,000 nodes overflows Python's recursion limit. Instead the node being saved lists all its
ancestors in topological order (parents first) *before* its own links, and notes them as
"listed"; each ancestor, when its turn comes, finds the note and saves only its links to its
parents — which were saved just before it, so nothing nests. Shared nodes stay shared (pickle's
memo), gates stay the registry's own objects, and the engine gives creation numbers again in the
order the nodes are restored (parents first), so backward() works on the copy.

A gradient that is a Value (after ``backward(create_graph=True)``) is a node too, and its graph
reaches back into the forward graph, children included (∂(a·b)/∂a is the node b): saved inside
its node, it would nest again. So a node saves the number 0.0 in its gradient's place, and the
node being saved lists every node of its graph *and* of the gradients' graphs (parents before
children: by creation number) and, after them all, which node has which gradient
(``(node, gradient)`` pairs) — by then every one of them is saved, so nothing nests.

A node's saved state is ``(ancestors, links, clear_notes)``, with the pairs as a fourth entry
when some gradient is a Value; its links are
``(first_parent, second_parent, first_local_grad, second_local_grad, gate spec)``, the engine's
slots (their layout: ``engine.py``, "Fast paths"). The engine's ``Value.__reduce_ex__``,
``__copy__`` and ``__setstate__`` are one or two lines that call the functions here; this module
does not import the engine (it reads and writes a node's slots by name). What a pickle names
stays in the engine: ``microgradpp.engine._restored_value`` rebuilds each node from its numbers,
so pickles saved by older versions load, and the same graph is saved as the same bytes
(``tests/test_pickling.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .gates import GATES, Gate, pow_gate

_listed: dict[int, Any] = {}
"""Ancestors listed by a node being pickled, by id (the node is kept, so its id stays its own),
until pickle reaches them: each then saves only its links."""


def state_of(node: Any, topological_order: Callable[[Any], list[Any]]) -> tuple:
    """What pickle saves of node after its numbers: its ancestors (unless a child listed it
    already), its links, a marker that clears the notes left behind, and the gradients that
    are Values (see the module's docstring)."""
    if _listed.pop(id(node), None) is node:  # an ancestor listed by the node being saved
        return ((), links(node), None)
    ancestors = topological_order(node)  # parents before children, node itself last
    value_grads = any(_is_node(n.grad) for n in ancestors)
    if value_grads:
        ancestors = _with_gradient_graphs(node)
        ancestors.remove(node)
    else:
        ancestors.pop()
    for ancestor in ancestors:
        _listed[id(ancestor)] = ancestor
    state = (ancestors, links(node), _ClearNotes(ancestors))
    if not value_grads:
        return state
    grads = [(n, n.grad) for n in (*ancestors, node) if _is_node(n.grad)]
    return (*state, grads)


def saved_grad(grad: Any) -> Any:
    """What a node saves as its gradient beside its number: the gradient, or 0.0 in place of a
    Value (which the node that lists it saves after every node: see the module's docstring)."""
    return 0.0 if _is_node(grad) else grad


def _is_node(x: Any) -> bool:
    return hasattr(x, "parents")


def _with_gradient_graphs(root: Any) -> list[Any]:
    """Every node of root's graph and of the graphs of the gradients that are Values (and of
    theirs), parents before children: sorted by creation number, as a node is always made (and
    restored) after its parents."""
    seen = {root}
    stack = [root]
    while stack:
        node = stack.pop()
        linked = [*node.parents, node.grad] if _is_node(node.grad) else node.parents
        for other in linked:
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return sorted(seen, key=lambda node: node.number)


def links(node: Any) -> tuple:
    """node's parents, local gradients and gate (by name, so a copy uses the registry's gate)."""
    return (
        node.first_parent,
        node.second_parent,
        node.first_local_grad,
        node.second_local_grad,
        _gate_spec(node.gate),
    )


def copy_state(node: Any) -> tuple:
    """The state ``copy.copy`` gives its twin: node's own links, no ancestors, no notes."""
    return ((), links(node), None)


def restore_links(node: Any, state: tuple) -> None:
    """The second half of unpickling: the links saved by :func:`state_of` back in node's slots,
    its gate the registry's own object."""
    first_parent, second_parent, first_local_grad, second_local_grad, spec = state[1]
    node.first_parent, node.second_parent = first_parent, second_parent
    node.first_local_grad, node.second_local_grad = first_local_grad, second_local_grad
    node.gate = _gate_from_spec(spec)
    for listed, gradient in state[3] if len(state) == 4 else ():
        listed.grad = gradient  # the gradients that are Values, now that every node exists


class _ClearNotes:
    """Saved last in a node's state: by then every listed ancestor has been saved (and has
    cleared its own note), except ones the pickle had saved before; this clears those."""

    def __init__(self, nodes: list[Any]) -> None:
        self.nodes = nodes

    def __reduce__(self) -> tuple:
        for node in self.nodes:
            if _listed.get(id(node)) is node:
                del _listed[id(node)]
        return (type(None), ())

    def __deepcopy__(self, memo: dict) -> None:
        self.__reduce__()
        return None


def _gate_spec(gate: Gate | None) -> object:
    """A registered gate by its name, a Pow by its exponent (so a copy uses the same objects)."""
    if gate is None:
        return None
    if GATES.get(gate.name) is gate:
        return gate.name
    exponent = getattr(gate, "exponent", None)
    if gate.name == "pow" and exponent is not None:
        return ("pow", exponent)
    return gate  # a gate made by hand: saved as it is


def _gate_from_spec(spec: object) -> Gate | None:
    if spec is None or isinstance(spec, Gate):
        return spec
    if isinstance(spec, str):
        return GATES[spec]
    return pow_gate(spec[1])  # type: ignore[index]
