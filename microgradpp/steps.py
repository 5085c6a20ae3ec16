"""Backward, one step at a time: the engine's chain-rule loop, replayed for a classroom.

``Value.backward()`` visits the nodes children-first and, at each node, runs

    parent.grad += local_grad * node.grad        for each of the node's parents.

:func:`backward_steps` walks the very same order and does the very same arithmetic, but instead
of writing ``.grad`` it yields one :class:`BackwardStep` per gate node: the node, the gradient
arriving from above (upstream), and for each parent its local derivative, the contribution, and
the parent's gradient so far. ``tests/test_steps.py`` checks the numbers equal ``backward()``'s bit
for bit.

    >>> from microgradpp import Value
    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> q = x + y; q.label = "q"
    >>> f = q * z; f.label = "f"
    >>> for step in backward_steps(f):
    ...     print(step.caption())
    Step 1 of 2: f = q × z. A mul gate swaps its inputs: each input's local derivative is the other input.
    ∂f/∂q = z · ∂f/∂f = −4 · 1 = −4
    ∂f/∂z = q · ∂f/∂f = 3 · 1 = 3
    Step 2 of 2: q = x + y. An add gate distributes the gradient: each input gets ∂f/∂q unchanged.
    ∂f/∂x = 1 · ∂f/∂q = 1 · −4 = −4
    ∂f/∂y = 1 · ∂f/∂q = 1 · −4 = −4
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .engine import Value, topological_order
from .tables import format_number, node_names

MINUS = "\u2212"  # the typographic minus sign: "−4" reads better than "-4" on a projector


@dataclass(frozen=True, eq=False)
class Contribution:
    """What one edge node → parent carries in one step of backward."""

    parent: Value
    local_grad: float
    """∂node/∂parent, computed by the gate in the forward pass."""
    contribution: float
    """local_grad · upstream: this edge's share of ∂root/∂parent (the chain rule)."""
    grad_before: float
    """∂root/∂parent summed over the edges handled before this one."""
    grad_after: float
    """grad_before + contribution: the parent's gradient so far."""
    accumulates: bool
    """True when the parent had already received a gradient along another edge (reuse: +=)."""


