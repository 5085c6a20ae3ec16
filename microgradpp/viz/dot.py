"""Running Graphviz's ``dot`` program, and the Digraph class whose notebook display never fails.

Which ``dot``: the system's Graphviz when it is installed (``dot`` on PATH), else the one that came
with ``pip install microgradpp[viz]`` — ``graphviz-pure``, a port of Graphviz's ``dot`` with wheels
for Windows, macOS and Linux, so no administrator rights are needed — else none (pictures are
then written as DOT text, with :data:`INSTALL_HELP`). The environment variable ``MICROGRADPP_DOT``
chooses one: ``system``, ``bundled`` or ``none`` (to see what a student without either sees).
In a browser (Pyodide: the playground of ``microgradpp web``) the page's Graphviz, compiled to
WebAssembly, draws instead (SVG only).

``dot`` is run directly (``subprocess`` with a timeout), so a picture too big to lay out stops
with an error instead of hanging the notebook: a slow layout is retried with cheaper settings
within the same time, and :func:`time_budget` bounds all the runs of a command together.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import time
import unicodedata
from collections.abc import Iterator
from typing import Any

from ..errors import GraphTooLargeError, GraphvizNotFoundError, MicrogradppError


def escape(text: str) -> str:
    r"""Text made safe inside a Graphviz HTML-like label, drawn exactly as written: every picture,
    step page, exercise page and worksheet writes its labels, captions and titles through this.

    & < > " ' become entities and a newline ``<BR/>``. A backslash is doubled: Graphviz expands
    ``\G`` (the graph's name), ``\N`` (the node's), ``\E``, ``\T``, ``\H`` even inside HTML-like
    labels — an entity ``&#92;`` is decoded first and expanded too — so a label ``\Gamma`` was
    drawn as "computational_graphamma"; ``\\`` is the one form drawn as one backslash, by the
    system's Graphviz and by graphviz-pure alike. Unicode is written as it is (the DOT file is
    UTF-8); a control character as ``\x07`` (it would make an invalid file).
    """
    safe = html.escape(text, quote=True)
    safe = "".join(ch if ch == "\n" or ord(ch) >= 32 else f"\\x{ord(ch):02x}" for ch in safe)
    return safe.replace("\\", "\\\\").replace("\n", "<BR/>")


_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) \(D:)\d{14}")
INSTALL_GRAPHVIZ = (
    "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
    "  Fedora:         sudo dnf install graphviz\n"
    "  macOS:          brew install graphviz\n"
    "  Windows:        winget install graphviz  (or: choco install graphviz), "
    "then open a new terminal\n"
    "  conda:          conda install -c conda-forge graphviz"
)
"""How to install Graphviz itself, one line a platform."""
INSTALL_HELP = (
    "Graphviz's `dot` program is not installed (or not on PATH). "
    "`pip install 'microgradpp[viz]'` brings one (graphviz-pure) on Windows, macOS and Linux "
    "(x86-64 and ARM), with no administrator rights. Or install Graphviz itself:\n"
    f"{INSTALL_GRAPHVIZ}\n"
    "Writing the DOT source needs nothing: render(f, 'graph.dot')."
)
BUNDLED_PROGRAM = "graphviz-pure"
"""The ``dot`` that ``pip install microgradpp[viz]`` brings (a dependency of the extra)."""
CHOICE_VARIABLE = "MICROGRADPP_DOT"
"""The environment variable that picks a dot: ``system``, ``bundled`` or ``none``."""
CHOICES = ("system", "bundled", "none")
BROWSER_FUNCTION = "microgradppDot"
"""In a browser (Pyodide), the page's JavaScript function ``microgradppDot(source, format)`` that
lays out one graph with Graphviz compiled to WebAssembly (the playground, ``microgradpp web``)."""
BROWSER_FORMATS = ("svg", "plain")
BUNDLED_FORMATS = ("svg", "png", "plain")
"""What the bundled program draws for microgradpp (it has no PDF writer)."""
DOT_TIMEOUT = 30.0
"""Seconds ``dot`` may run for one picture before render gives up (pictures under max_nodes
take < 5 s). Within that time a picture whose layout is slow is laid out again more cheaply
(see ``CHEAP_LAYOUT``); a :func:`time_budget` can shorten it further."""
CHEAP_LAYOUT = ("-Gnslimit=2", "-Gnslimit1=2", "-Gmclimit=0.5", "-Gsearchsize=10")
"""dot options for the second try: fewer network-simplex and crossing-minimisation passes.
The same boxes and wires, a little less tidy; measured on a 161-Value expression whose backward
picture took > 60 s: 4.6 s."""
MIN_RUN = 0.05
"""Seconds below which dot is not even started."""
FIRST_TRY_SHARE = 0.5
"""The share of the time a picture's first (tidy) layout may take before the cheap one runs."""
TOO_SLOW_ADVICE = (
    "Make the picture smaller: draw a network collapsed (collapse='neuron' or 'layer'); for an "
    "expression, use each variable fewer times (every use is a wire across the picture) or "
    "draw a piece of it. Or write the .dot file, which needs no layout, and run "
    "`dot -Tsvg FILE.dot -o FILE.svg` yourself with all the time it takes"
)

