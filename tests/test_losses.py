"""microgradpp.losses: every loss against numbers worked out by hand, and its gradient."""

from __future__ import annotations

import math

import pytest

from microgradpp import Value
from microgradpp.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l1,
    l2_penalty,
    mse,
    softmax,
)


def values(*xs: float) -> list[Value]:
    return [Value(x) for x in xs]


def grads(xs: list[Value]) -> list[float]:
    return [x.grad for x in xs]


# -- regression ----------------------------------------------------------------------------------


def test_mse_by_hand():
    p = values(2.0, 0.0)
    loss = mse(p, [1.0, 1.0])
    loss.backward()
    assert loss.data == 1.0  # ((2 − 1)² + (0 − 1)²) / 2
    assert grads(p) == [1.0, -1.0]  # (2/n)(ŷ − y)


def test_mse_sum_reduction_and_single_value():
    assert mse(values(2.0, 0.0), [1.0, 1.0], reduction="sum").data == 2.0
    assert mse(Value(3.0), 1.0).data == 4.0


def test_mse_flattens_several_outputs_per_sample():
    p = [values(1.0, 2.0), values(3.0, 5.0)]
    assert mse(p, [[1.0, 1.0], [1.0, 1.0]]).data == (0 + 1 + 4 + 16) / 4


def test_l1_by_hand():
    p = values(2.0, 0.5)
    loss = l1(p, [1.0, 1.0])
    loss.backward()
    assert loss.data == 0.75  # (|2 − 1| + |0.5 − 1|) / 2
    assert grads(p) == [0.5, -0.5]  # sign(ŷ − y)/n


def test_regression_losses_check_their_inputs():
    with pytest.raises(ValueError, match="2 predictions but 3 targets; they must match"):
        mse(values(1.0, 2.0), [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="a target must be a number, got str"):
        mse(values(1.0), ["1"])
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum', got 'max'"):
        mse(values(1.0), [1.0], reduction="max")
    with pytest.raises(ValueError, match="a loss needs at least one prediction"):
        l1([], [])


# -- hinge ------------------------------------------------------------------------------------------


def test_hinge_by_hand():
    s = values(0.5, -2.0, 3.0)
    loss = hinge(s, [1, 0, 0])
    loss.backward()
    # y = +1, −1, −1:  max(0, 1 − 0.5) = 0.5,  max(0, 1 − 2) = 0,  max(0, 1 + 3) = 4;  mean 1.5
    assert loss.data == 1.5
    assert grads(s) == [-1 / 3, 0.0, 1 / 3]  # −y/n where the margin is violated


def test_hinge_accepts_plus_minus_one_labels_too():
    assert hinge(values(0.5, -2.0, 3.0), [1, -1, -1]).data == 1.5


def test_hinge_refuses_other_labels():
    with pytest.raises(ValueError, match=r"hinge needs class labels 0/1 \(or -1/\+1\), got 2.0"):
        hinge(values(0.5), [2])


# -- binary cross-entropy ---------------------------------------------------------------------------


def test_binary_cross_entropy_by_hand():
    p = values(0.8, 0.25)
    loss = binary_cross_entropy(p, [1, 0])
    loss.backward()
    assert loss.data == pytest.approx(0.2554128118829953, abs=1e-15)  # −(ln 0.8 + ln 0.75)/2
    assert grads(p) == pytest.approx([-0.625, 2 / 3], abs=1e-15)  # −1/(n·p), 1/(n·(1 − p))


def test_binary_cross_entropy_soft_target():
    # y = 0.5, p = 0.5:  −(0.5 ln 0.5 + 0.5 ln 0.5) = ln 2
    assert binary_cross_entropy(values(0.5), [0.5]).data == pytest.approx(math.log(2), abs=1e-15)


def test_binary_cross_entropy_clamps_the_log_at_minus_100():
    assert binary_cross_entropy(values(0.0), [1]).data == pytest.approx(100.0, abs=1e-12)
    assert binary_cross_entropy(values(1.0), [1]).data == 0.0


def test_binary_cross_entropy_gradient_is_its_own_and_pytorchs_away_from_0_and_1():
    """∂L/∂p = −y/p + (1 − y)/(1 − p), 0 where the log is held at −100; PyTorch divides by
    max(p(1 − p), 1e-12) instead, so they agree wherever p(1 − p) ≥ 1e-12 (docstring)."""
    # (p, y, ∂L/∂p): PyTorch gives −1e12, −1e12, 1e12, 0 and −1e12 for these
    for p, y, expected in ((1e-30, 1, -1e30), (1e-13, 1, -1e13), (1.0, 0, 0.0), (0.0, 0, 1.0),
                           (0.0, 1, 0.0)):  # fmt: skip
        v = Value(p)
        binary_cross_entropy([v], [y]).backward()
        assert v.grad == pytest.approx(expected, rel=1e-15)
    torch = pytest.importorskip("torch")
    for p, y in ((0.3, 1.0), (1e-6, 0.0), (0.999, 0.25), (1e-11, 1.0)):
        v, t = Value(p), torch.tensor([p], dtype=torch.float64, requires_grad=True)
        binary_cross_entropy([v], [y]).backward()
        target = torch.tensor([y], dtype=torch.float64)
        torch.nn.functional.binary_cross_entropy(t, target).backward()
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-12)


