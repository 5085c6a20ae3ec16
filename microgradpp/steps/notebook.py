"""The stepper and the exercise page inside a notebook cell.

    >>> from microgradpp.steps import Steps, Exercise, show_steps   # doctest: +SKIP
    >>> Steps(f)          # the last expression of a cell: the step-by-step page, inline
    >>> Exercise(f)       # the exercise page: every gradient box an input
    >>> show_steps(f)     # the same as displaying Steps(f), from anywhere in a cell

Each shows its page in an ``<iframe srcdoc="…">``: the page is the very same offline file that
``render_steps`` / ``exercise_page`` write, with its own script and style, so it behaves the same
in JupyterLab, the classic Notebook, VS Code and Colab (each runs the scripts of a cell's output
once the cell has been run in a trusted notebook) and cannot disturb the notebook around it. The
iframe is sandboxed: its scripts run, but it cannot reach the notebook page or open windows.
"""

from __future__ import annotations

import itertools
from html import escape
from pathlib import Path

from ..engine import Value, topological_order
from ..files import atomic_write
from ..i18n import error, resolve_language
from ..messages import text
from ..validation import is_integer
from .exercise import exercise_html
from .page import frame_pictures, page, prediction_data, stepper_frames

DEFAULT_HEIGHT = 640
"""Pixels: room for the controls, a caption and a picture of a dozen nodes."""


_FRAME_NUMBERS = itertools.count(1)
_REPORT_HEIGHT = """<script>(function () {
  if (window.parent === window) return;
  function report() {
    window.parent.postMessage({microgradppHeight: document.documentElement.scrollHeight}, "*");
  }
  window.addEventListener("load", function () { report(); setTimeout(report, 300); });
  if (window.ResizeObserver) {
    var observer = new ResizeObserver(report);
    observer.observe(document.body);
    observer.observe(document.documentElement);
  }
})();</script>"""
_FOLLOW_HEIGHT = """(function () {
  var frame = document.getElementById("FRAME_ID");
  window.addEventListener("message", function (event) {
    if (!frame || event.source !== frame.contentWindow || !event.data) return;
    var height = event.data.microgradppHeight;
    if (typeof height !== "number" || !isFinite(height)) return;
    frame.style.height = Math.min(5000, Math.max(LEAST, Math.ceil(height) + 2)) + "px";
  });
})();"""


class InlinePage:
    """An HTML page a notebook shows inline (``_repr_html_``); ``save(path)`` writes it."""

    def __init__(self, html: str, height: int = DEFAULT_HEIGHT) -> None:
        if not is_integer(height) or not 100 <= height <= 5000:
            raise error(ValueError, "page.error.height", got=repr(height))
        self.html = html
        self.height = height

    def _repr_html_(self) -> str:
        # The page tells the notebook how tall it is (postMessage: the sandbox keeps the notebook
        # from reading it), and the iframe grows to show it whole: after a wrong answer the hint
        # and the "Show the answer" button stay in view. ``height`` is the least height, and all
        # there is where a notebook runs no scripts.
        frame_id = f"microgradpp-{next(_FRAME_NUMBERS)}-{abs(hash(self.html)) % 10**8}"
        page = self.html.replace("</body>", _REPORT_HEIGHT + "</body>", 1)
        return (
            f'<iframe id="{frame_id}" srcdoc="{escape(page, quote=True)}" '
            # border-box: the border inside the 100%, else the notebook shows a scrollbar
            f'style="box-sizing: border-box; width: 100%; height: {self.height}px; '
            'border: 1px solid #d1d5db;" '
            'sandbox="allow-scripts allow-forms" loading="eager"></iframe>'
            f"<script>{_FOLLOW_HEIGHT.replace('FRAME_ID', frame_id).replace('LEAST', str(self.height))}"
            "</script>"
        )

    def save(self, path: str | Path) -> Path:
        """Write the page as a file, to open in a browser or put on a projector."""
        path = Path(path)
        atomic_write(path, self.html)
        return path

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__}: {len(self.html):,} characters of HTML; save(path) writes it>"
        )


class Steps(InlinePage):
    """The step-by-step page of root's graph (forward pass, then backward step by step), inline."""

    def __init__(
        self,
        root: Value,
        digits: int = 4,
        height: int = DEFAULT_HEIGHT,
        title: str = "",
        lang: str | None = None,
        predict: bool = False,
    ) -> None:
        """``predict``: ask before showing (predict, then see): before each backward step that
        completes a gradient, the student types it, the page judges it, then shows the step."""
        lang = resolve_language(lang)
        frames = stepper_frames(root, digits, lang)
        pictures = frame_pictures(frames)
        title = title or text("page.title", lang, root=frames[0].view.names[root] or "f")
        asks = prediction_data(root, topological_order(root), lang) if predict else ""
        super().__init__(page(title, "", frames, pictures, lang, predict=asks), height)


class Exercise(InlinePage):
    """The exercise page of root's graph inline: the student fills in every gradient box."""

    def __init__(
        self,
        root: Value,
        digits: int = 2,
        order: str = "backward",
        lang: str | None = None,
        height: int = DEFAULT_HEIGHT,
        worked: int = 0,
    ) -> None:
        """``worked``: a faded worked example, the first ``worked`` gradients (from the root)
        worked out, the student doing the rest (see :func:`~microgradpp.steps.exercise_page`)."""
        page = exercise_html(root, digits=digits, order=order, lang=lang, worked=worked)
        super().__init__(page, height)


def show_steps(
    root: Value, digits: int = 4, height: int = DEFAULT_HEIGHT, lang: str | None = None
) -> Steps:
    """Display the step-by-step page in the notebook now (also returns it, to ``save``)."""
    steps = Steps(root, digits, height, lang=lang)
    try:
        from IPython.display import display
    except ImportError:  # not in IPython: nothing to display in, the page is still returned
        return steps
    display(steps)
    return steps
