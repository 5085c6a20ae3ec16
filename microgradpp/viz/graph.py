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

A network's graph is drawn one box per neuron or per layer (``collapse``, see ``collapse.py``);
a graph too large to draw raises ``GraphTooLargeError`` instead of keeping Graphviz busy.

The picture is deterministic: boxes are named by their position in ``topological_order(root)``
and written in that order, so the same program gives byte-identical DOT (and SVG) files.
Building the Digraph needs only the pure-Python ``graphviz`` package; turning it into an image
needs Graphviz's ``dot`` program (see ``render.py``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine import Value, topological_order
from ..errors import GraphTooLargeError
from ..tables import format_number, node_names
from . import collapse as collapsing

MODES = ("forward", "backward", "both")
COLLAPSE_CHOICES = (None, "none", "neuron", "layer")
RANKDIRS = ("LR", "RL", "TB", "BT")
COLLAPSE_ABOVE = 150
"""With ``collapse=None``, a graph of more Values than this is drawn by neuron (if it has any)."""
MAX_NODES = 400
"""Most boxes and circles a picture may have (and twice as many wires). The uncollapsed graph of
one sample through MLP(2, [16, 16, 1]) has 469 and 738 wires: 1 s as SVG, 10 s as PNG."""
HOPELESS = 20
"""A graph of more than HOPELESS × max_nodes Values is refused at once: every picture of it,
collapsed or not, would be too large (a batch of 100 samples through MLP(2, [16, 16, 1]))."""

FONT = "Helvetica"
FONT_SIZE = 16  # readable from the back of a classroom
SMALL_FONT_SIZE = 13
VALUE_COLOUR = "#1a7f37"  # green for values and red for gradients, as in the cs231n figures
GRAD_COLOUR = "#b3261e"
PARTIAL_COLOUR = "#b35c00"
UNKNOWN_COLOUR = "#777777"
UNKNOWN_FILL = "#e6e6e6"
GATE_FILL = "#e8eefa"
GATE_LINE = "#4a5a80"
WIRE_COLOUR = "#555555"
HIGHLIGHT_FILL = "#ffe27a"
HIGHLIGHT_LINE = "#e06c00"
GROUP_FILL = "#f4f1fa"
GROUP_WIRE = {"color": "#8c8c8c", "penwidth": "0.8", "arrowsize": "0.5"}

_FOLDABLE_GATES = ("add", "mul", "max")
MAX_TERMS_SHOWN = 4
"""A node used more than this many times shows 'sum of 16 wires = ...' instead of every term."""


