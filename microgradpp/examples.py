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

The English of every lesson is here, beside its graph; the other languages take theirs from the
catalogs (``microgradpp/locale/<lang>.json``, keys ``example.<name>.title`` and
``example.<name>.teaches``, and the keys of :data:`ENGLISH`): ``title_in(lang)``,
``teaches_in(lang)``, ``explain_in(root, lang)``.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass

from .engine import Value, linear, sum_values, topological_order
from .i18n import catalog, resolve_language
from .tables import format_number

ENGLISH: dict[str, str] = {
    "example.sigmoid-neuron-fused.explain": (
        "One sigmoid gate does the work of the four gates ×(−1), exp, +1, 1/x:"
    ),
    "example.sigmoid-neuron-fused.same": "  ∂f/∂z = {grad}, the same as in sigmoid-neuron.",
    "example.two-layer.equations": (
        "The four equations of backpropagation, with C = ½(a2 − y)², a1 = σ(z1), a2 = z2:"
    ),
    "example.two-layer.bp1": "BP1  δ2 = ∂C/∂z2 = (a2 − y) · 1                (the output is linear)",
    "example.two-layer.bp3": "BP3  ∂C/∂b = δ of the same neuron",
    "example.two-layer.bp4": "BP4  ∂C/∂w_jk = a_k (the input the weight multiplies) · δ_j",
    "example.agrees": "backward(): {value}  (agrees)",
    "example.differs": "backward(): {value}  (DIFFERS)",
}
"""The English of the sentences the examples' ``explain`` prints (other languages: catalogs)."""


def text(key: str, english: str, lang: str | None = "en", /, **fields: object) -> str:
    """The text ``key`` in ``lang`` (None: the locale's), English when the catalog lacks it."""
    lang = resolve_language(lang)
    template = english if lang == "en" else catalog(lang).get(key, english)
    return template.format(**fields) if fields else template


def _say(key: str, lang: str | None, /, **fields: object) -> str:
    return text(key, ENGLISH[key], lang, **fields)


@dataclass(frozen=True)
class Example:
    """A named graph and its lesson."""

    name: str
    title: str
    teaches: str
    build: Callable[[], Value]
    """Builds the graph (every node labelled) and returns its root; backward() is not run."""
    explain: Callable[..., str] | None = None
    """Optional: ``explain(root, lang="en")``, more text about the graph after backward(), e.g.
    the BP equations."""

    def title_in(self, lang: str | None = None) -> str:
        """The title in ``lang`` (None: the locale's language)."""
        return text(f"example.{self.name}.title", self.title, lang)

    def teaches_in(self, lang: str | None = None) -> str:
        """What it teaches, in ``lang`` (None: the locale's language)."""
        return text(f"example.{self.name}.teaches", self.teaches, lang)

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
    name: str, title: str, teaches: str, explain: Callable[..., str] | None = None
) -> Callable[[Callable[[], Value]], Callable[[], Value]]:
    """Decorator: put the graph-building function in :data:`EXAMPLES` under ``name``."""

    def decorator(build: Callable[[], Value]) -> Callable[[], Value]:
        EXAMPLES[name] = Example(name, title, teaches.strip(), build, explain)
        return build

    return decorator


