"""Step 2, schedule: give every node of the traced graph a level and a place, and group the
nodes into numpy operations.

A node's *level* is its depth: leaves 0, a gate node one more than its deepest input. Nodes on the
same level with the same gate and the same kinds of inputs do not depend on each other, so one
numpy operation (``ops.py``) computes all of them. A layer of ``linear`` neurons that read the same
inputs becomes one matrix product ``W @ X + b`` on a slice of the parameter vector. The cost grows
with depth × gate kinds, not with the number of nodes.

Places (``slot``): the parameters are entries of P, the input leaves rows of Xin, the target
leaves the first rows of V, then every gate node a row of V (grouped nodes on consecutive rows),
and any other leaf an entry of C (a constant such as the 1 in 1 − p).

Two lists of operations: ``ops``, every traced node (``show_sample`` needs each one's value and
gradient), and ``fast_ops``, what a training run replays: the model's operations, then a named
loss's nodes as one fused operation (``ops.FUSED_LOSSES``) where it has one. A layer of neurons
whose weights and bias nothing else reads *owns* them: its backward writes their gradients
straight into gP instead of adding to zeros.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import chain, count, repeat
from typing import Any

import numpy as np

from ..engine import Value
from ..errors import CompiledError
from ..gates import GATES
from ..i18n import error
from .ops import (
    CONSTANT,
    FUSED_LOSSES,
    INPUT,
    PARAMETER,
    ROW,
    Arrays,
    Block,
    GateOp,
    LinearBlockOp,
    MatmulOp,
    ReluOp,
    Source,
    SumBlockOp,
)
from .trace import Trace, gate_nodes

_LINEAR, _SUM, _RELU = GATES["linear"], GATES["sum"], GATES["relu"]


class Schedule:
    """The traced graph laid out for numpy.

    ``gate_nodes`` (topological order), ``constants``, ``slot`` (id of a node → (kind, index)),
    ``ops`` (level by level), ``fast_ops``, ``rows`` (of V), ``levels``, ``node_count``,
    ``root_row`` (the loss), ``output_slots`` (the model's outputs) and ``unowned`` (the entries
    of gP a backward must zero first). ``arrays`` holds P and gP already: a matrix product's
    weights are a strided view of them. ``loss``: the name of the loss (a fused form if it has
    one), or None.
    """

    def __init__(
        self, trace: Trace, parameters: list[Value], arrays: Arrays, loss: str | None = None
    ) -> None:
        # Leaves: the parameters, inputs and targets are known in advance (dicts built at C speed:
        # a 784-128-10 network has 10⁵ parameters); any other leaf is a constant.
        param_ids = list(map(id, parameters))
        input_ids = list(map(id, trace.inputs))
        target_ids = list(map(id, trace.targets))
        roots = [trace.loss, *trace.outputs]  # outputs too: a loss may not read all of them
        self.gate_nodes, self.constants, reached = gate_nodes(
            roots, {*param_ids, *input_ids, *target_ids}
        )
        self.node_count = len(self.gate_nodes) + len(reached) + len(self.constants)
        slot: dict[int, tuple[str, int]] = dict(zip(param_ids, zip(repeat(PARAMETER), count())))
        slot.update(zip(input_ids, zip(repeat(INPUT), count())))
        slot.update(zip(target_ids, zip(repeat(ROW), count())))
        kind = dict.fromkeys(param_ids, PARAMETER)
        kind.update(dict.fromkeys(input_ids, INPUT))
        kind.update(dict.fromkeys(target_ids, ROW))
        depth = dict.fromkeys(slot, 0)  # the level: leaves 0, a gate node 1 + its deepest input's
        requires = dict.fromkeys(slot, False)  # does a parameter's gradient flow through it?
        requires.update(dict.fromkeys(param_ids, True))
        for i, node in enumerate(self.constants):
            slot[id(node)] = (CONSTANT, i)
            depth[id(node)], requires[id(node)], kind[id(node)] = 0, False, CONSTANT
        # The loss's own nodes (below the loss, not below an output): a fused loss replaces them.
        fused = FUSED_LOSSES.get(loss) if loss is not None else None
        in_model = _below(trace.outputs, param_ids) if fused is not None else set()
        # Group the gate nodes by (level, gate, kinds of inputs, loss node or not); a layer of
        # linear nodes with parameter weights reading the same per-sample inputs is one group
        # (a matrix product).
        groups: dict[tuple, list[Value]] = {}
        for node in self.gate_nodes:
            key = id(node)
            ids = list(map(id, node.parents))  # map(): C speed, the graph can have 10⁵ edges
            level = 1 + max(map(depth.__getitem__, ids))
            depth[key], kind[key] = level, ROW
            requires[key] = any(map(requires.__getitem__, ids))
            of_loss = fused is not None and key not in in_model
            group: tuple = (level, id(node.gate), tuple(map(kind.__getitem__, ids)), of_loss)
            if node.gate is _LINEAR and _is_layer_pattern(group[2]):
                group += (tuple(ids[2::2]),)
            groups.setdefault(group, []).append(node)
        # How many times each node is read (an edge of the graph): a parameter read once has one
        # reader to own its gradient, a row read by one operation gets its gradient written.
        reads = Counter(map(id, chain.from_iterable(node.parents for node in self.gate_nodes)))
        self.rows = len(trace.targets)  # V: the target leaves, then every gate node
        self.ops: list[Any] = []
        model_ops: list[Any] = []  # the operations of nodes that are not the loss's own
        for group_key in sorted(groups, key=lambda k: k[0]):  # stable: first-seen order in a level
            nodes = groups[group_key]
            rows = slice(self.rows, self.rows + len(nodes))
            for i, node in enumerate(nodes):
                slot[id(node)] = (ROW, self.rows + i)
            self.rows += len(nodes)
            self.ops.append(_make_op(nodes, rows, group_key[2], slot, requires, arrays, reads))
            if not group_key[3]:
                model_ops.append(self.ops[-1])
        self.slot = slot
        self.levels = max(depth.values())
        root_kind, self.root_row = slot[id(trace.loss)]
        if root_kind != ROW or not self.gate_nodes:
            raise error(CompiledError, "compiled.sample_free")
        self.output_slots = [slot[id(v)] for v in trace.outputs]
        self.fast_ops = self.ops
        if fused is not None and all(k == ROW for k, _ in self.output_slots):
            outputs = Source(ROW, [i for _, i in self.output_slots], True)
            targets = slice(0, len(trace.targets))
            self.fast_ops = [*model_ops, fused(self.root_row, outputs, targets)]
        self.unowned = _give_ownership(reads, param_ids, self.ops)


def rows_to_zero(ops: list[Any], rows: int) -> list[slice]:
    """The rows of gV a backward through ``ops`` must zero first: every row but those that one
    operation alone reads (``Source.sole``), which get their gradient written."""
    written = np.zeros(rows, dtype=bool)
    for op in ops:
        for source in [*getattr(op, "sources", ()), getattr(op, "x", None)]:
            if source is not None and source.sole and source.kind == ROW:
                written[source.take] = True
    return _runs(~written)


def rows_to_check(ops: list[Any], rows: int) -> list[slice]:
    """The rows of V whose values a forward through ``ops`` must check are finite: those of the
    operations that numpy does not check (``flags``)."""
    unchecked = np.zeros(rows, dtype=bool)
    for op in ops:
        if not op.flags:
            unchecked[op.rows] = True
    return _runs(unchecked)


def _runs(mask: Any) -> list[slice]:
    """The runs of True in a boolean array, as slices."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return [slice(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def _below(roots: list[Value], leaves: list[int]) -> set[int]:
    """The ids of the nodes at or below the roots (the model's part of the graph), not walking
    into the leaves listed (parameters: 10⁵ of them)."""
    known = set(leaves)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        parents = node.parents
        fresh = set(map(id, parents)) - known - seen
        stack += [p for p in parents if id(p) in fresh]
    return seen


