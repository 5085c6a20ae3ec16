"""The lecture's ``trace`` and ``draw_dot``: a picture of a graph of micrograd-style Values.

Each Value is a record box ``{ label | data 2.0000 | grad -3.0000 }``; a Value that an operation
made has a small oval with its ``_op`` (``+``, ``*``, ``tanh``, …) in front of it, and the nodes it
came from are wired into that oval. This is ``draw_dot`` from micrograd's ``trace_graph.ipynb``
and the lecture, with one change: boxes are named by their place in the graph (``n0``, ``n1``, …)
instead of ``id()``, and written in that order, so the same code draws the same file every run.

Building the picture needs the ``graphviz`` Python package (``pip install microgradpp[viz]``);
showing or rendering it needs Graphviz's ``dot`` program.
"""

from __future__ import annotations

from typing import Any

from ..diagnosis import grad_number
from ..engine import Value as _CoreValue
from ..i18n import error
from .engine import _build_topo, _children_of


def trace(root: _CoreValue) -> tuple[list[_CoreValue], list[tuple[_CoreValue, _CoreValue]]]:
    """All nodes of root's graph and all edges (child, node), each once, in a fixed order.

    micrograd's ``trace`` returns two sets; lists in graph order hold the same nodes and edges.
    """
    nodes = _build_topo(root)
    edges = []
    for v in nodes:
        for child in dict.fromkeys(_children_of(v)):  # a + a is one edge, as in micrograd's set
            edges.append((child, v))
    return nodes, edges


def _escape(text: str) -> str:
    """Characters that mean something inside a Graphviz record label get a backslash."""
    for ch in "\\{}|<>":
        text = text.replace(ch, "\\" + ch)
    return text


def draw_dot(root: _CoreValue, format: str = "svg", rankdir: str = "LR") -> Any:
    """The graph of ``root`` as a ``graphviz.Digraph`` (shows itself in Jupyter).

    format: png | svg | …     rankdir: LR (left to right) | TB (top to bottom)
    """
    if rankdir not in ("LR", "TB"):
        raise error(ValueError, "micrograd.rankdir", got=repr(rankdir))
    try:
        from graphviz import Digraph
    except ImportError:
        raise error(ImportError, "micrograd.needs_graphviz") from None
    nodes, edges = trace(root)
    name = {v: f"n{i}" for i, v in enumerate(nodes)}
    dot = Digraph(format=format, graph_attr={"rankdir": rankdir})
    for v in nodes:
        fields = [f"data {v.data:.4f}", f"grad {grad_number(v, 'draw_dot'):.4f}"]
        if v.label:
            fields.insert(0, _escape(v.label))
        dot.node(name=name[v], label="{ " + " | ".join(fields) + " }", shape="record")
        op = getattr(v, "_op", "")
        if op:  # the operation that made v: an oval wired into v's box
            dot.node(name=name[v] + "_op", label=op)
            dot.edge(name[v] + "_op", name[v])
    for child, v in edges:
        dot.edge(name[child], name[v] + "_op" if getattr(v, "_op", "") else name[v])
    return dot
