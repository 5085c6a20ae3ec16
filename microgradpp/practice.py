"""Practice problems: small random graphs whose values and gradients a student works out by hand.

The worksheets, the terminal quiz and the exercise pages all draw their graphs from
:func:`make_problem`. A problem is a real graph of ``Value`` nodes, and every number on an answer
key is what the engine's own ``backward()`` left in ``.grad``: nothing here differentiates.

Three levels:

1. ``+`` and ``×`` only: 3 to 5 gates over 4 to 6 inputs, every input used once (a tree), whole
   numbers or one decimal, and every value and gradient exact to 2 decimals.
2. ``exp``, ``1/x`` or ``max`` among 3 to 5 gates, and one node used twice (its gradient is the
   *sum* over its wires), answers to 2 decimals.
3. A sigmoid neuron built from primitive gates, as in the cs231n notes (×, +, ×(−1), exp, +1, 1/x),
   or a 2-2-1 network (two sigmoid neurons feeding a linear output), answers to 2 decimals.

A draw is rejected, and another made, when a number would be hard to read or check by hand: a
value or gradient beyond ±100 (50 at levels 2 and 3), a value of 0, a gradient below 0.05 in size
(0 is allowed only where a max gate routes the gradient away), a max with two nearly equal inputs,
or (level 1) a number needing more than 2 decimals.

The same seed gives the same problems, on every machine: each problem has its own
``random.Random`` seeded with a string (string seeds do not depend on ``PYTHONHASHSEED``).

    >>> problem = make_problem(level=1, seed=2026, number=1)
    >>> problem.root.data == problem.answers()[-1].value
    True
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from .engine import Value, sum_values, topological_order
from .errors import MicrogradppError
from .gates import operand
from .i18n import Translator, Words, error
from .judging import Work, degenerate, discriminating, exact_to, parse_answer
from .tables import format_number
from .validation import is_integer

__all__ = ["parse_answer"]  # how a typed answer is read lives in judging; offered here too

LEVELS = (1, 2, 3)
MAX_STUDENTS = 500
INPUT_NAMES = ("x", "y", "z", "w", "u", "v")
INTERMEDIATE_NAMES = ("p", "q", "r", "s", "t")
ROOT_NAME = "f"
MAX_ATTEMPTS = 20_000
"""Draws tried before giving up (a level's draws are accepted about once in 3 to 30 tries)."""
MIN_NONZERO = 0.05
"""The smallest size a non-zero number may have: 0.05 still shows as 0.05 at 2 decimals."""
MAX_SIZE = {1: 100.0, 2: 50.0, 3: 50.0}
DIGITS = 2
"""Answers are asked for, and shown, to 2 decimals."""


class PracticeError(MicrogradppError, ValueError):
    """A practice problem was asked for with impossible settings (level, number of students)."""


@dataclass(frozen=True)
class Answer:
    """One line of an answer key: a node of the problem, its value and its gradient ∂f/∂node."""

    name: str
    formula: str
    """How the node is computed ('x + y', 'exp(q)'); '' for an input."""
    value: float
    grad: float
    is_input: bool
    gate: str
    """The gate's registry name ('add', 'mul', ...); '' for an input."""


@dataclass(frozen=True, eq=False)
class Problem:
    """A graph to work through by hand, with ``backward()`` already run on it.

    ``root`` is f; every input and every computed node has a label (constants have none).
    """

    level: int
    seed: int
    number: int
    """The student's number in the class, from 1."""
    root: Value
    kind: str
    """'tree', 'reuse', 'neuron' or 'network': what the generator built."""

    @property
    def order(self) -> list[Value]:
        """Every node, inputs first (the forward order)."""
        return topological_order(self.root)

    @property
    def inputs(self) -> list[Value]:
        """The named inputs (parameters included), in the order they appear."""
        return [node for node in self.order if not node.parents and node.label]

    @property
    def computed(self) -> list[Value]:
        """The nodes a gate computes, in forward order; the last is f."""
        return [node for node in self.order if node.parents]

    @property
    def asked(self) -> list[Value]:
        """The nodes whose gradient a student works out, in the order backward finds them.

        That is every named node but f (∂f/∂f = 1 is given), children before parents.
        """
        return [node for node in reversed(self.order) if node.label and node is not self.root]

    @cached_property
    def work(self) -> Work:
        """The numbers in front of the student and the rule their answers are judged by
        (:mod:`microgradpp.judging`)."""
        return Work(self.root, DIGITS, {node: node.grad for node in self.order})

    def formula(self, node: Value) -> str:
        """How a computed node is computed, by names: 'x + y', 'exp(q)', 'max(p, z)', '1/r'."""
        return formula(node)

    def equations(self) -> list[str]:
        """'q = x + y', one per computed node, in forward order."""
        return [f"{node.label} = {self.formula(node)}" for node in self.computed]

    def answers(self) -> list[Answer]:
        """Value and gradient of every named node, in forward order (the answer key)."""
        return [
            Answer(
                node.label,
                self.formula(node) if node.parents else "",
                node.data,
                node.grad,
                not node.parents,
                node.gate.name if node.gate is not None else "",
            )
            for node in self.order
            if node.label
        ]

    def gates(self) -> list[str]:
        """The kinds of gate in the graph, each once, in forward order ('mul', 'exp', ...)."""
        return list(dict.fromkeys(node.gate.name for node in self.computed if node.gate))

    def reused(self) -> list[Value]:
        """Named nodes used by more than one wire: their gradient is a sum."""
        uses: dict[Value, int] = {}
        for node in self.computed:
            for parent in node.parents:
                uses[parent] = uses.get(parent, 0) + 1
        return [node for node in self.order if node.label and uses.get(node, 0) > 1]

    def signature(self) -> tuple:
        """What makes two problems the same: their equations and input values."""
        return (tuple(self.equations()), tuple((n.label, n.data) for n in self.inputs))


def formula(node: Value, names: Mapping[Value, str] | None = None) -> str:
    """How a node is computed from its parents, by name: 'x + y', 'exp(q)', 'max(p, z)', '1/r',
    '(x+y) × z' — the gate's own :meth:`~microgradpp.gates.Gate.expression`, so a worksheet, a hint
    and a step caption write a gate alike.

    A parent is called by ``names[parent]`` if given, else by its label; a constant by its value.
    """
    if node.gate is None:
        return ""
    return node.gate.expression([_name(parent, names) for parent in node.parents])


def _name(node: Value, names: Mapping[Value, str] | None = None) -> str:
    """What a node is called: its name, or (a constant) its value, typographic minus and all."""
    name = names.get(node, "") if names is not None else node.label
    if name and (node.parents or node.label):
        return name
    return format_number(node.data, unicode_minus=True)


def make_problem(level: int, seed: int, number: int = 1) -> Problem:
    """The problem of student ``number`` in a class whose worksheets were made with ``seed``:
    the very problem :func:`make_class` gives that student (both come from :func:`_students`)."""
    _check_level(level)
    for value, what in ((seed, "seed"), (number, Words("practice.name.student"))):
        if not is_integer(value):
            raise error(PracticeError, "practice.error.whole", what=what, got=repr(value))
    if number < 1:
        raise error(PracticeError, "practice.error.student_number", got=number)
    if number > MAX_STUDENTS:
        raise error(PracticeError, "practice.error.too_many_student", most=MAX_STUDENTS, got=number)
    *_, problem = _students(level, seed, number)
    return problem


def make_class(level: int, seed: int, students: int) -> list[Problem]:
    """One problem per student, all different (no two with the same equations and inputs)."""
    _check_level(level)
    if not is_integer(students) or students < 1:
        raise error(PracticeError, "practice.error.students", got=repr(students))
    if students > MAX_STUDENTS:
        raise error(PracticeError, "practice.error.too_many", most=MAX_STUDENTS, got=students)
    if not is_integer(seed):
        raise error(PracticeError, "practice.error.whole", what="seed", got=repr(seed))
    return list(_students(level, seed, students))


def _students(level: int, seed: int, students: int) -> Iterator[Problem]:
    """The one definition of student n's problem: the first fair draw from the student's own
    random stream that no student before them has. So student 17's problem depends on students
    1 to 16 (a duplicate is drawn again), and :func:`make_problem` walks the class up to n."""
    seen: set[tuple] = set()
    for number in range(1, students + 1):
        rng = random.Random(f"microgradpp practice/level {level}/seed {seed}/student {number}")
        problem = _draw(level, seed, number, rng, avoid=seen)
        seen.add(problem.signature())
        yield problem


def _check_level(level: object) -> None:
    if isinstance(level, bool) or level not in LEVELS:
        raise error(PracticeError, "practice.error.level", got=repr(level))


def _draw(level: int, seed: int, number: int, rng: random.Random, avoid: set[tuple]) -> Problem:
    build = _BUILDERS[level]
    for _ in range(MAX_ATTEMPTS):
        built = build(rng)
        if built is None:
            continue
        root, kind = built
        root.backward()
        problem = Problem(level, seed, number, root, kind)
        if readable(problem) and fair(problem) and problem.signature() not in avoid:
            return problem
    raise RuntimeError(f"no readable level-{level} problem after {MAX_ATTEMPTS} draws")


# ------------------------------------------------------------------------------------------------
# Readability: the numbers a student can work with by hand
# ------------------------------------------------------------------------------------------------


def readable(problem: Problem) -> bool:
    """True when every value and gradient of the problem is easy to read and check by hand."""
    limit = MAX_SIZE[problem.level]
    for node in problem.order:
        numbers = (node.data, node.grad) if node.label else (node.data,)
        if node.data == 0.0:  # a zero value reads as a typo and blocks every × behind it
            return False
        if node.label and node.grad == 0.0 and problem.level != 2:
            return False  # only a max gate (level 2) has a reason to send back nothing
        for x in numbers:
            if abs(x) > limit or (x != 0.0 and abs(x) < MIN_NONZERO):
                return False
            if problem.level == 1 and not exact_to(x, DIGITS):
                return False
        if node.gate is not None and node.gate.name == "max":
            a, b = (parent.data for parent in node.parents)
            if abs(a - b) < 0.5:  # a near tie: the route would be hard to see
                return False
    return True


def fair(problem: Problem) -> bool:
    """True when the problem judges fairly by hand (:mod:`microgradpp.judging`): no exact 0
    reached through paths that cancel, and every named mistake that changes an answer is marked
    wrong however the student rounded."""
    return not degenerate(problem.work) and discriminating(problem.work)


def shown(x: float) -> str:
    """A number as the worksheets and keys print it: 2 decimals at most, typographic minus."""
    return format_number(x, DIGITS, unicode_minus=True)


# ------------------------------------------------------------------------------------------------
# The generators, one per level
# ------------------------------------------------------------------------------------------------


def _small_number(rng: random.Random, largest: int, halves_only: bool = False) -> float:
    """A non-zero whole number up to ``largest`` in size, or (one time in four) one decimal."""
    sign = rng.choice((-1.0, 1.0))
    if rng.random() < 0.25:
        tenths = rng.choice((5,) if halves_only else (2, 5, 5, 5, 8))
        return sign * (rng.randint(0, largest - 1) + tenths / 10)
    return sign * rng.randint(1, largest)


def _tree(rng: random.Random) -> tuple[Value, str]:
    """Level 1: + and × over 4 to 6 inputs, each used once.

    Neighbours are joined, so the inputs read x, y, z, … from left to right in the expression.
    """
    gates = rng.randint(3, 5)
    pool = [Value(_small_number(rng, 5), label=name) for name in INPUT_NAMES[: gates + 1]]
    names = iter([*INTERMEDIATE_NAMES[: gates - 1], ROOT_NAME])
    while len(pool) > 1:
        i = rng.randrange(len(pool) - 1)
        a, b = pool[i], pool[i + 1]
        node = a + b if rng.random() < 0.5 else a * b
        node.label = next(names)
        pool[i : i + 2] = [node]
    return _relabelled(pool[0]), "tree"


_LEVEL_2_GATES: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "max": lambda a, b: a.max(b),
}
_LEVEL_2_UNARY: dict[str, Callable[[Value], Value]] = {
    "exp": lambda a: a.exp(),
    "reciprocal": lambda a: a.reciprocal(),
}