def get_example(name: str) -> Example:
    """The example called ``name``; a ValueError listing the names (and a close match) if none."""
    try:
        return EXAMPLES[name]
    except KeyError:
        close = difflib.get_close_matches(name, EXAMPLES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(
            f"no example called {name!r}; {hint}the examples are: {', '.join(EXAMPLES)}"
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


@register(
    "add-mul",
    "f = (x + y) · z at x = −2, y = 5, z = −4",
    """
The smallest graph with two gates. Forward: q = x + y = 3, f = q·z = −12.
Backward starts with ∂f/∂f = 1. The mul gate swaps its inputs: ∂f/∂q = z = −4 and ∂f/∂z = q = 3.
The add gate distributes: x and y both get ∂f/∂q = −4 (chain rule: ∂f/∂x = ∂f/∂q · ∂q/∂x = −4 · 1).
""",
)
def add_mul() -> Value:
    x, y, z = _leaves(x=-2.0, y=5.0, z=-4.0)
    q = _named(x + y, "q")
    return _named(q * z, "f")


@register(
    "sigmoid-neuron",
    "a sigmoid neuron, gate by gate: f = 1 / (1 + exp(−(w0·x0 + w1·x1 + w2)))",
    """
The neuron of the cs231n figure at w0 = 2, x0 = −1, w1 = −3, x1 = −2, w2 = −3 (the bias), built
from primitive gates only: two ×, two +, ×(−1), exp, +1 and 1/x. Forward: −2, 6, 4, 1, −1, 0.37,
1.37, 0.73. Backward, one gate at a time: 1/x gives −1/1.37² = −0.53, +1 passes it on, exp
multiplies by e⁻¹ = 0.37 (−0.20), ×(−1) flips the sign (0.20), the adds copy 0.20 to each product
and to w2, and the muls swap: ∂f/∂w0 = x0·0.20 = −0.20, ∂f/∂x0 = w0·0.20 = 0.39,
∂f/∂w1 = −0.39, ∂f/∂x1 = −0.59, ∂f/∂w2 = 0.20.
""",
)
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


@register(
    "sigmoid-neuron-fused",
    "the same neuron with one sigmoid gate: f = σ(w0·x0 + w1·x1 + w2)",
    """
The same neuron and numbers as sigmoid-neuron, but σ is one gate whose local derivative is
σ(z)·(1 − σ(z)) = 0.73 · 0.27 = 0.20. Four steps of backward collapse into one, with the same
gradients: ∂f/∂w0 = −0.20, ∂f/∂x0 = 0.39, ∂f/∂w1 = −0.39, ∂f/∂x1 = −0.59, ∂f/∂w2 = 0.20.
That is why libraries fuse common circuits into single gates.
""",
    explain=_explain_fused,
)
def sigmoid_neuron_fused() -> Value:
    w0, x0, w1, x1, w2 = _leaves(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    p0 = _named(w0 * x0, "p0")
    p1 = _named(w1 * x1, "p1")
    s = _named(p0 + p1, "s")
    z = _named(s + w2, "z")
    return _named(z.sigmoid(), "f")


@register(
    "max-circuit",
    "f = 2 · (x·y + max(z, w)) at x = 3, y = −4, z = 2, w = −1",
    """
The three gates' characters side by side. Forward: x·y = −12, max(z, w) = 2, their sum −10,
f = −20. Backward: the ×2 gate gives its input 2. The add gate distributes 2 to both branches.
The max gate routes the gradient to the larger input: ∂f/∂z = 2 and ∂f/∂w = 0.
The mul gate swaps (scaled by the gradient): ∂f/∂x = y·2 = −8 and ∂f/∂y = x·2 = 6.
""",
)
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


@register(
    "two-layer",
    "a 2-2-1 network: sigmoid hidden layer, linear output, squared error C = ½(a2 − y)²",
    """
Backpropagation in a real (tiny) network. Each neuron's weighted input z is one linear gate
(b + Σ w·x); the hidden layer applies σ, the output is linear, and C = ½(a2 − y)² compares it
with the target y = 1. The gradient of C with respect to a neuron's z is its error δ. The four
equations BP1–BP4 compute δ layer by layer, from the output back to the input, and from δ every
weight's and bias's gradient: they are the chain rule that backward() runs node by node, written
per layer. The printout checks each equation against backward().
""",
    explain=_explain_two_layer,
)
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


@register(
    "xor",
    "XOR with a 2-2-1 tanh network: the mean squared error over all four points",
    """
XOR is not linearly separable: no single neuron can output 0, 1, 1, 0 for (0,0), (0,1), (1,0),
(1,1), but one hidden layer can (here roughly OR and NAND, combined by the output). The loss is
the mean of (out − target)² over the four points, so every weight is used four times: its
gradient is the sum of four contributions, one per point, which backward() accumulates with +=
(watch them arrive in the step-by-step page). These hand-set weights are a fair start, not a
solution; `microgradpp train xor` learns better ones.
""",
)
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


def english_texts() -> dict[str, str]:
    """Every English text of the examples by message id (the tests check each is translated)."""
    texts = dict(ENGLISH)
    for example in EXAMPLES.values():
        texts[f"example.{example.name}.title"] = example.title
        texts[f"example.{example.name}.teaches"] = example.teaches
    return texts
