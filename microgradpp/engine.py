"""The autodiff engine: a ``Value`` node and ``backward()``.

A ``Value`` holds a number (``data``), the gradient of some final result with respect to it
(``grad``), the nodes it was computed from (``parents``), the gate that computed it (``gate``) and
that gate's local gradients ∂self/∂parent (``local_grads``), worked out once in the forward pass.

``backward()`` is the only place the chain rule is written:

    parent.grad += local_grad * node.grad        for every edge, children before parents.

"Children before parents" comes for free: every node gets an increasing creation ``number``, and a
node is always created after its parents, so sorting the graph by number, largest first, puts every
node before the nodes it was computed from.

Every derivative lives in ``gates.py``. Add and mul, the two gates a network uses most, are
written out inline in ``__add__`` and ``__mul__`` for speed (a generic call per node costs 2-4x);
``tests/test_gates.py`` checks that they agree with ``gates.Add`` and ``gates.Mul``.

How a node is stored (one object per node, no tuples or closures beside it: each extra object
is more work for Python's cyclic garbage collector, the largest cost of building a graph):

    in0, in1    the parents of a one- or two-input node (in1 is None for one input);
                a node with any other number of inputs (sum, linear) keeps a tuple in in0
    d0, d1      the local gradients ∂node/∂in0, ∂node/∂in1 (a tuple in d0 for the n-input nodes)
    number      the creation number (see above);  mark  a stamp backward() leaves on visited nodes

``parents`` and ``local_grads`` read them back as tuples (read-only properties), so code using the
graph never needs to know the layout.
"""

from __future__ import annotations

import gc
import itertools
import math
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real
from operator import attrgetter
from typing import Any

from .errors import DomainError, GateError, GradientError
from .gates import GATES, Gate, base_pow_gate, pow_gate
from .i18n import Words

Number = int | float
_INF, _NEG_INF = math.inf, -math.inf
# isinstance(x, _REAL) means isinstance(x, Real), but float and int, the usual cases, are tried
# first: they are plain type checks, while a check against the abstract class Real goes through
# its registry of virtual subclasses, which costs more than building a node.
_REAL = (float, int, Real)
_ADD, _MUL, _SUM, _LINEAR = GATES["add"], GATES["mul"], GATES["sum"], GATES["linear"]
_EXP, _LOG, _RECIPROCAL, _MAX = GATES["exp"], GATES["log"], GATES["reciprocal"], GATES["max"]
_RELU, _TANH, _SIGMOID = GATES["relu"], GATES["tanh"], GATES["sigmoid"]

_next_number = itertools.count().__next__
"""Creation numbers 0, 1, 2, … (one shared counter: a node is numbered after its parents)."""
_BY_NUMBER = attrgetter("number")  # a sort key in C: sorting calls no Python function per node
_GRAD = attrgetter("grad")


