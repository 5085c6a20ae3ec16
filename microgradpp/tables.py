"""Text tables of a graph's nodes: what the command line prints and what students check by hand.

>>> from microgradpp import Value
>>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
>>> q = x + y; q.label = "q"
>>> f = q * z; f.label = "f"
>>> f.backward()
>>> print(node_table(f))
#  node  gate  inputs  value  grad
1  x     leaf             -2    -4
2  y     leaf              5    -4
3  q     +     x, y        3    -4
4  z     leaf             -4     3
5  f     ×     q, z      -12     1
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from .diagnosis import grad_number
from .engine import Value, topological_order
from .formatting import format_number
from .gates import Gate
from .i18n import Translator, error

__all__ = [
    "display_width",
    "wrap_wide",
    "format_number",
    "format_table",
    "gate_of",
    "gate_symbol",
    "node_names",
    "node_table",
]
"""``format_number`` lives in ``formatting`` (so the gates can use it) and is offered here too."""


def node_names(order: Sequence[Value], taken: Iterable[str] = ()) -> dict[Value, str]:
    """A name for every node: its label; a constant leaf's value; ``n3`` for the 3rd node otherwise.

    ``order`` is the graph in topological order (``topological_order(root)``); the numbers are
    positions in it, counted from 1, so they match the ``#`` column of :func:`node_table`.
    The root (last in the order), if unlabelled, is called ``f`` as in the textbook — unless a
    label or one of the ``taken`` names already is ``f``.
    """
    names = {}
    labels = {node.label for node in order} | set(taken)
    for position, node in enumerate(order, start=1):
        if node.label:
            names[node] = node.label
        elif not node.parents:
            names[node] = format_number(node.data)
        elif position == len(order) and "f" not in labels:
            names[node] = "f"
        else:
            names[node] = f"n{position}"
    return names


def gate_of(node: Value) -> Gate:
    """The gate that computed node (which has parents, so it was computed by one)."""
    if node.gate is None:
        raise error(ValueError, "tables.error.leaf", node=repr(node))
    return node.gate


def gate_symbol(node: Value, lang: str | None = "en") -> str:
    """'+', '×', 'exp', '1/x', ... for a gate node; 'leaf' (in ``lang``) for an input, parameter
    or constant."""
    return node.gate.symbol if node.gate is not None else Translator(lang)("table.leaf")


def node_table(root: Value, digits: int = 4, lang: str | None = None) -> str:
    """Every node of root's graph, inputs first: number, name, gate, inputs, value, gradient.

    The column headers are in ``lang`` ('en', 'zh-Hant', 'zh-Hans'; default: the locale's).
    """
    t = Translator(lang)
    order = topological_order(root)
    names = node_names(order)
    header = tuple(
        t(f"table.{column}") for column in ("number", "node", "gate", "inputs", "value", "grad")
    )
    rows = [
        (
            str(position),
            names[node],
            gate_symbol(node, t.lang),
            ", ".join(names[parent] for parent in node.parents),
            format_number(node.data, digits),
            format_number(grad_number(node, "node_table"), digits),
        )
        for position, node in enumerate(order, start=1)
    ]
    return format_table(header, rows, numeric_columns=(0, 4, 5))


def format_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], numeric_columns: Sequence[int] = ()
) -> str:
    """Columns separated by two spaces; numeric columns right-aligned, the rest left-aligned.

    Widths are counted in terminal columns: a Chinese character takes two (East Asian Wide).
    """
    widths = [max(display_width(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, (cell, width) in enumerate(zip(cells, widths)):
            padding = " " * (width - display_width(cell))
            parts.append(padding + cell if i in numeric_columns else cell + padding)
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), *(line(row) for row in rows)])


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: 2 for each wide (CJK) character, 1 for the others."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


NO_LINE_START = "，。、；：？！）」』》…"
"""Chinese punctuation that never starts a line (it stays at the end of the line before)."""


def wrap_wide(text: str, width: int, no_line_start: str = NO_LINE_START) -> list[str]:
    """text in lines of at most ``width`` terminal columns (a longer single word stays whole):
    between words, and between any two Chinese characters, never starting a line with one of
    ``no_line_start`` (，。…) nor ending one with （「 (the help of the command line, a notebook's
    "no picture" text)."""
    pieces = re.findall(r"\s+|[^\s\u2e80-\u9fff\uff00-\uffef\u3000-\u303f]+|.", text)
    lines: list[str] = []
    line = ""
    for piece in pieces:
        fits = display_width(line.rstrip() + piece.rstrip()) <= width
        if line and not fits and not piece.isspace() and piece[0] not in no_line_start:
            carried = line.rstrip()[-1] if line.rstrip()[-1] in "（「『《" else ""  # "（" never
            lines.append(line.rstrip()[: len(line.rstrip()) - len(carried)])  # ends a line
            line = carried
        if line or not piece.isspace():
            line += piece
    if line.strip():
        lines.append(line.rstrip())
    return lines
