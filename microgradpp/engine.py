"""The autodiff engine: a ``Value`` node and ``backward()``.

A ``Value`` holds a number (``data``), the gradient of some final result with respect to it
(``grad``), the nodes it was computed from (``parents``), the gate that computed it (``gate``) and
that gate's local gradients ∂self/∂parent (``local_grads``), worked out once in the forward pass.

``backward()`` is the chain rule, once for every edge, children before parents:

    parent.grad += local_grad * node.grad

"Children before parents" comes for free: every node gets an increasing creation ``number``, and a
node is always created after its parents, so sorting the graph by number, largest first, puts every
node before the nodes it was computed from.

Every derivative lives in ``gates.py``; ``textbook.py`` is this file's algorithm alone, on one
screen. Reading order here: the Value and its gates, ``backward()``, the readable forms
(``chain_rule``, ``backward_order``, ``topological_order``, ``_apply``), then the fast paths that
build nodes (how a node is stored is explained there). backward()'s own fast passes are in
``fast_backward.py``; each fast path is tested against its readable form in
``tests/test_engine_fast_paths.py`` and ``tests/test_gates.py``. Elsewhere: gradients as Values
(``backward(create_graph=True)``, the chain rule on Values) in ``gradient_graph.py``;
``no_grad`` in ``grad_mode.py``; checks of what a Value accepts in ``value_checks.py``; the errors
a failing gate or backward raises in ``diagnosis.py``; pickling and copying in ``pickling.py``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from . import grad_mode, pickling
from .diagnosis import base_pow_error, gate_error, grad_not_a_number, gradient_error, overflow_error
from .errors import DomainError
from .fast_backward import all_finite, chain_rule_fast, gate_nodes_and_leaves
from .gates import GATES, Gate, base_pow_gate, pow_gate
from .grad_mode import create_graph_refused as create_graph_refused  # read from here too
from .grad_mode import cut_if_no_grad, refuse_a_no_grad_result
from .grad_mode import is_grad_enabled as is_grad_enabled  # read from here too
from .grad_mode import no_grad as no_grad  # read from here too
from .gradient_graph import backward_building_graph
from .gradient_graph import gradients as gradients  # read from here too
from .i18n import error
from .value_checks import MAX_LABEL_LENGTH as MAX_LABEL_LENGTH  # read from here too
from .value_checks import REAL, check_flags, checked_float, checked_label

Number = int | float
_INF, _NEG_INF = math.inf, -math.inf
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

    __slots__ = (  # how the links are stored: see "Fast paths" below
        "data",
        "grad",
        "first_parent",
        "second_parent",
        "first_local_grad",
        "second_local_grad",
        "gate",
        "_label",
        "number",
        "last_visit",
    )

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = checked_float(data)
        self.grad = 0.0
        # A leaf: no parents, no gate. The parent slots hold a Value or a tuple (see "Fast paths"
        # below), so they are Any here; ``parents`` and ``local_grads`` are typed tuples.
        self.first_parent: Any = None
        self.second_parent: Value | None = None
        self.first_local_grad: Any = None
        self.second_local_grad: Any = None
        self.gate: Gate | None = None
        self._label = "" if label.__class__ is str and not label else checked_label(label)
        self.number = _next_number()
        self.last_visit: object = None

    @property
    def label(self) -> str:
        """The node's name in pictures, tables and error messages ('' for none); checked when set
        (``value_checks.checked_label``: at most ``MAX_LABEL_LENGTH`` characters that every
        table, DOT file and SVG can hold)."""
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = checked_label(label)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The nodes this one was computed from, in input order; ``()`` for a leaf. Read-only."""
        first, second = self.first_parent, self.second_parent
        if first is None:
            return ()
        if second is not None:
            return (first, second)
        return first if type(first) is tuple else (first,)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent (same order), computed in the forward pass. Read-only."""
        if self.first_parent is None:
            return ()
        first = self.first_local_grad
        if self.second_parent is not None:
            return (first, self.second_local_grad)
        return first if type(first) is tuple else (first,)

    @property
    def is_leaf(self) -> bool:
        """True for inputs, parameters and constants (nodes no gate produced)."""
        return not self.parents

    # -- gates: each asks gates.py for its value and local gradients (see _apply) ---------------
    # (__add__ and __mul__, the commonest, are written out inline: see "Fast paths" below)

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
            raise error(TypeError, "engine.pow_value")
        return _apply(pow_gate(checked_float(exponent, "exponent")), (self,))

    def __rpow__(self, base: Number) -> Value:
        """base ** x for a positive number base, as one gate bˣ (gates.BasePow): 2 ** x at x = 3
        is exactly 8.0."""
        base = checked_float(base, "base")
        if base <= 0.0:
            raise base_pow_error(self, base)
        return _apply(base_pow_gate(base), (self,))

    def relu(self) -> Value:
        """max(0, x) as one gate (gates.Relu); relu'(0) = 0."""
        return _apply(_RELU, (self,))

    def step(self) -> Value:
        """1 if x > 0 else 0 (gates.Step): relu's derivative, with derivative 0."""
        return _apply(GATES["step"], (self,))

    def tanh(self) -> Value:
        """tanh x as one gate (gates.Tanh); composites.tanh builds it from primitives."""
        return _apply(_TANH, (self,))

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1+e⁻ˣ) as one gate (gates.Sigmoid); composites.sigmoid is the circuit."""
        return _apply(_SIGMOID, (self,))

    # -- derived forms, built from the gates above ------------------------------------------------

    def __neg__(self) -> Value:
        """-x = x · (-1)."""
        return self * -1.0

    def __abs__(self) -> Value:
        """|x| = max(x, -x); at x = 0 the tie splits ½/½, so the gradient there is 0 (as PyTorch)."""
        return self.max(-self)

    def __sub__(self, other: Value | Number) -> Value:
        """a - b = a + (-b)."""
        if isinstance(other, bool) or not isinstance(other, (Value, *REAL)):  # -True would be -1
            return NotImplemented
        return self + (-other)

    def __truediv__(self, other: Value | Number) -> Value:
        """a / b = a · (1/b)."""
        if isinstance(other, Value):
            return self * other.reciprocal()
        if not isinstance(other, REAL):
            return NotImplemented
        constant_reciprocal = _lift_or_raise(other, "/").reciprocal().data  # 1/0 raises here
        return self * constant_reciprocal

    # 2 + x, 2 - x, 2 / x, 2 * x: Python asks x, since 2 cannot do it with a Value; the number
    # becomes a constant leaf and stays the first input, as written.

    def __radd__(self, other: Number) -> Value:
        constant = _lift(other)
        return NotImplemented if constant is NotImplemented else constant + self

    def __rsub__(self, other: Number) -> Value:
        constant = _lift(other)
        return NotImplemented if constant is NotImplemented else constant + (-self)

    def __rmul__(self, other: Number) -> Value:
        constant = _lift(other)
        return NotImplemented if constant is NotImplemented else constant * self

    def __rtruediv__(self, other: Number) -> Value:
        constant = _lift(other)
        return NotImplemented if constant is NotImplemented else constant * self.reciprocal()

    # -- backward -------------------------------------------------------------------------------

    def backward(
        self,
        grad: float | Value = 1.0,
        *,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Fill ``.grad`` of every node of this graph with ∂self/∂node (times ``grad``).

        Intermediate nodes get their gradient recomputed from scratch on every call, so calling
        backward twice gives them the same numbers again. Leaves *accumulate* (+=) until you reset
        them with ``zero_grad()``, as in PyTorch: that is how a mini-batch sums its gradients.

        The steps: (1) the gate nodes of the graph, newest first, so each comes before its
        parents (``backward_order``), and the leaves; (2) their gradients set to 0, the root's to
        the seed; (3) the chain rule on every edge, in that order (``chain_rule``); (4) a check of
        the leaves: an inf or nan anywhere in the graph flows down into some leaf. If a gradient
        came out inf or nan, every ``.grad`` is put back as it was and a GradientError names the
        node (``diagnosis.gradient_error``).

        ``create_graph=True`` (PyTorch's name) makes every ``.grad`` a Value built from the same
        gates instead of a float, so that it can be differentiated again (``gradient_graph.py``):
        the same numbers, and the same rule (a leaf accumulates: old + new). ``retain_graph`` is
        accepted for PyTorch's sake and changes nothing: a graph here keeps its local gradients,
        so backward() can always run again.
        """
        if create_graph is not False or retain_graph is not None:
            check_flags(retain_graph=retain_graph, create_graph=create_graph)
        refuse_a_no_grad_result(self, "autograd.no_grad.backward")
        if create_graph:
            seed_value = grad if isinstance(grad, Value) else Value(checked_float(grad, "grad"))
            backward_building_graph(self, seed_value)  # in gradient_graph.py
            return
        seed = checked_float(grad, "grad")
        order, leaves = gate_nodes_and_leaves(self)  # fast_backward.py: backward_order + leaves
        order.sort(key=_BY_NUMBER, reverse=True)  # newest first: each node before its parents
        saved = [*map(_GRAD, order), *map(_GRAD, leaves)]
        for node in order:
            node.grad = 0.0
        try:
            self.grad += seed
            chain_rule_fast(order)  # = chain_rule(order): parent.grad += local_grad * node.grad
        except TypeError as failure:  # a leaf's .grad set by hand to None (PyTorch's idiom), …
            raise grad_not_a_number([*order, *leaves], saved, failure, "backward") from None
        if not all_finite(leaves):
            raise gradient_error(self, seed, order, leaves, saved)

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on every node of this graph."""
        order, leaves = gate_nodes_and_leaves(self)
        for node in order:
            node.grad = 0.0
        for node in leaves:
            node.grad = 0.0

    # -- fast paths: add and mul, inline forms of _apply(gates.Add / gates.Mul, …) ---------------
    # a + b and a · b are most of every graph, and a function call is a large share of building a
    # node; tests/test_gates.py checks that these agree with gates.Add and gates.Mul bit for bit.

    def __add__(self, other: Value | Number) -> Value:
        """self + other (gates.Add: ∂/∂self = ∂/∂other = 1)."""
        if not isinstance(other, Value):
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        data = self.data + other.data
        if not _NEG_INF < data < _INF:  # false for inf, -inf and nan
            raise overflow_error(_ADD, (self, other), data)
        # _node(data, (self, other), (1.0, 1.0), _ADD) written out
        node = _new_value(Value)  # skips __init__: `data` is already a checked float
        node.data = data
        node.grad = 0.0
        node.first_parent = self
        node.second_parent = other
        node.first_local_grad = 1.0
        node.second_local_grad = 1.0
        node.gate = _ADD
        node._label = ""
        node.number = _next_number()
        node.last_visit = None
        if grad_mode.no_grad_blocks:  # some thread is inside no_grad(): maybe this one
            cut_if_no_grad(node)
        return node

    def __mul__(self, other: Value | Number) -> Value:
        """self · other (gates.Mul: ∂/∂self = other, ∂/∂other = self)."""
        if not isinstance(other, Value):
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        a, b = self.data, other.data
        data = a * b
        if not _NEG_INF < data < _INF:
            raise overflow_error(_MUL, (self, other), data)
        # _node(data, (self, other), (b, a), _MUL) written out, as in __add__
        node = _new_value(Value)
        node.data = data
        node.grad = 0.0
        node.first_parent = self
        node.second_parent = other
        node.first_local_grad = b
        node.second_local_grad = a
        node.gate = _MUL
        node._label = ""
        node.number = _next_number()
        node.last_visit = None
        if grad_mode.no_grad_blocks:
            cut_if_no_grad(node)
        return node

    # -- conveniences ---------------------------------------------------------------------------

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

    def __repr__(self) -> str:
        text = f"Value(data={self.data!r}, grad={self.grad!r}"
        if self.label:
            text += f", label={self.label!r}"
        if self.gate is not None:
            text += f", gate={self.gate.name}"
        return text + ")"

    # -- pickle, copy.copy and copy.deepcopy, without recursion: pickling.py ---------------------

    def __reduce_ex__(self, protocol: object) -> tuple:
        fields = (self.data, pickling.saved_grad(self.grad), self._label)
        return _restored_value, fields, pickling.state_of(self, topological_order)

    def __copy__(self) -> Value:
        """copy.copy: a new node with the same data, grad, label and the *same* parents."""
        twin = _restored_value(self.data, self.grad, self._label)
        twin.__setstate__(pickling.copy_state(self))
        return twin

    def __setstate__(self, state: tuple) -> None:
        pickling.restore_links(self, state)
        self.number = _next_number()  # parents were restored first: they get smaller numbers
        self.last_visit = None


def _restored_value(data: float, grad: float, label: str) -> Value:
    """An unpickled node with its numbers and no links yet (``__setstate__`` adds them). Every
    pickle names this function: the name stays."""
    node = _new_value(Value)
    node.data, node.grad, node._label = data, grad, label
    node.first_parent = node.second_parent = node.gate = None
    node.first_local_grad = node.second_local_grad = None
    node.number = _next_number()
    node.last_visit = None
    return node


# ------------------------------------------------------------------------------------------------
# The readable forms: the chain rule, the orders, running a gate
# ------------------------------------------------------------------------------------------------


def chain_rule(order: Iterable[Value]) -> None:
    """parent.grad += local_grad * node.grad for every edge, node by node in the given order.

    backward() runs ``fast_backward.chain_rule_fast``, this loop with the slots unpacked by hand
    (the same bits: ``tests/test_engine_fast_paths.py``).
    """
    for node in order:
        for parent, local_grad in zip(node.parents, node.local_grads):
            parent.grad += local_grad * node.grad


def backward_order(root: Value) -> list[Value]:
    """The gate nodes of root's graph in the order backward() hands their gradients down.

    Newest first (by creation ``number``): a node is always created after its parents, so each
    node comes before the nodes it was computed from, and its gradient is complete when its turn
    comes. Leaves (inputs, parameters, constants) have no turn: they only receive.
    """
    order, _ = gate_nodes_and_leaves(root)
    order.sort(key=_BY_NUMBER, reverse=True)
    return order


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
        raise error(TypeError, "engine.not_a_value", got=type(root).__name__)
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


def _apply(gate: Gate, parents: tuple) -> Value:
    """The general way to run a gate: forward, local gradients, node."""
    xs = [parent.data for parent in parents]
    try:
        out = gate.forward(*xs)
    except DomainError as error:
        raise gate_error(gate, parents, error) from None
    return _node(out, parents, gate.local_grads(out, *xs), gate)


def apply_gate(gate: Gate, *inputs: Value | Number) -> Value:
    """Run any gate on Values (numbers become constants): forward, local gradients, new node.

    This is how a new gate gets its method on Value::

        def softplus(self) -> Value:
            return apply_gate(GATES["softplus"], self)
    """
    return _apply(gate, tuple(_lift_or_raise(x, gate.name) for x in inputs))


def maximum(a: Value | Number, b: Value | Number) -> Value:
    """max(a, b) as a gate (exported as ``microgradpp.max``)."""
    return _lift_or_raise(a, "max").max(b)


def sum_values(values: Iterable[Value | Number]) -> Value:
    """x₁ + … + xₙ as one n-ary node (exported as ``microgradpp.sum``); 0 for no values."""
    parents = tuple(_lift_or_raise(v, "sum") for v in values)
    if not parents:
        return Value(0.0)
    return _apply(_SUM, parents)


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
    if node.second_parent is not None:
        node.first_local_grad, node.second_local_grad = grads
    elif type(node.first_parent) is tuple:
        node.first_local_grad = grads
    else:
        (node.first_local_grad,) = grads


def _lift(x: object) -> Value:
    """A Python number as a constant leaf; NotImplemented for anything else (so Python raises)."""
    if isinstance(x, REAL) and not isinstance(x, bool):
        return Value(x)  # type: ignore[arg-type]  # any Real: Value converts and checks it
    return NotImplemented


def _lift_or_raise(x: object, where: str) -> Value:
    if isinstance(x, Value):
        return x
    try:
        return Value(x)  # type: ignore[arg-type]  # Value refuses what is not a real number
    except TypeError:
        got = f"{type(x).__name__}: {x!r}"
        raise error(TypeError, "engine.value_or_number", where=where, got=got) from None


def _data(x: Value | Number) -> float:
    return x.data if isinstance(x, Value) else x


# ------------------------------------------------------------------------------------------------
# Fast paths: nodes built as _apply builds them, with the slots written by hand
# ------------------------------------------------------------------------------------------------
# How a node is stored: one object per node, no tuples or closures beside it (each extra object
# is more work for Python's cyclic garbage collector, the largest cost of building a graph).
#
#   first_parent, second_parent          the parents of a one- or two-input node (second_parent
#                                        is None for one input); a node with any other number of
#                                        inputs (sum, linear) keeps the tuple of all of them in
#                                        first_parent
#   first_local_grad, second_local_grad  ∂node/∂parent for each (the tuple, for n inputs); a leaf
#                                        a gate made inside no_grad() keeps the marker
#                                        COMPUTED_IN_NO_GRAD in the first, so that backward() can
#                                        say why nothing flows back
#   number                               the creation number (see the module's docstring)
#   last_visit                           the stamp of the last graph walk that reached the node
#                                        (backward's walk: cheaper than a set of seen nodes)
#
# ``parents`` and ``local_grads`` read them back as tuples (read-only properties), so code using
# the graph never needs to know the layout.

_new_value = object.__new__


def _node(data: float, parents: tuple, local_grads: tuple, gate: Gate) -> Value:
    """The node a gate produced from its parents, with ∂node/∂parent for each, stored as the
    table above says.

    The finiteness check comes first, so a failing gate leaves no node behind. Under
    ``no_grad()`` the node keeps no parents: it is a constant leaf and the graph ends there.
    """
    if not _NEG_INF < data < _INF:  # false for inf, -inf and nan
        raise overflow_error(gate, parents, data)
    node = _new_value(Value)  # skips __init__: `data` is already a checked float
    node.data = data
    node.grad = 0.0
    inputs = len(parents)
    if inputs == 2:  # max, a sum of two (+ and × are written out in Value)
        node.first_parent = parents[0]
        node.second_parent = parents[1]
        node.first_local_grad = local_grads[0]
        node.second_local_grad = local_grads[1]
    elif inputs == 1:  # exp, log, tanh, …
        node.first_parent, node.first_local_grad = parents[0], local_grads[0]
        node.second_parent = node.second_local_grad = None
    else:  # n inputs (sum, linear): the tuples themselves
        node.first_parent, node.first_local_grad = parents, local_grads
        node.second_parent = node.second_local_grad = None
    node.gate = gate
    node._label = ""
    node.number = _next_number()
    node.last_visit = None
    if grad_mode.no_grad_blocks:  # a count first, the context variable only if needed (grad_mode)
        cut_if_no_grad(node)
    return node


def linear(weights: Sequence[Value], inputs: Sequence[Value | Number], bias: Value) -> Value:
    """b + Σ wᵢxᵢ as one node (gates.Linear): what a neuron computes before its activation.

    Inline form of ``Linear.forward`` / ``Linear.local_grads`` for speed (a test checks they agree).
    """
    if len(weights) != len(inputs):
        raise error(ValueError, "engine.linear_lengths", weights=len(weights), inputs=len(inputs))
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
        raise error(TypeError, "engine.linear_parameters", kinds=", ".join(kinds)) from None
    return _node(total, tuple(parents), tuple(local_grads), _LINEAR)
