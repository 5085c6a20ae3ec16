"""The command line's output streams: what to do when they cannot take what is written.

* A stream whose encoding lacks a character (``PYTHONIOENCODING=latin-1``, a Windows console in
  cp1252) gets an ASCII stand-in instead of a UnicodeEncodeError: ``−`` as ``-``, ``·`` as ``*``,
  ``→`` as ``->``, an accented letter without its accent, anything else as ``?``.
* A pipe whose reader went away (``microgradpp examples | head -1``) ends the command quietly,
  with the exit code a shell reports for a Unix tool stopped by SIGPIPE.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
import unicodedata
from collections.abc import Iterator
from typing import Any

BROKEN_PIPE = 141
"""Exit code when the reader of our output went away: 128 + SIGPIPE, what a shell reports for
a Unix tool stopped by a closed pipe."""

ASCII_FOR = {
    "−": "-", "–": "-", "—": "-", "·": "*", "×": "x", "÷": "/", "→": "->", "←": "<-",
    "⇒": "=>", "≈": "~", "≤": "<=", "≥": ">=", "≠": "!=", "±": "+/-", "∂": "d", "Σ": "sum",
    "∑": "sum", "√": "sqrt", "∞": "inf", "…": "...", "‖": "||", "ε": "eps", "α": "alpha",
    "β": "beta", "γ": "gamma", "μ": "mu", "σ": "sigma", "λ": "lambda", "ρ": "rho", "η": "eta",
    "²": "^2", "³": "^3", "“": '"', "”": '"', "‘": "'", "’": "'", "•": "*", "✓": "ok",
    "✗": "x", "█": "#", "░": ".", "▏": "|", "│": "|", "─": "-", "↑": "^", "↓": "v",
}  # fmt: skip
"""Characters the command line prints and their ASCII stand-ins, for streams that lack them."""


def _ascii_replacement(error: UnicodeError) -> tuple[str, int]:
    """A codecs error handler: each character the stream's encoding lacks becomes ASCII
    (ASCII_FOR, else its accent-free letter, else '?')."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    pieces = []
    for char in error.object[error.start : error.end]:
        plain = ASCII_FOR.get(char)
        if plain is None:  # 'é' -> 'e' + accent, '⁻' -> '−', '¹' -> '1': keep what is ASCII
            decomposed = unicodedata.normalize("NFKD", char)
            plain = "".join(ASCII_FOR.get(c, c if c.isascii() else "") for c in decomposed)
        pieces.append(plain or "?")
    return "".join(pieces), error.end


codecs.register_error("microgradpp-ascii", _ascii_replacement)


@contextlib.contextmanager
def ascii_fallback(*streams: Any) -> Iterator[None]:
    """While the command runs, characters a stream cannot encode are written as ASCII."""
    changed = []
    for stream in streams:
        reconfigure = getattr(stream, "reconfigure", None)
        errors = getattr(stream, "errors", None)
        if reconfigure is None or errors in (None, "microgradpp-ascii"):
            continue  # e.g. pytest's capture, or already set
        try:
            stream.flush()
            reconfigure(errors="microgradpp-ascii")
            changed.append((stream, errors))
        except (OSError, ValueError):  # a closed stream: nothing to do
            continue
    try:
        yield
    finally:
        for stream, errors in changed:
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
                stream.reconfigure(errors=errors)


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so Python's own flush at exit does not
    print a second BrokenPipeError (the recipe of the Python docs, 'Note on SIGPIPE')."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file behind stdout (tests)
        pass