def _give_ownership(edges: Counter, param_ids: list[int], ops: list[Any]) -> Any:
    """Let each matrix product whose weights and bias are read by no other node (one edge each)
    write their gradients instead of adding them; return the entries of gP no one owns (a
    backward zeroes them before adding)."""
    reads = np.fromiter(map(edges.get, param_ids, repeat(0)), np.intp, len(param_ids))
    owned = np.zeros(len(param_ids), dtype=bool)
    for op in ops:
        if isinstance(op, MatmulOp) and op.can_own():
            mine = np.concatenate([op.w_index.ravel(), op.bias.index])
            if (reads[mine] == 1).all():
                op.owns = True
                owned[mine] = True
    return np.flatnonzero(~owned)


def _sole(source: Source, parents: Sequence[Value], per_node: int, reads: Counter) -> bool:
    """True when the source's rows (of V or Xin, a slice) are read by nothing else: each of its
    nodes is read ``per_node`` times in all (once by each node of its group, or once)."""
    return (
        source.kind in (ROW, INPUT)
        and source.unique
        and isinstance(source.take, slice)
        and all(reads[id(p)] == per_node for p in parents)
    )


def _is_layer_pattern(kinds: tuple) -> bool:
    """b, w₁, x₁, w₂, x₂, …: bias and weights parameters, inputs per-sample rows."""
    return (
        kinds[0] == PARAMETER
        and all(k == PARAMETER for k in kinds[1::2])
        and len(set(kinds[2::2])) == 1
        and kinds[2] in (ROW, INPUT)
    )


