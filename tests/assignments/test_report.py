"""The class report: error rates by gate and by mistake, computed exactly; plots or a note."""

from __future__ import annotations

import sys

from microgradpp.assignments.grading import FAN_OUT, Mark
from microgradpp.assignments.report import error_rates, mistakes


def _mark(gate, right, answer="1", mistake="", could=()):
    return Mark(1, "x", answer, 1.0, right, 1, 0, gate, mistake, "", tuple(could))


MARKS = [
    _mark("mul", True, could=("local_only",)),
    _mark("mul", False, mistake="local_only", could=("local_only", "sign_flip")),
    _mark("mul", False, answer=""),  # an empty box counts for no gate
    _mark("exp", False, mistake="sign_flip", could=("sign_flip",)),
    _mark(FAN_OUT, False, could=("one_path_only",)),
    _mark(FAN_OUT, True, could=("one_path_only",)),
]


def test_error_rates_by_gate_count_answered_boxes_most_missed_first():
    assert error_rates(MARKS, "gate") == [("exp", 1, 1), ("fan-out", 1, 2), ("mul", 1, 2)]


def test_mistakes_are_counted_out_of_the_answers_where_they_change_the_number():
    # local only: made once in 2 chances; sign flip once in 2; the rest (1 of 3 wrong) unnamed
    assert mistakes(MARKS) == [("local_only", 1, 2), ("sign_flip", 1, 2), ("", 1, 3)]


def test_the_report_has_its_plots_or_says_why_not(monkeypatch):
    from microgradpp.assignments.report import _plots
    from microgradpp.i18n import Translator

    t = Translator("en")
    with_plots = _plots([50.0, 100.0], error_rates(MARKS, "gate"), mistakes(MARKS), t)
    assert with_plots.count('src="data:image/png;base64,') == 1
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    without = _plots([50.0], [], [], t)
    assert without == (
        "<p class='note'>No plots: they need matplotlib (pip install &#x27;microgradpp[plot]&#x27;)."
        "</p>"
    )
