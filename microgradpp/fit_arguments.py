"""Everything ``fit`` is given, checked before its first step.

A mistake found after an epoch has already changed the model and the optimizer (and wasted the
time); found here, nothing has happened yet. ``train.fit`` calls :func:`check_fit_arguments`
first, in both modes (the scalar engine and ``compiled=True``), and trains with what it returns.

What is checked, and the error each mistake gets:

* grad mode: inside ``with no_grad():`` no graph is built, so no step could change anything —
  ``NoGradError``;
* ``model``: a Module; ``loss``: a registered name or a function; ``optimizer``: has ``step``,
  ``zero_grad`` and a finite ``lr`` ≥ 0, and updates some of this model's parameters;
* ``data`` and ``val_data``: (X, y) pairs of the same non-empty length; every sample has the
  model's number of inputs, all finite; every target is what the loss takes (a class label in
  range of the model's outputs, a hinge label, a probability, a finite number per output);
* ``epochs``, ``batch_size``: ints ≥ 1, and (the scalar engine) a step's graph, batch size ×
  parameters, of at most ``MAX_STEP_ENTRIES``; ``l2`` ≥ 0 and ``clip_grad_norm`` > 0, finite;
* ``shuffle``, ``progress``: True or False; ``seed``: an int, a random.Random or None;
  ``callback``: a function or None; ``scheduler``: steps this very optimizer.

A wrong kind of argument is a TypeError, an impossible value a ValueError (as ``validation``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import losses as _losses
from . import validation
from .data import Seed, as_rng
from .engine import Value, is_grad_enabled
from .errors import NoGradError
from .i18n import Words, error
from .nn import Module

LossFn = Callable[[Any, Sequence[Any]], Value]


MAX_STEP_ENTRIES = 20_000_000
"""The largest graph one training step of the scalar engine may build, in entries: batch size ×
parameters (every parameter is used once per sample). Each entry is about 50 bytes (measured: 49
for a 784-16-16-10 network), so this is about 1 GB; compiled mode builds no such graph."""


def check_step_size(batch_size: int, parameters: int) -> None:
    """Refuse a step whose graph (``batch_size × parameters`` entries) would exceed
    ``MAX_STEP_ENTRIES``, saying the largest batch that fits."""
    entries = batch_size * parameters
    if entries > MAX_STEP_ENTRIES:
        largest = max(1, MAX_STEP_ENTRIES // max(parameters, 1))
        raise error(
            ValueError, "limits.step", batch=batch_size, parameters=parameters, entries=entries,
            gigabytes=f"{entries * 50 / 1e9:.3g}", most=MAX_STEP_ENTRIES, largest=largest,
        )  # fmt: skip


@dataclass(frozen=True)
class FitArguments:
    """What ``fit`` trains with once everything is checked: the counts as ints, the loss as a
    function (a name looked up in ``losses.LOSSES``), the numbers as floats."""

    epochs: int
    batch_size: int
    l2: float
    clip_grad_norm: float | None
    loss_fn: LossFn


def resolve_loss(loss: str | LossFn) -> LossFn:
    """The loss function ``loss`` stands for: itself if callable, else the registered one."""
    if callable(loss):
        return loss
    if not isinstance(loss, str) or loss not in _losses.LOSSES:
        names = ", ".join(_losses.LOSSES)
        raise error(ValueError, "fit.unknown_loss", name=validation.shown(loss), names=names)
    return _losses.LOSSES[loss].function


def check_fit_arguments(
    model: Module,
    loss: str | LossFn,
    optimizer: Any,
    data: Any,
    epochs: object,
    batch_size: object,
    *,
    l2: object,
    scheduler: Any,
    clip_grad_norm: object,
    val_data: Any,
    shuffle: object,
    seed: Seed,
    progress: object,
    callback: object,
    compiled: bool = False,
) -> FitArguments:
    """Check every argument of ``fit`` (see the module docstring); raise on the first mistake,
    before anything has changed."""
    if not is_grad_enabled():
        raise error(NoGradError, "fit.no_grad")
    if not isinstance(model, Module):
        raise error(TypeError, "fit.model", got=_kind(model))
    loss_fn = resolve_loss(loss)
    _check_optimizer(optimizer, model)
    X, y = _check_pair(data, "data")
    epochs = validation.integer(epochs, "epochs", minimum=1)
    if batch_size is None:
        batch_size = len(X)  # the whole data set: full-batch gradient descent
    batch_size = validation.integer(batch_size, "batch_size", minimum=1)
    if not compiled:  # the scalar engine builds a graph per sample of the batch
        check_step_size(min(batch_size, len(X)), len(model.parameters()))
    l2 = validation.positive(l2, "l2", allow_zero=True)  # 0 turns it off
    if clip_grad_norm is not None:
        clip_grad_norm = validation.positive(clip_grad_norm, "clip_grad_norm")
    for flag, name in ((shuffle, "shuffle"), (progress, "progress")):
        if not isinstance(flag, bool):
            raise error(TypeError, "fit.flag", name=name, got=validation.describe(flag))
    as_rng(seed)  # only its type is checked: nothing is drawn
    if callback is not None and not callable(callback):
        raise error(TypeError, "fit.callback", got=_kind(callback))
    if scheduler is not None:
        if not callable(getattr(scheduler, "step", None)):
            raise error(TypeError, "fit.scheduler", got=_kind(scheduler))
        if getattr(scheduler, "optimizer", optimizer) is not optimizer:
            raise error(ValueError, "fit.scheduler_optimizer")
    inputs, outputs = _model_width(model)
    loss_name = loss if isinstance(loss, str) else None
    if loss_name is not None and outputs is not None:
        _losses.check_outputs(loss_name, outputs)
    _check_samples(X, y, "data", inputs, outputs, loss_name)
    if val_data is not None:
        X_val, y_val = _check_pair(val_data, "val_data")
        _check_samples(X_val, y_val, "val_data", inputs, outputs, loss_name)
    return FitArguments(epochs, batch_size, l2, clip_grad_norm, loss_fn)


def _kind(x: object) -> str | Words:
    return validation.describe(x)


def _check_optimizer(optimizer: Any, model: Module) -> None:
    """An optimizer fit can drive (step, zero_grad, a usable lr) that moves this model."""
    for method in ("step", "zero_grad"):
        if not callable(getattr(optimizer, method, None)):
            raise error(TypeError, "fit.optimizer_method", method=method, got=_kind(optimizer))
    if not hasattr(optimizer, "lr"):
        raise error(TypeError, "fit.optimizer_lr", got=_kind(optimizer))
    lr = validation.positive(optimizer.lr, Words("fit.name.optimizer_lr"), allow_zero=True)
    decay = getattr(optimizer, "weight_decay", 0.0)
    if getattr(optimizer, "decay_shrinks_weights", False) and lr * decay >= 1.0:
        raise error(
            ValueError, "limits.decay", decay=repr(decay), lr=repr(lr),
            factor=f"{1.0 - lr * decay:.6g}",
        )  # fmt: skip
    params = getattr(optimizer, "params", None)
    if params is None:  # an optimizer of the user's that keeps its parameters elsewhere
        return
    own = {id(p) for p in model.parameters()}
    if not any(id(p) in own for p in params):
        raise error(ValueError, "fit.optimizer_params", own=len(own), others=len(params))


def _check_pair(data: Any, name: str) -> tuple[Any, Any]:
    """``data`` as (X, y) of the same, non-zero length."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise error(TypeError, "fit.pair", name=name, got=_kind(data))
    X, y = data
    for part, what in ((X, "X"), (y, "y")):
        if isinstance(part, (str, bytes)) or not hasattr(part, "__len__"):
            raise error(TypeError, "fit.part", name=name, what=what, got=_kind(part))
    if len(X) != len(y):
        raise error(ValueError, "fit.lengths", name=name, samples=len(X), targets=len(y))
    if len(X) == 0:  # len, not `not X`: X may be a numpy array in compiled mode
        raise error(ValueError, "fit.empty", name=name)
    return X, y


