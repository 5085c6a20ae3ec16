"""Pictures of the computational graph: ``draw_graph(root)`` returns a ``graphviz.Digraph``.

Every Value is a box, every gate a small circle with its symbol, wires run left to right::

    [x | -2] ─┐
              (+)── [q | 3] ─┐
    [y |  5] ─┘              (×)── [f | -12]
                  [z | -4] ──┘

* ``mode="forward"``:  each box shows the node's name and value.
* ``mode="backward"``: each box shows the gradient ∂f/∂node; each wire into a gate shows the chain
  rule, ``upstream × local = contribution``; a node used more than once shows its contributions
  adding up (``-4 + 3 = -1``). A gradient not computed yet shows ``?`` on grey, never ``0``.
* ``mode="both"``:     values above (green), gradients below (red), as in the cs231n notes.

What a picture shows is decided first, in a :class:`~microgradpp.viz.view.GraphView` (see
``view.py``): which boxes and wires, their names, what is known, what is highlighted. This module
only writes that view as DOT. A network's graph is drawn one box per neuron or per layer
(``collapse``, see ``collapse.py``); a graph too large to draw raises ``GraphTooLargeError``
instead of keeping Graphviz busy.

The picture is deterministic: boxes are named by their position in ``topological_order(root)``
and written in that order, so the same program gives byte-identical DOT (and SVG) files.
Building the Digraph needs only the pure-Python ``graphviz`` package; turning it into an image
needs Graphviz's ``dot`` program (see ``render.py``).
"""

from __future__ import annotations

import math
import unicodedata
import warnings
from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

from .. import sums
from ..diagnosis import grad_number
from ..engine import Value
from ..gates import is_atom
from ..i18n import error
from ..messages import text
from ..tables import format_number, gate_of
from . import collapse as collapsing
from .dot import escape, picture_class
from .view import (
    COLLAPSE_ABOVE,
    COLLAPSE_CHOICES,
    FINAL,
    HOPELESS,
    MAX_NODES,
    MODES,
    PARTIAL,
    RANKDIRS,
    UNKNOWN,
    GraphView,
)

__all__ = [
    "COLLAPSE_ABOVE",
    "COLLAPSE_CHOICES",
    "HOPELESS",
    "MAX_NODES",
    "MODES",
    "RANKDIRS",
    "GraphView",
    "draw_graph",
    "escape",
    "format_number",
]

FONT = "Helvetica"
FONT_SIZE = 16  # readable from the back of a classroom
SMALL_FONT_SIZE = 13
ROW_HEIGHT = 31
"""Points of one row of numbers in a box (16 pt text and its padding)."""
WIRE_LINE_HEIGHT = SMALL_FONT_SIZE + 6
"""Points of one line of a wire's label."""
VALUE_COLOUR = "#1a7f37"  # green for values and red for gradients, as in the cs231n figures
GRAD_COLOUR = "#b3261e"
# Every colour of text keeps a contrast of at least 4.5:1 (WCAG AA) with every fill it is drawn
# on (white, the grey of an unknown cell, the yellow of a highlight): tests/test_viz.py checks.
PARTIAL_COLOUR = "#9a3412"
UNKNOWN_COLOUR = "#595959"
UNKNOWN_FILL = "#e6e6e6"
GATE_FILL = "#e8eefa"
GATE_LINE = "#4a5a80"
WIRE_COLOUR = "#555555"
HIGHLIGHT_FILL = "#fff4c7"  # light: green, red and grey text on it stay readable
HIGHLIGHT_LINE = "#e06c00"
GROUP_FILL = "#f4f1fa"
GROUP_WIRE = {"color": "#8c8c8c", "penwidth": "0.8", "arrowsize": "0.5"}

LEGEND_CHARACTER = 0.5
"""Ems a character of the legend takes (Helvetica's letters average about 0.5 em)."""
MAX_TERMS_SHOWN = 4
"""A node used more than this many times shows 'sum of 16 wires = ...' instead of every term."""
_FRAME_KEYWORDS = ("grads", "computed")