class Value:
    """A scalar node of the computational graph.

    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> f = x * y + x
    >>> f.backward()
    >>> x.grad, y.grad          # ∂f/∂x = y + 1,  ∂f/∂y = x
    (4.0, 2.0)
    """

    __slots__ = ("data", "grad", "in0", "in1", "d0", "d1", "gate", "_label", "number", "mark")

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _checked_float(data)
        self.grad = 0.0
        # Parents and local gradients live in four slots instead of two tuples per node (fewer
        # objects for the garbage collector to track): in0/d0 hold the first parent and its local
        # gradient, in1/d1 the second; an n-ary gate keeps tuples of all of them in in0/d0 (in1
        # None); a leaf has None everywhere. The types vary by design, so they are Any here;
        # ``parents`` and ``local_grads`` read them back as typed tuples.
        self.in0: Any = None
        self.in1: Value | None = None
        self.d0: Any = None
        self.d1: Any = None
        self.gate: Gate | None = None
        self._label = "" if label.__class__ is str and not label else _checked_label(label)
        self.number = _next_number()
        self.mark: object = None

    @property
    def label(self) -> str:
        """The node's name in pictures, tables and error messages ('' for none).

        Checked when set (here and in the constructor): a str of at most ``MAX_LABEL_LENGTH``
        characters, none of them a control character (a line break "\\n" is allowed: pictures
        draw two lines), a lone surrogate or a Unicode noncharacter (U+FFFE …) — each of those
        breaks a table, a DOT file or an SVG later.
        """
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = _checked_label(label)

    # -- the graph, read back as tuples ---------------------------------------------------------

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in input order; ``()`` for a leaf. Read-only."""
        in0, in1 = self.in0, self.in1
        if in0 is None:
            return ()
        if in1 is not None:
            return (in0, in1)
        return in0 if type(in0) is tuple else (in0,)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent (same order), computed in the forward pass. Read-only."""
        if self.in0 is None:
            return ()
        d0 = self.d0
        if self.in1 is not None:
            return (d0, self.d1)
        return d0 if type(d0) is tuple else (d0,)

    # -- primitive gates ------------------------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        """self + other. Inline form of gates.Add: ∂/∂self = ∂/∂other = 1."""
        if not isinstance(other, Value):
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        data = self.data + other.data
        if not _NEG_INF < data < _INF:  # false for inf, -inf and nan
            raise _not_finite(_ADD, (self, other), data)
        # _node2(data, _ADD, self, other, 1.0, 1.0) written out: a + b is the commonest node, and
        # a function call is a large share of building one (tests/test_gates.py checks both agree)
        node = _new_value(Value)  # skips __init__: `data` is already a checked float
        node.data = data
        node.grad = 0.0
        node.in0 = self
        node.in1 = other
        node.d0 = 1.0
        node.d1 = 1.0
        node.gate = _ADD
        node._label = ""
        node.number = _next_number()
        node.mark = None
        if _no_grad_blocks:  # some thread is inside no_grad(): maybe this one
            _cut_if_no_grad(node)
        return node

    def __mul__(self, other: Value | Number) -> Value:
        """self · other. Inline form of gates.Mul: ∂/∂self = other, ∂/∂other = self."""
        if not isinstance(other, Value):
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        a, b = self.data, other.data
        data = a * b
        if not _NEG_INF < data < _INF:
            raise _not_finite(_MUL, (self, other), data)
        # _node2(data, _MUL, self, other, b, a) written out, as in __add__
        node = _new_value(Value)
        node.data = data
        node.grad = 0.0
        node.in0 = self
        node.in1 = other
        node.d0 = b
        node.d1 = a
        node.gate = _MUL
        node._label = ""
        node.number = _next_number()
        node.mark = None
        if _no_grad_blocks:
            _cut_if_no_grad(node)
        return node

    def exp(self) -> Value:
        """eˣ (gates.Exp)."""
        return _apply(_EXP, (self,))

    def log(self) -> Value:
        """ln x, for x > 0 (gates.Log)."""
        return _apply(_LOG, (self,))

    def reciprocal(self) -> Value:
        """1/x, for x != 0 (gates.Reciprocal)."""
        return _apply(_RECIPROCAL, (self,))

    def max(self, other: Value | Number) -> Value:
        """max(self, other); on a tie each input gets half the gradient (gates.Max)."""
        return _apply(_MAX, (self, _lift_or_raise(other, "max")))

    def __pow__(self, exponent: Number) -> Value:
        """self ** n for a constant number n (gates.Pow)."""
        if isinstance(exponent, Value):
            raise TypeError(
                "x ** y needs a constant number y; for a Value exponent write (y * x.log()).exp()"
            )
        return _apply(pow_gate(_checked_float(exponent, "exponent")), (self,))

    # -- fused gates ----------------------------------------------------------------------------

    def relu(self) -> Value:
        """max(0, x) as one gate (gates.Relu); relu'(0) = 0."""
        return _apply(_RELU, (self,))

    def tanh(self) -> Value:
        """tanh x as one gate (gates.Tanh); composites.tanh builds it from primitives."""
        return _apply(_TANH, (self,))

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1+e⁻ˣ) as one gate (gates.Sigmoid); composites.sigmoid is the circuit."""
        return _apply(_SIGMOID, (self,))

    # -- derived forms, built from the primitives above -----------------------------------------

    def __neg__(self) -> Value:
        """-x = x · (-1)."""
        return self * -1.0

    def __abs__(self) -> Value:
        """|x| = max(x, -x); at x = 0 the tie splits ½/½, so the gradient there is 0 (as PyTorch)."""
        return self.max(-self)

    def __sub__(self, other: Value | Number) -> Value:
        """a - b = a + (-b)."""
        if isinstance(other, bool) or not isinstance(other, (Value, *_REAL)):  # -True would be -1
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other: Number) -> Value:
        """b - a = b + (-a), for a number b (it stays the first input, as written)."""
        constant = _lift(other)
        if constant is NotImplemented:
            return NotImplemented
        return constant + (-self)

    def __truediv__(self, other: Value | Number) -> Value:
        """a / b = a · (1/b)."""
        if isinstance(other, Value):
            return self * other.reciprocal()
        if not isinstance(other, _REAL):
            return NotImplemented
        constant_reciprocal = _lift_or_raise(other, "/").reciprocal().data  # 1/0 raises here
        return self * constant_reciprocal

    def __rtruediv__(self, other: Number) -> Value:
        """b / a = b · (1/a), for a number b (it stays the first input, as written)."""
        constant = _lift(other)
        if constant is NotImplemented:
            return NotImplemented
        return constant * self.reciprocal()

    def __rpow__(self, base: Number) -> Value:
        """base ** x for a positive number base, as one gate bˣ (gates.BasePow): 2 ** x at x = 3
        is exactly 8.0."""
        base = _checked_float(base, "base")
        if base <= 0.0:
            raise GateError.at(
                {"gate": "base_pow", "symbol": "bˣ", "inputs": _describe(self)},
                Words("gate.base_pow.base", "gate.base_pow.base.remedy", {"base": repr(base)}),
                (base, self.data),
                ("", self.label),
            )
        return _apply(base_pow_gate(base), (self,))

    def __radd__(self, other: Number) -> Value:
        """2 + x: Python asks x, since 2 cannot add a Value; the 2 stays the first input, as written."""
        constant = _lift(other)
        if constant is NotImplemented:
            return NotImplemented
        return constant + self

    def __rmul__(self, other: Number) -> Value:
        """2 * x: as __radd__, the constant stays the first input."""
        constant = _lift(other)
        if constant is NotImplemented:
            return NotImplemented
        return constant * self

    # -- backward -------------------------------------------------------------------------------

    def backward(self, grad: float = 1.0) -> None:
        """Fill ``.grad`` of every node of this graph with ∂self/∂node (times ``grad``).

        Intermediate nodes get their gradient recomputed from scratch on every call, so calling
        backward twice gives them the same numbers again. Leaves *accumulate* (+=) until you reset
        them with ``zero_grad()``, as in PyTorch: that is how a mini-batch sums its gradients.

        If a gradient comes out inf or nan, every ``.grad`` is put back as it was and a
        GradientError names the node.

        The steps: (1) find the interior nodes (made by a gate) and the leaves of the graph;
        (2) sort the interior nodes by creation number, newest first: children before parents;
        (3) set their gradients to 0 and the root's to the seed; (4) the chain rule, node by node;
        (5) check the leaves: an inf or nan anywhere in the graph flows down into some leaf.
        """
        seed = _checked_float(grad, "grad")
        interior, leaves = _interior_and_leaves(self)
        interior.sort(key=_BY_NUMBER, reverse=True)  # newest first: each node before its parents
        # (backward_order(root) below is these two lines, for pictures of the steps and tests)
        saved_interior, saved_leaves = list(map(_GRAD, interior)), list(map(_GRAD, leaves))
        for node in interior:
            node.grad = 0.0
        self.grad += seed
        _chain_rule(interior)
        if not _all_finite(leaves):
            _restore(interior, saved_interior, leaves, saved_leaves)
            raise _gradient_error(self, seed, interior, saved_interior, leaves, saved_leaves)

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on every node of this graph."""
        interior, leaves = _interior_and_leaves(self)
        for node in interior:
            node.grad = 0.0
        for node in leaves:
            node.grad = 0.0

    # -- conveniences ---------------------------------------------------------------------------

    @property
    def is_leaf(self) -> bool:
        """True for inputs, parameters and constants (nodes no gate produced)."""
        return not self.parents

    def __float__(self) -> float:
        return self.data

    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _data(other)

    def __bool__(self) -> bool:
        """``if v:`` is ``if v.data != 0``, as PyTorch treats a one-element tensor:
        ``bool(Value(0.0))`` is False, ``bool(Value(-2.0))`` is True. (A Value is a number, not
        a container: it is not "true because it exists".)"""
        return self.data != 0.0

    __hash__ = object.__hash__  # nodes are compared by identity: a graph may hold equal numbers

    # -- pickle, copy.copy and copy.deepcopy, without recursion ----------------------------------

    def __reduce_ex__(self, protocol: object) -> tuple:
        """How pickle and copy.deepcopy save a node: without recursion, for graphs of any depth.

        Saved naively, a node's parents are saved inside it, their parents inside them, …: a
        chain of 5,000 nodes overflows Python's recursion limit. Instead the node being saved
        lists all its ancestors in topological order (parents first) *before* its own links, and
        marks them; each ancestor, when its turn comes, finds the mark and saves only its links
        to its parents — which were saved just before it, so nothing nests. Shared nodes stay
        shared (pickle's memo), gates stay the registry's own objects, and creation numbers are
        given again in an order where parents come first, so backward() works on the copy.
        """
        fields = (self.data, self.grad, self._label)
        if self.mark is _SAVED_WITH_A_CHILD:  # an ancestor listed by the node being saved
            self.mark = None
            return _restored_value, fields, ((), self._links(), None)
        ancestors = _ancestors(self)
        for node in ancestors:
            node.mark = _SAVED_WITH_A_CHILD
        return _restored_value, fields, (ancestors, self._links(), _ClearMarks(ancestors))

    def __copy__(self) -> Value:
        """copy.copy: a new node with the same data, grad, label and the *same* parents."""
        twin = _restored_value(self.data, self.grad, self._label)
        twin.__setstate__(((), self._links(), None))
        return twin

    def _links(self) -> tuple:
        return (self.in0, self.in1, self.d0, self.d1, _gate_spec(self.gate))

    def __setstate__(self, state: tuple) -> None:
        """The second half of unpickling: the links to the parents (already restored)."""
        _, links, _ = state
        self.in0, self.in1, self.d0, self.d1, spec = links
        self.gate = _gate_from_spec(spec)
        self.number = _next_number()  # parents were restored first: they get smaller numbers
        self.mark = None

    def __repr__(self) -> str:
        text = f"Value(data={self.data!r}, grad={self.grad!r}"
        if self.label:
            text += f", label={self.label!r}"
        if self.gate is not None:
            text += f", gate={self.gate.name}"
        return text + ")"


