"""Practice problems: levels, readable numbers, seeds, answer keys from backward, hints, quiz."""

from __future__ import annotations

import math

import pytest

from microgradpp.engine import topological_order
from microgradpp.i18n import Translator
from microgradpp.practice import (
    MAX_SIZE,
    MIN_NONZERO,
    PracticeError,
    hint,
    make_class,
    make_problem,
    parse_answer,
    rules,
)
from microgradpp.quiz import run_quiz

SEEDS = (1, 2026)


def _numbers(problem):
    for node in problem.order:
        yield node.data
        if node.label:
            yield node.grad


def test_the_same_seed_gives_the_same_class_and_another_seed_another():
    for level in (1, 2, 3):
        first = [p.signature() for p in make_class(level, 2026, 30)]
        again = [p.signature() for p in make_class(level, 2026, 30)]
        other = [p.signature() for p in make_class(level, 2027, 30)]
        assert first == again
        assert first != other
        assert len(set(first)) == 30, "every student gets a different graph"
        assert make_problem(level, 2026, 5).signature() == first[4]


def test_level_1_is_a_tree_of_three_to_five_add_and_mul_gates_with_exact_numbers():
    for seed in SEEDS:
        for problem in make_class(1, seed, 30):
            assert 3 <= len(problem.computed) <= 5
            assert len(problem.inputs) == len(problem.computed) + 1
            assert set(problem.gates()) <= {"add", "mul"}
            assert problem.reused() == []
            for x in _numbers(problem):
                assert x != 0.0 and abs(x) <= MAX_SIZE[1]
                assert abs(x * 100 - round(x * 100)) < 1e-6, x  # at most 2 decimals, exactly
            for node in problem.inputs:
                assert node.data * 10 == int(node.data * 10)  # whole or one decimal


def test_level_2_has_exp_reciprocal_or_max_and_exactly_one_reused_node():
    for seed in SEEDS:
        problems = make_class(2, seed, 30)
        for problem in problems:
            assert 3 <= len(problem.computed) <= 5
            assert set(problem.gates()) & {"exp", "reciprocal", "max"}
            assert len(problem.reused()) == 1
            for x in _numbers(problem):
                assert x == 0.0 or MIN_NONZERO <= abs(x) <= MAX_SIZE[2]
        seen = {gate for problem in problems for gate in problem.gates()}
        assert {"exp", "reciprocal", "max"} <= seen


def test_level_3_is_a_sigmoid_neuron_or_a_2_2_1_network():
    problems = make_class(3, 2026, 30)
    kinds = {problem.kind for problem in problems}
    assert kinds == {"neuron", "network"}
    for problem in problems:
        if problem.kind == "neuron":
            assert [n.label for n in problem.inputs] == ["w0", "x0", "w1", "x1", "b"]
            assert problem.gates() == ["mul", "add", "exp", "reciprocal"]
            assert math.isclose(
                problem.root.data,
                1 / (1 + math.exp(-problem.root.parents[0].parents[0].parents[0].parents[0].data)),
            )
        else:
            assert sorted(n.label for n in problem.inputs) == sorted(
                ["x1", "x2", "w11", "w12", "b1", "w21", "w22", "b2", "v1", "v2", "c"]
            )
            assert problem.gates() == ["mul", "sum", "sigmoid"]
        for x in _numbers(problem):
            assert x != 0.0 and MIN_NONZERO <= abs(x) <= MAX_SIZE[3]


