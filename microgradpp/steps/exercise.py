"""The exercise page: the stepper's picture of the graph, but every gradient box is an input.

The values are given (green); the student types ∂f/∂node into each red box, in the order backward
visits the nodes (or in any order: a setting on the page). The page checks each answer itself, by
the rule of :mod:`microgradpp.judging` (the exact answer, or what the rounded numbers shown and the
student's own earlier answers give, within half the last shown digit; ``judging.js`` is the same
rule in JavaScript): a right answer turns green, a wrong one first gets feedback naming the mistake
where it is a well-known one, then the rule of the gate its wire goes into (with the graph's
names), the answer only on request.
A score comes at the end; "Reveal all" fills in every answer for the teacher. Like the stepper, the
page is one offline HTML file: no server, no network.

    >>> from microgradpp.examples import get_example
    >>> path = exercise_page(get_example("add-mul").build(), "add-mul-exercise.html")  # doctest: +SKIP

The answers come from :func:`~microgradpp.steps.replay.backward_steps`: the engine's own chain-rule
arithmetic, without running ``backward()`` or touching ``.grad``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..engine import Value, topological_order
from ..files import atomic_write
from ..formatting import format_number
from ..gates import operand
from ..i18n import Translator, error
from ..judging import Work, half_digit
from ..practice import gradient_hint
from ..validation import is_integer
from ..viz.view import GraphView
from .page import Markup, check_size, fill, template, translated_title
from .replay import BackwardStep, backward_steps

ORDERS = ("backward", "any")
"""'backward': each box opens when the one before it (in backward's order) is done; 'any'."""


class ExerciseError(ValueError):
    """An exercise page asked for with impossible settings (order, digits)."""


@dataclass(frozen=True)
class Question:
    """One gradient box of the page: the node, where its box is, its answer and its hint."""

    node: Value
    name: str
    box: str
    """The box's DOT name ('v3'): the page finds the box in the SVG by it."""
    answer: float
    shown: str
    """The answer as the page shows it (``digits`` decimals, typographic minus)."""
    hint: str


def questions(
    root: Value, view: GraphView, steps: list[BackwardStep], digits: int, t: Translator
) -> list[Question]:
    """Every gradient a student works out, in the order backward completes them.

    Backward's steps go children first; a node's gradient is complete once every wire leaving
    it has brought its share, and it is asked then (a gate's inputs in their order: for
    f = q × z, first q, then z). The root's own gradient (1) is given; constants are not asked.
    """
    grads = dict(view.final_grads)
    computed = [node for node in view.order if node.parents]
    names = {node: name for node, name in view.names.items() if name}
    wires_left = {node: len(view.uses[node]) for node in view.order}
    asked = []
    for step in steps:
        for edge in step.contributions:
            node = edge.parent
            wires_left[node] -= 1
            if wires_left[node] or not (node.parents or node.label):
                continue
            answer = grads[node]
            asked.append(
                Question(
                    node,
                    operand(view.names[node]),  # ∂f/∂(x+y), not ∂f/∂x+y
                    view.box_id(node),
                    answer,
                    format_number(answer, digits, unicode_minus=True),
                    gradient_hint(node, root, computed, names, t),
                )
            )
    return asked


@dataclass(frozen=True)
class ExercisePicture:
    """An exercise's graph drawn with every gradient unknown, and the questions on it."""

    svg: str
    """The SVG markup (from ``<svg``); each gradient box is found in it by its DOT name."""
    questions: list[Question]
    view: GraphView
    """The frame drawn: its names and final gradients are the ones the questions use."""
    root_name: str
    solved: str = ""
    """The same picture with every gradient known (same layout): the exercise page copies its
    wires' labels in once every box is done."""


def exercise_picture(root: Value, digits: int, t: Translator) -> ExercisePicture:
    """The picture of root's graph with values given and gradients to find, and its questions.

    Shared by the exercise page and an assignment's graded page (``steps.graded``), so both show
    the same graph the same way.
    """
    from ..viz import draw_graph
    from ..viz.graph import settle_rankdir
    from ..viz.render import run_dot

    ordered = topological_order(root)
    check_size(ordered)
    if not root.parents:
        raise error(ExerciseError, "exercise.error.leaf")
    steps = list(backward_steps(root))
    final = {root: 1.0}
    for step in steps:
        for edge in step.contributions:
            final[edge.parent] = edge.grad_after
    graph = GraphView.of(
        root,
        "both",
        precision=digits,
        collapse="none",
        final_grads=final,
        lang=t.lang,
        rankdir="auto",  # as the step page: the direction that reads larger on the screen
    )
    graph = settle_rankdir(graph)
    view = graph.frame(grads={root: 1.0}, final={root}, sent=())
    asked = questions(root, view, steps, digits, t)
    # the picture, and the same picture solved: one run of dot, so both have one layout
    sources = []
    for frame, name in ((view, "exercise"), (graph.frame(grads=final, final=ordered), "solved")):
        digraph = draw_graph(frame)
        digraph.attr(id=name)
        sources.append(digraph.source)
    pictures = run_dot("\n".join(sources), "svg").decode("utf-8").split("<?xml")[1:]
    svg, solved = (
        translated_title(picture[picture.find("<svg") :], t.lang) for picture in pictures
    )
    return ExercisePicture(svg, asked, view, view.names[root] or "f", solved)


def exercise_html(
    root: Value,
    *,
    digits: int = 2,
    order: str = "backward",
    lang: str | None = None,
    title: str = "",
    description: str = "",
    worked: int = 0,
) -> str:
    """The exercise page for root's graph, as one HTML document (see :func:`exercise_page`)."""
    from ..viz.graph import UNKNOWN_FILL

    if order not in ORDERS:
        raise error(ExerciseError, "exercise.error.order", got=repr(order))
    if not is_integer(digits) or not 0 <= digits <= 6:
        raise error(ExerciseError, "exercise.error.digits", got=repr(digits))
    if not is_integer(worked) or worked < 0:
        raise error(ExerciseError, "exercise.error.worked", got=repr(worked))
    t = Translator(lang)
    picture = exercise_picture(root, digits, t)
    asked, view, svg, root_name = picture.questions, picture.view, picture.svg, picture.root_name
    if worked >= len(asked):
        raise error(
            ExerciseError, "exercise.error.worked_all", worked=worked, count=len(asked),
            most=len(asked) - 1,
        )  # fmt: skip
    work = Work(root, digits, grads=view.final_grads, names=view.names)
    index = {q.node: i for i, q in enumerate(asked)}
    data = {
        "order": order,
        "worked": worked,
        "unknownFill": UNKNOWN_FILL,
        "half": half_digit(digits),
        "questions": [
            {
                "box": q.box,
                "name": q.name,
                "answer": q.answer,
                "shown": q.shown,
                "hint": q.hint,
                "judging": work.page_data(work.question(q.node), t, index),
            }
            for q in asked
        ],
        "messages": {  # filled in by the page: {node}, {answer}, {hint}, {done}, ...
            key: t.catalog[f"exercise.{key}"].replace("{root}", root_name)
            for key in (
                "right", "wrong", "wrong_mistake", "revealed", "not_a_number", "next",
                "progress", "score", "your_turn",
            )
        },
    }  # fmt: skip
    words = {
        key.replace(".", "_"): t(f"exercise.{key}", root=root_name)
        for key in (
            "controls", "order", "order.backward", "order.any", "reveal_all", "restart",
            "show_answer", "projector", "instructions", "check",
        )
    }  # fmt: skip
    tolerance_note = t("exercise.tolerance", half=format_number(0.5 * 10.0**-digits, digits + 1))
    return fill(
        "exercise.html",
        lang=t.lang,
        title=title or t("exercise.title", root=root_name),
        description=(
            fill("description.html", summary=t("exercise.about"), text=description)
            if description
            else Markup("")
        ),
        picture=Markup(svg),
        solved=Markup(picture.solved),
        tolerance_note=tolerance_note,
        data=Markup(_json_for_script(data)),
        style=Markup(template("stepper.css").template + template("exercise.css").template),
        script=Markup(
            template("judging.js").template
            + template("fit.js").template
            + template("cells.js").template
            + template("exercise.js").template
        ),
        **words,
    )


def exercise_page(
    root: Value,
    path: str | Path,
    *,
    digits: int = 2,
    order: str = "backward",
    lang: str | None = None,
    title: str = "",
    description: str = "",
    worked: int = 0,
) -> Path:
    """Write the exercise page for root's graph: every gradient box an input the page checks.

    ``digits``: decimals of the numbers shown (answers are checked to half the last digit, or 2%
    where the shown numbers are rounded). ``order``: ``"backward"`` (each box opens when the one
    before it in backward's order is done) or ``"any"``; the page can switch. ``lang``: ``"en"``,
    ``"zh-Hant"`` or ``"zh-Hans"`` (default: the locale's). ``worked``: a faded worked example,
    the first ``worked`` gradients in backward's order (from the root) worked out on the page, the
    student doing the rest (the leaves' end: fade by lowering it lesson by lesson). Needs
    Graphviz's ``dot``. The file is written whole or not at all.
    """
    path = Path(path)
    page = exercise_html(
        root,
        digits=digits,
        order=order,
        lang=lang,
        title=title,
        description=description,
        worked=worked,
    )
    atomic_write(path, page)
    return path


def _json_for_script(data: object) -> str:
    """JSON to put inside <script>: '<' escaped, so no text in it can close the script element."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
