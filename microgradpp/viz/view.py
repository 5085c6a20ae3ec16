"""What a picture of a graph shows, worked out once: a :class:`GraphView`.

``draw_graph`` turns a view into DOT and decides nothing itself. A view holds two kinds of facts:

* **the graph** — its nodes in topological order, the boxes and wires drawn (after folding
  constants into their gates and grouping a network's neurons), their names, and each node's
  complete gradient. These are the same in every frame of a backward replay, so every frame has
  the same boxes of the same sizes and Graphviz lays them out the same way.
* **the state** — which values are known, which gradients are shown (partial sums or final ones),
  which nodes have already sent their gradient back along their wires, and what is highlighted.

``GraphView.of(root)`` describes the finished graph (every value and ``.grad`` known);
``view.frame(...)`` is the same graph in another state, which is how the stepper
(``microgradpp.steps``) describes each of its frames without touching ``.grad``.

    >>> from microgradpp import Value
    >>> x, y = Value(2.0, label="x"), Value(3.0, label="y")
    >>> f = x * y
    >>> view = GraphView.of(f, "both")
    >>> [view.names[node] for node in view.order]
    ['x', 'y', 'f']
    >>> seed = view.frame(grads={f: 1.0}, final={f})      # backward has only started
    >>> seed.grad_state(x), seed.grad_state(f)
    (('unknown', 0.0), ('final', 1.0))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..diagnosis import grad_number
from ..engine import Value, topological_order
from ..errors import GraphTooLargeError
from ..i18n import Listed, Words, error, resolve_language
from ..tables import node_names
from ..validation import is_integer
from . import collapse as collapsing

MODES = ("forward", "backward", "both")
COLLAPSE_CHOICES = (None, "none", "neuron", "layer", "part")
RANKDIRS = ("auto", "LR", "RL", "TB", "BT", "wrap")
"""``"auto"``: left to right, top to bottom or wrapped, whichever is larger on a 16:9 screen (step
pages and the command line use it; see ``graph.settle_rankdir``). ``"wrap"``: left to right in two
rows, a long chain turned once half way (``graph.wrap_cut``)."""
COLLAPSE_ABOVE = 150
"""With ``collapse=None``, a graph of more Values than this is drawn by neuron (if it has any)."""
MAX_NODES = 400
"""Most boxes and circles a picture may have (and twice as many wires). The uncollapsed graph of
one sample through MLP(2, [16, 16, 1]) has 469 and 738 wires: 1 s as SVG, 10 s as PNG."""
HOPELESS = 20
"""A graph of more than HOPELESS × max_nodes Values is refused at once: every picture of it,
collapsed or not, would be too large (a batch of 100 samples through MLP(2, [16, 16, 1]))."""

FINAL, PARTIAL, UNKNOWN = "final", "partial", "unknown"


class Wire(NamedTuple):
    """One arrow of the picture: parent box → gate circle (``position`` is the parent's place
    among the child's inputs), or gate circle → its box (``position`` is None)."""

    tail: str
    head: str
    child: Value
    position: int | None


@dataclass(frozen=True, eq=False)
class GraphView:
    """Everything one picture shows. Make it with :meth:`of`; change its state with :meth:`frame`.

    Every field is decided here, before any DOT is written, so a picture depends on its view only.
    """

    # -- the graph: the same in every frame ------------------------------------------------------
    root: Value
    order: tuple[Value, ...]
    """Every node once, inputs first, root last (``topological_order(root)``, computed once)."""
    index: Mapping[Value, int]
    """Each node's position in ``order``: boxes are named by it ('v3', gate 'g3'), so the same
    graph gives the same DOT on every run."""
    uses: Mapping[Value, tuple[tuple[Value, int], ...]]
    """node -> ``(child, position)`` for every wire leaving it: node is child.parents[position]."""
    names: Mapping[Value, str]
    """The name printed in each box ('' for a constant, which shows only its value)."""
    folded: frozenset[Value]
    """Unlabelled constants written into their gate ('×−1', '+1') instead of drawn as boxes."""
    level: str
    """'none', or 'neuron' / 'layer' when a network is drawn one box per neuron / layer."""
    group: Mapping[Value, str]
    """Each node hidden inside a neuron's (or layer's) box -> that group's key."""
    groups: Mapping[str, collapsing.Group]
    group_ids: Mapping[str, str]
    """Each group's DOT name: 'group0', 'group1', ... in order of appearance."""
    final_grads: Mapping[Value, float]
    """Each node's complete gradient: what a replay's boxes and wires are sized for."""
    mode: str
    """'forward' (values), 'backward' (gradients, chain rule on the wires) or 'both'."""
    precision: int
    rankdir: str
    legend: bool
    lang: str
    """The language of the words in the picture (legend, 'so far'); numbers are the same in all."""
    replay: bool
    """True for a frame of a replay: every box and wire label keeps the size of its widest text
    (its final one), and a value or gradient not known yet shows '?'."""

    # -- the state: what is known and what is highlighted ----------------------------------------
    values: frozenset[Value]
    """Nodes whose value is known (the others show '?': forward has not reached them)."""
    grads: Mapping[Value, float]
    """The gradient shown for each node that has one, final or a partial sum so far."""
    final: frozenset[Value]
    """Nodes whose gradient is complete: every wire that brings them a gradient has done so."""
    sent: frozenset[Value]
    """Gate nodes that have handed their gradient back: their input wires show what flowed."""
    lit: frozenset[Value] = frozenset()
    """Boxes drawn highlighted (yellow fill, orange frame)."""
    lit_gates: frozenset[Value] = frozenset()
    """Nodes whose gate circle is highlighted."""
    lit_wires: frozenset[tuple[Value, Value]] = frozenset()
    """``(parent, child)``: the wires parent → gate → child drawn orange."""

    # -- making views ----------------------------------------------------------------------------

    @classmethod
    def of(
        cls,
        root: Value,
        mode: str = "forward",
        *,
        precision: int = 4,
        rankdir: str = "LR",
        collapse: str | None = None,
        max_nodes: int = MAX_NODES,
        collapse_above: int = COLLAPSE_ABOVE,
        names: Mapping[Any, Any] | None = None,
        fold_constants: bool = True,
        legend: bool = True,
        highlight: Iterable[Value] = (),
        highlight_edges: Iterable[tuple[Value, Value]] = (),
        final_grads: Mapping[Value, float] | None = None,
        order: Sequence[Value] | None = None,
        lang: str | None = None,
    ) -> GraphView:
        """The view of root's whole graph, every value and gradient (``.grad``) known.

        Args:
            root: the output node; every node it was computed from is drawn.
            mode: ``"forward"`` (values), ``"backward"`` (gradients and the chain rule on each
                wire) or ``"both"`` (values above, gradients below).
            precision: decimals of the numbers shown (trailing zeros dropped: ``3``, ``0.7311``).
            rankdir: ``"LR"`` draws inputs on the left; ``"TB"`` on top; ``"wrap"``: left to
                right in two rows (a long chain turned once); ``"auto"``: whichever
                comes out larger when fitted to a 1920×1080 screen, decided when the view is
                drawn (``graph.settle_rankdir`` decides it once for a view and its frames).
            collapse: ``"neuron"`` or ``"layer"`` draws each neuron/layer of a network as one box
                (parameters labelled ``layer1.neuron3.w0``); ``"none"`` draws every node;
                ``"part"`` draws sub-expressions of any graph as boxes (the terms of a sum, or
                up to 8 gates: ``collapse.group_parts``);
                ``None`` (default) collapses by neuron when the graph has more than
                ``collapse_above`` Values.
            max_nodes: the most boxes and circles allowed (and twice as many wires); above it
                ``GraphTooLargeError`` says how to collapse the graph or raise the limit.
            names: names to print instead of labels, as ``{node: "name"}`` or ``{"name": node}``
                (so ``names=locals()`` works). Unlabelled nodes get short names: ``n5`` for the
                5th node of the topological order, ``f`` for an unlabelled root.
            fold_constants: write an unlabelled number used once into its gate (``×-1``,
                ``+1``), as the textbook does.
            legend: add a line under the picture saying what the numbers are.
            highlight: nodes to mark (yellow fill, orange border), with their gates.
            highlight_edges: ``(parent, child)`` pairs: the wires parent → gate → child turn
                orange. To highlight a path ``[x, q, f]`` pass ``zip(path, path[1:])``.
            final_grads: each node's gradient, instead of ``.grad`` (a replay knows them from
                its own steps).
            order: ``topological_order(root)``, when the caller has worked it out already.
            lang: the language of the legend and the words in boxes ('en', 'zh-Hant', ...;
                None: ``i18n.set_language``'s choice, else the locale's).
        """
        _check_options(root, mode, rankdir, precision, collapse, max_nodes, collapse_above)
        order = tuple(topological_order(root) if order is None else order)
        if len(order) > HOPELESS * max_nodes:  # no collapsing brings this down: say so at once
            raise error(
                GraphTooLargeError, "viz.too_large", count=f"{len(order):,}", hopeless=HOPELESS,
                most=max_nodes,
            )  # fmt: skip
        chosen = _names_by_node(names)
        uses = uses_of(order)
        folded = _constants_to_fold(order, uses, chosen) if fold_constants else frozenset()
        level, group, groups = _choose_collapse(
            order, uses, folded, collapse, max_nodes, collapse_above
        )
        if final_grads is None:
            final_grads = {node: grad_number(node, "draw_graph") for node in order}
        lit = _node_set(highlight, "highlight")
        lit_wires = _edge_set(highlight_edges)
        everything = frozenset(order)
        return cls(
            root=root,
            order=order,
            index={node: i for i, node in enumerate(order)},
            uses=uses,
            names={**_box_names(order, chosen), **chosen},
            folded=folded,
            level=level,
            group=group,
            groups=groups,
            group_ids={key: f"group{number}" for number, key in enumerate(groups)},
            final_grads=dict(final_grads),
            mode=mode,
            precision=precision,
            rankdir=rankdir,
            legend=legend,
            lang=resolve_language(lang),
            replay=False,
            values=everything,
            grads=dict(final_grads),
            final=everything,
            sent=everything,
            lit=lit,
            lit_gates=lit | {child for _, child in lit_wires},
            lit_wires=lit_wires,
        )

    def frame(
        self,
        *,
        values: Collection[Value] | None = None,
        grads: Mapping[Value, float],
        final: Collection[Value],
        sent: Collection[Value] | None = None,
        lit: Collection[Value] = (),
        lit_gates: Collection[Value] = (),
        lit_wires: Collection[tuple[Value, Value]] = (),
    ) -> GraphView:
        """The same graph in another state: one frame of a replay (same boxes, same sizes).

        ``values``: nodes whose value is known (default: all). ``grads``: the gradients known so
        far; a node in ``grads`` but not in ``final`` shows its partial sum, marked 'so far'.
        ``sent``: gate nodes that have handed their gradient back (default: the final ones).
        ``lit``, ``lit_gates``, ``lit_wires``: boxes, gate circles and wires to highlight.
        """
        final = _node_set(final, "final")
        return dataclasses.replace(
            self,
            replay=True,
            values=self.values if values is None else _node_set(values, "values"),
            grads=dict(grads),
            final=final,
            sent=final if sent is None else _node_set(sent, "sent"),
            lit=_node_set(lit, "lit"),
            lit_gates=_node_set(lit_gates, "lit_gates"),
            lit_wires=_edge_set(lit_wires),
        )

    # -- reading a view --------------------------------------------------------------------------

    def box_id(self, node: Value) -> str:
        """The DOT name of node's box ('v3'), or of the group box that holds it ('group0')."""
        key = self.group.get(node)
        return self.group_ids[key] if key is not None else f"v{self.index[node]}"

    def gate_id(self, node: Value) -> str:
        return f"g{self.index[node]}"

    def boxes(self) -> Iterator[Value]:
        """The nodes drawn as boxes of their own, in order (not folded, not inside a group)."""
        return (node for node in self.order if node not in self.group and node not in self.folded)

    def wires(self) -> Iterator[Wire]:
        """Every wire in order; a wire into or out of a group is drawn once."""
        return _wires(self.order, self.folded, self.group, self.box_id, self.gate_id)

    def grad_state(self, node: Value) -> tuple[str, float]:
        """('final' | 'partial' | 'unknown', the gradient shown) for one node. The root's
        gradient, once given, is final: it is the seed ∂f/∂f, never a sum of parts."""
        if node in self.final or (node is self.root and node in self.grads):
            return FINAL, self.grads.get(node, self.final_grads.get(node, 0.0))
        if node in self.grads:
            return PARTIAL, self.grads[node]
        return UNKNOWN, 0.0

    def contribution(self, child: Value, position: int) -> float | None:
        """upstream × local along the wire into child's gate, once child's step has run."""
        if child not in self.sent:
            return None
        state, upstream = self.grad_state(child)
        if state != FINAL:
            return None
        return upstream * child.local_grads[position]


# ------------------------------------------------------------------------------------------------
# Working out the graph part
# ------------------------------------------------------------------------------------------------


def uses_of(order: Iterable[Value]) -> dict[Value, tuple[tuple[Value, int], ...]]:
    """node -> ``(child, position)`` of every wire leaving it, children in order."""
    uses: dict[Value, list[tuple[Value, int]]] = {}
    for child in order:
        uses.setdefault(child, [])
        for position, parent in enumerate(child.parents):
            uses.setdefault(parent, []).append((child, position))
    return {node: tuple(found) for node, found in uses.items()}


def _constants_to_fold(
    order: tuple[Value, ...],
    uses: Mapping[Value, tuple[tuple[Value, int], ...]],
    names: Mapping[Value, str],
) -> frozenset[Value]:
    """Unlabelled numbers used once by a gate that writes a constant in (add, mul, max), next to
    a non-constant input."""
    folded = set()
    for node in order:
        if node.gate is None or not node.gate.folds_constant:
            continue
        for parent in node.parents:
            others = [p for p in node.parents if p is not parent]
            if (
                not parent.parents
                and not parent.label
                and parent not in names
                and len(uses[parent]) == 1
                and any(p.parents or p.label for p in others)
            ):
                folded.add(parent)
    return frozenset(folded)


def _box_names(order: tuple[Value, ...], chosen: Mapping[Value, str]) -> dict[Value, str]:
    """tables.node_names, except that a constant's box shows only its value (no name)."""
    names = node_names(order, taken=chosen.values())
    for node in order:
        if not node.parents and not node.label:
            names[node] = ""
    return names


def _wires(order, folded, group, box_id, gate_id) -> Iterator[Wire]:
    group_wires: set[tuple[str, str]] = set()
    for node in order:
        if not node.parents or node in folded:
            continue
        grouped = node in group
        head = box_id(node) if grouped else gate_id(node)
        for position, parent in enumerate(node.parents):
            if parent in folded:
                continue
            tail = box_id(parent)
            if grouped or parent in group:
                if tail == head or (tail, head) in group_wires:
                    continue  # inside one group, or already drawn once
                group_wires.add((tail, head))
            yield Wire(tail, head, node, position)
        if not grouped:
            yield Wire(head, box_id(node), node, None)


def _size(
    order: tuple[Value, ...], folded: frozenset[Value], group: Mapping[Value, str]
) -> tuple[int, int]:
    """(boxes and circles, wires) of a picture with these nodes folded and grouped."""
    keys = list(dict.fromkeys(group.values()))

    def box_id(node: Value) -> str:
        key = group.get(node)
        return f"group{keys.index(key)}" if key is not None else f"v{id(node)}"

    def gate_id(node: Value) -> str:
        return f"g{id(node)}"

    nodes = len(keys)
    for node in order:
        if node not in group and node not in folded:
            nodes += 2 if node.parents else 1  # its box, and its gate's circle
    return nodes, sum(1 for _ in _wires(order, folded, group, box_id, gate_id))


def _choose_collapse(
    order: tuple[Value, ...],
    uses: Mapping[Value, tuple[tuple[Value, int], ...]],
    folded: frozenset[Value],
    collapse: str | None,
    max_nodes: int,
    collapse_above: int,
) -> tuple[str, dict[Value, str], dict[str, collapsing.Group]]:
    """(level, group, groups) to draw at, or GraphTooLargeError saying what to do instead.

    A picture may have ``max_nodes`` boxes and circles and twice as many wires. With
    ``collapse=None`` a graph of more than ``collapse_above`` Values is drawn by neuron, or by
    layer if that is still too large.
    """
    grouping: dict[str, dict[Value, str]] = {"none": {}}

    def size(level: str) -> tuple[int, int]:
        if level not in grouping:
            grouping[level] = collapsing.group_nodes(order, level)
        return _size(order, folded, grouping[level])

    sizes = {"none": size("none")}
    if collapse is None:
        level = "none"
        if len(order) > collapse_above:
            for candidate in collapsing.LEVELS:
                sizes[candidate] = size(candidate)
                if sizes[candidate] < sizes["none"]:
                    level = candidate
                    if _fits(sizes[candidate], max_nodes):
                        break
    else:
        level = collapse
        sizes.setdefault(level, size(level))
    if not _fits(sizes[level], max_nodes):
        for candidate in collapsing.LEVELS:
            sizes.setdefault(candidate, size(candidate))
        said = _too_large_message(len(order), sizes, level, max_nodes)
        raise error(GraphTooLargeError, said.key, **said.fields)
    group = grouping.get(level, {}) if level != "none" else {}
    groups = collapsing.summarize(order, group) if group else {}
    if not groups:
        return "none", {}, {}
    return level, group, groups


def _fits(size: tuple[int, int], max_nodes: int) -> bool:
    """At most max_nodes boxes and circles, and at most twice as many wires."""
    nodes, wires = size
    return nodes <= max_nodes and wires <= 2 * max_nodes


def _too_large_message(
    count: int, sizes: dict[str, tuple[int, int]], level: str, max_nodes: int
) -> Words:
    """What to do about a picture too large to draw: collapse it, draw less, or raise the limit
    (the catalogs' ``viz.large``, in any language)."""
    options = tuple(
        Words("viz.large.option", fields={
            "level": candidate, "nodes": f"{sizes[candidate][0]:,}",
            "wires": f"{sizes[candidate][1]:,}",
        })
        for candidate in collapsing.LEVELS
        if sizes[candidate] < sizes["none"] and candidate != level
    )  # fmt: skip
    how = (
        Words("viz.large.how", fields={"options": Listed(options, "or")})
        if options
        else Words("viz.large.nothing")
    )
    nodes, wires = sizes[level]
    by = (
        ""
        if level == "none"
        else Words("viz.large.by", fields={"level": Words(f"collapse.{level}")})
    )
    return Words("viz.large", fields={
        "count": f"{count:,}", "nodes": f"{nodes:,}", "wires": f"{wires:,}", "by": by,
        "most": max_nodes, "twice": 2 * max_nodes, "how": how,
        "raise_to": max(nodes, (wires + 1) // 2),
    })  # fmt: skip


# ------------------------------------------------------------------------------------------------
# Checking options
# ------------------------------------------------------------------------------------------------


def check_decimals(decimals: object, name: str = "precision") -> None:
    """How many decimals a picture may print: a whole number from 0 to 15 (a float holds 15 to 17
    significant digits, so more would print noise). ``name`` is the caller's word for it."""
    if not is_integer(decimals) or not 0 <= decimals <= 15:
        raise error(ValueError, "viz.decimals", name=name, got=repr(decimals))


def _check_options(root, mode, rankdir, precision, collapse, max_nodes, collapse_above) -> None:
    if not isinstance(root, Value):
        raise error(TypeError, "viz.needs_value", got=type(root).__name__)
    for name, given, choices in (
        ("mode", mode, MODES), ("rankdir", rankdir, RANKDIRS)
    ):  # fmt: skip
        if given not in choices:
            raise error(ValueError, "check.one_of", name=name, choices=choices, got=repr(given))
    check_decimals(precision)
    if collapse not in COLLAPSE_CHOICES:
        raise error(
            ValueError,
            "check.one_of",
            name="collapse",
            choices=COLLAPSE_CHOICES,
            got=repr(collapse),
        )
    for name, limit in (("max_nodes", max_nodes), ("collapse_above", collapse_above)):
        if not is_integer(limit) or limit < 1:
            raise error(ValueError, "viz.positive_whole", name=name, got=repr(limit))


def _node_set(nodes: Iterable[Value], option: str) -> frozenset[Value]:
    found = frozenset(nodes)
    for node in found:
        if not isinstance(node, Value):
            got = f"{type(node).__name__}: {node!r}"
            raise error(TypeError, "viz.must_hold_values", name=option, got=got)
    return found


def _edge_set(edges: Iterable[tuple[Value, Value]]) -> frozenset[tuple[Value, Value]]:
    pairs = set()
    for edge in edges:
        if not (
            isinstance(edge, tuple)
            and len(edge) == 2
            and all(isinstance(end, Value) for end in edge)
        ):
            raise error(TypeError, "viz.edge_pairs", got=repr(edge))
        pairs.add(edge)
    return frozenset(pairs)


def _names_by_node(names: Mapping[Any, Any] | None) -> dict[Value, str]:
    """{node: name} from either {node: name} or {name: node} (entries of other kinds are skipped)."""
    by_node: dict[Value, str] = {}
    for key, value in (names or {}).items():
        if isinstance(key, Value) and isinstance(value, str):
            by_node[key] = value
        elif isinstance(value, Value) and isinstance(key, str) and not key.startswith("_"):
            by_node.setdefault(value, key)
    return by_node