def test_binary_cross_entropy_refuses_non_probabilities():
    with pytest.raises(ValueError, match=r"needs probabilities in \[0, 1\], got 1.5"):
        binary_cross_entropy(values(1.5), [1])
    with pytest.raises(ValueError, match=r"targets must be in \[0, 1\], got 2.0"):
        binary_cross_entropy(values(0.5), [2])


def test_binary_cross_entropy_with_logits_by_hand():
    z = values(0.0, 2.0)
    loss = binary_cross_entropy_with_logits(z, [1, 0])
    loss.backward()
    # ln(1 + e⁰) − 1·0 = ln 2 = 0.6931471805599453;  ln(1 + e²) − 0 = 2.1269280110429727
    assert loss.data == pytest.approx(1.410037595801459, abs=1e-15)
    # (σ(z) − y)/n:  (0.5 − 1)/2,  σ(2)/2 — right at z = 0 as well
    assert grads(z) == pytest.approx([-0.25, 0.44039853898894116], abs=1e-15)


def test_binary_cross_entropy_with_logits_is_stable_for_huge_scores():
    assert binary_cross_entropy_with_logits(values(1000.0), [1]).data == 0.0
    assert binary_cross_entropy_with_logits(values(-1000.0), [1]).data == 1000.0
    assert binary_cross_entropy_with_logits(values(1000.0), [0]).data == 1000.0


def test_binary_cross_entropy_with_logits_keeps_the_digits_of_a_confident_right_answer():
    """y = 1 at a large z: softplus(z) − z subtracted two nearly equal numbers (7 digits lost at
    z = 20, every digit from z = 37: 0.0 for 4.2e-18 at z = 40). Now ln(1 + e⁻ᶻ) itself, and the
    gradient −σ(−z) — σ(z) − 1, without the subtraction. y = 0 at a very negative z was right."""
    for z in (20.0, 30.0, 40.0, 700.0):
        for score, label in ((z, 1), (-z, 0)):
            v = Value(score)
            loss = binary_cross_entropy_with_logits([v], [label])
            loss.backward()
            e = math.exp(-z)
            assert loss.data == math.log1p(e)
            assert v.grad == (e / (1.0 + e)) * (-1.0 if label else 1.0)  # σ(z) − y exactly
    assert binary_cross_entropy_with_logits(values(20.0), [1]).data == 2.061153620314381e-09


def test_with_logits_equals_sigmoid_then_binary_cross_entropy():
    for z, y in [(-3.0, 1), (-0.4, 0), (0.7, 1), (2.5, 0.3)]:
        a = binary_cross_entropy_with_logits(values(z), [y]).data
        b = binary_cross_entropy([Value(z).sigmoid()], [y]).data
        assert a == pytest.approx(b, abs=1e-14)


# -- softmax and cross-entropy --------------------------------------------------------------------------

SOFTMAX_123 = [0.09003057317038046, 0.24472847105479767, 0.6652409557748219]


