"""Loss functions: one Value that says how wrong the model is (training makes it smaller).

Each takes the model's outputs and the targets and returns the *mean* over the samples
(``reduction="sum"`` gives the sum). Outputs are what ``model.forward_batch(X)`` returns: a list of
Values for a one-output model, a list of lists for several outputs. A single sample works too
(a Value, or one list of class scores with an int target).

Class labels are ints ``0 … k-1``. ``hinge`` wants labels ±1 and turns 0 into -1 itself.

    >>> from microgradpp import Value
    >>> mse([Value(2.0), Value(0.0)], [1.0, 1.0]).data     # ((2-1)² + (0-1)²) / 2
    1.0
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .engine import Value, apply_gate, sum_values
from .gates import GATES
from .i18n import error
from .validation import integer, is_integer, is_real, real, shown

_LOG_FLOOR = math.exp(-100.0)  # binary_cross_entropy clamps log(p) at -100, as PyTorch
_SOFTPLUS = GATES["softplus"]


def _reduce(terms: list[Value], reduction: str) -> Value:
    if reduction == "mean":
        return sum_values(terms) * (1.0 / len(terms))
    if reduction == "sum":
        return sum_values(terms)
    raise error(ValueError, "loss.error.reduction", reduction=reduction)


def _as_value(x: Any, what: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, (list, tuple)) and len(x) == 1:  # a one-output Layer returns [Value]
        return _as_value(x[0], what)
    if is_real(x):
        return Value(x)
    raise error(TypeError, "loss.error.not_a_value", what=what, kind=type(x).__name__, value=x)


def _flat_pairs(predictions: Any, targets: Any) -> list[tuple[Value, float]]:
    """Pair every prediction with its target; nested lists (several outputs) are flattened."""
    if not isinstance(predictions, (list, tuple)):
        predictions, targets = [predictions], [targets]
    if not isinstance(targets, (list, tuple)):
        raise error(TypeError, "loss.error.targets_not_a_list", targets=targets)
    if len(predictions) != len(targets):
        raise error(
            ValueError, "loss.error.count", predictions=len(predictions), targets=len(targets)
        )
    if not predictions:
        raise error(ValueError, "loss.error.empty")
    pairs = []
    for p, t in zip(predictions, targets):
        if isinstance(p, (list, tuple)) and len(p) != 1:
            pairs += _flat_pairs(list(p), list(t) if isinstance(t, (list, tuple)) else t)
        else:
            if isinstance(t, (list, tuple)) and len(t) == 1:
                t = t[0]
            pairs.append((_as_value(p, "a prediction"), real(t, "a target")))
    return pairs


def mse(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Mean squared error:  L = (1/n) Σ (ŷᵢ − yᵢ)²;   ∂L/∂ŷᵢ = (2/n)(ŷᵢ − yᵢ)."""
    terms = []
    for p, t in _flat_pairs(predictions, targets):
        d = p - t
        terms.append(d * d)
    return _reduce(terms, reduction)


def l1(predictions: Any, targets: Any, reduction: str = "mean") -> Value:
    """Mean absolute error:  L = (1/n) Σ |ŷᵢ − yᵢ|,  with |d| = max(d, −d) (gradient ±1/n)."""
    terms = []
    for p, t in _flat_pairs(predictions, targets):
        d = p - t
        terms.append(d.max(-d))
    return _reduce(terms, reduction)


def _sign_label(t: float) -> float:
    if t == 1.0:
        return 1.0
    if t in (0.0, -1.0):
        return -1.0
    raise error(ValueError, "loss.error.hinge_label", label=t)


def hinge(scores: Any, labels: Any, reduction: str = "mean") -> Value:
    """SVM max-margin loss:  L = (1/n) Σ max(0, 1 − yᵢ·sᵢ),  with yᵢ ∈ {−1, +1}.

    Labels 0/1 are turned into −1/+1 (−1/+1 are accepted as they are). A sample scored on the
    right side with a margin of at least 1 costs nothing and sends no gradient; otherwise
    ∂L/∂sᵢ = −yᵢ/n. Written as micrograd's demo writes it: relu(1 + (−yᵢ)·sᵢ).
    """
    terms = [(p * -_sign_label(t) + 1.0).relu() for p, t in _flat_pairs(scores, labels)]
    return _reduce(terms, reduction)


