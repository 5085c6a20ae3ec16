"""Training loop, predictions and the numbers that show how gradients flow.

One training step is the same five lines everywhere (PyTorch included)::

    optimizer.zero_grad()                   # gradients accumulate: start from 0
    outputs = model.forward_batch(X_batch)  # forward pass: builds the graph
    loss = loss_fn(outputs, y_batch)        # one Value at the top of the graph
    loss.backward()                         # backward pass: every parameter's .grad
    optimizer.step()                        # move each parameter against its gradient

``fit`` runs it over mini-batches for some epochs and records a ``History``: loss, accuracy,
learning rate, and per-layer gradient statistics — the numbers behind the vanishing/exploding
gradient lesson.

    >>> from microgradpp.nn import MLP
    >>> from microgradpp.optim import SGD
    >>> from microgradpp.data import make_moons
    >>> X, y = make_moons(20, noise=0.1, seed=0)
    >>> model = MLP(2, [8, 1], seed=0)
    >>> history = fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), epochs=3,
    ...               progress=False)
    >>> len(history.loss)
    3
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from . import losses as _losses
from .data import Seed, as_rng, batches
from .engine import Value, gc_paused, no_grad
from .nn import Module
from .optim import clip_grad_norm as clip_gradients

LossFn = Callable[[Any, Sequence[Any]], Value]


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

    def to_dict(self) -> dict[str, list]:
        """Plain lists and dicts (JSON-ready)."""
        return asdict(self)

    def __len__(self) -> int:
        return len(self.epochs)


# ------------------------------------------------------------------------------------------------
# Gradient flow
# ------------------------------------------------------------------------------------------------


def _layers(model: Module) -> list[tuple[str, Module]]:
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
    for name, layer in _layers(model):
        grads = [abs(p.grad) for p in layer.parameters()]
        dead = layer.dead_fraction() if hasattr(layer, "dead_fraction") else 0.0
        flow[name] = {
            "mean_abs_grad": math.fsum(grads) / len(grads) if grads else 0.0,
            "max_abs_grad": max(grads, default=0.0),
            "grad_norm": math.sqrt(math.fsum(g * g for g in grads)),
            "dead_fraction": dead,
        }
    return flow


# ------------------------------------------------------------------------------------------------
# Predictions
# ------------------------------------------------------------------------------------------------


def _output_activation(model: Module) -> str | None:
    return getattr(model, "output_activation", getattr(model, "activation", None))


def _evaluate_outputs(model: Module, X: Sequence[Sequence[float]]) -> list[Any]:
    """Outputs for X in evaluation mode, without building a graph (the mode is put back)."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return model.forward_batch(X)
    finally:
        model.train(was_training)


def labels_from_outputs(outputs: Sequence[Any], output_activation: str | None) -> list[int]:
    """Class labels from model outputs.

    Several outputs per sample: the index of the largest (argmax). One output: with a sigmoid
    output activation it is a probability, so ``> 0.5``; otherwise a score, so ``> 0``.
    """
    labels = []
    threshold = 0.5 if output_activation == "sigmoid" else 0.0
    for out in outputs:
        if isinstance(out, (list, tuple)) and len(out) == 1:
            out = out[0]
        if isinstance(out, (list, tuple)):
            scores = [o.data for o in out]
            labels.append(max(range(len(scores)), key=scores.__getitem__))
        else:
            labels.append(1 if out.data > threshold else 0)
    return labels


def predict(model: Module, X: Sequence[Sequence[float]]) -> list[int]:
    """Class labels for the samples X (evaluation mode, no graph; see ``labels_from_outputs``)."""
    return labels_from_outputs(_evaluate_outputs(model, X), _output_activation(model))


def accuracy(model: Module, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """Fraction of samples whose predicted class equals the label."""
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)} labels")
    predicted = predict(model, X)
    return sum(p == t for p, t in zip(predicted, y)) / len(y)


# ------------------------------------------------------------------------------------------------
# fit
# ------------------------------------------------------------------------------------------------

REGRESSION_LOSSES = ("mse", "l1")


def _resolve_loss(loss: str | LossFn) -> LossFn:
    if callable(loss):
        return loss
    names = (
        "mse",
        "l1",
        "hinge",
        "binary_cross_entropy",
        "binary_cross_entropy_with_logits",
        "cross_entropy",
    )
    if loss not in names:
        raise ValueError(f"unknown loss {loss!r}; use one of {', '.join(names)} or a function")
    return getattr(_losses, loss)


def _is_classification(y: Sequence[Any], loss: str | LossFn) -> bool:
    if isinstance(loss, str) and loss in REGRESSION_LOSSES:
        return False
    return all(isinstance(t, int) and not isinstance(t, bool) for t in y)


