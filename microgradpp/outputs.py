"""The files the commands write: a graph's pictures and step-by-step page, a training run's plots.

Both degrade instead of failing: without Graphviz's ``dot`` a graph's pictures are written as
``.dot`` sources (and a note on stderr says how to install it); a graph too big to draw gets a note
instead of a picture. The caller still has its table.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .engine import Value
from .train import TrainingRun

INSTALL_GRAPHVIZ = (
    "Graphviz's dot program is not installed, so the pictures were written as .dot files and "
    "there are no step-by-step pages. Install it with:  sudo apt-get install graphviz  "
    "(Debian/Ubuntu)  or  brew install graphviz  (macOS), then run the command again "
    "(or turn one file into a picture: dot -Tsvg FILE.dot -o FILE.svg)."
)


GRAPH_FILES_SECONDS = 25.0
"""The most time Graphviz gets for one graph's pictures and step page together: no command
waits 30 seconds for a picture (each dot run gets what is left; see viz.render.time_budget)."""
MIN_STEP_PAGE_SECONDS = 2.0
"""A step-by-step page is not started with less time than this left (it draws every frame)."""


def write_graph_files(
    root: Value,
    out: Path,
    stem: str,
    format: str = "svg",
    digits: int = 4,
    title: str = "",
    description: str = "",
    missing: list[str] | None = None,
    modes: tuple[str, ...] = ("forward", "backward"),
    lang: str = "en",
    seconds: float | None = None,
) -> list[Path]:
    """Write ``STEM-forward``, ``STEM-backward`` (pictures) and ``STEM-steps.html``; return them.

    ``modes`` chooses the pictures: ``"forward"`` (values), ``"backward"`` (gradients and the
    chain rule on each wire), ``"both"`` (the cs231n picture: values above, gradients below, in
    ``STEM-both``). ``lang``: the language of the legends and the page ('en', 'zh-Hant',
    'zh-Hans'). Without Graphviz's ``dot`` the pictures are written as ``.dot`` sources, the
    step-by-step page is skipped, and a note on stderr says how to install Graphviz. A file that
    cannot be made (a graph too large, or Graphviz out of time) gets a note on stderr instead,
    and its name is appended to ``missing`` when a list is given (the command line then exits
    with 1). Sizes are checked before any work; with ``seconds`` (the command line passes
    ``GRAPH_FILES_SECONDS``) all of Graphviz's runs together take at most that long, without it
    each run has its own DOT_TIMEOUT (the demo's worked examples are known to be drawable).
    """
    from .engine import topological_order
    from .steps import MAX_STEPPER_NODES, render_steps
    from .viz import GraphvizNotFoundError, render  # imports graphviz only when drawing
    from .viz.dot import remaining_time, time_budget

    missing = [] if missing is None else missing
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    have_dot = shutil.which("dot") is not None
    picture_format = format if have_dot else "dot"
    nodes = len(topological_order(root))  # linear; everything below is refused above a size
    try:
        with time_budget(seconds) if seconds is not None else contextlib.nullcontext():
            for mode in modes:
                path = out / f"{stem}-{mode}.{picture_format}"
                written += _attempt(
                    f"{mode} picture",
                    missing,
                    render,
                    root,
                    path,
                    mode=mode,
                    precision=digits,
                    lang=lang,
                )
            skip = ""
            if nodes > MAX_STEPPER_NODES:
                skip = (
                    f"this graph has {nodes:,} nodes; a step-by-step page is made for graphs of "
                    f"at most {MAX_STEPPER_NODES} (one frame per node)"
                )
            elif any(f"{mode} picture" in missing for mode in modes if mode != "forward"):
                skip = "its frames show the gradients as that picture does, which could not be made"
            elif remaining_time() < MIN_STEP_PAGE_SECONDS:
                skip = f"less than {MIN_STEP_PAGE_SECONDS:g} s were left for it"
            if have_dot and skip:
                print(f"No step-by-step page: {skip}", file=sys.stderr)
                missing.append("step-by-step page")
            elif have_dot:
                path = out / f"{stem}-steps.html"
                written += _attempt(
                    "step-by-step page",
                    missing,
                    render_steps,
                    root,
                    path,
                    digits,
                    title,
                    description,
                    lang,
                )
    except GraphvizNotFoundError:
        have_dot = False
    except ImportError as error:  # the graphviz Python package is missing
        print(f"No pictures: {error}", file=sys.stderr)
        return written
    if not have_dot:
        print(INSTALL_GRAPHVIZ, file=sys.stderr)
    return written


def _attempt(
    what: str, missing: list[str], write: Callable[..., Path], *args: Any, **options: Any
) -> list[Path]:
    """[the file written], or [] and a note on stderr when the graph is too big for it (or
    Graphviz ran out of time); then ``what`` is added to ``missing``."""
    try:
        return [write(*args, **options)]
    except ValueError as error:  # GraphTooLargeError, DotTimeoutError, too many nodes for a page
        print(f"No {what}: {error}", file=sys.stderr)
        missing.append(what)
        return []


def write_training_plots(run: TrainingRun, out: Path, stem: str) -> list[Path]:
    """The loss/accuracy curves, the decision boundary (2-D inputs only) and the gradient flow,
    as PNG files named ``STEM-history.png``, ``STEM-boundary.png``, ``STEM-gradient-flow.png``.

    Each title starts with the dataset, the epochs and the optimizer ('moons, 40 epochs of adam').
    """
    from .viz import plots

    about = f"{run.recipe.dataset}, {len(run.history)} epochs of {run.recipe.optimizer}"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    path = out / f"{stem}-history.png"
    plots.plot_history(run.history, path=path, title=f"{about}: training")
    written.append(path)
    X, y = run.train_data
    if len(X[0]) == 2 and not run.regression:  # a boundary is a picture of a 2-D classifier
        path = out / f"{stem}-boundary.png"
        plots.plot_decision_boundary(
            run.model, X, y, path=path, title=f"{about}: decision boundary"
        )
        written.append(path)
    path = out / f"{stem}-gradient-flow.png"
    plots.plot_gradient_flow(run.history, path=path, title=about)  # axes say "gradient flow"
    written.append(path)
    return written


def print_written(paths: list[Path]) -> None:
    """The list of files written, after a blank line (nothing when there are none)."""
    if paths:
        print("\nwrote:")
        for path in paths:
            print(f"  {path}")
