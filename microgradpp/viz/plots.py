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
from ..i18n import Translator, error, resolve_language, set_language
from ..validation import integer

FIGURE_DPI = 120
CHINESE_FONTS = {"zh-Hant": "Noto Sans CJK TC", "zh-Hans": "Noto Sans CJK SC"}
"""The font a figure in Chinese falls back to for the characters DejaVu Sans lacks (Debian's
fonts-noto-cjk, which ``make setup`` installs)."""
LOSS_COLOUR, VAL_COLOUR, ACCURACY_COLOUR, LR_COLOUR = "#1f5fa8", "#e06c00", "#1a7f37", "#6a4c93"


@functools.cache
def _figure_class() -> type:
    """matplotlib's Figure, plus ``_repr_png_`` so Jupyter shows it inline even without pyplot."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise error(ImportError, "plot.needs_matplotlib") from None

    class InlineFigure(Figure):
        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png")
            return buffer.getvalue()

    return InlineFigure


def _figure(width: float, height: float) -> Any:
    return _figure_class()(figsize=(width, height), dpi=FIGURE_DPI, layout="constrained")


def use_language(lang: str | None) -> None:
    """A notebook in ``lang``: every table, picture, caption and plot of the library in it
    (``i18n.set_language``), and matplotlib's own plots too (``plt.title("損失")``): its fonts
    fall back to one with the language's characters (nothing to do when matplotlib is missing).
    """
    set_language(lang)
    try:
        import matplotlib
    except ImportError:
        return
    lang = resolve_language(lang)
    chinese = [CHINESE_FONTS[lang]] if lang in CHINESE_FONTS else []
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", *chinese, "sans-serif"]


def _in_language(figure: Any, lang: str) -> None:
    """Every text of the figure in fonts that have the language's characters: DejaVu Sans (Latin,
    Greek, ∂), then the Chinese font for the characters DejaVu lacks (matplotlib's fallback)."""
    if lang in CHINESE_FONTS:
        from matplotlib.text import Text

        families = ["DejaVu Sans", CHINESE_FONTS[lang], "sans-serif"]
        for text in figure.findobj(Text):
            text.set_fontfamily(families)


def _save(figure: Any, path: str | os.PathLike | None, lang: str = "en") -> None:
    """Save as the suffix says (png, svg, pdf …), atomically: the figure is drawn into memory
    first, so a failure while drawing or writing never leaves half a file behind. Its texts are
    first given the fonts of ``lang`` (a notebook's inline picture too)."""
    _in_language(figure, lang)
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


def plot_history(
    history: Any, *, path: str | os.PathLike | None = None, title: str = "", lang: str | None = None
) -> Any:
    """Loss (and validation loss), accuracy and learning rate per epoch, side by side.

    Titles, axes and legends are in ``lang`` (None: the locale's; the catalogs' ``plot.*``).

    ``history`` is what ``microgradpp.train.fit`` returns (a ``History``) or its ``to_dict()``.
    Accuracy is drawn when some epoch has one (regression has None); the learning rate when
    it was recorded, on a log scale if it changed tenfold or more.
    """
    t = Translator(lang)
    epochs, loss = _field(history, "epochs"), _field(history, "loss")
    if not loss:
        raise error(ValueError, "plot.empty_history")
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
        ax.set_xlabel(t("plot.epoch"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        if panel == "loss":
            ax.plot(epochs, loss, color=LOSS_COLOUR, label=t("plot.train"))
            val_loss = _field(history, "val_loss")
            if val_loss:
                ax.plot(
                    epochs[: len(val_loss)], val_loss, color=VAL_COLOUR, label=t("plot.validation")
                )
                ax.legend()
            if min(loss) > 0 and max(loss) > 100 * min(loss):
                ax.set_yscale("log")
            ax.set_title(t("plot.loss"))
        elif panel == "accuracy":
            for values, colour, label in (
                (accuracy, LOSS_COLOUR, t("plot.train")),
                (val_accuracy, VAL_COLOUR, t("plot.validation")),
            ):
                points = [(e, a) for e, a in zip(epochs, values) if a is not None]
                if points:
                    ax.plot(*zip(*points), color=colour, label=label)
            ax.set_ylim(-0.02, 1.02)
            ax.legend()
            ax.set_title(t("plot.accuracy"))
        else:
            ax.plot(epochs[: len(lr)], lr, color=LR_COLOUR)
            if min(lr) > 0 and max(lr) >= 10 * min(lr):
                ax.set_yscale("log")
            elif max(lr) == min(lr):  # a constant rate: show it flat, not zoomed into noise
                ax.set_ylim(0.0, 1.5 * max(lr) if max(lr) > 0 else 1.0)
            ax.set_title(t("plot.learning_rate"))
    if title:
        figure.suptitle(title)
    _save(figure, path, t.lang)
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
    lang: str | None = None,
) -> Any:
    """The class ``model`` predicts at every point of the plane, with the data on top (words in
    ``lang``; None: the locale's).

    ``X`` holds 2-D points, ``y`` their class labels. The model is evaluated on a
    ``resolution × resolution`` grid (``train.predict``: evaluation mode, no graph), reaching
    ``margin`` beyond the data.
    """
    from ..train import predict

    if len(X) != len(y):
        raise error(ValueError, "plot.lengths", points=len(X), labels=len(y))
    if not X or any(len(point) != 2 for point in X):
        raise error(ValueError, "plot.needs_2d")
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
    ax.set_title(title or Translator(lang)("plot.decision_boundary"))
    _save(figure, path, Translator(lang).lang)
    return figure


# ------------------------------------------------------------------------------------------------
# plot_gradient_flow
# ------------------------------------------------------------------------------------------------


def plot_gradient_flow(
    source: Any, *, path: str | os.PathLike | None = None, title: str = "", lang: str | None = None
) -> Any:
    """Mean |∂L/∂w| per layer: the picture of vanishing (or exploding) gradients.

    ``source`` is a model after ``backward()`` (one bar per layer, from ``train.gradient_flow``,
    the largest |grad| marked), or a ``History`` (one line per layer over the epochs, from
    ``history.grad_mean_abs``). The scale is logarithmic: a gradient 1000× smaller is visibly
    smaller, not a flat line at 0. Words in ``lang`` (None: the locale's), layers too
    ("layer1" is 「第 1 層」 in zh-Hant).
    """
    t = Translator(lang)
    if hasattr(source, "parameters") and callable(source.parameters):
        figure = _flow_of_model(source, t)
    else:
        figure = _flow_over_epochs(source, t)
    if title:
        figure.suptitle(title)
    _save(figure, path, t.lang)
    return figure


def _positive_or_nan(x: float) -> float:
    return x if x > 0 else math.nan  # a log scale cannot show 0


def _layer_name(t: Translator, name: str) -> str:
    """'layer2' (``train.gradient_flow``'s name) in t's language; another name as it is."""
    number = name.removeprefix("layer")
    return t("plot.layer", number=number) if number.isdigit() else name


def _flow_of_model(model: Any, t: Translator) -> Any:
    from ..train import gradient_flow

    flow = gradient_flow(model)
    layers = list(flow)
    means = [flow[name]["mean_abs_grad"] for name in layers]
    if not any(m > 0 for m in means):
        raise error(ValueError, "plot.all_zero")
    figure = _figure(max(4.0, 1.1 * len(layers) + 2.0), 3.6)
    ax = figure.subplots()
    positions = list(range(len(layers)))
    ax.bar(
        positions,
        [_positive_or_nan(m) for m in means],
        color=LOSS_COLOUR,
        label=t("plot.mean_grad"),
    )
    ax.scatter(
        positions,
        [_positive_or_nan(flow[name]["max_abs_grad"]) for name in layers],
        color=VAL_COLOUR,
        marker="_",
        s=400,
        label=t("plot.max_grad"),
        zorder=3,
    )
    for position, name in zip(positions, layers):
        dead = flow[name]["dead_fraction"]
        if dead > 0:
            ax.annotate(t("plot.dead", fraction=f"{dead:.0%}"), (position, means[position] or 1e-12), ha="center",
                        va="bottom", fontsize=9)  # fmt: skip
    ax.set_xticks(positions, [_layer_name(t, name) for name in layers])
    ax.set_yscale("log")
    ax.set_ylabel("|∂L/∂w|")
    ax.set_title(t("plot.flow.model"))
    ax.legend()
    ax.grid(True, axis="y", alpha=0.3)
    return figure


def _flow_over_epochs(history: Any, t: Translator) -> Any:
    per_epoch = _field(history, "grad_mean_abs")
    if not per_epoch or not any(per_epoch):
        raise error(ValueError, "plot.no_flow")
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
        ax.plot(epochs, values, label=_layer_name(t, name), color=colours[i % len(colours)])
    from matplotlib.ticker import MaxNLocator

    ax.set_yscale("log")
    ax.set_xlabel(t("plot.epoch"))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(t("plot.mean_axis"))
    ax.set_title(t("plot.flow.epochs"))
    ax.legend()
    ax.grid(True, alpha=0.3)
    return figure