def _check_probability_target(t: float) -> float:
    if not 0.0 <= t <= 1.0:
        raise error(ValueError, "loss.error.probability_target", target=t)
    return t


def binary_cross_entropy(probabilities: Any, targets: Any, reduction: str = "mean") -> Value:
    """L = −(1/n) Σ [yᵢ·ln pᵢ + (1 − yᵢ)·ln(1 − pᵢ)]  for probabilities pᵢ (after a sigmoid).

    Each log is clamped at −100 (as PyTorch), so p = 0 or 1 gives a large finite loss instead of
    an error. Prefer ``binary_cross_entropy_with_logits`` on raw scores: it never needs a clamp.

    The gradient is this function's own: ∂L/∂pᵢ = (1/n)·(−yᵢ/pᵢ + (1 − yᵢ)/(1 − pᵢ)), and 0 for a
    log held at −100 (p < e⁻¹⁰⁰ ≈ 3.7e-44, where the clamped loss is flat). PyTorch's divides
    (p − y) by max(p·(1 − p), 1e-12) instead, so the two agree wherever p·(1 − p) ≥ 1e-12 and
    differ closer to 0 and 1 (at p = 1e-30, y = 1: −1e30 here, −1e12 there).
    """
    terms = []
    for p, t in _flat_pairs(probabilities, targets):
        if not 0.0 <= p.data <= 1.0:
            raise error(ValueError, "loss.error.probability", p=p.data)
        t = _check_probability_target(t)
        term = Value(0.0)
        if t > 0.0:
            term = term + p.max(_LOG_FLOOR).log() * t
        if t < 1.0:
            term = term + (1.0 - p).max(_LOG_FLOOR).log() * (1.0 - t)
        terms.append(-term)
    return _reduce(terms, reduction)


def binary_cross_entropy_with_logits(logits: Any, targets: Any, reduction: str = "mean") -> Value:
    """Binary cross-entropy from raw scores zᵢ (p = σ(z)), stable for any z:

    −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(z) − y·z,  softplus(z) = ln(1 + eᶻ);
    ∂/∂z = σ(z) − y.  softplus is one gate (``gates.Softplus``), stable for every z.

    For y = 1 the term is written softplus(−z) = ln(1 + e⁻ᶻ), the same number: softplus(z) − z
    subtracts two nearly equal numbers when z is large (a confident right answer), and loses
    digits — 7 of 16 at z = 20, all of them from z = 37 on (0 instead of 4.2e-18 at z = 40);
    PyTorch's formula keeps them too. Its gradient, −σ(−z), is σ(z) − 1 without that subtraction.
    """
    terms = []
    for z, t in _flat_pairs(logits, targets):
        if _check_probability_target(t) == 1.0:
            terms.append(apply_gate(_SOFTPLUS, -z))
        else:
            terms.append(apply_gate(_SOFTPLUS, z) - z * t)
    return _reduce(terms, reduction)


def _check_class(target: Any, k: int) -> int:
    target = integer(target, "a class label")
    if not 0 <= target < k:
        raise error(ValueError, "loss.error.class_range", target=target, k=k, last=k - 1)
    return target


def _check_logits(logits: Any) -> list[Value]:
    if not isinstance(logits, (list, tuple)) or len(logits) < 2:
        raise error(ValueError, "loss.error.scores", logits=logits)
    return [_as_value(z, "a class score") for z in logits]


def softmax(logits: Sequence[Value | float]) -> list[Value]:
    """pⱼ = e^(zⱼ − m) / Σₖ e^(zₖ − m),  m = max z  (the same as e^zⱼ/Σe^zₖ, but exp never overflows)."""
    zs = _check_logits(logits)
    m = max(z.data for z in zs)
    exps = [(z - m).exp() for z in zs]
    inv_total = sum_values(exps).reciprocal()
    return [e * inv_total for e in exps]


def _cross_entropy_one(logits: Any, target: Any) -> Value:
    zs = _check_logits(logits)
    target = _check_class(target, len(zs))
    m = max(z.data for z in zs)  # a constant: subtracting it changes no gradient
    shifted = [z - m for z in zs]
    log_sum_exp = sum_values([s.exp() for s in shifted]).log()
    return log_sum_exp - shifted[target]


