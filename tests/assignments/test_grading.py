"""Grading: graphs re-created from the manifest, every answer judged again, bad files named."""

from __future__ import annotations

import json

import pytest

from microgradpp.assignments import (
    ManifestError,
    encode_code,
    grade,
    parse_roster,
    parse_submissions,
)
from microgradpp.assignments.grading import grade_submissions
from microgradpp.assignments.issue import plan_assignment
from microgradpp.assignments.manifest import parse_manifest
from microgradpp.practice import shown

ROSTER = parse_roster("id,name\nS001,Ada\nS002,Alan\nS003,Grace\n", "class.csv")


@pytest.fixture(scope="module")
def plan():
    return plan_assignment(ROSTER, "hw3", level=2, problems=2, seed=7)


def work(plan, student_id, answer=lambda node: shown(node.grad), **changes):
    """The submission a graded page makes, with answer(node) typed in every box."""
    issued = plan.manifest.find(student_id)
    return {
        "format": "microgradpp submission", "version": 1, "assignment": "hw3",
        "student": student_id, "name": issued.student.name, "fingerprint": issued.fingerprint,
        "revision": 1, "saved": "2026-12-06T17:00:00.000Z",
        "problems": [
            {"answers": {n.label: answer(n) for n in v.problem.asked},
             "attempts": {n.label: ["1", answer(n)] for n in v.problem.asked},
             "hints": {v.problem.asked[0].label: 2}}
            for v in plan.variants[student_id]
        ],
        **changes,
    }  # fmt: skip


def read(content, name):
    return parse_submissions(json.dumps(content), name)


def test_right_answers_score_full_marks_and_wrong_or_empty_ones_nothing(plan):
    submissions = read(work(plan, "S001"), "ada.json") + read(
        work(plan, "S002", lambda node: str(100 + ord(node.label))), "alan.json"
    )  # (a different number per box: no answer follows from another, so none is carried forward)
    grading = grade_submissions(plan.manifest, submissions)
    ada, alan, grace = grading.grades
    questions = [len(v.problem.asked) for v in plan.variants["S001"]]
    assert (ada.score, ada.max_score, ada.problem_scores()) == (
        sum(questions),
        sum(questions),
        questions,
    )
    assert alan.score == 0 and alan.submitted
    assert not grace.submitted and grace.score == 0
    first = ada.marks[0]
    assert (first.problem, first.attempts, first.hints) == (1, 2, 2)
    assert not grading.refused and not grading.replaced


def test_a_paste_code_and_a_file_give_the_same_grade(plan):
    content = work(plan, "S003", lambda node: shown(node.grad) if node.data > 0 else "0.5")
    by_file = grade_submissions(plan.manifest, read(content, "f.json")).grades[2]
    by_code = grade_submissions(
        plan.manifest, parse_submissions(encode_code(content), "c.txt")
    ).grades[2]
    assert by_file.marks == by_code.marks and 0 < by_file.score < by_file.max_score


def test_every_submission_that_does_not_belong_is_named_and_the_rest_are_graded(plan):
    ada = work(plan, "S001")
    alan_print = plan.manifest.find("S002").fingerprint
    submissions = (
        read(ada, "ada.json")
        + read({**ada, "assignment": "hw4"}, "other.json")
        + read({**ada, "student": "S999"}, "stranger.json")
        + read({**work(plan, "S003"), "fingerprint": alan_print}, "copied.json")
        + read({**work(plan, "S003"), "fingerprint": "dead-beef-0000"}, "made-up.json")
        + read({**work(plan, "S002"), "problems": ada["problems"][:1]}, "short.json")
    )
    grading = grade_submissions(plan.manifest, submissions)
    assert [str(error) for error in grading.refused] == [
        "other.json: is a submission for the assignment 'hw4', not 'hw3'",
        "stranger.json: the ID 'S999' is not on the roster",
        f"copied.json: made on the page with fingerprint {alan_print}, which was issued to "
        "'S002', not to 'S003': a copied submission",
        "made-up.json: made on a page with fingerprint dead-beef-0000, which was issued to nobody "
        "(not the page of 'S003')",
        "short.json: has 1 problems; the page issued has 2",
    ]
    assert [grade.submitted for grade in grading.grades] == [True, False, False]


