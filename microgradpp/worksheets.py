"""Printable worksheets with answer keys, and the hints students get when an answer is wrong.

:func:`write_worksheets` makes, for a class, one A4 page per student (a different random graph
each, from :mod:`microgradpp.practice`), a separate answer key per student, a class summary, and
two files to print everything at once::

    DIR/summary.html        the class at a glance: every graph, its inputs and f, links
    DIR/sheet-07.html       student 7's worksheet: inputs, equations, the graph with blanks, a table
    DIR/key-07.html         student 7's answer key: the same page with every number filled in
    DIR/all-sheets.html     every worksheet, one per printed page
    DIR/all-keys.html       every answer key, one per printed page

The pictures are drawn by Graphviz's ``dot`` (a box per node: its name, a green line for the
value, a red line for the gradient ∂f/∂node); the numbers on a key are the engine's own
``backward()``. The same class, seed and language give byte-identical files.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from .engine import Value
from .files import atomic_write
from .i18n import Translator
from .judging import common_wrong_answers, right_answers
from .practice import Problem, count_gates, make_class, rules, shown
from .viz.dot import escape as dot_label_text
from .viz.graph import GRAD_COLOUR, VALUE_COLOUR  # green values, red gradients: draw_graph's

BLANK_WIDTH = 64  # points: room for a handwritten "−0.59"


# ------------------------------------------------------------------------------------------------
# The picture: the graph with blanks (a worksheet) or with the numbers (an answer key)
# ------------------------------------------------------------------------------------------------


def worksheet_dot(problem: Problem, answers: bool = False) -> str:
    """The DOT text of the problem's graph: inputs with their values, every other box blank.

    With ``answers=True`` every blank holds its number (the answer key). Boxes and wires come in
    forward order, and every blank is as wide as its number would be, so sheet and key share
    one layout.
    """
    order = problem.order
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    deep = len(problem.computed) > 6  # a network: drawn top to bottom, blanks only in the table
    lines = [
        "digraph worksheet {",
        '  graph [rankdir=LR, nodesep=0.25, ranksep=0.3, bgcolor="transparent", margin=0];',
        '  node [fontname="Helvetica", fontsize=14, margin=0];',
        '  edge [arrowsize=0.6, color="#555555"];',
    ]
    for node in order:
        if node.parents:
            gate = node.gate
            assert gate is not None  # a node with parents was made by a gate
            symbol = "+" if gate.adds else gate.symbol  # a sum of three is a "+" on paper too
            width = 0.42 if len(symbol) == 1 else 0.6
            lines.append(
                f'  g{ids[node]} [shape=circle, label="{_dot_text(symbol)}", width={width}, '
                'fixedsize=true, style=filled, fillcolor="#e8eefa", color="#4a5a80"];'
            )
        box = _box(problem, node, answers, compact=deep)
        lines.append(f"  {ids[node]} [shape=plaintext, label=<{box}>];")
    for node in order:
        if node.parents:
            for parent in node.parents:
                lines.append(f"  {ids[parent]} -> g{ids[node]};")
            lines.append(f"  g{ids[node]} -> {ids[node]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _box(problem: Problem, node: Value, answers: bool, compact: bool = False) -> str:
    """An HTML-like Graphviz label: the name, then the value (green) and ∂f/∂name (red).

    ``compact`` (a big graph): the name and the numbers only, no blanks, so the picture stays
    large enough to read on paper; the table beside it has the blanks.
    """
    if compact and node.label:
        numbers = []
        if answers or not node.parents:
            numbers.append(f'<FONT COLOR="{VALUE_COLOUR}">{_dot_text(shown(node.data))}</FONT>')
        if answers or node is problem.root:
            numbers.append(f'<FONT COLOR="{GRAD_COLOUR}">{_dot_text(shown(node.grad))}</FONT>')
        text = f"<B>{_dot_text(node.label)}</B>" + "".join(f" {n}" for n in numbers)
        return f'<TABLE BORDER="1" CELLBORDER="0" CELLPADDING="3"><TR><TD>{text}</TD></TR></TABLE>'
    if not node.label:  # a constant: just its number
        return (
            '<TABLE BORDER="1" CELLBORDER="0" CELLPADDING="3" COLOR="#999999">'
            f"<TR><TD>{_dot_text(shown(node.data))}</TD></TR></TABLE>"
        )
    value_given = answers or not node.parents
    grad_given = answers or node is problem.root
    value = _cell(shown(node.data) if value_given else "", VALUE_COLOUR)
    grad = _cell(shown(node.grad) if grad_given else "", GRAD_COLOUR)
    return (
        '<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
        f'<TR><TD COLSPAN="2"><B>{_dot_text(node.label)}</B></TD></TR>'
        f'<TR><TD><FONT COLOR="{VALUE_COLOUR}">=</FONT></TD>{value}</TR>'
        f'<TR><TD><FONT COLOR="{GRAD_COLOUR}" POINT-SIZE="11">∂f/∂{_dot_text(node.label)}</FONT>'
        f"</TD>{grad}</TR></TABLE>"
    )


def _cell(text: str, colour: str) -> str:
    if text:
        return (
            f'<TD WIDTH="{BLANK_WIDTH}" ALIGN="LEFT"><FONT COLOR="{colour}">'
            f"{_dot_text(text)}</FONT></TD>"
        )
    return f'<TD WIDTH="{BLANK_WIDTH}" HEIGHT="20" BORDER="1" SIDES="B" COLOR="{colour}"> </TD>'


def _dot_text(text: str) -> str:
    return dot_label_text(text)  # the one escape of every DOT writer: drawn as written


def worksheet_svg(problem: Problem, answers: bool = False) -> str:
    """The picture as SVG markup to put in a page (needs Graphviz's ``dot``)."""
    from .viz.render import run_dot

    svg = run_dot(worksheet_dot(problem, answers), "svg").decode("utf-8")
    svg = svg[svg.find("<svg") :]
    prefix = f"s{problem.number}{'k' if answers else ''}-"
    return svg.replace('id="', f'id="{prefix}').replace("url(#", f"url(#{prefix}")


# ------------------------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------------------------


def sheet_html(problem: Problem, total: int, t: Translator, answers: bool = False) -> str:
    """One student's page, as an HTML fragment (a <section>): the worksheet or its answer key."""
    title = t("key.title" if answers else "worksheet.title", level=problem.level)
    student = t("worksheet.student", number=problem.number)
    sheet = t("worksheet.sheet", number=problem.number, total=total, seed=problem.seed)
    inputs = ", ".join(f"{node.label} = {shown(node.data)}" for node in problem.inputs)
    equations = "".join(f"<li>{escape(line)}</li>" for line in problem.equations())
    rule_items = "".join(f"<li>{escape(rule)}</li>" for rule in rules(problem, t))
    fields = (
        ""
        if answers
        else (
            '<p class="fields">'
            + "".join(
                f"<span>{escape(t(key))}: <span class='line'></span></span>"
                for key in ("worksheet.name", "worksheet.class", "worksheet.date")
            )
            + "</p>"
        )
    )
    tasks = "".join(
        f"<li>{escape(t(key))}</li>"
        for key in ("worksheet.task_forward", "worksheet.task_backward", "worksheet.precision")
    )
    tolerance_note = f'<p class="note">{escape(t("key.judging"))}</p>' if answers else ""
    return (
        f'<section class="sheet{" key" if answers else ""}" id="student-{problem.number}">\n'
        f'<header><h1>{escape(title)}</h1><p class="who"><b>{escape(student)}</b> · '
        f"{escape(sheet)}</p></header>\n{fields}\n"
        f'<ol class="tasks">{tasks}</ol>\n'
        f'<div class="given"><p><b>{escape(t("worksheet.inputs"))}:</b> {escape(inputs)}</p>'
        f'<p><b>{escape(t("worksheet.equations"))}:</b></p><ol class="equations">{equations}</ol>'
        "</div>\n"
        f'<figure class="graph">{worksheet_svg(problem, answers)}'
        f"<figcaption>{escape(t('worksheet.legend'))}</figcaption></figure>\n"
        f"{_table(problem, t, answers)}\n"
        f'<div class="rules"><b>{escape(t("worksheet.rules"))}</b><ul>{rule_items}</ul></div>\n'
        f"{tolerance_note}"
        "</section>"
    )


MISTAKE_CODES = {
    "local_only": "L",
    "upstream_only": "U",
    "one_path_only": "P",
    "input_output_swap": "IO",
    "max_wrong_input": "M",
    "mul_own_value": "O",
}
"""The key's margin writes each mistake by a letter (its legend says which); a wrong sign is
not listed: it is always the answer's negative."""


def _table(problem: Problem, t: Translator, answers: bool) -> str:
    """The table to fill in: node, how it is computed, value, gradient (two columns if long).

    An answer key adds, in the margin, the common wrong answers: what each well-known mistake
    (:mod:`microgradpp.judging`) makes a student write there, so a teacher recognises it."""
    rows = []
    work = problem.work
    for answer in problem.answers():
        value = shown(answer.value) if answers or answer.is_input else ""
        grad = shown(answer.grad) if answers or answer.name == "f" else ""
        margin = ""
        if answers and answer.name != "f":  # the rounded chain's answer is right too
            question = work.question(answer.name)
            grad = " / ".join(shown(x) for x in right_answers(work, question))
            margin = ", ".join(
                f"{shown(number)} {MISTAKE_CODES[mistake]}"
                for mistake, number in common_wrong_answers(work, question)
                if mistake in MISTAKE_CODES
            )
        formula = answer.formula or t("worksheet.input")
        # a key has the common wrong answers where the sheet has "computed as" (the equations
        # are printed above it): a teacher marking needs the former
        middle = "" if answers else f"<td class='formula'>{escape(formula)}</td>"
        rows.append(
            f"<tr><th>{escape(answer.name)}</th>{middle}"
            f"<td class='value'>{escape(value)}</td><td class='grad'>{escape(grad)}</td>"
            + (f"<td class='margin'>{escape(margin)}</td>" if answers else "")
            + "</tr>"
        )
    head = (
        f"<thead><tr><th>{escape(t('worksheet.col_node'))}</th>"
        + ("" if answers else f"<th>{escape(t('worksheet.col_formula'))}</th>")
        + f"<th>{escape(t('worksheet.col_value'))}</th>"
        f"<th>{escape(t('worksheet.col_grad'))}</th>"
        + (f"<th class='margin'>{escape(t('key.common_wrong'))}</th>" if answers else "")
        + "</tr></thead>"
    )
    halves = (
        [rows] if len(rows) <= 12 else [rows[: (len(rows) + 1) // 2], rows[(len(rows) + 1) // 2 :]]
    )
    tables = "".join(f"<table>{head}<tbody>{''.join(half)}</tbody></table>" for half in halves)
    legend = ""
    if answers:
        codes = " · ".join(
            f"{code} = {t(f'mistake_name.{mistake}')}" for mistake, code in MISTAKE_CODES.items()
        )
        legend = f'<p class="legend">{escape(t("key.common_wrong_legend", codes=codes))}</p>'
    return f'<div class="answers columns-{len(halves)}">{tables}</div>{legend}'


def page(title: str, body: str, t: Translator) -> str:
    """A complete HTML document around ``body``, with the print stylesheet (A4 portrait)."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{t.lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="microgradpp">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def summary_html(problems: Sequence[Problem], t: Translator, width: int) -> str:
    """The class summary: one row per student, with f, the gates and links to sheet and key."""
    first = problems[0]
    rows = []
    for problem in problems:
        number = f"{problem.number:0{width}d}"
        inputs = ", ".join(f"{node.label} = {shown(node.data)}" for node in problem.inputs)
        rows.append(
            f"<tr><td>{problem.number}</td><td>{escape('; '.join(problem.equations()))}</td>"
            f"<td>{escape(inputs)}</td><td class='value'>{escape(shown(problem.root.data))}</td>"
            f'<td><a href="sheet-{number}.html">{escape(t("summary.sheet"))}</a> · '
            f'<a href="key-{number}.html">{escape(t("summary.key"))}</a></td></tr>'
        )
    counts = count_gates(problems)
    gates = ", ".join(f"{t(f'gatename.{gate}')}: {count}" for gate, count in counts.items())
    reused = sum(1 for problem in problems if problem.reused())
    heading = t("summary.title", students=len(problems), level=first.level, seed=first.seed)
    return (
        f'<section class="summary"><h1>{escape(heading)}</h1>\n'
        f"<p>{escape(t(f'level.{first.level}'))}</p>\n"
        f'<p><a href="all-sheets.html">{escape(t("summary.print_sheets"))}</a> · '
        f'<a href="all-keys.html">{escape(t("summary.print_keys"))}</a></p>\n'
        f"<p>{escape(t('summary.gates'))}: {escape(gates)}"
        + (f"; {escape(t('summary.reused', count=reused))}" if reused else "")
        + "</p>\n"
        f"<p>{escape(t('summary.same_seed', seed=first.seed, level=first.level))}</p>\n"
        f"<table><thead><tr><th>{escape(t('summary.student'))}</th>"
        f"<th>{escape(t('summary.graph'))}</th><th>{escape(t('worksheet.inputs'))}</th>"
        f"<th>f</th><th></th></tr></thead>\n<tbody>{''.join(rows)}</tbody></table></section>"
    )


def write_worksheets(
    out: str | Path,
    students: int = 30,
    seed: int = 2026,
    level: int = 1,
    lang: str | None = None,
) -> list[Path]:
    """Write a class's worksheets, answer keys and summary into ``out``; returns the paths.

    Each student gets a different graph of the level; the same arguments give byte-identical
    files. Needs Graphviz's ``dot`` program for the pictures.
    """
    t = Translator(lang)
    problems = make_class(level, seed, students)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(students)))
    written = []
    sheets: list[str] = []
    keys: list[str] = []
    for problem in problems:
        number = f"{problem.number:0{width}d}"
        for answers, stem, collected in ((False, "sheet", sheets), (True, "key", keys)):
            section = sheet_html(problem, students, t, answers)
            collected.append(section)
            title = t("key.title" if answers else "worksheet.title", level=level)
            title += " · " + t("worksheet.student", number=problem.number)
            path = out / f"{stem}-{number}.html"
            atomic_write(path, page(title, section, t))
            written.append(path)
    for name, sections, key in (
        ("all-sheets.html", sheets, "worksheet.title"),
        ("all-keys.html", keys, "key.title"),
    ):
        path = out / name
        atomic_write(path, page(t(key, level=level), "\n".join(sections), t))
        written.append(path)
    summary = out / "summary.html"
    heading = t("summary.title", students=students, level=level, seed=seed)
    atomic_write(summary, page(heading, summary_html(problems, t, width), t))
    written.append(summary)
    return written


_STYLE = """
:root { --value: VALUE_COLOUR; --grad: GRAD_COLOUR; --ink: #111827; --muted: #4b5563; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; color: var(--ink);
       font: 15px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
:lang(zh-Hant) body, body:lang(zh-Hant) { font-family: system-ui, "Noto Sans CJK TC",
       "PingFang TC", "Microsoft JhengHei", sans-serif; }
:lang(zh-Hans) body, body:lang(zh-Hans) { font-family: system-ui, "Noto Sans CJK SC",
       "PingFang SC", "Microsoft YaHei", sans-serif; }
.sheet { margin-bottom: 2rem; }
.sheet header { display: flex; justify-content: space-between; align-items: baseline;
                border-bottom: 2px solid var(--ink); }
.sheet h1 { font-size: 1.3rem; margin: 0.2rem 0; }
.who { margin: 0; color: var(--muted); }
.fields { display: flex; gap: 1.5rem; margin: 0.6rem 0; }
.fields .line { display: inline-block; width: 9rem; border-bottom: 1px solid var(--ink); }
.tasks { margin: 0.3rem 0; padding-left: 1.4rem; }
.given p { margin: 0.2rem 0; }
.equations { margin: 0.1rem 0; padding-left: 0; columns: 3; list-style: none;
             counter-reset: equation; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
/* numbered inside the column: an outside marker is clipped by the column box ("1." as "l.") */
.equations li { counter-increment: equation; break-inside: avoid; }
.equations li::before { content: counter(equation) ". "; color: var(--muted); }
figure.graph { margin: 0.4rem 0; text-align: center; }
figure.graph svg { max-width: 100%; height: auto; max-height: 105mm; }
figure.graph figcaption { font-size: 0.85rem; color: var(--muted); }
.answers { display: flex; gap: 1rem; }
.answers table { border-collapse: collapse; flex: 1; }
.answers th, .answers td { border: 1px solid #6b7280; padding: 0 0.4rem; height: 7.5mm; }
.answers thead th { background: #f3f4f6; font-size: 0.85rem; }
.answers tbody th { text-align: left; }
.answers td.value, .answers td.grad { width: 24%; text-align: right; font-variant-numeric: tabular-nums; }
.answers td.value { color: var(--value); }
.answers td.grad { color: var(--grad); }
.answers td.formula { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.9rem;
                      white-space: nowrap; }
.answers td.grad { white-space: nowrap; }
.answers .margin { font-size: 0.75rem; color: var(--muted); width: 36%; }
.legend { font-size: 0.75rem; color: var(--muted); margin: 0.15rem 0; }
.rules { margin-top: 0.5rem; font-size: 0.85rem; border: 1px solid #d1d5db; padding: 0.2rem 0.6rem; }
.rules ul { margin: 0.1rem 0; padding-left: 1.2rem; }
.note { font-size: 0.85rem; color: var(--muted); }
.summary table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
.summary th, .summary td { border: 1px solid #d1d5db; padding: 0.15rem 0.4rem; text-align: left; }
.summary td.value { text-align: right; }
@media print {
  @page { size: A4 portrait; margin: 10mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  /* One sheet, one page: the sheet is exactly the page's height and the picture takes what the
     text and the table leave (it scales down, never the other way round). */
  .sheet { height: 276mm; display: flex; flex-direction: column; overflow: hidden;
           break-after: page; page-break-after: always; margin: 0; }
  .sheet > * { flex: none; }
  .sheet figure.graph { flex: 1 1 0; min-height: 25mm; display: flex; flex-direction: column; }
  .sheet figure.graph svg { flex: 1 1 0; min-height: 0; width: 100%; height: 100%; max-height: none; }
  .sheet:last-child { break-after: auto; page-break-after: auto; }
  .answers th, .answers td { height: 6.6mm; }
  .summary a { color: inherit; text-decoration: none; }
}
""".replace("VALUE_COLOUR", VALUE_COLOUR).replace("GRAD_COLOUR", GRAD_COLOUR)  # one home: viz.graph