def draw_graph(
    root: Value | GraphView,
    mode: str = "forward",
    *,
    view: GraphView | None = None,
    **options: Any,
) -> Any:
    """A picture of root's graph, as a ``graphviz.Digraph`` (display it, or ``render`` it).

    ``draw_graph(f)``, ``draw_graph(f, "both")`` or ``draw_graph(f, "backward", collapse="neuron")``
    draw the finished graph: ``options`` are those of :meth:`GraphView.of` (``precision``,
    ``rankdir``, ``collapse``, ``max_nodes``, ``collapse_above``, ``names``, ``fold_constants``,
    ``legend``, ``highlight``, ``highlight_edges``). ``draw_graph(view)`` (or
    ``draw_graph(f, view=view)``) draws a view made beforehand, such as one frame of a backward
    replay, ``GraphView.of(f, "both").frame(grads=..., final=...)``.

    The keywords ``grads=`` and ``computed=`` (a frame of a replay) still work but are
    deprecated: use ``GraphView.of(root, mode).frame(grads=grads, final=computed)``.
    """
    try:
        import graphviz  # noqa: F401 - only to fail early with a clear message
    except ImportError:
        raise error(ImportError, "viz.needs_graphviz_package") from None
    if isinstance(root, GraphView):
        view, root = root, root.root
    if view is not None:
        if options or mode != "forward" and mode != view.mode:
            raise error(TypeError, "viz.view_as_is")
        if root is not view.root:
            raise error(ValueError, "viz.view_of_another")
        return _Dot(settle_rankdir(view)).digraph()
    frame = {key: options.pop(key) for key in _FRAME_KEYWORDS if key in options}
    view = settle_rankdir(GraphView.of(root, mode, **options))
    if frame:
        warnings.warn(
            "draw_graph(..., grads=, computed=) is deprecated: draw a frame of a replay with "
            "draw_graph(GraphView.of(root, mode).frame(grads=..., final=...))",
            DeprecationWarning,
            stacklevel=2,
        )
        view = _old_frame(view, frame.get("grads"), frame.get("computed"))
    return _Dot(view).digraph()


SCREEN_ROOM = (1880, 830)
"""Pixels a picture has on a 1920×1080 screen under the step page's title, controls and caption:
the screen ``rankdir="auto"`` lays a graph out for (16:9, the usual projector)."""
AUTO_TIME_SHARE = 0.1
"""The share of the time left (``viz.dot.remaining_time``) each of auto's two trial layouts may
take: 3 s alone, 2.5 s within the command line's 25 s for one graph's files."""
AUTO_MOST_NODES = 250
"""Above this many boxes and circles, ``rankdir="auto"`` takes LR without laying out both ways
(each layout of a picture that large costs seconds)."""


def settle_rankdir(view: GraphView) -> GraphView:
    """The view with ``rankdir="auto"`` replaced by the direction it chooses (any other view as
    it is). Settle a view once before making frames of it: each frame then keeps that
    direction, and dot is not asked again for every frame."""
    if view.rankdir != "auto":
        return view
    return replace(view, rankdir=choose_rankdir(view))


def choose_rankdir(view: GraphView) -> str:
    """``"LR"``, ``"TB"`` or ``"wrap"``: the direction whose whole picture, fitted to
    ``SCREEN_ROOM``, comes out larger — and so do its labels. Every mode of a graph has one layout
    (see ``_Dot``), so the choice is the same for its forward, backward and both pictures and its
    step page.

    The scale of a picture w × h pixels fitted to a room W × H is min(W/w, H/h). ``"wrap"`` (a
    long chain turned once, see ``wrap_cut``) is tried only when neither LR nor TB fits the
    room at its own size, and must beat them both. LR wins ties (the textbook's direction);
    without Graphviz's ``dot``, or when it is slow, LR.
    """
    from ..errors import MicrogradppError
    from .dot import remaining_time, run_dot

    if sum(1 for _ in view.boxes()) * 2 > AUTO_MOST_NODES:
        return "LR"
    # a small share of the time left, so that the pictures themselves still get theirs
    timeout = AUTO_TIME_SHARE * remaining_time()
    scales: dict[str, float] = {}
    for rankdir in ("LR", "TB", "wrap"):
        if rankdir == "wrap" and (max(scales.values()) >= 1.0 or wrap_cut(view) is None):
            break
        try:
            source = _Dot(replace(view, rankdir=rankdir)).digraph().source
            plain = run_dot(source, "plain", timeout=timeout).decode("utf-8")
        except (ImportError, MicrogradppError):
            return "LR"
        _, _, width, height = plain.split("\n", 1)[0].split()[:4]  # graph scale width height
        pixels = 96.0  # an inch on a screen
        scales[rankdir] = min(
            SCREEN_ROOM[0] / (float(width) * pixels), SCREEN_ROOM[1] / (float(height) * pixels)
        )
    return max(scales, key=lambda rankdir: (scales[rankdir], rankdir == "LR"))