def _with_reuse(rng: random.Random) -> tuple[Value, str] | None:
    """Level 2: 3 to 5 gates over 2 or 3 inputs, at least one exp, 1/x or max, a node used twice.

    Each gate takes its inputs from the nodes made so far, preferring unused ones; the draw is
    kept only if every node ends up used and exactly one node is used by two wires.
    """
    gates = rng.randint(3, 5)
    inputs = [
        Value(_small_number(rng, 3, halves_only=True), label=name)
        for name in INPUT_NAMES[: rng.randint(2, 3)]
    ]
    nodes: list[Value] = list(inputs)
    uses = dict.fromkeys(nodes, 0)
    names = [*INTERMEDIATE_NAMES[: gates - 1], ROOT_NAME]
    special = False
    for k in range(gates):
        unused = [node for node in nodes if uses[node] == 0]
        kind = rng.choice((*_LEVEL_2_GATES, *_LEVEL_2_UNARY, "mul", "add"))
        try:
            if kind in _LEVEL_2_UNARY:
                a = rng.choice(unused or nodes)
                operands = [a]
                node = _LEVEL_2_UNARY[kind](a)
            else:
                first = rng.choice(unused or nodes)
                rest = [n for n in (unused if len(unused) > 1 else nodes) if n is not first]
                if not rest:
                    return None
                second = rng.choice(rest)
                operands = [first, second] if rng.random() < 0.5 else [second, first]
                node = _LEVEL_2_GATES[kind](*operands)
        except MicrogradppError:  # 1/0 or exp overflow: draw again
            return None
        special = special or kind in ("exp", "reciprocal", "max")
        for used in operands:
            uses[used] += 1
        node.label = names[k]
        nodes.append(node)
        uses[node] = 0
    root = nodes[-1]
    counts = [uses[node] for node in nodes[:-1]]
    if not special or 0 in counts or sorted(counts)[-1] != 2 or counts.count(2) != 1:
        return None
    return _relabelled(root), "reuse"


