"""Every sentence microgradpp's step captions, step pages and picture legends show, in one table.

Code asks for a sentence by its key and fills in its ``{placeholders}``; it never writes the words
itself. A translation is another table with the same keys (the placeholders stay; numbers and
formulas are the same in every language), added to :data:`CATALOGS`.

    >>> text("step.number", index=1, total=8)
    'Step 1 of 8: '
"""

from __future__ import annotations

ENGLISH: dict[str, str] = {
    # -- what each gate does to the gradient (the key is Gate.sentence / Gate.explain) ---------
    "gate.add": "An add gate distributes the gradient: each input gets ∂{root}/∂{node} unchanged.",
    "gate.sum": "A sum gate distributes the gradient: each input gets ∂{root}/∂{node} unchanged.",
    "gate.mul": "A mul gate swaps its inputs: each input's local derivative is the other input.",
    "gate.max": (
        "A max gate routes the gradient to the larger input "
        "({winner} = {high} > {loser} = {low}); {loser} gets 0."
    ),
    "gate.max.tie": "A max gate with a tie ({a} = {b} = {x}) splits the gradient ½/½.",
    "gate.exp": "An exp gate: (eˣ)′ = eˣ, the gate's own output {out}.",
    "gate.reciprocal": "A 1/x gate: (1/x)′ = −1/x² = −1/({x})² = {local}.",
    "gate.log": "A log gate: (ln x)′ = 1/x = 1/{x} = {local}.",
    "gate.pow": "A power gate: (xⁿ)′ = n·xⁿ⁻¹ = {n}·({x})^{m} = {local}.",
    "gate.relu.open": "A relu gate lets the gradient through: its input {x} > 0.",
    "gate.relu.closed": "A relu gate blocks the gradient: its input {x} ≤ 0, so relu′ = 0.",
    "gate.tanh": "A tanh gate: (tanh x)′ = 1 − tanh²x = 1 − ({out})² = {local}.",
    "gate.sigmoid": "A sigmoid gate: σ′ = σ·(1 − σ) = {out}·(1 − {out}) = {local}.",
    "gate.linear": (
        "A linear gate b + Σ wᵢxᵢ: the bias gets the gradient unchanged, and each product "
        "swaps its inputs (∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ)."
    ),
    "gate.other": "A {gate} gate: its local derivatives come from gates.py.",
    # -- a backward step's caption ---------------------------------------------------------------
    "step.number": "Step {index} of {total}: ",
    "step.constant": "  (a constant: its gradient is not used)",
    "step.accumulates": ", so {grad} is now {before} + {contribution} = {after}",
    # -- the frames of a step-by-step page -------------------------------------------------------
    "frame.inputs.title": "Forward pass: the inputs (0 of {total})",
    "frame.inputs": "Forward pass: every leaf (input, parameter, constant) has a value.",
    "frame.forward.title": "Forward pass: node {index} of {total}",
    "frame.forward": "Forward: {equation}",
    "frame.output": "That is the output {root}.",
    "frame.seed.title": "Backward: the seed (step 0 of {total})",
    "frame.seed": (
        "Backward starts at the output with ∂{root}/∂{root} = 1, then visits the nodes "
        "children-first, so each node's gradient is complete before it is handed on."
    ),
    "frame.step.title": "Backward: step {index} of {total}",
    # -- the page around the frames --------------------------------------------------------------
    "page.title": "Backward, step by step: {root}",
    "page.about": "What this teaches",
    "page.index": "All frames",
    "page.controls": "steps",
    "page.first": "First",
    "page.first.hint": "first frame (Home)",
    "page.prev": "← Prev",
    "page.prev.hint": "previous frame (←)",
    "page.next": "Next →",
    "page.next.hint": "next frame (→)",
    "page.play": "Play",
    "page.pause": "Pause",
    "page.play.hint": "play / pause (p)",
    "page.zoom": "Zoom",
    "page.fit": "Fit",
    "page.zoom.hint": "fit the picture to the window, or show it full size (z)",
    "page.slider": "frame",
    "page.keys": "keys: ← → Home End p z",
}
"""The sentences in English: key -> text with ``{placeholders}``."""

CATALOGS: dict[str, dict[str, str]] = {"en": ENGLISH}
"""Language tag -> its table. A missing key falls back to English."""


def text(key: str, lang: str = "en", **values: object) -> str:
    """The sentence ``key`` in ``lang``, its ``{placeholders}`` filled from ``values``."""
    catalog = CATALOGS.get(lang, ENGLISH)
    template = catalog.get(key, ENGLISH[key])
    return template.format(**values)
