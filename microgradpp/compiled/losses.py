"""The losses as compiled mode traces them: one sample's loss, with the target as a leaf Value.

The scalar losses (``microgradpp.losses``) take the targets as numbers; traced that way, the
traced sample's target would be frozen into the graph as a constant. So each named loss is
written here once more, per sample, with target leaves — the same formulas, checked against the
scalar losses by ``tests/test_compiled.py``:

* ``mse``: (p − t)²;  ``l1``: max(d, −d);  ``hinge``: relu(1 − y·s) with y = ±1 from 0/1 labels;
* ``binary_cross_entropy``: −[t·ln max(p, e⁻¹⁰⁰) + (1 − t)·ln max(1 − p, e⁻¹⁰⁰)];
* ``binary_cross_entropy_with_logits``: (1 − t)·softplus(z) + t·softplus(−z), which is
  softplus(z) − t·z without its subtraction (a confident right answer keeps its digits): for a
  0/1 target the scalar loss's numbers exactly, which writes softplus(−z) where t = 1;
* ``cross_entropy``: ln Σⱼ e^(zⱼ − m) − Σⱼ tⱼ·(zⱼ − m) with a one-hot t and m = max z from max
  gates, so every sample is shifted by its own maximum.

A sample with several outputs averages its terms, as the scalar losses do: L = (1/k) Σⱼ termⱼ.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import losses as _losses
from ..engine import Value, apply_gate, linear, sum_values
from ..errors import CompiledError
from ..gates import GATES
from ..i18n import Listed, error
from ..validation import is_integer, is_real
from .trace import Trace, tracing

_SOFTPLUS = GATES["softplus"]


def _max_tree(values: list[Value]) -> Value:
    """max of the values as a balanced tree of max gates (depth ⌈log₂ n⌉: few levels)."""
    while len(values) > 1:
        pairs = [a.max(b) for a, b in zip(values[::2], values[1::2])]
        values = pairs + ([values[-1]] if len(values) % 2 else [])
    return values[0]


class LossSpec:
    """A loss for compiled mode: how to encode the targets, and one sample's loss as a graph.

    ``per_sample(outputs, targets)`` builds Lₛ from the model's outputs and the target leaves;
    the batch loss is the mean Σₛ Lₛ / B, as the scalar losses compute it.
    """

    def __init__(self, name: str, scalar: Callable, classes: bool = False) -> None:
        self.name, self.scalar, self.classes = name, scalar, classes
        self.key: Any = name  # what history.is_classification is given as the loss
        # the named loss whose per-sample nodes these are (a fused form may replace them);
        # None for a function of yours, whatever its name
        self.builtin: str | None = name

    def target_labels(self, width: int) -> list[str]:
        if self.name == "hinge":
            return ["y"] if width == 1 else [f"y{j}" for j in range(width)]
        return ["t"] if width == 1 else [f"t{j}" for j in range(width)]

    def encode(self, y: Sequence[Any], width: int) -> Any:
        """Targets as an array (N, width): one-hot for classes, ±1 for hinge, else the numbers."""
        if self.classes:
            _losses.check_outputs(self.name, width)  # a one-output model is the mistake, not y
            labels = np.empty(len(y), dtype=np.intp)
            for i, t in enumerate(y):
                labels[i] = _losses._check_class(t, width)
            return np.eye(width)[labels]
        rows = np.empty((len(y), width))
        for i, t in enumerate(y):
            items = list(t) if isinstance(t, (list, tuple)) else [t]
            if len(items) != width:
                raise error(
                    ValueError, "compiled.target_width", index=i, count=len(items), width=width
                )
            for j, item in enumerate(items):
                if not is_real(item):
                    got = f"{type(item).__name__}: {t!r}"
                    raise error(TypeError, "compiled.target_type", got=got)
                if self.name == "hinge":
                    item = _losses._sign_label(float(item))
                elif self.name.startswith("binary_cross_entropy"):
                    item = _losses._check_probability_target(float(item))
                rows[i, j] = item
        if not np.isfinite(rows).all():
            raise error(ValueError, "compiled.targets_finite")
        return rows

    def per_sample(self, outputs: list[Value], targets: list[Value]) -> Value:
        name = self.name
        if name == "cross_entropy":
            neg_m = -_max_tree(outputs)  # −max z, per sample (never frozen from the traced one)
            shifted = [z + neg_m for z in outputs]
            log_sum_exp = sum_values([s.exp() for s in shifted]).log()
            return log_sum_exp - linear(targets, shifted, Value(0.0))
        terms = []
        for p, t in zip(outputs, targets):
            if name == "mse":
                d = p - t
                terms.append(d * d)
            elif name == "l1":
                d = p - t
                terms.append(d.max(-d))
            elif name == "hinge":
                terms.append((p * -t + 1.0).relu())
            elif name == "binary_cross_entropy":
                term = Value(0.0) + p.max(_losses._LOG_FLOOR).log() * t
                term = term + (1.0 - p).max(_losses._LOG_FLOOR).log() * (1.0 - t)
                terms.append(-term)
            else:  # binary_cross_entropy_with_logits: (1 − t)·softplus(z) + t·softplus(−z)
                terms.append(apply_gate(_SOFTPLUS, p) * (1.0 - t) + apply_gate(_SOFTPLUS, -p) * t)
        if len(terms) == 1:
            return terms[0]
        return sum_values(terms) * (1.0 / len(terms))  # the mean over the outputs, as the scalar


NAMED_LOSSES = ("mse", "l1", "hinge", "binary_cross_entropy", "binary_cross_entropy_with_logits")


def loss_spec(loss: Any) -> LossSpec:
    """The spec of a loss: a name, a function of ``microgradpp.losses``, or a function of yours."""
    for name in (*NAMED_LOSSES, "cross_entropy"):
        function = getattr(_losses, name)
        if loss == name or loss is function:
            return LossSpec(name, function, classes=name == "cross_entropy")
    if isinstance(loss, str):
        names = Listed(tuple(NAMED_LOSSES))
        raise error(ValueError, "compiled.unknown_loss", name=repr(loss), names=names)
    if isinstance(loss, LossSpec):
        return loss
    return CustomLoss(loss)


class CustomLoss(LossSpec):
    """A loss function of the user's, called on one sample with its targets as Values."""

    def __init__(self, function: Callable) -> None:
        super().__init__(getattr(function, "__name__", "loss"), function)
        self.key = function
        self.builtin = None  # (a function of yours named "mse" is not microgradpp's mse)

    def encode(self, y: Sequence[Any], width: int) -> Any:
        if any(is_integer(t) for t in y):
            raise error(CompiledError, "compiled.custom_loss.integer_targets", loss=self.name)
        first = y[0]
        width = len(first) if isinstance(first, (list, tuple)) else 1
        return LossSpec("mse", self.scalar).encode(y, width)  # plain numbers, checked

    def per_sample(self, outputs: list[Value], targets: list[Value]) -> Value:
        return self._call([outputs], [targets])

    def check_mean(self, a: Trace, b: Trace, targets_b: Any) -> None:
        """The batch loss is the mean of the per-sample losses: check the loss agrees on two.

        (b shares a's target leaves, which hold a's numbers again: ``targets_b`` are b's.)
        """
        b_targets = [Value(float(v)) for v in targets_b]
        with tracing([*a.inputs, *a.targets, *b_targets]):
            both = self._call([a.outputs, b.outputs], [a.targets, b_targets]).data
        mean = (a.loss.data + b.loss.data) / 2.0
        if not math.isclose(both, mean, rel_tol=1e-9, abs_tol=1e-12):
            key = "sum" if math.isclose(both, 2.0 * mean, rel_tol=1e-9) else "not_mean"
            raise error(
                CompiledError, f"compiled.custom_loss.{key}", loss=self.name, both=repr(both),
                first=repr(a.loss.data), second=repr(b.loss.data),
            )  # fmt: skip

    def _call(self, outputs: list[list[Value]], targets: list[list[Value]]) -> Value:
        model_out = [o[0] if len(o) == 1 else list(o) for o in outputs]
        target = [t[0] if len(t) == 1 else list(t) for t in targets]
        try:
            result = self.scalar(model_out, target)
        except (TypeError, ValueError) as problem:
            if isinstance(problem, CompiledError):
                raise
            raise error(
                CompiledError, "compiled.custom_loss.refused", loss=self.name, error=str(problem)
            ) from None
        if not isinstance(result, Value):
            raise error(
                CompiledError,
                "compiled.custom_loss.not_a_value",
                loss=self.name,
                result=repr(result),
            )
        return result


class OutputsOnly(LossSpec):
    """No loss: the program computes the model's outputs (their sum is the traced root)."""

    def __init__(self) -> None:
        super().__init__("outputs", lambda outputs, targets: sum_values(outputs[0]))
        self.builtin = None

    def target_labels(self, width: int) -> list[str]:
        return []

    def encode(self, y: Sequence[Any], width: int) -> Any:
        return np.zeros((len(y), 0))

    def per_sample(self, outputs: list[Value], targets: list[Value]) -> Value:
        return outputs[0] if len(outputs) == 1 else sum_values(outputs)
