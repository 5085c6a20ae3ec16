"""The class report: what a teacher reads before the next lesson.

``report.html`` (one file, the plots inside it) says how many handed in and how they did, the
class's error rate by gate (the gate each gradient comes back through: an answer for ∂f/∂x where
x feeds a × gate counts for ×; a node used by several wires counts for "fan-out"), the mistakes
recognised in wrong answers, the problems most missed, each student's line, and every file that
could not be graded, with the reason. The plots are drawn with matplotlib (the ``plot`` extra);
without it the report has the same tables and says the plots are missing.
"""

from __future__ import annotations

import base64
import io
import statistics
from collections import Counter
from collections.abc import Sequence
from html import escape
from typing import Any

from ..i18n import Translator
from .gradebook import number_text
from .grading import FAN_OUT, Grading, Mark

BAR_COLOUR, SCORE_COLOUR = "#b3261e", "#1f5fa8"
CJK_FONTS = {"zh-Hant": "Noto Sans CJK TC", "zh-Hans": "Noto Sans CJK SC"}


def error_rates(marks: Sequence[Mark], key: str) -> list[tuple[str, int, int]]:
    """(group, wrong, answers) per value of ``key`` ('gate' or 'problem'), most missed first.

    Only answered boxes count: an empty box is not a mistake about a gate.
    """
    answered = [mark for mark in marks if mark.answer]
    totals = Counter(str(getattr(mark, key)) for mark in answered)
    wrong = Counter(str(getattr(mark, key)) for mark in answered if not mark.right)
    rows = [(group, wrong[group], count) for group, count in totals.items()]
    return sorted(rows, key=lambda row: (-row[1] / row[2], row[0]))


def mistakes(marks: Sequence[Mark]) -> list[tuple[str, int, int]]:
    """(mistake, answers that made it, answers where it would have changed the number), most
    frequent first; '' (not recognised) last, out of every wrong answer."""
    answered = [mark for mark in marks if mark.answer]
    made = Counter(mark.mistake for mark in answered if not mark.right)
    chances = Counter(mistake for mark in answered for mistake in mark.could)
    rows = [(m, n, chances[m]) for m, n in made.items() if m]
    rows.sort(key=lambda row: (-row[1] / max(row[2], 1), row[0]))
    if made[""]:
        rows.append(("", made[""], sum(not mark.right for mark in answered)))
    return rows


def gate_label(gate: str, t: Translator) -> str:
    if gate == FAN_OUT:
        return t("report.fan_out")
    return t(f"gatename.{gate}") if f"gatename.{gate}" in t.catalog else gate


def mistake_label(mistake: str, t: Translator) -> str:
    """A mistake's short name ('local gradient only'); 'not recognised' for ''."""
    return t(f"report.mistake.{mistake}") if mistake else t("report.unrecognised")


