"""How microgradpp writes a number, in one place: tables, pictures, captions, gate symbols and
gradient checks all call ``format_number``.

>>> format_number(-4.0), format_number(0.7310585786), format_number(1e-7)
('-4', '0.7311', '1.000e-07')
>>> format_number(4.000000000559112, 10, significant=True)
'4.000000001'
>>> format_number(-0.5, unicode_minus=True)
'−0.5'
>>> format_number(0.125, 2), round_half_up(2.675, 2)
('0.13', 2.68)

This module imports nothing from microgradpp: the gates may use it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

MINUS = "\u2212"
"""The typographic minus sign (−), wider and clearer than the hyphen (-) on a projector or page."""


def format_number(
    x: float, digits: int = 4, *, significant: bool = False, unicode_minus: bool = False
) -> str:
    """``x`` rounded half up (:func:`round_half_up`) to ``digits`` decimals, without trailing zeros: -4.0 -> '-4',
    0.7310586 -> '0.7311'.

    Numbers too small or too large for that (1e-7, 3e9) are written in scientific notation, so a
    tiny gradient never shows as 0; -0 shows as 0. ``significant`` counts ``digits`` significant
    digits instead of decimals (Python's ``g`` format: what a gradient check compares).
    ``unicode_minus`` writes every minus (of the number and of its exponent) as − instead of -.
    inf and nan are written as Python writes them.
    """
    if math.isnan(x) or math.isinf(x):
        text = str(x)
    elif significant:
        text = f"{x:.{digits}g}"
    elif x != 0.0 and (abs(x) < 0.5 * 10.0**-digits or abs(x) >= 1e9):
        text = f"{x:.{max(digits - 1, 1)}e}"
    else:
        text = f"{_half_up(x, digits):f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = "0"
    return text.replace("-", MINUS) if unicode_minus else text


def round_half_up(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` decimals as a person rounds (四捨五入), from the decimal number
    ``x`` prints as: 0.125 -> 0.13, -0.125 -> -0.13, 2.675 -> 2.68.

    Python's ``round()`` and ``format()`` round half to even on the binary value instead, so
    ``round(0.125, 2)`` is 0.12 and ``round(2.675, 2)`` is 2.67 (2.675 is stored as 2.67499…);
    every number microgradpp shows is rounded here (``format_number`` uses it).
    """
    if not math.isfinite(x):
        return x
    return float(_half_up(x, digits))


def _half_up(x: float, digits: int) -> Decimal:
    # repr(x) is the shortest decimal that reads back as x: the number the student sees.
    # Enough precision for every float (up to 1.8e308) at any number of decimals shown.
    context = Context(prec=330 + max(digits, 0), rounding=ROUND_HALF_UP)
    return Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), context=context)
