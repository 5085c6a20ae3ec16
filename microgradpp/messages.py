"""Every sentence the step captions, step pages and picture legends show, in one table.

Code asks for a sentence by its key and fills in its ``{placeholders}``; it never writes the words
itself. Numbers and formulas read the same in every language and stay in the code.

The English text is here. Another language takes its sentence from that language's catalog of
``microgradpp.i18n`` (``microgradpp/locale/<lang>.json``) when the catalog has the key, so a
translation is added there, under the same key, without touching any code.

    >>> text("step.number", index=1, total=8)
    'Step 1 of 8: '
"""

from __future__ import annotations

ENGLISH: dict[str, str] = {
    # -- what each gate does to the gradient (the key is Gate.sentence / Gate.explain) ---------
    "caption.add": "An add gate distributes the gradient: each input gets ∂{root}/∂{node} unchanged.",
    "caption.sum": "A sum gate distributes the gradient: each input gets ∂{root}/∂{node} unchanged.",
    "caption.mul": "A mul gate swaps its inputs: each input's local derivative is the other input.",
    "caption.max": (
        "A max gate routes the gradient to the larger input "
        "({winner} = {high} > {loser} = {low}); {loser} gets 0."
    ),
    "caption.max.tie": "A max gate with a tie ({a} = {b} = {x}) splits the gradient ½/½.",
    "caption.exp": "An exp gate: (eˣ)′ = eˣ, the gate's own output {out}.",
    "caption.reciprocal": "A 1/x gate: (1/x)′ = −1/x² = −1/({x})² = {local}.",
    "caption.log": "A log gate: (ln x)′ = 1/x = 1/{x} = {local}.",
    "caption.pow": "A power gate: (xⁿ)′ = n·xⁿ⁻¹ = {n}·({x})^{m} = {local}.",
    "caption.base_pow": "A power of a constant: (bˣ)′ = bˣ·ln b = {out}·ln {b} = {local}.",
    "caption.relu.open": "A relu gate lets the gradient through: its input {x} > 0.",
    "caption.relu.closed": "A relu gate blocks the gradient: its input {x} ≤ 0, so relu′ = 0.",
    "caption.tanh": "A tanh gate: (tanh x)′ = 1 − tanh²x = 1 − ({out})² = {local}.",
    "caption.sigmoid": "A sigmoid gate: σ′ = σ·(1 − σ) = {out}·(1 − {out}) = {local}.",
    "caption.linear": (
        "A linear gate b + Σ wᵢxᵢ: the bias gets the gradient unchanged, and each product "
        "swaps its inputs (∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ)."
    ),
    "caption.other": "A {gate} gate: its local derivatives come from gates.py.",
    # -- a backward step's caption ---------------------------------------------------------------
    "step.number": "Step {index} of {total}: ",
    "step.headline": "{number}{equation}. {sentence}",
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
    # -- the collapsed page: a whole neuron, layer or part per frame ----------------------------
    "collapse.neuron": "neuron",
    "collapse.layer": "layer",
    "collapse.part": "part",
    "frame.group.forward.title": "Forward pass: {name} ({index} of {total})",
    "frame.group.forward": (
        "Forward: the {level} {name}, {count} gates at once ({gates}): {output} = {value}"
    ),
    "frame.group.step.title": "Backward: {name} ({index} of {total})",
    "frame.group.step": (
        "Backward through the {level} {name}, {count} gates at once ({gates}): "
        "∂{root}/∂{output} = {grad} goes back inside it, to its inputs:"
    ),
    # -- words inside pictures of the graph -----------------------------------------------------
    "legend.forward": "each box: name | value;  each circle: a gate",
    "legend.backward": (
        "each box: name | ∂{root}/∂name;  each wire: upstream × local = what flows back"
    ),
    "legend.both": "each box: name | value (green, above) and ∂{root}/∂name (red, below)",
    "legend.unknown": ";  ? = not computed yet",
    "legend.earlier": ";  (earlier) = kept from an earlier backward(): call zero_grad() first",
    "legend.level": ";  drawn by {level}",
    "picture.so_far": "{grad} so far",
    "picture.earlier": "{term} (earlier)",
    "picture.sum_of_wires": "sum of {count} wires = {total}",
    "picture.layer": "{neurons}, {parameters}",
    "picture.neuron.one": "{count} neuron",
    "picture.neuron.many": "{count} neurons",
    "picture.parameter.one": "{count} parameter",
    "picture.parameter.many": "{count} parameters",
    "picture.output": "out {value}",
    "picture.outputs": "{count} outputs",
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
    "page.play.hint": "play / pause (k)",
    "page.zoom": "Zoom",
    "page.fit": "Fit",
    "page.zoom.hint": "fit the picture to the window, or show it full size (z)",
    "page.slider": "frame",
    "page.keys": "keys: ← → Home End, k play, z zoom, p projector",
    # -- a long page, and the shorter pages it offers --------------------------------------------
    "page.long": "{frames} frames: long for one lesson.",
    "page.long.terms": (
        " {root} is a sum of {count} terms; each has a backward picture ({stem}-backward-term1 "
        "to -term{count}) and a shorter page of its own:"
    ),
    "page.long.collapsed": (
        " A shorter page steps through a whole {level} at a time, with the same numbers:"
    ),
    "page.long.other": " Use the slider and the index to move faster.",
    "page.collapsed.title": "{title} (one {level} per frame)",
    "page.collapsed": (
        "Collapsed: each box is a whole {level}, and each frame goes through one box at a time "
        "({frames} frames instead of {full}); every gradient is backward's own."
    ),
    "page.collapsed.full": " The full page, one gate per frame:",
    "page.collapsed.no_full": " The full page, one gate per frame, is written with --full.",
    "page.link.collapsed": "{stem}-steps-collapsed.html ({frames} frames)",
    "page.link.full": "{stem}-steps.html ({frames} frames)",
    "page.term.title": "{title}: term {index} of {total}, {name}",
    "page.term.about": (
        "Backward of {name} alone, one of the {total} terms whose sum is the whole graph: the "
        "gradients here are ∂{name}/∂node; the whole graph's are the sum over the terms."
    ),
    "files.tangled": (
        "{stem}: the whole graph ({count} Values) is a sum of {terms} terms, too tangled to read "
        "as one picture or one page, so those were not written (--full writes them too). "
        "Instead the -collapsed pictures and page draw it with a box per {level}, and each term has "
        "its own backward picture and page (-term1 to -term{terms}), every one readable."
    ),
}
"""The sentences in English: key -> text with ``{placeholders}``."""


def text(key: str, lang: str = "en", /, **values: object) -> str:
    """The sentence ``key`` in ``lang``, its ``{placeholders}`` filled from ``values``.

    English comes from :data:`ENGLISH`; another language from its i18n catalog, falling back to
    English for a sentence not translated yet.
    """
    template = ENGLISH[key]
    if lang != "en":
        from .i18n import catalog

        template = catalog(lang).get(key, template)
    return template.format(**values)
