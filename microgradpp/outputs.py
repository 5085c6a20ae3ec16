"""The files the commands write: a graph's pictures and step-by-step page, a training run's plots.

Both degrade instead of failing: without Graphviz's ``dot`` a graph's pictures are written as
``.dot`` sources (and a note on stderr says how to install it); a graph too big to draw gets a note
instead of a picture. The caller still has its table.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .engine import Value, topological_order
from .errors import MicrogradppError
from .i18n import Translator, Words, message, translated
from .train import TrainingRun

INSTALL_GRAPHVIZ = message("files.no_dot", "en")
"""What a command prints without Graphviz (the catalogs' ``files.no_dot``, in its language)."""


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
    full: bool = False,
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
    that long (``viz.dot.time_budget``).

    A long page (more than ``LONG_PAGE`` frames) says so, and a collapsed page is written beside
    it, ``STEM-steps-collapsed.html``: a box per neuron, layer or part, a frame per box (linked
    both ways). A graph of more than ``SPLIT_ABOVE`` Values that is a sum of terms (XOR's loss)
    is too tangled to read whole: its pictures are drawn collapsed (``STEM-forward-collapsed``,
    ``STEM-backward-collapsed``) and per term (``STEM-backward-term1`` …), with a step page per
    term; the whole pictures and the whole page are written only with ``full=True``.
    What was written instead, and why, is printed.

    ``rankdir``: ``"auto"`` (left to right, top to bottom or a long chain turned once, whichever
    reads larger on a 1920×1080 screen; chosen once, so the whole pictures and the whole page
    agree), ``"LR"``, ``"TB"`` or ``"wrap"``.
    """
    from .viz.dot import time_budget

    failed = [] if missing is None else missing

    def attempt(
        what: Words, write: Callable[..., Path], /, *args: Any, **options: Any
    ) -> list[Path]:
        done = _attempt(what, lang, write, *args, **options)
        if not done:
            failed.append(what.reason(lang))
        return done

    from .viz import GraphvizNotFoundError, draw_graph, render  # graphviz only when drawing
    from .viz.dot import cannot_draw
    from .viz.dot import have_dot as dot_found
    from .viz.split import split_terms, term_view

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    have_dot = dot_found()
    order = topological_order(root)
    # the bundled dot draws no PDF, nor a PNG with Chinese text: then .dot files (pages still SVG)
    shown_text = "".join(node.label for node in order) + ("中文" if lang.startswith("zh") else "")
    refusal = cannot_draw(format, shown_text) if have_dot else None
    picture_format = format if have_dot and refusal is None else "dot"
    frames = 2 + 2 * sum(1 for node in order if node.parents)  # inputs, seed, 2 per gate
    long = frames > LONG_PAGE
    terms = split_terms(root) if len(order) > SPLIT_ABOVE else []
    if len(terms) > MAX_TERMS:
        terms = []
    level, short = _collapsed_level(root, order, frames) if long or terms else (None, 0)
    # the whole backward picture (and a long whole page) of a sum of many Values is too tangled
    # to read: when a collapsed one can be drawn instead, the whole one waits for full=True
    tangled = bool(terms) and level is not None
    say = _Say(lang)
    try:
        budget = time_budget(seconds) if seconds is not None else contextlib.nullcontext()
        with budget:
            if rankdir == "auto" and have_dot and (full or not tangled):  # whole pictures
                rankdir = _direction(root, digits, lang)
            for mode in modes:
                whole = not tangled  # (forward too: every mode has the same layout)
                if whole or full:
                    path = out / f"{stem}-{mode}.{picture_format}"
                    written += attempt(
                        Words(f"files.what.{mode}"), render, root, path, mode=mode,
                        precision=digits, lang=lang, rankdir=rankdir,
                    )  # fmt: skip
                if not whole and level is not None:
                    path = out / f"{stem}-{mode}-collapsed.{picture_format}"
                    view = _collapsed_view(root, mode, digits, lang, level)
                    what = Words(f"files.what.collapsed.{mode}")
                    written += attempt(what, render, view, path)
            if terms and "backward" in modes:
                for i, term in enumerate(terms, start=1):
                    path = out / f"{stem}-backward-term{i}.{picture_format}"
                    picture = draw_graph(term_view(term, digits, lang=lang))
                    what = Words("files.what.term_picture", fields={"index": i})
                    written += attempt(what, render, picture, path)
            if have_dot:
                written += _write_pages(
                    root, out, stem, digits, title, description, lang, frames, terms, level,
                    short, write_full=full or not (tangled and long), attempt=attempt, say=say,
                    rankdir=rankdir,
                )  # fmt: skip
    except GraphvizNotFoundError:
        have_dot = False
    except ImportError as error:  # the graphviz Python package is missing
        print(say("files.no_pictures", reason=translated(error, lang)), file=sys.stderr)
        return written
    if not have_dot:
        print(say("files.no_dot"), file=sys.stderr)
    elif refusal is not None:
        reason = refusal.reason(lang)
        print(say("files.refused_format", format=format, reason=reason), file=sys.stderr)
    if tangled and not full and have_dot:
        level_word = say(f"collapse.{level}")
        print(
            "\n"
            + say("files.tangled", stem=stem, count=len(order), terms=len(terms), level=level_word)
        )
    return written


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


def _collapsed_view(root: Value, mode: str, digits: int, lang: str, level: str) -> Any:
    """The picture of root by ``level``, drawn in the direction that reads larger on a screen
    (XOR's parts: top to bottom, the shared weights in a row above the four examples)."""
    from .viz.graph import settle_rankdir
    from .viz.view import GraphView

    view = GraphView.of(root, mode, precision=digits, collapse=level, lang=lang, rankdir="auto")
    return settle_rankdir(view)


class _Say:
    """text(key, lang, ...) with the language given once."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        from .messages import text

        return text(key, self.lang, **values)


def _collapsed_level(root: Value, order: list[Value], frames: int) -> tuple[str | None, int]:
    """The level a long page is collapsed to, and the collapsed page's frames: a network's neurons
    (its layers if that is still long), else parts; (None, 0) when nothing can be grouped or
    grouping would not make the page shorter."""
    from .steps.collapsed import collapsed_frame_count

    best: tuple[str | None, int] = (None, 0)
    for level in ("neuron", "layer", "part"):
        count = collapsed_frame_count(root, order, level)
        if 0 < count < frames and (best[0] is None or count < best[1]):
            best = (level, count)
            if count <= LONG_PAGE:
                break
    return best


def _write_pages(
    root: Value,
    out: Path,
    stem: str,
    digits: int,
    title: str,
    description: str,
    lang: str,
    frames: int,
    terms: list[Value],
    level: str | None,
    short: int,
    *,
    write_full: bool,
    attempt: Callable[..., list[Path]],
    say: Callable[..., str],
    rankdir: str = "auto",
) -> list[Path]:
    """The step pages: the whole one (unless too tangled and not asked for), the collapsed one
    when the whole one is long, and one per term of a long sum; each links to the others."""
    from .steps import render_steps

    written: list[Path] = []
    long = frames > LONG_PAGE
    level_word = say(f"collapse.{level}") if level else ""
    full_page = f"{stem}-steps.html"
    collapsed_page = f"{stem}-steps-collapsed.html"
    term_pages = [f"{stem}-steps-term{i}.html" for i in range(1, len(terms) + 1)]
    term_offers = list(zip(term_pages, _term_names(terms))) if long else []
    collapsed_offer = [(collapsed_page, say("page.link.collapsed", stem=stem, frames=short))]
    if write_full:
        notice, offers = "", []
        if long:
            notice = say("page.long", frames=frames)
            if terms:
                notice += say(
                    "page.long.terms", root=root.label or "f", count=len(terms), stem=stem
                )
            elif level is None:
                notice += say("page.long.other")
            if level is not None:
                if terms:
                    offers = term_offers + collapsed_offer
                else:
                    notice += say("page.long.collapsed", level=level_word)
                    offers = collapsed_offer
            else:
                offers = term_offers
        path = out / full_page
        written += attempt(
            Words("files.what.page"), render_steps, root, path, digits, title, description, lang,
            notice=notice, offers=offers, rankdir=rankdir,
        )  # fmt: skip
        if long:
            print(f"\n{path.name}: {notice} {' '.join(href for href, _ in offers)}".rstrip())
    from .steps import MAX_STEPPER_NODES

    fits = len(topological_order(root)) <= MAX_STEPPER_NODES  # else both pages say why not, once
    if level is not None and long and (fits or not write_full):
        notice = say("page.collapsed", level=level_word, frames=short, full=frames) + say(
            "page.collapsed.full" if write_full else "page.collapsed.no_full"
        )
        offers = (
            [(full_page, say("page.link.full", stem=stem, frames=frames))] if write_full else []
        )
        if terms and long:
            notice += say("page.long.terms", root=root.label or "f", count=len(terms), stem=stem)
            offers += term_offers
        path = out / collapsed_page
        page_title = say("page.collapsed.title", title=title or stem, level=level_word)
        written += attempt(
            Words("files.what.collapsed_page"), render_steps, root, path, digits, page_title,
            description, lang, notice=notice, offers=offers, collapse=level,
        )  # fmt: skip
    if long:
        for i, (term, name) in enumerate(zip(terms, _term_names(terms)), start=1):
            path = out / term_pages[i - 1]
            term_title = say(
                "page.term.title", title=title or stem, index=i, total=len(terms), name=name
            )
            about = say("page.term.about", name=name, total=len(terms))
            written += attempt(
                Words("files.what.term_page", fields={"index": i}), render_steps, term, path, digits, term_title,
                about, lang,
            )  # fmt: skip
    return written


def _term_names(terms: list[Value]) -> list[str]:
    return [term.label or f"term {i}" for i, term in enumerate(terms, start=1)]


def _attempt(
    what: Words, said_in: str, write: Callable[..., Path], /, *args: Any, **options: Any
) -> list[Path]:
    """[the file written], or [] and a note on stderr (in the language ``said_in``) when the
    graph is too big for it."""
    try:
        return [write(*args, **options)]
    except ValueError as error:  # GraphTooLargeError, or too many nodes for a step-by-step page
        reason, name = translated(error, said_in), what.reason(said_in)
        print(message("files.no_file", said_in, what=name, reason=reason), file=sys.stderr)
        return []


def write_training_plots(
    run: TrainingRun, out: Path, stem: str, lang: str | None = "en"
) -> list[Path]:
    """The loss/accuracy curves, the decision boundary (2-D inputs only) and the gradient flow,
    as PNG files named ``STEM-history.png``, ``STEM-boundary.png``, ``STEM-gradient-flow.png``,
    their words in ``lang``.

    Each title starts with the dataset, the epochs and the optimizer ('moons, 40 epochs of adam').
    """
    from .viz import plots

    t = Translator(lang)
    epochs = len(run.history)
    about = t(
        "plot.about.one" if epochs == 1 else "plot.about.many",
        dataset=run.recipe.dataset,
        count=epochs,
        optimizer=run.recipe.optimizer,
    )
    out.mkdir(parents=True, exist_ok=True)
    written = []
    path = out / f"{stem}-history.png"
    plots.plot_history(
        run.history, path=path, title=t("plot.about.training", about=about), lang=t.lang
    )
    written.append(path)
    X, y = run.train_data
    if len(X[0]) == 2 and not run.regression:  # a boundary is a picture of a 2-D classifier
        path = out / f"{stem}-boundary.png"
        title = t("plot.about.boundary", about=about)
        plots.plot_decision_boundary(run.model, X, y, path=path, title=title, lang=t.lang)
        written.append(path)
    path = out / f"{stem}-gradient-flow.png"
    plots.plot_gradient_flow(run.history, path=path, title=about, lang=t.lang)  # axes say what
    written.append(path)
    return written


def print_written(paths: list[Path], lang: str | None = "en") -> None:
    """The list of files written, after a blank line (nothing when there are none)."""
    if paths:
        print("\n" + message("cli.wrote", lang))
        for path in paths:
            print(f"  {path}")
