"""The step-by-step page: the forward pass, then backward one step at a time, as one HTML file.

Each frame is a :class:`~microgradpp.viz.view.GraphView` of the same graph in another state
(what is known, what is highlighted) with a caption from ``steps.replay``: the frames are worked
out from ``backward_steps`` alone, never by running ``backward()`` or editing ``.grad``, and
every frame draws the same boxes of the same sizes, so Graphviz lays them all out the same way.

The page itself (HTML, CSS, JavaScript) is kept as files in ``templates/`` and filled by
:func:`fill`, the one place where inserted text is escaped.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template

from ..engine import Value, topological_order
from ..errors import GraphTooLargeError
from ..files import atomic_write
from ..i18n import error, resolve_language
from ..messages import text
from ..viz.view import check_decimals
from .collapsed import collapsed_frames
from .frame import Frame, GradientTally, inputs_frame, replay_view, seed_frame
from .replay import derivative_name, forward_caption, number_formatter, replay
from .replay import step_names as _step_names

MAX_STEPPER_NODES = 200
"""The largest graph a step-by-step page is made for (a frame per node, each a full picture)."""


def check_size(order: list[Value]) -> None:
    """Refuse a graph too large for a page, before any work that grows faster than the graph."""
    if len(order) > MAX_STEPPER_NODES:
        raise error(
            GraphTooLargeError, "page.error.too_large", count=f"{len(order):,}",
            most=MAX_STEPPER_NODES,
        )  # fmt: skip


def stepper_frames(
    root: Value,
    digits: int = 4,
    lang: str = "en",
    collapse: str = "none",
    rankdir: str = "auto",
) -> list[Frame]:
    """The frames of the page: the forward pass node by node, the seed, then every backward step.

    With ``collapse`` 'neuron', 'layer' or 'part' the picture draws a box per neuron, layer or
    sub-expression and a frame goes through a whole box (``steps.collapsed``). ``rankdir``: the
    direction of every frame's picture (``"auto"``: the one that reads larger on a 1920×1080
    screen, see ``viz.graph.settle_rankdir``).
    Raises GraphTooLargeError (a ValueError) for a graph of more than MAX_STEPPER_NODES nodes.
    """
    order = topological_order(root)
    check_size(order)
    return _any_frames(root, order, digits, lang, collapse, rankdir)


COLLAPSE_LEVELS = ("none", "neuron", "layer", "part")
"""What a step page may be collapsed to: nothing (a frame per node), or see viz.collapse."""


def _any_frames(
    root: Value, order: list[Value], digits: int, lang: str, collapse: str, rankdir: str = "auto"
) -> list[Frame]:
    check_decimals(digits, "digits")
    if collapse not in COLLAPSE_LEVELS:
        raise error(
            ValueError, "check.one_of", name="collapse", choices=COLLAPSE_LEVELS, got=repr(collapse)
        )
    if collapse == "none":
        return _frames(root, order, digits, lang, rankdir)
    return collapsed_frames(root, order, digits, lang, collapse, rankdir)


def _frames(
    root: Value, order: list[Value], digits: int, lang: str, rankdir: str = "auto"
) -> list[Frame]:
    steps = list(replay(root, order))
    names = steps[0].names if steps else _step_names(order)
    num = number_formatter(digits)
    graph = replay_view(root, order, steps, digits, lang, "none", rankdir)
    leaves = [node for node in order if not node.parents]
    gate_nodes = [node for node in order if node.parents]
    root_name = derivative_name(names[root])
    frames = [inputs_frame(graph, leaves, names, num, len(gate_nodes), lang)]
    known = frozenset(leaves)
    for i, node in enumerate(gate_nodes, start=1):
        known = known | {node}
        caption = text("frame.forward", lang, equation=forward_caption(node, names, digits))
        if node is root:
            caption += "\n" + text("frame.output", lang, root=root_name)
        frames.append(
            Frame(
                f"forward-{i}",
                text("frame.forward.title", lang, index=i, total=len(gate_nodes)),
                caption,
                graph.frame(
                    values=known,
                    grads={},
                    final=(),
                    lit={node, *node.parents},
                    lit_gates={node},
                    lit_wires={(parent, node) for parent in node.parents},
                ),
            )
        )

    tally = GradientTally(root, order)
    frames.append(seed_frame(graph, tally, root_name, len(steps), lang))
    for step in steps:
        tally.record(step)
        frames.append(
            Frame(
                f"step-{step.index}",
                text("frame.step.title", lang, index=step.index, total=step.total),
                step.caption(digits, numbered=False, lang=lang),
                graph.frame(
                    grads=tally.grads,
                    final=tally.final,
                    sent=tally.sent,
                    lit={step.node, *step.node.parents},
                    lit_gates={step.node},
                    lit_wires={(parent, step.node) for parent in step.node.parents},
                ),
            )
        )
    return frames


# ------------------------------------------------------------------------------------------------
# The page
# ------------------------------------------------------------------------------------------------


def render_steps(
    root: Value,
    path: str | Path,
    digits: int = 4,
    title: str = "",
    description: str = "",
    lang: str | None = None,
    notice: str = "",
    offers: Sequence[tuple[str, str]] = (),
    collapse: str = "none",
    rankdir: str = "auto",
) -> Path:
    """Write one self-contained HTML page that replays the forward pass, then backward step by step.

    Every frame holds an inline SVG picture of the whole graph (same layout in every frame), with
    the nodes of the step highlighted and the gradients known so far; a caption explains it in
    words and numbers. The page needs no network: Prev/Next buttons, the arrow keys, a slider, and
    links such as ``page.html#step-5`` move between frames; printing gives one frame per page.
    Needs the ``graphviz`` Python package and Graphviz's ``dot`` program.

    A graph of more than MAX_STEPPER_NODES nodes is refused (GraphTooLargeError, a ValueError)
    before anything else is done. The file is written whole or not at all. ``lang`` is the
    language of the captions and the page's words ('en', 'zh-Hant', 'zh-Hans'; default: the
    locale's, see ``microgradpp.i18n``). ``notice`` is a line shown under the title (a long page
    says so), followed by links to ``offers``, ``(href, text)`` pairs: the shorter pages it offers.
    ``collapse``: 'none' (a frame per node), or 'neuron', 'layer', 'part': the collapsed page, a
    box per neuron, layer or sub-expression and a frame per box (``steps.collapsed``).
    ``rankdir``: ``"auto"`` (left to right, top to bottom or a long chain turned once, whichever
    reads larger on a 1920×1080 screen), ``"LR"``, ``"TB"`` or ``"wrap"``.
    """
    lang = resolve_language(lang)
    path = Path(path)
    order = topological_order(root)  # once: the frames and the pictures all use it
    check_size(order)
    frames = _any_frames(root, order, digits, lang, collapse, rankdir)
    pictures = frame_pictures(frames)
    title = title or text("page.title", lang, root=frames[0].view.names[root] or "f")
    shown = page(title, description, frames, pictures, lang, notice, offers)
    atomic_write(path, shown)  # never half a page
    return path


def frame_pictures(frames: list[Frame]) -> list[str]:
    """One SVG per frame, laid out by a single run of Graphviz's dot over all the frames."""
    from ..viz import draw_graph
    from ..viz.render import run_dot

    sources = []
    for frame in frames:
        digraph = draw_graph(frame.view)
        digraph.attr(id=f"picture-{frame.id}")  # Graphviz prefixes every id in the SVG with it
        sources.append(digraph.source)
    output = run_dot("\n".join(sources), "svg").decode("utf-8")
    pictures = ["<?xml" + piece for piece in output.split("<?xml")[1:]]
    if len(pictures) != len(frames):
        raise RuntimeError(f"dot drew {len(pictures)} pictures for {len(frames)} frames")
    return pictures