def wrap_cut(view: GraphView) -> tuple[str, str] | None:
    """The wire ``"wrap"`` turns at, (gate id, box id), or None when the graph has no chain to
    turn (or draws groups).

    The chain is the graph's spine: from the output back through every box made by a gate
    whose other inputs are leaves (or folded constants). Its box nearest half the graph's
    depth (depth: 0 for a leaf, 1 + the deepest input for a gate's box) starts the second row:
    the wire from its gate is left out of the layout's ranks (Graphviz's ``constraint=false``),
    so that box and what follows it are ranked from the left again, in a row of their own.
    """
    if view.level != "none":
        return None
    depth: dict[Value, int] = {}
    for node in view.order:
        inputs = [parent for parent in node.parents if parent not in view.folded]
        depth[node] = 1 + max((depth[p] for p in inputs), default=-1) if node.parents else 0
    half = depth[view.root] / 2
    spine: list[Value] = []
    node = view.root
    while True:
        gates = [p for p in node.parents if p.parents and p not in view.folded]
        if len(gates) != 1:
            break
        node = gates[0]
        spine.append(node)
    spine = [node for node in spine if depth[node] >= 2]  # a row of leaves alone is no row
    if not spine:
        return None
    start = min(spine, key=lambda node: (abs(depth[node] - half), -depth[node]))
    return view.gate_id(start), view.box_id(start)


def _old_frame(
    view: GraphView,
    grads: Mapping[Value, float] | None,
    computed: Collection[Value] | None,
) -> GraphView:
    """The frame the deprecated keywords described: ``grads`` alone are final; ``computed`` alone
    shows those nodes' ``.grad``; both: ``computed`` is final, the rest of ``grads`` partial."""
    shown = dict(grads or {})
    if computed is None:
        final: Collection[Value] = shown
    else:
        final = computed
        for node in computed:
            shown.setdefault(node, grad_number(node, "frame"))
    return view.frame(
        grads=shown, final=final, lit=view.lit, lit_gates=view.lit_gates, lit_wires=view.lit_wires
    )


# ------------------------------------------------------------------------------------------------
# Numbers and text
# ------------------------------------------------------------------------------------------------


def _text_width(text: str, font_size: int, character: float = 0.62) -> int:
    """A generous estimate of the printed width of text, in points (for stable layouts):
    ``character`` ems a character (a wide one, as Chinese characters are, counts twice)."""
    ems = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return math.ceil(ems * font_size * character) + 10


def _name_width(name: str) -> str:
    """A ``WIDTH`` for a box's name cell when the name has a character beyond ASCII, else "".

    Graphviz with a font library measures every character; the bundled one (graphviz-pure)
    measures ASCII only and counts any other as a space, so a Chinese name would burst its box.
    The cell's least width is then the name's estimate: a wide character 1 em, any other 0.62 em
    (bold), plus the cell's padding. ASCII names keep the width Graphviz measures.
    """
    if name.isascii():
        return ""
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.62 for ch in name)
    return f' WIDTH="{math.ceil(ems * FONT_SIZE) + 10}"'


def _signed_sum(terms: list[str], total: str) -> str:
    """['-4', '3'] and '-1' -> '-4 + 3 = -1'; ['2', '-5'] -> '2 - 5 = ...'."""
    text = terms[0]
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return f"{text} = {total}"


# ------------------------------------------------------------------------------------------------
# Writing a view as DOT
# ------------------------------------------------------------------------------------------------


