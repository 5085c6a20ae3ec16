"""Pictures: the computational graph (Graphviz) and training plots (matplotlib).

    >>> from microgradpp import Value
    >>> from microgradpp.viz import draw_graph, render
    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> f = (x + y) * z
    >>> f.backward()
    >>> picture = draw_graph(f, "both")        # a graphviz.Digraph; shows inline in Jupyter
    >>> path = render(f, "/tmp/f.dot")         # .dot needs no Graphviz program; .svg/.png/.pdf do

Modules: ``view`` (GraphView: what a picture shows, worked out once), ``graph`` (draw_graph:
a view written as DOT), ``collapse`` (a network drawn by neuron or
layer), ``render`` (running Graphviz's ``dot``), ``plots`` (loss curves, decision boundaries,
gradient flow). The optional packages (graphviz, matplotlib) are imported only when used.
"""

from __future__ import annotations

from ..errors import GraphTooLargeError, GraphvizNotFoundError
from .graph import COLLAPSE_ABOVE, MAX_NODES, draw_graph, format_number
from .plots import plot_decision_boundary, plot_gradient_flow, plot_history
from .render import jupyter_svg, render, show_values_in_jupyter, to_svg
from .view import GraphView

show_values_in_jupyter()  # Jupyter shows a Value as its graph once microgradpp.viz is imported

__all__ = [
    "COLLAPSE_ABOVE",
    "MAX_NODES",
    "GraphTooLargeError",
    "GraphView",
    "GraphvizNotFoundError",
    "draw_graph",
    "format_number",
    "jupyter_svg",
    "plot_decision_boundary",
    "plot_gradient_flow",
    "plot_history",
    "render",
    "to_svg",
]
