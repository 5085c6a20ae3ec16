"""Backward, one step at a time: the engine's chain-rule loop, replayed for a classroom.

``Value.backward()`` visits the nodes children-first and, at each node, runs

    parent.grad += local_grad * node.grad        for each of the node's parents.

:func:`backward_steps` walks the very same order and does the very same arithmetic, but instead
of writing ``.grad`` it yields one :class:`BackwardStep` per gate node: the node, the gradient
arriving from above (upstream), and for each parent its local derivative, the contribution, and
the parent's gradient so far. ``tests/test_steps.py`` checks the numbers equal ``backward()``'s bit
for bit. :func:`render_steps` turns them into a page for the classroom: the forward pass, then one
frame per step, each a picture of the graph with a caption.

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
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from .engine import Value, topological_order
from .files import atomic_write
from .gates import Gate
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

    def caption(self, digits: int = 4, numbered: bool = True) -> str:
        """The step in words and numbers: a headline, then one line per parent (chain rule)."""
        return "\n".join([self.headline(digits, numbered), *self.chain_rule_lines(digits)])

    def headline(self, digits: int = 4, numbered: bool = True) -> str:
        """'Step 1 of 2: f = q × z. A mul gate swaps its inputs: ...'."""
        number = f"Step {self.index} of {self.total}: " if numbered else ""
        return f"{number}{self.equation()}. {gate_sentence(self, digits)}"

    def equation(self) -> str:
        """How the node was computed, with names: 'f = q × z', 'e = exp(u)'."""
        inputs = [self.names[parent] for parent in self.node.parents]
        return f"{self.names[self.node]} = {gate_expression(self.node.gate, inputs)}"

    def chain_rule_lines(self, digits: int = 4) -> list[str]:
        """'∂f/∂x = z · ∂f/∂q = −4 · 1 = −4' for each parent."""
        num = _number_formatter(digits)
        root, node = _grouped(self.names[self.root]), _grouped(self.names[self.node])
        lines = []
        for i, edge in enumerate(self.contributions):
            parent = _grouped(self.names[edge.parent])
            if not (edge.parent.parents or edge.parent.label):
                parent = f"({self.names[edge.parent]})"  # a constant: ∂f/∂(1), not ∂f/∂1
            local = local_symbol(self, i, digits)
            line = (
                f"∂{root}/∂{parent} {'+=' if edge.accumulates else '='} {local} · ∂{root}/∂{node}"
                f" = {num(edge.local_grad)} · {num(self.upstream)} = {num(edge.contribution)}"
            )
            if not (edge.parent.parents or edge.parent.label):
                line += "  (a constant: its gradient is not used)"
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


# ------------------------------------------------------------------------------------------------
# The step-by-step page
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """One page of the stepper: a picture of the graph in some state, and a caption."""

    id: str
    """The anchor: 'forward-0' … for the forward pass, 'step-0' (the seed) … 'step-n'."""
    title: str
    caption: str
    """Lines of text: the first is the headline."""
    values: frozenset[Value]
    """The nodes whose value is known in this frame."""
    grads: Mapping[Value, float]
    """The gradients known so far (possibly partial sums); other nodes show none yet."""
    highlight: frozenset[Value]
    """The node being computed (forward) or handing its gradient on (backward), and its parents."""
    final: frozenset[Value] = frozenset()
    """The nodes whose gradient is complete (backward frames)."""
    wires: frozenset[tuple[Value, Value]] = frozenset()
    """The (parent, node) wires of this step, drawn highlighted."""
    sent: frozenset[Value] = frozenset()
    """The nodes whose step has run: they have sent their gradient back along their wires."""

    @property
    def is_forward(self) -> bool:
        return self.id.startswith("forward-")


def forward_caption(node: Value, names: Mapping[Value, str], digits: int = 4) -> str:
    """'p0 = w0 × x0 = 2 × (−1) = −2': the node's equation with names, then with numbers."""
    num = _number_formatter(digits)
    names_used = [names[parent] for parent in node.parents]
    numbers = [num(parent.data) for parent in node.parents]
    return (
        f"{names[node]} = {gate_expression(node.gate, names_used)} = "
        f"{gate_expression(node.gate, numbers)} = {num(node.data)}"
    )


