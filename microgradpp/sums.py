"""Sums, means and norms of floats that never overflow on the way to a finite answer.

``math.fsum`` adds exactly, but raises ``OverflowError: intermediate overflow in fsum`` when the
exact sum is beyond the largest float (about 1.8e308), even though each number is finite; and
``g * g`` is inf for any g above 1.3e154. Diagnostics (gradient flow, captions, gradient checks)
must never stop a run on finite numbers, so they add through these: with M = max |xᵢ|,

    Σ xᵢ = M · Σ (xᵢ / M)        mean = M · (Σ (xᵢ / M)) / n        ‖x‖ = M · ‖x / M‖

where every xᵢ / M is in [-1, 1], so nothing overflows before the last multiplication — and that
one gives inf only when the true answer is beyond every float (a norm of two 1.5e308 gradients).

    >>> mean([1e308, 1e308, 1e308])
    1e+308
    >>> norm([1e154, 1e154, 1e154, 1e154])
    2e+154

This module imports nothing from microgradpp: every other module may use it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def total(xs: Iterable[float]) -> float:
    """Σ xᵢ, exactly rounded (``math.fsum``); ±inf, not an OverflowError, when the sum of finite
    numbers is beyond the largest float."""
    xs = list(xs)
    try:
        return math.fsum(xs)
    except OverflowError:  # finite numbers whose exact sum is beyond every float
        largest = max(abs(x) for x in xs)
        return largest * math.fsum(x / largest for x in xs)


def mean(xs: Iterable[float]) -> float:
    """(1/n) Σ xᵢ (0.0 for no numbers), finite whenever the numbers are: the mean of three 1e308
    is 1e308 although their sum is not a float."""
    xs = list(xs)
    if not xs:
        return 0.0
    try:
        return math.fsum(xs) / len(xs)
    except OverflowError:
        largest = max(abs(x) for x in xs)
        return largest * (math.fsum(x / largest for x in xs) / len(xs))


def norm(xs: Iterable[float]) -> float:
    """√(Σ xᵢ²), the L2 norm, computed scaled (``math.hypot``) so no square overflows or
    underflows: ‖(1e154, 1e154)‖ = 1.414e154, ‖(1e-200, 1e-200)‖ = 1.414e-200."""
    return math.hypot(*xs)