def draw_graph(
    root: Value,
    mode: str = "forward",
    *,
    rankdir: str = "LR",
    precision: int = 4,
    highlight: Iterable[Value] = (),
    highlight_edges: Iterable[tuple[Value, Value]] = (),
    collapse: str | None = None,
    max_nodes: int = MAX_NODES,
    collapse_above: int = COLLAPSE_ABOVE,
    names: Mapping[Any, Any] | None = None,
    grads: Mapping[Value, float] | None = None,
    computed: Collection[Value] | None = None,
    fold_constants: bool = True,
    legend: bool = True,
) -> Any:
    """A picture of root's graph, as a ``graphviz.Digraph`` (display it, or ``render`` it).

    Args:
        root: the output node; every node it was computed from is drawn.
        mode: ``"forward"`` (values), ``"backward"`` (gradients and the chain rule on each wire)
            or ``"both"`` (values above, gradients below).
        rankdir: ``"LR"`` draws inputs on the left; ``"TB"`` on top.
        precision: decimals of the numbers shown (trailing zeros dropped: ``3``, ``0.7311``).
        highlight: nodes to mark (yellow fill, orange border), with their gates.
        highlight_edges: ``(parent, child)`` pairs: the wires parent → gate → child turn orange.
            To highlight a path ``[x, q, f]`` pass ``zip(path, path[1:])``.
        collapse: ``"neuron"`` or ``"layer"`` draws each neuron/layer of a network as one box
            (parameters labelled ``layer1.neuron3.w0``); ``"none"`` draws every node; ``None``
            (default) collapses by neuron when the graph has more than ``collapse_above`` Values.
        max_nodes: the most boxes and circles allowed (and twice as many wires); above it
            ``GraphTooLargeError`` is raised, saying how to collapse the graph or raise the limit.
        names: names to print instead of labels, as ``{node: "name"}`` or ``{"name": node}``
            (so ``names=locals()`` works). Unlabelled nodes get short names: ``n5`` for the
            5th node of the topological order, ``f`` for an unlabelled root.
        grads: show these gradients instead of ``.grad`` (a frame of backward in progress);
            a node missing from it shows ``?``: *not computed yet*.
        computed: nodes whose gradient is final. With it, only they show ``.grad`` (or their
            ``grads`` entry) and send ``upstream × local`` along their wires; a node in ``grads``
            but not in ``computed`` shows its partial sum in orange, marked "so far".
        fold_constants: write an unlabelled number used once into its gate (``×-1``, ``+1``),
            as the textbook does.
        legend: add a line under the picture saying what the numbers are.

    Every call with the same graph draws the same boxes and wires in the same order, whatever the
    ``grads``/``computed``/highlight options, and each box reserves room for its final text, so
    the frames of a step-by-step replay keep one layout.
    """
    try:
        import graphviz  # noqa: F401 - only to fail early with a clear message
    except ImportError:
        raise ImportError(
            "draw_graph needs the graphviz Python package: pip install 'microgradpp[viz]' "
            "(or pip install graphviz)"
        ) from None
    _check_arguments(root, mode, rankdir, precision, collapse, max_nodes, collapse_above)
    order = topological_order(root)
    if len(order) > HOPELESS * max_nodes:  # no collapsing brings this down: say so at once
        raise GraphTooLargeError(
            f"this graph has {len(order):,} Values, more than {HOPELESS} × max_nodes={max_nodes}: "
            "no picture of it would be readable, and Graphviz would take minutes. Draw the graph "
            "of one example (e.g. the loss of model(X[0]) instead of a whole batch), or a part "
            "of it."
        )
    drawing = _Drawing(
        order=order,
        root=root,
        mode=mode,
        precision=precision,
        names=_names_by_node(names),
        grads=dict(grads) if grads is not None else None,
        computed=_node_set(computed, "computed") if computed is not None else None,
        highlight=_node_set(highlight, "highlight"),
        highlight_edges=_edge_set(highlight_edges),
        fold_constants=fold_constants,
    )
    drawing.choose_collapse(collapse, max_nodes, collapse_above)
    return drawing.digraph(rankdir, legend)


# ------------------------------------------------------------------------------------------------
# Checking arguments
# ------------------------------------------------------------------------------------------------


def _check_arguments(root, mode, rankdir, precision, collapse, max_nodes, collapse_above) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph needs a microgradpp.Value, got {type(root).__name__}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 15:
        raise ValueError(f"precision must be a whole number of decimals 0..15, got {precision!r}")
    if collapse not in COLLAPSE_CHOICES:
        raise ValueError(f"collapse must be one of {COLLAPSE_CHOICES}, got {collapse!r}")
    for name, limit in (("max_nodes", max_nodes), ("collapse_above", collapse_above)):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"{name} must be a positive whole number, got {limit!r}")


def _node_set(nodes: Iterable[Value], option: str) -> set[Value]:
    nodes = set(nodes)
    for node in nodes:
        if not isinstance(node, Value):
            raise TypeError(f"{option} must hold Values, got {type(node).__name__}: {node!r}")
    return nodes


def _edge_set(edges: Iterable[tuple[Value, Value]]) -> set[tuple[Value, Value]]:
    pairs = set()
    for edge in edges:
        if not (
            isinstance(edge, tuple)
            and len(edge) == 2
            and all(isinstance(end, Value) for end in edge)
        ):
            raise TypeError(
                f"highlight_edges must hold (parent, child) pairs of Values, got {edge!r}"
            )
        pairs.add(edge)
    return pairs


def _names_by_node(names: Mapping[Any, Any] | None) -> dict[Value, str]:
    """{node: name} from either {node: name} or {name: node} (entries of other kinds are skipped)."""
    by_node: dict[Value, str] = {}
    for key, value in (names or {}).items():
        if isinstance(key, Value) and isinstance(value, str):
            by_node[key] = value
        elif isinstance(value, Value) and isinstance(key, str) and not key.startswith("_"):
            by_node.setdefault(value, key)
    return by_node


