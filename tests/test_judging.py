"""Judging answers as a teacher would (microgradpp/judging.py): the rounded chain, the mistakes."""

from __future__ import annotations

import pytest

from microgradpp import Value
from microgradpp.examples import get_example
from microgradpp.i18n import Translator
from microgradpp.judging import (
    MISTAKES,
    JudgingError,
    Work,
    common_wrong_answers,
    degenerate,
    discriminating,
    feedback,
    judge,
    right_answers,
)
from microgradpp.practice import make_class, make_problem


def _sigmoid_layer(z: float = -2.5, upstream: float = -2.0) -> tuple[Value, Value, Value]:
    """f = v · σ(z), with σ(z) shown rounded: the design notes' example (0.0759 shown 0.08)."""
    zv = Value(z, label="z")
    h = zv.sigmoid()
    h.label = "h"
    v = Value(upstream, label="v")
    f = v * h
    f.label = "f"
    f.backward()
    return f, zv, h


def test_the_rounded_chain_is_right_as_well_as_the_exact_answer():
    f, z, h = _sigmoid_layer()
    work = Work(f)
    assert work.round(h.data) == 0.08 and z.grad == pytest.approx(-0.14020743)
    question = work.question("z")
    assert question.careful == -0.15  # 0.08 · 0.92 · (−2) = −0.1472, rounded half up
    assert right_answers(work, question) == [-0.14, -0.15]
    for answer in (-0.14, -0.15, -0.1472, -0.1402, -0.145):
        assert judge(work, "z", answer).right, answer
    for answer in (-0.13, -0.16, 0.14, 0.15):
        assert not judge(work, z, answer).right, answer


def test_the_students_own_earlier_answer_is_what_they_multiply_by():
    f, z, _ = _sigmoid_layer()
    work = Work(f)
    # ∂f/∂h written −2.04 (wrong by rounding elsewhere, say): 0.0736 · (−2.04) = −0.150
    assert judge(work, "z", -0.15, {"h": -2.04}).right
    # built on an earlier answer of −3, the chain gives −0.22: right for them, though not exact
    assert judge(work, "z", -0.22, {"h": -3.0}).right
    assert not judge(work, "z", -0.22).right


def test_exact_problems_keep_half_a_digit():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    work = Work(f)
    assert [(q.name, q.exact, q.careful) for q in work.questions] == [
        ("z", 3.0, 3.0),
        ("q", -4.0, -4.0),
        ("y", -4.0, -4.0),
        ("x", -4.0, -4.0),
    ]
    assert judge(work, "q", -3.995).right and judge(work, "q", -4.005).right
    assert not judge(work, "q", -3.994).right and not judge(work, "q", -4.006).right
    verdict = judge(work, "q", 3.0)
    assert (verdict.right, verdict.mistake, verdict.wire) == (False, "mul_own_value", "f")


@pytest.mark.parametrize(
    ("answer", "mistake"),
    [
        (0.07, "local_only"),  # σ(1 − σ) at the shown h, not times ∂f/∂h
        (-2.0, "upstream_only"),  # ∂f/∂h alone
        (0.14, "sign_flip"),
        (0.15, "sign_flip"),
        (17.5, "input_output_swap"),  # z(1 − z) · (−2) with z = −2.5: the input for σ
        (-0.3, None),  # not a mistake judging knows
    ],
)
def test_each_mistake_is_named_at_a_sigmoid(answer, mistake):
    f, _, _ = _sigmoid_layer()
    verdict = judge(Work(f), "z", answer)
    assert (verdict.right, verdict.mistake) == (False, mistake)


def test_fan_out_max_and_reciprocal_mistakes_are_named():
    x, y, c = Value(2.0, label="x"), Value(4.0, label="y"), Value(0.5, label="c")
    a = x * y
    a.label = "a"
    b = a + x  # x fans out: into a (local y = 4) and into b (local 1)
    b.label = "b"
    f = b * c
    f.label = "f"
    f.backward()
    assert x.grad == 2.5
    assert judge(Work(f), "x", 2.0).mistake == "one_path_only"  # through a only
    assert judge(Work(f), "x", 0.5).mistake == "one_path_only"  # through b only
    assert judge(Work(f), "x", 1.5).mistake == "mul_own_value"  # x · 0.5 + 0.5
    assert judge(Work(f), "x", 5.0).mistake == "local_only"  # 4 + 1
    x, y = Value(2.0, label="x"), Value(-1.0, label="y")
    m = x.max(y)
    m.label = "m"
    r = m.reciprocal()
    r.label = "f"
    r.backward()
    work = Work(r)
    assert (m.grad, x.grad, y.grad) == (-0.25, -0.25, 0.0)
    assert judge(work, "y", -0.25).mistake == "max_wrong_input"  # y gets the upstream
    assert judge(work, "x", 0.0).mistake == "max_wrong_input"
    assert judge(work, "m", -4.0).mistake == "input_output_swap"  # −1/f² for −1/m² (f = 0.5)
    p = Value(3.0, label="p")
    e = p.exp()
    e.label = "f"
    e.backward()
    assert judge(Work(e), "p", 3.0).mistake == "input_output_swap"  # eˣ written x


