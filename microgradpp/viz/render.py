"""Turning a picture into a file or a notebook image with Graphviz's ``dot`` program.

* ``render(f, "graph.svg")`` (or .png, .pdf) runs ``dot``; ``render(f, "graph.dot")`` only writes
  the DOT text and needs no program at all.
* ``to_svg(f)`` returns the SVG as a string (for web pages and notebooks).
* In Jupyter a ``Value`` and what ``draw_graph`` returns show up as pictures. Those display hooks
  never raise: without ``dot`` they show a short text and the DOT source instead.

``dot`` is run directly (``subprocess`` with a timeout), so a picture too big to lay out stops
with an error instead of hanging the notebook.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..diagnosis import grad_number
from ..engine import Value
from ..files import atomic_write
from ..i18n import Listed, error, message
from ..tables import display_width
from .dot import DOT_TIMEOUT, INSTALL_HELP, explain_failure, picture_class, run_dot
from .graph import draw_graph
from .view import GraphView

__all__ = [
    "DOT_TIMEOUT",
    "FORMATS",
    "INSTALL_HELP",
    "jupyter_svg",
    "picture_class",
    "render",
    "run_dot",
    "show_values_in_jupyter",
    "text_svg",
    "to_svg",
]

FORMATS = ("svg", "png", "pdf", "dot")


def _as_digraph(picture: Any, draw_options: dict[str, Any]) -> Any:
    """A Value is drawn with draw_options, a GraphView as it is; a Digraph is used as it is."""
    if isinstance(picture, (Value, GraphView)):
        return draw_graph(picture, **draw_options)
    if hasattr(picture, "source") and hasattr(picture, "pipe"):
        if draw_options:
            raise error(TypeError, "viz.render.options", options=sorted(draw_options))
        return picture
    raise error(TypeError, "viz.render.type", got=type(picture).__name__)


def to_svg(picture: Any, *, timeout: float = DOT_TIMEOUT, **draw_options: Any) -> str:
    """The SVG text of a picture (a Value, drawn with ``draw_options``, or a draw_graph result)."""
    return run_dot(_as_digraph(picture, draw_options).source, "svg", timeout).decode("utf-8")


def render(
    picture: Any,
    path: str | os.PathLike,
    format: str | None = None,
    *,
    timeout: float = DOT_TIMEOUT,
    **draw_options: Any,
) -> Path:
    """Write a picture to ``path`` as svg, png, pdf or dot; returns the path written.

    ``picture`` is a Value (drawn with ``draw_options``, see ``draw_graph``) or what ``draw_graph``
    returned. The format comes from the file's suffix unless ``format`` is given (then a missing
    suffix is added). ``.dot`` (or ``.gv``) is the DOT text itself and needs no Graphviz program.
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "gv":
        suffix = "dot"
    if format is None:
        if suffix not in FORMATS:
            suffixes = Listed(tuple("." + f for f in FORMATS))
            raise error(ValueError, "viz.render.suffix", path=repr(str(path)), suffixes=suffixes)
        format = suffix
    format = format.lower()
    if format not in FORMATS:
        raise error(ValueError, "check.one_of", name="format", choices=FORMATS, got=repr(format))
    if suffix != format and not (format == "dot" and path.suffix.lower() == ".gv"):
        path = path.with_name(path.name + "." + format)
    digraph = _as_digraph(picture, draw_options)
    if format == "dot":
        data = digraph.source.encode("utf-8")
    else:
        data = run_dot(digraph.source, format, timeout)
    atomic_write(path, data)  # a full disk or a crash never leaves half a picture behind
    return path


def jupyter_svg(value: Value) -> str | None:
    """What Jupyter shows for a Value: its graph as SVG (values, and gradients after backward).

    Never raises. If the picture cannot be made (no ``dot``, no graphviz package, a graph too
    large) it returns a small SVG holding the reason and the start of the DOT source.
    """
    source = ""
    try:
        mode = "forward" if grad_number(value, "jupyter_svg") == 0.0 else "both"
        digraph = draw_graph(value, mode)
        source = digraph.source
        return run_dot(source, "svg", timeout=10.0).decode("utf-8")
    except Exception as error:
        try:
            lines = [
                *explain_failure(error),
                "",
                message("viz.dot_source_all"),
            ]
            return text_svg(lines + source.splitlines())
        except Exception:
            return None


def show_values_in_jupyter() -> None:
    """Let Jupyter show a Value as a picture of its graph (values, and gradients after backward).

    The engine knows nothing of pictures: importing ``microgradpp.viz`` attaches this display
    hook to Value (Jupyter looks for a ``_repr_svg_`` method). ``draw_graph(f)`` works without it.
    """
    Value._repr_svg_ = jupyter_svg  # type: ignore[attr-defined]


def text_svg(lines: list[str], max_lines: int = 40, max_width: int = 110) -> str:
    """A plain SVG image of monospace text lines, cut to max_lines × max_width columns (a
    Chinese character takes two; what a notebook shows for a Value when there is no dot)."""
    from xml.sax.saxutils import escape as xml_escape

    if len(lines) > max_lines:
        more = message("viz.more_lines", count=len(lines) - max_lines)
        lines = [*lines[:max_lines], more]
    lines = [_cut(line, max_width) for line in lines]
    width = 8 * max((display_width(line) for line in lines), default=10) + 20
    height = 18 * len(lines) + 16
    texts = "".join(
        f'<text x="10" y="{18 * (i + 1)}" xml:space="preserve">{xml_escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="monospace" font-size="13">{texts}</svg>'
    )


def _cut(line: str, columns: int) -> str:
    """line cut to ``columns`` terminal columns, "…" taking the last one."""
    if display_width(line) <= columns:
        return line
    used, kept = 0, []
    for char in line:
        used += display_width(char)
        if used > columns - 1:
            break
        kept.append(char)
    return "".join(kept) + "…"
