"""Judging a student's gradient as a teacher would: fair to rounding, and naming the mistake.

A careful student works from the numbers *in front of them*: the values shown rounded to
``digits`` decimals, the local gradients computed from those, and their own earlier answers,
rounded as the sheet asks. At σ(z) = 0.0759 shown as 0.08 with ∂f/∂h = −2, the exact gradient is
−0.1402 ("−0.14"), but 0.08 · 0.92 · (−2) = −0.1472 ("−0.15"). Both are right. So an answer is
**right** when it is within half the last shown digit (0.005 at 2 decimals) of

* the exact answer (the engine's ``backward()``), or
* the *rounded chain*: ∂f/∂node = Σ over the wires node → out of  local · upstream, where each
  local gradient ∂out/∂node is computed from the shown numbers (the gate's own formula at the
  shown output and inputs, or at the shown inputs with the output worked out again, either raw or
  itself rounded) and each upstream ∂f/∂out is the student's own earlier answer (when it is not
  known: the careful student's rounded answer, or the exact answer shown). Every combination of
  those spans an interval [lo, hi]; an answer in [lo − ½ digit, hi + ½ digit] is right.

A wrong answer is compared with what each well-known mistake gives at that node, computed the same
way (from the shown numbers), and the first that fits is named. The mistakes, by their stable
identifiers (:data:`MISTAKES`):

``max_wrong_input``    a max gate's gradient sent to the smaller input
``mul_own_value``      a × gate's local gradient taken as the node's own value, not the other
                       input's
``input_output_swap``  exp/σ/tanh's input where its output belongs (e^x written x, σ(1 − σ) with
                       the input), or the reverse for 1/x, log, xⁿ (−1/out² for −1/x²)
``one_path_only``      a node used by several wires: the gradient along one of them only
``local_only``         the local gradient ∂out/∂node, not multiplied by the upstream ∂f/∂out
``upstream_only``      the upstream ∂f/∂out, not multiplied by the local gradient
``sign_flip``          the right size with the wrong sign (a subtraction, the −1/x² of 1/x)

A mistake is only named where it *changes the number* (upstream-only at a + gate is the right
answer). :func:`discriminating` tells whether every mistake that changes a number is also judged
wrong whatever the student rounded; the practice generator draws only such problems, and
:func:`degenerate` ones (an exact 0 reached through paths that cancel, as in q · (1/q)) never.

The API (used by the quiz, the exercise page, the worksheets' keys and ``microgradpp grade``)::

    work = Work.of(root, digits=2)                       # or problem.work for a practice problem
    verdict = judge(work, "z", -0.15, {"h": 0.08})       # node by name or Value; answers so far
    verdict.right, verdict.mistake                       # False, 'sign_flip' (or None)
    feedback(work, verdict, Translator("zh-Hant"))       # the mistake said in the class's words

The exercise page runs the same rule in JavaScript (``steps/templates/judging.js``) on the data
:meth:`Work.page_data` gives it; a test runs both over one table of answers.

Shown numbers round half up from the decimal value (四捨五入: 0.125 shows as 0.13), as
:func:`microgradpp.formatting.round_half_up`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import NamedTuple

from .engine import Value, topological_order
from .errors import MicrogradppError
from .formatting import format_number, round_half_up
from .gates import Gate
from .i18n import Translator, error
from .tables import node_names

MISTAKES = (
    "max_wrong_input",
    "mul_own_value",
    "input_output_swap",
    "one_path_only",
    "local_only",
    "upstream_only",
    "sign_flip",
)
"""The mistakes :func:`judge` recognises, by stable identifier, in the order they are tried: the
most specific first (a max gate's losing input given the upstream is ``max_wrong_input``, though
it is also the upstream alone)."""
WIRE_MISTAKES = MISTAKES[:3]
"""The mistakes made on one wire's local gradient (the rest are about how the wires combine)."""

SLACK = 1e-9
"""Added to half a digit: 0.125 written 0.13 is 0.005 away, which must count despite binary floats."""


class JudgingError(MicrogradppError, ValueError):
    """A node that is not asked in this work, or an answer that is not a finite number."""


Interval = tuple[float, float]


