"""Worked examples: small graphs with a lesson each, by name.

    >>> from microgradpp.examples import EXAMPLES, get_example
    >>> list(EXAMPLES)
    ['add-mul', 'sigmoid-neuron', 'sigmoid-neuron-fused', 'max-circuit', 'two-layer', 'xor']
    >>> f = get_example("add-mul").run()          # build the graph and run backward()
    >>> f.data
    -12.0

Each example is a function that builds its graph with every node labelled, registered with a
title and the text of what it teaches. Some add an ``explain(root)`` that prints more after the
table (``two-layer`` prints the four equations of backpropagation, BP1–BP4, with its numbers).
The numbers of the first four are those of the cs231n notes on backpropagation.

Every lesson's words, English included, are in the catalogs (``microgradpp/locale/<lang>.json``,
keys ``example.<name>.title``, ``example.<name>.teaches`` and ``example.<name>.*`` for what
``explain`` prints), the one home of the package's English: ``title_in(lang)``,
``teaches_in(lang)``, ``explain_in(root, lang)``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass

from .engine import Value, linear, sum_values, topological_order
from .i18n import Words, error, message, resolve_language
from .tables import format_number


def _say(key: str, lang: str | None, /, **fields: object) -> str:
    return message(key, lang, **fields)


@dataclass(frozen=True)
class Example:
    """A named graph and its lesson."""

    name: str
    build: Callable[[], Value]
    """Builds the graph (every node labelled) and returns its root; backward() is not run."""
    explain: Callable[..., str] | None = None
    """Optional: ``explain(root, lang="en")``, more text about the graph after backward(), e.g.
    the BP equations."""

    @property
    def title(self) -> str:
        """The title in English."""
        return self.title_in("en")

    @property
    def teaches(self) -> str:
        """What it teaches, in English."""
        return self.teaches_in("en")

    def title_in(self, lang: str | None = None) -> str:
        """The title in ``lang`` (None: the locale's language)."""
        return message(f"example.{self.name}.title", lang)

    def teaches_in(self, lang: str | None = None) -> str:
        """What it teaches, in ``lang`` (None: the locale's language)."""
        return message(f"example.{self.name}.teaches", lang)

    def explain_in(self, root: Value, lang: str | None = None) -> str:
        """``explain(root)`` in ``lang`` ('' for an example without one)."""
        return "" if self.explain is None else self.explain(root, resolve_language(lang))

    def run(self) -> Value:
        """Build the graph, run ``backward()``, return the root."""
        root = self.build()
        root.backward()
        return root


EXAMPLES: dict[str, Example] = {}
"""The registry: name -> Example, in the order a course meets them."""


def register(
    name: str, explain: Callable[..., str] | None = None
) -> Callable[[Callable[[], Value]], Callable[[], Value]]:
    """Decorator: put the graph-building function in :data:`EXAMPLES` under ``name``; its title
    and lesson are the catalogs' ``example.<name>.title`` and ``example.<name>.teaches``."""

    def decorator(build: Callable[[], Value]) -> Callable[[], Value]:
        message(f"example.{name}.title", "en")  # (a missing lesson fails at import, not in class)
        message(f"example.{name}.teaches", "en")
        EXAMPLES[name] = Example(name, build, explain)
        return build

    return decorator


def get_example(name: str) -> Example:
    """The example called ``name``; a ValueError listing the names (and a close match) if none."""
    try:
        return EXAMPLES[name]
    except KeyError:
        close = difflib.get_close_matches(name, EXAMPLES, n=1)
        hint = Words("cli.error.did_you_mean", fields={"name": repr(close[0])}) if close else ""
        raise error(
            ValueError,
            "cli.error.no_example",
            name=repr(name),
            hint=hint,
            names=", ".join(EXAMPLES),
        ) from None


def nodes_by_label(root: Value) -> dict[str, Value]:
    """The labelled nodes of root's graph, by label."""
    return {node.label: node for node in topological_order(root) if node.label}


def _named(value: Value, label: str) -> Value:
    value.label = label
    return value


def _leaves(**values: float) -> list[Value]:
    return [Value(value, label=name) for name, value in values.items()]


# ------------------------------------------------------------------------------------------------
# The gates one at a time (cs231n, "backpropagation, intuitions")
# ------------------------------------------------------------------------------------------------


@register("add-mul")
def add_mul() -> Value:
    x, y, z = _leaves(x=-2.0, y=5.0, z=-4.0)
    q = _named(x + y, "q")
    return _named(q * z, "f")


@register("sigmoid-neuron")
def sigmoid_neuron() -> Value:
    w0, x0, w1, x1, w2 = _leaves(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    p0 = _named(w0 * x0, "p0")  # -2
    p1 = _named(w1 * x1, "p1")  # 6
    s = _named(p0 + p1, "s")  # 4
    z = _named(s + w2, "z")  # 1
    u = _named(z * -1.0, "u")  # -1     (u = -z)
    e = _named(u.exp(), "e")  # 0.37
    d = _named(e + 1.0, "d")  # 1.37
    return _named(d.reciprocal(), "f")  # 0.73


def _explain_fused(root: Value, lang: str | None = "en") -> str:
    sigma = root.data
    z = nodes_by_label(root)["z"]
    return (
        f"{_say('example.sigmoid-neuron-fused.explain', lang)}\n"
        f"  dσ/dz = σ(z)·(1 − σ(z)) = {sigma:.10f} · {1 - sigma:.10f} = {sigma * (1 - sigma):.10f}"
        f"\n{_say('example.sigmoid-neuron-fused.same', lang, grad=f'{z.grad:.10f}')}"
    )


@register("sigmoid-neuron-fused", explain=_explain_fused)
def sigmoid_neuron_fused() -> Value:
    w0, x0, w1, x1, w2 = _leaves(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    p0 = _named(w0 * x0, "p0")
    p1 = _named(w1 * x1, "p1")
    s = _named(p0 + p1, "s")
    z = _named(s + w2, "z")
    return _named(z.sigmoid(), "f")


@register("max-circuit")
def max_circuit() -> Value:
    x, y, z, w = _leaves(x=3.0, y=-4.0, z=2.0, w=-1.0)
    p = _named(x * y, "p")
    m = _named(z.max(w), "m")
    s = _named(p + m, "s")
    return _named(s * 2.0, "f")


# ------------------------------------------------------------------------------------------------
# Networks
# ------------------------------------------------------------------------------------------------

TWO_LAYER_INPUTS = (1.0, 0.5)
TWO_LAYER_W1 = ((0.2, -0.4), (0.7, 0.1))  # W1[j][k]: from input k to hidden neuron j
TWO_LAYER_B1 = (0.1, -0.3)
TWO_LAYER_W2 = (0.6, -0.9)  # from hidden neuron k to the output
TWO_LAYER_B2 = 0.05
TWO_LAYER_TARGET = 1.0


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _explain_two_layer(root: Value, lang: str | None = "en") -> str:
    """BP1–BP4 (Nielsen, ch. 2) computed from the formulas with plain floats, next to backward()."""
    node = nodes_by_label(root)
    x = TWO_LAYER_INPUTS
    z1 = [b + sum(w * xk for w, xk in zip(row, x)) for row, b in zip(TWO_LAYER_W1, TWO_LAYER_B1)]
    a1 = [_sigmoid(z) for z in z1]
    a2 = TWO_LAYER_B2 + sum(w * a for w, a in zip(TWO_LAYER_W2, a1))
    delta2 = (a2 - TWO_LAYER_TARGET) * 1.0  # BP1, with a linear output: σ' is replaced by 1
    delta1 = [w * delta2 * a * (1 - a) for w, a in zip(TWO_LAYER_W2, a1)]  # BP2

    def n(value: float) -> str:
        return format_number(value, 6)

    def agree(formula: float, engine: float) -> str:
        same = math.isclose(formula, engine, rel_tol=1e-12, abs_tol=1e-15)
        return _say("example.agrees" if same else "example.differs", lang, value=n(engine))

    lines = [
        _say("example.two-layer.equations", lang),
        _say("example.two-layer.bp1", lang),
        f"       = ({n(a2)} − {n(TWO_LAYER_TARGET)}) = {n(delta2)}        "
        f"{agree(delta2, node['a2'].grad)}",
        "BP2  δ1_j = (W2ᵀ δ2)_j · σ'(z1_j) = W2_j · δ2 · a1_j(1 − a1_j)",
    ]
    for j in range(2):
        lines.append(
            f"     δ1_{j + 1} = {n(TWO_LAYER_W2[j])} · {n(delta2)} · {n(a1[j])}·(1 − {n(a1[j])})"
            f" = {n(delta1[j])}        {agree(delta1[j], node[f'z1_{j + 1}'].grad)}"
        )
    lines.append(_say("example.two-layer.bp3", lang))
    lines.append(f"     ∂C/∂b2 = δ2 = {n(delta2)}        {agree(delta2, node['b2'].grad)}")
    for j in range(2):
        lines.append(
            f"     ∂C/∂b1_{j + 1} = δ1_{j + 1} = {n(delta1[j])}        "
            f"{agree(delta1[j], node[f'b1_{j + 1}'].grad)}"
        )
    lines.append(_say("example.two-layer.bp4", lang))
    for k in range(2):
        grad = a1[k] * delta2
        lines.append(
            f"     ∂C/∂w2_{k + 1} = a1_{k + 1} · δ2 = {n(a1[k])} · {n(delta2)} = {n(grad)}"
            f"        {agree(grad, node[f'w2_{k + 1}'].grad)}"
        )
    for j in range(2):
        for k in range(2):
            grad = x[k] * delta1[j]
            lines.append(
                f"     ∂C/∂w1_{j + 1}{k + 1} = x{k + 1} · δ1_{j + 1} = {n(x[k])} · "
                f"{n(delta1[j])} = {n(grad)}        "
                f"{agree(grad, node[f'w1_{j + 1}{k + 1}'].grad)}"
            )
    return "\n".join(lines)


@register("two-layer", explain=_explain_two_layer)
def two_layer() -> Value:
    x = [Value(v, label=f"x{k + 1}") for k, v in enumerate(TWO_LAYER_INPUTS)]
    hidden = []
    for j, (row, bias) in enumerate(zip(TWO_LAYER_W1, TWO_LAYER_B1), start=1):
        weights = [Value(w, label=f"w1_{j}{k}") for k, w in enumerate(row, start=1)]
        z = _named(linear(weights, x, Value(bias, label=f"b1_{j}")), f"z1_{j}")
        hidden.append(_named(z.sigmoid(), f"a1_{j}"))
    w2 = [Value(w, label=f"w2_{k}") for k, w in enumerate(TWO_LAYER_W2, start=1)]
    a2 = _named(linear(w2, hidden, Value(TWO_LAYER_B2, label="b2")), "a2")  # a2 = z2: linear
    y = Value(TWO_LAYER_TARGET, label="y")
    error = _named(a2 + _named(y * -1.0, "-y"), "a2-y")
    return _named(_named(error**2, "(a2-y)²") * 0.5, "C")


XOR_POINTS = (((0.0, 0.0), 0.0), ((0.0, 1.0), 1.0), ((1.0, 0.0), 1.0), ((1.0, 1.0), 0.0))
XOR_W1 = ((2.0, 2.0), (-2.0, -2.0))
XOR_B1 = (-1.0, 3.0)
XOR_W2 = (0.5, 0.5)
XOR_B2 = -0.25


@register("xor")
def xor() -> Value:
    w1 = [
        [Value(w, label=f"w1_{j}{k}") for k, w in enumerate(row, start=1)]
        for j, row in enumerate(XOR_W1, start=1)
    ]
    b1 = [Value(b, label=f"b1_{j}") for j, b in enumerate(XOR_B1, start=1)]
    w2 = [Value(w, label=f"w2_{k}") for k, w in enumerate(XOR_W2, start=1)]
    b2 = Value(XOR_B2, label="b2")
    squared_errors = []
    for i, ((x1, x2), target) in enumerate(XOR_POINTS, start=1):
        x = [Value(x1, label=f"x{i}_1"), Value(x2, label=f"x{i}_2")]
        hidden = [
            _named(_named(linear(w1[j], x, b1[j]), f"z{i}_{j + 1}").tanh(), f"h{i}_{j + 1}")
            for j in range(2)
        ]
        out = _named(linear(w2, hidden, b2), f"out{i}")
        negative_target = _named(Value(target, label=f"t{i}") * -1.0, f"-t{i}")
        error = _named(out + negative_target, f"e{i}")  # out - target
        squared_errors.append(_named(error**2, f"e{i}²"))
    total = _named(sum_values(squared_errors), "Σe²")
    return _named(total * 0.25, "loss")
