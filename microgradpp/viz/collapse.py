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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..engine import Value
from ..tables import gate_of

LEVELS = ("neuron", "layer")
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
    """
    if level not in LEVELS:
        raise ValueError(f"collapse level must be one of {LEVELS}, got {level!r}")
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