def _sigmoid_neuron(rng: random.Random) -> tuple[Value, str]:
    """Level 3: f = 1/(1 + exp(−(w0·x0 + w1·x1 + b))), gate by gate (the cs231n circuit)."""
    w0, x0, w1, x1, b = (
        Value(_small_number(rng, 2, halves_only=True), label=name)
        for name in ("w0", "x0", "w1", "x1", "b")
    )
    p0 = _named(w0 * x0, "p0")
    p1 = _named(w1 * x1, "p1")
    s = _named(p0 + p1, "s")
    z = _named(s + b, "z")
    u = _named(z * -1.0, "u")
    e = _named(u.exp(), "e")
    d = _named(e + 1.0, "d")
    return _named(d.reciprocal(), ROOT_NAME), "neuron"


def _network(rng: random.Random) -> tuple[Value, str]:
    """Level 3: a 2-2-1 network, f = v1·σ(z1) + v2·σ(z2) + c with zᵢ = wᵢ1·x1 + wᵢ2·x2 + bᵢ."""

    def number(name: str) -> Value:
        return Value(_small_number(rng, 2, halves_only=True), label=name)

    x1, x2 = number("x1"), number("x2")
    hidden = []
    for i in (1, 2):
        w1, w2, bias = number(f"w{i}1"), number(f"w{i}2"), number(f"b{i}")
        a = _named(w1 * x1, f"a{i}1")
        b = _named(w2 * x2, f"a{i}2")
        z = _named(sum_values([a, b, bias]), f"z{i}")
        hidden.append(_named(z.sigmoid(), f"h{i}"))
    v1, v2, c = number("v1"), number("v2"), number("c")
    o1 = _named(v1 * hidden[0], "o1")
    o2 = _named(v2 * hidden[1], "o2")
    return _named(sum_values([o1, o2, c]), ROOT_NAME), "network"