class _Dot:
    """Writes one GraphView as a Digraph. Everything it draws comes from the view."""

    def __init__(self, view: GraphView) -> None:
        self.view = view
        self.shows_earlier = False  # set while writing boxes: the legend then explains '(earlier)'
        self.tooltips: dict[str, str] = {}  # DOT name -> what a wire's tooltip calls it

    def num(self, x: float) -> str:
        return format_number(x, self.view.precision)

    # -- gradients shown -------------------------------------------------------------------------

    def grad_text(self, node: Value) -> str:
        """The gradient as a box shows it: '?', '-4 so far', '-4 + 3 = -1' or '-1'."""
        view = self.view
        state, grad = view.grad_state(node)
        if state == UNKNOWN:
            return "?"
        if state == PARTIAL:
            return self.say("picture.so_far", grad=self.num(grad))
        uses = view.uses[node]
        terms = [view.contribution(child, position) for child, position in uses]
        if view.level != "none" and any(child in view.group for child, _ in uses):
            return self.num(grad)  # some of its wires are hidden inside a group
        if not terms or any(term is None for term in terms):
            return self.num(grad)
        text = self._sum_text([term for term in terms if term is not None], grad)
        self.shows_earlier = self.shows_earlier or self.say("picture.earlier", term="") in text
        return text

    def _sum_text(self, terms: list[float], grad: float) -> str:
        """'3 + 3 - 1 = 5'; a leaf still holding a gradient from an earlier backward() (no
        zero_grad() in between) shows it as an extra term: '1 + 1 + 5 (earlier) = 7'."""
        texts = [self.num(term) for term in terms]
        earlier = grad - sums.total(terms)
        if abs(earlier) > 1e-9 * max(1.0, abs(grad), *(abs(term) for term in terms)):
            texts.append(self.say("picture.earlier", term=self.num(earlier)))
        if len(texts) == 1:
            return self.num(grad)
        return self._join_terms(texts, self.num(grad))

    def any_earlier(self) -> bool:
        """Whether some box's sum shows a term '(earlier)' in the backward picture: a leaf that
        still held the gradient of an earlier backward()."""
        finals = self.view.final_grads
        for node, uses in self.view.uses.items():
            if len(uses) > 0 and node not in self.view.group:
                terms = [finals[child] * child.local_grads[i] for child, i in uses]
                if self.say("picture.earlier", term="") in self._sum_text(terms, finals[node]):
                    return True
        return False

    def widest_grad_text(self, node: Value) -> str:
        """The longest text node's gradient box shows in any frame of a replay."""
        finals = self.view.final_grads
        final = self.num(finals[node])
        texts = [final]
        # Only a node used twice or more has partial sums in a replay; a box is not widened for
        # a 'so far' it can never show.
        if len(self.view.uses[node]) > 1:
            texts.append(self.say("picture.so_far", grad=final))
        if self._wires_into_groups(node):  # grad_text shows the number alone, no sum
            return max(texts, key=len)
        if self.view.uses[node]:
            terms = [finals[child] * child.local_grads[i] for child, i in self.view.uses[node]]
            texts.append(self._sum_text(terms, finals[node]))
        return max(texts, key=len)

    def _wires_into_groups(self, node: Value) -> bool:
        view = self.view
        return view.level != "none" and any(child in view.group for child, _ in view.uses[node])

    def _join_terms(self, terms: list[str], total: str) -> str:
        if len(terms) > MAX_TERMS_SHOWN:  # a node used by many children: too long to write out
            return self.say("picture.sum_of_wires", count=len(terms), total=total)
        return _signed_sum(terms, total)

    def say(self, key: str, **values: object) -> str:
        """A sentence of the messages table, in the view's language."""
        return text(key, self.view.lang, **values)

    def _count(self, n: int, thing: str) -> str:
        """1 neuron, 16 neurons."""
        return self.say(f"picture.{thing}.{'one' if n == 1 else 'many'}", count=n)

    # -- DOT -------------------------------------------------------------------------------------

    def digraph(self) -> Any:
        view = self.view
        graph = picture_class()(
            name="computational_graph",
            graph_attr={
                "rankdir": "LR" if view.rankdir == "wrap" else view.rankdir,
                "fontname": FONT,
                "fontsize": str(FONT_SIZE),
                "nodesep": "0.25",
                "ranksep": "0.35",
                "bgcolor": "white",
                "pad": "0.15",
                "newrank": "true",
                # Each gate's inputs top to bottom (left to right) in the order they were given,
                # as the textbook draws them: w0, x0, w1, x1; neuron 1 above neuron 2.
                "ordering": "in",
            },
            node_attr={"fontname": FONT, "fontsize": str(FONT_SIZE)},
            edge_attr={
                "fontname": FONT,
                "fontsize": str(SMALL_FONT_SIZE),
                "color": WIRE_COLOUR,
                "arrowsize": "0.7",
                "penwidth": "1.3",
            },
        )
        self._add_groups(graph)
        for node in view.boxes():
            graph.node(
                view.box_id(node),
                self._box_label(node),
                shape="plaintext",
                margin="0",
                tooltip=self._tooltip(self._box_tooltip(node)),
            )
            if node.parents:
                self._add_gate(graph, node)
        self._add_wires(graph)
        if view.legend:
            graph.attr(label=self._legend(), labelloc="b", labeljust="l")
        return graph

    # -- tooltips: what a browser shows on hovering over a box, a gate or a wire --------------------

    @staticmethod
    def _tooltip(lines: list[str]) -> str:
        """The tooltip of a box or a gate, as a DOT attribute.

        Graphviz writes a node's DOT name ('v3') as its SVG ``<title>``, which the pages'
        JavaScript finds boxes by, and which a browser would show on hovering; a ``tooltip``
        attribute is shown instead (an ``<a xlink:title>`` around the shape, by the system's
        Graphviz and graphviz-pure alike). Each line is escaped (:func:`escape`) and the lines
        joined by the entity of a newline, which both write into the SVG as it is."""
        return "&#10;".join(escape(part) for line in lines for part in line.split("\n"))

    def _box_tooltip(self, node: Value) -> list[str]:
        """A box's tooltip: its name and the numbers the box shows ('x', 'value -2',
        'gradient 3'), in the view's language. Its name is remembered under the box's DOT name,
        for the tooltips of its wires."""
        view = self.view
        name = view.names.get(node, "")
        self.tooltips[view.box_id(node)] = name or "?"
        value = self.num(node.data) if node in view.values else "?"
        lines = [name] if name else []
        if view.mode != "backward":
            lines.append(self.say("picture.tooltip.value", value=value))
        if view.mode != "forward":
            lines.append(self.say("picture.tooltip.grad", grad=self.grad_text(node)))
        return lines

    def _gate_tooltip(self, node: Value) -> list[str]:
        """A gate's tooltip: its symbol and what it computes, 'q = x + y' (a folded constant
        written as its number)."""
        view = self.view
        inputs = [
            self.num(parent.data) if parent in view.folded else view.names.get(parent, "") or "?"
            for parent in node.parents
        ]
        symbol = self._gate_symbol(node)
        self.tooltips[view.gate_id(node)] = symbol
        name = view.names.get(node, "")
        expression = gate_of(node).expression(inputs)
        return [
            self.say(
                "picture.tooltip.gate",
                symbol=symbol,
                expression=f"{name} = {expression}" if name else expression,
            )
        ]

    def _wire_tooltip(self, tail: str, head: str) -> str:
        """A wire's tooltip: what it joins, by the names and symbols drawn, 'x → +'."""
        ends = [" ".join(self.tooltips.get(end, "?").split("\n")) for end in (tail, head)]
        return escape(" → ".join(ends))

    def _legend(self) -> str:
        """The line under the picture. It is as wide as the widest legend of any mode (a table
        cell of that width), so that a legend wider than the graph moves the boxes alike in the
        forward, backward and both pictures."""
        view = self.view
        f = view.names[view.root] or "f"
        level = self.say("legend.level", level=view.level) if view.level != "none" else ""
        earlier = self.say("legend.earlier")
        line = self.say(f"legend.{view.mode}", root=f)
        line += self.say("legend.unknown") if view.replay else ""
        line += (earlier if self.shows_earlier else "") + level
        widest = max(
            (
                self.say(f"legend.{mode}", root=f)
                + self.say("legend.unknown")
                + (earlier if self.any_earlier() else "")
                + level
                for mode in MODES
            ),
            key=len,
        )
        width = max(_text_width(text, SMALL_FONT_SIZE, LEGEND_CHARACTER) for text in (widest, line))
        return (
            f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0"><TR>'
            f'<TD WIDTH="{width}" ALIGN="LEFT">'
            f'<FONT POINT-SIZE="{SMALL_FONT_SIZE}">{escape(line)}</FONT></TD></TR></TABLE>>'
        )

    def _box_label(self, node: Value) -> str:
        """An HTML-like table: [name | value], [name | gradient] or [name | value / gradient].

        Every mode draws a box of the same size (one layout for forward, backward, both and every
        frame of a replay): the number column is as wide as the widest number it may show in
        any of them, and as tall as two rows; forward and backward use one tall cell.
        """
        view = self.view
        name = view.names.get(node, "")
        lit = node in view.lit
        width = self.number_width(node)
        if view.mode == "both":
            cells = [self._value_cell(node, width, ROW_HEIGHT), self._grad_cell(node, width)]
        elif view.mode == "forward":
            cells = [self._value_cell(node, width, 2 * ROW_HEIGHT)]
        else:
            cells = [self._grad_cell(node, width, 2 * ROW_HEIGHT)]
        rows = len(cells)
        name_cell = (
            f'<TD ROWSPAN="{rows}"{_name_width(name)} ALIGN="CENTER"><B>{escape(name)}</B></TD>'
            if name
            else ""
        )
        body = f"<TR>{name_cell}{cells[0]}</TR>" + "".join(f"<TR>{c}</TR>" for c in cells[1:])
        # A highlight paints a frame that is always there (white otherwise): same size, same
        # layout. A replay paints the fill in every frame too, so every frame has the same shapes.
        frame = HIGHLIGHT_LINE if lit else "white"
        fill = HIGHLIGHT_FILL if lit else "white" if view.replay else None
        background = f' BGCOLOR="{fill}"' if fill else ""
        return (
            f'<<TABLE BORDER="3" CELLBORDER="0" CELLSPACING="1" CELLPADDING="0" COLOR="{frame}">'
            f'<TR><TD><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="5"'
            f' COLOR="black"{background}>{body}</TABLE></TD></TR></TABLE>>'
        )

    def number_width(self, node: Value) -> int:
        """The width of a box's number column: room for its value, its widest gradient text and
        '?', in every mode. So forward, backward, both and each frame of a replay have boxes of
        one size, and Graphviz lays them all out the same way."""
        texts = [self.num(node.data), self.widest_grad_text(node), "?"]
        if self.view.replay:
            texts.append(self.grad_text(node))  # a partial sum may be longer than the final one
        return max(_text_width(text, FONT_SIZE) for text in texts)

    def _value_cell(self, node: Value, width: int, height: int) -> str:
        text = self.num(node.data)
        if node not in self.view.values:  # forward has not reached it yet
            return _cell("?", UNKNOWN_COLOUR, width, height, fill=UNKNOWN_FILL)
        return _cell(text, VALUE_COLOUR, width, height)

    def _grad_cell(self, node: Value, width: int, height: int = ROW_HEIGHT) -> str:
        text = self.grad_text(node)
        state, _ = self.view.grad_state(node)
        if state == UNKNOWN:
            return _cell(text, UNKNOWN_COLOUR, width, height, fill=UNKNOWN_FILL)
        if state == PARTIAL:
            return _cell(text, PARTIAL_COLOUR, width, height, italic=True)
        return _cell(text, GRAD_COLOUR, width, height)

    def _add_gate(self, graph: Any, node: Value) -> None:
        symbol = self._gate_symbol(node)
        lit = node in self.view.lit_gates
        graph.node(
            self.view.gate_id(node),
            f"<{escape(symbol)}>",
            shape="circle" if len(symbol) <= 3 else "ellipse",
            style="filled",
            fillcolor=HIGHLIGHT_FILL if lit else GATE_FILL,
            color=HIGHLIGHT_LINE if lit else GATE_LINE,
            penwidth="3" if lit else "1.3",
            margin="0.03",
            width="0.45",
            height="0.45",
            tooltip=self._tooltip(self._gate_tooltip(node)),
        )

    def _gate_symbol(self, node: Value) -> str:
        """The gate's symbol, with a folded constant written in: '×-1', '+1', 'max(·, 0)'."""
        folded = self.view.folded
        gate = gate_of(node)
        if not any(parent in folded for parent in node.parents):
            return gate.symbol
        return gate.folded_symbol([self.num(p.data) if p in folded else None for p in node.parents])

    def _add_wires(self, graph: Any) -> None:
        """Draw the wires; in backward modes a wire into a gate shows the chain rule."""
        view = self.view
        lit_children = {child for _, child in view.lit_wires}
        cut = wrap_cut(view) if view.rankdir == "wrap" else None
        for tail, head, child, position in view.wires():
            tooltip = {"tooltip": self._wire_tooltip(tail, head)}
            if position is None:
                turn = {"constraint": "false"} if (tail, head) == cut else {}
                graph.edge(tail, head, **_wire_style(child in lit_children), **turn, **tooltip)
                continue
            lit = (child.parents[position], child) in view.lit_wires
            if child in view.group or child.parents[position] in view.group:
                graph.edge(tail, head, **(_wire_style(lit) or GROUP_WIRE), **tooltip)
            else:
                label = self._wire_label(child, position)
                # the label's own tooltip too: Graphviz draws a wire's label outside its <a>
                label["labeltooltip"] = tooltip["tooltip"]
                graph.edge(tail, head, **label, **_wire_style(lit), **tooltip)

    def _wire_label(self, child: Value, position: int) -> dict[str, str]:
        """Backward: 'upstream × local' over '= contribution'; both: the contribution alone;
        forward: nothing, in a blank label of the same size.

        Every mode gives each wire into a gate a label of one fixed size (two lines as wide as
        the widest text of any mode or frame): Graphviz makes a node of every edge label, so
        the forward, backward and both pictures of a graph share one layout only if all their
        wires are labelled alike.
        """
        view = self.view
        local = child.local_grads[position]
        # a negative factor in parentheses, as the captions write it: '0.1966 × (-1)'
        factor = self.num(local) if local >= 0 else f"({self.num(local)})"
        upstream_final = view.final_grads[child]
        widest = [
            f"{self.num(upstream_final)} × {factor}",
            f"= {self.num(upstream_final * local)}",
            f"? × {factor}",
        ]
        state, upstream = view.grad_state(child)
        contribution = view.contribution(child, position)
        lines: list[tuple[str, str, bool]]
        if view.mode == "forward":
            lines = []
        elif view.mode == "both":
            if contribution is None:
                lines = [("?", UNKNOWN_COLOUR, False)]
            else:
                lines = [(self.num(contribution), GRAD_COLOUR, False)]
        elif contribution is None:
            shown = "?" if state == UNKNOWN else self.num(upstream)
            lines = [(f"{shown} × {factor}", UNKNOWN_COLOUR, False)]
        else:
            lines = [
                (f"{self.num(upstream)} × {factor}", "#333333", False),
                (f"= {self.num(contribution)}", GRAD_COLOUR, True),
            ]
        width = max(_text_width(t, SMALL_FONT_SIZE) for t in [*widest, *(t for t, _, _ in lines)])
        label = {"label": f"<{_wire_table(lines, width)}>"}
        if lines:
            # decorate: a line from the label to its wire, so that with several wires into one
            # gate each label is seen to sit on its own wire.
            label["decorate"] = "true"
        return label

    def _add_groups(self, graph: Any) -> None:
        """One box per neuron (inside a box per layer) or per layer."""
        view = self.view
        if not view.groups:
            return
        if view.level == "neuron":
            graph.attr(remincross="false")  # the last pass across layers would reorder neurons
            layers: dict[str, list[str]] = {}
            for key in view.groups:
                layers.setdefault(collapsing.layer_of(key), []).append(key)
            for number, (layer, keys) in enumerate(layers.items()):
                with graph.subgraph(name=f"cluster_layer{number}") as cluster:
                    cluster.attr(
                        label=f"<<B>{escape(layer)}</B>>",
                        labelloc="t",
                        style="rounded,dashed",
                        color="#8a7fb0",
                    )
                    for key in keys:
                        self._add_group_box(cluster, view.groups[key])
                    ids = [view.box_id(view.groups[key].members[0]) for key in keys]
                    if view.rankdir in ("LR", "RL"):  # a flat edge puts its head above its tail
                        ids.reverse()
                    with cluster.subgraph() as column:  # neuron1, neuron2, ... in order
                        column.attr(rank="same")
                        for first, second in zip(ids, ids[1:]):
                            column.edge(first, second, style="invis")
        else:
            for group in view.groups.values():
                self._add_group_box(graph, group)

    def _add_group_box(self, graph: Any, group: collapsing.Group) -> None:
        view = self.view
        if view.level == collapsing.PART:
            self._add_part_box(graph, group)
            return
        key = group.key
        title = key.split(".", 1)[1] if view.level == "neuron" and "." in key else key
        lines = [(title, "#000000", True)]
        if view.level == "layer":
            neurons = {collapsing.parameter_group(p.label, "neuron") for p in group.parameters}
            lines.append(
                (
                    self.say(
                        "picture.layer",
                        neurons=self._count(len(neurons), "neuron"),
                        parameters=self._count(len(group.parameters), "parameter"),
                    ),
                    "#333333",
                    False,
                )
            )
        else:
            lines.append((f"{' → '.join(group.gate_symbols)}", "#333333", False))
        # Every mode has the same four rows of one width (a blank row where a mode shows
        # nothing), so a network's forward, backward and both pictures share one layout.
        if len(group.outputs) == 1:
            output = self.say("picture.output", value=self.num(group.outputs[0].data))
        else:
            output = self.say("picture.outputs", count=len(group.outputs))
        f = view.names[view.root] or "f"
        states = [view.grad_state(p) for p in group.parameters]
        finals = [view.final_grads.get(p, 0.0) for p in group.parameters]
        norm_final = f"‖∂{f}/∂params‖ {self.num(sums.norm(finals))}"
        if all(state == FINAL for state, _ in states):
            norm = sums.norm(grad for _, grad in states)
            norm_line = (f"‖∂{f}/∂params‖ {self.num(norm)}", GRAD_COLOUR, False)
        else:
            norm_line = (f"‖∂{f}/∂params‖ ?", UNKNOWN_COLOUR, False)
        blank = ("", "#000000", False)
        computed = all(node in view.values for node in group.outputs)  # forward reached it
        value_line = (output, VALUE_COLOUR, False)
        if not computed:  # a collapsed replay's frame before forward got here: '?' as in a box
            value_line = (self.say("picture.output", value="?"), UNKNOWN_COLOUR, False)
        lines.append(value_line if view.mode != "backward" else blank)
        lines.append(norm_line if view.mode != "forward" else blank)
        width = max(
            _text_width(text, FONT_SIZE) for text in [*(t for t, _, _ in lines), output, norm_final]
        )
        self._add_rounded_box(graph, group, lines, width)

    def _add_part_box(self, graph: Any, group: collapsing.Group) -> None:
        """A part (a sub-expression, ``collapse.group_parts``) as one box: its name, its gates,
        its own inputs, its output's value and ∂f/∂output. Each row has one size in every mode
        and frame (room for its widest text, blank where a mode shows nothing): one layout."""
        view = self.view
        output = group.outputs[-1] if group.outputs else group.members[-1]
        f = view.names[view.root] or "f"
        name = view.names[output]
        grad_name = f"∂{f}/∂{name if is_atom(name) else f'({name})'}"
        state, _ = view.grad_state(output)
        known = output in view.values
        leaves = [leaf for leaf in group.parameters if leaf.label]
        shown = leaves[:PART_LEAVES_SHOWN]

        def leaves_text(values: bool) -> str:
            text = ", ".join(
                f"{view.names[leaf]} = {self.num(leaf.data) if values else '?'}" for leaf in shown
            )
            return text + (", …" if len(leaves) > len(shown) else "")

        value = self.say("picture.output", value=self.num(output.data) if known else "?")
        grad = f"{grad_name} = {self.grad_text(output) if state != UNKNOWN else '?'}"
        colour = {FINAL: GRAD_COLOUR, PARTIAL: PARTIAL_COLOUR}.get(state, UNKNOWN_COLOUR)
        blank = ("", "#000000", False)
        lines = [(name, "#000000", True), (" → ".join(group.gate_symbols), "#333333", False)]
        if leaves:
            leaves_known = all(leaf in view.values for leaf in shown)
            lines.append(
                (leaves_text(leaves_known), VALUE_COLOUR if leaves_known else UNKNOWN_COLOUR, False)
                if view.mode != "backward"
                else blank
            )
        lines.append((value, VALUE_COLOUR if known else UNKNOWN_COLOUR, False))
        lines[-1] = lines[-1] if view.mode != "backward" else blank
        lines.append((grad, colour, False) if view.mode != "forward" else blank)
        widest = [
            leaves_text(True),
            self.say("picture.output", value=self.num(output.data)),
            f"{grad_name} = {self.widest_grad_text(output)}",
            *(text for text, _, _ in lines),
        ]
        width = max(_text_width(text, FONT_SIZE) for text in widest)
        self._add_rounded_box(graph, group, lines, width)

    def _add_rounded_box(
        self,
        graph: Any,
        group: collapsing.Group,
        lines: list[tuple[str, str, bool]],
        width: int,
    ) -> None:
        """A neuron's, layer's or part's box: one row per (text, colour, bold) line, every row
        ``width`` wide and one line high whatever it shows, so the box has one size in every frame;
        highlighted when any node inside is."""
        rows = "".join(
            f'<TR><TD WIDTH="{width}" HEIGHT="{FONT_SIZE + 6}" FIXEDSIZE="TRUE">'
            f"{_font(text, colour, bold=bold) if text else ' '}</TD></TR>"
            for text, colour, bold in lines
        )
        lit = any(member in self.view.lit for member in group.members)
        box_id = self.view.box_id(group.members[0])
        self.tooltips[box_id] = lines[0][0]
        graph.node(
            box_id,
            f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{rows}</TABLE>>',
            shape="box",
            style="rounded,filled",
            fillcolor=HIGHLIGHT_FILL if lit else GROUP_FILL,
            color=HIGHLIGHT_LINE if lit else "#6a5f90",
            penwidth="3" if lit else "1.3",
            tooltip=self._tooltip([text for text, _, _ in lines if text]),
        )


