"""A backpropagation quiz in the terminal: the gradients of a small random graph, one at a time.

    $ microgradpp quiz --level 1 --seed 7
    Backpropagation quiz, level 1 (seed 7): find 6 gradients, from f back to the inputs.
    ...
    ∂f/∂r = 2
    Right.

The graph comes from the same generator as the worksheets (:mod:`microgradpp.practice`). The
forward pass is shown; the student types each gradient in the order backward finds them. A wrong
answer gets a hint (the rule of the gate the wire goes into, with the graph's names) and one more
try, then the answer. The score counts answers right at the first try. The end of input (Ctrl-D)
stops the quiz and still prints the score.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .i18n import Translator
from .practice import hint, is_right, make_problem, parse_answer, shown


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
    try:
        for node in questions:
            first_try = _attempt(t, ask, say, t("quiz.ask", name=node.label), node.grad, level)
            asked += 1  # counted once answered: stopping at a prompt does not count against
            if first_try:
                right += 1
                say(t("quiz.right"))
                continue
            say(t("quiz.wrong", hint=hint(problem, node, t)))
            if _attempt(
                t, ask, say, t("quiz.try_again") + t("quiz.ask", name=node.label), node.grad, level
            ):
                say(t("quiz.right"))
            else:
                say(t("quiz.answer", answer=shown(node.grad)))
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
    exact: float,
    level: int,
) -> bool:
    """One answer: asked again (without counting) until it is a number; True if it is right."""
    while True:
        text = ask(prompt)
        try:
            answer = parse_answer(text)
        except ValueError:
            say(t("quiz.not_a_number"))
            continue
        return is_right(answer, exact, level)