def _level_3(rng: random.Random) -> tuple[Value, str]:
    return _sigmoid_neuron(rng) if rng.random() < 0.5 else _network(rng)


def _relabelled(root: Value) -> Value:
    """Name the inputs x, y, z, … and the other nodes p, q, r, … in forward order, the root f.

    The generators name nodes as they make them; renaming in the order a student reads the
    graph keeps the worksheet's table alphabetical.
    """
    order = topological_order(root)
    inputs = iter(INPUT_NAMES)
    computed = iter(INTERMEDIATE_NAMES)
    for node in order:
        if node is root:
            node.label = ROOT_NAME
        elif node.parents:
            node.label = next(computed)
        elif node.label:
            node.label = next(inputs)
    return root


def _named(node: Value, label: str) -> Value:
    node.label = label
    return node


_BUILDERS: dict[int, Callable[[random.Random], tuple[Value, str] | None]] = {
    1: _tree,
    2: _with_reuse,
    3: _level_3,
}


# ------------------------------------------------------------------------------------------------
# Hints: the rule of the gate a wire goes into, with this problem's names
# ------------------------------------------------------------------------------------------------


def hint(problem: Problem, node: Value, t: Translator) -> str:
    """What to do to find ∂f/∂node: the rule of every gate the node feeds, with names."""
    names = {n: n.label for n in problem.order if n.label}
    return gradient_hint(node, problem.root, problem.computed, names, t)