def half_digit(digits: int) -> float:
    """The tolerance: half the last shown digit (0.005 at 2 decimals), plus :data:`SLACK`."""
    return 0.5 * 10.0**-digits + SLACK


def exact_to(x: float, digits: int) -> bool:
    """True when ``x`` is finite and shows exactly at ``digits`` decimals (3.25 at 2; not 1/3)."""
    scaled = x * 10**digits
    return math.isfinite(scaled) and abs(scaled - round(scaled)) < 1e-6


# ------------------------------------------------------------------------------------------------
# The work: every asked node, its exact answer, and how a careful student reaches it by hand
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Wire:
    """One wire node → out: what the student multiplies along it.

    ``local`` spans the local gradient ∂out/∂node as computed from the shown numbers (and the
    exact one); ``wrong`` spans, per wire-level mistake, the local gradient that mistake writes.
    """

    out: Value
    position: int
    exact_local: float
    local: Interval
    wrong: Mapping[str, tuple[float, Interval]]
    """mistake (or 'mistake:2', its second form) -> (the wrong local gradient at the exact
    numbers, its span at the shown ones)."""


@dataclass(frozen=True, eq=False)
class Question:
    """A gradient the student works out: ∂f/∂node, exact, and the careful student's answer."""

    node: Value
    name: str
    exact: float
    careful: float
    """What a student rounding every step to the shown digits writes (the rounded chain)."""
    wires: tuple[Wire, ...]


class Misstep(NamedTuple):
    """A mistake at one node: which, the wire it is made on (None: not one wire's), the number
    it gives at the exact numbers, and which form of it (a key of ``Wire.wrong``)."""

    mistake: str
    wire: Wire | None
    value: float
    form: str = ""


@dataclass(frozen=True)
class Verdict:
    """How an answer was judged. ``mistake`` is an id of :data:`MISTAKES`, or None (right, or a
    mistake not recognised); ``accepted`` is the span of right answers (tolerance included)."""

    node: str
    answer: float
    right: bool
    mistake: str | None
    exact: float
    accepted: Interval
    wire: str
    """The gate output whose wire the mistake is about (the feedback names it); '' if none."""


