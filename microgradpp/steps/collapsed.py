"""The collapsed step-by-step page: a whole neuron, layer or part (sub-expression) per frame.

A long graph's page has a frame per node forward and per gate backward: XOR's loss has 70, a neuron
with 15 inputs 64. Drawn collapsed (``GraphView`` with ``collapse="neuron"``, ``"layer"`` or
``"part"``), the graph has a box per neuron or sub-expression, and the page steps one box at a
time. The numbers are still backward's own: the frames are cut out of the same replay
(``steps.replay``) at the points where backward moves from one box to the next, so every gradient
a frame shows is exactly what ``backward()`` has computed at that point, in its order:

    stretch of backward's order    →  one frame
    [e4², e4, out4, h4_1, z4_1, …]     "Backward through e4², 8 gates at once"
    [Σe²]                              the Σ gate's own step, as on the full page

A gate outside every box keeps its own frame and caption, as on the full page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from ..engine import Value
from ..messages import text
from .frame import Frame, GradientTally, inputs_frame, replay_view, seed_frame
from .replay import BackwardStep, derivative_name, forward_caption, number_formatter, replay
from .replay import step_names as _step_names

T = TypeVar("T")
Unit = str | Value
"""What a frame of the collapsed page steps through: a group's key, or a gate node of its own."""


def collapsed_frames(
    root: Value, order: list[Value], digits: int, lang: str, level: str, rankdir: str = "auto"
) -> list[Frame]:
    """The frames of the collapsed page: the inputs, each box (or lone gate) forward, the seed,
    each stretch of backward that stays in one box (or one lone gate's step).

    ``level``: 'neuron', 'layer' or 'part' (see ``viz.collapse``); ``rankdir``: the direction of
    the pictures ('auto': the one that reads larger on a 1920×1080 screen; a collapsed graph is
    often a row of shared weights over a few boxes, which reads best top to bottom). The caller
    has checked the size (``page.check_size``).
    """
    steps = list(replay(root, order))
    names = steps[0].names if steps else _step_names(order)
    num = number_formatter(digits)
    graph = replay_view(root, order, steps, digits, lang, level, rankdir)
    group = graph.group
    # A graph with nothing to group (no neuron, no part of 2+ gates) keeps a frame per gate, as
    # on the full page: then no caption speaks of a level.
    level_word = text(f"collapse.{graph.level}", lang) if graph.level != "none" else ""

    def unit(node: Value) -> Unit:
        return group.get(node, node)

    def gates_text(members: Sequence[Value]) -> str:
        """The kinds of gate inside, in the order forward meets them: 'b+Σwx → tanh → ×'."""
        forward = sorted(members, key=lambda node: node.number)
        return " → ".join(dict.fromkeys(node.gate.symbol for node in forward if node.gate))

    root_name = derivative_name(names[root])
    leaves = [node for node in order if not node.parents]
    # forward in creation order (a topological order too): a neuron's nodes were made together
    gate_nodes = sorted((node for node in order if node.parents), key=lambda node: node.number)
    forward_runs = _runs(gate_nodes, unit)
    frames = [inputs_frame(graph, leaves, names, num, len(forward_runs), lang)]
    known = frozenset(leaves)
    for i, run in enumerate(forward_runs, start=1):
        known = known | set(run)
        key = unit(run[0])
        if isinstance(key, Value):
            caption = text("frame.forward", lang, equation=forward_caption(key, names, digits))
            title = text("frame.forward.title", lang, index=i, total=len(forward_runs))
        else:
            output = run[-1]
            caption = text(
                "frame.group.forward",
                lang,
                level=level_word,
                name=key,
                count=len(run),
                gates=gates_text(run),
                output=names[output],
                value=num(output.data),
            )
            title = text(
                "frame.group.forward.title", lang, name=key, index=i, total=len(forward_runs)
            )
        if root in run:
            caption += "\n" + text("frame.output", lang, root=root_name)
        parents = _lit_parents(run, unit)
        frames.append(
            Frame(
                f"forward-{i}",
                title,
                caption,
                graph.frame(
                    values=known,
                    grads={},
                    final=(),
                    lit=set(run) | parents,
                    lit_gates=set(run),
                    lit_wires={(parent, node) for node in run for parent in node.parents},
                ),
            )
        )

    backward_runs = _runs(steps, lambda step: unit(step.node))
    tally = GradientTally(root, order)
    frames.append(seed_frame(graph, tally, root_name, len(backward_runs), lang))
    for index, steps_run in enumerate(backward_runs, start=1):
        members = [step.node for step in steps_run]
        for step in steps_run:  # the very steps of backward, in its order: its own numbers
            tally.record(step)
        key = unit(members[0])
        if isinstance(key, Value):
            caption = steps_run[0].caption(digits, numbered=False, lang=lang)
            title = text("frame.step.title", lang, index=index, total=len(backward_runs))
        else:
            caption = _group_step_caption(
                steps_run,
                key,
                level_word,
                gates_text(members),
                tally.grads,
                tally.final,
                digits,
                lang,
            )
            title = text(
                "frame.group.step.title", lang, name=key, index=index, total=len(backward_runs)
            )
        parents = _lit_parents(members, unit)
        frames.append(
            Frame(
                f"step-{index}",
                title,
                caption,
                graph.frame(
                    grads=tally.grads,
                    final=tally.final,
                    sent=tally.sent,
                    lit=set(members) | parents,
                    lit_gates=set(members),
                    lit_wires={(parent, node) for node in members for parent in node.parents},
                ),
            )
        )
    return frames


