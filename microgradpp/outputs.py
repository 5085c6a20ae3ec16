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

from .engine import Value, topological_order
from .errors import MicrogradppError
from .train import TrainingRun

INSTALL_GRAPHVIZ = (
    "Graphviz's dot program is not installed, so the pictures were written as .dot files and "
    "there are no step-by-step pages. Install it with:  sudo apt-get install graphviz  "
    "(Debian/Ubuntu)  or  brew install graphviz  (macOS), then run the command again "
    "(or turn one file into a picture: dot -Tsvg FILE.dot -o FILE.svg)."
)


GRAPH_FILES_SECONDS = 25.0
"""The most time Graphviz gets for one graph's files in a command (``microgradpp expr`` and
``example``): no command waits 30 seconds for a picture (see viz.dot.time_budget)."""
SPLIT_ABOVE = 30
"""A graph of more Values than this that is a sum of terms (a loss over several examples) also gets
a backward picture and a step-by-step page per term: its whole picture is too tangled to read."""
MAX_TERMS = 8
"""More terms than this are not drawn one by one (120 pages would not help anyone)."""
LONG_PAGE = 60
"""A step-by-step page of more frames than this is long for one lesson: the page and the command
line say so, and offer the pages of the terms when there are any."""


def _direction(root: Value, digits: int, lang: str) -> str:
    """The direction ``rankdir="auto"`` chooses for root's pictures (LR if the graph cannot be
    drawn at all: each file then says why on its own)."""
    from .viz import GraphView
    from .viz.graph import settle_rankdir

    try:
        view = GraphView.of(root, "both", precision=digits, lang=lang, rankdir="auto")
        return settle_rankdir(view).rankdir
    except MicrogradppError:
        return "LR"


def write_graph_files(
    root: Value,
    out: Path,
    stem: str,
    format: str = "svg",
    digits: int = 4,
    title: str = "",
    description: str = "",
    modes: tuple[str, ...] = ("forward", "backward"),
    lang: str = "en",
    missing: list[str] | None = None,
    seconds: float | None = None,
    rankdir: str = "auto",
) -> list[Path]:
    """Write ``STEM-forward``, ``STEM-backward`` (pictures) and ``STEM-steps.html``; return them.

    ``modes`` chooses the pictures: ``"forward"`` (values), ``"backward"`` (gradients and the
    chain rule on each wire), ``"both"`` (the cs231n picture: values above, gradients below, in
    ``STEM-both``). ``lang``: the language of the legends and the page ('en', 'zh-Hant',
    'zh-Hans'). Without Graphviz's ``dot`` the pictures are written as ``.dot`` sources, the step-by-step
    page is skipped, and a note on stderr says how to install Graphviz. A file that cannot be
    made (too large, or Graphviz out of time) gets a note on stderr and its name is appended to
    ``missing`` when a list is given (the command line then exits 1). With ``seconds`` (the
    command line passes ``GRAPH_FILES_SECONDS``) all of Graphviz's runs together take at most
    that long (``viz.dot.time_budget``). ``rankdir``: ``"auto"`` (left to right or top to
    bottom, whichever reads larger on a 1920×1080 screen; chosen once, so the pictures and the
    page agree), ``"LR"`` or ``"TB"``.
    """
    from .steps import render_steps
    from .viz.dot import time_budget

    failed = [] if missing is None else missing

    def attempt(what: str, write: Callable[..., Path], *args: Any, **options: Any) -> list[Path]:
        done = _attempt(what, write, *args, **options)
        if not done:
            failed.append(what)
        return done

    from .viz import GraphvizNotFoundError, draw_graph, render  # graphviz only when drawing
    from .viz.split import split_terms, term_view

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    have_dot = shutil.which("dot") is not None
    picture_format = format if have_dot else "dot"
    try:
        budget = time_budget(seconds) if seconds is not None else contextlib.nullcontext()
        with budget:
            if rankdir == "auto" and have_dot:
                rankdir = _direction(root, digits, lang)
            for mode in modes:
                path = out / f"{stem}-{mode}.{picture_format}"
                written += attempt(
                    f"{mode} picture",
                    render,
                    root,
                    path,
                    mode=mode,
                    precision=digits,
                    lang=lang,
                    rankdir=rankdir,
                )
            order = topological_order(root)
            terms = split_terms(root) if len(order) > SPLIT_ABOVE else []
            if len(terms) > MAX_TERMS:
                terms = []
            if terms and "backward" in modes:
                for i, term in enumerate(terms, start=1):
                    path = out / f"{stem}-backward-term{i}.{picture_format}"
                    picture = draw_graph(term_view(term, digits))
                    written += attempt(f"backward picture of term {i}", render, picture, path)
            if have_dot:
                frames = 2 + 2 * sum(
                    1 for node in order if node.parents
                )  # inputs, seed, 2 per gate
                long = frames > LONG_PAGE
                term_pages = [f"{stem}-steps-term{i}.html" for i in range(1, len(terms) + 1)]
                notice = _long_page_notice(root, frames, terms, stem) if long else ""
                offers = list(zip(term_pages, _term_names(terms))) if long else []
                path = out / f"{stem}-steps.html"
                written += attempt(
                    "step-by-step page",
                    render_steps,
                    root,
                    path,
                    digits,
                    title,
                    description,
                    lang,
                    notice=notice,
                    offers=offers,
                    rankdir=rankdir,
                )
                if long:
                    print(f"\n{path.name}: {notice}")
                    for i, (term, name) in enumerate(zip(terms, _term_names(terms)), start=1):
                        path = out / term_pages[i - 1]
                        term_title = f"{title or stem}: term {i} of {len(terms)}, {name}"
                        written += attempt(
                            f"step-by-step page of term {i}", render_steps, term, path, digits,
                            term_title, f"backward of {name} alone, one of the {len(terms)} terms "
                            "whose sum the whole page steps through", lang,
                        )  # fmt: skip
    except GraphvizNotFoundError:
        have_dot = False
    except ImportError as error:  # the graphviz Python package is missing
        print(f"No pictures: {error}", file=sys.stderr)
        return written
    if not have_dot:
        print(INSTALL_GRAPHVIZ, file=sys.stderr)
    return written


def _term_names(terms: list[Value]) -> list[str]:
    return [term.label or f"term {i}" for i, term in enumerate(terms, start=1)]


def _long_page_notice(root: Value, frames: int, terms: list[Value], stem: str) -> str:
    """What a long step page says about itself, and the shorter pages it offers."""
    notice = f"{frames} frames: long for one lesson."
    if terms:
        notice += (
            f" {root.label or 'The result'} is a sum of {len(terms)} terms; each has a"
            f" backward picture ({stem}-backward-term1 to -term{len(terms)}) and a shorter"
            " page of its own:"
        )
    else:
        notice += " Step through a smaller piece of the graph, or use the slider and the index."
    return notice


def _attempt(what: str, write: Callable[..., Path], *args: Any, **options: Any) -> list[Path]:
    """[the file written], or [] and a note on stderr when the graph is too big for it."""
    try:
        return [write(*args, **options)]
    except ValueError as error:  # GraphTooLargeError, or too many nodes for a step-by-step page
        print(f"No {what}: {error}", file=sys.stderr)
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
