"""microgradpp/sums.py: sums, means and norms that never overflow on finite numbers."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from microgradpp import sums

FINITE = st.floats(allow_nan=False, allow_infinity=False)


def test_the_exact_answers_where_fsum_and_squares_overflow() -> None:
    assert sums.mean([1e308, 1e308, 1e308]) == 1e308
    assert sums.mean([1.5e308, -1.5e308, 1.5e308]) == 5e307
    assert sums.total([1e308, 1e308, -1e308]) == 1e308  # fsum is exact: the middle never rounds
    assert sums.total([1.5e308, 1.5e308]) == math.inf  # the true sum is beyond every float
    assert sums.norm([3e200, 4e200]) == 4.9999999999999995e200  # 5e200 within one rounding
    assert sums.norm([2**600 * 3.0, 2**600 * 4.0]) == 2**600 * 5.0  # exact in binary
    assert sums.norm([1e154] * 4) == 2e154  # each square is 1e308: the sum of four is not a float
    assert sums.norm([3e-200, 4e-200]) == 5e-200  # the squares underflow to 0 unscaled
    assert sums.norm([1e-300, 1e300]) == 1e300
    assert sums.mean([]) == 0.0 and sums.norm([]) == 0.0 and sums.total([]) == 0.0


@given(st.lists(FINITE, max_size=30))
def test_mean_is_finite_and_matches_fsum_where_fsum_works(xs: list[float]) -> None:
    average = sums.mean(xs)
    assert math.isfinite(average)
    if xs:
        assert min(xs) <= average <= max(xs) or math.isclose(average, min(xs))
    try:
        exact = math.fsum(xs) / len(xs) if xs else 0.0
    except OverflowError:
        return
    assert average == exact


@given(st.lists(FINITE, max_size=30))
def test_norm_never_raises_and_is_at_least_the_largest(xs: list[float]) -> None:
    length = sums.norm(xs)
    largest = max((abs(x) for x in xs), default=0.0)
    assert length >= largest
    assert length <= largest * math.sqrt(len(xs)) * (1 + 1e-15) or length == math.inf
