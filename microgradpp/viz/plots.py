"""Training plots with matplotlib: loss curves, decision boundaries, gradient flow.

Each function returns a ``matplotlib.figure.Figure`` (a notebook shows it inline when it is the
last expression of a cell) and, given ``path=``, also saves it (png, svg or pdf from the suffix).
Figures are made without ``pyplot``, so nothing piles up in memory and nothing opens a window.

    >>> history = fit(model, "mse", optimizer, (X, y), epochs=50)      # doctest: +SKIP
    >>> plot_history(history, path="history.png")                       # doctest: +SKIP
"""

from __future__ import annotations

import functools
import io
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..files import atomic_write
from ..validation import integer

FIGURE_DPI = 120
LOSS_COLOUR, VAL_COLOUR, ACCURACY_COLOUR, LR_COLOUR = "#1f5fa8", "#e06c00", "#1a7f37", "#6a4c93"


@functools.cache
def _figure_class() -> type:
    """matplotlib's Figure, plus ``_repr_png_`` so Jupyter shows it inline even without pyplot."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plots need matplotlib: pip install 'microgradpp[plot]' (or pip install matplotlib)"
        ) from None

    class InlineFigure(Figure):
        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png")
            return buffer.getvalue()

    return InlineFigure


def _figure(width: float, height: float) -> Any:
    return _figure_class()(figsize=(width, height), dpi=FIGURE_DPI, layout="constrained")


def _save(figure: Any, path: str | os.PathLike | None) -> None:
    """Save as the suffix says (png, svg, pdf …), atomically: the figure is drawn into memory
    first, so a failure while drawing or writing never leaves half a file behind."""
    if path is not None:
        path = Path(path)
        buffer = io.BytesIO()
        figure.savefig(buffer, format=path.suffix.lstrip(".").lower() or None)
        atomic_write(path, buffer.getvalue())


def _field(history: Any, name: str) -> list:
    """history.name for a History, history[name] for a dict (History.to_dict()); [] if absent."""
    if isinstance(history, Mapping):
        return list(history.get(name) or [])
    return list(getattr(history, name, None) or [])


# ------------------------------------------------------------------------------------------------
# plot_history
# ------------------------------------------------------------------------------------------------


def plot_history(history: Any, *, path: str | os.PathLike | None = None, title: str = "") -> Any:
    """Loss (and validation loss), accuracy and learning rate per epoch, side by side.

    ``history`` is what ``microgradpp.train.fit`` returns (a ``History``) or its ``to_dict()``.
    Accuracy is drawn when some epoch has one (regression has None); the learning rate when
    it was recorded, on a log scale if it changed tenfold or more.
    """
    epochs, loss = _field(history, "epochs"), _field(history, "loss")
    if not loss:
        raise ValueError("the history is empty: train first (history = fit(...)), then plot it")
    if len(epochs) != len(loss):
        epochs = list(range(1, len(loss) + 1))
    accuracy = _field(history, "accuracy")
    val_accuracy = _field(history, "val_accuracy")
    has_accuracy = any(a is not None for a in accuracy + val_accuracy)
    lr = _field(history, "lr")
    panels = ["loss"] + (["accuracy"] if has_accuracy else []) + (["lr"] if lr else [])
    figure = _figure(4.2 * len(panels), 3.4)
    from matplotlib.ticker import MaxNLocator

    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        if panel == "loss":
            ax.plot(epochs, loss, color=LOSS_COLOUR, label="train")
            val_loss = _field(history, "val_loss")
            if val_loss:
                ax.plot(epochs[: len(val_loss)], val_loss, color=VAL_COLOUR, label="validation")
                ax.legend()
            if min(loss) > 0 and max(loss) > 100 * min(loss):
                ax.set_yscale("log")
            ax.set_title("loss")
        elif panel == "accuracy":
            for values, colour, label in (
                (accuracy, LOSS_COLOUR, "train"),
                (val_accuracy, VAL_COLOUR, "validation"),
            ):
                points = [(e, a) for e, a in zip(epochs, values) if a is not None]
                if points:
                    ax.plot(*zip(*points), color=colour, label=label)
            ax.set_ylim(-0.02, 1.02)
            ax.legend()
            ax.set_title("accuracy")
        else:
            ax.plot(epochs[: len(lr)], lr, color=LR_COLOUR)
            if min(lr) > 0 and max(lr) >= 10 * min(lr):
                ax.set_yscale("log")
            elif max(lr) == min(lr):  # a constant rate: show it flat, not zoomed into noise
                ax.set_ylim(0.0, 1.5 * max(lr) if max(lr) > 0 else 1.0)
            ax.set_title("learning rate")
    if title:
        figure.suptitle(title)
    _save(figure, path)
    return figure


# ------------------------------------------------------------------------------------------------
# plot_decision_boundary
# ------------------------------------------------------------------------------------------------


def plot_decision_boundary(
    model: Any,
    X: Sequence[Sequence[float]],
    y: Sequence[int],
    *,
    resolution: int = 60,
    margin: float = 0.5,
    path: str | os.PathLike | None = None,
    title: str = "",
) -> Any:
    """The class ``model`` predicts at every point of the plane, with the data on top.

    ``X`` holds 2-D points, ``y`` their class labels. The model is evaluated on a
    ``resolution × resolution`` grid (``train.predict``: evaluation mode, no graph), reaching
    ``margin`` beyond the data.
    """
    from ..train import predict

    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} points but y has {len(y)} labels")
    if not X or any(len(point) != 2 for point in X):
        raise ValueError("plot_decision_boundary needs 2-D points: X = [[x0, x1], ...]")
    resolution = integer(resolution, "resolution", minimum=2)
    xs0, xs1 = [p[0] for p in X], [p[1] for p in X]
    lo0, hi0 = min(xs0) - margin, max(xs0) + margin
    lo1, hi1 = min(xs1) - margin, max(xs1) + margin
    grid0 = [lo0 + (hi0 - lo0) * i / (resolution - 1) for i in range(resolution)]
    grid1 = [lo1 + (hi1 - lo1) * j / (resolution - 1) for j in range(resolution)]
    labels = predict(model, [[a, b] for b in grid1 for a in grid0])
    rows = [labels[j * resolution : (j + 1) * resolution] for j in range(resolution)]
    classes = sorted(set(labels) | {int(c) for c in y})
    figure = _figure(5.0, 4.4)
    ax = figure.subplots()
    cmap = "coolwarm" if len(classes) <= 2 else "tab10"
    levels = [c - 0.5 for c in classes] + [classes[-1] + 0.5]
    ax.contourf(grid0, grid1, rows, levels=levels, cmap=cmap, alpha=0.3)
    ax.scatter(
        xs0, xs1, c=[int(c) for c in y], cmap=cmap, vmin=levels[0], vmax=levels[-1],
        edgecolors="black", linewidths=0.5, s=25,
    )  # fmt: skip
    ax.set_xlim(lo0, hi0)
    ax.set_ylim(lo1, hi1)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_title(title or "decision boundary")
    _save(figure, path)
    return figure


# ------------------------------------------------------------------------------------------------
# plot_gradient_flow
# ------------------------------------------------------------------------------------------------


def plot_gradient_flow(
    source: Any, *, path: str | os.PathLike | None = None, title: str = ""
) -> Any:
    """Mean |∂L/∂w| per layer: the picture of vanishing (or exploding) gradients.

    ``source`` is a model after ``backward()`` (one bar per layer, from ``train.gradient_flow``,
    the largest |grad| marked), or a ``History`` (one line per layer over the epochs, from
    ``history.grad_mean_abs``). The scale is logarithmic: a gradient 1000× smaller is visibly
    smaller, not a flat line at 0.
    """
    if hasattr(source, "parameters") and callable(source.parameters):
        figure = _flow_of_model(source)
    else:
        figure = _flow_over_epochs(source)
    if title:
        figure.suptitle(title)
    _save(figure, path)
    return figure


def _positive_or_nan(x: float) -> float:
    return x if x > 0 else math.nan  # a log scale cannot show 0


def _flow_of_model(model: Any) -> Any:
    from ..train import gradient_flow

    flow = gradient_flow(model)
    layers = list(flow)
    means = [flow[name]["mean_abs_grad"] for name in layers]
    if not any(m > 0 for m in means):
        raise ValueError(
            "every gradient is 0: run loss.backward() before plotting the gradient flow"
        )
    figure = _figure(max(4.0, 1.1 * len(layers) + 2.0), 3.6)
    ax = figure.subplots()
    positions = list(range(len(layers)))
    ax.bar(positions, [_positive_or_nan(m) for m in means], color=LOSS_COLOUR, label="mean |grad|")
    ax.scatter(
        positions,
        [_positive_or_nan(flow[name]["max_abs_grad"]) for name in layers],
        color=VAL_COLOUR,
        marker="_",
        s=400,
        label="max |grad|",
        zorder=3,
    )
    for position, name in zip(positions, layers):
        dead = flow[name]["dead_fraction"]
        if dead > 0:
            ax.annotate(f"{dead:.0%} dead", (position, means[position] or 1e-12), ha="center",
                        va="bottom", fontsize=9)  # fmt: skip
    ax.set_xticks(positions, layers)
    ax.set_yscale("log")
    ax.set_ylabel("|∂L/∂w|")
    ax.set_title("gradient flow: input layer on the left")
    ax.legend()
    ax.grid(True, axis="y", alpha=0.3)
    return figure


def _flow_over_epochs(history: Any) -> Any:
    per_epoch = _field(history, "grad_mean_abs")
    if not per_epoch or not any(per_epoch):
        raise ValueError(
            "this history has no gradient statistics (grad_mean_abs is empty): "
            "pass a History from fit(...), or a model after loss.backward()"
        )
    epochs = _field(history, "epochs")
    if len(epochs) != len(per_epoch):
        epochs = list(range(1, len(per_epoch) + 1))
    layers: list[str] = []
    for record in per_epoch:
        layers += [name for name in record if name not in layers]
    figure = _figure(5.6, 3.6)
    ax = figure.subplots()
    colours = ["#1f5fa8", "#e06c00", "#1a7f37", "#b3261e", "#6a4c93", "#8c564b", "#17becf"]
    for i, name in enumerate(layers):
        values = [_positive_or_nan(record.get(name, math.nan)) for record in per_epoch]
        ax.plot(epochs, values, label=name, color=colours[i % len(colours)])
    from matplotlib.ticker import MaxNLocator

    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel("mean |∂L/∂w|")
    ax.set_title("gradient flow per layer")
    ax.legend()
    ax.grid(True, alpha=0.3)
    return figure