def test_a_mistake_that_gives_the_right_number_is_no_mistake():
    f, _, _ = _sigmoid_layer()
    work = Work(f)
    # v's wire into f = v × h: upstream-only gives 1, local-only gives h
    assert common_wrong_answers(work, work.question("v")) == [
        ("mul_own_value", -2.0),  # v's own value for h
        ("upstream_only", 1.0),
        ("sign_flip", -0.08),
    ]
    assert set(MISTAKES) >= {m for q in work.questions for m, _ in common_wrong_answers(work, q)}


def test_feedback_names_the_mistake_in_the_class_language():
    f, _, _ = _sigmoid_layer()
    work = Work(f)
    verdict = judge(work, "h", 1.0)  # ∂f/∂f = 1 alone, not times ∂f/∂h = v = −2
    assert verdict.mistake == "upstream_only"
    assert feedback(work, verdict, Translator("en")) == (
        "You wrote the upstream gradient ∂f/∂f; multiply it by the local gradient ∂f/∂h = −2."
    )
    verdict = judge(work, "z", 0.07)
    assert feedback(work, verdict, Translator("zh-Hant")) == (
        "你寫的是局部梯度 ∂h/∂z = 0.07；還要乘上從上游傳來的梯度 ∂f/∂h。"
    )
    assert feedback(work, judge(work, "z", -0.14), Translator("en")) == ""  # right


def test_bad_arguments_are_refused_by_name():
    f, _, _ = _sigmoid_layer()
    work = Work(f)
    with pytest.raises(JudgingError, match="'f' is not asked in this graph"):
        judge(work, "f", 1.0)
    with pytest.raises(JudgingError, match="the answer must be a finite number, got nan"):
        judge(work, "z", float("nan"))
    with pytest.raises(JudgingError, match="the earlier answer for h must be a finite number"):
        judge(work, "z", 1.0, {"h": float("inf")})
    with pytest.raises(JudgingError, match="judge needs a Work or a practice Problem, got int"):
        judge(3, "z", 1.0)


def test_cancelling_paths_are_degenerate_and_never_drawn():
    q = Value(2.0, label="q")
    r = q.reciprocal()
    r.label = "r"
    s = q * r  # q · (1/q) = 1 whatever q: ∂s/∂q = 1/q − q/q² = 0
    s.label = "f"
    s.backward()
    assert q.grad == 0.0 and degenerate(Work(s))
    for problem in make_class(2, 2026, 40):
        assert not degenerate(problem.work) and discriminating(problem.work)


def test_make_problem_is_the_students_problem_even_after_a_duplicate_was_redrawn():
    # level 3, seed 29: student 17's first draw repeats an earlier student's (issue 23 item 3)
    problems = make_class(3, 29, 30)
    for number in (1, 17, 30):
        assert make_problem(3, 29, number).signature() == problems[number - 1].signature()


def test_the_worked_examples_judge_their_own_careful_answers_right():
    for name in ("add-mul", "sigmoid-neuron", "max-circuit"):
        work = Work(get_example(name).build())
        for question in work.questions:
            assert judge(work, question.node, question.careful).right, (name, question.name)
            assert judge(work, question.node, work.round(question.exact)).right


def test_judgings_refusals_are_said_in_chinese():
    from microgradpp.i18n import translated
    from microgradpp.judging import JudgingError, judge, parse_answer

    problem = make_problem(1, 0, 1)
    first, last = problem.asked[0], problem.asked[-1]
    cases = [
        (lambda: parse_answer("  "), "答案是空的"),
        (lambda: parse_answer("1,000"), "三位數字前面有逗號：這是千分位，還是小數點？"),
        (lambda: parse_answer("abc"), "不是數字：'abc'"),
        (lambda: parse_answer("1/0"), "不是有限的數字"),
        (lambda: judge(3, None, 1.0), "judge 需要一個 Work 或練習題（practice Problem），收到的是 int"),
        (lambda: judge(problem, first, float("nan")), "答案必須是有限的數字，收到的是 nan"),
        (lambda: judge(problem, "zz", 1.0), "'zz' 不是這張計算圖要問的節點"),
        (lambda: judge(problem, first, 1.0, {last: float("nan")}),
         f"{last.label} 先前的答案必須是有限的數字"),
    ]  # fmt: skip
    for make, hant in cases:
        with pytest.raises((JudgingError, ValueError)) as caught:
            make()
        assert translated(caught.value, "zh-Hant") == hant
        assert translated(caught.value, "en") == str(caught.value)
    with pytest.raises(ValueError) as caught:
        parse_answer("1,000")
    assert translated(caught.value, "zh-Hans") == "三位数字前面有逗号：这是千位分隔符，还是小数点？"
