"""The exercise page's judging.js follows microgradpp/judging.py: one table of answers, both rules.

Python writes each graph's judging data (``Work.page_data``) and a table of answers (right ones,
rounded ones, each mistake's, near misses, built on earlier answers); Chromium runs judging.js over
the table; every verdict (right, and the mistake named) must be the same.
"""

from __future__ import annotations

import json
import random

import pytest
from browsers import CHROMIUM, chromium

from microgradpp.examples import get_example
from microgradpp.i18n import Translator
from microgradpp.judging import Work, common_wrong_answers, half_digit, judge, parse_answer
from microgradpp.practice import make_class
from microgradpp.steps.page import template


def _table() -> tuple[list[dict], list[dict]]:
    works = [get_example(name).build() for name in ("add-mul", "sigmoid-neuron", "max-circuit")]
    graphs = [Work(root) for root in works]
    graphs += [p.work for level in (1, 2, 3) for p in make_class(level, 7, 6)]
    rng = random.Random(7)
    t = Translator("en")
    data, rows = [], []
    for g, work in enumerate(graphs):
        data.append({"half": half_digit(work.digits), "questions": [
            work.page_data(q, t) for q in work.questions
        ]})  # fmt: skip
        for i, question in enumerate(work.questions):
            answers = {work.round(question.exact), question.careful, -question.careful}
            answers |= {value for _, value in common_wrong_answers(work, question)}
            answers |= {question.careful + d for d in (-0.006, -0.004, 0.004, 0.006, 0.05)}
            others = [q for q in work.questions if q is not question]
            for answer in sorted(answers):
                earlier: dict = {}
                if others and rng.random() < 0.5:  # the student's own (slightly off) answers
                    for other in rng.sample(others, min(3, len(others))):
                        earlier[other.node] = other.careful + rng.choice((-0.01, 0.0, 0.01))
                verdict = judge(work, question.node, answer, earlier)
                rows.append({
                    "graph": g, "index": i, "answer": answer,
                    "earlier": [earlier.get(q.node) for q in work.questions],
                    "right": verdict.right, "mistake": verdict.mistake,
                })  # fmt: skip
    return data, rows


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_the_page_and_python_judge_one_table_of_answers_alike(tmp_path):
    data, rows = _table()
    assert len(rows) > 1000
    assert {row["mistake"] for row in rows} >= {
        None, "local_only", "upstream_only", "sign_flip", "one_path_only", "input_output_swap",
        "mul_own_value", "max_wrong_input",
    }  # fmt: skip
    assert {row["right"] for row in rows} == {True, False}
    page = tmp_path / "parity.html"
    page.write_text(
        "<!DOCTYPE html><meta charset='utf-8'><pre id='out'></pre><script>"
        + template("judging.js").template
        + f"\nvar data = {json.dumps(data)}, rows = {json.dumps(rows)};\n"
        + """var out = rows.map(function (row) {
  var g = data[row.graph];
  var v = MicrogradppJudging.judge(g.questions, row.index, row.answer, row.earlier, g.half);
  return [v.right, v.mistake];
});
document.getElementById("out").textContent = "RESULT" + JSON.stringify(out) + "END";
</script>""",
        encoding="utf-8",
    )
    run = chromium("--dump-dom", page.as_uri(), user_data_dir=tmp_path / "profile")
    text = run.stdout
    js = json.loads(text[text.index("RESULT") + 6 : text.index("END")])
    python = [[row["right"], row["mistake"]] for row in rows]
    differ = [(row, j) for row, p, j in zip(rows, python, js) if p != j]
    assert differ == []


TYPED = [
    "-4", "−4", "－４", "４.５", " 0.5 ", ".5", "0,5", "0,125", "1e-3", "2.5E2", "1/2", "-3/4",
    "− 1", "1 / 2", "３／４", "+2", "1 2", "1,000", "-2,500", "abc", "1/0", "inf", "nan", "",
    "1.5.3", "1_000", "1e400", "١", "0x10", "1/x", "--1", "12,3456",
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_the_page_reads_a_typed_answer_as_the_quiz_does(tmp_path):
    def python(text: str) -> float | None:
        try:
            return parse_answer(text)
        except ValueError:
            return None

    page = tmp_path / "parse.html"
    page.write_text(
        "<!DOCTYPE html><meta charset='utf-8'><pre id='out'></pre><script>"
        + template("judging.js").template
        + f"\nvar texts = {json.dumps(TYPED)};\n"
        + """var out = texts.map(function (t) { var v = MicrogradppJudging.parse(t);
  return isNaN(v) ? null : v; });
document.getElementById("out").textContent = "RESULT" + JSON.stringify(out) + "END";
</script>""",
        encoding="utf-8",
    )
    run = chromium("--dump-dom", page.as_uri(), user_data_dir=tmp_path / "profile")
    js = json.loads(run.stdout[run.stdout.index("RESULT") + 6 : run.stdout.index("END")])
    assert dict(zip(TYPED, js)) == {text: python(text) for text in TYPED}
    assert js.count(None) == 15  # what neither accepts, from "1 2" to "--1"
