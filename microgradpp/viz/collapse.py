"""Grouping a network's graph into neurons or layers, so a big graph still fits on a slide.

A network names its parameters ``layer.neuron.name`` (``nn.MLP`` writes ``layer1.neuron3.w0``,
``layer1.neuron3.b``). That is all this module needs: a node belongs to a neuron when

* it is one of the neuron's parameters (read from the label), or
* it is (a part of) the neuron's sum b + Σ wᵢxᵢ: every parameter among its parents belongs to
  that neuron (``linear``, or ``wᵢ·xᵢ``), or it adds up such parts (a gate with ``adds = True``),
  or
* it is the neuron's activation (a gate with ``activation = True``: relu, tanh, sigmoid) applied
  to that sum. Anything else after a neuron (a loss, (out - y)²) stays outside it.

Everything else (inputs, the loss) stays as it is. With ``level="layer"`` a neuron's group is its
layer, the part of the label before the first dot.

Any other graph (an expression, a network without such labels) can be grouped by **parts**
(``level="part"``): a part is a sub-expression, a gate together with the gates that feed it and
nothing else, up to ``PART_GATES`` gates. A graph that is a sum of terms (a loss over several
examples) has one part per term, however large (:func:`split_terms`; ``viz.split`` draws each
term on its own).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..engine import Value
from ..gates import GATES
from ..i18n import error
from ..tables import gate_of

LEVELS = ("neuron", "layer")
"""The levels of a network (read from parameter labels): what a big picture is collapsed to."""
PART = "part"
"""The level of sub-expressions, for any graph (:func:`group_parts`)."""
PART_GATES = 8
"""The most gates in one part (a term of a sum may have more): a part's box lists its gates."""
SMALLEST_PART = 3
"""A part of fewer gates is drawn as its gates: a box for two gates would hide, not help."""
_PARAMETER_LABEL = re.compile(r"^(?P<layer>[^.]+)\.(?P<neuron>[^.]+)\.[^.]+$")


def parameter_group(label: str, level: str) -> str | None:
    """'layer1.neuron3.w0' -> 'layer1.neuron3' (level 'neuron') or 'layer1' (level 'layer')."""
    match = _PARAMETER_LABEL.match(label)
    if match is None:
        return None
    if level == "layer":
        return match["layer"]
    return f"{match['layer']}.{match['neuron']}"


def layer_of(group: str) -> str:
    """The layer a neuron group belongs to: 'layer1.neuron3' -> 'layer1'."""
    return group.split(".", 1)[0]


@dataclass
class Group:
    """One neuron (or layer) of the picture: which nodes it hides and what to print on it."""

    key: str
    members: list[Value] = field(default_factory=list)
    parameters: list[Value] = field(default_factory=list)
    outputs: list[Value] = field(default_factory=list)
    """Members whose value leaves the group (a child outside it, or the root)."""

    @property
    def gate_symbols(self) -> list[str]:
        """The distinct gates inside, in order: ['b+Σwx', 'relu']."""
        symbols: list[str] = []
        for node in self.members:
            if node.gate is not None and node.gate.symbol not in symbols:
                symbols.append(node.gate.symbol)
        return symbols


def group_nodes(order: Sequence[Value], level: str) -> dict[Value, str]:
    """Each node of a network's graph that belongs to a neuron (or layer) -> that group's key.

    ``order`` is the graph in topological order, so parents are placed before their children.
    ``level="part"`` groups any graph by sub-expressions (:func:`group_parts`).
    """
    if level == PART:
        return group_parts(order)
    if level not in LEVELS:
        choices = (*LEVELS, PART)
        raise error(
            ValueError, "check.one_of", name="collapse level", choices=choices, got=repr(level)
        )
    group: dict[Value, str] = {}
    is_sum: set[Value] = set()  # nodes computing a neuron's b + Σ wᵢxᵢ (or a part of it)
    for node in order:
        if not node.parents:
            key = parameter_group(node.label, "neuron")
            if key is not None:
                group[node] = key
            continue
        parameter_keys = {group[p] for p in node.parents if not p.parents and p in group}
        if parameter_keys:  # b + Σ wᵢxᵢ as one linear node, or a product wᵢ·xᵢ
            if len(parameter_keys) == 1:
                group[node] = parameter_keys.pop()
                is_sum.add(node)
        elif gate_of(node).adds and all(p in is_sum for p in node.parents):
            keys = {group[p] for p in node.parents}  # adding up parts of one neuron's sum
            if len(keys) == 1:
                group[node] = keys.pop()
                is_sum.add(node)
        elif gate_of(node).activation and node.parents[0] in is_sum:
            group[node] = group[node.parents[0]]
    if level == "layer":
        return {node: layer_of(key) for node, key in group.items()}
    return group


