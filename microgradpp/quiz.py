"""A backpropagation quiz in the terminal: the gradients of a small random graph, one at a time.

    $ microgradpp quiz --level 1 --seed 7
    Backpropagation quiz, level 1 (seed 7): find 6 gradients, from f back to the inputs.
    ...
    ∂f/∂r = 2
    Right.

The graph comes from the same generator as the worksheets (:mod:`microgradpp.practice`). The
forward pass is shown; the student types each gradient in the order backward finds them. A wrong
answer gets a hint (the rule of the gate the wire goes into, with the graph's names) and one more
try, then the answer. A wrong answer is judged as a teacher would (:mod:`microgradpp.judging`):
an answer worked out from the rounded numbers shown counts as right, and where the answer is what
a well-known mistake gives (the local gradient alone, a flipped sign, one path of two, ...) the
hint names that mistake first. The score counts answers right at the first try. The end of input (Ctrl-D)
stops the quiz and still prints the score.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .engine import Value
from .i18n import Translator
from .judging import feedback, judge
from .practice import Problem, hint, make_problem, parse_answer, shown


def run_quiz(
    level: int = 1,
    seed: int | None = None,
    lang: str | None = None,
    ask: Callable[[str], str] = input,
    say: Callable[[str], None] = print,
) -> tuple[int, int]:
    """Ask every gradient of one problem; returns (right at the first try, questions asked).

    ``ask`` shows a prompt and returns the line typed (``input``); ``say`` prints a line. Without
    a ``seed`` one is drawn at random and printed, so the same quiz can be asked again.
    """
    t = Translator(lang)
    if seed is None:
        seed = random.SystemRandom().randrange(1, 100_000)
    problem = make_problem(level, seed)
    questions = problem.asked
    say(t("quiz.intro", level=level, seed=seed, count=len(questions)))
    say(t("quiz.given", inputs=", ".join(f"{n.label} = {shown(n.data)}" for n in problem.inputs)))
    say(t("quiz.values"))
    for node in problem.computed:
        say(f"  {node.label} = {problem.formula(node)} = {shown(node.data)}")
    say(t("quiz.start"))
    right = asked = 0
    earlier: dict[Value, float] = {}  # the student's own answers so far: what they build on
    try:
        for node in questions:
            prompt = t("quiz.ask", name=node.label)
            answer, first_try = _attempt(t, ask, say, prompt, problem, node, earlier)
            asked += 1  # counted once answered: stopping at a prompt does not count against
            if first_try:
                right += 1
                say(t("quiz.right"))
                earlier[node] = answer
                continue
            rule = hint(problem, node, t)
            mistake = feedback(problem.work, judge(problem, node, answer, earlier), t)
            say(
                t("quiz.wrong_mistake", mistake=mistake, hint=rule)
                if mistake
                else t("quiz.wrong", hint=rule)
            )
            answer, again = _attempt(
                t, ask, say, t("quiz.try_again") + prompt, problem, node, earlier
            )
            if again:
                say(t("quiz.right"))
                earlier[node] = answer
            else:
                say(t("quiz.answer", answer=shown(node.grad)))
                earlier[node] = problem.work.round(node.grad)  # the answer now in front of them
    except EOFError:
        say("")
        say(t("quiz.stopped"))
    say(t("quiz.score", right=right, total=asked))
    say(t("quiz.seed_note", seed=seed))
    return right, asked


def _attempt(
    t: Translator,
    ask: Callable[[str], str],
    say: Callable[[str], None],
    prompt: str,
    problem: Problem,
    node: Value,
    earlier: dict[Value, float],
) -> tuple[float, bool]:
    """One answer, asked again (without counting) until it is a number: (the answer, is it
    right), judged from the numbers shown and the student's ``earlier`` answers."""
    while True:
        text = ask(prompt)
        try:
            answer = parse_answer(text)
        except ValueError:
            say(t("quiz.not_a_number"))
            continue
        return answer, judge(problem, node, answer, earlier).right