# ------------------------------------------------------------------------------------------------
# Pickle and deepcopy (see Value.__reduce_ex__)
# ------------------------------------------------------------------------------------------------

_SAVED_WITH_A_CHILD = object()
"""The mark on an ancestor listed by the node being pickled: save only your links."""


def _restored_value(data: float, grad: float, label: str) -> Value:
    """A node with its numbers and no links yet (``__setstate__`` adds them)."""
    node = _new_value(Value)
    node.data, node.grad, node._label = data, grad, label
    node.in0 = node.in1 = node.d0 = node.d1 = node.gate = None
    node.number = _next_number()
    node.mark = None
    return node


def _ancestors(root: Value) -> list[Value]:
    """Every node root was computed from, parents before children, root itself left out."""
    order = topological_order(root)
    order.pop()
    return order


class _ClearMarks:
    """Saved last in a node's state: by then every listed ancestor has been saved (and has
    cleared its own mark), except ones the pickle had saved before; this clears those."""

    def __init__(self, nodes: list[Value]) -> None:
        self.nodes = nodes

    def __reduce__(self) -> tuple:
        for node in self.nodes:
            if node.mark is _SAVED_WITH_A_CHILD:
                node.mark = None
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


# ------------------------------------------------------------------------------------------------
# Building nodes
# ------------------------------------------------------------------------------------------------

