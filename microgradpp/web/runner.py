"""What the playground runs in the browser: a student's code, and the pictures and pages of it.

The playground (``microgradpp web``) is Python compiled to WebAssembly (Pyodide) in one web page.
Its Run button calls :func:`run` with the editor's text; the page shows what comes back. The
same function runs here, in CPython, where the tests call it: only the ``dot`` differs (the
browser's is Graphviz compiled to WebAssembly, see ``viz.dot``).

    >>> result = run("from microgradpp import Value\\nx = Value(2.0)\\nprint((x * x).data)", "en")
    >>> result["output"], result["error"], result["shown"]
    ('4.0\\n', '', '')
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import traceback
from pathlib import Path
from typing import Any

from ..engine import Value, topological_order
from ..errors import MicrogradppError
from ..i18n import Translator, error

FILENAME = "<playground>"
"""The name a traceback gives the editor's code."""


class Shown:
    """``show(f)``: the Value whose pictures and pages the playground draws (the last one shown)."""

    def __init__(self) -> None:
        self.root: Value | None = None

    def __call__(self, root: Value) -> None:
        """Draw root's graph after the code has run: forward and backward pictures, the step page
        and the exercise page. backward() is run first when it has not been."""
        if not isinstance(root, Value):
            raise error(TypeError, "web.error.show", got=type(root).__name__)
        self.root = root


def run(code: str, lang: str = "en") -> dict[str, Any]:
    """Run ``code`` and draw what it showed. Returns a dict the page reads:

    ``output`` what it printed; ``error`` the traceback of what failed ('' when nothing did);
    ``shown`` the name of the Value drawn ('' for none: ``show(f)`` was not called and no
    top-level Value is named ``f``); ``forward``, ``backward`` the two pictures (SVG text);
    ``steps``, ``exercise`` the step-by-step page and the exercise page (HTML text); ``problems``
    a sentence for each of those that could not be made (a graph too large, say).
    """
    t = Translator(lang)
    shown = Shown()
    namespace: dict[str, Any] = {"__name__": "__main__", "show": shown}
    printed = io.StringIO()
    error = ""
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            exec(compile(code, FILENAME, "exec"), namespace)
        except BaseException as failure:  # a student's code may raise anything, SystemExit too
            error = _traceback_of_the_code(failure)
    result: dict[str, Any] = {"output": printed.getvalue(), "error": error, "shown": ""}
    root = shown.root
    if root is None and isinstance(namespace.get("f"), Value):
        root = namespace["f"]
    if root is None or error:
        return result
    result.update(draw(root, t.lang))
    return result


def draw(root: Value, lang: str) -> dict[str, Any]:
    """The pictures and pages of root's graph (backward() run first when it has not been)."""
    from ..steps import exercise_html, render_steps
    from ..viz import to_svg

    if root.grad == 0.0:
        root.backward()
    t = Translator(lang)
    made: dict[str, Any] = {"shown": root.label or "f", "problems": []}
    direction = _direction(root, lang)
    makers = {
        # "auto": left to right or top to bottom, whichever reads larger on a 1920 × 1080 screen
        "forward": lambda: to_svg(root, mode="forward", lang=lang, rankdir=direction),
        "backward": lambda: to_svg(root, mode="backward", lang=lang, rankdir=direction),
        "steps": lambda: _step_page(root, lang, render_steps),
        "exercise": lambda: exercise_html(root, lang=lang),
    }
    for name, make in makers.items():
        try:
            made[name] = make()
        except (MicrogradppError, ValueError) as problem:  # too large, or no gate to ask about
            made[name] = ""
            made["problems"].append(t("web.not_made", what=t(f"web.tab.{name}"), why=problem))
    made["values"] = len(topological_order(root))
    return made


def _direction(root: Value, lang: str) -> str:
    """The direction both pictures share: the one the step page chooses (LR when it cannot)."""
    from ..viz import GraphView
    from ..viz.graph import settle_rankdir

    try:
        return settle_rankdir(GraphView.of(root, "both", lang=lang, rankdir="auto")).rankdir
    except (MicrogradppError, ValueError):  # too large to draw: the pictures will say so
        return "LR"


def _step_page(root: Value, lang: str, render_steps: Any) -> str:
    """The step page as text (render_steps writes a file: in the browser, to its memory)."""
    with tempfile.TemporaryDirectory() as folder:
        path = render_steps(root, Path(folder) / "steps.html", lang=lang)
        return path.read_text(encoding="utf-8")


def _traceback_of_the_code(failure: BaseException) -> str:
    """The traceback from the student's code down: the playground's own frames left out."""
    frames = traceback.extract_tb(failure.__traceback__)
    start = next((i for i, frame in enumerate(frames) if frame.filename == FILENAME), 0)
    lines = traceback.format_list(frames[start:])
    return (
        "Traceback (most recent call last):\n"
        + "".join(lines)
        + "".join(traceback.format_exception_only(type(failure), failure))
    )