_budget: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar(
    "microgradpp_dot_budget", default=None
)
"""(deadline on time.monotonic(), seconds the budget started with), inside time_budget."""


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Inside ``with time_budget(20):`` all the ``dot`` runs together take at most 20 s: each
    gets what is left (and at most its own timeout). The command line wraps each command in one,
    so no command waits for Graphviz longer than that."""
    token = _budget.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _budget.reset(token)


def remaining_time(timeout: float = DOT_TIMEOUT) -> float:
    """Seconds the next dot run may take: its timeout, cut to what is left of the time budget."""
    budget = _budget.get()
    if budget is None:
        return timeout
    return min(timeout, budget[0] - time.monotonic())


class DotTimeoutError(GraphTooLargeError):
    """Graphviz could not lay a picture out in the time allowed (even with the cheap layout)."""


@functools.cache
def picture_class() -> type:
    """``GraphPicture``: a ``graphviz.Digraph`` whose notebook display never fails.

    Made on first use, so that ``import microgradpp.viz`` works without the graphviz package.
    """
    import graphviz

    class GraphPicture(graphviz.Digraph):
        """A graphviz.Digraph drawn by microgradpp. In Jupyter it shows as SVG; without ``dot``
        it shows a short text and its DOT source instead of an error."""

        def _repr_mimebundle_(self, include=None, exclude=None, **_: Any) -> dict[str, str]:
            try:
                return {"image/svg+xml": run_dot(self.source, "svg").decode("utf-8")}
            except Exception as error:  # a display hook must never raise
                reason = "\n".join(explain_failure(error))
                return {"text/plain": f"{reason}\n\nDOT source:\n{self.source}"}

    return GraphPicture


def _bundled_program() -> str | None:
    """Where pip put graphviz-pure: on PATH, or beside this Python (a notebook's kernel from a
    virtual environment that was never activated has the environment's scripts off PATH)."""
    folders = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    for path in (None, os.pathsep.join(folder for folder in folders if folder)):
        found = shutil.which(BUNDLED_PROGRAM, path=path)
        if found is not None:
            return found
    return None


def find_dot() -> tuple[str, str] | None:
    """``(program, "system" | "bundled")``: the dot pictures use, or None when there is none.

    The system's Graphviz first (the reference, and it has a PDF writer), then graphviz-pure.
    ``MICROGRADPP_DOT=system|bundled|none`` allows only that one.
    """
    if sys.platform == "emscripten":  # Python in a browser: no programs, Graphviz in wasm
        return (BROWSER_FUNCTION, "browser") if _browser_layout() is not None else None
    choice = os.environ.get(CHOICE_VARIABLE, "").strip().lower()
    if choice and choice not in CHOICES:
        raise GraphvizNotFoundError(
            f"{CHOICE_VARIABLE}={choice!r} is not one of {', '.join(CHOICES)} "
            "(unset, it means: the system's dot, else the bundled one)"
        )
    if choice in ("", "system"):
        system = shutil.which("dot")
        if system is not None:
            return system, "system"
    if choice in ("", "bundled"):
        bundled = _bundled_program()
        if bundled is not None:
            return bundled, "bundled"
    return None


def have_dot() -> bool:
    """True when pictures can be drawn: a system, bundled or browser dot was found (find_dot)."""
    try:
        return find_dot() is not None
    except GraphvizNotFoundError:
        return False


def cannot_draw(format: str, text: str = "") -> str | None:
    """Why the dot that pictures use cannot draw ``format`` with ``text`` in it, or None.

    Only the bundled dot refuses: it has no PDF writer, and its PNG fonts (Tinos, Arimo, Cousine)
    have no Chinese characters, so such a picture would come out as empty boxes. The reason says
    the way out (SVG is drawn by the browser, with the browser's fonts; or the system's Graphviz).
    """
    return _refusal(find_dot(), format, text)


def _refusal(found: tuple[str, str] | None, format: str, text: str) -> str | None:
    """cannot_draw's answer for the dot already found (run_dot looks it up once)."""
    if found is not None and found[1] == "browser" and format not in BROWSER_FORMATS:
        return f"in the browser pictures are SVG (Graphviz in WebAssembly), not {format.upper()}"
    if found is None or found[1] != "bundled":
        return None
    if format not in BUNDLED_FORMATS:
        return (
            f"{format.upper()} needs Graphviz's own dot: the {BUNDLED_PROGRAM} that came with pip "
            f"draws {', '.join(BUNDLED_FORMATS[:2])} only. Write .svg (or .png) instead, or "
            f"install Graphviz:\n{INSTALL_GRAPHVIZ}"
        )
    if format == "png" and any(unicodedata.east_asian_width(ch) in "WF" for ch in text):
        return (
            f"a PNG with Chinese text needs Graphviz's own dot: the fonts of the {BUNDLED_PROGRAM} "
            "that came with pip have no Chinese characters (they would show as empty boxes). "
            f"Write .svg instead (the browser draws its text), or install Graphviz:\n"
            f"{INSTALL_GRAPHVIZ}"
        )
    return None


def run_dot(source: str, format: str, timeout: float = DOT_TIMEOUT) -> bytes:
    """The image ``dot -T<format>`` makes of a DOT text. Raises GraphvizNotFoundError without it.

    Bounded in time: the tidy layout gets ``FIRST_TRY_SHARE`` of ``timeout`` (cut to what is
    left of a :func:`time_budget`); if it is not done by then, the cheap layout gets the rest
    (a source of several graphs, as a step-by-step page's, gets all the time in one run).
    If that is not done either, DotTimeoutError says so and how to make the picture smaller.
    """
    allowed = remaining_time(timeout)  # what the caller had when it asked, before the look-ups
    found = find_dot()
    if found is None:
        raise GraphvizNotFoundError(INSTALL_HELP)
    program, kind = found
    refusal = _refusal(found, format, source)
    if refusal is not None:
        raise GraphvizNotFoundError(refusal)
    if kind == "browser":
        return _run_in_browser(source, format)
    budget = _budget.get()
    if allowed <= MIN_RUN and budget is not None:
        raise DotTimeoutError(
            f"no time was left for this picture: the {budget[1]:g} s allowed for these pictures "
            f"were used up by the ones before it. {TOO_SLOW_ADVICE}."
        )
    started = time.monotonic()
    graphs = sum(1 for line in source.splitlines() if line.startswith(("digraph", "graph")))
    # A cheaper layout helps one graph whose layout is slow; a page of many frames is slow
    # because it is many pictures (measured: no faster), so it gets all the time at once.
    attempts: tuple[tuple[str, ...], ...] = ((), CHEAP_LAYOUT) if graphs <= 1 else ((),)
    for number, options in enumerate(attempts):
        left = allowed - (time.monotonic() - started)
        share = left * FIRST_TRY_SHARE if number < len(attempts) - 1 else left
        if share <= MIN_RUN:
            break
        try:
            return _run_dot_once(program, source, format, options, share)
        except subprocess.TimeoutExpired:
            continue
    raise DotTimeoutError(
        f"Graphviz took more than {max(allowed, 0.0):.2g} s to lay out this picture "
        f"({source.count('->'):,} wires), even with a cheaper layout. {TOO_SLOW_ADVICE}."
    )


def split_graphs(source: str) -> list[str]:
    """The graphs of a DOT text of several (a step page's frames), each its own text: every
    graph starts on a line of its own with ``digraph`` or ``graph``, as draw_graph writes them."""
    starts = [
        index
        for index, line in enumerate(source.splitlines(keepends=True))
        if line.startswith(("digraph", "graph"))
    ]
    lines = source.splitlines(keepends=True)
    ends = [*starts[1:], len(lines)]
    return ["".join(lines[start:end]) for start, end in zip(starts, ends)] or [source]


def _browser_layout() -> Any:
    """In a browser, the function that lays out one graph: the playground page's
    ``microgradppDot``, else (a notebook in JupyterLite) Graphviz loaded from beside Pyodide."""
    import js  # type: ignore[import-not-found]  # Pyodide's door to JavaScript

    return getattr(js, BROWSER_FUNCTION, None) or _graphviz_beside_pyodide()


_beside_pyodide: list[Any] = []
"""The layout function of Graphviz loaded beside Pyodide, once it loaded (a failure is retried:
it may have been a call that could not wait)."""


def _graphviz_beside_pyodide() -> Any:
    """Graphviz (WebAssembly), loaded once from ``graphviz.js`` in Pyodide's own folder, as
    ``microgradpp web`` builds the JupyterLite site; None where it is not there.

    A notebook's kernel is Pyodide in a web worker with no page of ours to load it. Loading is
    asynchronous and pictures are drawn by synchronous calls (a display hook), so the load is
    waited for with ``run_sync`` (WebAssembly stack switching: Chromium has it, Safari not yet).
    """
    if _beside_pyodide:
        return _beside_pyodide[0]
    try:
        import js
        import pyodide_js  # type: ignore[import-not-found]
        from pyodide.ffi import run_sync  # type: ignore[import-not-found]

        url = str(pyodide_js._api.config.indexURL) + "graphviz.js"
        module = run_sync(js.Function("url", "return import(url)")(url))
        graphviz = run_sync(module.Graphviz.load())
    except Exception:  # no graphviz.js there, or no stack switching: no pictures, DOT instead
        return None

    def layout(source: str, format: str) -> str:
        return str(graphviz.layout(source, format, "dot"))

    _beside_pyodide.append(layout)
    return layout


def _run_in_browser(source: str, format: str) -> bytes:
    """dot in a browser: the page's Graphviz (WebAssembly) lays out one graph per call, so a text
    of several graphs is laid out graph by graph and the images joined, as dot joins them.
    No time limit: the page's Graphviz cannot be stopped (a browser tab shows it is busy)."""
    layout = _browser_layout()
    try:
        return "".join(str(layout(graph, format)) for graph in split_graphs(source)).encode("utf-8")
    except Exception as error:  # a JsException: Graphviz's own message
        raise MicrogradppError(f"Graphviz (WebAssembly) failed: {error}") from None


def _run_dot_once(
    program: str, source: str, format: str, options: tuple[str, ...], timeout: float
) -> bytes:
    """One run of dot (subprocess.run kills it when the timeout passes)."""
    environment = dict(os.environ)
    environment.setdefault("SOURCE_DATE_EPOCH", "0")  # no creation date in a PDF: same bytes
    try:
        finished = subprocess.run(
            [program, f"-T{format}", *options],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            env=environment,
            check=False,
        )
    except OSError as error:  # found on PATH but cannot run
        raise GraphvizNotFoundError(
            f"{INSTALL_HELP}\n(running {program} failed: {error})"
        ) from None
    if finished.returncode != 0:
        message = finished.stderr.decode("utf-8", "replace").strip()
        raise MicrogradppError(f"Graphviz's dot failed (exit {finished.returncode}): {message}")
    if format == "pdf":  # older cairo ignores SOURCE_DATE_EPOCH: fix the date, same length
        return _PDF_DATE.sub(rb"\g<1>19700101000000", finished.stdout)
    return finished.stdout


def explain_failure(error: BaseException) -> list[str]:
    """'No picture: <what went wrong>' and the rest of the error's message, as lines of text."""
    lines = str(error).splitlines() or [type(error).__name__]
    lines[0] = f"No picture: {lines[0]}"
    return [short for line in lines for short in textwrap.wrap(line, 100) or [""]]