_new_value = object.__new__


def _node2(data: float, gate: Gate, a: Value, b: Value, da: float, db: float) -> Value:
    """The node a two-input gate produced from a and b (local gradients da, db).

    The finiteness check comes first, so a failing gate leaves no node behind. Under
    ``no_grad()`` the node keeps no parents: it is a constant leaf and the graph ends there.
    """
    if not _NEG_INF < data < _INF:  # false for inf, -inf and nan
        raise _not_finite(gate, (a, b), data)
    node = _new_value(Value)  # skips __init__: `data` is already a checked float
    node.data = data
    node.grad = 0.0
    node.in0 = a
    node.in1 = b
    node.d0 = da
    node.d1 = db
    node.gate = gate
    node._label = ""
    node.number = _next_number()
    node.mark = None
    if _no_grad_blocks:  # a global int first, the context variable only if needed: see no_grad()
        _cut_if_no_grad(node)
    return node


def _cut_if_no_grad(node: Value) -> None:
    """Inside no_grad() (in this thread) a new node keeps no parents: a constant leaf."""
    if not _grad_enabled.get():
        node.in0 = node.in1 = node.d0 = node.d1 = node.gate = None


def _not_finite(gate: Gate, parents: tuple, data: float) -> GateError:
    """The error for a result beyond the largest float: the gate says what overflowed and how
    to keep its inputs in range."""
    return _gate_error(gate, parents, gate.overflow(*(parent.data for parent in parents)))


