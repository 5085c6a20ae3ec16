"""What a training run records: the ``History``, per-layer gradient flow, and the progress shown.

``train.fit`` and ``compiled``'s fit both fill a ``History`` through these helpers, so the two
loops report the same numbers the same way (and neither has to import the other).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from . import losses as _losses
from . import sums, validation
from .diagnosis import grad_number
from .i18n import Translator, message, resolve_language
from .nn import Module


@dataclass
class History:
    """What happened during ``fit``, one entry per epoch in every list.

    ``grad_norm``, ``grad_mean_abs`` and ``dead_relu_fraction`` map a layer name (``"layer1"``, …)
    to a number measured on the last mini-batch of the epoch, before clipping.
    ``accuracy`` is None for regression; the ``val_`` lists are filled when ``fit`` got
    ``val_data``.
    """

    epochs: list[int] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    grad_norm: list[dict[str, float]] = field(default_factory=list)
    grad_mean_abs: list[dict[str, float]] = field(default_factory=list)
    dead_relu_fraction: list[dict[str, float]] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float | None] = field(default_factory=list)

    def record_epoch(
        self,
        epoch: int,
        loss: float,
        accuracy: float | None,
        lr: float,
        flow: dict[str, dict[str, float]],
        validation: tuple[float, float | None] | None = None,
    ) -> None:
        """Append one epoch: its mean loss and accuracy (None for regression), the learning rate
        it ran with, the last mini-batch's ``gradient_flow(model)``, and ``(val_loss,
        val_accuracy)`` when the epoch was measured on validation data."""
        self.epochs.append(epoch)
        self.loss.append(loss)
        self.accuracy.append(accuracy)
        self.lr.append(lr)
        self.grad_norm.append({k: v["grad_norm"] for k, v in flow.items()})
        self.grad_mean_abs.append({k: v["mean_abs_grad"] for k, v in flow.items()})
        self.dead_relu_fraction.append({k: v["dead_fraction"] for k, v in flow.items()})
        if validation is not None:
            self.val_loss.append(validation[0])
            self.val_accuracy.append(validation[1])

    def to_dict(self) -> dict[str, list]:
        """Plain lists and dicts (JSON-ready)."""
        return asdict(self)

    def __len__(self) -> int:
        return len(self.epochs)


# ------------------------------------------------------------------------------------------------
# Gradient flow
# ------------------------------------------------------------------------------------------------


def named_layers(model: Module) -> list[tuple[str, Module]]:
    """("layer1", layer), … for an MLP; ("layer1", model) for a single Layer or Neuron."""
    layers = getattr(model, "layers", None)
    if layers is None:
        return [("layer1", model)]
    return [(f"layer{i}", layer) for i, layer in enumerate(layers, 1)]


def gradient_flow(model: Module) -> dict[str, dict[str, float]]:
    """Per layer, statistics of the gradients now in ``.grad`` (call it after ``backward()``):

    * ``mean_abs_grad``  mean of |∂L/∂p| over the layer's parameters p
    * ``max_abs_grad``   the largest |∂L/∂p|
    * ``grad_norm``      √(Σ (∂L/∂p)²), the L2 norm
    * ``dead_fraction``  fraction of the layer's ReLU units that output 0 for every sample of the
      last forward batch (such a unit passes no gradient back); 0.0 for other activations

    In a deep sigmoid network ``mean_abs_grad`` shrinks layer by layer towards the input
    (vanishing gradients); with ReLU and He initialization it stays about the same size.
    """
    flow = {}
    for name, layer in named_layers(model):
        grads = [abs(grad_number(p, "gradient_flow")) for p in layer.parameters()]
        dead = layer.dead_fraction() if hasattr(layer, "dead_fraction") else 0.0
        flow[name] = {  # scaled sums: finite gradients of 1e154 or 1e300 never overflow here
            "mean_abs_grad": sums.mean(grads),
            "max_abs_grad": max(grads, default=0.0),
            "grad_norm": sums.norm(grads),
            "dead_fraction": dead,
        }
    return flow


# ------------------------------------------------------------------------------------------------
# What kind of task, and what the run shows while it trains
# ------------------------------------------------------------------------------------------------


def output_activation_of(model: Module) -> str | None:
    """The activation of the model's last layer (None: a plain linear output)."""
    return getattr(model, "output_activation", getattr(model, "activation", None))


def is_classification(y: Sequence[Any], loss: Any) -> bool:
    """True when the targets are class labels (whole numbers) and the loss is not a regression loss."""
    if isinstance(loss, str) and loss in _losses.LOSSES and _losses.LOSSES[loss].regression:
        return False
    return all(validation.is_integer(t) for t in y)


class _PlainProgress:
    """The fallback progress display: about ten lines over the run, on stderr."""

    def __init__(self, total: int, lang: str) -> None:
        self.total, self.n, self.t = total, 0, Translator(lang)
        self.every = max(1, total // 10)

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, text: str) -> None:
        if self.n % self.every == 0 or self.n == self.total or self.n == 1:
            width = len(str(self.total))
            line = self.t("progress.line", n=f"{self.n:>{width}}", total=self.total, text=text)
            print(line, file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


def progress_bar(total: int, enabled: bool) -> Any:
    """tqdm's bar when it is installed (the progress extra), else about ten plain lines; in the
    chosen language (``i18n.set_language``, else the locale's)."""
    if not enabled:
        return None
    lang = resolve_language(None)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainProgress(total, lang)
    return tqdm(total=total, unit=message("progress.epoch", lang), leave=True)


def summary(history: History, lang: str | None = None) -> str:
    """The last epoch in one line, for a progress bar (``lang``: None for the chosen one)."""
    t = Translator(lang)
    parts = [t("progress.loss", value=f"{history.loss[-1]:.4f}")]
    if history.accuracy[-1] is not None:
        parts.append(t("progress.accuracy", value=f"{history.accuracy[-1]:.1%}"))
    if history.val_loss:
        parts.append(t("progress.val_loss", value=f"{history.val_loss[-1]:.4f}"))
    parts.append(t("progress.lr", value=f"{history.lr[-1]:.4g}"))
    return "  ".join(parts)


def end_epoch(history: History, scheduler: Any, bar: Any, callback: Any, model: Module) -> bool:
    """After an epoch is recorded: step the schedule, show the epoch, call the callback.

    True when the callback asked to stop (it returned True). Both ``train.fit`` and compiled
    mode's fit end each epoch here, so they behave the same.
    """
    if scheduler is not None:
        scheduler.step()
    if bar is not None:
        bar.update(1)
        bar.set_postfix_str(summary(history))
    return callback is not None and callback(history.epochs[-1], history, model) is True
