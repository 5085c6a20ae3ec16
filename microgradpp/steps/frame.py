"""One frame of a step-by-step page: a view of the graph in some state, and its caption. The
full page (``steps.page``) and the collapsed one (``steps.collapsed``) are both lists of these."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..engine import Value
from ..messages import text
from ..viz.graph import settle_rankdir
from ..viz.view import GraphView
from .replay import BackwardStep


@dataclass(frozen=True, eq=False)
class Frame:
    """One page of the stepper: a view of the graph in some state, and a caption."""

    id: str
    """The anchor: 'forward-0' … for the forward pass, 'step-0' (the seed) … 'step-n'."""
    title: str
    caption: str
    """Lines of text: the first is the headline."""
    view: GraphView
    """What the frame's picture shows."""

    @property
    def values(self) -> frozenset[Value]:
        """The nodes whose value is known in this frame."""
        return self.view.values

    @property
    def grads(self) -> dict[Value, float]:
        """The gradients known so far (possibly partial sums); other nodes show none yet."""
        return dict(self.view.grads)

    @property
    def final(self) -> frozenset[Value]:
        """The nodes whose gradient is complete."""
        return self.view.final

    @property
    def highlight(self) -> frozenset[Value]:
        """The node being computed (forward) or handing its gradient on (backward), and its
        parents."""
        return self.view.lit

    @property
    def wires(self) -> frozenset[tuple[Value, Value]]:
        """The (parent, node) wires of this step, drawn highlighted."""
        return self.view.lit_wires

    @property
    def sent(self) -> frozenset[Value]:
        """The nodes whose step has run: they have sent their gradient back along their wires."""
        return self.view.sent

    @property
    def is_forward(self) -> bool:
        return self.id.startswith("forward-")


def final_grads(root: Value, steps: list[BackwardStep]) -> dict[Value, float]:
    """Every node's gradient after the last step: what each box is sized for."""
    grads = {root: 1.0}
    for step in steps:
        for edge in step.contributions:
            grads[edge.parent] = edge.grad_after
    return grads


class GradientTally:
    """What backward has done so far, step by step, as a page's frames show it.

    ``grads``: the gradient each node has received so far (a partial sum until its last wire has
    brought its part); ``final``: the nodes whose every wire has done so (their gradient is
    complete); ``sent``: the gate nodes that have handed their gradient back along their wires.
    At the start only the root has a gradient: the seed ∂root/∂root = 1.
    """

    def __init__(self, root: Value, order: Iterable[Value]) -> None:
        self.root = root
        self.grads: dict[Value, float] = {root: 1.0}
        self.final: set[Value] = {root}
        self.sent: set[Value] = set()
        self._wires_left: dict[Value, int] = {}  # wires that still have to bring a gradient
        for node in order:
            self._wires_left.setdefault(node, 0)
            for parent in node.parents:
                self._wires_left[parent] = self._wires_left.get(parent, 0) + 1

    def record(self, step: BackwardStep) -> None:
        """One step of backward: its node sends, and each parent gets its part (``grad_after``,
        the engine's own running sum)."""
        self.sent.add(step.node)
        for edge in step.contributions:
            self.grads[edge.parent] = edge.grad_after
            self._wires_left[edge.parent] -= 1
            if self._wires_left[edge.parent] == 0:
                self.final.add(edge.parent)


# -- what the full and the collapsed page have in common ------------------------------------------


def replay_view(
    root: Value,
    order: list[Value],
    steps: list[BackwardStep],
    digits: int,
    lang: str,
    collapse: str,
    rankdir: str,
) -> GraphView:
    """The graph every frame of a page shows: boxes sized for their final numbers, values and
    gradients both, laid out in one direction chosen once (so every frame has one layout)."""
    graph = GraphView.of(
        root,
        "both",
        precision=digits,
        collapse=collapse,
        final_grads=final_grads(root, steps),
        order=order,
        lang=lang,
        rankdir=rankdir,
    )
    return settle_rankdir(graph)


def inputs_frame(
    graph: GraphView,
    leaves: Sequence[Value],
    names: Mapping[Value, str],
    num: Callable[[float], str],
    forward_frames: int,
    lang: str,
) -> Frame:
    """The first frame: every leaf (input, parameter, constant) has its value, nothing else yet."""
    known = frozenset(leaves)
    inputs = ", ".join(f"{names[leaf]} = {num(leaf.data)}" for leaf in leaves if leaf.label)
    return Frame(
        "forward-0",
        text("frame.inputs.title", lang, total=forward_frames),
        text("frame.inputs", lang) + (f"\n{inputs}" if inputs else ""),
        graph.frame(values=known, grads={}, final=(), lit=known),
    )


def seed_frame(
    graph: GraphView, tally: GradientTally, root_name: str, backward_frames: int, lang: str
) -> Frame:
    """Backward's first frame: only the root has a gradient, the seed ∂root/∂root = 1."""
    return Frame(
        "step-0",
        text("frame.seed.title", lang, total=backward_frames),
        text("frame.seed", lang, root=root_name),
        graph.frame(grads=tally.grads, final=tally.final, sent=(), lit={tally.root}),
    )
