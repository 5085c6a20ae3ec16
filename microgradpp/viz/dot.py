"""Running Graphviz's ``dot`` program, and the Digraph class whose notebook display never fails.

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
from typing import Any

from ..errors import GraphTooLargeError, GraphvizNotFoundError, MicrogradppError

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
                reason = "\n".join(explain_failure(error))
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


def explain_failure(error: BaseException) -> list[str]:
    """'No picture: <what went wrong>' and the rest of the error's message, as lines of text."""
    lines = str(error).splitlines() or [type(error).__name__]
    lines[0] = f"No picture: {lines[0]}"
    return [short for line in lines for short in textwrap.wrap(line, 100) or [""]]