def cross_entropy(logits: Any, targets: Any, reduction: str = "mean") -> Value:
    """Softmax followed by the negative log-likelihood of the true class t, for each sample:

        L = −ln softmax(z)ₜ = ln Σⱼ e^(zⱼ − m) − (zₜ − m),   m = max z   (stable: every exponent ≤ 0)
        ∂L/∂zⱼ = softmax(z)ⱼ − [j = t]

    ``logits`` is a list of class scores per sample (or one such list with an int target).
    """
    if is_integer(targets):
        return _cross_entropy_one(logits, targets)
    if not isinstance(logits, (list, tuple)) or not isinstance(targets, (list, tuple)):
        raise error(TypeError, "loss.error.cross_entropy_lists")
    if len(logits) != len(targets):
        raise error(
            ValueError, "loss.error.samples_labels", samples=len(logits), labels=len(targets)
        )
    if not logits:
        raise error(ValueError, "loss.error.empty")
    return _reduce([_cross_entropy_one(z, t) for z, t in zip(logits, targets)], reduction)


def l2_penalty(params: Sequence[Value]) -> Value:
    """Σ p² over the parameters (weight regularization; add α·l2_penalty to the loss).

    Its gradient 2α·p pulls every weight towards 0 ("weight decay").
    """
    params = list(params)
    if not params:
        return Value(0.0)
    return sum_values([p * p for p in params])


# ------------------------------------------------------------------------------------------------
# The registry: every loss by name (``fit(model, "hinge", …)`` and ``microgradpp train --loss``)
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossEntry:
    """A loss function and what the model's last layer must give it.

    ``output`` is one of
    * ``"number"``: one raw output per sample, float targets (regression);
    * ``"score"``: one raw output per sample, two classes (its sign is the class);
    * ``"probability"``: one sigmoid output per sample, two classes;
    * ``"scores"``: one raw output per class (logits), any number of classes.
    """

    function: Callable[..., Value]
    output: str

    @property
    def regression(self) -> bool:
        """True when the targets are numbers rather than class labels."""
        return self.output == "number"


LOSSES: dict[str, LossEntry] = {
    "mse": LossEntry(mse, "number"),
    "l1": LossEntry(l1, "number"),
    "hinge": LossEntry(hinge, "score"),
    "binary_cross_entropy": LossEntry(binary_cross_entropy, "probability"),
    "binary_cross_entropy_with_logits": LossEntry(binary_cross_entropy_with_logits, "score"),
    "cross_entropy": LossEntry(cross_entropy, "scores"),
}
"""Loss name -> its function and the output it expects. Add a loss here and ``fit`` and the
command line know it."""


def check_outputs(loss: str, outputs: int) -> None:
    """Raise ValueError unless a model with ``outputs`` outputs per sample suits the registered
    loss ``loss`` (see ``LossEntry.output``): the message blames the model, not its targets."""
    kind = LOSSES[loss].output
    if kind == "scores" and outputs < 2:
        raise error(ValueError, "loss.error.outputs_per_class", loss=loss, outputs=outputs)
    if kind in ("score", "probability") and outputs != 1:
        raise error(ValueError, "loss.error.one_output", loss=loss, outputs=outputs)


def check_target(loss: str, target: Any, outputs: int | None = None) -> None:
    """Raise ValueError (TypeError for what is not a number) unless ``target`` is one sample's
    target for the registered loss ``loss`` and a model of ``outputs`` outputs (None: unknown).

    The rules each loss applies when it runs (a class label in 0 … k-1, a hinge label 0/1/±1, a
    probability in [0, 1], a finite number per output), asked before any work: ``fit`` checks
    every target with it before its first step.
    """
    kind = LOSSES[loss].output
    if kind == "scores":
        if outputs is None:
            integer(target, "a class label", minimum=0)
        else:
            _check_class(target, outputs)
        return
    items = list(target) if isinstance(target, (list, tuple)) else [target]
    width = 1 if outputs is None and kind != "number" else outputs
    if width is not None and len(items) != width:
        if width == 1:
            raise error(ValueError, "loss.error.target_one", target=shown(target))
        raise error(ValueError, "loss.error.target_many", width=width, target=shown(target))
    for item in items:
        t = real(item, "a target")
        if loss == "hinge":
            _sign_label(t)
        elif kind != "number":
            _check_probability_target(t)
