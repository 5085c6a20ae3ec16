"""grades.csv in the roster's own layout (Canvas, Moodle, plain) and Gradescope's results.json."""

from __future__ import annotations

import csv
import dataclasses
import io
import json

import pytest

from microgradpp.assignments import parse_roster, parse_submissions
from microgradpp.assignments.gradebook import grades_csv, gradescope_results, mark_text
from microgradpp.assignments.grading import grade_submissions
from microgradpp.assignments.issue import plan_assignment
from microgradpp.i18n import Translator, translated
from microgradpp.practice import shown


def _graded(roster_text, level=1, answered=(0,)):
    plan = plan_assignment(
        parse_roster(roster_text, "r.csv"), "hw3", level=level, problems=2, seed=5
    )
    submissions = []
    for k in answered:
        issued = plan.manifest.issued[k]
        content = {
            "format": "microgradpp submission", "version": 1, "assignment": "hw3",
            "student": issued.student.id, "name": "", "fingerprint": issued.fingerprint,
            "revision": 1, "saved": "",
            "problems": [{"answers": {n.label: shown(n.grad) for n in v.problem.asked[1:]}}
                         for v in plan.variants[issued.student.id]],
        }  # fmt: skip
        submissions += parse_submissions(json.dumps(content), f"{k}.json")
    return plan, grade_submissions(plan.manifest, submissions)


def _rows(text):
    assert text.startswith("\ufeff") and "\r\n" in text
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def _points(boxes):  # every box right but the first (left empty), out of 10 points
    return round(10 * (boxes - 1) / boxes, 2)


def _text(x):
    return f"{x:.2f}".rstrip("0").rstrip(".")


def test_a_plain_roster_gets_id_name_score_max_and_a_column_per_problem():
    plan, grading = _graded("id,name\nS2,Bo\nS1,Al\n")
    first = [_points(len(v.problem.asked)) for v in plan.variants["S2"]]
    assert _rows(grades_csv(grading)) == [
        ["id", "name", "hw3", "max", "hw3 problem 1", "hw3 problem 2"],
        ["S2", "Bo", _text(sum(first)), "20", _text(first[0]), _text(first[1])],
        ["S1", "Al", "-", "20", "-", "-"],  # no submission: no grade, not a zero
    ]


def test_a_canvas_roster_gets_canvas_columns_and_its_points_possible_row():
    canvas = (
        "Student,ID,SIS User ID,SIS Login ID,Section,Other (77)\n    Points Possible,,,,,5\n"
        '"Lovelace, Ada",1001,S1,ada,P1,4\n'
    )
    plan, grading = _graded(canvas)
    points = grading.grades[0].points
    rows = _rows(grades_csv(grading))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "hw3", "max",
                       "hw3 problem 1", "hw3 problem 2"]  # fmt: skip
    # max and the problems are (read only), as Canvas marks its computed columns: its import
    # then skips them instead of creating three more assignments with the same points
    read_only = "(read only)"
    assert rows[1] == ["    Points Possible", "", "", "", "", "20", read_only, read_only, read_only]
    assert rows[2][:7] == ["Lovelace, Ada", "1001", "S1", "ada", "P1", _text(points), "20"]


@pytest.mark.parametrize(
    "roster, missing",
    [
        ("Student,ID,SIS User ID,SIS Login ID,Section\nA,1,,,P\nB,2,,,P\n", ""),
        ("First name,Last name,ID number,Email address\nA,L,S1,a@x\nB,M,S2,b@x\n", "-"),
        ("First name,Last name,Email address\nA,L,a@x\nB,M,b@x\n", "-"),
        ("學號,姓名\nS1,甲\nS2,乙\n", "-"),
    ],
)
def test_a_student_with_no_submission_has_no_grade_in_the_way_each_lms_reads_it(roster, missing):
    # Moodle stores an empty cell of a new grade item as 0 and reads '-' as "no grade" (its
    # export's own mark); Canvas's export leaves an ungraded cell empty
    _, grading = _graded(roster)
    rows = [row for row in _rows(grades_csv(grading)) if "Points Possible" not in row[0]]
    assert rows[2][-4:] == [missing, "20", missing, missing]
    assert rows[1][-4] not in ("", "-")


