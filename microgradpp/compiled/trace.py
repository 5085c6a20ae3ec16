"""Step 1, trace: one sample's loss graph, built by the normal engine, and a guard that keeps it
honest.

The inputs and the targets are leaf ``Value`` s (a class label becomes a one-hot target); the
parameters are the model's own ``Value`` s. The result is an ordinary graph: ``draw_graph`` can
draw it, ``backward()`` can run on it.

One graph stands for every sample only if no sample's *numbers* chose its shape. A model that
writes ``z if z.data > 0 else z * 0.01`` builds a different graph for a negative z; replayed, the
traced sample's choice would be applied to all of them, silently. So while tracing, reading the
number of a Value that depends on the sample — ``.data``, ``.local_grads``, comparing it
(``z > 0``), ``bool(z)``, ``float(z)`` — raises a ``CompiledError`` naming the line that did it.
(The engine's own arithmetic, and the layers of ``nn``, read numbers to compute them, not to
choose: they are allowed.) A choice made inside a gate (relu, max, softplus) is fine: the gate
makes it again for every sample in its numpy form.

As a second line of defence two samples are traced (the first, and the first with a different
target) and their graphs compared node by node.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from ..engine import Value, create_graph_refused
from ..errors import CompiledError
from ..i18n import Words, error
from ..nn import Module

# ------------------------------------------------------------------------------------------------
# The guard
# ------------------------------------------------------------------------------------------------

# Code that reads numbers to compute with them, never to choose a graph: the engine and gates
# (every node's value; diagnosis words a failing gate's error), nn (a Layer notes its dead ReLUs),
# and compiled mode itself.
_TRUSTED = tuple(
    f"microgradpp.{name}"
    for name in ("engine", "value_checks", "diagnosis", "pickling", "gates", "nn", "compiled")
)


class _Guard:
    """Which Values depend on the sample being traced (memoised by creation number)."""

    def __init__(self, leaves: list[Value]) -> None:
        self.depends_on = {leaf.number: True for leaf in leaves}

    def depends(self, node: Value) -> bool:
        """True when a sample leaf (input or target) is among the node's ancestors."""
        known = self.depends_on
        stack = [node]
        while stack:
            top = stack[-1]
            if top.number in known:
                stack.pop()
                continue
            pending = [p for p in top.parents if p.number not in known]
            if pending:
                stack += pending
                continue
            known[top.number] = any(known[p.number] for p in top.parents)
            stack.pop()
        return known[node.number]


_guard: ContextVar[_Guard | None] = ContextVar("microgradpp_tracing", default=None)


def _refuse(node: Value, what: str) -> None:
    """Raise when untrusted code, while tracing, reads a number that depends on the sample."""
    guard = _guard.get()
    if guard is None or not guard.depends(node):
        return
    frame = sys._getframe(2)  # the code that read it (above the guarded method)
    value = (
        Words("compiled.traced_read.named", fields={"label": repr(node.label)})
        if node.label
        else Words("compiled.traced_read.unnamed")
    )
    raise error(CompiledError, "compiled.traced_read", what=what, value=value, place=_place(frame))


def _place(frame: Any) -> str:
    code = frame.f_code
    filename = code.co_filename.rsplit("/", 1)[-1]
    return f"{filename}:{frame.f_lineno} (in {code.co_name})"


_ENGINE = vars(sys.modules[Value.__module__])  # the engine's globals: most reads come from there
_DATA = Value.__dict__["data"]  # the slot itself: reading and writing it costs no Python call
_ORIGINAL = {
    name: Value.__dict__[name]
    for name in (
        "data",
        "local_grads",
        "__lt__",
        "__le__",
        "__gt__",
        "__ge__",
        "__bool__",
        "__float__",
    )
}


def _guarded_data(self: Value) -> float:
    if _guard.get() is not None:
        caller = sys._getframe(1).f_globals
        if caller is not _ENGINE and not caller.get("__name__", "").startswith(_TRUSTED):
            _refuse(self, ".data")
    return _DATA.__get__(self, Value)


def _trusted_caller() -> bool:
    return sys._getframe(2).f_globals.get("__name__", "").startswith(_TRUSTED)


def _set_data(self: Value, value: float) -> None:
    _DATA.__set__(self, value)


def _guarded_local_grads(self: Value) -> tuple[float, ...]:
    if _guard.get() is not None and not _trusted_caller():
        _refuse(self, ".local_grads")
    return _ORIGINAL["local_grads"].fget(self)


def _comparison(name: str) -> Any:
    original = _ORIGINAL[name]

    def compare(self: Value, other: Any) -> bool:
        if _guard.get() is not None and not _trusted_caller():
            _refuse(self, name)
            if isinstance(other, Value):
                _refuse(other, name)
        return original(self, other)

    return compare


def _conversion(name: str, what: str) -> Any:
    original = _ORIGINAL[name]

    def convert(self: Value) -> Any:
        if _guard.get() is not None and not _trusted_caller():
            _refuse(self, what)
        return original(self)

    return convert


_GUARDED = {
    "data": property(_guarded_data, _set_data),
    "local_grads": property(_guarded_local_grads),
    **{name: _comparison(name) for name in ("__lt__", "__le__", "__gt__", "__ge__")},
    "__bool__": _conversion("__bool__", "bool()"),  # an if, a while, and, or, not
    "__float__": _conversion("__float__", "float()"),
}
GRADIENT_OF_A_GRADIENT = "compiled.create_graph"
"""Why a traced loss may not differentiate a gradient (the catalogs' message, in every language)."""
_install_lock = threading.Lock()
_tracers = 0  # tracing blocks open now, in all threads: the guarded forms stay while any is


