"""micrograd's ``Value`` (``micrograd/engine.py``) on top of microgradpp's engine.

Everything micrograd's Value has is here, spelled as micrograd spells it:

* ``Value(data, _children=(), _op='', label='')`` — the constructor of micrograd and of the lecture;
* ``_prev`` — the set of nodes this one was computed from;
* ``_op`` — the operation that made it: ``'+'``, ``'*'``, ``'**3'``, ``'ReLU'``, ``'tanh'``, ``'exp'``;
* ``_backward()`` — this node's own step of the chain rule: for each node ``p`` in ``_prev``,
  ``p.grad += ∂self/∂p · self.grad``. A node you build yourself (``Value(t, (x,), 'tanh')``) gets
  the ``_backward`` you assign to it, exactly as in micrograd;
* ``backward()`` — sort the graph so children come after their parents, set ``self.grad = 1``
  and call ``_backward()`` on every node in reverse order: micrograd's algorithm, line for line.

The numbers come from microgradpp's gates (``microgradpp/gates.py``): each operation below lifts a
plain number to a ``Value``, lets ``microgradpp.Value`` compute the node (value and local
gradients) and hands back the result as this class, with its ``_op`` set.

What differs from micrograd, and why:

* **A second ``backward()``** on the same graph gives the same gradients for every node that an
  operation produced; micrograd adds the second pass on top of the first (its ``+=`` never starts
  from zero), so every gradient below the output doubles or worse. Leaves still accumulate until
  you zero them, as in micrograd and PyTorch: a mini-batch sums its gradients that way.
* **Errors**: ``Value(0) ** -1``, ``Value(-1).log()``, ``Value(800).exp()`` raise
  ``microgradpp.GateError`` naming the operation and its input, and a gradient that comes out
  inf or nan raises ``microgradpp.GradientError`` (every gradient is put back first); micrograd
  raises ``ZeroDivisionError``/``OverflowError`` or carries on with inf and nan.
  ``Value('3')`` and ``Value(float('nan'))`` are refused at once (micrograd accepts them).
* **Order**: ``_prev`` is a set, as in micrograd, but ``backward()`` and ``draw_dot`` walk the
  children in the order they were written, so every run draws the same picture; the walk uses a
  stack, not recursion, so a deep graph does not hit Python's recursion limit.
* ``grad`` starts as ``0.0`` (a float), not ``0``.
* More operations: ``exp``, ``tanh``, ``log``, ``sigmoid``, ``max``, ``abs``, ``2 ** x``.
* A node you build with ``Value(data, _children, _op)`` is seen by this class's ``backward()``,
  ``zero_grad()`` and ``draw_dot``; microgradpp's own tools (``microgradpp.viz``,
  ``topological_order``) see it as an input, since its derivative lives in your closure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, cast

from .. import engine as _core
from ..errors import GradientError
from ..i18n import error
from ..value_checks import REAL

Number = int | float
_CORE_SLOTS = _core.Value.__slots__


class Value(_core.Value):
    """A scalar that remembers how it was computed, with micrograd's names.

    >>> a, b = Value(-4.0), Value(2.0)
    >>> c = a * b + b**3
    >>> c._op, sorted(p.data for p in c._prev)
    ('+', [-8.0, 8.0])
    >>> c.backward()
    >>> a.grad, b.grad            # ∂c/∂a = b,  ∂c/∂b = a + 3b²
    (2.0, 8.0)
    """

    # No __slots__ here: each node gets a __dict__, which holds _children, _op and, for a node
    # you build yourself, the _backward closure you assign (micrograd's way of adding an op).

    def __init__(
        self, data: Number, _children: Iterable[_core.Value] = (), _op: str = "", label: str = ""
    ) -> None:
        super().__init__(data, label=label)
        self._children: tuple[_core.Value, ...] = tuple(_children)
        self._op = _op

    @property
    def _prev(self) -> set[_core.Value]:
        """The nodes this one was computed from (a set, as in micrograd: ``a + a`` has one)."""
        return set(self._children)

    def _backward(self) -> None:
        """This node's step of the chain rule: p.grad += ∂self/∂p · self.grad for each parent p.

        ∂self/∂p (the local gradient) was worked out by the gate in the forward pass; a node you
        built yourself has none, and does nothing until you assign it a ``_backward`` function.
        """
        for parent, local_grad in zip(self.parents, self.local_grads):
            parent.grad += local_grad * self.grad

    def backward(self) -> None:  # type: ignore[override]
        """Fill ``.grad`` of every node with ∂self/∂node: micrograd's algorithm.

        Sort the graph (children after the nodes they came from), set ``self.grad = 1`` and call
        every node's ``_backward()`` from the output down. Unlike micrograd, nodes that an
        operation produced start from 0 on every call, so calling it twice gives the same numbers;
        leaves accumulate until ``zero_grad()``.
        """
        topo = _build_topo(self)
        saved = [v.grad for v in topo]
        for v in topo:
            if _children_of(v):
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()  # type: ignore[attr-defined]
        for v in reversed(topo):  # the first bad one from the output down is where it started
            bad = v.grad
            if not math.isfinite(bad):
                for restored, old in zip(topo, saved):
                    restored.grad = old
                name = f"{v.label} = {v.data!r}" if v.label else repr(v.data)
                raise error(GradientError, "micrograd.gradient", node=name, value=repr(bad))

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on every node of this graph."""
        for v in _build_topo(self):
            v.grad = 0.0

    # -- operations: lift numbers to Values, let microgradpp compute, keep micrograd's names -----

    def __add__(self, other: _core.Value | Number) -> Value:
        return _made(_core.Value.__add__(self, _lift(other)), "+")

    def __mul__(self, other: _core.Value | Number) -> Value:
        return _made(_core.Value.__mul__(self, _lift(other)), "*")

    def __pow__(self, other: Number) -> Value:
        return _made(_core.Value.__pow__(self, other), f"**{other}")

    def relu(self) -> Value:
        return _made(_core.Value.relu(self), "ReLU")

    def tanh(self) -> Value:
        return _made(_core.Value.tanh(self), "tanh")

    def exp(self) -> Value:
        return _made(_core.Value.exp(self), "exp")

    def log(self) -> Value:
        return _made(_core.Value.log(self), "log")

    def sigmoid(self) -> Value:
        return _made(_core.Value.sigmoid(self), "sigmoid")

    def reciprocal(self) -> Value:
        return _made(_core.Value.reciprocal(self), "1/x")

    def max(self, other: _core.Value | Number) -> Value:
        return _made(_core.Value.max(self, _lift(other)), "max")

    # micrograd's derived forms, written as micrograd writes them (so pictures match the lecture);
    # -x, a - b and abs(x) come from microgradpp.Value and call the operations above.

    def __radd__(self, other: Number) -> Value:  # other + self
        return self + other

    def __rmul__(self, other: Number) -> Value:  # other * self
        return self * other

    def __rsub__(self, other: Number) -> Value:  # other - self
        return cast(Value, other + (-self))  # -self is this class, so the sum is too

    def __truediv__(self, other: _core.Value | Number) -> Value:  # self / other
        if isinstance(other, _core.Value) or (_is_number(other) and other != 0):
            return self * other**-1
        return cast(Value, _core.Value.__truediv__(self, other))  # x / 0: microgradpp's GateError

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        return other * self**-1

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def _is_number(x: object) -> bool:
    return isinstance(x, REAL) and not isinstance(x, bool)