class _PlainProgress:
    """The fallback progress display: about ten lines over the run, on stderr."""

    def __init__(self, total: int) -> None:
        self.total, self.n = total, 0
        self.every = max(1, total // 10)

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, text: str) -> None:
        if self.n % self.every == 0 or self.n == self.total or self.n == 1:
            width = len(str(self.total))
            print(f"epoch {self.n:>{width}}/{self.total}  {text}", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


def _progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _PlainProgress(total)
    return tqdm(total=total, unit="epoch", leave=True)


def fit(
    model: Module,
    loss: str | LossFn,
    optimizer: Any,
    data: tuple[Sequence[Any], Sequence[Any]],
    epochs: int,
    batch_size: int | None = None,
    *,
    l2: float = 0.0,
    scheduler: Any = None,
    clip_grad_norm: float | None = None,
    val_data: tuple[Sequence[Any], Sequence[Any]] | None = None,
    shuffle: bool = True,
    seed: Seed = 0,
    progress: bool = True,
    callback: Callable[[int, History, Module], Any] | None = None,
) -> History:
    """Train ``model`` on ``data = (X, y)`` and return a ``History``.

    * ``loss``: a name (``"hinge"``, ``"cross_entropy"``, ``"mse"``, …) or a function
      ``loss(outputs, targets) -> Value``; ``outputs`` is ``model.forward_batch(X_batch)``.
    * ``batch_size``: samples per step; ``None`` uses all of them (full-batch gradient descent,
      as micrograd's demo). Batches are reshuffled every epoch from ``seed``.
    * ``l2``: adds ``l2 · Σ p²`` over all parameters to the loss (micrograd's demo uses 1e-4).
    * ``scheduler``: stepped once at the end of every epoch (see ``microgradpp.optim``).
    * ``clip_grad_norm``: rescale the gradients so their L2 norm is at most this, before a step.
    * ``progress``: a tqdm bar when tqdm is installed, a few plain lines otherwise; False: silent.
    * ``callback(epoch, history, model)``: called after every epoch (e.g. to draw the boundary);
      if it returns True, training stops there (early stopping).

    The recorded loss is the mean, over the epoch's samples, of the loss that was minimized
    (including the L2 term); accuracy is measured on the same forward passes.
    """
    X, y = data
    if len(X) != len(y):
        raise ValueError(f"data has {len(X)} samples but {len(y)} targets; they must match")
    if not X:
        raise ValueError("data is empty: fit needs at least one sample")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    batch_size = len(X) if batch_size is None else batch_size
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    loss_fn = _resolve_loss(loss)
    classification = _is_classification(y, loss)
    output_activation = _output_activation(model)
    params = model.parameters()
    rng = as_rng(seed)
    history = History()
    bar = _progress_bar(epochs, progress)
    model.train()
    try:
        for epoch in range(1, epochs + 1):
            lr = float(optimizer.lr)
            total_loss, correct, seen = 0.0, 0, 0
            for X_batch, y_batch in batches(X, y, batch_size, shuffle=shuffle, seed=rng):
                with gc_paused():  # a step's graph has no cycles: skip the collector's scans
                    optimizer.zero_grad()
                    outputs = model.forward_batch(X_batch)
                    batch_loss = loss_fn(outputs, y_batch)
                    if l2:
                        batch_loss = batch_loss + l2 * _losses.l2_penalty(params)
                    batch_loss.backward()
                    flow = gradient_flow(model)  # the last batch's, unclipped, goes in the history
                    if clip_grad_norm is not None:
                        clip_gradients(params, clip_grad_norm)
                    optimizer.step()
                    total_loss += batch_loss.data * len(X_batch)
                    seen += len(X_batch)
                    if classification:
                        predicted = labels_from_outputs(outputs, output_activation)
                        correct += sum(p == t for p, t in zip(predicted, y_batch))
            history.epochs.append(epoch)
            history.loss.append(total_loss / seen)
            history.accuracy.append(correct / seen if classification else None)
            history.lr.append(lr)
            history.grad_norm.append({k: v["grad_norm"] for k, v in flow.items()})
            history.grad_mean_abs.append({k: v["mean_abs_grad"] for k, v in flow.items()})
            history.dead_relu_fraction.append({k: v["dead_fraction"] for k, v in flow.items()})
            if val_data is not None:
                val_loss, val_acc = evaluate(model, loss, val_data)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
            if scheduler is not None:
                scheduler.step()
            if bar is not None:
                bar.update(1)
                bar.set_postfix_str(_summary(history))
            if callback is not None and callback(epoch, history, model) is True:
                break
    finally:
        if bar is not None:
            bar.close()
    return history


def evaluate(
    model: Module, loss: str | LossFn, data: tuple[Sequence[Any], Sequence[Any]]
) -> tuple[float, float | None]:
    """(loss, accuracy) on ``data`` in evaluation mode, without building a graph.

    Accuracy is None for regression (float targets, or the mse/l1 losses).
    """
    X, y = data
    if len(X) != len(y) or not X:
        raise ValueError(f"data must be a non-empty (X, y) pair, got {len(X)} and {len(y)}")
    outputs = _evaluate_outputs(model, X)
    with no_grad():
        value = _resolve_loss(loss)(outputs, y).data
    if not _is_classification(y, loss):
        return value, None
    predicted = labels_from_outputs(outputs, _output_activation(model))
    return value, sum(p == t for p, t in zip(predicted, y)) / len(y)


def _summary(history: History) -> str:
    text = f"loss {history.loss[-1]:.4f}"
    if history.accuracy[-1] is not None:
        text += f"  accuracy {history.accuracy[-1]:.1%}"
    if history.val_loss:
        text += f"  val_loss {history.val_loss[-1]:.4f}"
    return text + f"  lr {history.lr[-1]:.4g}"