def gate_expression(gate: Gate, inputs: list[str]) -> str:
    """A gate applied to its inputs (names or numbers) as the textbook writes it: 'q × z',
    '1/d', 'b + w·x', 'exp(u)', 'max(z, w)'."""
    if gate.name in ("add", "mul") and len(inputs) == 2:
        return f"{_grouped(inputs[0])} {gate.symbol} {_grouped(inputs[1])}"
    if gate.name == "sum":
        return " + ".join([inputs[0], *map(_grouped, inputs[1:])])
    if gate.name == "linear":  # inputs: b, w1, x1, w2, x2, ...
        products = [f"{_grouped(w)}·{_grouped(x)}" for w, x in zip(inputs[1::2], inputs[2::2])]
        return " + ".join([inputs[0], *products])
    if gate.name == "reciprocal":
        return f"1/{_grouped(inputs[0])}"
    if gate.name == "pow":
        return f"{_grouped(inputs[0])}{gate.symbol}"
    return f"{gate.symbol}({', '.join(inputs)})"


def stepper_frames(root: Value, digits: int = 4) -> list[Frame]:
    """The frames of the page: the forward pass node by node, the seed, then every backward step."""
    order = topological_order(root)
    steps = list(backward_steps(root))
    names = steps[0].names if steps else node_names(order)
    num = _number_formatter(digits)
    leaves = [node for node in order if not node.parents]
    gate_nodes = [node for node in order if node.parents]
    root_name = _grouped(names[root])
    frames = []

    known = frozenset(leaves)
    inputs = ", ".join(f"{names[leaf]} = {num(leaf.data)}" for leaf in leaves if leaf.label)
    frames.append(
        Frame(
            "forward-0",
            f"Forward pass: the inputs (0 of {len(gate_nodes)})",
            "Forward pass: every leaf (input, parameter, constant) has a value."
            + (f"\n{inputs}" if inputs else ""),
            known,
            {},
            known,
        )
    )
    for i, node in enumerate(gate_nodes, start=1):
        known = known | {node}
        frames.append(
            Frame(
                f"forward-{i}",
                f"Forward pass: node {i} of {len(gate_nodes)}",
                f"Forward: {forward_caption(node, names, digits)}"
                + (f"\nThat is the output {root_name}." if node is root else ""),
                known,
                {},
                frozenset({node, *node.parents}),
                wires=frozenset((parent, node) for parent in node.parents),
            )
        )

    everything = frozenset(order)
    grads: dict[Value, float] = {root: 1.0}
    frames.append(
        Frame(
            "step-0",
            f"Backward: the seed (step 0 of {len(steps)})",
            f"Backward starts at the output with ∂{root_name}/∂{root_name} = 1, then visits the "
            "nodes children-first, so each node's gradient is complete before it is handed on.",
            everything,
            dict(grads),
            frozenset({root}),
            final=frozenset({root}),
        )
    )
    edges_left = {node: 0 for node in order}  # how many wires still have to bring a gradient
    for node in order:
        for parent in node.parents:
            edges_left[parent] += 1
    final = {root}
    sent: set[Value] = set()
    for step in steps:
        sent.add(step.node)
        for edge in step.contributions:
            grads[edge.parent] = edge.grad_after
            edges_left[edge.parent] -= 1
            if edges_left[edge.parent] == 0:
                final.add(edge.parent)
        frames.append(
            Frame(
                f"step-{step.index}",
                f"Backward: step {step.index} of {step.total}",
                step.caption(digits, numbered=False),
                everything,
                dict(grads),
                frozenset({step.node, *step.node.parents}),
                final=frozenset(final),
                wires=frozenset((parent, step.node) for parent in step.node.parents),
                sent=frozenset(sent),
            )
        )
    return frames


def render_steps(
    root: Value, path: str | Path, digits: int = 4, title: str = "", description: str = ""
) -> Path:
    """Write one self-contained HTML page that replays the forward pass, then backward step by step.

    Every frame holds an inline SVG picture of the whole graph (same layout in every frame), with
    the nodes of the step highlighted and the gradients known so far; a caption explains it in
    words and numbers. The page needs no network: Prev/Next buttons, the arrow keys, a slider, and
    links such as ``page.html#step-5`` move between frames; printing gives one frame per page.
    Needs the ``graphviz`` Python package and Graphviz's ``dot`` program.
    """
    path = Path(path)
    frames = stepper_frames(root, digits)
    pictures = _frame_pictures(root, frames, digits)
    title = title or f"Backward, step by step: {node_names(topological_order(root))[root]}"
    page = _page(title, description, frames, pictures)
    atomic_write(path, page)  # never a truncated page in place of the old one
    return path


MAX_STEPPER_NODES = 200
"""The largest graph a step-by-step page is made for (a frame per node, each a full picture)."""