def report_html(grading: Grading, t: Translator) -> str:
    """The whole report as one HTML document."""
    from ..worksheets import page

    manifest = grading.manifest
    handed_in = [grade for grade in grading.grades if grade.submitted]
    marks = [mark for grade in handed_in for mark in grade.marks]
    percents = [100 * g.points / g.max_points for g in handed_in]
    summary = t(
        "report.summary",
        submitted=len(handed_in),
        students=len(grading.grades),
        mean=f"{statistics.mean(percents):.0f}" if percents else "–",
        median=f"{statistics.median(percents):.0f}" if percents else "–",
    )
    by_gate = error_rates(marks, "gate")
    by_problem = error_rates(marks, "problem")
    found = mistakes(marks)
    plots = _plots(percents, by_gate, found, t)
    parts = [
        f"<h1>{escape(t('report.title', assignment=manifest.assignment))}</h1>",
        f"<p>{escape(summary)}</p>",
        _section(t("report.by_gate"), t("report.by_gate_note"), [t("report.gate"),
                 t("report.wrong"), t("report.answers"), t("report.rate")],
                 [[gate_label(g, t), w, n, _percent(w, n)] for g, w, n in by_gate]),
        _section(t("report.by_mistake"), t("report.by_mistake_note"),
                 [t("report.mistake"), t("report.made"), t("report.chances"), t("report.rate")],
                 [[mistake_label(m, t), n, c, _percent(n, c)] for m, n, c in found]),
        _section(t("report.by_problem"), "", [t("report.problem"), t("report.wrong"),
                 t("report.answers"), t("report.rate")],
                 [[t("graded.problem", number=p, total=manifest.problems), w, n, _percent(w, n)]
                  for p, w, n in by_problem]),
        plots,
        _section(t("report.students"), "", [t("assignment.index.id"),
                 t("assignment.index.name"), t("report.score"), t("report.hints"),
                 t("report.attempts")],
                 [[g.student.id, g.student.name,
                   t("report.points", points=number_text(g.points), most=g.max_points,
                     right=g.score, boxes=g.max_score) if g.submitted else t("report.missing"),
                   sum(m.hints for m in g.marks), sum(m.attempts for m in g.marks)]
                  for g in grading.grades]),
        _section(t("report.refused"), t("report.refused_note"), [t("report.file"),
                 t("report.reason")],
                 [[error.where, error.translated(t.lang).removeprefix(error.where + ": ")
                   .removeprefix(error.where + "：")] for error in grading.refused]),
        _section(t("report.replaced"), t("report.replaced_note"), [t("assignment.index.id"),
                 t("report.counted"), t("report.not_counted")],
                 [[later.student, later.source, earlier.source]
                  for earlier, later in grading.replaced]),
    ]  # fmt: skip
    title = t("report.title", assignment=manifest.assignment)
    return page(title, f'<section class="summary report">{"".join(parts)}</section>', t)


def _percent(wrong: int, total: int) -> str:
    return f"{100 * wrong / total:.0f}%" if total else "–"


def _section(heading: str, note: str, columns: list[str], rows: list[list[Any]]) -> str:
    """A heading, a note and a table (or '—' when there is nothing to list)."""
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows
    )
    table = (
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        if rows
        else "<p>—</p>"
    )
    return f"<h2>{escape(heading)}</h2>" + (f"<p>{escape(note)}</p>" if note else "") + table


def _plots(
    percents: list[float],
    by_gate: list[tuple[str, int, int]],
    found: list[tuple[str, int, int]],
    t: Translator,
) -> str:
    """The three plots as <img> elements with the PNG inside, or a note without matplotlib."""
    try:
        from matplotlib import rc_context
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        return f"<p class='note'>{escape(t('report.no_plots'))}</p>"
    fonts = ["DejaVu Sans", *([CJK_FONTS[t.lang]] if t.lang in CJK_FONTS else [])]
    images = []
    with rc_context({"font.family": fonts}):  # (a list: matplotlib falls back glyph by glyph)
        figure = Figure(figsize=(12, 3.4), dpi=100, layout="constrained")
        left, middle, right = figure.subplots(1, 3, width_ratios=(1, 1, 1.3))  # long names right
        left.hist(percents, bins=[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0001],
                  color=SCORE_COLOUR)  # fmt: skip
        left.set_title(t("report.plot_scores"))
        left.set_xlabel(t("report.plot_percent"))
        left.set_ylabel(t("report.plot_students"))
        left.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        labels = [gate_label(g, t) for g, _, _ in by_gate]
        middle.barh(labels[::-1], [100 * w / n for _, w, n in by_gate][::-1], color=BAR_COLOUR)
        middle.set_title(t("report.by_gate"))
        middle.set_xlabel(t("report.plot_rate"))
        middle.set_xlim(0, 100)
        names = [mistake_label(m, t) for m, _, _ in found]
        right.barh(names[::-1], [n for _, n, _ in found][::-1], color=BAR_COLOUR)
        right.set_title(t("report.by_mistake"))
        right.set_xlabel(t("report.plot_count"))
        right.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        images.append(base64.b64encode(buffer.getvalue()).decode("ascii"))
    return "".join(
        f'<p><img alt="{escape(t("report.plot_alt"))}" style="max-width:100%" '
        f'src="data:image/png;base64,{image}"></p>'
        for image in images
    )
