"""Backward, one step at a time: the engine's chain-rule loop, replayed, and each step in words.

``Value.backward()`` visits the nodes children-first and, at each node, runs

    parent.grad += local_grad * node.grad        for each of the node's parents.

:func:`backward_steps` walks the very same order and does the very same arithmetic, but instead
of writing ``.grad`` it yields one :class:`BackwardStep` per gate node: the node, the gradient
arriving from above (upstream), and for each parent its local derivative, the contribution, and
the parent's gradient so far. ``tests/steps/test_steps.py`` checks the numbers equal ``backward()``'s bit
for bit. A step's :meth:`~BackwardStep.caption` says it in words and numbers: the words come from
``microgradpp.messages``, what each gate says from the gate itself (``gates.py``).

This module is pure: no pictures, no files. ``steps.page`` builds the step-by-step page from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ..engine import Value, backward_order, topological_order
from ..formatting import MINUS  # the typographic minus sign: "−4" reads better than "-4"
from ..gates import is_atom
from ..i18n import resolve_language
from ..messages import text
from ..tables import format_number, gate_of, node_names


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

    def caption(self, digits: int = 4, numbered: bool = True, lang: str | None = None) -> str:
        """The step in words and numbers: a headline, then one line per parent (chain rule)."""
        lang = resolve_language(lang)  # (None: i18n.set_language's choice, else the locale's)
        lines = self.chain_rule_lines(digits, lang)
        return "\n".join([self.headline(digits, numbered, lang), *lines])

    def headline(self, digits: int = 4, numbered: bool = True, lang: str | None = None) -> str:
        """'Step 1 of 2: f = q × z. A mul gate swaps its inputs: ...'."""
        number = text("step.number", lang, index=self.index, total=self.total) if numbered else ""
        sentence = gate_sentence(self, digits, lang)
        return text(
            "step.headline", lang, number=number, equation=self.equation(), sentence=sentence
        )

    def equation(self) -> str:
        """How the node was computed, with names: 'f = q × z', 'e = exp(u)'; a node named by its
        own expression (``expr`` names nodes so) is said once: 'log(x)', not 'log(x) = log(x)'."""
        return equation(self.node, self.names)

    def chain_rule_lines(self, digits: int = 4, lang: str | None = None) -> list[str]:
        """'∂f/∂x = z · ∂f/∂q = −4 · 1 = −4' for each parent."""
        num = number_formatter(digits)
        root, node = derivative_name(self.names[self.root]), derivative_name(self.names[self.node])
        inputs = [self.names[parent] for parent in self.node.parents]
        lines = []
        for i, edge in enumerate(self.contributions):
            constant = not (edge.parent.parents or edge.parent.label)
            parent = derivative_name(self.names[edge.parent], constant)
            local = gate_of(self.node).local_symbol(i, inputs) or factor(num(edge.local_grad))
            line = (
                f"∂{root}/∂{parent} {'+=' if edge.accumulates else '='} {local} · ∂{root}/∂{node}"
                f" = {factor(num(edge.local_grad))} · {factor(num(self.upstream))}"
                f" = {num(edge.contribution)}"
            )
            if constant:
                line += text("step.constant", lang)
            if edge.accumulates:
                line += text(
                    "step.accumulates",
                    lang,
                    grad=f"∂{root}/∂{parent}",
                    before=num(edge.grad_before),
                    contribution=factor(num(edge.contribution)),
                    after=num(edge.grad_after),
                )
            lines.append(line)
        return lines


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[BackwardStep]:
    """Yield the steps ``root.backward(grad)`` takes, in its order, without touching ``.grad``.

    Gradients start from zero (as after ``zero_grad()``), so after the last step each
    ``grad_after`` is exactly the ``.grad`` that ``backward()`` leaves on that node.
    """
    return replay(root, topological_order(root), grad)


def replay(root: Value, order: Sequence[Value], grad: float = 1.0) -> Iterator[BackwardStep]:
    """:func:`backward_steps` over an order already worked out (``topological_order(root)``)."""
    names = step_names(order)
    grads = dict.fromkeys(order, 0.0)
    received = dict.fromkeys(order, False)
    grads[root] += float(grad)
    gate_nodes = backward_order(root)  # backward's own order: children before parents
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


def step_names(order: Sequence[Value]) -> dict[Value, str]:
    """tables.node_names, with a typographic minus in constants' names ('−1')."""
    return {
        node: name.replace("-", MINUS) if not (node.label or node.parents) else name
        for node, name in node_names(order).items()
    }


# ------------------------------------------------------------------------------------------------
# Words and formulas
# ------------------------------------------------------------------------------------------------


def gate_sentence(step: BackwardStep, digits: int = 4, lang: str | None = None) -> str:
    """What this kind of gate does to the gradient, in one sentence with the step's numbers.

    The gate says which sentence and which numbers (``Gate.explain``); the words come from the
    messages table; numbers are written here, all in one way.
    """
    num = number_formatter(digits)
    node = step.node
    inputs = [step.names[parent] for parent in node.parents]
    gate = gate_of(node)
    key, facts = gate.explain(inputs, [parent.data for parent in node.parents], node.data)
    shown = {
        name: num(value) if isinstance(value, float | int) else value
        for name, value in facts.items()
    }
    return text(
        key,
        lang,
        gate=gate.name,
        root=derivative_name(step.names[step.root]),
        node=derivative_name(step.names[node]),
        **shown,
    )


def equation(node: Value, names: Mapping[Value, str]) -> str:
    """'f = q × z'; just 'log(x)' when the node's name is its own expression."""
    expression = gate_of(node).expression([names[parent] for parent in node.parents])
    name = names[node]
    return name if name == expression else f"{name} = {expression}"


def forward_caption(node: Value, names: Mapping[Value, str], digits: int = 4) -> str:
    """'p0 = w0 × x0 = 2 × (−1) = −2': the node's equation with names, then with numbers."""
    num = number_formatter(digits)
    numbers = gate_of(node).expression([num(parent.data) for parent in node.parents])
    return f"{equation(node, names)} = {numbers} = {num(node.data)}"


def number_formatter(digits: int) -> Callable[[float], str]:
    """x -> its text with ``digits`` decimals and a typographic minus: −0.1966."""

    def num(x: float) -> str:
        return format_number(x, digits).replace("-", MINUS)

    return num


def factor(number: str) -> str:
    """A number as a factor in a product: '(−0.1966)' for a negative one, so '1 · (−4)'."""
    return f"({number})" if number.startswith(MINUS) else number


def derivative_name(name: str, constant: bool = False) -> str:
    """A name after ∂: '∂f/∂x', but '∂f/∂(x+y)', '∂f/∂(log(x))' and for a constant '∂f/∂(1)'."""
    return name if is_atom(name) and not constant else f"({name})"