PART_LEAVES_SHOWN = 4
"""A part's box lists at most this many of its own inputs (a frame's caption lists them all)."""


def _font(
    text: str, colour: str, bold: bool = False, italic: bool = False, size: int | None = None
) -> str:
    inner = escape(text)
    if bold:
        inner = f"<B>{inner}</B>"
    if italic:
        inner = f"<I>{inner}</I>"
    size_attr = f' POINT-SIZE="{size}"' if size else ""
    return f'<FONT COLOR="{colour}"{size_attr}>{inner}</FONT>'


def _cell(
    text: str,
    colour: str,
    width: int,
    height: int,
    fill: str | None = None,
    italic: bool = False,
) -> str:
    """A number cell of a box, of a fixed size (its text may be shorter)."""
    attributes = f' ALIGN="RIGHT" WIDTH="{width}" HEIGHT="{height}" FIXEDSIZE="TRUE"'
    if fill is not None:
        attributes += f' BGCOLOR="{fill}"'
    return f"<TD{attributes}>{_font(text, colour, italic=italic)}</TD>"


def _wire_table(lines: list[tuple[str, str, bool]], width: int) -> str:
    """A wire's label: a table of fixed size, two lines high, holding 0, 1 or 2 lines of text
    (one line is centred in it)."""
    if len(lines) == 2:
        rows = "".join(
            f'<TR><TD WIDTH="{width}" HEIGHT="{WIRE_LINE_HEIGHT}" FIXEDSIZE="TRUE">'
            f"{_font(text, colour, bold=bold)}</TD></TR>"
            for text, colour, bold in lines
        )
    else:
        shown = "".join(_font(text, colour, bold=bold) for text, colour, bold in lines) or " "
        rows = (
            f'<TR><TD WIDTH="{width}" HEIGHT="{2 * WIRE_LINE_HEIGHT}" FIXEDSIZE="TRUE">'
            f"{shown}</TD></TR>"
        )
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>'


def _wire_style(lit: bool) -> dict[str, str]:
    if lit:
        return {"color": HIGHLIGHT_LINE, "penwidth": "3.5"}
    return {}
