"""What a Value accepts: its number (a finite real), its label (text every picture can hold), and
backward's switches (PyTorch's create_graph, retain_graph, …).

The engine calls these when a node is made from outside (``Value(x)``, a constant in ``x + 2``,
a label set by hand); nodes a gate makes skip them, since their numbers are already checked
floats. A wrong *kind* of argument is a ``TypeError``, the right kind with an impossible value a
``ValueError``, and each message names what was given.

This module imports nothing from microgradpp.
"""

from __future__ import annotations

import math
import unicodedata
from numbers import Real

REAL = (float, int, Real)
"""``isinstance(x, REAL)`` means ``isinstance(x, Real)``, but float and int, the usual cases, are
tried first: they are plain type checks, while a check against the abstract class Real goes
through its registry of virtual subclasses, which costs more than building a node."""

_INF, _NEG_INF = math.inf, -math.inf

MAX_LABEL_LENGTH = 100
"""The longest label a Value may have (a parameter name such as 'layer12.neuron128.w127' is 23)."""


def checked_float(x: object, what: str = "Value data") -> float:
    """x as a float, or a TypeError naming its type / a ValueError for nan and inf."""
    if isinstance(x, bool) or not isinstance(x, REAL):
        kind = "bool" if isinstance(x, bool) else type(x).__name__
        raise TypeError(f"{what} must be a real number (int or float), got {kind}: {x!r}")
    try:
        value = float(x)
    except OverflowError:  # an int beyond 1.8e308
        raise ValueError(f"{what} must be finite, got an int too large for a float") from None
    if not _NEG_INF < value < _INF:
        raise ValueError(f"{what} must be finite, got {value!r}")
    return value


def checked_label(label: object) -> str:
    """label if it is a str that every table, DOT file and SVG can hold; else a clear error.

    At most ``MAX_LABEL_LENGTH`` characters, none of them a control character (a line break
    "\\n" is allowed: pictures draw two lines), a lone surrogate or a Unicode noncharacter
    (U+FFFE …) — each of those breaks a table, a DOT file or an SVG later.
    """
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


def check_flags(**flags: object) -> None:
    """PyTorch's switches: ``retain_graph`` None or a bool, the others a bool; anything else is a
    TypeError (create_graph='no' would otherwise count as True)."""
    for name, flag in flags.items():
        if not (flag.__class__ is bool or (flag is None and name in _MAY_BE_NONE)):
            kind = "None, True or False" if name in _MAY_BE_NONE else "True or False"
            raise TypeError(f"{name} must be {kind}, got {type(flag).__name__}: {flag!r}")


_MAY_BE_NONE = ("retain_graph", "allow_unused")