def test_of_two_submissions_from_one_student_the_later_counts_and_both_are_reported(plan):
    first = read(work(plan, "S001", lambda node: "7"), "monday.json")
    second = read(work(plan, "S001", revision=2), "tuesday.json")
    for order in ([first, second], [second, first]):
        grading = grade_submissions(plan.manifest, order[0] + order[1])
        assert grading.grades[0].submission.source == "tuesday.json"
        assert grading.grades[0].score == grading.grades[0].max_score
        assert [(e.source, later.source) for e, later in grading.replaced] == [
            ("monday.json", "tuesday.json")
        ]
    # on another computer the page starts again at revision 1: the time says which came later
    laptop = work(plan, "S001", lambda node: "7", revision=5, saved="2026-12-06T09:00:00.000Z")
    phone = work(plan, "S001", revision=1, saved="2026-12-06T21:00:00.000Z")
    grading = grade_submissions(plan.manifest, read(laptop, "laptop.json") + read(phone, "p.json"))
    assert grading.grades[0].submission.source == "p.json"


def test_grade_writes_every_output_or_none(plan, tmp_path, monkeypatch):
    assignment = tmp_path / "hw3"
    assignment.mkdir()
    (assignment / "manifest.json").write_text(plan.manifest.to_json(), "utf-8")
    submissions = tmp_path / "in"
    submissions.mkdir()
    (submissions / "ada.json").write_text(json.dumps(work(plan, "S001")), "utf-8")
    (submissions / "alan.txt").write_text("code: " + encode_code(work(plan, "S002")), "utf-8")
    (submissions / "broken.json").write_text(json.dumps(work(plan, "S003"))[:100], "utf-8")
    result = grade([submissions], assignment, tmp_path / "out")
    names = sorted(str(p.relative_to(tmp_path / "out")) for p in result.files)
    assert names == ["grades.csv", "gradescope/hw3-S001/results.json",
                     "gradescope/hw3-S002/results.json", "report.html"]  # fmt: skip
    assert [str(e).split(": ", 1)[1][:12] for e in result.grading.refused] == ["is cut short"]
    # a failure before the files are in place leaves nothing behind
    import microgradpp.assignments.grader as grader

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(grader, "report_html", broken)
    with pytest.raises(OSError):
        grade([submissions], assignment, tmp_path / "out2")
    assert not (tmp_path / "out2").exists()


def test_a_missing_damaged_or_changed_manifest_stops_grading_before_anything_is_written(
    plan, tmp_path
):
    with pytest.raises(ManifestError, match="no manifest here: give --assignment the folder"):
        grade([tmp_path], tmp_path, tmp_path / "out")
    (tmp_path / "manifest.json").write_text("{not json", "utf-8")
    with pytest.raises(ManifestError, match=r"manifest.json: the manifest is damaged \(Expecting"):
        grade([tmp_path], tmp_path, tmp_path / "out")
    data = json.loads(plan.manifest.to_json())
    data["students"][1]["problems"][0]["digest"] = "0" * 64
    manifest = parse_manifest(data)
    with pytest.raises(ManifestError, match="problem 1 of 'S002' is not the graph that was issued"):
        grade_submissions(manifest, read(work(plan, "S002"), "alan.json"))
    assert not (tmp_path / "out").exists()


def test_grading_applies_the_fair_rule_of_judging_and_names_the_mistakes():
    """The rounded chain counts as right, and a known mistake is named with judging's words."""
    from microgradpp.assignments.gradebook import gradescope_results
    from microgradpp.i18n import Translator
    from microgradpp.judging import common_wrong_answers, feedback, judge

    roster = parse_roster("id,name\n" + "".join(f"S{k},N{k}\n" for k in range(12)), "r.csv")
    plan = plan_assignment(roster, "hw5", level=3, problems=1, seed=3)
    chosen = None
    for student_id, variants in plan.variants.items():
        work_ = variants[0].problem.work
        rounding_matters = any(q.careful != work_.round(q.exact) for q in work_.questions)
        for question in work_.questions:  # an input: no other answer is worked out from it
            wrongs = common_wrong_answers(work_, question)
            if rounding_matters and not question.node.parents and wrongs:
                chosen = student_id, variants[0].problem, question, wrongs[0]
                break
        if chosen:
            break
    assert chosen is not None, "no level-3 graph of 12 where rounding changes an answer"
    student_id, problem, question, (mistake, wrong_value) = chosen
    careful = {q.name: shown(q.careful) for q in problem.work.questions}  # every step rounded
    content = work(plan, student_id, lambda node: careful[node.label])
    content["assignment"] = "hw5"
    content["problems"][0]["answers"][question.name] = shown(wrong_value)
    grading = grade_submissions(plan.manifest, read(content, "s.json"))
    marks = {m.node: m for m in grading.grades[int(student_id[1:])].marks}
    others = [m for name, m in marks.items() if name != question.name]
    assert all(m.right for m in others)  # the careful rounded chain is right everywhere
    mark = marks[question.name]
    numbers = {k: float(v.replace("−", "-")) for k, v in content["problems"][0]["answers"].items()}
    verdict = judge(problem.work, question.node, numbers[question.name], numbers)
    assert (mark.right, mark.mistake) == (False, verdict.mistake)
    assert mark.mistake and mark.advice == feedback(problem.work, verdict, Translator("en"))
    assert mark.mistake in mark.could
    results = gradescope_results(grading.grades[int(student_id[1:])], Translator("en"))
    assert any(test["output"].endswith(mark.advice) for test in results["tests"])


