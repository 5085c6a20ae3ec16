"""Gates: the one home of every derivative.

A gate is a tiny function with two halves:

* ``forward(*xs)``            the value it computes,        e.g. exp:  out = eˣ
* ``local_grads(out, *xs)``   ∂out/∂xᵢ for every input,     e.g. exp:  (eˣ,) = (out,)

The engine (``engine.py``) never differentiates anything itself: when it builds a node it asks the
gate for the node's value and its local gradients, and ``backward()`` multiplies those local
gradients by the gradient flowing down from above (the chain rule).

Every gate class is written in one order: its math first (``forward``, ``local_grads``), then its
numpy form (``forward_array``, ``local_grads_array``), then its words (``expression``, captions,
error hints); ``tests/test_gates.py`` checks the order. A student can read the math of every gate
by reading the first two methods of each class (``textbook.py`` has them all on one screen).

To add a gate, write a subclass of :class:`Gate` here and decorate it with ``@register``; the tests
in ``tests/test_gates.py`` then check its forward pass against ``math`` (where it names a
``reference``) and its local gradients against central differences over its ``test_range``.

A gate also says how it is written and explained, so pictures, step captions and the grouping of
a network by neuron read it from the gate instead of testing its name: ``symbol`` (in a picture's
circle), ``expression(inputs)`` ('q × z', 'exp(u)'), ``local_symbol`` (the textbook's '1' or
'z' for ∂out/∂input), ``explain`` (which caption sentence of ``microgradpp.messages`` and the
numbers it mentions), ``folds_constant`` ('+1', '×−1' in the circle), ``adds`` and
``activation``. Every one has a default, so a new gate needs only ``forward`` and
``local_grads``. A gate's domain is what its ``forward`` refuses with a ``DomainError`` (its
``invalid_inputs`` list examples for the tests).

Compiled mode (``microgradpp.compiled``) runs the same gates on whole batches at once: each gate
class ends with ``forward_array`` / ``local_grads_array``, the same formulas on numpy arrays (one
entry per sample). A gate without them still works there: the base class loops over the
entries and calls the scalar form (slowly). numpy is only imported by those methods.
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from .errors import DomainError, NotDifferentiableError
from .formatting import format_number
from .i18n import Words, error, said


def _exact(x: float) -> str:
    """Every digit the float holds, and no more: 3.0 -> '3', 1/3 -> '0.3333333333333333'
    (an exponent in a gate's symbol or message is shown exactly)."""
    return format_number(x, 16, significant=True)


def operand(text: str) -> str:
    """A name or number as an operand in an expression: parentheses around anything but a plain
    name, an unsigned number or a function call, so 'x × (−1)' and '(x+y) × z', but 'q × z' and
    'exp(u) × 2'."""
    if is_atom(text) or _is_call(text):
        return text
    return f"({text})"


def is_atom(text: str) -> bool:
    """A plain name ('x', 'w1') or an unsigned number ('3', '0.5'): never needs parentheses."""
    return text.isidentifier() or text.replace(".", "", 1).isdigit()


def _is_call(text: str) -> bool:
    """'exp(log(x))', 'max(a, b)': a name applied to one parenthesised group that ends the text."""
    name, bracket, _ = text.partition("(")
    if not (bracket and name.isidentifier() and text.endswith(")")):
        return False
    depth = 0
    for position, character in enumerate(text[len(name) :], start=len(name)):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0:
            return position == len(text) - 1  # the first group closes at the very end
    return False


GATES: dict[str, Gate] = {}
"""The registry: gate name -> gate instance. Tests run over it; pictures look up symbols in it."""


def register(gate_class: type[Gate]) -> type[Gate]:
    """Class decorator: put one instance of the gate in :data:`GATES`."""
    gate = gate_class()
    GATES[gate.name] = gate
    return gate_class


class Gate:
    """Base class. Subclasses set the class attributes and implement the two methods."""

    name: ClassVar[str] = ""
    """Registry key, e.g. ``"mul"``."""
    symbol: str = ""
    """What a picture prints inside the gate, e.g. ``"×"`` (a gate with a parameter, such as
    ``**3``, sets its own in ``__init__``)."""
    arity: ClassVar[int | None] = 1
    """Number of inputs; ``None`` for a gate that takes any number (n-ary)."""
    primitive: ClassVar[bool] = True
    """False for fused gates (relu, tanh, sigmoid, linear): one node for what is a circuit in math."""
    test_range: ClassVar[tuple[float, float]] = (-5.0, 5.0)
    """Interval the tests draw each input from (finite results and stable central differences)."""
    reference: ClassVar[Callable[..., float] | None] = None
    """An independent implementation (usually from ``math``) the tests compare ``forward`` with."""
    invalid_inputs: ClassVar[tuple[tuple[float, ...], ...]] = ()
    """Inputs that must raise a GateError (tests check each one)."""

    # How the gate is written and explained: pictures (viz), step captions (steps) and the
    # grouping of a network by neuron (viz.collapse) read these, and never test a gate's name.
    folds_constant: ClassVar[bool] = False
    """True if a picture may write an unlabelled constant input into the gate ('+1', '×−1')."""
    adds: ClassVar[bool] = False
    """True for gates that add their inputs (add, sum): they build up a neuron's b + Σ wᵢxᵢ."""
    activation: ClassVar[bool] = False
    """True for a neuron's nonlinearity (relu, tanh, sigmoid): drawn inside the neuron's box."""
    sentence: ClassVar[str] = "caption.other"
    """The key, in ``microgradpp.messages``, of the sentence a step caption says about this gate
    (the text lives there so that it can be translated)."""
    kink_sentence: ClassVar[str] = "gradcheck.kink.other"
    """The key of the sentence gradcheck says when it checks the gate at a kink (where
    ``well_conditioned`` is False): relu's and max's say which side goes where."""

    # -- the math: the value and the local gradients ------------------------------------------

    # The inputs are typed Any here because each gate names its own (forward(self, a, b) for a
    # two-input gate, forward(self, x) for one input): what a gate accepts is its own signature.
    def forward(self, *xs: Any) -> float:
        """out = f(x₁, …, xₙ): the gate's value at these inputs, a float.

        An input outside the gate's domain raises ``DomainError`` (log at x ≤ 0); a result
        beyond the largest float may come back as inf, and the engine refuses it in the gate's
        own words (``overflow``).
        """
        raise NotImplementedError

    def local_grads(self, out: float, *xs: Any) -> tuple[float, ...]:
        """(∂out/∂x₁, …, ∂out/∂xₙ) at these inputs: one float per input, in input order.

        ``out`` is ``forward``'s result, passed in so that a derivative can reuse it (exp:
        ∂eˣ/∂x = out; tanh: 1 − out²). The engine stores them in the node during the forward
        pass, and backward() multiplies each by the gradient from above: the chain rule.
        """
        raise NotImplementedError

    def local_grads_graph(self, out: Any, *xs: Any) -> tuple[Any, ...]:
        """``local_grads`` as Values built from the same gates, so that a gradient can be
        differentiated again (``backward(create_graph=True)``, ``microgradpp.grad``).

        ``out`` is the node and ``xs`` its parents, as Values; each ∂out/∂xᵢ is a Value computed
        from them (tanh: ``1 - out·out``) or a plain number where the derivative is a constant
        near the inputs (add's 1; max's 1 or 0: its own derivative is 0). Its value is
        ``local_grads``' float to the last bit (``tests/test_autograd.py`` checks every gate).

        A gate without it works everywhere else; only a gradient of a gradient through it is
        refused (``NotDifferentiableError``), never silently wrong.
        """
        raise error(NotDifferentiableError, "gate.not_differentiable", name=repr(self.name))

    def well_conditioned(self, *xs: Any) -> bool:
        """False near kinks (relu at 0, max at a tie) where a central difference is meaningless."""
        return True

    # -- numpy forms, for compiled mode --------------------------------------------------------

    def forward_array(self, *xs: Any) -> Any:
        """``forward`` on numpy arrays, entry by entry (arrays broadcast against each other).

        This fallback loops over the entries in Python and calls ``forward``, so a new gate works
        in compiled mode without writing anything more; a gate overrides it with numpy
        operations to be fast.
        """
        import numpy as np

        arrays = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in xs))
        shape = arrays[0].shape if arrays else ()
        columns = [a.ravel().tolist() for a in arrays]
        values = [self.forward(*entry) for entry in zip(*columns)]
        return np.array(values, dtype=float).reshape(shape)

    def local_grads_array(self, out: Any, *xs: Any) -> tuple[Any, ...]:
        """``local_grads`` on numpy arrays: one array ∂out/∂xᵢ per input (fallback: a loop)."""
        import numpy as np

        arrays = np.broadcast_arrays(
            np.asarray(out, dtype=float), *(np.asarray(x, dtype=float) for x in xs)
        )
        shape = arrays[0].shape
        columns = [a.ravel().tolist() for a in arrays]
        rows = [self.local_grads(*entry) for entry in zip(*columns)]
        if not rows:
            return tuple(np.zeros(shape) for _ in xs)
        return tuple(np.array(grads, dtype=float).reshape(shape) for grads in zip(*rows))

    # -- the words: how the gate is written, explained and reported ------------------------------

    def expression(self, inputs: Sequence[str]) -> str:
        """The gate applied to inputs (names or numbers), as the textbook writes it: 'exp(u)'."""
        return f"{self.symbol}({', '.join(inputs)})"

    def local_symbol(self, i: int, inputs: Sequence[str]) -> str | None:
        """∂out/∂inputᵢ in symbols where the textbook writes it so ('1' for add, the other input
        for mul); None where it is just a number (exp, tanh, ...)."""
        return None

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        """What a step caption says about this gate at these inputs: the key of the sentence
        (usually :attr:`sentence`) and the numbers (floats) and names (str) it mentions, by
        placeholder. ``inputs`` are the inputs' names, ``xs`` their values, ``out`` the output."""
        return self.sentence, {}

    def folded_symbol(self, constants: Sequence[str | None]) -> str:
        """The gate's symbol with constant inputs written in ('max(·, 0)'); None marks a wire."""
        shown = ["·" if constant is None else constant for constant in constants]
        return f"{self.symbol}({', '.join(shown)})"

    def overflow(self, *xs: Any) -> DomainError:
        """Why the result at xs is beyond the largest float, and how to keep this gate's inputs in
        range (the error's reason and remedy). The engine asks when a result comes out inf or nan.

        The remedy knows only the gate, not what the caller is doing: training adds its own
        advice (``errors.training_advice``), the command line its own. The words are the
        catalogs' (``gate.*`` in ``microgradpp/locale/en.json``), so they can be translated.
        """
        if len(xs) <= 2:
            what = self.expression([repr(x) for x in xs])
            return said("gate.overflow", "gate.overflow.remedy", overflow=True, what=what)
        return said(
            "gate.overflow.many",
            "gate.overflow.remedy",
            overflow=True,
            name=self.name,
            count=len(xs),
        )

    def infinite_derivative(self, *xs: Any) -> Words | str:
        """Why the derivative is infinite at xs, as a sentence with a remedy ('' if it is not):
        the catalogs' words (``i18n.Words``), or plain English in a gate you add.

        backward() uses it to explain an infinite gradient (√x at 0 is not "exploding values").
        """
        return ""

    def __repr__(self) -> str:
        return f"<gate {self.name} ({self.symbol})>"