def _make_op(
    nodes: list[Value],
    rows: slice,
    kinds: tuple,
    slot: dict,
    requires: dict,
    arrays: Arrays,
    reads: Counter,
) -> Any:
    """The numpy operation for a group of nodes: a matrix product for a layer of neurons, a
    block operation for wide linear/sum nodes, else the gate's numpy form on rows."""
    gate = nodes[0].gate
    assert gate is not None  # the nodes of a group were made by one gate
    arity = len(kinds)

    def source(j: int) -> Source:
        parents = [node.parents[j] for node in nodes]
        made = Source(
            kinds[j], [slot[id(p)][1] for p in parents], any(requires[id(p)] for p in parents)
        )
        made.sole = _sole(made, parents, 1, reads)
        return made

    def block(positions: range) -> Block:
        index = [[slot[id(node.parents[j])][1] for j in positions] for node in nodes]
        needed = any(requires[id(node.parents[j])] for node in nodes for j in positions)
        return Block(kinds[positions[0]], index, needed)

    if gate is _LINEAR and _is_layer_pattern(kinds):
        weights = [[slot[id(w)][1] for w in node.parents[1::2]] for node in nodes]
        if arity == 1:  # a neuron with no inputs: just its bias
            return GateOp(gate, rows, [source(0)])
        xs = nodes[0].parents[2::2]  # the same for every node of the group
        x_kind = slot[id(xs[0])][0]
        x = Source(x_kind, [slot[id(v)][1] for v in xs], any(requires[id(v)] for v in xs))
        x.sole = _sole(x, xs, len(nodes), reads)  # each input is read once by every neuron
        return MatmulOp(rows, weights, source(0), x, arrays)
    if gate is _LINEAR and arity >= 5:
        w_kinds, x_kinds = set(kinds[1::2]), set(kinds[2::2])
        if len(w_kinds) == 1 and len(x_kinds) == 1:
            return LinearBlockOp(
                rows, source(0), block(range(1, arity, 2)), block(range(2, arity, 2))
            )
    if gate is _SUM and arity >= 4 and len(set(kinds)) == 1:
        return SumBlockOp(rows, block(range(arity)))
    sources = [source(j) for j in range(arity)]
    if gate is _RELU and sources[0].kind == ROW:
        return ReluOp(gate, rows, sources)
    return GateOp(gate, rows, sources)
