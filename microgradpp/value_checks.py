"""What a Value accepts: its number (a finite real), its label (text every picture can hold), and
backward's switches (PyTorch's create_graph, retain_graph, …).

The engine calls these when a node is made from outside (``Value(x)``, a constant in ``x + 2``,
a label set by hand); nodes a gate makes skip them, since their numbers are already checked
floats. A wrong *kind* of argument is a ``TypeError``, the right kind with an impossible value a
``ValueError``, and each message names what was given.

Its messages are the catalogs' ``value.*`` (English in ``str()``, any language through
``i18n.translated``). This module imports only ``i18n`` (which imports only ``errors``) from
microgradpp.
"""

from __future__ import annotations

import math
import unicodedata
from numbers import Real

from .i18n import Words, error

REAL = (float, int, Real)
"""``isinstance(x, REAL)`` means ``isinstance(x, Real)``, but float and int, the usual cases, are
tried first: they are plain type checks, while a check against the abstract class Real goes
through its registry of virtual subclasses, which costs more than building a node."""

_INF, _NEG_INF = math.inf, -math.inf

VALUE_DATA = Words("value.data")
"""What ``checked_float`` calls its number unless told: a Value's data ("Value data")."""

MAX_LABEL_LENGTH = 100
"""The longest label a Value may have (a parameter name such as 'layer12.neuron128.w127' is 23)."""


def checked_float(x: object, what: str | Words = VALUE_DATA) -> float:
    """x as a float, or a TypeError naming its type / a ValueError for nan and inf."""
    if isinstance(x, bool) or not isinstance(x, REAL):
        kind = "bool" if isinstance(x, bool) else type(x).__name__
        raise error(TypeError, "value.real_type", what=what, got=f"{kind}: {x!r}")
    try:
        value = float(x)
    except OverflowError:  # an int beyond 1.8e308
        raise error(ValueError, "value.int_too_large", what=what) from None
    if not _NEG_INF < value < _INF:
        raise error(ValueError, "value.not_finite", what=what, got=repr(value))
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
            hint = Words("value.label_bytes") if isinstance(label, bytes) else ""
            got = f"{kind}: {_short_repr(label)}"
            raise error(TypeError, "value.label_type", got=got, hint=hint)
    if len(label) > MAX_LABEL_LENGTH:
        raise error(
            ValueError, "value.label_length", most=MAX_LABEL_LENGTH, length=f"{len(label):,}",
            got=_short_repr(label),
        )  # fmt: skip
    if label.isascii() and label.isprintable():  # the usual case, checked in C
        return label
    for position, char in enumerate(label):
        code = ord(char)
        problem = ""
        if 0xD800 <= code <= 0xDFFF:
            problem = "value.label.surrogate"
        elif (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            problem = "value.label.noncharacter"
        elif unicodedata.category(char) == "Cc" and char != "\n":  # a line break: two lines
            problem = "value.label.control"
        if problem:
            raise error(
                ValueError, "value.label_character", problem=Words(problem), code=f"{code:04X}",
                position=position, got=_short_repr(label),
            )  # fmt: skip
    return label


def _short_repr(x: object, limit: int = 40) -> str:
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def check_flags(**flags: object) -> None:
    """PyTorch's switches: ``retain_graph`` None or a bool, the others a bool; anything else is a
    TypeError (create_graph='no' would otherwise count as True)."""
    for name, flag in flags.items():
        if not (flag.__class__ is bool or (flag is None and name in _MAY_BE_NONE)):
            key = "value.flag_or_none" if name in _MAY_BE_NONE else "value.flag"
            raise error(TypeError, key, name=name, got=f"{type(flag).__name__}: {flag!r}")


_MAY_BE_NONE = ("retain_graph", "allow_unused")