# ----------------------------------------------------------------------------------------------
# Primitive gates: add, mul, exp, reciprocal, max — plus log and power by a constant.
# ----------------------------------------------------------------------------------------------


@register
class Add(Gate):
    """out = a + b;   ∂out/∂a = 1,  ∂out/∂b = 1   (an add gate copies the gradient to both inputs)."""

    name, symbol, arity = "add", "+", 2
    folds_constant, adds, sentence = True, True, "caption.add"
    reference = staticmethod(lambda a, b: a + b)

    def forward(self, a: float, b: float) -> float:
        return a + b

    def local_grads(self, out: float, a: float, b: float) -> tuple[float, ...]:
        return (1.0, 1.0)

    def local_grads_graph(self, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return (1.0, 1.0)  # constant: the gradient passes through to both inputs unchanged

    def forward_array(self, a: Any, b: Any) -> Any:
        return a + b

    def local_grads_array(self, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return (1.0, 1.0)

    def expression(self, inputs: Sequence[str]) -> str:
        return f"{operand(inputs[0])} + {operand(inputs[1])}"

    def local_symbol(self, i: int, inputs: Sequence[str]) -> str | None:
        return "1"

    def overflow(self, a: float, b: float) -> DomainError:
        return said("gate.add.overflow", "gate.add.overflow.remedy", overflow=True, a=a, b=b)

    def folded_symbol(self, constants: Sequence[str | None]) -> str:
        constant = next(c for c in constants if c is not None)
        return constant if constant.startswith("-") else f"+{constant}"  # x + (-1): a "-1" gate


@register
class Mul(Gate):
    """out = a · b;   ∂out/∂a = b,  ∂out/∂b = a   (a mul gate swaps its inputs)."""

    name, symbol, arity = "mul", "×", 2
    folds_constant, sentence = True, "caption.mul"
    reference = staticmethod(lambda a, b: a * b)

    def forward(self, a: float, b: float) -> float:
        return a * b

    def local_grads(self, out: float, a: float, b: float) -> tuple[float, ...]:
        return (b, a)

    def local_grads_graph(self, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return (b, a)  # the input nodes themselves: ∂²(a·b)/∂a∂b = 1

    def forward_array(self, a: Any, b: Any) -> Any:
        return a * b

    def local_grads_array(self, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        return (b, a)

    def expression(self, inputs: Sequence[str]) -> str:
        return f"{operand(inputs[0])} × {operand(inputs[1])}"

    def local_symbol(self, i: int, inputs: Sequence[str]) -> str | None:
        return operand(inputs[1 - i])  # ∂(a·b)/∂a = b: the other input

    def overflow(self, a: float, b: float) -> DomainError:
        return said("gate.mul.overflow", "gate.mul.overflow.remedy", overflow=True, a=a, b=b)

    def folded_symbol(self, constants: Sequence[str | None]) -> str:
        return "×" + next(c for c in constants if c is not None)


@register
class Exp(Gate):
    """out = eˣ;   d/dx eˣ = eˣ = out."""

    name, symbol, sentence = "exp", "exp", "caption.exp"
    reference = staticmethod(math.exp)
    invalid_inputs = ((710.0,), (1e6,))

    def forward(self, x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            raise said(
                "gate.exp.overflow", "gate.exp.overflow.remedy", overflow=True, x=repr(x)
            ) from None

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (out,)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (out,)  # the node itself: every derivative of eˣ is eˣ

    def forward_array(self, x: Any) -> Any:
        import numpy as np

        with np.errstate(over="ignore"):
            out = np.exp(x)
        if not np.isfinite(out).all():
            raise said("gate.array.exp", overflow=True)
        return out

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (out,)

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        return self.sentence, {"out": out}


@register
class Reciprocal(Gate):
    """out = 1/x;   d/dx 1/x = -1/x² = -out²."""

    name, symbol, sentence = "reciprocal", "1/x", "caption.reciprocal"
    test_range = (0.2, 5.0)
    reference = staticmethod(lambda x: 1.0 / x)
    invalid_inputs = ((0.0,), (-0.0,), (1e-320,))

    def forward(self, x: float) -> float:
        if x == 0.0:
            raise said("gate.reciprocal.zero", "gate.reciprocal.zero.remedy")
        return 1.0 / x  # 1/x for |x| < 5.6e-309 is inf: the engine's finiteness check reports it

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (-out * out,)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (-out * out,)  # -(1/x)·(1/x): a × gate and a ×(−1) on the node itself

    def forward_array(self, x: Any) -> Any:
        if (x == 0.0).any():
            raise said("gate.array.reciprocal")
        return 1.0 / x

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (-out * out,)

    def expression(self, inputs: Sequence[str]) -> str:
        return f"1/{operand(inputs[0])}"

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        return self.sentence, {"x": xs[0], "local": -out * out}

    def overflow(self, x: float) -> DomainError:
        return said(
            "gate.reciprocal.overflow", "gate.reciprocal.overflow.remedy", overflow=True, x=repr(x)
        )


@register
class Max(Gate):
    """out = max(a, b);   the gradient goes to the larger input (a max gate routes it).

    ∂out/∂a = 1 if a > b, 0 if a < b, and ½ on a tie (as PyTorch: split evenly).
    """

    name, symbol, arity = "max", "max", 2
    folds_constant = True
    kink_sentence = "gradcheck.kink.max"
    reference = staticmethod(max)

    sentence = "caption.max"

    def forward(self, a: float, b: float) -> float:
        return a if a >= b else b

    def local_grads(self, out: float, a: float, b: float) -> tuple[float, ...]:
        if a > b:
            return (1.0, 0.0)
        if a < b:
            return (0.0, 1.0)
        return (0.5, 0.5)

    def local_grads_graph(self, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        # Routed by a comparison: constant wherever a != b, so its own derivative is 0 there. At
        # a tie (a kink) the ½/½ split is kept and differentiated as the constant it is, as
        # PyTorch does.
        return self.local_grads(out.data, a.data, b.data)

    def well_conditioned(self, a: float, b: float) -> bool:
        return abs(a - b) > 1e-3

    def forward_array(self, a: Any, b: Any) -> Any:
        import numpy as np

        return np.where(a >= b, a, b)

    def local_grads_array(self, out: Any, a: Any, b: Any) -> tuple[Any, ...]:
        import numpy as np

        to_a = np.where(a > b, 1.0, np.where(a < b, 0.0, 0.5))
        return (to_a, 1.0 - to_a)  # 1 − 1 = 0, 1 − 0 = 1, 1 − ½ = ½: exact

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        if xs[0] == xs[1]:
            return "caption.max.tie", {"a": inputs[0], "b": inputs[1], "x": xs[0]}
        winner, loser = (0, 1) if xs[0] > xs[1] else (1, 0)
        return self.sentence, {
            "winner": inputs[winner],
            "loser": inputs[loser],
            "high": xs[winner],
            "low": xs[loser],
        }


@register
class Log(Gate):
    """out = ln x;   d/dx ln x = 1/x."""

    name, symbol, sentence = "log", "log", "caption.log"
    test_range = (0.2, 5.0)
    reference = staticmethod(math.log)
    invalid_inputs = ((0.0,), (-1.0,), (-1e-300,))

    def forward(self, x: float) -> float:
        if x <= 0.0:
            raise said("gate.log.domain", "gate.log.domain.remedy", x=repr(x))
        return math.log(x)

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (1.0 / x,)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (x.reciprocal(),)  # 1/x: one 1/x gate on the input

    def forward_array(self, x: Any) -> Any:
        import numpy as np

        if (x <= 0.0).any():
            raise said("gate.array.log")
        return np.log(x)

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (1.0 / x,)

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        return self.sentence, {"x": xs[0], "local": 1.0 / xs[0]}


class Pow(Gate):
    """out = xⁿ for a constant n;   d/dx xⁿ = n·xⁿ⁻¹.

    The exponent is part of the gate, not an input: ``x ** 3`` uses ``Pow(3)``.
    :func:`pow_gate` keeps one shared instance for each of the most recently used exponents.
    """

    name, symbol, sentence = "pow", "xⁿ", "caption.pow"
    test_range = (0.2, 3.0)
    reference = staticmethod(lambda x: x**3)
    invalid_inputs = ((1e200,),)  # overflows for the registered exponent 3

    def __init__(self, exponent: float = 3):
        self.exponent = exponent
        self.symbol = f"**{_exact(exponent)}"

    def forward(self, x: float) -> float:
        n = self.exponent
        if x == 0.0 and n < 0:
            raise said("gate.pow.zero", "gate.pow.zero.remedy", n=repr(n))
        if x < 0.0 and n != int(n):
            raise said("gate.pow.negative", "gate.pow.negative.remedy", x=x, n=n)
        try:
            return float(x**n)
        except OverflowError:
            raise self.overflow(x) from None

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        # n·xⁿ⁻¹ itself, not n·xⁿ/x: at the ends of the float range xⁿ under- or overflows where
        # xⁿ⁻¹ does not ((1e-200)² is 0.0, but 2·1e-200 is the right answer).
        n = self.exponent
        if n == 0:
            return (0.0,)
        if x == 0.0:  # 0 ** (n - 1) for n < 1 is a division by zero in Python
            return (0.0 if n > 1 else float(n) if n == 1 else math.inf,)
        try:
            return (n * x ** (n - 1),)
        except OverflowError:  # e.g. x ** -2 at x = 1e-200: the derivative is beyond a float
            negative = (n < 0) != (x < 0 and int(n - 1) % 2 == 1)  # x < 0 only for integer n
            return (-math.inf if negative else math.inf,)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        # n·xⁿ⁻¹ built as a Pow gate and a × gate (at x = 0 too: the derivative of 2x at 0 is 2,
        # not the 0 a constant would give). For n < 1 at x = 0 xⁿ⁻¹ is infinite, and the
        # gradient is refused with a GradientError, as backward() refuses an infinite one.
        n = self.exponent
        if n == 0:
            return (0.0,)  # x⁰ = 1: a constant
        if n == 1:
            return (x**0,)  # 1·x⁰ = 1, on x (connected to it, as PyTorch's), derivative 0
        if n == 2:
            return (2.0 * x,)  # 2·x¹ written 2·x (the same float: x ** 1.0 is x)
        return (n * x ** (n - 1),)

    def forward_array(self, x: Any) -> Any:
        import numpy as np

        n = self.exponent
        if n < 0 and (x == 0.0).any():
            raise said("gate.array.pow_zero", n=repr(n))
        if n != int(n) and (x < 0.0).any():
            raise said("gate.array.pow_negative", n=repr(n))
        with np.errstate(over="ignore"):
            out = np.power(x, n)
        if not np.isfinite(out).all():
            raise said("gate.array.pow_overflow", overflow=True, n=repr(n))
        return out

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        import numpy as np

        n = self.exponent
        if n == 0:
            return (np.zeros_like(out),)
        at_zero = 0.0 if n > 1 else float(n) if n == 1 else math.inf
        safe_x = np.where(x == 0.0, 1.0, x)  # the formula is only used where x != 0
        # n·xⁿ⁻¹, as the scalar form (not n·xⁿ/x, which under- or overflows at the float range's ends)
        with np.errstate(over="ignore", divide="ignore"):
            local = n * np.power(safe_x, n - 1)
        return (np.where(x == 0.0, at_zero, local),)

    def overflow(self, x: float) -> DomainError:
        n = self.exponent
        limit = format_number(sys.float_info.max ** (1 / n), 4, significant=True)
        # |x|ⁿ ≤ 1.8e308 means |x| ≤ 1.8e308^(1/n) for n > 0, and |x| ≥ it for n < 0
        remedy = "gate.pow.overflow.below" if n > 0 else "gate.pow.overflow.above"
        return said("gate.pow.overflow", remedy, overflow=True, x=x, n=n, limit=limit, e=_exact(n))

    def infinite_derivative(self, x: float) -> Words | str:
        n = self.exponent
        if x == 0.0 and 0 < n < 1:
            return Words("gate.pow.infinite_derivative", fields={"n": _exact(n), "m": repr(n - 1)})
        return ""

    def expression(self, inputs: Sequence[str]) -> str:
        return f"{operand(inputs[0])}{self.symbol}"

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        n = self.exponent
        return self.sentence, {
            "n": n,
            "x": xs[0],
            "m": n - 1,
            "local": self.local_grads(out, xs[0])[0],
        }

    def __repr__(self) -> str:
        return f"<gate pow (x ** {self.exponent!r})>"


GATES["pow"] = Pow(3)
POW_CACHE_SIZE = 256
"""How many Pow gates pow_gate keeps (the most recently used exponents): bounded, so a program
trying a million different exponents does not keep a million gates alive."""


@functools.lru_cache(maxsize=POW_CACHE_SIZE)
def pow_gate(exponent: float) -> Pow:
    """The (shared) Pow gate for a constant exponent."""
    return Pow(exponent)


class BasePow(Gate):
    """out = bˣ for a constant base b > 0;   d/dx bˣ = bˣ · ln b = out · ln b.

    The base is part of the gate, as the exponent is part of Pow: ``2 ** x`` is one gate ``2ˣ``,
    not exp(x · ln 2) (a box for the constant 0.6931 with a gradient of its own), and
    ``2 ** Value(3)`` is exactly 8.0, because the forward pass is Python's own ``2.0 ** 3.0``.
    One instance per base is kept by :func:`base_pow_gate`.
    """

    name, symbol, sentence = "base_pow", "bˣ", "caption.base_pow"
    test_range = (-3.0, 3.0)
    reference = staticmethod(lambda x: 2.0**x)
    invalid_inputs = ((1100.0,),)  # overflows for the registered base 2

    def __init__(self, base: float = 2.0):
        if not 0.0 < base < math.inf:
            raise error(ValueError, "gate.base_pow.positive", got=repr(base))
        self.base = base
        self.log_base = math.log(base)
        self.symbol = f"{_exact(base)}ˣ"

    def forward(self, x: float) -> float:
        try:
            return float(self.base**x)  # exact where the power is (2 ** 3 = 8.0)
        except OverflowError:
            raise self.overflow(x) from None

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (out * self.log_base,)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (out * self.log_base,)

    def forward_array(self, x: Any) -> Any:
        import numpy as np

        with np.errstate(over="ignore"):
            out = np.power(self.base, x)
        if not np.isfinite(out).all():
            raise said("gate.array.base_pow_overflow", overflow=True, b=_exact(self.base))
        return out

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (out * self.log_base,)

    def overflow(self, x: float) -> DomainError:
        # bˣ ≤ 1.8e308 means x·ln b ≤ ln(1.8e308) = 709.78: x below 709.78/ln b for b > 1, above
        # it (a negative number) for b < 1
        limit = math.log(sys.float_info.max) / self.log_base
        remedy = "gate.base_pow.overflow.below" if limit > 0 else "gate.base_pow.overflow.above"
        b = _exact(self.base)
        return said(
            "gate.base_pow.overflow", remedy, overflow=True, b=b, x=x, limit=format_number(limit, 2)
        )

    def expression(self, inputs: Sequence[str]) -> str:
        return f"{_exact(self.base)}**{operand(inputs[0])}"

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        return self.sentence, {
            "b": self.base,
            "out": out,
            "lnb": self.log_base,
            "local": self.local_grads(out, xs[0])[0],
        }

    def __repr__(self) -> str:
        return f"<gate base_pow ({self.base!r} ** x)>"


GATES["base_pow"] = BasePow(2.0)


@functools.lru_cache(maxsize=POW_CACHE_SIZE)
def base_pow_gate(base: float) -> BasePow:
    """The (shared) BasePow gate for a constant base."""
    return BasePow(base)


# ----------------------------------------------------------------------------------------------
# Fused gates: one node for a whole small circuit. Same numbers as the circuits in composites.py
# (a test proves it), fewer nodes, and numerically stable for every finite input.
# ----------------------------------------------------------------------------------------------


@register
class Relu(Gate):
    """out = max(0, x);   d/dx = 1 if x > 0 else 0   (convention: relu'(0) = 0, as PyTorch)."""

    name, symbol, primitive = "relu", "relu", False
    activation = True
    kink_sentence = "gradcheck.kink.relu"
    reference = staticmethod(lambda x: max(0.0, x))

    def forward(self, x: float) -> float:
        return x if x > 0.0 else 0.0

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (1.0 if x > 0.0 else 0.0,)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        # relu' is the step function of x, as a node on x (PyTorch's threshold_backward): 1 or 0,
        # constant on each side of 0, so relu'' = 0 there, and still connected to x, so the
        # second derivative with respect to x is 0, not "x was not used". At the kink,
        # step(0) = 0 = relu'(0).
        return (x.step(),)

    def well_conditioned(self, x: float) -> bool:
        return abs(x) > 1e-3

    def forward_array(self, x: Any) -> Any:
        import numpy as np

        out = np.maximum(x, 0.0)  # (several times faster than np.where(x > 0.0, x, 0.0))
        out += 0.0  # −0.0 becomes 0.0, as forward's "else 0.0"
        return out

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        return ((x > 0.0).astype(float),)

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        return ("caption.relu.open" if xs[0] > 0.0 else "caption.relu.closed"), {"x": xs[0]}


@register
class Step(Gate):
    """out = 1 if x > 0 else 0 (the Heaviside step);   d/dx = 0   (a jump at 0, where out = 0).

    relu's derivative, as a gate: ``relu.local_grads_graph`` is ``x.step()``, so the gradient
    of a relu network, built with ``create_graph=True``, stays connected to x (its derivative is
    0 everywhere but at the jump, as PyTorch's).
    """

    name, symbol, primitive = "step", "step", False
    reference = staticmethod(lambda x: 1.0 if x > 0.0 else 0.0)

    def forward(self, x: float) -> float:
        return 1.0 if x > 0.0 else 0.0

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (0.0,)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (0.0,)  # flat on each side of the jump

    def well_conditioned(self, x: float) -> bool:
        return abs(x) > 1e-3

    def forward_array(self, x: Any) -> Any:
        import numpy as np

        return np.where(x > 0.0, 1.0, 0.0)

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        import numpy as np

        return (np.zeros_like(np.asarray(x, dtype=float)),)


@register
class Tanh(Gate):
    """out = tanh x = (e²ˣ − 1)/(e²ˣ + 1);   d/dx tanh x = 1 − tanh²x = 1 − out²."""

    name, symbol, primitive = "tanh", "tanh", False
    activation, sentence = True, "caption.tanh"
    reference = staticmethod(math.tanh)

    def forward(self, x: float) -> float:
        return math.tanh(x)

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (1.0 - out * out,)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (1.0 - out * out,)  # 1 − t² on the node t itself

    def forward_array(self, x: Any) -> Any:
        import numpy as np

        return np.tanh(x)

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (1.0 - out * out,)

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        return self.sentence, {"out": out, "local": 1.0 - out * out}


@register
class Sigmoid(Gate):
    """out = σ(x) = 1/(1 + e⁻ˣ);   d/dx σ(x) = σ(x)·(1 − σ(x)) = out·(1 − out)."""

    name, symbol, primitive = "sigmoid", "σ", False
    activation, sentence = True, "caption.sigmoid"
    test_range = (-8.0, 8.0)
    reference = staticmethod(lambda x: 1.0 / (1.0 + math.exp(-x)))

    def forward(self, x: float) -> float:
        if x >= 0.0:  # the two forms keep exp's argument <= 0, so nothing overflows
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (out * (1.0 - out),)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (out * (1.0 - out),)  # σ·(1 − σ) on the node σ itself

    def forward_array(self, x: Any) -> Any:
        import numpy as np

        e = np.exp(-np.abs(x))  # e⁻ˣ for x ≥ 0, eˣ for x < 0: never overflows
        return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (out * (1.0 - out),)

    def explain(
        self, inputs: Sequence[str], xs: Sequence[float], out: float
    ) -> tuple[str, dict[str, object]]:
        return self.sentence, {"out": out, "local": out * (1.0 - out)}


@register
class Softplus(Gate):
    """out = ln(1 + eˣ);   d/dx = eˣ/(1 + eˣ) = σ(x).

    The smooth relu, and the heart of ``binary_cross_entropy_with_logits`` (ln(1 + eᶻ) − y·z).
    Written as one gate, so a sample's z picks its stable formula *inside* the gate — as a
    circuit it would need a Python ``if`` on z, and a graph that changes with z cannot be
    replayed for a whole batch (compiled mode).
    """

    name, symbol, primitive = "softplus", "softplus", False
    test_range = (-20.0, 20.0)
    reference = staticmethod(lambda x: math.log1p(math.exp(x)) if x < 30.0 else x)

    def forward(self, x: float) -> float:
        if x >= 0.0:  # x + ln(1 + e⁻ˣ) and ln(1 + eˣ): exp's argument stays ≤ 0, no overflow
            return x + math.log1p(math.exp(-x))
        return math.log1p(math.exp(x))

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        if x >= 0.0:  # σ(x), in Sigmoid's two stable forms
            return (1.0 / (1.0 + math.exp(-x)),)
        e = math.exp(x)
        return (e / (1.0 + e),)

    def local_grads_graph(self, out: Any, x: Any) -> tuple[Any, ...]:
        return (x.sigmoid(),)  # softplus' = σ: the sigmoid gate computes the same two forms

    def forward_array(self, x: Any) -> Any:
        import numpy as np

        e = np.exp(-np.abs(x))  # e⁻ˣ for x ≥ 0, eˣ for x < 0: never overflows
        return np.where(x >= 0.0, x, 0.0) + np.log1p(e)

    def local_grads_array(self, out: Any, x: Any) -> tuple[Any, ...]:
        import numpy as np

        e = np.exp(-np.abs(x))
        return (np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e)),)


@register
class Sum(Gate):
    """out = x₁ + x₂ + … + xₙ;   ∂out/∂xᵢ = 1."""

    name, symbol, arity, primitive = "sum", "Σ", None, False
    adds, sentence = True, "caption.sum"
    reference = staticmethod(lambda *xs: math.fsum(xs))

    def forward(self, *xs: float) -> float:
        # Left to right, one rounding per +, as a chain of add gates would: built-in sum() rounds
        # differently from Python 3.12 on (compensated), and the same graph must give the same
        # bits on every Python.
        total = 0.0
        for x in xs:
            total += x
        return total

    def local_grads(self, out: float, *xs: float) -> tuple[float, ...]:
        return (1.0,) * len(xs)

    def local_grads_graph(self, out: Any, *xs: Any) -> tuple[Any, ...]:
        return (1.0,) * len(xs)

    def forward_array(self, *xs: Any) -> Any:
        total = 0.0
        for x in xs:  # left to right, as the scalar forward
            total = total + x
        return total

    def local_grads_array(self, out: Any, *xs: Any) -> tuple[Any, ...]:
        return (1.0,) * len(xs)

    def expression(self, inputs: Sequence[str]) -> str:
        return " + ".join([inputs[0], *map(operand, inputs[1:])])

    def local_symbol(self, i: int, inputs: Sequence[str]) -> str | None:
        return "1"


@register
class Linear(Gate):
    """out = b + w₁x₁ + w₂x₂ + … (a neuron before its activation). Inputs: b, w₁, x₁, w₂, x₂, …

    ∂out/∂b = 1,  ∂out/∂wᵢ = xᵢ,  ∂out/∂xᵢ = wᵢ   (each product is a mul gate: it swaps its inputs).
    """

    name, symbol, arity, primitive = "linear", "b+Σwx", None, False
    sentence = "caption.linear"
    reference = staticmethod(lambda b, *wx: b + math.fsum(w * x for w, x in zip(wx[::2], wx[1::2])))

    def forward(self, b: float, *wx: float) -> float:
        total = b
        for w, x in zip(wx[::2], wx[1::2]):
            total += w * x
        return total

    def local_grads(self, out: float, b: float, *wx: float) -> tuple[float, ...]:
        grads = [1.0]
        for w, x in zip(wx[::2], wx[1::2]):
            grads += (x, w)
        return tuple(grads)

    def local_grads_graph(self, out: Any, b: Any, *wx: Any) -> tuple[Any, ...]:
        grads: list[Any] = [1.0]  # the bias: a constant 1; each wᵢ gets xᵢ, each xᵢ gets wᵢ
        for w, x in zip(wx[::2], wx[1::2]):
            grads += (x, w)
        return tuple(grads)

    def forward_array(self, b: Any, *wx: Any) -> Any:
        total = b
        for w, x in zip(wx[::2], wx[1::2]):
            total = total + w * x
        return total

    def local_grads_array(self, out: Any, b: Any, *wx: Any) -> tuple[Any, ...]:
        grads: list[Any] = [1.0]
        for w, x in zip(wx[::2], wx[1::2]):
            grads += (x, w)
        return tuple(grads)

    def overflow(self, *xs: float) -> DomainError:
        return said("gate.linear.overflow", "gate.linear.overflow.remedy", overflow=True)

    def expression(self, inputs: Sequence[str]) -> str:  # inputs: b, w1, x1, w2, x2, ...
        products = [f"{operand(w)}·{operand(x)}" for w, x in zip(inputs[1::2], inputs[2::2])]
        return " + ".join([inputs[0], *products])

    def local_symbol(self, i: int, inputs: Sequence[str]) -> str | None:
        if i == 0:
            return "1"  # the bias
        return operand(inputs[i + 1 if i % 2 == 1 else i - 1])  # w pairs with the next x
