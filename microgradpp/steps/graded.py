"""The graded page of an assignment: the exercise page's picture, but nothing on it checks.

A graded page shows one student's graphs (values given, every gradient a box to type in) and
records every answer, every change of an answer (an attempt) and every hint asked for. It carries
no answers: its data holds the boxes, the node names and the hints (the gate's rule, no numbers),
never a gradient, so reading the page's source gives nothing away. The work is kept in the
browser's ``localStorage`` (a reload or a closed tab loses nothing), and **Submit** gives both a
file to download and a short paste code (for an LMS quiz field or an e-mail); both carry the
same submission: assignment, student ID, the page's fingerprint, answers, attempts, hints.
``microgradpp grade`` re-creates the graphs and grades it (``microgradpp.assignments``).

After submitting, "Try another one" opens a practice page of another graph, which checks as the
exercise page does (it was written with its answers: it is practice, not the assignment).

This module only builds the page; what a submission is, and how it is read back and graded,
is ``microgradpp.assignments``'s business (it passes the format in ``submission``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from ..engine import Value
from ..i18n import Translator
from .exercise import _json_for_script, exercise_picture
from .page import Markup, fill, template

GRADED_MESSAGES = (
    "saved", "not_a_number", "hint", "hint_for", "choose_box", "submitted", "empty_boxes",
    "copied", "copy_failed", "restored", "progress",
)  # fmt: skip
"""The sentences the page's script says, from the catalogs (``graded.*``)."""


@dataclass(frozen=True)
class GradedStudent:
    """Who a graded page is for, and what its submission must carry."""

    assignment: str
    student_id: str
    name: str
    fingerprint: str


def graded_html(
    roots: Sequence[Value],
    student: GradedStudent,
    submission: Mapping[str, object],
    *,
    digits: int = 2,
    lang: str | None = None,
    practice_page: str = "",
    file_stem: str = "submission",
) -> str:
    """The graded page of ``roots`` (one graph per problem) for ``student``, as one HTML document.

    ``submission``: the submission's ``format``, ``version`` and paste-code ``prefix`` (from
    ``microgradpp.assignments.submission``). ``practice_page``: a whole exercise page shown after
    submitting ("try another one"; '' for none). ``file_stem``: the downloaded file's name.
    """
    from ..viz.graph import UNKNOWN_FILL

    t = Translator(lang)
    problems = []
    sections = []
    for number, root in enumerate(roots, start=1):
        picture = exercise_picture(root, digits, t)
        problems.append(
            {
                "root": picture.root_name,
                "questions": [
                    {"box": q.box, "name": q.name, "hint": q.hint} for q in picture.questions
                ],
            }
        )
        sections.append(
            fill(
                "graded-problem.html",
                number=number,
                heading=t("graded.problem", number=number, total=len(roots)),
                picture=Markup(picture.svg),
            )
        )
    data = {
        "submission": dict(submission),
        "assignment": student.assignment,
        "student": student.student_id,
        "name": student.name,
        "fingerprint": student.fingerprint,
        "storageKey": f"microgradpp/{student.assignment}/{student.student_id}/{student.fingerprint}",
        "fileName": f"{file_stem}.json",
        "unknownFill": UNKNOWN_FILL,
        "problems": problems,
        "messages": {key: t.catalog[f"graded.{key}"] for key in GRADED_MESSAGES},
    }
    words = {
        key: t(f"graded.{key}")
        for key in (
            "instructions", "hint_button", "submit", "submit_note", "code_label", "copy",
            "download", "another", "another_note", "controls", "privacy",
        )
    }  # fmt: skip
    practice = (
        Markup(f'<iframe id="practice" title="practice" hidden srcdoc="{escape(practice_page)}">'
               "</iframe>")
        if practice_page
        else Markup("")
    )  # fmt: skip
    return fill(
        "graded.html",
        lang=t.lang,
        title=t("graded.title", assignment=student.assignment),
        who=t("graded.who", name=student.name or student.student_id, id=student.student_id),
        fingerprint=t("graded.fingerprint", fingerprint=student.fingerprint),
        problems=Markup("\n".join(sections)),
        practice=practice,
        has_practice="yes" if practice_page else "no",
        data=Markup(_json_for_script(data)),
        style=Markup(
            template("stepper.css").template
            + template("exercise.css").template
            + template("graded.css").template
        ),
        script=Markup(
            template("judging.js").template
            + template("fit.js").template
            + template("cells.js").template
            + template("graded.js").template
        ),
        **words,
    )