@dataclass(frozen=True, eq=False)
class BackwardStep:
    """One step of backward: a gate node hands its gradient on to its parents."""

    index: int
    """1 for the first step (the root), up to ``total``."""
    total: int
    node: Value
    root: Value
    upstream: float
    """∂root/∂node: complete by now, since every child of node has been handled."""
    contributions: tuple[Contribution, ...]
    names: Mapping[Value, str] = field(repr=False)
    """A name for every node of the graph (labels, or ``n3``-style names, see tables.node_names)."""

    def caption(self, digits: int = 4) -> str:
        """The step in words and numbers: a headline, then one line per parent (chain rule)."""
        return "\n".join([self.headline(digits), *self.chain_rule_lines(digits)])

    def headline(self, digits: int = 4) -> str:
        """'Step 1 of 2: f = q × z. A mul gate swaps its inputs: ...'."""
        return (
            f"Step {self.index} of {self.total}: {self.equation()}. {gate_sentence(self, digits)}"
        )

    def equation(self) -> str:
        """How the node was computed, with names: 'f = q × z', 'n6 = exp(n5)'."""
        name = self.names[self.node]
        inputs = [self.names[parent] for parent in self.node.parents]
        gate = self.node.gate
        if gate.name in ("add", "mul", "max") and len(inputs) == 2:
            if gate.name == "max":
                return f"{name} = max({inputs[0]}, {inputs[1]})"
            return f"{name} = {inputs[0]} {gate.symbol} {inputs[1]}"
        if gate.name == "sum":
            return f"{name} = " + " + ".join(inputs)
        if gate.name == "linear":
            products = [f"{w}·{x}" for w, x in zip(inputs[1::2], inputs[2::2])]
            return f"{name} = " + " + ".join([inputs[0], *products])
        if gate.name == "reciprocal":
            return f"{name} = 1/{_grouped(inputs[0])}"
        if gate.name == "pow":
            return f"{name} = {_grouped(inputs[0])}{gate.symbol}"
        return f"{name} = {gate.symbol}({', '.join(inputs)})"

    def chain_rule_lines(self, digits: int = 4) -> list[str]:
        """'∂f/∂x = z · ∂f/∂q = −4 · 1 = −4' for each parent."""
        num = _number_formatter(digits)
        root, node = _grouped(self.names[self.root]), _grouped(self.names[self.node])
        lines = []
        for i, edge in enumerate(self.contributions):
            parent = _grouped(self.names[edge.parent])
            local = local_symbol(self, i, digits)
            line = (
                f"∂{root}/∂{parent} {'+=' if edge.accumulates else '='} {local} · ∂{root}/∂{node}"
                f" = {num(edge.local_grad)} · {num(self.upstream)} = {num(edge.contribution)}"
            )
            if edge.accumulates:
                line += (
                    f", so ∂{root}/∂{parent} is now {num(edge.grad_before)} + "
                    f"{num(edge.contribution)} = {num(edge.grad_after)}"
                )
            lines.append(line)
        return lines


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Yield the steps ``root.backward(grad)`` takes, in its order, without touching ``.grad``.

    Gradients start from zero (as after ``zero_grad()``), so after the last step each
    ``grad_after`` is exactly the ``.grad`` that ``backward()`` leaves on that node.
    """
    order = topological_order(root)
    names = {
        node: name.replace("-", MINUS) if not (node.label or node.parents) else name
        for node, name in node_names(order).items()
    }
    grads = dict.fromkeys(order, 0.0)
    received = dict.fromkeys(order, False)
    grads[root] += float(grad)
    gate_nodes = [node for node in reversed(order) if node.parents]  # children before parents
    for index, node in enumerate(gate_nodes, start=1):
        upstream = grads[node]
        contributions = []
        for parent, local_grad in zip(node.parents, node.local_grads):
            contribution = local_grad * upstream  # the chain rule, as in Value.backward
            before = grads[parent]
            grads[parent] = before + contribution
            contributions.append(
                Contribution(
                    parent, local_grad, contribution, before, grads[parent], received[parent]
                )
            )
            received[parent] = True
        yield BackwardStep(
            index, len(gate_nodes), node, root, upstream, tuple(contributions), names
        )


# ------------------------------------------------------------------------------------------------
# Words for each gate
# ------------------------------------------------------------------------------------------------


def gate_sentence(step: BackwardStep, digits: int = 4) -> str:
    """What this kind of gate does to the gradient, in one sentence with the step's numbers."""
    num = _number_formatter(digits)
    node, gate = step.node, step.node.gate
    name = _grouped(step.names[node])
    root = _grouped(step.names[step.root])
    xs = [parent.data for parent in node.parents]
    local = step.contributions[0].local_grad
    if gate.name in ("add", "sum"):
        return (
            f"An {gate.name} gate distributes the gradient: "
            f"each input gets ∂{root}/∂{name} unchanged."
        )
    if gate.name == "mul":
        return "A mul gate swaps its inputs: each input's local derivative is the other input."
    if gate.name == "max":
        a, b = (step.names[parent] for parent in node.parents)
        if xs[0] == xs[1]:
            return f"A max gate with a tie ({a} = {b} = {num(xs[0])}) splits the gradient ½/½."
        winner, loser = (a, b) if xs[0] > xs[1] else (b, a)
        return (
            f"A max gate routes the gradient to the larger input "
            f"({winner} = {num(max(xs))} > {loser} = {num(min(xs))}); {loser} gets 0."
        )
    if gate.name == "exp":
        return f"An exp gate: d/dx eˣ = eˣ, the gate's own output {num(node.data)}."
    if gate.name == "reciprocal":
        return f"A 1/x gate: d/dx 1/x = −1/x² = −1/({num(xs[0])})² = {num(local)}."
    if gate.name == "log":
        return f"A log gate: d/dx ln x = 1/x = 1/{_grouped(num(xs[0]))} = {num(local)}."
    if gate.name == "pow":
        n = gate.exponent
        return (
            f"A power gate: d/dx xⁿ = n·xⁿ⁻¹ = {num(n)}·({num(xs[0])})^{num(n - 1)} = {num(local)}."
        )
    if gate.name == "relu":
        if xs[0] > 0.0:
            return f"A relu gate lets the gradient through: its input {num(xs[0])} > 0."
        return f"A relu gate blocks the gradient: its input {num(xs[0])} ≤ 0, so relu' = 0."
    if gate.name == "tanh":
        return f"A tanh gate: d/dx tanh x = 1 − tanh²x = 1 − ({num(node.data)})² = {num(local)}."
    if gate.name == "sigmoid":
        out = num(node.data)
        return f"A sigmoid gate: dσ/dx = σ·(1 − σ) = {out}·(1 − {out}) = {num(local)}."
    if gate.name == "linear":
        return (
            "A linear gate b + Σ wᵢxᵢ: the bias gets the gradient unchanged, and each product "
            "swaps its inputs (∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ)."
        )
    return f"A {gate.name} gate: its local derivatives come from gates.py."


def local_symbol(step: BackwardStep, i: int, digits: int = 4) -> str:
    """∂node/∂parentᵢ written the way the textbook does: '1' for add, the other input for mul."""
    gate, parents = step.node.gate, step.node.parents
    names = step.names
    if gate.name in ("add", "sum") or (gate.name == "linear" and i == 0):
        return "1"
    if gate.name == "mul":
        return _grouped(names[parents[1 - i]])
    if gate.name == "linear":  # parents are b, w1, x1, w2, x2, ...: w pairs with the next x
        partner = i + 1 if i % 2 == 1 else i - 1
        return _grouped(names[parents[partner]])
    return _number_formatter(digits)(step.contributions[i].local_grad)


def _number_formatter(digits: int):
    def num(x: float) -> str:
        if math.isinf(x) or math.isnan(x):
            return str(x)
        return format_number(x, digits).replace("-", MINUS)

    return num


def _grouped(name: str) -> str:
    """Parentheses around a name that holds operators or spaces: ∂f/∂(x+y), but ∂f/∂x."""
    if name.isidentifier() or name.replace(".", "", 1).isdigit():
        return name
    return f"({name})"
