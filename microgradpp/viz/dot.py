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
import time
import unicodedata
from collections.abc import Iterator
from typing import Any

from ..errors import GraphTooLargeError, GraphvizNotFoundError, MicrogradppError
from ..i18n import Listed, Words, error, message, translated
from ..tables import wrap_wide


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
INSTALL_WORDS = Words("viz.dot.install_graphviz")
"""How to install Graphviz itself, one line a platform (the catalogs' words, any language)."""
INSTALL_GRAPHVIZ = str(INSTALL_WORDS)
NOT_INSTALLED = Words("viz.dot.not_installed", fields={"install": INSTALL_WORDS})
"""What to do without a dot: pip's graphviz-pure, or Graphviz itself (any language)."""
INSTALL_HELP = str(NOT_INSTALLED)
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
TOO_SLOW_WORDS = Words("viz.dot.too_slow_advice")
"""How to make a picture Graphviz lays out too slowly smaller (any language)."""
TOO_SLOW_ADVICE = str(TOO_SLOW_WORDS)

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
                source = message("viz.dot_source")
                return {"text/plain": f"{reason}\n\n{source}\n{self.source}"}

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
        raise error(
            GraphvizNotFoundError, "viz.dot.choice", variable=CHOICE_VARIABLE,
            choice=repr(choice), choices=Listed(CHOICES),
        )  # fmt: skip
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


def cannot_draw(format: str, text: str = "") -> Words | None:
    """Why the dot that pictures use cannot draw ``format`` with ``text`` in it, or None.

    Only the bundled dot refuses: it has no PDF writer, and its PNG fonts (Tinos, Arimo, Cousine)
    have no Chinese characters, so such a picture would come out as empty boxes. The reason says
    the way out (SVG is drawn by the browser, with the browser's fonts; or the system's Graphviz).
    """
    return _refusal(find_dot(), format, text)


def _refusal(found: tuple[str, str] | None, format: str, text: str) -> Words | None:
    """cannot_draw's answer for the dot already found (run_dot looks it up once)."""
    if found is not None and found[1] == "browser" and format not in BROWSER_FORMATS:
        return Words("viz.dot.browser_format", fields={"format": format.upper()})
    if found is None or found[1] != "bundled":
        return None
    if format not in BUNDLED_FORMATS:
        fields = {
            "format": format.upper(), "program": BUNDLED_PROGRAM,
            "formats": Listed(BUNDLED_FORMATS[:2]), "install": INSTALL_WORDS,
        }  # fmt: skip
        return Words("viz.dot.bundled_format", fields=fields)
    if format == "png" and any(unicodedata.east_asian_width(ch) in "WF" for ch in text):
        fields = {"program": BUNDLED_PROGRAM, "install": INSTALL_WORDS}
        return Words("viz.dot.bundled_chinese", fields=fields)
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
        raise error(GraphvizNotFoundError, "viz.dot.not_installed", install=INSTALL_WORDS)
    program, kind = found
    refusal = _refusal(found, format, source)
    if refusal is not None:
        raise error(GraphvizNotFoundError, "viz.dot.refused", reason=refusal)
    if kind == "browser":
        return _run_in_browser(source, format)
    budget = _budget.get()
    if allowed <= MIN_RUN and budget is not None:
        raise error(
            DotTimeoutError, "viz.dot.no_time_left", seconds=f"{budget[1]:g}", advice=TOO_SLOW_WORDS
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
    raise error(
        DotTimeoutError, "viz.dot.too_slow", seconds=f"{max(allowed, 0.0):.2g}",
        wires=f"{source.count('->'):,}", advice=TOO_SLOW_WORDS,
    )  # fmt: skip


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
    except Exception as problem:  # a JsException: Graphviz's own message
        raise error(MicrogradppError, "viz.dot.browser_failed", error=problem) from None


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
    except OSError as problem:  # found on PATH but cannot run
        raise error(
            GraphvizNotFoundError, "viz.dot.cannot_run", install=NOT_INSTALLED, program=program,
            error=problem,
        ) from None  # fmt: skip
    if finished.returncode != 0:
        said = finished.stderr.decode("utf-8", "replace").strip()
        raise error(MicrogradppError, "viz.dot.failed", code=finished.returncode, message=said)
    if format == "pdf":  # older cairo ignores SOURCE_DATE_EPOCH: fix the date, same length
        return _PDF_DATE.sub(rb"\g<1>19700101000000", finished.stdout)
    return finished.stdout


def explain_failure(problem: BaseException) -> list[str]:
    """'No picture: <what went wrong>' and the rest of the error's message, as lines of text, in
    the chosen language (``i18n.set_language``, else the locale's)."""
    lines = translated(problem).splitlines() or [type(problem).__name__]
    lines[0] = message("viz.no_picture", reason=lines[0])
    return [short for line in lines for short in _wrapped(line, 100)]


def _wrapped(line: str, columns: int) -> list[str]:
    """line in lines of at most ``columns`` (Chinese too), the first keeping its indent."""
    indent = line[: len(line) - len(line.lstrip())]
    pieces = wrap_wide(line.strip(), columns - len(indent)) or [""]
    return [indent + pieces[0], *pieces[1:]]