def test_a_file_given_twice_is_read_once(plan, tmp_path):
    assignment = tmp_path / "hw3"
    assignment.mkdir()
    (assignment / "manifest.json").write_text(plan.manifest.to_json(), "utf-8")
    (tmp_path / "ada.json").write_text(json.dumps(work(plan, "S001")), "utf-8")
    result = grade([tmp_path / "ada.json", tmp_path / "./ada.json"], assignment, tmp_path / "out")
    assert not result.grading.replaced and result.grading.grades[0].submitted


def test_the_report_speaks_the_assignments_language_unless_told_otherwise(tmp_path):
    plan = plan_assignment(ROSTER, "hw3", level=1, seed=2, lang="zh-Hant")
    (tmp_path / "manifest.json").write_text(plan.manifest.to_json(), "utf-8")
    (tmp_path / "in.json").write_text(json.dumps(work(plan, "S001")), "utf-8")
    grade([tmp_path / "in.json"], tmp_path, tmp_path / "a")
    assert "<title>作業 hw3：全班報告</title>" in (tmp_path / "a/report.html").read_text("utf-8")
    grade([tmp_path / "in.json"], tmp_path, tmp_path / "b", lang="zh-Hans")
    assert "<title>作业 hw3：全班报告</title>" in (tmp_path / "b/report.html").read_text("utf-8")


def test_an_output_folder_that_is_a_file_is_refused_before_any_work(plan, tmp_path):
    from microgradpp.assignments import AssignmentError, issue_assignment

    (tmp_path / "taken").write_text("notes", "utf-8")
    with pytest.raises(
        AssignmentError, match="taken: is a file, not a folder: give --out a folder"
    ):
        issue_assignment(ROSTER, "hw3", tmp_path / "taken", level=1, seed=1)
    with pytest.raises(AssignmentError, match="taken: is a file, not a folder"):
        grade([tmp_path], tmp_path / "no-manifest-needed-first", tmp_path / "taken")
    assert (tmp_path / "taken").read_text("utf-8") == "notes"


def test_a_classmates_file_handed_in_on_canvas_is_named_and_not_graded():
    # Canvas's "Download Submissions" names each file name_USERID_ATTACHMENTID_original (LATE_
    # before the ID of a late one): the uploader is known, and may not hand in another's work
    roster = parse_roster(
        "Student,ID,SIS User ID,SIS Login ID,Section\n陳志明,40117,,,A\n吳家豪,40118,,,A\n", "c.csv"
    )
    canvas = plan_assignment(roster, "hw3", level=1, problems=1, seed=2)
    mine = work(canvas, "40118")
    submissions = (
        read(mine, "wujiahao_40118_8801_hw3-40118.json")
        + read({**mine, "saved": "2026-12-07T00:00:00.000Z"}, "in/_LATE_40117_8802_hw3-40118.json")
        + read(mine, "chenzhiming_40117_8803_hw3-40118-1.json")
        + read(work(canvas, "40117"), "chenzhiming_late_40117_8804_hw3-40117.json")
        + read(mine, "old (1)/hw3_40117_1_copy.json")  # any name of Canvas's form: _ID_NUMBER_
    )
    grading = grade_submissions(canvas.manifest, submissions)
    assert [str(error) for error in grading.refused] == [
        f"{name}: handed in by '40117' (Canvas names a downloaded file after the student who "
        "uploaded it) but it is the work of '40118', made on their page: this file is not graded"
        for name in (
            "in/_LATE_40117_8802_hw3-40118.json",
            "chenzhiming_40117_8803_hw3-40118-1.json",
            "old (1)/hw3_40117_1_copy.json",
        )
    ]
    assert [g.submission.source for g in grading.grades] == [
        "chenzhiming_late_40117_8804_hw3-40117.json",
        "wujiahao_40118_8801_hw3-40118.json",
    ]
    assert "由 '40117' 繳交" in grading.refused[0].translated("zh-Hant")
    # the same names in a class whose roster is not Canvas's say nothing of who uploaded them
    plain = grade_submissions(
        plan_assignment(
            parse_roster("id,name\n40117,A\n40118,B\n", "p.csv"), "hw3", level=1, problems=1, seed=2
        ).manifest,
        read({**work(canvas, "40118"), "fingerprint": ""}, "x_40117_1_y.json"),
    )
    assert "handed in by" not in str(plain.refused[0])


