"""Backward, one step at a time: the chain-rule loop replayed (``replay``), and the classroom page
built from it (``page``).

    >>> from microgradpp import Value
    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> q = x + y; q.label = "q"
    >>> f = q * z; f.label = "f"
    >>> for step in backward_steps(f):
    ...     print(step.caption())
    Step 1 of 2: f = q × z. A mul gate swaps its inputs: each input's local derivative is the other input.
    ∂f/∂q = z · ∂f/∂f = (−4) · 1 = −4
    ∂f/∂z = q · ∂f/∂f = 3 · 1 = 3
    Step 2 of 2: q = x + y. An add gate distributes the gradient: each input gets ∂f/∂q unchanged.
    ∂f/∂x = 1 · ∂f/∂q = 1 · (−4) = −4
    ∂f/∂y = 1 · ∂f/∂q = 1 · (−4) = −4

``render_steps(f, "steps.html")`` writes the page: the forward pass node by node, then one frame
per backward step, each a picture of the graph with a caption.
"""

from __future__ import annotations

from .exercise import exercise_html, exercise_page
from .notebook import Exercise, Steps, show_steps
from .page import MAX_STEPPER_NODES, Frame, render_steps, stepper_frames
from .replay import (
    MINUS,
    BackwardStep,
    Contribution,
    backward_steps,
    forward_caption,
    gate_sentence,
)

__all__ = [
    "Exercise",
    "Steps",
    "exercise_html",
    "exercise_page",
    "show_steps",
    "MAX_STEPPER_NODES",
    "MINUS",
    "BackwardStep",
    "Contribution",
    "Frame",
    "backward_steps",
    "forward_caption",
    "gate_sentence",
    "render_steps",
    "stepper_frames",
]
