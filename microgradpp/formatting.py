"""How microgradpp writes a number, in one place: tables, pictures, captions, gate symbols and
gradient checks all call ``format_number``.

>>> format_number(-4.0), format_number(0.7310585786), format_number(1e-7)
('-4', '0.7311', '1.000e-07')
>>> format_number(4.000000000559112, 10, significant=True)
'4.000000001'
>>> format_number(-0.5, unicode_minus=True)
'−0.5'

This module imports nothing from microgradpp: the gates may use it.
"""

from __future__ import annotations

import math

MINUS = "\u2212"
"""The typographic minus sign (−), wider and clearer than the hyphen (-) on a projector or page."""


def format_number(
    x: float, digits: int = 4, *, significant: bool = False, unicode_minus: bool = False
) -> str:
    """``x`` rounded to ``digits`` decimals, without trailing zeros: -4.0 -> '-4',
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
        text = f"{x:.{digits}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = "0"
    return text.replace("-", MINUS) if unicode_minus else text