def test_the_answer_key_is_the_engines_own_backward():
    problem = make_problem(1, 2026, 1)
    assert problem.equations() == ["p = x + y", "q = z × w", "r = q + u", "f = p × r"]
    assert [(a.name, a.value, a.grad) for a in problem.answers()] == [
        ("x", 2.0, 18.0),
        ("y", 1.0, 18.0),
        ("p", 3.0, 18.0),
        ("z", -5.0, -12.0),
        ("w", -4.0, -15.0),
        ("q", 20.0, 3.0),
        ("u", -2.0, 3.0),
        ("r", 18.0, 3.0),
        ("f", 54.0, 1.0),
    ]
    for level in (2, 3):
        problem = make_problem(level, 2026, 3)
        key = {a.name: a.grad for a in problem.answers()}
        problem.root.zero_grad()
        problem.root.backward()
        assert key == {n.label: n.grad for n in topological_order(problem.root) if n.label}


def test_a_reused_node_sums_its_wires_and_the_hint_says_so():
    problem = make_problem(2, 2026, 1)
    assert problem.equations() == ["p = x × y", "q = 1/z", "r = max(p, q)", "s = x + r", "f = 1/s"]
    x = problem.inputs[0]
    assert [n.label for n in problem.reused()] == ["x"]
    assert x.grad == 0.125  # y·∂f/∂p + ∂f/∂s = (−3)(−0.0625) + (−0.0625)
    assert hint(problem, x, Translator("en")) == (
        "x is used by 2 wires: add up what comes back along each of them. "
        "p = x × y: a × gate swaps its inputs, so ∂f/∂x = y · ∂f/∂p. "
        "s = x + r: a + gate passes the gradient on unchanged, so ∂f/∂x = ∂f/∂s."
    )
    assert hint(problem, problem.inputs[2], Translator("zh-Hans")) == (
        "q = 1/z：d/dx (1/x) = −1/x²，所以 ∂f/∂z = −1/z² · ∂f/∂q。"
    )
    assert rules(problem, Translator("en")) == [
        "× gate swaps its inputs: ∂f/∂a = b · upstream and ∂f/∂b = a · upstream.",
        "1/x gate: ∂f/∂x = −1/x² · upstream.",
        "max gate: the larger input gets the upstream gradient, the other 0.",
        "+ gate: every input gets the upstream gradient unchanged.",
        "A node used by two wires: its gradient is the sum of what comes back along both.",
    ]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("-4", -4.0),
        ("−4", -4.0),
        (" 0.5 ", 0.5),
        (".5", 0.5),
        ("0,5", 0.5),
        ("1/2", 0.5),
        ("-3/4", -0.75),
        ("− 1", -1.0),
        ("1e-3", 0.001),  # as the quiz read it before, and now the page too
        ("－４", -4.0),  # full-width minus and digit: what a Chinese input method types
        ("３／４", 0.75),
        ("0,125", 0.125),  # a decimal comma after 0 is never a thousands separator
    ],
)
def test_typed_answers_are_parsed(text, number):
    assert parse_answer(text) == number


@pytest.mark.parametrize(
    "text", ["", "abc", "1/0", "inf", "nan", "1/x", "1 2", "1,000", "-2,500", "1_000", "١"]
)
def test_text_that_is_not_a_number_is_a_value_error(text):
    with pytest.raises(ValueError):
        parse_answer(text)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: make_class(4, 1, 3), "level must be 1, 2 or 3, got 4"),
        (lambda: make_class(True, 1, 3), "level must be 1, 2 or 3, got True"),
        (lambda: make_class(1, 1, 0), "number of students must be a whole number >= 1, got 0"),
        (lambda: make_class(1, 1, 501), "at most 500 students per class, got 501"),
        (lambda: make_class(1, 1.5, 3), "seed must be a whole number, got 1.5"),
        (lambda: make_problem(1, 1, 0), "the student number must be 1 or more, got 0"),
    ],
)
def test_impossible_settings_are_one_clear_error(call, match):
    with pytest.raises(PracticeError, match=match):
        call()


# -- the quiz ------------------------------------------------------------------------------------


def _scripted(answers):
    lines: list[str] = []
    replies = iter(answers)

    def ask(prompt: str) -> str:
        try:
            reply = next(replies)
        except StopIteration:
            raise EOFError from None
        lines.append(prompt + reply)
        return reply

    return ask, lines


