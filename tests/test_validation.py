"""microgradpp.validation: one message for one mistake, a TypeError for a wrong kind of argument
and a ValueError for an impossible value."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from microgradpp.validation import fraction, integer, is_integer, is_real, positive, real


def test_bools_are_neither_counts_nor_numbers():
    assert is_integer(3) and not is_integer(True) and not is_integer(3.0)
    assert is_real(3) and is_real(2.5) and is_real(Fraction(1, 2)) and not is_real(False)
    assert not is_real("1") and not is_real(None) and not is_real(1j)


def test_integer():
    assert integer(5, "n", minimum=1) == 5
    assert integer(-3, "seed") == -3
    with pytest.raises(TypeError, match=r"^n must be an int, got float: 2\.0$"):
        integer(2.0, "n")
    with pytest.raises(TypeError, match=r"^n must be an int, got bool: True$"):
        integer(True, "n")
    with pytest.raises(ValueError, match=r"^epochs must be at least 1, got 0$"):
        integer(0, "epochs", minimum=1)
    with pytest.raises(ValueError, match=r"^level must be from 1 to 3, got 4$"):
        integer(4, "level", minimum=1, maximum=3)
    with pytest.raises(ValueError, match=r"^digits must be at most 12, got 13$"):
        integer(13, "digits", maximum=12)


def test_real():
    assert real(1, "x") == 1.0 and type(real(1, "x")) is float
    assert real(Fraction(1, 4), "x", 0, 1) == 0.25
    with pytest.raises(TypeError, match=r"^x must be a number, got str: '1'$"):
        real("1", "x")
    with pytest.raises(ValueError, match=r"^x must be finite, got nan$"):
        real(math.nan, "x")
    with pytest.raises(ValueError, match=r"^x must be >= 0 and finite, got inf$"):
        real(math.inf, "x", low=0)
    with pytest.raises(ValueError, match=r"^x must be finite, got a huge int$"):
        real(10**400, "x")
    with pytest.raises(ValueError, match=r"^factor must be in \(0, 1\), got 1\.0$"):
        real(1, "factor", 0, 1, low_open=True, high_open=True)
    with pytest.raises(ValueError, match=r"^x must be in \[-1, 1\], got 1\.5$"):
        real(1.5, "x", -1, 1)
    with pytest.raises(ValueError, match=r"^x must be <= 2 and finite, got 3\.0$"):
        real(3, "x", high=2)
    with pytest.raises(ValueError, match=r"^x must be < 2 and finite, got 2\.0$"):
        real(2, "x", high=2, high_open=True)


def test_positive_and_fraction():
    assert positive(0.1, "lr") == 0.1 and positive(0, "decay", allow_zero=True) == 0.0
    with pytest.raises(ValueError, match=r"^lr must be > 0 and finite, got 0\.0$"):
        positive(0, "lr")
    with pytest.raises(ValueError, match=r"^lr must be > 0 and finite, got a huge int$"):
        positive(10**400, "lr")
    with pytest.raises(ValueError, match=r"^decay must be >= 0 and finite, got -1\.0$"):
        positive(-1, "decay", allow_zero=True)
    assert fraction(0, "p") == 0.0 and fraction(0.5, "p") == 0.5
    with pytest.raises(ValueError, match=r"^p must be in \[0, 1\), got 1\.0$"):
        fraction(1, "p")
    with pytest.raises(ValueError, match=r"^p must be in \[0, 1\), got nan$"):
        fraction(math.nan, "p")
    with pytest.raises(TypeError, match=r"^p must be a number, got NoneType: None$"):
        fraction(None, "p")


def test_messages_show_long_values_cut_short():
    with pytest.raises(TypeError, match=r"^n must be an int, got str: 'xxxx.*\.\.\.$") as raised:
        integer("x" * 1000, "n")
    assert len(str(raised.value)) < 100
    with pytest.raises(ValueError, match=r"^n must be at most 3, got a huge int$"):
        integer(10**400, "n", maximum=3)


def test_a_huge_int_is_named_in_the_messages_language():
    from microgradpp.i18n import translated

    with pytest.raises(ValueError) as caught:
        integer(10**400, "epochs", maximum=10)
    assert str(caught.value) == "epochs must be at most 10, got a huge int"
    assert translated(caught.value, "zh-Hant") == "epochs 最多只能是 10，收到的是一個非常大的整數"
    assert translated(caught.value, "zh-Hans") == "epochs 最多只能是 10，得到的是一个非常大的整数"
    with pytest.raises(TypeError) as caught:
        integer(2.5, "epochs")
    assert translated(caught.value, "zh-Hant") == "epochs 必須是整數（int），收到的是 float: 2.5"