def test_a_moodle_roster_gets_moodle_columns():
    moodle = "First name,Last name,ID number,Email address,Quiz\nAda,L,S1,a@x.org,3\n"
    _, grading = _graded(moodle)
    rows = _rows(grades_csv(grading))
    assert rows[0][:5] == ["First name", "Last name", "ID number", "Email address", "hw3"]
    assert rows[1][:4] == ["Ada", "L", "S1", "a@x.org"]


def test_gradescope_results_follow_its_schema_with_a_test_per_answer():
    plan, grading = _graded("id,name\nS1,Al\n")
    grade = grading.grades[0]
    results = gradescope_results(grade, Translator("en"))
    assert set(results) == {"score", "max_score", "output", "tests"}
    assert results["score"] == grade.points == round(sum(_points(n) for n in grade.questions), 2)
    assert results["max_score"] == 20.0
    assert len(results["tests"]) == grade.max_score
    assert sum(test["max_score"] for test in results["tests"]) == pytest.approx(20.0, abs=1e-3)
    problem = plan.variants["S1"][0].problem
    empty, right = results["tests"][0], results["tests"][1]
    node = problem.asked[1]
    worth = round(10 / len(problem.asked), 4)
    assert right == {
        "name": f"Problem 1: ∂f/∂{node.label}",
        "score": worth,
        "max_score": worth,
        "output": f"You wrote {shown(node.grad)}; the answer is {shown(node.grad)}: right.",
        "visibility": "after_due_date",  # the output says the answer: not while resubmitting
    }
    assert empty["score"] == 0.0 and empty["output"].startswith("Left empty; the answer is ")
    assert results["output"] == f"{grade.score} of {grade.max_score} gradients right."


def test_immediate_gradescope_feedback_shows_right_or_wrong_at_once_but_no_answer():
    plan, grading = _graded("id,name\nS1,Al\n")
    grade = grading.grades[0]
    problem = plan.variants["S1"][0].problem
    node = problem.asked[1]
    for lang, empty, right in (
        ("en", "Left empty.", f"You wrote {shown(node.grad)}: right."),
        ("zh-Hant", "未作答。", f"你寫的是 {shown(node.grad)}：正確。"),
        ("zh-Hans", "未作答。", f"你写的是 {shown(node.grad)}：正确。"),
    ):
        results = gradescope_results(grade, Translator(lang), "immediate")
        tests = results["tests"]
        assert {test["visibility"] for test in tests} == {"visible"}
        assert (tests[0]["output"], tests[1]["output"]) == (empty, right)
        assert results["score"] == gradescope_results(grade, Translator(lang))["score"]
    # a wrong answer says it is wrong, and names the mistake, but not the answer
    wrong = dataclasses.replace(grade.marks[1], answer="123", right=False, advice="A × gate …")
    assert (
        mark_text(wrong, Translator("en"), with_answer=False) == "You wrote 123: wrong. A × gate …"
    )
    assert mark_text(wrong, Translator("en")) == (
        f"You wrote 123; the answer is {shown(wrong.exact)}: wrong. A × gate …"
    )


def test_grade_refuses_an_unknown_kind_of_feedback_before_reading_anything(tmp_path):
    from microgradpp.assignments import grade

    for feedback in ("now", "", "Immediate"):
        with pytest.raises(ValueError) as raised:
            grade([tmp_path], tmp_path / "missing", tmp_path / "out", gradescope_feedback=feedback)
        assert str(raised.value) == (
            f"gradescope_feedback must be 'after-due-date' or 'immediate', got {feedback!r}"
        )
        assert translated(raised.value, "zh-Hant") == (
            f"gradescope_feedback 必須是 'after-due-date' 或 'immediate'，收到的是 {feedback!r}"
        )
    assert not (tmp_path / "out").exists()