def _frame_pictures(root: Value, frames: list[Frame], digits: int) -> list[str]:
    """One SVG per frame, laid out by a single run of Graphviz's dot over all the frames.

    Every frame draws the same graph with the same boxes (draw_graph reserves room for each
    box's final text), so dot places everything at the same spot in every frame. Before drawing,
    ``.grad`` is set to the final gradients (draw_graph sizes the boxes from them) and is put
    back afterwards.
    """
    from .viz import draw_graph
    from .viz.graph import VALUE_COLOUR
    from .viz.render import run_dot

    order = topological_order(root)
    if len(order) > MAX_STEPPER_NODES:
        raise ValueError(
            f"this graph has {len(order)} nodes; a step-by-step page is made for graphs of at "
            f"most {MAX_STEPPER_NODES} (one frame per node). Step through a smaller piece, "
            "or draw the whole graph with microgradpp.viz.draw_graph"
        )
    saved = [node.grad for node in order]
    try:
        root.zero_grad()
        root.backward()
        sources = [
            draw_graph(
                root,
                "both",
                precision=digits,
                collapse="none",
                grads=frame.grads,
                computed=frame.final,
                highlight_edges=frame.wires,  # boxes are highlighted by the page's CSS, below
            ).source
            for frame in frames
        ]
    finally:
        for node, grad in zip(order, saved):
            node.grad = grad
    output = run_dot("\n".join(sources), "svg").decode("utf-8")
    pictures = ["<?xml" + piece for piece in output.split("<?xml")[1:]]
    if len(pictures) != len(frames):
        raise RuntimeError(f"dot drew {len(pictures)} pictures for {len(frames)} frames")
    box_of = {node: f"v{position}" for position, node in enumerate(order)}  # draw_graph's names
    gate_of = {node: f"g{position}" for position, node in enumerate(order)}
    for i, frame in enumerate(frames):
        unknown = {box_of[node] for node in order if node not in frame.values}
        lit = {box_of[node] for node in frame.highlight}
        silent = {gate_of[node] for node in order if node.parents and node not in frame.sent}
        pictures[i] = _mark_boxes(pictures[i], unknown, lit, silent, VALUE_COLOUR)
    return pictures


def _mark_boxes(
    svg: str, unknown: set[str], lit: set[str], silent: set[str], value_colour: str
) -> str:
    """Adjust one frame's picture:

    * boxes in ``unknown`` show '?' for their value (forward frames: not computed yet);
    * boxes in ``lit`` get the class 'lit', which the page's stylesheet draws in orange;
    * wires into the gates in ``silent`` show '?': that gate's step has not run yet, so nothing
      has flowed back along them (draw_graph labels every wire of a final node).

    Doing this to the SVG rather than in the DOT keeps every box and label the same size in every
    frame, so Graphviz lays out every frame the same way.
    """

    def mark(match: re.Match) -> str:
        group, title = match[0], match["title"]
        if match["kind"] == "edge":
            if title.rsplit("&gt;", 1)[-1] in silent:
                group = re.sub(r"<text([^>]*)>[^<]*</text>", _unknown_text, group)
            return group
        if title in unknown:
            group = re.sub(
                rf'(<text [^>]*fill="){value_colour}("[^>]*>)[^<]*(</text>)',
                rf"\g<1>{_UNKNOWN_GREY}\g<2>?\g<3>",
                group,
            )
        if title in lit:
            group = group.replace('class="node"', 'class="node lit"', 1)
        return group

    return re.sub(
        r'<g id="[^"]*" class="(?P<kind>node|edge)">\s*<title>(?P<title>[^<]*)</title>.*?</g>',
        mark,
        svg,
        flags=re.DOTALL,
    )


def _unknown_text(match: re.Match) -> str:
    attributes = re.sub(r'\sfill="[^"]*"', "", match[1])
    return f'<text{attributes} fill="{_UNKNOWN_GREY}">?</text>'


_UNKNOWN_GREY = "#777777"


def _page(title: str, description: str, frames: list[Frame], pictures: list[str]) -> str:
    sections = []
    for number, (frame, picture) in enumerate(zip(frames, pictures)):
        headline, *details = frame.caption.split("\n")
        lines = "".join(f'<p class="line">{escape(line)}</p>' for line in details)
        sections.append(
            f'<section class="frame" id="{frame.id}" data-title="{escape(frame.title)}">\n'
            f'<h2><span class="number">{number + 1}/{len(frames)}</span> {escape(frame.title)}</h2>\n'
            f'<div class="caption"><p class="headline">{escape(headline)}</p>{lines}</div>\n'
            f'<figure class="picture">{_inline_svg(picture, frame.id)}</figure>\n'
            "</section>"
        )
    links = "".join(f'<li><a href="#{frame.id}">{escape(frame.title)}</a></li>' for frame in frames)
    about = (
        f'<details class="description"><summary>What this teaches</summary>'
        f"<p>{escape(description)}</p></details>"
        if description
        else ""
    )
    return (
        _PAGE.replace("{{title}}", escape(title))
        .replace("{{description}}", about)
        .replace("{{last}}", str(len(frames) - 1))
        .replace("{{frames}}", "\n".join(sections))
        .replace("{{links}}", links)
    )


