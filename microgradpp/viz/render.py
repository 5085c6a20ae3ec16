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

import functools
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

from ..engine import Value
from ..errors import GraphTooLargeError, GraphvizNotFoundError, MicrogradppError
from ..files import atomic_write
from .graph import draw_graph

FORMATS = ("svg", "png", "pdf", "dot")
_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate) \(D:)\d{14}")
INSTALL_HELP = (
    "Graphviz's `dot` program is not installed (or not on PATH). Install it:\n"
    "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
    "  Fedora:         sudo dnf install graphviz\n"
    "  macOS:          brew install graphviz\n"
    "  Windows:        winget install graphviz  (or: choco install graphviz), "
    "then open a new terminal\n"
    "  conda:          conda install -c conda-forge graphviz\n"
    "Writing the DOT source needs nothing: render(f, 'graph.dot')."
)
DOT_TIMEOUT = 30.0
"""Seconds ``dot`` may run before render gives up (pictures under max_nodes take < 5 s)."""


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
                reason = "\n".join(_explain(error))
                return {"text/plain": f"{reason}\n\nDOT source:\n{self.source}"}

    return GraphPicture


def run_dot(source: str, format: str, timeout: float = DOT_TIMEOUT) -> bytes:
    """The image ``dot -T<format>`` makes of a DOT text. Raises GraphvizNotFoundError without it."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizNotFoundError(INSTALL_HELP)
    environment = dict(os.environ)
    environment.setdefault("SOURCE_DATE_EPOCH", "0")  # no creation date in a PDF: same bytes
    try:
        finished = subprocess.run(
            [program, f"-T{format}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise GraphTooLargeError(
            f"Graphviz took more than {timeout:g} s to lay out this picture. Draw it collapsed "
            "(collapse='neuron' or 'layer'), draw a smaller piece, or pass a larger timeout=."
        ) from None
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


def _as_digraph(picture: Any, draw_options: dict[str, Any]) -> Any:
    """A Value is drawn with draw_options; a Digraph is used as it is."""
    if isinstance(picture, Value):
        return draw_graph(picture, **draw_options)
    if hasattr(picture, "source") and hasattr(picture, "pipe"):
        if draw_options:
            raise TypeError(
                f"drawing options {sorted(draw_options)} only apply to a Value; "
                "pass them to draw_graph instead"
            )
        return picture
    raise TypeError(
        f"render needs a Value or what draw_graph returns, got {type(picture).__name__}"
    )


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
            raise ValueError(
                f"cannot tell the format of {str(path)!r} from its suffix: "
                f"use one of {', '.join('.' + f for f in FORMATS)} or pass format="
            )
        format = suffix
    format = format.lower()
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
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
        mode = "forward" if value.grad == 0.0 else "both"
        digraph = draw_graph(value, mode)
        source = digraph.source
        return run_dot(source, "svg", timeout=10.0).decode("utf-8")
    except Exception as error:
        try:
            lines = [*_explain(error), "", "DOT source (all of it: draw_graph(value).source):"]
            return text_svg(lines + source.splitlines())
        except Exception:
            return None


def _explain(error: BaseException) -> list[str]:
    """'No picture: <what went wrong>' and the rest of the error's message, as lines of text."""
    lines = str(error).splitlines() or [type(error).__name__]
    lines[0] = f"No picture: {lines[0]}"
    return [short for line in lines for short in textwrap.wrap(line, 100) or [""]]


def text_svg(lines: list[str], max_lines: int = 40, max_width: int = 110) -> str:
    """A plain SVG image of monospace text lines, cut to max_lines × max_width characters
    (what a notebook shows for a Value when there is no dot)."""
    from xml.sax.saxutils import escape as xml_escape

    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... ({len(lines) - max_lines} more lines)"]
    lines = [line if len(line) <= max_width else line[: max_width - 1] + "…" for line in lines]
    width = 8 * max((len(line) for line in lines), default=10) + 20
    height = 18 * len(lines) + 16
    texts = "".join(
        f'<text x="10" y="{18 * (i + 1)}" xml:space="preserve">{xml_escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="monospace" font-size="13">{texts}</svg>'
    )