def group_parts(order: Sequence[Value], most: int = PART_GATES) -> dict[Value, str]:
    """Each gate node of any graph -> the key of its part (a sub-expression), the key being the
    name of the part's output node (``tables.node_names``). An input (a leaf) used inside one
    part only belongs to it; an input shared by parts (a weight used by every example) stays
    outside, so its box shows what each part sends it.

    A gate takes in the gate parents that feed nothing else (their value is used by it alone),
    with everything they took in, while the part has at most ``most`` gates. It takes in the
    newest parent first and stops at the first it leaves out, so that a graph built by nested
    calls (an expression) has each part computed in one stretch, and backward, which visits the
    newest node first, goes through it in one stretch too. A parent left out ends a part of its
    own. The terms of a sum (a loss over examples, ``split.split_terms``) always end a part, and
    take in all their own sub-graph. Parts of fewer than ``SMALLEST_PART`` gates are not made.
    """
    from ..tables import node_names

    uses: dict[Value, int] = {}
    for node in order:
        for parent in node.parents:
            uses[parent] = uses.get(parent, 0) + 1
    terms = set(split_terms(order[-1])) if order else set()
    inside: dict[Value, list[Value]] = {}  # a gate -> the gates of its part so far (it last)
    closed: list[Value] = []  # the outputs of finished parts
    for node in order:
        if not node.parents:
            continue
        members = [node]
        limit = len(order) if terms else most  # a term is one part, however large
        taking = True  # newest parent first; after one is left out, older ones are too
        for parent in sorted(set(node.parents), key=lambda p: p.number, reverse=True):
            if not parent.parents:
                continue
            fits = len(members) + len(inside[parent]) <= limit
            taking = taking and uses[parent] == 1 and parent not in terms and fits
            if taking:
                members = inside.pop(parent) + members
            else:
                closed.append(parent)
        inside[node] = members
    if order and order[-1].parents:
        closed.append(order[-1])
    names = node_names(order)
    group: dict[Value, str] = {}
    for output in closed:
        members = inside.pop(output, [])
        if len(members) >= SMALLEST_PART:
            for member in members:
                group[member] = names[output]
    users: dict[Value, set[str]] = {}
    for node in order:
        for parent in node.parents:
            if not parent.parents:
                users.setdefault(parent, set()).add(group.get(node, ""))  # "": in no part
    for leaf, keys in users.items():  # an input used inside one part only belongs to it
        if len(keys) == 1 and "" not in keys:
            group[leaf] = next(iter(keys))
    return group


def split_terms(root: Value) -> list[Value]:
    """The terms whose sum root is, in order, or [] if root is not (a multiple of) a sum.

    From the root, follow products with a constant (× 0.25, a negation) down to the first gate
    that adds (+, Σ); its inputs, and the inputs of the adding gates among them (((a + b) + c) is
    a, b, c), are the terms. Constants added in are not terms. exp(a + b) is not a sum: [].
    """
    node = root
    while node.parents:
        moving = [parent for parent in node.parents if not _is_constant(parent)]
        if node.gate is not None and node.gate.adds and len(moving) >= 2:
            return _flatten(moving)
        if node.gate is not GATES["mul"] or len(moving) != 1:
            return []
        node = moving[0]
    return []


def _flatten(terms: list[Value]) -> list[Value]:
    """((a + b) + c, d) -> [a, b, c, d]: a partial sum (even a named one) is not a term."""
    flat: list[Value] = []
    stack = list(reversed(terms))
    while stack:
        term = stack.pop()
        if term.gate is not None and term.gate.adds:
            stack.extend(reversed([p for p in term.parents if not _is_constant(p)]))
        else:
            flat.append(term)
    return flat


def _is_constant(node: Value) -> bool:
    """An unlabelled number (x · 0.25): not an input anyone named."""
    return not node.parents and not node.label


def summarize(order: Sequence[Value], group: dict[Value, str]) -> dict[str, Group]:
    """The groups in order of first appearance, with members, parameters and outputs."""
    groups: dict[str, Group] = {}
    for node in order:
        key = group.get(node)
        if key is None:
            continue
        if key not in groups:
            groups[key] = Group(key)
        groups[key].members.append(node)
        if not node.parents:
            groups[key].parameters.append(node)
    leaves_group: set[Value] = set()
    for node in order:
        for parent in node.parents:
            key = group.get(parent)
            if key is not None and group.get(node) != key:
                leaves_group.add(parent)
    if order:
        leaves_group.add(order[-1])
    for g in groups.values():
        g.outputs = [node for node in g.members if node in leaves_group]
    return groups
