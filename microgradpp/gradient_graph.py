"""Gradients of gradients: the chain rule run on Values instead of floats.

backward() computes, for every edge, children before parents,

    parent.grad += local_grad * node.grad

with floats. Run the same loop with *Values* — the local gradient a small graph of the node and
its inputs (each gate's ``local_grads_graph``: tanh's 1 − t² is ``1 - t*t`` on the node t itself),
``*`` a × gate, ``+=`` a + gate — and every gradient comes out as a node of a new graph, built
from the same gates as the function. That graph can be drawn, stepped through, and
differentiated again: ``backward(create_graph=True)`` and ``microgradpp.grad(..., create_graph=True)``
(PyTorch's names), to any order.

What the gradient graph shows: the forward values it reuses (∂(a·b)/∂a is the node b itself),
and, where a node feeds several others, the + gates that add up what each path sent back (the
fan-out sums of the chain rule). A local gradient of exactly 1 (add, sum, the winner of max)
passes the gradient on unchanged, with no "× 1" node.

Kinks, as the engine does for the first derivative and as PyTorch does: relu's local gradient is
the step gate on its input (1 if x > 0 else 0, relu'(0) = 0), whose own derivative is 0, so a
relu network's gradient stays connected to x (PyTorch's threshold_backward); max's is a constant
chosen by comparing its inputs (1 or 0, ½/½ on a tie), not connected to them (as
torch.maximum's), with derivative 0 as well.

The engine's ``backward(create_graph=True)`` calls :func:`backward_building_graph` and
``microgradpp.grad`` calls :func:`gradients`; this module does not import the engine (it reads
nodes through ``parents``, ``local_grads``, ``gate``, ``grad`` and ``number``).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter
from typing import Any

from .diagnosis import describe
from .errors import CompiledError, GateError, GradientError
from .grad_mode import create_graph_refusal, enable_grad, refuse_a_no_grad_result
from .i18n import Words, error

_BY_NUMBER = attrgetter("number")


def gradients(
    outputs: Sequence[Any],
    seeds: Sequence[Any],
    create_graph: bool = False,
    caller: str = "grad",
) -> dict[Any, Any]:
    """∂(Σₖ seedₖ·outputₖ)/∂node for every node of the outputs' graph, no ``.grad`` touched:
    floats, or with ``create_graph`` Values (see _gradients), built even inside ``no_grad()``,
    as PyTorch's ``create_graph`` builds its graph whatever the grad mode."""
    for index, output in enumerate(outputs):
        refuse_a_no_grad_result(output, "autograd.no_grad.grad", caller=caller, index=index)
    if not create_graph:
        return _gradients(outputs, seeds, False, caller)
    refusal = create_graph_refusal()
    if refusal:
        raise error(
            CompiledError, "autograd.create_graph_refused", caller=caller, reason=Words(refusal)
        )
    with enable_grad():
        return _gradients(outputs, seeds, True, caller)


def backward_building_graph(root: Any, seed: Any) -> None:
    """backward(create_graph=True): every node's ``.grad`` becomes a Value (see gradients);
    ``seed`` is a Value.

    As backward(): a gate node's gradient is replaced, a leaf's accumulates (old + new, as
    PyTorch's ``.grad``). All or nothing: if a gradient cannot be built, no ``.grad`` changes.
    """
    caller = "backward(create_graph=True)"
    found = gradients([root], [seed], True, caller)
    new: dict[Any, Any] = {}
    with enable_grad():  # the sum old + new is part of the graph too
        for node, gradient in found.items():
            old = node.grad
            if node.gate is not None or (not _is_node(old) and old == 0.0):
                new[node] = gradient  # a gate node's is replaced; a leaf's first one
                continue
            try:
                new[node] = old + gradient  # a leaf accumulates
            except TypeError:  # a .grad set by hand to None (PyTorch's idiom), …: nothing changed
                got = f"{type(old).__name__}: {old!r}"
                key = "engine.grad_not_a_number"
                raise error(TypeError, key, where=caller, node=describe(node), got=got) from None
            except GateError:
                raise error(
                    GradientError,
                    "autograd.accumulate_overflow",
                    True,
                    describe(node),
                    "inf",
                    caller=caller,
                    node=describe(node),
                    old=repr(old.data if _is_node(old) else old),
                    explanation=Words("engine.gradient_overflow"),
                ) from None
    for node, gradient in new.items():
        node.grad = gradient