def _lit_parents(members: Sequence[Value], unit: Callable[[Value], Unit]) -> set[Value]:
    """The inputs highlighted with a stretch: all of a lone gate's (as on the full page), but of a
    box only the computed ones (other boxes, gates). Its leaves, often many shared weights, get
    orange wires but no frame: the page scrolls to what is highlighted, and a box's weights may
    span more than a screen (XOR's part and its 9 weights); the caption gives their numbers."""
    parents = {parent for node in members for parent in node.parents}
    if isinstance(unit(members[0]), Value):
        return parents
    return {parent for parent in parents if parent.parents}


def _group_step_caption(
    run: list[BackwardStep],
    key: str,
    level_word: str,
    gates: str,
    grads: dict[Value, float],
    final: set[Value],
    digits: int,
    lang: str,
) -> str:
    """'Backward through the part e1², 8 gates at once (…): ∂loss/∂e1² = 0.25 goes back inside
    it, to its inputs:' and a line with each input's gradient after it (final, or so far)."""
    num = number_formatter(digits)
    first = run[0]
    names = first.names
    root = derivative_name(names[first.root])
    members = {step.node for step in run}
    reached: dict[Value, None] = {}  # the inputs outside this stretch, in the order reached
    for step in run:
        for edge in step.contributions:
            constant = not (edge.parent.parents or edge.parent.label)  # its gradient is unused
            if edge.parent not in members and not constant:  # (a part's own inputs too)
                reached[edge.parent] = None
    shown = []
    for node in reached:
        grad = num(grads[node])
        if node not in final:
            grad = text("picture.so_far", lang, grad=grad)
        shown.append(f"∂{root}/∂{derivative_name(names[node])} = {grad}")
    headline = text(
        "frame.group.step",
        lang,
        level=level_word,
        name=key,
        count=len(run),
        gates=gates,
        root=root,
        output=derivative_name(names[first.node]),
        grad=num(first.upstream),
    )
    return headline + ("\n" + ",   ".join(shown) if shown else "")


def _runs(items: Sequence[T], unit: Callable[[T], Unit]) -> list[list[T]]:
    """Items cut into stretches of the same unit, in order: [a, a, b, a] -> [[a, a], [b], [a]]."""
    runs: list[list[T]] = []
    previous: tuple[str, str | int] | None = None
    for item in items:
        key = unit(item)
        current = ("group", key) if isinstance(key, str) else ("node", id(key))
        if runs and current == previous:
            runs[-1].append(item)
        else:
            runs.append([item])
        previous = current
    return runs


def collapsed_frame_count(root: Value, order: Sequence[Value], level: str) -> int:
    """How many frames :func:`collapsed_frames` makes at ``level`` (without drawing anything);
    0 when nothing of the graph can be grouped at that level."""
    from ..engine import backward_order
    from ..viz.collapse import group_nodes, summarize

    group = group_nodes(order, level)
    if not summarize(order, group):
        return 0

    def unit(node: Value) -> Unit:
        return group.get(node, node)

    forward = _runs(sorted((n for n in order if n.parents), key=lambda n: n.number), unit)
    backward = _runs(backward_order(root), unit)
    return 2 + len(forward) + len(backward)