def gradient_hint(
    node: Value,
    root: Value,
    computed: Sequence[Value],
    names: Mapping[Value, str],
    t: Translator,
) -> str:
    """The rule of every gate ``node`` feeds, with the graph's ``names``: how to get ∂root/∂node.

    ``computed`` are the graph's gate nodes. For a node used by two wires it first says that the
    two contributions add up. The numbers are left to the student: a hint names the rule only.
    """
    uses = [(child, i) for child in computed for i, p in enumerate(child.parents) if p is node]
    # a name that is an expression ('x+y') is written in parentheses: ∂f/∂(x+y), (x+y) × z
    name = operand(_name(node, names))
    root_name = operand(_name(root, names))
    lines = [t("hint.reuse", node=name, count=len(uses))] if len(uses) > 1 else []
    for child, position in uses:
        gate = child.gate.name if child.gate is not None else ""
        others = [p for i, p in enumerate(child.parents) if i != position]
        key = f"hint.{gate}" if f"hint.{gate}" in t.catalog else "hint.other"
        lines.append(
            t(
                key,
                root=root_name,
                node=name,
                out=operand(_name(child, names)),
                formula=formula(child, names),
                other=operand(_name(others[0], names)) if others else "",
            )
        )
    return " ".join(lines)


def rules(problem: Problem, t: Translator) -> list[str]:
    """The general rule of every kind of gate in the problem (a worksheet prints them)."""
    texts = [t(f"rule.{gate}") for gate in problem.gates()]
    if problem.reused():
        texts.append(t("rule.reuse"))
    return texts


def count_gates(problems: Sequence[Problem]) -> dict[str, int]:
    """How many problems use each kind of gate (the class summary prints it)."""
    counts: dict[str, int] = {}
    for problem in problems:
        for gate in problem.gates():
            counts[gate] = counts.get(gate, 0) + 1
    return dict(sorted(counts.items()))