@contextmanager
def tracing(leaves: list[Value]) -> Iterator[None]:
    """While inside, reading a number that depends on ``leaves`` raises CompiledError (this
    thread only; other threads read as usual, a little slower)."""
    global _tracers
    with _install_lock:
        if _tracers == 0:
            for name, guarded in _GUARDED.items():
                setattr(Value, name, guarded)
        _tracers += 1
    token = _guard.set(_Guard(leaves))
    try:
        with create_graph_refused(GRADIENT_OF_A_GRADIENT):
            yield
    finally:
        _guard.reset(token)
        with _install_lock:
            _tracers -= 1
            if _tracers == 0:
                for name, original in _ORIGINAL.items():
                    setattr(Value, name, original)


# ------------------------------------------------------------------------------------------------
# One sample's graph
# ------------------------------------------------------------------------------------------------


class Trace:
    """One sample's loss graph: leaves for its inputs and targets, the model's outputs, the loss.

    ``spec`` (``compiled.losses``) builds the loss from the outputs and the target leaves.
    """

    def __init__(
        self, model: Module, spec: Any, x: Any, t: Any, width: int, leaves: Trace | None = None
    ) -> None:
        """``leaves``: reuse another trace's input and target leaves (with this sample's numbers
        for the time of the trace), so the two graphs share them and compare fast."""
        if leaves is None:
            self.inputs = [Value(float(v), f"x{i}") for i, v in enumerate(x)]
            labels = spec.target_labels(len(t))
            self.targets = [Value(float(v), label) for v, label in zip(t, labels)]
        else:
            self.inputs, self.targets = leaves.inputs, leaves.targets
            saved = [v.data for v in (*self.inputs, *self.targets)]
            for v, number in zip((*self.inputs, *self.targets), (*x.tolist(), *t.tolist())):
                v.data = number
        try:
            with tracing([*self.inputs, *self.targets]):
                out = model.forward_batch([self.inputs])[0]
                self.outputs: list[Value] = list(out) if isinstance(out, (list, tuple)) else [out]
                if len(self.outputs) != width:
                    raise error(
                        CompiledError,
                        "compiled.model.outputs",
                        count=len(self.outputs),
                        width=width,
                    )
                self.loss = spec.per_sample(self.outputs, self.targets)
        finally:
            if leaves is not None:
                for v, number in zip((*self.inputs, *self.targets), saved):
                    v.data = number


def difference(a: Trace, b: Trace, parameter_ids: set[int]) -> Words | None:
    """How the graphs of two traced samples differ (None: the same program).

    Walks both graphs from the loss (and the outputs) down, side by side: the same gate with the
    same number of inputs at every node, the same leaf (parameter, input, target: the traces
    share them) or a constant with the same number.
    """
    matched: dict[int, Value] = {}
    stack = list(zip([a.loss, *a.outputs], [b.loss, *b.outputs]))
    while stack:
        node_a, node_b = stack.pop()
        if node_a is node_b:
            continue
        if node_a.gate is not node_b.gate or len(node_a.parents) != len(node_b.parents):
            name = node_a.gate.name if node_a.gate is not None else "leaf"
            return Words("compiled.difference.gate", fields={"gate": name})
        parents_a, parents_b = node_a.parents, node_b.parents
        if parents_a == parents_b:  # the same Values (compared by identity, at C speed)
            continue
        for pa, pb in zip(parents_a, parents_b):
            if pa is pb:  # the same parameter, input, target (or a Value made before tracing)
                continue
            seen = matched.get(id(pa))
            if seen is not None:
                if seen is not pb:
                    return Words("compiled.difference.feeds")
                continue
            matched[id(pa)] = pb
            if pa.parents:
                stack.append((pa, pb))
                continue
            if id(pa) in parameter_ids or id(pb) in parameter_ids:
                return Words("compiled.difference.leaf")
            if pa.data != pb.data:
                fields = {"first": repr(pa.data), "second": repr(pb.data)}
                return Words("compiled.difference.constant", fields=fields)
    return None


def gate_nodes(roots: list[Value], known: set[int]) -> tuple[list[Value], list[Value], set[int]]:
    """The gate nodes below the roots in topological order (every node after all of its
    inputs), the constants, and the ids of the known leaves reached.

    ``known`` are the leaves listed in advance (parameters, inputs, targets: most of a network's
    graph); they are skipped with set operations at C speed, so only the few hundred gate nodes
    (and constants) are visited one by one. A node reached again on a second path (a skip
    connection, ``o.tanh() + o``) is listed once, after everything below it.
    """
    order: list[Value] = []
    constants: list[Value] = []
    leaves: set[int] = set()
    expanded: set[int] = set()  # nodes whose inputs have been pushed (or that are leaves)
    stack: list[tuple[Value, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        key = id(node)
        if key in expanded or key in known:
            continue
        expanded.add(key)
        parents = node.parents
        if not parents:  # a root that is a leaf, or a constant
            if key not in known:
                constants.append(node)
            continue
        stack.append((node, True))
        ids = set(map(id, parents))
        leaves |= ids & known
        new = ids - known - expanded
        for parent in reversed(parents):  # reversed: the first input comes off the stack first
            if id(parent) in new:
                new.discard(id(parent))
                if parent.parents:
                    stack.append((parent, False))
                else:
                    expanded.add(id(parent))
                    constants.append(parent)
    return order, constants, leaves