class Markup(str):
    """HTML made by this module from escaped parts (or by Graphviz): :func:`fill` inserts it as
    it is. Any other text is escaped."""


@cache
def template(name: str) -> Template:
    """A file of ``templates/``, read from the installed package."""
    source = (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")
    return Template(source)


def fill(name: str, **values: str | int) -> Markup:
    """The template ``name`` with each ``$placeholder`` replaced by its value, escaped for HTML
    unless it is :class:`Markup`. The one place where text enters the page: every placeholder is
    filled once, and text put in is never read for placeholders again."""
    safe = {
        key: value if isinstance(value, Markup) else html.escape(str(value), quote=True)
        for key, value in values.items()
    }
    return Markup(template(name).substitute(safe))


def page(
    title: str,
    description: str,
    frames: list[Frame],
    pictures: list[str],
    lang: str = "en",
    notice: str = "",
    offers: Sequence[tuple[str, str]] = (),
    predict: str = "",
) -> str:
    """The whole HTML document: the frames with their pictures, the controls, the index.

    ``predict``: the JSON of :func:`prediction_data`, for a page that asks before it shows."""
    sections = []
    for number, (frame, picture) in enumerate(zip(frames, pictures), start=1):
        headline, *details = frame.caption.split("\n")
        sections.append(
            fill(
                "frame.html",
                id=frame.id,
                title=frame.title,
                number=number,
                count=len(frames),
                lit=" ".join(sorted(frame.view.box_id(node) for node in frame.view.lit)),
                headline=headline,
                lines=Markup("".join(fill("line.html", line=line) for line in details)),
                picture=Markup(_inline_svg(picture, lang)),
                pieces=Markup(print_pieces(picture)),
            )
        )
    links = "".join(fill("link.html", id=frame.id, title=frame.title) for frame in frames)
    about = fill("description.html", summary=text("page.about", lang), text=description)
    if notice:
        shown_links = Markup(" ".join(fill("notice-link.html", href=h, text=t) for h, t in offers))
        about = Markup(
            fill("notice.html", text=notice, links=shown_links) + (about if description else "")
        )
        description = description or notice
    words = {
        key: text(f"page.{key.replace('_hint', '.hint')}", lang)
        for key in (
            "controls", "first", "first_hint", "prev", "prev_hint", "next", "next_hint", "play",
            "pause", "play_hint", "zoom", "fit", "zoom_hint", "slider", "keys", "index",
        )
    }  # fmt: skip
    return fill(
        "page.html",
        lang=lang,
        title=title,
        description=about if description else Markup(""),
        last=len(frames) - 1,
        frames=Markup("\n".join(sections)),
        links=Markup(links),
        predict=Markup(
            '<script type="application/json" id="predict-data">'
            f"{predict}</script>\n<script>\n{template('judging.js').template}"
            f"{template('predict.js').template}</script>\n"
            if predict
            else ""
        ),
        style=Markup(template("stepper.css").template),
        script=Markup(
            template("fit.js").template
            + template("stepper.js").template
            + template("pieces.js").template
        ),
        **words,
    )


PRINT_WIDTH_PT = 770.0
"""The picture's room on a printed page: A4 landscape less 1.2 cm margins is 273 mm (774 pt)."""
PRINT_HEIGHT_PT = 400.0
"""... and under the frame's title and caption, about 14 cm."""
SMALLEST_PRINTED_PT = 8.0
"""No label prints smaller (Graphviz draws at 13 to 16 pt: a picture may shrink to 0.62)."""
PIECE_OVERLAP = 0.06
"""Neighbouring pieces share this part of their width, so a box cut by one edge is whole in the
other."""


def print_pieces(svg: str) -> str:
    """The picture cut into pieces of a printed page each, at a scale where every label prints at
    least 8 pt ('' when the whole picture fits a page that large). A piece shows the picture
    itself through ``<use>`` and a viewBox (a window on it): no copy of the drawing. The pieces
    are described here and drawn by ``pieces.js`` when the page loads."""
    viewbox = re.search(r'viewBox="(-?[\d.]+) (-?[\d.]+) ([\d.]+) ([\d.]+)"', svg)
    group = re.search(r'<g id="([^"]+)" class="graph"', svg)
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]
    if viewbox is None or group is None or not sizes:
        return ""
    left, top, width, height = (float(x) for x in viewbox.groups())
    fitted = min(PRINT_WIDTH_PT / width, PRINT_HEIGHT_PT / height, 1.0)  # what print CSS does
    if min(sizes) * fitted >= SMALLEST_PRINTED_PT:
        return ""
    least = SMALLEST_PRINTED_PT / min(sizes)
    columns = math.ceil(width * least / (PRINT_WIDTH_PT * (1 - PIECE_OVERLAP)))
    rows = math.ceil(height * least / PRINT_HEIGHT_PT)
    step_x, piece_h = width / columns, height / rows
    piece_w = step_x * (1 + PIECE_OVERLAP) if columns > 1 else step_x
    scale = min(PRINT_WIDTH_PT / piece_w, PRINT_HEIGHT_PT / piece_h)
    target = html.escape(html.unescape(group.group(1)), quote=True)
    pieces = ";".join(
        f"{piece_w * scale:.1f} {piece_h * scale:.1f} {left + min(c * step_x, width - piece_w):.2f}"
        f" {top + r * piece_h:.2f} {piece_w:.2f} {piece_h:.2f}"
        for r in range(rows)
        for c in range(columns)
    )  # each: its printed width and height (pt), then its window on the picture (a viewBox)
    return (
        f'<div class="print-pieces" aria-hidden="true" data-target="{target}" '
        f'data-pieces="{pieces}"></div>'
    )


