"""Simulated students, judged by the quiz, the worksheets' keys and the exercise page's JavaScript.

A *rounding* student works every gradient from the numbers shown (values rounded to 2 decimals,
their own earlier answers) and rounds it, in one of three ways a careful student does: the gate's
rule at the shown output (σ·(1 − σ) with σ shown), the local gradient rounded first, or the rule at
the shown inputs (−1/d² with d shown, instead of −f²). Each must be marked right on every answer.
A *mistaken* student makes one named mistake at one node (computed here, independently of
microgradpp.judging, from the gate's textbook rule) and is otherwise careful: wherever the mistake
changes the number, the answer must be marked wrong, and the mistake is expected to be named.

The suite runs a few dozen problems per level; the measurement in the report runs 1,000:

    .venv/bin/python tests/test_simulated_students.py 1000
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from microgradpp import Value
from microgradpp.formatting import round_half_up
from microgradpp.i18n import Translator
from microgradpp.judging import Work, half_digit, judge
from microgradpp.practice import make_class, make_problem
from microgradpp.quiz import run_quiz

DIGITS = 2
STYLES = ("gate_rule", "rounded_local", "from_inputs")


def shown(x: float) -> float:
    return round_half_up(x, DIGITS)


def textbook_local(out: Value, position: int, style: str) -> float:
    """∂out/∂input as a student writes it from the shown numbers (the gate's textbook rule)."""
    gate = out.gate
    assert gate is not None
    xs = [shown(p.data) for p in out.parents]
    y = shown(out.data)
    name = gate.name
    if style == "from_inputs" and name in ("sigmoid", "reciprocal", "exp"):
        if name == "sigmoid":
            s = 1 / (1 + math.exp(-xs[0]))
            local = s * (1 - s)
        elif name == "reciprocal":
            local = -1 / xs[0] ** 2
        else:
            local = math.exp(xs[0])
    elif name in ("add", "sum"):
        local = 1.0
    elif name == "mul":
        local = xs[1 - position]
    elif name == "exp":
        local = y
    elif name == "sigmoid":
        local = y * (1 - y)
    elif name == "reciprocal":
        local = -y * y
    elif name == "max":
        local = 1.0 if xs[position] > xs[1 - position] else 0.0
    else:
        raise AssertionError(f"no textbook rule for {name} in this simulation")
    return shown(local) if style == "rounded_local" else local


def wrong_local(out: Value, position: int, mistake: str) -> float | None:
    """The local gradient a wire-level mistake writes (None where it does not apply)."""
    gate = out.gate
    assert gate is not None
    xs = [shown(p.data) for p in out.parents]
    y = shown(out.data)
    if mistake == "max_wrong_input" and gate.name == "max":
        return 0.0 if xs[position] > xs[1 - position] else 1.0
    if mistake == "mul_own_value" and gate.name == "mul":
        return xs[position]
    if mistake == "input_output_swap":
        x = xs[0]
        return {
            "exp": x,  # eˣ written with the input
            "sigmoid": x * (1 - x),
            "reciprocal": -1 / y**2,  # −1/x² written with the output
        }.get(gate.name)
    return None


def uses(work: Work, node: Value) -> list[tuple[Value, int]]:
    return [(out, i) for out in work.order for i, p in enumerate(out.parents) if p is node]


def careful_answers(work: Work, style: str) -> dict[Value, float]:
    """Every answer of a rounding student of this style, in backward order."""
    mine: dict[Value, float] = {work.root: 1.0}
    for question in work.questions:
        total = sum(
            textbook_local(out, i, style) * mine[out] for out, i in uses(work, question.node)
        )
        mine[question.node] = shown(total)
    return mine


def own(work: Work, mine: dict[Value, float]) -> dict[Value, float]:
    """A student's earlier answers as judge takes them (the root's 1 was given, not answered)."""
    return {node: answer for node, answer in mine.items() if node is not work.root}


def typing(answers: list[str]) -> Callable[[str], str]:
    """The quiz's ``ask``: types the next of ``answers`` at each prompt."""
    left = iter(answers)
    return lambda _prompt: next(left)


def mistaken_answers(work: Work, node: Value, mine: dict[Value, float]) -> Iterator[tuple]:
    """(mistake, answer, the number it gives at the exact numbers) at ``node``, built on the
    careful student's ``mine``."""
    wires = uses(work, node)
    exact_up = {out: (1.0 if out is work.root else work.exact[out]) for out, _ in wires}
    style = "gate_rule"
    yield (
        "local_only",
        shown(sum(textbook_local(o, i, style) for o, i in wires)),
        sum(o.local_grads[i] for o, i in wires),
    )
    yield "upstream_only", shown(sum(mine[o] for o, _ in wires)), sum(exact_up.values())
    yield "sign_flip", -mine[node], -work.exact[node]
    if len(wires) > 1:
        for o, i in wires:
            yield (
                "one_path_only",
                shown(textbook_local(o, i, style) * mine[o]),
                o.local_grads[i] * exact_up[o],
            )
    for mistake in ("max_wrong_input", "mul_own_value", "input_output_swap"):
        wrong = [wrong_local(o, i, mistake) for o, i in wires]
        if all(w is None for w in wrong):
            continue
        answer = sum(
            (w if w is not None else textbook_local(o, i, style)) * mine[o]
            for w, (o, i) in zip(wrong, wires)
        )
        at_exact = sum(
            (_exact_wrong(o, i, mistake) if w is not None else o.local_grads[i]) * exact_up[o]
            for w, (o, i) in zip(wrong, wires)
        )
        yield mistake, shown(answer), at_exact


def _exact_wrong(out: Value, position: int, mistake: str) -> float:
    xs = [p.data for p in out.parents]
    assert out.gate is not None
    if mistake == "max_wrong_input":
        return 1.0 - out.local_grads[position]
    if mistake == "mul_own_value":
        return xs[position]
    return {"exp": xs[0], "sigmoid": xs[0] * (1 - xs[0]), "reciprocal": -1 / out.data**2}[
        out.gate.name
    ]


def changes(value: float, exact: float) -> bool:
    return abs(value - exact) > 1e-9 * max(1.0, abs(exact))


class Tally:
    def __init__(self) -> None:
        self.right: Counter = Counter()  # (channel, style) -> answers marked right
        self.asked: Counter = Counter()
        self.wrong: Counter = Counter()  # (channel, mistake) -> answers marked wrong
        self.named: Counter = Counter()  # ... of which this mistake was named
        self.named_any: Counter = Counter()  # ... of which a mistake was named (two can coincide)
        self.made: Counter = Counter()
        self.failures: list = []

    def careful(self, channel: str, style: str, right: bool, what: object) -> None:
        self.asked[channel, style] += 1
        self.right[channel, style] += right
        if not right:
            self.failures.append((channel, style, what))

    def mistake(self, channel: str, mistake: str, right: bool, named: str | None, what: object):
        self.made[channel, mistake] += 1
        self.wrong[channel, mistake] += not right
        self.named[channel, mistake] += named == mistake
        self.named_any[channel, mistake] += named is not None
        if right:
            self.failures.append((channel, mistake, what))


def worksheets(level: int, count: int, tally: Tally) -> None:
    """The key: each answer judged alone (the teacher does not see the student's other work)."""
    problems = [p for seed in range(1, count // 500 + 2) for p in make_class(level, seed, 500)]
    for problem in problems[:count]:
        work = problem.work
        for style in STYLES:
            mine = careful_answers(work, style)
            for q in work.questions:
                earlier = {} if style == "gate_rule" else own(work, mine)
                verdict = judge(work, q.node, mine[q.node], earlier)
                tally.careful("worksheet", style, verdict.right, (problem.seed, q.name))
        mine = careful_answers(work, "gate_rule")
        for q in work.questions:
            for mistake, answer, at_exact in mistaken_answers(work, q.node, mine):
                if changes(at_exact, q.exact):
                    v = judge(work, q.node, answer)
                    tally.mistake("worksheet", mistake, v.right, v.mistake, (problem.seed, q.name))


def quizzes(level: int, count: int, tally: Tally) -> None:
    """The terminal quiz, driven through its own prompts: seeds 1..count, student 1 each."""
    for seed in range(1, count + 1):
        problem = make_problem(level, seed)
        work = problem.work
        for style in STYLES:
            mine = careful_answers(work, style)
            typed = typing([str(mine[q.node]) for q in work.questions])
            right, asked = run_quiz(level, seed, "en", ask=typed, say=lambda _: None)
            for number in range(asked):
                tally.careful("quiz", style, number < right, (seed, style))
        # one mistake at one node, the rest careful: the quiz must not count it right
        mine = careful_answers(work, "gate_rule")
        for q in work.questions:
            for mistake, answer, at_exact in mistaken_answers(work, q.node, mine):
                if not changes(at_exact, q.exact):
                    continue
                script = [str(mine[o.node]) if o is not q else str(answer) for o in work.questions]
                script.insert(work.questions.index(q) + 1, str(mine[q.node]))  # the second try
                lines: list[str] = []
                right, asked = run_quiz(level, seed, "en", ask=typing(script), say=lines.append)
                said = "\n".join(lines)
                named = next((m for m, phrase in MESSAGES.items() if phrase in said), None)
                tally.mistake("quiz", mistake, right == asked, named, seed)


MESSAGES = {  # a phrase of each mistake's English feedback
    "local_only": "You wrote the local gradient",
    "upstream_only": "You wrote the upstream gradient",
    "sign_flip": "the sign is not",
    "one_path_only": "along one of them only",
    "input_output_swap": "mixed up the gate's input and output",
    "max_wrong_input": "max gate's gradient to the wrong input",
    "mul_own_value": "A × gate swaps its inputs: ∂",  # the rule's hint says "a × gate …"
}


def page_table(level: int, count: int) -> tuple[list, list]:
    """The exercise page's judging data and the answers, for judging.js (run in Chromium)."""
    problems = [
        p for seed in range(1001, 1001 + count // 500 + 1) for p in make_class(level, seed, 500)
    ]
    data, rows = [], []
    t = Translator("en")
    for g, problem in enumerate(problems[:count]):
        work = problem.work
        data.append(
            {
                "half": half_digit(DIGITS),
                "questions": [work.page_data(q, t) for q in work.questions],
            }
        )
        for style in STYLES:
            mine = careful_answers(work, style)
            earlier = [mine[q.node] for q in work.questions]
            for i, q in enumerate(work.questions):
                rows.append([g, i, mine[q.node], earlier, "careful", style])
        mine = careful_answers(work, "gate_rule")
        earlier = [mine[q.node] for q in work.questions]
        for i, q in enumerate(work.questions):
            for mistake, answer, at_exact in mistaken_answers(work, q.node, mine):
                if changes(at_exact, q.exact):
                    rows.append([g, i, answer, earlier, "mistake", mistake])
    return data, rows


def pages(level: int, count: int, tally: Tally, run_js: Callable[[list, list], list]) -> None:
    data, rows = page_table(level, count)
    for row, (right, named) in zip(rows, run_js(data, rows)):
        if row[4] == "careful":
            tally.careful("page", row[5], right, row[:2])
        else:
            tally.mistake("page", row[5], right, named, row[:2])


def browsers():
    """tests/steps/browsers.py (the one home of headless Chromium for the tests)."""
    steps = str(Path(__file__).resolve().parent / "steps")
    if steps not in sys.path:
        sys.path.insert(0, steps)
    import browsers

    return browsers


def chromium_judge(data: list, rows: list, workdir: Path) -> list:
    from microgradpp.steps.page import template

    chromium = browsers().chromium
    page = workdir / "students.html"
    page.write_text(
        "<!DOCTYPE html><meta charset='utf-8'><pre id='out'></pre><script>"
        + template("judging.js").template
        + f"\nvar data = {json.dumps(data)}, rows = {json.dumps(rows)};\n"
        + """var out = rows.map(function (r) {
  var v = MicrogradppJudging.judge(data[r[0]].questions, r[1], r[2], r[3], data[r[0]].half);
  return [v.right, v.mistake];
});
document.getElementById("out").textContent = "RESULT" + JSON.stringify(out) + "END";
</script>""",
        encoding="utf-8",
    )
    run = chromium("--dump-dom", page.as_uri(), user_data_dir=workdir / "profile", timeout=600)
    return json.loads(run.stdout[run.stdout.index("RESULT") + 6 : run.stdout.index("END")])


def measure(count: int, run_js: Callable[[list, list], list] | None) -> dict[int, Tally]:
    tallies = {}
    for level in (1, 2, 3):
        tally = Tally()
        worksheets(level, count, tally)
        quizzes(level, count, tally)
        if run_js is not None:
            pages(level, count, tally, run_js)
        tallies[level] = tally
    return tallies


@pytest.mark.parametrize("level", [1, 2, 3])
def test_rounding_students_are_right_and_mistakes_wrong_in_keys_and_quiz(level):
    tally = Tally()
    worksheets(level, 40, tally)
    quizzes(level, 4, tally)
    assert tally.failures == []
    assert sum(tally.asked.values()) > 100 and sum(tally.made.values()) > 100
    assert {m for _, m in tally.made} >= {"local_only", "upstream_only", "sign_flip"}


@pytest.mark.slow
def test_rounding_students_are_right_and_mistakes_wrong_in_exercise_pages(tmp_path):
    if browsers().CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed")
    for level in (1, 2, 3):
        tally = Tally()
        pages(level, 40, tally, lambda d, r: chromium_judge(d, r, tmp_path))
        assert tally.failures == []
        assert tally.named_any == tally.wrong  # every such answer gets a mistake named


if __name__ == "__main__":  # the measurement: python tests/test_simulated_students.py 1000
    import tempfile

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        tallies = measure(count, lambda d, r: chromium_judge(d, r, Path(tmp)))
    for level, tally in tallies.items():
        print(f"level {level}:")
        for (channel, style), n in sorted(tally.asked.items()):
            print(f"  {channel:9} rounding ({style:13}) right {tally.right[channel, style]}/{n}")
        for (channel, mistake), n in sorted(tally.made.items()):
            wrong, named = tally.wrong[channel, mistake], tally.named[channel, mistake]
            some = tally.named_any[channel, mistake]
            print(
                f"  {channel:9} {mistake:17} wrong {wrong}/{n}, named {named}/{n}"
                f" (a mistake named: {some}/{n})"
            )
        print(f"  failures: {len(tally.failures)} {tally.failures[:5]}")