def test_softmax_by_hand():
    p = softmax(values(1.0, 2.0, 3.0))
    assert [x.data for x in p] == pytest.approx(SOFTMAX_123, abs=1e-15)
    assert sum(x.data for x in p) == pytest.approx(1.0, abs=1e-15)


def test_softmax_does_not_overflow():
    p = softmax(values(1000.0, 1001.0, 1002.0))  # e¹⁰⁰⁰ overflows a float; e^(z − max) does not
    assert [x.data for x in p] == pytest.approx(SOFTMAX_123, abs=1e-15)


def test_cross_entropy_by_hand():
    z = values(1.0, 2.0, 3.0)
    loss = cross_entropy(z, 2)
    loss.backward()
    assert loss.data == pytest.approx(0.40760596444438013, abs=1e-15)  # ln(e + e² + e³) − 3
    # ∂L/∂zⱼ = softmax(z)ⱼ − [j = 2]
    assert grads(z) == pytest.approx(
        [SOFTMAX_123[0], SOFTMAX_123[1], SOFTMAX_123[2] - 1], abs=1e-15
    )


def test_cross_entropy_is_stable_and_shift_invariant():
    assert cross_entropy(values(1001.0, 1002.0, 1003.0), 2).data == pytest.approx(
        0.40760596444438013, abs=1e-12
    )
    assert cross_entropy(values(-1000.0, 1000.0), 0).data == 2000.0


def test_cross_entropy_batch_is_the_mean():
    batch = [values(1.0, 2.0, 3.0), values(0.0, 0.0, 0.0)]
    # second sample: ln 3 for any label
    expected = (0.40760596444438013 + math.log(3)) / 2
    assert cross_entropy(batch, [2, 1]).data == pytest.approx(expected, abs=1e-15)


def test_cross_entropy_checks_labels():
    with pytest.raises(ValueError, match=r"class label 3 is out of range for 3 classes \(0..2\)"):
        cross_entropy(values(1.0, 2.0, 3.0), 3)
    with pytest.raises(TypeError, match="a class label must be an int, got float"):
        cross_entropy([values(1.0, 2.0)], [1.0])
    with pytest.raises(ValueError, match="need a list of at least 2 class scores per sample"):
        cross_entropy([Value(1.0)], [0])
    with pytest.raises(ValueError, match="2 samples but 1 labels"):
        cross_entropy([values(1.0, 2.0), values(1.0, 2.0)], [0])


# -- L2 penalty --------------------------------------------------------------------------------------------


def test_l2_penalty_by_hand():
    params = values(1.0, -2.0, 3.0)
    penalty = l2_penalty(params)
    penalty.backward()
    assert penalty.data == 14.0  # 1 + 4 + 9
    assert grads(params) == [2.0, -4.0, 6.0]  # 2p


def test_l2_penalty_of_nothing_is_zero():
    assert l2_penalty([]).data == 0.0


@pytest.mark.parametrize(
    "call, english, chinese",
    [
        (lambda: mse([Value(1.0)], [1.0, 2.0]), "1 predictions but 2 targets; they must match",
         "有 1 個預測值，卻有 2 個目標值；兩者必須一樣多"),
        (lambda: hinge([Value(1.0)], [2.0]), "hinge needs class labels 0/1 (or -1/+1), got 2.0",
         "hinge 需要類別標籤 0/1（或 -1/+1），收到的是 2.0"),
        (lambda: cross_entropy([Value(1.0), Value(2.0)], 5),
         "class label 5 is out of range for 2 classes (0..1)", "類別標籤 5 超出了 2 個類別的範圍（0..1）"),
        (lambda: mse([Value(1.0)], [1.0], reduction="max"),
         "reduction must be 'mean' or 'sum', got 'max'", "reduction 必須是 'mean' 或 'sum'，收到的是 'max'"),
    ],
)  # fmt: skip
def test_a_loss_error_says_the_same_in_chinese(call, english, chinese):
    from microgradpp.i18n import english_sentences, translated

    with pytest.raises(ValueError) as caught:
        call()
    assert str(caught.value) == english
    assert translated(caught.value, "zh-Hant") == chinese
    assert english_sentences(translated(caught.value, "zh-Hans")) == []
