"""Checks of arguments, in one place, so every function says the same thing about the same mistake.

A wrong *kind* of argument is a ``TypeError``; the right kind with an impossible value is a
``ValueError``. Messages name the argument and show what was given::

    >>> integer(0, "epochs", minimum=1)
    Traceback (most recent call last):
        ...
    ValueError: epochs must be at least 1, got 0
    >>> real(float("nan"), "lr", low=0.0, low_open=True)
    Traceback (most recent call last):
        ...
    ValueError: lr must be > 0 and finite, got nan

``True`` and ``False`` are ints to Python, but never a count or a number here: ``epochs=True``
is a mistake, not 1.

The messages are the catalogs' ``check.*`` (``microgradpp/locale``): English in ``str()``, and
in the command's language on the command line. This module imports only ``i18n`` (which imports
only ``errors``) from microgradpp: every other module may use it.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import TypeGuard

from .i18n import Words, error


def is_integer(x: object) -> TypeGuard[int]:
    """True for an int (or another integral number such as numpy.int64), False for a bool."""
    return isinstance(x, Integral) and not isinstance(x, bool)


def is_real(x: object) -> TypeGuard[float]:
    """True for an int or a float (any real number type), False for a bool.

    (For the type checker a True answer means "usable as a float", which every Real is.)"""
    return isinstance(x, Real) and not isinstance(x, bool)


def shown(x: object, limit: int = 60) -> str | Words:
    """``repr(x)`` for a message, cut to ``limit`` characters; a huge int is "a huge int" (Python
    refuses to write an int of more than 4300 digits, and nobody wants to read one), in the
    message's language (Words; an f-string writes them in English)."""
    if isinstance(x, int) and x.bit_length() > 200:
        return Words("check.huge_int")
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(x: object) -> str | Words:
    """``float: 1.5`` — the type and the value, for messages."""
    return Words("check.typed", fields={"kind": type(x).__name__, "value": shown(x)})


def integer(
    x: object, name: str | Words, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``x`` as an int, checked to be in [minimum, maximum] (each bound optional)."""
    if not is_integer(x):
        raise error(TypeError, "check.int_type", name=name, got=describe(x))
    value = int(x)
    if minimum is not None and maximum is not None and not minimum <= value <= maximum:
        raise error(
            ValueError, "check.int_between", name=name, low=minimum, high=maximum, got=shown(value)
        )
    if minimum is not None and value < minimum:
        raise error(ValueError, "check.int_at_least", name=name, low=minimum, got=shown(value))
    if maximum is not None and value > maximum:
        raise error(ValueError, "check.int_at_most", name=name, high=maximum, got=shown(value))
    return value


def real(
    x: object,
    name: str | Words,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``x`` as a finite float, checked to lie between ``low`` and ``high`` (each optional).

    A bound is included unless ``low_open``/``high_open``: ``real(p, "p", 0, 1, high_open=True)``
    accepts 0 ≤ p < 1. A value outside, inf, nan, or an int too large for a float gets one
    message, saying what is accepted: ``p must be in [0, 1), got 1.0``, ``lr must be > 0 and
    finite, got inf``.
    """
    if not is_real(x):
        raise error(TypeError, "check.number_type", name=name, got=describe(x))
    need = _requirement(low, high, low_open, high_open)
    try:
        value = float(x)
    except OverflowError:  # an int beyond 1.8e308
        raise error(ValueError, "check.number", name=name, need=need, got=shown(x)) from None
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or below or above:
        raise error(ValueError, "check.number", name=name, need=need, got=repr(value))
    return value


def positive(x: object, name: str | Words, allow_zero: bool = False) -> float:
    """A finite number > 0 (``>= 0`` with ``allow_zero``)."""
    return real(x, name, low=0.0, low_open=not allow_zero)


def fraction(x: object, name: str | Words) -> float:
    """A number in [0, 1): a probability that must leave something (dropout, momentum, β)."""
    return real(x, name, low=0.0, high=1.0, high_open=True)


def _requirement(low: float | None, high: float | None, low_open: bool, high_open: bool) -> Words:
    """'in [0, 1)', '> 0 and finite', 'finite': what ``real`` accepts, in words (any language)."""
    if low is not None and high is not None:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        return Words("check.need.interval", fields={"interval": interval})
    if low is not None:
        bound = f"{'>' if low_open else '>='} {low:g}"
        return Words("check.need.finite_bound", fields={"bound": bound})
    if high is not None:
        bound = f"{'<' if high_open else '<='} {high:g}"
        return Words("check.need.finite_bound", fields={"bound": bound})
    return Words("check.need.finite")