PREDICT_DIGITS = 2
"""Predictions are judged at 2 decimals (the worksheets' and exercises' rule), whatever the
page shows: a student predicting by hand rounds as on paper."""


def prediction_data(root: Value, order: list[Value], lang: str) -> str:
    """What predict.js asks before each backward step: the gradients the step completes (a
    node's, once every wire leaving it has brought its share), with judging's data for each."""
    import json

    from ..i18n import Translator
    from ..judging import Work, half_digit
    from ..practice import gradient_hint

    t = Translator(lang)
    steps = list(replay(root, order))
    names = steps[0].names if steps else _step_names(order)
    final = {root: 1.0}
    wires_left = {node: 0 for node in order}
    for node in order:
        for parent in node.parents:
            wires_left[parent] += 1
    for step in steps:
        for edge in step.contributions:
            final[edge.parent] = edge.grad_after
    work = Work(root, PREDICT_DIGITS, grads=final, names=names)
    index = {question.node: i for i, question in enumerate(work.questions)}
    frames: dict[str, list[int]] = {}
    for step in steps:
        for edge in step.contributions:
            wires_left[edge.parent] -= 1
            if wires_left[edge.parent] == 0 and edge.parent in index:
                frames.setdefault(f"step-{step.index}", []).append(index[edge.parent])
    computed = [node for node in order if node.parents]
    labels = {node: name for node, name in names.items() if name}
    root_name = names[root] or "f"
    questions = [
        dict(
            work.page_data(question, t, index),
            hint=gradient_hint(question.node, root, computed, labels, t),
        )
        for question in work.questions
    ]
    messages = {
        key: t.catalog[f"{key}"].replace("{root}", root_name)
        for key in ("predict.intro", "predict.ask", "predict.check", "predict.show",
                    "predict.right", "exercise.wrong", "exercise.wrong_mistake",
                    "exercise.not_a_number")
    }  # fmt: skip
    data = {
        "half": half_digit(PREDICT_DIGITS),
        "frames": frames,
        "questions": questions,
        "messages": {key.split(".", 1)[1]: value for key, value in messages.items()},
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")


def _inline_svg(svg: str, lang: str = "en") -> str:
    """An SVG document as markup to put inside HTML: without the XML prolog and comments, its
    tooltip (the graph's DOT name, 'computational_graph') in the page's language."""
    start = svg.find("<svg")
    return translated_title(svg[start:] if start >= 0 else svg, lang)


def translated_title(svg: str, lang: str) -> str:
    """The picture's own title (what a browser shows on hovering over it) in ``lang``: Graphviz
    writes the graph's DOT name there, which stays 'computational_graph' for the tools."""
    title = html.escape(text("picture.graph_title", lang))
    return svg.replace("<title>computational_graph</title>", f"<title>{title}</title>", 1)