def _lift(x: object) -> Any:
    """A plain number becomes a constant Value of this class (so it has _prev, _op, _backward)."""
    return Value(cast(float, x)) if _is_number(x) else x  # else microgradpp.Value decides


def _made(node: _core.Value, op: str) -> Value:
    """The node microgradpp.Value computed, as this class, with micrograd's ``_op``."""
    if node is NotImplemented:
        return node
    out = object.__new__(Value)
    for slot in _CORE_SLOTS:  # whatever the core keeps per node (data, grad, parents, …)
        try:
            setattr(out, slot, getattr(node, slot))
        except AttributeError:  # a slot the core left unset
            pass
    out._children = node.parents
    out._op = op if node.parents else ""  # under no_grad() the result is a constant
    return out


def _children_of(v: _core.Value) -> tuple[_core.Value, ...]:
    children = getattr(v, "_children", None)
    return v.parents if children is None else children


def _build_topo(root: _core.Value) -> list[_core.Value]:
    """micrograd's ``build_topo`` (every node after the nodes it came from) with a stack.

    A node is listed once all its children are; children are visited in the order written, so
    the list is the same on every run.
    """
    topo: list[_core.Value] = []
    visited: set[_core.Value] = set()
    stack: list[tuple[_core.Value, bool]] = [(root, False)]
    while stack:
        v, children_done = stack.pop()
        if children_done:
            topo.append(v)
        elif v not in visited:
            visited.add(v)
            stack.append((v, True))
            for child in reversed(_children_of(v)):
                if child not in visited:
                    stack.append((child, False))
    return topo
