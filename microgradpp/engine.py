"""The autodiff engine: a ``Value`` node and ``backward()``.

A ``Value`` holds a number (``data``), the gradient of some final result with respect to it
(``grad``), the nodes it was computed from (``parents``), the gate that computed it (``gate``) and
that gate's local gradients ∂self/∂parent (``local_grads``), worked out once in the forward pass.

``backward()`` is the only place the chain rule is written:

    parent.grad += local_grad * node.grad        for every edge, children before parents.

Every derivative lives in ``gates.py``. Add and mul, the two gates a network uses most, are
written out inline in ``__add__`` and ``__mul__`` for speed (a generic call per node costs 2-4x);
``tests/test_gates.py`` checks that they agree with ``gates.Add`` and ``gates.Mul``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from numbers import Real

from .errors import EXPLODING_REMEDY, DomainError, GateError, GradientError
from .gates import GATES, Gate, pow_gate

Number = int | float
_INF, _NEG_INF = math.inf, -math.inf
# isinstance(x, _REAL) is isinstance(x, Real), faster: float and int are tried first, since a
# check against the abstract class Real takes ~0.5 µs, longer than building a node.
_REAL = (float, int, Real)
_ADD, _MUL, _SUM, _LINEAR = GATES["add"], GATES["mul"], GATES["sum"], GATES["linear"]
_EXP, _LOG, _RECIPROCAL, _MAX = GATES["exp"], GATES["log"], GATES["reciprocal"], GATES["max"]
_RELU, _TANH, _SIGMOID = GATES["relu"], GATES["tanh"], GATES["sigmoid"]
_ONE_ONE = (1.0, 1.0)  # the local gradients of every add node, shared

_grad_enabled = True


class Value:
    """A scalar node of the computational graph.

    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> f = x * y + x
    >>> f.backward()
    >>> x.grad, y.grad          # ∂f/∂x = y + 1,  ∂f/∂y = x
    (4.0, 2.0)
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "gate", "label")

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = _checked_float(data)
        self.grad = 0.0
        self.parents: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()
        self.gate: Gate | None = None
        self.label = label

    # -- primitive gates ------------------------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        """self + other. Inline form of gates.Add: ∂/∂self = ∂/∂other = 1."""
        if not isinstance(other, Value):
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        return _node(self.data + other.data, (self, other), _ONE_ONE, _ADD)

    def __mul__(self, other: Value | Number) -> Value:
        """self · other. Inline form of gates.Mul: ∂/∂self = other, ∂/∂other = self."""
        if not isinstance(other, Value):
            other = _lift(other)
            if other is NotImplemented:
                return NotImplemented
        a, b = self.data, other.data
        return _node(a * b, (self, other), (b, a), _MUL)

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
        """base ** x = e^(x · ln base), for a positive number base."""
        base = _checked_float(base, "base")
        if base <= 0.0:
            raise GateError(
                f"exp gate (exp) with input {_describe(self)}: base ** x is computed as "
                f"exp(x · ln base), which needs base > 0, got base = {base!r}. Remedy: for a "
                "negative base raise a Value to an integer power instead (v ** 3); "
                "0 ** x is 0 for every x > 0, a constant",
                gate="exp",
                inputs=(base, self.data),
                labels=("", self.label),
            )
        return (self * math.log(base)).exp()

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
        """
        seed = _checked_float(grad, "grad")
        order = topological_order(self)
        saved = [node.grad for node in order]
        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad += seed
        for node in reversed(order):  # children before parents
            upstream = node.grad
            if not _NEG_INF < upstream < _INF:
                for restored, old in zip(order, saved):
                    restored.grad = old
                raise GradientError(
                    f"backward: the gradient of {_describe(node)} came out {upstream!r}; "
                    f"all gradients were restored. {EXPLODING_REMEDY[0].upper()}"
                    f"{EXPLODING_REMEDY[1:]}"
                )
            parents = node.parents
            if len(parents) == 2:
                # Fast path for the two-input gates (+, ×, max: most of a graph): the loop below
                # written out, because building its zip() costs as much as the two updates.
                a, b = parents
                da, db = node.local_grads
                a.grad += da * upstream
                b.grad += db * upstream
                continue
            for parent, local_grad in zip(parents, node.local_grads):
                parent.grad += local_grad * upstream  # the chain rule

    def zero_grad(self) -> None:
        """Set ``.grad`` to 0 on every node of this graph."""
        for node in topological_order(self):
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

    __hash__ = object.__hash__  # nodes are compared by identity: a graph may hold equal numbers

    def __repr__(self) -> str:
        text = f"Value(data={self.data!r}, grad={self.grad!r}"
        if self.label:
            text += f", label={self.label!r}"
        if self.gate is not None:
            text += f", gate={self.gate.name}"
        return text + ")"


# ------------------------------------------------------------------------------------------------
# Building nodes
# ------------------------------------------------------------------------------------------------

_new_value = object.__new__


def _node(data: float, parents: tuple, local_grads: tuple, gate: Gate) -> Value:
    """Make the node a gate produced, after checking its value is a finite number.

    Under ``no_grad()`` the node keeps no parents: it is a constant leaf and the graph ends there.
    """
    if not _NEG_INF < data < _INF:  # false for inf, -inf and nan
        raise _gate_error(
            gate, parents, f"the result {data!r} is not a finite number", EXPLODING_REMEDY
        )
    node = _new_value(Value)  # skips __init__: `data` is already a checked float
    node.data = data
    node.grad = 0.0
    node.label = ""
    if _grad_enabled:
        node.parents = parents
        node.local_grads = local_grads
        node.gate = gate
    else:
        node.parents = node.local_grads = ()
        node.gate = None
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
        raise _gate_error(gate, parents, error.reason, error.remedy) from None
    return _node(out, parents, gate.local_grads(out, *xs), gate)


def _gate_error(gate: Gate, parents: tuple, reason: str, remedy: str) -> GateError:
    shown = parents if len(parents) <= 6 else parents[:4]  # a 16-input neuron: keep it readable
    inputs = ", ".join(_describe(p) for p in shown)
    if len(shown) < len(parents):
        inputs += f", … ({len(parents)} inputs in all)"
    message = f"{gate.name} gate ({gate.symbol}) with input {inputs}: {reason}"
    if remedy:
        message += f". Remedy: {remedy}"
    return GateError(
        message,
        gate=gate.name,
        inputs=tuple(p.data for p in parents),
        labels=tuple(p.label for p in parents),
    )


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


def _lift(x: object) -> Value:
    """A Python number as a constant leaf; NotImplemented for anything else (so Python raises)."""
    if isinstance(x, _REAL) and not isinstance(x, bool):
        return Value(x)
    return NotImplemented


def _lift_or_raise(x: object, where: str) -> Value:
    if isinstance(x, Value):
        return x
    try:
        return Value(x)
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


def linear(weights: list[Value], inputs: list[Value | Number], bias: Value) -> Value:
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
    except AttributeError:  # a weight or the bias is not a Value: nothing could learn it
        kinds = sorted({type(p).__name__ for p in [bias, *weights] if not isinstance(p, Value)})
        raise TypeError(
            f"linear needs the weights and the bias as Values (parameters), got {', '.join(kinds)}; "
            "wrap them: Value(0.5, label='w0')"
        ) from None
    return _node(total, tuple(parents), tuple(local_grads), _LINEAR)


# ------------------------------------------------------------------------------------------------
# Graph traversal and no_grad
# ------------------------------------------------------------------------------------------------


_PARENTS_LISTED = object()  # a marker on topological_order's stack (see there)


def topological_order(root: Value) -> list[Value]:
    """Every node of root's graph once, each after all of its parents; root is last.

    Depth-first search, as micrograd's recursive ``build_topo``, with a stack instead of recursion
    (so no recursion limit). The first time a node comes off the stack it goes back on, under a
    marker, with its parents on top of it; by the time the marker comes off, all those parents
    (and theirs) are listed, so the node can follow. Parents are visited in order, so the list is
    the same on every run: for ``(x + y) * z`` it is x, y, x + y, z, (x + y) * z, the order the
    expression is evaluated in.
    """
    order: list[Value] = []
    expanded: set[Value] = set()
    stack = [root]
    push, pop = stack.append, stack.pop  # local names: ~20% faster than stack.append(...) here
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


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside ``with no_grad():`` gates build no graph: results are constant leaves.

    Use it for evaluation and for updating parameters.
    """
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``."""
    return _grad_enabled