class Work:
    """The numbers in front of a student for root's graph, and every gradient they are asked.

    ``grads``: the exact ∂root/∂node (default: the nodes' ``.grad``, as ``backward()`` left
    them). ``names``: what each node is called (default: its label, or ``n3``, as tables do).
    The questions are every node but the root and the constants, in the order backward completes
    them (a node once every wire leaving it has brought its share).
    """

    def __init__(
        self,
        root: Value,
        digits: int = 2,
        grads: Mapping[Value, float] | None = None,
        names: Mapping[Value, str] | None = None,
    ) -> None:
        self.root = root
        self.digits = digits
        self.order = topological_order(root)
        self.names = dict(names) if names is not None else node_names(self.order)
        self.exact = {n: (grads[n] if grads is not None else n.grad) for n in self.order}
        self.uses: dict[Value, list[tuple[Value, int]]] = {n: [] for n in self.order}
        for node in self.order:
            for position, parent in enumerate(node.parents):
                self.uses[parent].append((node, position))
        self.questions: list[Question] = []
        self._by_node: dict[Value, Question] = {}
        for node in reversed(self.order):
            if node is root or not (node.parents or node.label):
                continue
            wires = tuple(self._wire(out, position) for out, position in self.uses[node])
            question = Question(node, self.names[node], self.exact[node], 0.0, wires)
            careful = self._span(question, {}, careful_only=True)[0]
            question = Question(node, question.name, question.exact, self.round(careful), wires)
            self.questions.append(question)
            self._by_node[node] = question

    @classmethod
    def of(cls, root: Value, digits: int = 2, grads: Mapping[Value, float] | None = None) -> Work:
        return cls(root, digits, grads)

    def round(self, x: float) -> float:
        """``x`` as shown: rounded half up to the work's digits."""
        return round_half_up(x, self.digits)

    def question(self, node: Value | str) -> Question:
        """The question about ``node`` (a node of the graph, or its name)."""
        for question in self.questions:
            if question.node is node or question.name == node:
                return question
        raise error(JudgingError, "judging.error.not_asked", node=repr(node))

    # -- the wires: local gradients from the shown numbers, and what each mistake writes --------

    def _wire(self, out: Value, position: int) -> Wire:
        gate = out.gate
        assert gate is not None  # a node with parents was made by a gate
        xs = [parent.data for parent in out.parents]
        shown_xs = [self.round(x) for x in xs]
        exact_local = out.local_grads[position]
        forms = [exact_local]
        for out_value, inputs in ((self.round(out.data), shown_xs), (None, shown_xs)):
            local = _local(gate, out_value, inputs, position)
            if local is not None:
                forms += [local, self.round(local)]
        wrong: dict[str, tuple[float, Interval]] = {}
        for mistake, exact_wrong, shown_wrong in self._wrong_locals(out, position, shown_xs):
            if exact_wrong is not None and shown_wrong:
                spread = [*shown_wrong, *(self.round(x) for x in shown_wrong), exact_wrong]
                wrong[mistake] = (exact_wrong, (min(spread), max(spread)))
        return Wire(out, position, exact_local, (min(forms), max(forms)), wrong)

    def _wrong_locals(
        self, out: Value, position: int, shown_xs: list[float]
    ) -> Iterable[tuple[str, float | None, list[float]]]:
        gate = out.gate
        assert gate is not None
        xs = [parent.data for parent in out.parents]
        if gate.name == "max":  # the gradient routed to the other input: 1 and 0 swapped
            yield (
                "max_wrong_input",
                1.0 - out.local_grads[position],
                [1.0 - out.local_grads[position]],
            )
        if gate.name == "mul":  # the node's own value, where the other input's belongs
            yield "mul_own_value", xs[position], [shown_xs[position]]
        if len(xs) == 1:
            x, shown_x, shown_out = xs[0], shown_xs[0], self.round(out.data)
            # the output put where the input belongs: −1/out² for 1/x's −1/x², 1/out for log
            reverse = (_local(gate, None, [out.data], 0), _local(gate, None, [shown_out], 0))
            if _uses_output(gate, out.data, x):  # exp, σ, tanh, 1/x: the input for the output
                forward = (_local(gate, x, [x], 0), _local(gate, shown_x, [shown_x], 0))
                yield "input_output_swap", forward[0], [] if forward[1] is None else [forward[1]]
                yield "input_output_swap:2", reverse[0], [] if reverse[1] is None else [reverse[1]]
            else:  # log, xⁿ: written with the input, so only the reverse
                yield "input_output_swap", reverse[0], [] if reverse[1] is None else [reverse[1]]

    # -- the spans of right answers and of each mistake -------------------------------------------

    def _upstream(self, out: Value, earlier: Mapping[Value, float], careful_only: bool) -> Interval:
        """∂f/∂out as the student has it: 1 at the root, their own answer, or (not known yet)
        the careful student's rounded answer or the exact one as shown."""
        if out is self.root:
            return (1.0, 1.0)
        if out in earlier:
            return (earlier[out], earlier[out])
        question = self._by_node[out]
        if careful_only:
            return (question.careful, question.careful)
        candidates = (question.careful, self.round(question.exact))
        return (min(candidates), max(candidates))

    def _span(
        self,
        question: Question,
        earlier: Mapping[Value, float],
        careful_only: bool = False,
        wire_mistake: str = "",
        only: Wire | None = None,
        without_local: bool = False,
        without_upstream: bool = False,
    ) -> Interval:
        """Σ over the wires of local · upstream, as an interval over the student's choices."""
        total = (0.0, 0.0)
        for wire in question.wires:
            if only is not None and wire is not only:
                continue
            if careful_only:  # the gate's own formula at the shown numbers, unrounded
                gate = wire.out.gate
                assert gate is not None
                shown_xs = [self.round(p.data) for p in wire.out.parents]
                formula = _local(gate, self.round(wire.out.data), shown_xs, wire.position)
                value = wire.exact_local if formula is None else formula
                local: Interval = (value, value)
            elif wire_mistake in wire.wrong:
                local = wire.wrong[wire_mistake][1]
            else:
                local = wire.local
            upstream = self._upstream(wire.out, earlier, careful_only)
            if without_local:
                term = upstream
            elif without_upstream:
                term = local
            else:
                term = _times(local, upstream)
            total = (total[0] + term[0], total[1] + term[1])
        return total

    def changing_mistakes(self, question: Question) -> list[Misstep]:
        """(mistake, the wire it is about, the number it gives at the exact numbers) for every
        mistake that applies at this node and *changes the number* (upstream-only at a + gate
        gives the right answer: it is not a mistake there), in :data:`MISTAKES` order."""
        wires = question.wires
        upstream = {w: (1.0 if w.out is self.root else self.exact[w.out]) for w in wires}
        first = wires[0] if wires else None
        found = [
            Misstep("local_only", first, sum(w.exact_local for w in wires)),
            Misstep("upstream_only", first, sum(upstream.values())),
            Misstep("sign_flip", None, -question.exact),
        ]
        if len(wires) > 1:
            found += [Misstep("one_path_only", w, w.exact_local * upstream[w]) for w in wires]
        for mistake in WIRE_MISTAKES:
            forms = dict.fromkeys(k for w in wires for k in w.wrong if k.split(":")[0] == mistake)
            for form in forms:  # 'input_output_swap' and its reverse 'input_output_swap:2'
                wire = next(w for w in wires if form in w.wrong)
                value = sum(
                    (w.wrong[form][0] if form in w.wrong else w.exact_local) * upstream[w]
                    for w in wires
                )
                found.append(Misstep(mistake, wire, value, form))
        found.sort(key=lambda entry: MISTAKES.index(entry.mistake))  # stable: wires keep order
        return [entry for entry in found if not _same(entry.value, question.exact)]

    def accepted(self, question: Question, earlier: Mapping[Value, float]) -> list[Interval]:
        """The answers judged right: the exact one and the rounded chain, ± half a digit."""
        h = half_digit(self.digits)
        lo, hi = self._span(question, earlier)
        return [(question.exact - h, question.exact + h), (lo - h, hi + h)]

    def mistakes(
        self, question: Question, earlier: Mapping[Value, float]
    ) -> list[tuple[str, Interval, str]]:
        """(mistake, the answers it gives ± half a digit, the name of the wire's gate output)
        for the mistakes that change the number at this node, in :data:`MISTAKES` order."""
        h = half_digit(self.digits)
        result: list[tuple[str, Interval, str]] = []
        for mistake, wire, exact_value, form in self.changing_mistakes(question):
            if mistake == "local_only":
                spans = [self._span(question, earlier, without_upstream=True)]
            elif mistake == "upstream_only":
                spans = [self._span(question, earlier, without_local=True)]
            elif mistake == "sign_flip":
                lo, hi = self._span(question, earlier)
                spans = [(-hi, -lo)]
            elif mistake == "one_path_only":
                spans = [self._span(question, earlier, only=wire)]
            else:
                spans = [self._span(question, earlier, wire_mistake=form)]
            spans.append((exact_value, exact_value))  # the mistake made with the exact numbers
            name = self.names[wire.out] if wire is not None else ""
            result += [(mistake, (lo - h, hi + h), name) for lo, hi in spans]
        return result

    def page_data(
        self, question: Question, t: Translator, index: Mapping[Value, int] | None = None
    ) -> dict[str, object]:
        """What the exercise page's JavaScript (``judging.js``) needs to judge ``question`` by the
        same rule: the exact, rounded and careful answers; per wire its local span, the index of
        the question its upstream comes from (-1: the root, whose gradient is 1) and each wire
        mistake's span; the mistakes that change the number here, each with its sentence.
        ``index``: each question's position in the page's list (default: :attr:`questions`)."""
        if index is None:
            index = {q.node: i for i, q in enumerate(self.questions)}
        return {
            "name": question.name,
            "exact": question.exact,
            "rounded": self.round(question.exact),
            "careful": question.careful,
            "wires": [
                {
                    "up": index.get(wire.out, -1),
                    "local": list(wire.local),
                    "wrong": {m: list(span) for m, (_, span) in wire.wrong.items()},
                }
                for wire in question.wires
            ],
            "mistakes": [
                {
                    "id": mistake,
                    "form": form,
                    "wire": -1 if wire is None else question.wires.index(wire),
                    "value": value,
                    "text": mistake_text(
                        self, question, mistake, "" if wire is None else self.names[wire.out], t
                    ),
                }
                for mistake, wire, value, form in self.changing_mistakes(question)
            ],
        }