def test_a_right_answer_away_from_the_exact_one_says_why_it_is_right(plan):
    from microgradpp.assignments.gradebook import gradescope_results
    from microgradpp.i18n import Translator

    # every sign flipped: the first answers are wrong, the rest follow from them (charged once)
    content = work(plan, "S002", lambda node: shown(-node.grad))
    grade = grade_submissions(plan.manifest, read(content, "s.json")).grades[1]
    tests = gradescope_results(grade, Translator("en"))["tests"]
    carried = [(m, t) for m, t in zip(grade.marks, tests) if m.right and m.exact != 0]
    assert carried and not grade.marks[0].right
    for mark, test in carried:
        assert test["output"] == (
            f"You wrote {mark.answer}: right, as it follows from the numbers shown and your own "
            f"earlier answers (the exact answer is {shown(mark.exact)})."
        )  # was "You wrote 0.11; the answer is −0.1: right."


def test_a_folder_is_read_with_its_subfolders_and_a_huge_one_is_refused(
    plan, tmp_path, monkeypatch
):
    # Moodle's "Download all submissions" unzips to a folder per student: nothing was graded
    from microgradpp.assignments import AssignmentError
    from microgradpp.assignments import grader as grader_module

    assignment = tmp_path / "hw3"
    assignment.mkdir()
    (assignment / "manifest.json").write_text(plan.manifest.to_json(), "utf-8")
    inbox = tmp_path / "inbox"
    for folder, student in (("林怡君_1234_assignsubmission_file", "S001"), ("x/y", "S002")):
        (inbox / folder).mkdir(parents=True)
        (inbox / folder / f"hw3-{student}.json").write_text(json.dumps(work(plan, student)))
    (inbox / "__MACOSX").mkdir()
    (inbox / "__MACOSX/._hw3-S003.json").write_bytes(b"\0\5\26\7")  # a zip's resource fork
    (inbox / ".git").mkdir()
    (inbox / ".git/hw3-S003.json").write_text(json.dumps(work(plan, "S003")))
    result = grade([inbox], assignment, tmp_path / "out")
    assert [g.submitted for g in result.grading.grades] == [True, True, False]
    assert not result.grading.refused
    # run again from the folder that holds the assignment and last run's grades too: only the
    # submissions are read (the pages, the manifest, results.json are not submissions)
    (assignment / "students").mkdir()
    (assignment / "students/hw3-S001.html").write_text("<html>a page</html>")
    again = grade([tmp_path], assignment, tmp_path / "out")
    assert not again.grading.refused and [g.submitted for g in again.grading.grades] == [
        True,
        True,
        False,
    ]
    monkeypatch.setattr(grader_module, "MAX_FILES", 1)
    with pytest.raises(AssignmentError, match="inbox: holds more than 1 files: give the folder"):
        grade([inbox], assignment, tmp_path / "out2")
    assert not (tmp_path / "out2").exists()


def test_on_gradescope_only_the_uploaders_own_work_is_graded(tmp_path):
    # each Gradescope upload is graded alone: a classmate's downloaded file earned the uploader
    # the classmate's score; the metadata's e-mail must be the submission's student's
    from microgradpp.assignments import AssignmentError

    roster = parse_roster(
        "First name,Last name,ID number,Email address\n怡君,林,S1,lin@x.tw\n家豪,陳,S2,chen@x.tw\n",
        "m.csv",
    )
    moodle = plan_assignment(roster, "hw3", level=1, problems=1, seed=4)
    (tmp_path / "hw3").mkdir()
    (tmp_path / "hw3/manifest.json").write_text(moodle.manifest.to_json(), "utf-8")
    (tmp_path / "lin.json").write_text(json.dumps(work(moodle, "S1")), "utf-8")
    metadata = tmp_path / "submission_metadata.json"
    for email, graded in (("Chen@x.tw", False), ("lin@x.tw", True)):
        users = [{"email": email, "id": 1234, "name": "someone"}]
        metadata.write_text(json.dumps({"id": 1, "users": users}), "utf-8")
        result = grade([tmp_path / "lin.json"], tmp_path / "hw3", tmp_path / f"out-{graded}",
                       gradescope_metadata=metadata)  # fmt: skip
        assert result.grading.grades[0].submitted is graded
        assert [str(e).split(": ", 1)[1] for e in result.grading.refused] == (
            [] if graded else ["is the work of 'S1', but was uploaded by chen@x.tw, who is not "
                               "'S1' on the roster: a classmate's file is not graded"]
        )  # fmt: skip
    metadata.write_text(json.dumps({"id": 1, "users": []}), "utf-8")
    with pytest.raises(AssignmentError, match="is not Gradescope's submission_metadata.json"):
        grade(
            [tmp_path / "lin.json"], tmp_path / "hw3", tmp_path / "p", gradescope_metadata=metadata
        )
    assert not (tmp_path / "p").exists()