def _node(data: float, parents: tuple, local_grads: tuple, gate: Gate) -> Value:
    """The node a gate with any number of inputs produced (see _node2 for the checks)."""
    if len(parents) == 2:
        return _node2(data, gate, parents[0], parents[1], local_grads[0], local_grads[1])
    if not _NEG_INF < data < _INF:
        raise _not_finite(gate, parents, data)
    node = _new_value(Value)
    node.data = data
    node.grad = 0.0
    node._label = ""
    node.number = _next_number()
    node.mark = None
    node.in1 = node.d1 = None
    if _no_grad_blocks and not _grad_enabled.get():
        node.in0 = node.d0 = node.gate = None
    elif len(parents) == 1:
        node.in0, node.d0, node.gate = parents[0], local_grads[0], gate
    else:  # n inputs: the tuples themselves
        node.in0, node.d0, node.gate = parents, local_grads, gate
    return node


def apply_gate(gate: Gate, *inputs: Value | Number) -> Value:
    """Run any gate on Values (numbers become constants): forward, local gradients, new node.

    This is how a new gate gets its method on Value::

        def softplus(self) -> Value:
            return apply_gate(GATES["softplus"], self)
    """
    return _apply(gate, tuple(_lift_or_raise(x, gate.name) for x in inputs))


def _apply(gate: Gate, parents: tuple) -> Value:
    """The general way to run a gate: forward, local gradients, node."""
    xs = [parent.data for parent in parents]
    try:
        out = gate.forward(*xs)
    except DomainError as error:
        raise _gate_error(gate, parents, error) from None
    return _node(out, parents, gate.local_grads(out, *xs), gate)


def _gate_error(gate: Gate, parents: tuple, error: DomainError) -> GateError:
    """The GateError naming the gate and its inputs, for the gate's DomainError."""
    shown = parents if len(parents) <= 6 else parents[:4]  # a 16-input neuron: keep it readable
    inputs = ", ".join(_describe(p) for p in shown)
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


def _describe(node: Value) -> str:
    """'x = -2.0' for a labelled node, '-2.0' otherwise."""
    return f"{node.label} = {node.data!r}" if node.label else repr(node.data)


def _checked_float(x: object, what: str = "Value data") -> float:
    """x as a float, or a TypeError naming its type / a ValueError for nan and inf."""
    if isinstance(x, bool) or not isinstance(x, _REAL):
        kind = "bool" if isinstance(x, bool) else type(x).__name__
        raise TypeError(f"{what} must be a real number (int or float), got {kind}: {x!r}")
    try:
        value = float(x)
    except OverflowError:  # an int beyond 1.8e308
        raise ValueError(f"{what} must be finite, got an int too large for a float") from None
    if not _NEG_INF < value < _INF:
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


MAX_LABEL_LENGTH = 100
"""The longest label a Value may have (a parameter name such as 'layer12.neuron128.w127' is 23)."""