def _is_node(x: Any) -> bool:
    """True for a Value (a ``.grad`` holds a number, or a Value after create_graph)."""
    return hasattr(x, "parents")


def _gradients(
    outputs: Sequence[Any], seeds: Sequence[Any], create_graph: bool, caller: str
) -> dict[Any, Any]:
    """∂(Σₖ seedₖ·outputₖ)/∂node for every node the outputs were computed from (the outputs
    included), without reading or writing any ``.grad``.

    backward()'s chain rule in backward()'s order (newest node first, so each node's gradient is
    complete before it sends it on), so the numbers are backward()'s to the last bit: a node's
    gradient is the sum, left to right, of what its children sent it, and it sends
    ``local × gradient`` to each of its parents.

    ``create_graph=False``: floats, from the local gradients the nodes stored in the forward pass
    (``seeds`` are floats). ``create_graph=True``: Values (``seeds`` are Values), from each gate's
    ``local_grads_graph``; the caller lets gates build nodes even inside ``no_grad()``.

    A gradient that cannot be built as a Value (beyond the largest float, or infinite: the xⁿ⁻¹ of
    x ** 0.5 at 0) is refused with the GradientError backward() raises for an infinite gradient;
    ``caller`` names the function in its message.
    """
    order = _reachable(outputs)
    order.sort(key=_BY_NUMBER, reverse=True)  # newest first: each node before its parents
    sent: dict[Any, list[Any]] = {}  # node -> what its children (or a seed) sent, in that order
    for output, seed in zip(outputs, seeds):
        sent.setdefault(output, []).append(seed)
    found: dict[Any, Any] = {}
    for node in order:
        gradient = _added_up(sent.pop(node), create_graph)
        found[node] = gradient
        if node.gate is None:
            continue  # a leaf: it only receives
        parents = node.parents
        try:
            if create_graph:
                local_grads = node.gate.local_grads_graph(node, *parents)
            else:
                local_grads = node.local_grads
            for parent, local_grad in zip(parents, local_grads):
                if local_grad.__class__ is float and local_grad == 1.0:
                    sent.setdefault(parent, []).append(gradient)  # 1 × gradient: the gradient
                else:
                    sent.setdefault(parent, []).append(local_grad * gradient)
        except GateError as failure:  # only while building Values: floats raise nothing here
            raise _not_buildable(caller, node, failure) from None
    return found


def _reachable(outputs: Sequence[Any]) -> list[Any]:
    """Every node the outputs were computed from, and the outputs, once each."""
    seen: set[Any] = set()
    stack = list(outputs)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.parents)
    return list(seen)


def _added_up(parts: list[Any], create_graph: bool) -> Any:
    """What a node received, added up left to right: as floats from 0.0, as backward() does
    (``grad = 0.0; grad += part``); as Values, the one part itself or a chain of + gates (the
    same float: 0.0 + a is a)."""
    if create_graph:
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        return total
    number = 0.0
    for part in parts:
        number += part
    return number


def _not_buildable(caller: str, node: Any, failure: GateError) -> GradientError:
    """The GradientError for a gradient that could not be built as a Value at node's gate: the
    gate's own words when its derivative is infinite there (√x at 0), else an overflow."""
    gate = node.gate
    inputs = ", ".join(describe(parent) for parent in node.parents[:4])
    singular = gate.infinite_derivative(*(parent.data for parent in node.parents))
    return error(
        GradientError,
        "autograd.not_buildable",
        not singular,
        describe(node),
        "inf",
        caller=caller,
        symbol=gate.symbol,
        inputs=inputs,
        problem=failure.problem,
        explanation=singular or Words("engine.gradient_overflow"),
    )