def _local(gate: Gate, out: float | None, xs: Sequence[float], position: int) -> float | None:
    """The gate's local gradient at these numbers (``out`` None: worked out from ``xs``); None
    where the numbers are outside the gate's domain (1/0, log of a negative)."""
    try:
        if out is None:
            out = gate.forward(*xs)
        local = gate.local_grads(out, *xs)[position]
    except (ArithmeticError, ValueError):
        return None
    return local if math.isfinite(local) else None


def _uses_output(gate: Gate, out: float, x: float) -> bool:
    """True when the gate writes its local gradient with its output (exp: eˣ = out; σ: σ(1 − σ);
    tanh: 1 − out²; 1/x: −out²): changing ``out`` alone changes the local gradient."""
    return _local(gate, out, [x], 0) != _local(gate, out * 1.5 + 1.0, [x], 0)


def _times(a: Interval, b: Interval) -> Interval:
    products = [x * y for x, y in product(a, b)]
    return (min(products), max(products))


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _inside(x: float, span: Interval) -> bool:
    return span[0] <= x <= span[1]


# ------------------------------------------------------------------------------------------------
# Reading an answer
# ------------------------------------------------------------------------------------------------

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
ANSWER_PATTERN = re.compile(rf"({_NUMBER})(?:/({_NUMBER}))?", re.ASCII)  # 0-9 only, as in JS
"""A number or a fraction of two, after :func:`parse_answer`'s clean-up (judging.js: the same)."""
_THOUSANDS = re.compile(r"[-+]?[1-9]\d*,\d{3}", re.ASCII)