def _inline_svg(svg: str, prefix: str) -> str:
    """An SVG document as markup to put inside HTML: no XML prolog, ids made unique per frame."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    svg = re.sub(r'\bid="', f'id="{prefix}-', svg)
    return re.sub(r"url\(#", f"url(#{prefix}-", svg)


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="microgradpp">
<title>{{title}}</title>
<script>document.documentElement.className = "js";</script>
<style>
  :root { --accent: #c2410c; --ink: #111827; --muted: #4b5563; --paper: #ffffff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 20px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
         color: var(--ink); background: var(--paper); }
  header { padding: 0.6rem 1.2rem; border-bottom: 1px solid #e5e7eb; }
  header h1 { font-size: 1.25rem; margin: 0; }
  .description { margin: 0.2rem 0 0; color: var(--muted); font-size: 0.9rem; }
  .description p { margin: 0.2rem 0; max-width: 60rem; }
  nav.controls { position: sticky; top: 0; z-index: 1; display: flex; gap: 0.6rem;
                 align-items: center; padding: 0.5rem 1.2rem; background: #f9fafb;
                 border-bottom: 1px solid #e5e7eb; }
  nav.controls button { font: inherit; font-size: 0.95rem; padding: 0.2rem 0.9rem;
                        border: 1px solid #9ca3af; border-radius: 0.4rem; background: #fff;
                        cursor: pointer; }
  nav.controls button:disabled { opacity: 0.4; cursor: default; }
  nav.controls input[type=range] { flex: 1; accent-color: var(--accent); }
  #position { min-width: 16rem; font-size: 0.95rem; color: var(--muted); }
  main { padding: 0.4rem 1.2rem 1rem; }
  .frame { scroll-margin-top: 100vh; }  /* a #step-5 link must not scroll the controls away */
  .js .frame { display: none; }
  .js .frame.current { display: block; }
  .frame h2 { font-size: 1rem; color: var(--muted); margin: 0.3rem 0; font-weight: 600; }
  .frame h2 .number { display: none; }
  .caption { min-height: 4.2em; }
  .caption .headline { font-size: 1.15rem; margin: 0.2rem 0; }
  .caption .line { margin: 0.1rem 0 0.1rem 1rem; font-family: ui-monospace, "DejaVu Sans Mono",
                   Menlo, Consolas, monospace; font-size: 1.05rem; }
  figure.picture { margin: 0.5rem 0 0; text-align: center; }
  figure.picture svg { max-width: 100%; height: auto; max-height: 68vh; }
  figure.picture.zoomed { overflow-x: auto; text-align: left; }
  figure.picture.zoomed svg { max-width: none; max-height: none; }
  g.node.lit polygon[stroke="black"] { stroke: #e06c00; stroke-width: 3px; }
  g.node.lit polygon[fill="none"] { fill: rgba(255, 214, 90, 0.45); }
  details.index { margin: 1rem 1.2rem; font-size: 0.9rem; color: var(--muted); }
  details.index ol { columns: 3; }
  .help { font-size: 0.8rem; color: var(--muted); }
  @media print {
    @page { size: landscape; margin: 1.2cm; }
    header, nav.controls, details.index { display: none; }
    main { padding: 0; }
    .frame, .js .frame { display: block; break-after: page; page-break-after: always; }
    .frame:last-child { break-after: auto; page-break-after: auto; }
    .frame h2 .number { display: inline; }
    figure.picture svg, figure.picture.zoomed svg { max-width: 100%; max-height: 15cm; }
    figure.picture.zoomed { overflow: visible; text-align: center; }
  }
</style>
</head>
<body>
<header>
<h1>{{title}}</h1>
{{description}}
</header>
<nav class="controls" aria-label="steps">
<button id="first" title="first frame (Home)">First</button>
<button id="prev" title="previous frame (&#x2190;)">&#x2190; Prev</button>
<button id="next" title="next frame (&#x2192;)">Next &#x2192;</button>
<button id="play" title="play / pause (p)">Play</button>
<button id="zoom" title="fit the picture to the window, or show it full size (z)">Zoom</button>
<input id="slider" type="range" min="0" max="{{last}}" value="0" aria-label="frame">
<span id="position"></span>
<span class="help">keys: &#x2190; &#x2192; Home End p z</span>
</nav>
<main>
{{frames}}
</main>
<details class="index"><summary>All frames</summary><ol>{{links}}</ol></details>
<script>
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll(".frame"));
  var slider = document.getElementById("slider");
  var position = document.getElementById("position");
  var prev = document.getElementById("prev"), next = document.getElementById("next");
  var play = document.getElementById("play"), first = document.getElementById("first");
  var zoomButton = document.getElementById("zoom");
  var current = -1, timer = null, zoomed = false;

  function show(index, updateAddress) {
    index = Math.max(0, Math.min(frames.length - 1, index));
    if (current >= 0) frames[current].classList.remove("current");
    frames[index].classList.add("current");
    current = index;
    slider.value = String(index);
    position.textContent = (index + 1) + " / " + frames.length + ": " + frames[index].dataset.title;
    prev.disabled = first.disabled = index === 0;
    next.disabled = index === frames.length - 1;
    if (updateAddress && location.hash !== "#" + frames[index].id) {
      try { history.replaceState(null, "", "#" + frames[index].id); }
      catch (error) { location.hash = frames[index].id; }
    }
    document.body.dataset.frame = frames[index].id;
    if (zoomed) follow();
  }
  function follow() {  // at full size, scroll the picture so this step's boxes are in view
    var figure = frames[current].querySelector("figure");
    var lit = frames[current].querySelectorAll("g.node.lit");
    if (!lit.length) return;
    var left = Infinity, right = -Infinity, box = figure.getBoundingClientRect();
    Array.prototype.forEach.call(lit, function (node) {
      var r = node.getBoundingClientRect();
      left = Math.min(left, r.left);
      right = Math.max(right, r.right);
    });
    figure.scrollLeft += (left + right) / 2 - (box.left + box.width / 2);
  }
  function go(delta) { stop(); show(current + delta, true); }
  function fromAddress() {
    var id = decodeURIComponent(location.hash.slice(1));
    var index = frames.findIndex(function (frame) { return frame.id === id; });
    show(index >= 0 ? index : 0, false);
    window.scrollTo(0, 0);  // the browser jumped to the frame's anchor: show the controls
  }
  function stop() { if (timer !== null) { clearInterval(timer); timer = null; play.textContent = "Play"; } }
  function toggle() {
    if (timer !== null) { stop(); return; }
    if (current === frames.length - 1) show(0, true);
    play.textContent = "Pause";
    timer = setInterval(function () {
      if (current >= frames.length - 1) { stop(); return; }
      show(current + 1, true);
    }, 1600);
  }

  function zoom() {
    zoomed = !zoomed;
    frames.forEach(function (frame) {
      frame.querySelector("figure").classList.toggle("zoomed", zoomed);
    });
    zoomButton.textContent = zoomed ? "Fit" : "Zoom";
    if (zoomed) follow();
  }
  zoomButton.addEventListener("click", zoom);
  prev.addEventListener("click", function () { go(-1); });
  next.addEventListener("click", function () { go(1); });
  first.addEventListener("click", function () { stop(); show(0, true); });
  play.addEventListener("click", toggle);
  slider.addEventListener("input", function () { stop(); show(Number(slider.value), true); });
  window.addEventListener("hashchange", fromAddress);
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key;
    if (key === "ArrowRight" || key === "PageDown" || key === " " || key === "ArrowDown") go(1);
    else if (key === "ArrowLeft" || key === "PageUp" || key === "ArrowUp") go(-1);
    else if (key === "Home") { stop(); show(0, true); }
    else if (key === "End") { stop(); show(frames.length - 1, true); }
    else if (key === "p") toggle();
    else if (key === "z") zoom();
    else return;
    event.preventDefault();
  });
  window.addEventListener("load", function () { window.scrollTo(0, 0); });
  fromAddress();
  // A long graph fitted to the window has unreadable text: start at full size, following the step.
  var svg = frames[current].querySelector("svg"), viewBox = svg && svg.viewBox.baseVal;
  var fitted = viewBox && viewBox.width ? svg.getBoundingClientRect().width / (viewBox.width * 4 / 3) : 1;
  if (fitted > 0 && fitted < 0.5) zoom();
})();
</script>
</body>
</html>
"""