def test_the_quiz_checks_each_gradient_hints_once_then_gives_the_answer():
    ask, lines = _scripted(["3", "3", "3", "5", "−15", "-12", "18", "18", "18"])
    right, total = run_quiz(1, 2026, "en", ask=ask, say=lines.append)
    assert (right, total) == (7, 8)
    assert lines[:9] == [
        "Backpropagation quiz, level 1 (seed 2026): find 8 gradients, from f back to the inputs.",
        "Inputs: x = 2, y = 1, z = −5, w = −4, u = −2",
        "Forward pass (the values):",
        "  p = x + y = 3",
        "  q = z × w = 20",
        "  r = q + u = 18",
        "  f = p × r = 54",
        "Start: ∂f/∂f = 1.",
        "∂f/∂r = 3",
    ]
    assert lines[9:16] == [
        "Right.",
        "∂f/∂u = 3",
        "Right.",
        "∂f/∂q = 3",
        "Right.",
        "∂f/∂w = 5",
        "Not quite. Hint: q = z × w: a × gate swaps its inputs, so ∂f/∂w = z · ∂f/∂q.",
    ]
    assert lines[16:18] == ["Try once more: ∂f/∂w = −15", "Right."]
    assert lines[-3:] == [
        "Right.",
        "Score: 7 of 8 right at the first try.",
        "Run it again with --seed 2026 for the same questions.",
    ]


def test_the_quiz_asks_again_for_text_and_stops_at_the_end_of_input():
    ask, lines = _scripted(["three", "3", "1", "oops", "2"])
    right, total = run_quiz(1, 2026, "zh-Hant", ask=ask, say=lines.append)
    assert (right, total) == (1, 2)
    assert lines[8:] == [
        "∂f/∂r = three",
        "請輸入一個數字，例如 −0.5 或 1/2。",
        "∂f/∂r = 3",
        "正確。",
        "∂f/∂u = 1",
        "不太對。你寫的是局部梯度 ∂r/∂u = 1；還要乘上從上游傳來的梯度 ∂f/∂r。"
        "提示：r = q + u：加法閘把梯度原封不動往回傳，所以 ∂f/∂u = ∂f/∂r。",
        "再試一次：∂f/∂u = oops",
        "請輸入一個數字，例如 −0.5 或 1/2。",
        "再試一次：∂f/∂u = 2",
        "答案是 3。",
        "",
        "已停止。",
        "得分：2 題中第一次就答對 1 題。",
        "加上 --seed 2026 再執行一次，就會得到相同的題目。",
    ]


def test_a_wrong_class_or_student_is_said_in_chinese():
    from microgradpp.i18n import translated
    from microgradpp.practice import PracticeError, make_class, make_problem

    cases = [
        (lambda: make_problem(1, "x", 1), "seed 必須是整數，收到的是 'x'"),
        (lambda: make_problem(1, 0, "a"), "學生編號必須是整數，收到的是 'a'"),
        (lambda: make_problem(1, 0, 0), "學生編號必須是 1 或更大，收到的是 0"),
        (lambda: make_problem(1, 0, 10**6), "一個班最多 500 位學生，收到的是第 1000000 位學生"),
        (lambda: make_class(1, 0, 0), "學生人數必須是 >= 1 的整數，收到的是 0"),
        (lambda: make_class(1, 0, 10**6), "一個班最多 500 位學生，收到的是 1000000"),
        (lambda: make_problem(4, 0, 1), "level 必須是 1、2 或 3，收到的是 4"),
    ]
    for make, hant in cases:
        with pytest.raises(PracticeError) as caught:
            make()
        assert translated(caught.value, "zh-Hant") == hant
        assert translated(caught.value, "en") == str(caught.value)
    assert translated(caught.value, "zh-Hans") == "level 必须是 1、2 或 3，得到的是 4"