def _checked_label(label: object) -> str:
    """label if it is a str that every table, DOT file and SVG can hold; else a clear error."""
    if type(label) is not str:
        if isinstance(label, str):  # a str subclass (numpy.str_ …): keep the plain text
            label = str.__str__(label)
        else:
            kind = type(label).__name__
            hint = " (decode it first: label.decode())" if isinstance(label, bytes) else ""
            raise TypeError(f"a label must be a str, got {kind}: {_short_repr(label)}{hint}")
    if len(label) > MAX_LABEL_LENGTH:
        raise ValueError(
            f"a label may be at most {MAX_LABEL_LENGTH} characters (it names a box in a picture),"
            f" got {len(label):,}: {_short_repr(label)}"
        )
    if label.isascii() and label.isprintable():  # the usual case, checked in C
        return label
    for position, char in enumerate(label):
        code = ord(char)
        problem = ""
        if 0xD800 <= code <= 0xDFFF:
            problem = "a lone surrogate (not a character: it cannot be written as UTF-8)"
        elif (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            problem = "a Unicode noncharacter (not allowed in SVG or HTML)"
        elif unicodedata.category(char) == "Cc" and char != "\n":  # a line break: two lines
            problem = "a control character (it would break a table or a picture)"
        if problem:
            raise ValueError(
                f"a label may not hold {problem}: U+{code:04X} at position {position} of "
                f"{_short_repr(label)}"
            )
    return label


def _short_repr(x: object, limit: int = 40) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _lift(x: object) -> Value:
    """A Python number as a constant leaf; NotImplemented for anything else (so Python raises)."""
    if isinstance(x, _REAL) and not isinstance(x, bool):
        return Value(x)  # type: ignore[arg-type]  # any Real: Value converts and checks it
    return NotImplemented


def _lift_or_raise(x: object, where: str) -> Value:
    if isinstance(x, Value):
        return x
    try:
        return Value(x)  # type: ignore[arg-type]  # Value refuses what is not a real number
    except TypeError:
        raise TypeError(
            f"{where} needs a Value or a real number, got {type(x).__name__}: {x!r}"
        ) from None


def _data(x: Value | Number) -> float:
    return x.data if isinstance(x, Value) else x


# ------------------------------------------------------------------------------------------------
# n-ary gates and module-level functions
# ------------------------------------------------------------------------------------------------


def maximum(a: Value | Number, b: Value | Number) -> Value:
    """max(a, b) as a gate (exported as ``microgradpp.max``)."""
    return _lift_or_raise(a, "max").max(b)


def sum_values(values: Iterable[Value | Number]) -> Value:
    """x₁ + … + xₙ as one n-ary node (exported as ``microgradpp.sum``); 0 for no values."""
    parents = tuple(_lift_or_raise(v, "sum") for v in values)
    if not parents:
        return Value(0.0)
    return _apply(_SUM, parents)


def linear(weights: Sequence[Value], inputs: Sequence[Value | Number], bias: Value) -> Value:
    """b + Σ wᵢxᵢ as one node (gates.Linear): what a neuron computes before its activation.

    Inline form of ``Linear.forward`` / ``Linear.local_grads`` for speed (a test checks they agree).
    """
    if len(weights) != len(inputs):
        raise ValueError(f"linear: {len(weights)} weights but {len(inputs)} inputs")
    parents = [bias]
    local_grads = [1.0]
    try:
        total = bias.data
        for w, x in zip(weights, inputs):
            if not isinstance(x, Value):
                x = _lift_or_raise(x, "linear")
            wd, xd = w.data, x.data
            total += wd * xd
            parents += (w, x)
            local_grads += (xd, wd)
    except (AttributeError, TypeError):  # a weight or the bias is not a Value (a float has no
        # .data; numpy's float64 has one, a memoryview, that fails only at the multiplication)
        kinds = sorted({type(p).__name__ for p in [bias, *weights] if not isinstance(p, Value)})
        if not kinds:
            raise  # the weights are Values: the error is about an input, and says so itself
        raise TypeError(
            f"linear needs the weights and the bias as Values (parameters), got {', '.join(kinds)}; "
            "wrap them: Value(0.5, label='w0')"
        ) from None
    return _node(total, tuple(parents), tuple(local_grads), _LINEAR)


# ------------------------------------------------------------------------------------------------
# backward, in its parts
# ------------------------------------------------------------------------------------------------


def _interior_and_leaves(root: Value) -> tuple[list[Value], list[Value]]:
    """Every node reachable from root once: (interior nodes, leaves), in the order found.

    Depth-first with a stack of nodes still to expand (no recursion, so no recursion limit). A
    node found is stamped with this call's own ``visit`` object in its ``mark`` slot, so it is
    not listed twice (cheaper than a set). Depth-first also finds the nodes almost newest-first
    (the last input of a node is usually the one made just before it), which makes the sort by
    creation number in backward() nearly free.
    """
    visit = object()
    root.mark = visit
    interior: list[Value] = []
    leaves: list[Value] = []
    if root.in0 is None:
        leaves.append(root)
        return interior, leaves
    stack = [root]
    # local names: a method looked up once, not once per node (this loop runs for every node)
    pop, push, add_interior, add_leaf = stack.pop, stack.append, interior.append, leaves.append
    tuple_ = tuple
    while stack:
        node = pop()
        add_interior(node)
        in0, in1 = node.in0, node.in1
        if in1 is not None:  # two inputs, written out (most of a graph): no tuple to build
            if in0.mark is not visit:
                in0.mark = visit
                (add_leaf if in0.in0 is None else push)(in0)
            if in1.mark is not visit:
                in1.mark = visit
                (add_leaf if in1.in0 is None else push)(in1)
            continue
        for parent in in0 if type(in0) is tuple_ else (in0,):
            if parent.mark is not visit:
                parent.mark = visit
                (add_leaf if parent.in0 is None else push)(parent)
    return interior, leaves


def backward_order(root: Value) -> list[Value]:
    """The gate nodes of root's graph in the order backward() hands their gradients down.

    Newest first (by creation ``number``): a node is always created after its parents, so each
    node comes before the nodes it was computed from, and its gradient is complete when its turn
    comes. Leaves (inputs, parameters, constants) have no turn: they only receive.
    """
    interior, _ = _interior_and_leaves(root)
    interior.sort(key=_BY_NUMBER, reverse=True)
    return interior


def recompute_local_grads(node: Value) -> None:
    """Ask node's gate again for its local gradients, from the numbers now in its parents.

    For tools that write a new sample's numbers into a graph that was already built
    (``compiled.Program.show_sample``): the wires of a picture show ``upstream × local``, so the
    local gradients must belong to the same sample as the values. A leaf has none to recompute.
    """
    gate, parents = node.gate, node.parents
    if gate is None or not parents:
        return
    grads = tuple(gate.local_grads(node.data, *(parent.data for parent in parents)))
    if node.in1 is not None:
        node.d0, node.d1 = grads
    elif type(node.in0) is tuple:
        node.d0 = grads
    else:
        (node.d0,) = grads


def _chain_rule(order: list[Value]) -> None:
    """parent.grad += local_grad * node.grad for every edge, in the given order.

    This is ``_chain_rule_textbook`` (below) with the tuples of ``parents`` / ``local_grads``
    unpacked by hand: 1- and 2-input nodes are most of a graph, and building a zip() for each
    costs as much as its two updates. ``tests/test_engine_fast_paths.py`` checks both give the same
    bits.
    """
    tuple_ = tuple
    for node in order:
        upstream = node.grad
        in1 = node.in1
        if in1 is not None:  # two inputs: +, ×, max
            node.in0.grad += node.d0 * upstream
            in1.grad += node.d1 * upstream
            continue
        in0 = node.in0
        if type(in0) is tuple_:  # n inputs: sum, linear
            for parent, local_grad in zip(in0, node.d0):
                parent.grad += local_grad * upstream
        else:  # one input: exp, log, tanh, …
            in0.grad += node.d0 * upstream


def _chain_rule_textbook(order: list[Value]) -> tuple[Value, Value, float] | None:
    """The chain rule as the textbook writes it, stopping at the first gradient that is not finite.

    Returns (node, parent, local_grad) for the edge that made ``parent.grad`` inf or nan (None if
    all stayed finite). backward() runs it only after a failure, to name the node; the tests run it
    beside ``_chain_rule`` to check the two agree.
    """
    for node in order:
        for parent, local_grad in zip(node.parents, node.local_grads):
            parent.grad += local_grad * node.grad
            if not _NEG_INF < parent.grad < _INF:
                return node, parent, local_grad
    return None


def _all_finite(leaves: list[Value]) -> bool:
    """True if no leaf's gradient is inf or nan.

    One C-level sum first: a finite sum proves every term finite (inf and nan never cancel out).
    Only if the sum is not finite (a bad gradient, or just an overflowing sum) look at each one.
    """
    total = sum(map(_GRAD, leaves))
    if _NEG_INF < total < _INF:
        return True
    return all(_NEG_INF < leaf.grad < _INF for leaf in leaves)


def _restore(
    interior: list[Value],
    saved_interior: list[float],
    leaves: list[Value],
    saved_leaves: list[float],
) -> None:
    for node, old in zip(interior, saved_interior):
        node.grad = old
    for node, old in zip(leaves, saved_leaves):
        node.grad = old


def _gradient_error(
    root: Value,
    seed: float,
    interior: list[Value],
    saved_interior: list[float],
    leaves: list[Value],
    saved_leaves: list[float],
) -> GradientError:
    """Run backward again, the textbook way with a check on every edge, to name the first node
    whose gradient went inf or nan; then put every gradient back and return the error."""
    for node in interior:
        node.grad = 0.0
    root.grad += seed
    if not _NEG_INF < root.grad < _INF:  # a leaf root: its old gradient plus the seed overflowed
        bad, culprit = root, None
    else:
        found = _chain_rule_textbook(interior)
        if found is None:  # pragma: no cover - the same arithmetic again cannot succeed
            bad = next(leaf for leaf in leaves if not _NEG_INF < leaf.grad < _INF)
            culprit = None
        else:
            node, bad, local_grad = found
            culprit = (node, local_grad)
    came_out = bad.grad
    _restore(interior, saved_interior, leaves, saved_leaves)
    explanation = GRADIENT_OVERFLOW
    overflow = True
    if culprit is not None:
        node, local_grad = culprit
        if not _NEG_INF < local_grad < _INF:  # the gate's own derivative is infinite here
            gate = node.gate
            assert gate is not None  # a local gradient belongs to a gate node
            singular = gate.infinite_derivative(*(p.data for p in node.parents))
            if singular:
                explanation, overflow = singular, False
    return GradientError(
        f"backward: the gradient of {_describe(bad)} came out {came_out!r}; "
        f"all gradients were restored. {explanation}",
        overflow,
        _describe(bad),
        repr(came_out),
    )


GRADIENT_OVERFLOW = (
    "A gradient is the product of the local derivatives along the paths from the output (times "
    "the seed), and this one grew beyond the largest float (about 1.8e308). Remedy: keep the "
    "inputs where the gates' derivatives are moderate, or scale the output (or the seed) down."
)
"""backward()'s explanation of a gradient beyond the largest float; training adds its own
advice (``errors.training_advice``)."""


# ------------------------------------------------------------------------------------------------
# Graph traversal
# ------------------------------------------------------------------------------------------------


_PARENTS_LISTED = object()  # a marker on topological_order's stack (see there)


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph once, each after all of its parents; root is last.

    Depth-first search, as micrograd's recursive ``build_topo``, with a stack instead of recursion
    (so no recursion limit). The first time a node comes off the stack it goes back on, under a
    marker, with its parents on top of it; by the time the marker comes off, all those parents
    (and theirs) are listed, so the node can follow. Parents are visited in order, so the list is
    the same on every run: for ``(x + y) * z`` it is x, y, x + y, z, (x + y) * z, the order the
    expression is evaluated in. (backward() does not need this order: see its docstring.)
    """
    if not isinstance(root, Value):  # every picture, page and exercise starts here
        got = type(root).__name__
        raise TypeError(f"expected a microgradpp.Value (the result of a computation), got {got}")
    order: list[Value] = []
    expanded: set[Value] = set()
    stack: list[Any] = [root]  # Values, and the marker _PARENTS_LISTED
    push, pop = stack.append, stack.pop  # looked up once, not once per node
    while stack:
        node = pop()
        if node is _PARENTS_LISTED:
            order.append(pop())  # the node under the marker
        elif node not in expanded:
            expanded.add(node)
            push(node)
            push(_PARENTS_LISTED)
            for parent in reversed(node.parents):  # reversed: the first parent comes off first
                if parent not in expanded:
                    push(parent)
    return order


# ------------------------------------------------------------------------------------------------
# no_grad (per thread) and gc_paused
# ------------------------------------------------------------------------------------------------

_grad_enabled: ContextVar[bool] = ContextVar("microgradpp_grad_enabled", default=True)
"""Gradient mode of the running thread (and asyncio task): each has its own value."""
_no_grad_blocks = 0
"""How many ``no_grad()`` blocks are open in all threads together. While it is 0, grad mode is on
everywhere, so building a node reads this one global instead of the context variable (a global
read is the cheapest lookup Python has, and it happens for every node); otherwise it asks the context variable, which answers for the running thread only."""
_no_grad_lock = threading.Lock()


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside ``with no_grad():`` gates build no graph: results are constant leaves.

    Use it for evaluation and for updating parameters. The switch belongs to the thread (and the
    asyncio task) that enters the block, as PyTorch's grad mode: another thread building a graph
    meanwhile still gets its gradients. Blocks nest; leaving one restores the mode before it.
    """
    global _no_grad_blocks
    with _no_grad_lock:
        _no_grad_blocks += 1
    previous = _grad_enabled.get()
    _grad_enabled.set(False)
    try:
        yield
    finally:
        _grad_enabled.set(previous)
        with _no_grad_lock:
            _no_grad_blocks -= 1


def is_grad_enabled() -> bool:
    """False inside ``no_grad()`` (in this thread)."""
    return _grad_enabled.get()


_gc_lock = threading.Lock()
_gc_pauses = 0  # gc_paused() blocks open, in all threads
_gc_was_enabled = False  # the collector's state when the first of them opened


@contextmanager
def gc_paused() -> Iterator[None]:
    """Switch Python's cyclic garbage collector off inside the block, and back as it was after.

    Why: the collector re-scans every live object each time enough new objects were made, so
    while a large graph is being built most of the time goes into scans that find nothing (a
    graph of Values has no reference cycles: reference counting frees it). ``fit()`` uses this
    around each training step. Blocks nest and may overlap in several threads: the first to open
    records whether the collector was on, the last to close restores that. Memory in reference
    cycles your own code makes inside the block is freed later, when the collector runs again.

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()