# ------------------------------------------------------------------------------------------------
# Numbers and text
# ------------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text made safe inside a Graphviz HTML-like label: & < > " ' as entities, newlines as <BR/>.

    Inside HTML-like labels backslashes, braces and ``|`` have no special meaning, and unicode is
    written as it is (the DOT file is UTF-8).
    """
    safe = html.escape(text, quote=True)
    safe = "".join(
        ch if ch == "\n" or ord(ch) >= 32 else f"\\x{ord(ch):02x}" for ch in safe
    )  # control characters would make an invalid file
    return safe.replace("\n", "<BR/>")


def _text_width(text: str, font_size: int) -> int:
    """A generous estimate of the printed width of text, in points (for stable layouts)."""
    return math.ceil(len(text) * font_size * 0.62) + 10


def _signed_sum(terms: list[str], total: str) -> str:
    """['-4', '3'] and '-1' -> '-4 + 3 = -1'; ['2', '-5'] -> '2 - 5 = ...'."""
    text = terms[0]
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return f"{text} = {total}"


# ------------------------------------------------------------------------------------------------
# The drawing
# ------------------------------------------------------------------------------------------------

FINAL, PARTIAL, UNKNOWN = "final", "partial", "unknown"


@dataclass
class _Drawing:
    """Everything draw_graph works out about one picture before writing DOT."""

    order: list[Value]
    """The graph in topological order (inputs first, root last)."""
    root: Value
    mode: str
    precision: int
    names: dict[Value, str]
    grads: dict[Value, float] | None
    computed: set[Value] | None
    highlight: set[Value]
    highlight_edges: set[tuple[Value, Value]]
    fold_constants: bool
    index: dict[Value, int] = field(init=False)
    uses: dict[Value, list[tuple[Value, int]]] = field(init=False)
    folded: set[Value] = field(init=False)
    group: dict[Value, str] = field(init=False, default_factory=dict)
    groups: dict[str, collapsing.Group] = field(init=False, default_factory=dict)
    level: str = field(init=False, default="none")
    group_ids: dict[str, str] = field(init=False, default_factory=dict)
    shows_earlier: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.index = {node: i for i, node in enumerate(self.order)}
        self.uses = {node: [] for node in self.order}  # node -> [(child, parent position)]
        for child in self.order:
            for position, parent in enumerate(child.parents):
                self.uses[parent].append((child, position))
        self.folded = self._constants_to_fold() if self.fold_constants else set()
        self.names = {**self._automatic_names(), **self.names}

    # -- what is drawn ---------------------------------------------------------------------------

    def _constants_to_fold(self) -> set[Value]:
        """Unlabelled numbers used once by add, mul or max, next to a non-constant input."""
        folded = set()
        for node in self.order:
            if node.gate is None or node.gate.name not in _FOLDABLE_GATES:
                continue
            for parent in node.parents:
                others = [p for p in node.parents if p is not parent]
                if (
                    not parent.parents
                    and not parent.label
                    and parent not in self.names
                    and len(self.uses[parent]) == 1
                    and any(p.parents or p.label for p in others)
                ):
                    folded.add(parent)
        return folded

    def _automatic_names(self) -> dict[Value, str]:
        """tables.node_names, except that a constant's box shows only its value (no name)."""
        names = node_names(self.order, taken=self.names.values())
        for node in self.order:
            if not node.parents and not node.label:
                names[node] = ""
        return names

    def choose_collapse(self, collapse: str | None, max_nodes: int, collapse_above: int) -> None:
        """Pick the level to draw at, or raise GraphTooLargeError saying what to do instead.

        A picture may have ``max_nodes`` boxes and circles and twice as many wires. With
        ``collapse=None`` a graph of more than ``collapse_above`` Values is drawn by neuron, or
        by layer if that is still too large.
        """
        sizes = {"none": self._size("none")}
        if collapse is None:
            level = "none"
            if len(self.order) > collapse_above:
                for candidate in collapsing.LEVELS:
                    sizes[candidate] = self._size(candidate)
                    if sizes[candidate] < sizes["none"]:
                        level = candidate
                        if _fits(sizes[candidate], max_nodes):
                            break
        else:
            level = collapse
            sizes.setdefault(level, self._size(level))
        if not _fits(sizes[level], max_nodes):
            raise GraphTooLargeError(self._too_large_message(sizes, level, max_nodes))
        self._use_level(level)

    def _use_level(self, level: str) -> None:
        self.level, self.group, self.groups = "none", {}, {}
        if level != "none":
            self.group = collapsing.group_nodes(self.order, level)
            self.groups = collapsing.summarize(self.order, self.group)
            if self.groups:
                self.level = level
        self.group_ids = {key: f"group{number}" for number, key in enumerate(self.groups)}

    def _size(self, level: str) -> tuple[int, int]:
        """(boxes and circles, wires) of a picture at this level."""
        self._use_level(level)
        nodes = len(self.groups)
        for node in self.order:
            if node not in self.group and node not in self.folded:
                nodes += 2 if node.parents else 1  # its box, and its gate's circle
        return nodes, sum(1 for _ in self._wires())

    def _too_large_message(self, sizes: dict, level: str, max_nodes: int) -> str:
        for candidate in collapsing.LEVELS:
            if candidate not in sizes:
                sizes[candidate] = self._size(candidate)
        options = [
            f'collapse="{candidate}" ({sizes[candidate][0]:,} boxes and circles, '
            f"{sizes[candidate][1]:,} wires)"
            for candidate in collapsing.LEVELS
            if sizes[candidate] < sizes["none"] and candidate != level
        ]
        how = (
            "Draw it by " + " or ".join(options) + ", "
            if options
            else "Nothing here can be collapsed (network parameters are recognised by labels "
            "like 'layer1.neuron3.w0'); "
        )
        nodes, wires = sizes[level]
        return (
            f"this graph has {len(self.order):,} Values: {nodes:,} boxes and circles and "
            f"{wires:,} wires to draw{'' if level == 'none' else f' by {level}'}, more than "
            f"max_nodes={max_nodes} allows ({max_nodes} boxes and circles, {2 * max_nodes} "
            f"wires): Graphviz would take tens of seconds. {how}"
            "draw a smaller piece (one example instead of a whole batch), "
            f"or raise the limit: draw_graph(..., max_nodes={max(nodes, (wires + 1) // 2)})."
        )

    # -- gradients shown -------------------------------------------------------------------------

    def grad_state(self, node: Value) -> tuple[str, float]:
        """('final' | 'partial' | 'unknown', gradient shown) for one node in this picture."""
        if self.grads is None and self.computed is None:
            return FINAL, node.grad
        if self.computed is None:
            return (FINAL, self.grads[node]) if node in self.grads else (UNKNOWN, 0.0)
        if node in self.computed:
            return FINAL, (self.grads or {}).get(node, node.grad)
        if self.grads is not None and node in self.grads:
            return PARTIAL, self.grads[node]
        return UNKNOWN, 0.0

    def contribution(self, child: Value, position: int) -> float | None:
        """upstream × local along the wire parent → child, once child's gradient is final."""
        state, upstream = self.grad_state(child)
        if state != FINAL:
            return None
        return upstream * child.local_grads[position]

    def num(self, x: float) -> str:
        return format_number(x, self.precision)

    @property
    def is_frame(self) -> bool:
        """True for one frame of a backward replay (``grads`` or ``computed`` given)."""
        return self.grads is not None or self.computed is not None

    def grad_text(self, node: Value) -> str:
        """The gradient as a box shows it: '?', '-4 so far', '-4 + 3 = -1' or '-1'."""
        state, grad = self.grad_state(node)
        if state == UNKNOWN:
            return "?"
        if state == PARTIAL:
            return f"{self.num(grad)} so far"
        terms = [self.contribution(child, position) for child, position in self.uses[node]]
        if self.level != "none" and any(child in self.group for child, _ in self.uses[node]):
            return self.num(grad)  # some of its wires are hidden inside a group
        if not terms or any(term is None for term in terms):
            return self.num(grad)
        text = self._sum_text(terms, grad)
        self.shows_earlier = self.shows_earlier or "(earlier)" in text
        return text

    def _sum_text(self, terms: list[float], grad: float) -> str:
        """'3 + 3 - 1 = 5'; a leaf still holding a gradient from an earlier backward() (no
        zero_grad() in between) shows it as an extra term: '1 + 1 + 5 (earlier) = 7'."""
        texts = [self.num(term) for term in terms]
        earlier = grad - math.fsum(terms)
        if abs(earlier) > 1e-9 * max(1.0, abs(grad), *(abs(term) for term in terms)):
            texts.append(f"{self.num(earlier)} (earlier)")
        if len(texts) == 1:
            return self.num(grad)
        return self._join_terms(texts, self.num(grad))

    def widest_grad_text(self, node: Value) -> str:
        """The longest text node's gradient box shows in any frame of a replay (from .grad)."""
        final = self.num(node.grad)
        texts = [final, f"{final} so far"]
        if self.uses[node]:
            terms = [child.grad * child.local_grads[i] for child, i in self.uses[node]]
            texts.append(self._sum_text(terms, node.grad))
        return max(texts, key=len)

    @staticmethod
    def _join_terms(terms: list[str], total: str) -> str:
        if len(terms) > MAX_TERMS_SHOWN:  # a node used by many children: too long to write out
            return f"sum of {len(terms)} wires = {total}"
        return _signed_sum(terms, total)

    # -- DOT -------------------------------------------------------------------------------------

    def digraph(self, rankdir: str, legend: bool) -> Any:
        from .render import picture_class

        graph = picture_class()(
            name="computational_graph",
            graph_attr={
                "rankdir": rankdir,
                "fontname": FONT,
                "fontsize": str(FONT_SIZE),
                "nodesep": "0.25",
                "ranksep": "0.35",
                "bgcolor": "white",
                "pad": "0.15",
                "newrank": "true",
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
        self._add_groups(graph, rankdir)
        for node in self.order:
            if node in self.group or node in self.folded:
                continue
            graph.node(self.box_id(node), self._box_label(node), shape="plaintext", margin="0")
            if node.parents:
                self._add_gate(graph, node)
        self._add_wires(graph)
        if legend:
            graph.attr(label=self._legend(), labelloc="b", labeljust="l")
        return graph

    def box_id(self, node: Value) -> str:
        key = self.group.get(node)
        return self.group_ids[key] if key is not None else f"v{self.index[node]}"

    def gate_id(self, node: Value) -> str:
        return f"g{self.index[node]}"

    def _legend(self) -> str:
        f = self.names[self.root] or "f"
        lines = {
            "forward": "each box: name | value;  each circle: a gate",
            "backward": f"each box: name | ∂{f}/∂name;  each wire: upstream × local = what flows back",
            "both": f"each box: name | value (green, above) and ∂{f}/∂name (red, below)",
        }[self.mode]
        if self.is_frame:
            lines += ";  ? = not computed yet"
        if self.shows_earlier:
            lines += ";  (earlier) = kept from an earlier backward(): call zero_grad() first"
        if self.level != "none":
            lines += f";  drawn by {self.level}"
        return f'<<FONT POINT-SIZE="{SMALL_FONT_SIZE}">{escape(lines)}</FONT>>'

    def _box_label(self, node: Value) -> str:
        """An HTML-like table: [name | value], [name | gradient] or [name | value / gradient]."""
        name = self.names.get(node, "")
        lit = node in self.highlight
        cells = []
        if self.mode in ("forward", "both"):
            cells.append(_cell(self.num(node.data), VALUE_COLOUR))
        if self.mode in ("backward", "both"):
            cells.append(self._grad_cell(node))
        rows = len(cells)
        name_cell = (
            f'<TD ROWSPAN="{rows}" ALIGN="CENTER"><B>{escape(name)}</B></TD>' if name else ""
        )
        body = f"<TR>{name_cell}{cells[0]}</TR>" + "".join(f"<TR>{c}</TR>" for c in cells[1:])
        # A highlight paints a frame that is always there (white otherwise): same size, same layout.
        frame = HIGHLIGHT_LINE if lit else "white"
        fill = f' BGCOLOR="{HIGHLIGHT_FILL}"' if lit else ""
        return (
            f'<<TABLE BORDER="3" CELLBORDER="0" CELLSPACING="1" CELLPADDING="0" COLOR="{frame}">'
            f'<TR><TD><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="5"'
            f' COLOR="black"{fill}>{body}</TABLE></TD></TR></TABLE>>'
        )

    def _grad_cell(self, node: Value) -> str:
        text = self.grad_text(node)
        state, _ = self.grad_state(node)
        width = None
        if self.is_frame:  # reserve room for the final text: every frame keeps one layout
            width = max(
                _text_width(text, FONT_SIZE), _text_width(self.widest_grad_text(node), FONT_SIZE)
            )
        if state == UNKNOWN:
            return _cell(text, UNKNOWN_COLOUR, width=width, fill=UNKNOWN_FILL)
        if state == PARTIAL:
            return _cell(text, PARTIAL_COLOUR, width=width, italic=True)
        return _cell(text, GRAD_COLOUR, width=width)

    def _add_gate(self, graph: Any, node: Value) -> None:
        symbol = self._gate_symbol(node)
        lit = node in self.highlight or any(child is node for _, child in self.highlight_edges)
        graph.node(
            self.gate_id(node),
            f"<{escape(symbol)}>",
            shape="circle" if len(symbol) <= 3 else "ellipse",
            style="filled",
            fillcolor=HIGHLIGHT_FILL if lit else GATE_FILL,
            color=HIGHLIGHT_LINE if lit else GATE_LINE,
            penwidth="3" if lit else "1.3",
            margin="0.03",
            width="0.45",
            height="0.45",
        )

    def _gate_symbol(self, node: Value) -> str:
        """The gate's symbol, with a folded constant written in: '×-1', '+1', 'max(·, 0)'."""
        symbol = node.gate.symbol
        constants = [self.num(p.data) for p in node.parents if p in self.folded]
        if not constants:
            return symbol
        if node.gate.name == "add" and constants[0].startswith("-"):
            return constants[0]  # x + (-1) is drawn as the textbook's "-1" gate
        if node.gate.name in ("add", "mul"):
            return symbol + constants[0]
        shown = [self.num(p.data) if p in self.folded else "·" for p in node.parents]
        return f"{symbol}({', '.join(shown)})"

    def _wires(self) -> Iterator[tuple[str, str, Value, int | None]]:
        """(tail, head, child, parent position) of every wire: parent box → gate circle, gate
        circle → box (position None); a wire into or out of a group is drawn once."""
        group_wires: set[tuple[str, str]] = set()
        for node in self.order:
            if not node.parents or node in self.folded:
                continue
            grouped = node in self.group
            head = self.box_id(node) if grouped else self.gate_id(node)
            for position, parent in enumerate(node.parents):
                if parent in self.folded:
                    continue
                tail = self.box_id(parent)
                if grouped or parent in self.group:
                    if tail == head or (tail, head) in group_wires:
                        continue  # inside one group, or already drawn once
                    group_wires.add((tail, head))
                yield tail, head, node, position
            if not grouped:
                yield head, self.box_id(node), node, None

    def _add_wires(self, graph: Any) -> None:
        """Draw the wires; in backward modes a wire into a gate shows the chain rule."""
        lit_children = {child for _, child in self.highlight_edges}
        for tail, head, child, position in self._wires():
            if position is None:
                graph.edge(tail, head, **_wire_style(child in lit_children))
                continue
            lit = (child.parents[position], child) in self.highlight_edges
            if child in self.group or child.parents[position] in self.group:
                graph.edge(tail, head, **(_wire_style(lit) or GROUP_WIRE))
            else:
                graph.edge(tail, head, **self._wire_label(child, position), **_wire_style(lit))

    def _wire_label(self, child: Value, position: int) -> dict[str, str]:
        """Backward: 'upstream × local' over '= contribution'; both: the contribution alone."""
        if self.mode == "forward":
            return {}
        local = child.local_grads[position]
        state, upstream = self.grad_state(child)
        contribution = self.contribution(child, position)
        if self.mode == "both":
            if contribution is None:
                lines = [("?", UNKNOWN_COLOUR, False)]
            else:
                lines = [(self.num(contribution), GRAD_COLOUR, False)]
        elif contribution is None:
            shown = "?" if state == UNKNOWN else self.num(upstream)
            lines = [(f"{shown} × {self.num(local)}", UNKNOWN_COLOUR, False), ("", "", False)]
        else:
            lines = [
                (f"{self.num(upstream)} × {self.num(local)}", "#333333", False),
                (f"= {self.num(contribution)}", GRAD_COLOUR, True),
            ]
        width = None
        if self.is_frame:  # reserve room for the final text: every frame keeps one layout
            final = child.grad * local
            widest = [f"{self.num(child.grad)} × {self.num(local)}", f"= {self.num(final)}"]
            width = max(
                _text_width(t, SMALL_FONT_SIZE) for t in [*widest, *(t for t, _, _ in lines)]
            )
        return {"label": f"<{_wire_table(lines, width)}>"}

    def _add_groups(self, graph: Any, rankdir: str) -> None:
        """One box per neuron (inside a box per layer) or per layer."""
        if not self.groups:
            return
        if self.level == "neuron":
            graph.attr(remincross="false")  # the last pass across layers would reorder neurons
            layers: dict[str, list[str]] = {}
            for key in self.groups:
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
                        self._add_group_box(cluster, self.groups[key])
                    ids = [self.box_id(self.groups[key].members[0]) for key in keys]
                    if rankdir in ("LR", "RL"):  # a flat edge puts its head above its tail here
                        ids.reverse()
                    with cluster.subgraph() as column:  # neuron1, neuron2, ... in order
                        column.attr(rank="same")
                        for first, second in zip(ids, ids[1:]):
                            column.edge(first, second, style="invis")
        else:
            for group in self.groups.values():
                self._add_group_box(graph, group)

    def _add_group_box(self, graph: Any, group: collapsing.Group) -> None:
        key = group.key
        title = key.split(".", 1)[1] if self.level == "neuron" and "." in key else key
        lines = [(title, "#000000", True)]
        if self.level == "layer":
            neurons = {collapsing.parameter_group(p.label, "neuron") for p in group.parameters}
            lines.append(
                (
                    f"{_count(len(neurons), 'neuron')}, {_count(len(group.parameters), 'parameter')}",
                    "#333333",
                    False,
                )
            )
        else:
            lines.append((f"{' → '.join(group.gate_symbols)}", "#333333", False))
        if self.mode in ("forward", "both"):
            if len(group.outputs) == 1:
                lines.append((f"out {self.num(group.outputs[0].data)}", VALUE_COLOUR, False))
            else:
                lines.append((f"{len(group.outputs)} outputs", VALUE_COLOUR, False))
        if self.mode in ("backward", "both"):
            f = self.names[self.root] or "f"
            states = [self.grad_state(p) for p in group.parameters]
            if all(state == FINAL for state, _ in states):
                norm = math.sqrt(sum(grad * grad for _, grad in states))
                lines.append((f"‖∂{f}/∂params‖ {self.num(norm)}", GRAD_COLOUR, False))
            else:
                lines.append((f"‖∂{f}/∂params‖ ?", UNKNOWN_COLOUR, False))
        lit = any(member in self.highlight for member in group.members)
        rows = "".join(
            f"<TR><TD>{_font(text, colour, bold=bold)}</TD></TR>" for text, colour, bold in lines
        )
        graph.node(
            self.box_id(group.members[0]),
            f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">{rows}</TABLE>>',
            shape="box",
            style="rounded,filled",
            fillcolor=HIGHLIGHT_FILL if lit else GROUP_FILL,
            color=HIGHLIGHT_LINE if lit else "#6a5f90",
            penwidth="3" if lit else "1.3",
        )


def _fits(size: tuple[int, int], max_nodes: int) -> bool:
    """At most max_nodes boxes and circles, and at most twice as many wires."""
    nodes, wires = size
    return nodes <= max_nodes and wires <= 2 * max_nodes


def _count(n: int, thing: str) -> str:
    """1 neuron, 16 neurons."""
    return f"{n} {thing}{'' if n == 1 else 's'}"


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
    text: str, colour: str, width: int | None = None, fill: str | None = None, italic: bool = False
) -> str:
    attributes = ' ALIGN="RIGHT"'
    if width is not None:
        attributes += f' WIDTH="{width}"'
    if fill is not None:
        attributes += f' BGCOLOR="{fill}"'
    return f"<TD{attributes}>{_font(text, colour, italic=italic)}</TD>"


def _wire_table(lines: list[tuple[str, str, bool]], width: int | None) -> str:
    """An edge label, one row per line; with a width, of fixed size (for replay frames)."""
    size = f' WIDTH="{width}"' if width is not None else ""
    rows = "".join(
        f'<TR><TD{size} HEIGHT="{SMALL_FONT_SIZE + 6}">'
        f"{_font(text, colour, bold=bold) if text else ' '}</TD></TR>"
        for text, colour, bold in lines
    )
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{rows}</TABLE>'


def _wire_style(lit: bool) -> dict[str, str]:
    if lit:
        return {"color": HIGHLIGHT_LINE, "penwidth": "3.5"}
    return {}