def parse_answer(text: str) -> float:
    """The number a student typed, read alike by the quiz and the exercise page (``judging.js``).

    Accepted: '-4', '−4' (typographic minus), '－4' and '４' (what a Chinese input method types:
    full-width forms are read as their ASCII ones), '0.5', '.5', '0,5' (a decimal comma),
    '1e-3', '1/2', '-3/4', and spaces around a sign or a '/'. Refused (ValueError): text, an
    infinite or undefined number, '1/0', digits with a space between them ('1 2': 12 or two
    answers?) and '1,000' (a thousands separator or 1.000? ask again rather than guess).
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    cleaned = cleaned.replace("\u2212", "-").replace("\u2013", "-")
    cleaned = re.sub(r"([-+/])\s+", r"\1", cleaned)
    cleaned = re.sub(r"\s+/", "/", cleaned)
    if not cleaned:
        raise error(ValueError, "judging.error.empty")
    if _THOUSANDS.fullmatch(cleaned):
        raise error(ValueError, "judging.error.thousands")
    cleaned = cleaned.replace(",", ".")
    match = ANSWER_PATTERN.fullmatch(cleaned)
    if match is None:
        raise error(ValueError, "judging.error.not_a_number", text=repr(text))
    top, bottom = match.groups()
    if bottom is None:
        value = float(top)
    else:
        value = float(top) / float(bottom) if float(bottom) != 0.0 else math.nan
    if not math.isfinite(value):
        raise error(ValueError, "judging.error.not_finite")
    return value


# ------------------------------------------------------------------------------------------------
# Judging
# ------------------------------------------------------------------------------------------------


def _work_of(problem: object) -> Work:
    work = problem if isinstance(problem, Work) else getattr(problem, "work", None)
    if not isinstance(work, Work):
        raise error(JudgingError, "judging.error.work", got=type(problem).__name__)
    return work


def _earlier(
    work: Work, answers: Mapping[str, float] | Mapping[Value, float] | None
) -> dict[Value, float]:
    earlier: dict[Value, float] = {}
    for key, value in (answers or {}).items():
        question = work.question(key)
        if (
            not isinstance(value, int | float)
            or isinstance(value, bool)
            or not math.isfinite(value)
        ):
            raise error(JudgingError, "judging.error.earlier", name=question.name)
        earlier[question.node] = float(value)
    return earlier


def judge(
    problem: object,
    node: Value | str,
    answer: float,
    earlier_answers: Mapping[str, float] | Mapping[Value, float] | None = None,
) -> Verdict:
    """Judge ``answer`` for ∂f/∂node (``node`` a Value or its name) in ``problem`` (a
    :class:`Work`, or a practice problem: its ``.work``).

    ``earlier_answers``: the student's own answers so far, by node or name (what they multiply by
    next); nodes not in it count as the careful student's or the exact answer as shown. Right
    when within half a digit of the exact answer or of the rounded chain; otherwise ``mistake``
    names the first of :data:`MISTAKES` whose numbers the answer matches (None if none does).
    """
    work = _work_of(problem)
    question = work.question(node)
    if not isinstance(answer, int | float) or isinstance(answer, bool) or not math.isfinite(answer):
        raise error(JudgingError, "judging.error.answer", got=repr(answer))
    earlier = _earlier(work, earlier_answers)
    earlier.pop(question.node, None)
    accepted = work.accepted(question, earlier)
    span = (min(s[0] for s in accepted), max(s[1] for s in accepted))
    if any(_inside(answer, s) for s in accepted):
        return Verdict(question.name, answer, True, None, question.exact, span, "")
    for mistake, mistake_span, wire in work.mistakes(question, earlier):
        if _inside(answer, mistake_span):
            return Verdict(question.name, answer, False, mistake, question.exact, span, wire)
    return Verdict(question.name, answer, False, None, question.exact, span, "")


def right_answers(work: Work, question: Question) -> list[float]:
    """The answers a key prints as right, as shown: the exact one, then the careful one if it
    shows differently (the key's "also right")."""
    return list(dict.fromkeys([work.round(question.exact), question.careful]))


def common_wrong_answers(work: Work, question: Question) -> list[tuple[str, float]]:
    """(mistake, the answer it gives, as shown) for each mistake that changes the number here,
    at the exact numbers: what a key's margin lists so a teacher recognises it."""
    seen: dict[str, float] = {}
    for mistake, _, value, _ in work.changing_mistakes(question):
        seen.setdefault(mistake, work.round(value))
    return list(seen.items())


def degenerate(work: Work) -> bool:
    """True when an asked gradient is exactly 0 although its wires bring non-zero shares (paths
    that cancel, as s = q · (1/q)): by hand the rounding leaves 0.01 to 0.03 there."""
    for question in work.questions:
        if question.exact == 0.0 and any(
            wire.exact_local * (1.0 if wire.out is work.root else work.exact[wire.out]) != 0.0
            for wire in question.wires
        ):
            return True
    return False


def discriminating(work: Work) -> bool:
    """True when every mistake that changes an answer is judged wrong however the student
    rounded: its answers (± half a digit) and the right ones are more than half a digit apart."""
    h = half_digit(work.digits)
    for question in work.questions:
        right = work.accepted(question, {})
        for _, (lo, hi), _ in work.mistakes(question, {}):
            for r_lo, r_hi in right:
                if lo - h <= r_hi and r_lo <= hi + h:
                    return False
    return True


# ------------------------------------------------------------------------------------------------
# Feedback: the mistake in the class's words
# ------------------------------------------------------------------------------------------------


def feedback(work: Work, verdict: Verdict, t: Translator) -> str:
    """What to tell the student about a wrong answer whose mistake was recognised ('' if it was
    right or not recognised: the caller gives the gate's rule instead)."""
    if verdict.right or verdict.mistake is None:
        return ""
    return mistake_text(work, work.question(verdict.node), verdict.mistake, verdict.wire, t)


def mistake_text(
    work: Work, question: Question, mistake: str, wire_name: str, t: Translator
) -> str:
    """The sentence naming ``mistake`` at ``question``, with the graph's names and numbers."""
    wire = next((w for w in question.wires if work.names[w.out] == wire_name), None)
    wire = wire or (question.wires[0] if question.wires else None)
    root = work.names[work.root]
    out = work.names[wire.out] if wire else root
    local = (
        format_number(work.round(wire.exact_local), work.digits, unicode_minus=True) if wire else ""
    )
    return t(
        f"mistake.{mistake}",
        node=question.name,
        out=out,
        root=root,
        local=local,
        count=len(question.wires),
    )