def _model_width(model: Module) -> tuple[int | None, int | None]:
    """(inputs, outputs) per sample of an MLP, Layer or Neuron; None where a model does not say."""
    inputs = getattr(model, "nin", None)
    nouts = getattr(model, "nouts", None)
    if nouts:
        return inputs, nouts[-1]
    outputs = getattr(model, "nout", 1 if inputs is not None else None)
    return inputs, outputs


def _check_samples(
    X: Any, y: Any, name: str, inputs: int | None, outputs: int | None, loss: str | None
) -> None:
    """Every sample holds ``inputs`` finite numbers; every target suits the loss."""
    if hasattr(X, "shape") and hasattr(X, "dtype"):  # a numpy array: checked as one
        _check_array(X, name, inputs)
    else:
        for i, sample in enumerate(X):
            _check_sample(sample, i, name, inputs)
    for i, target in enumerate(y):
        try:
            if loss is not None:
                _losses.check_target(loss, target, outputs)
            else:  # a loss of the user's takes anything, but never a number that is not finite
                _check_finite_target(target)
        except (TypeError, ValueError) as problem:
            reason = getattr(problem, "words", None) or str(problem)  # said in any language
            raise error(type(problem), "fit.target", name=name, index=i, reason=reason) from None


def _check_sample(sample: Any, index: int, name: str, inputs: int | None) -> None:
    if isinstance(sample, (str, bytes)) or not hasattr(sample, "__len__"):
        raise error(TypeError, "fit.sample_type", name=name, index=index, got=_kind(sample))
    if inputs is not None and len(sample) != inputs:
        raise error(
            ValueError, "fit.sample_width", name=name, index=index, got=len(sample), nin=inputs
        )
    try:  # the fast check: one exact sum is finite only when every number is
        if math.isfinite(math.fsum(sample)):
            return
    except (TypeError, ValueError, OverflowError):
        pass  # a non-number, inf - inf, or finite numbers whose sum overflows: look one by one
    for j, x in enumerate(sample):
        validation.real(x.data if isinstance(x, Value) else x, _input_name(name, index, j))


def _check_array(X: Any, name: str, inputs: int | None) -> None:
    import numpy as np

    if X.ndim != 2 or (inputs is not None and X.shape[1] != inputs):
        width = inputs if inputs is not None else Words("fit.name.inputs")
        raise error(ValueError, "fit.array_shape", name=name, width=width, got=X.shape)
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise error(TypeError, "fit.array_dtype", name=name, got=X.dtype)
    finite = np.isfinite(X)
    if not finite.all():
        index, j = (int(k) for k in np.argwhere(~finite)[0])
        validation.real(float(X[index, j]), _input_name(name, index, j))


def _input_name(name: str, index: int, j: int) -> Words:
    """'data: sample 3, input 1': where a number that is not finite was found."""
    return Words("fit.name.sample_input", fields={"name": name, "index": index, "j": j})


def _check_finite_target(target: Any) -> None:
    for item in target if isinstance(target, (list, tuple)) else (target,):
        if validation.is_real(item):
            validation.real(item, "a target")
