"""The textbook edition (``microgradpp/textbook.py``) computes what the engine computes, to the last bit.

Random programs (every gate and operator, fan-out, a node used twice in one gate, deep chains) run
once on engine Values and once on textbook Values; every node's data and gradient must be the same
float (compared by ``float.hex``, so -0.0 is not 0.0). The worked examples (``examples.py``) are
built with the textbook's Value too, and give their numbers exactly.
"""

from __future__ import annotations

import ast
import math
import random
from pathlib import Path

import pytest

import microgradpp as mg
from microgradpp import GateError, GradientError, Value, examples, textbook
from microgradpp.examples import EXAMPLES

EXPONENTS = (2, 3, -1, -2, 0.5, 1.5, 0)
BASES = (2, 0.5, 3.7)

# Each operation: (name, number of Value operands, how to apply it). The same function runs on
# engine and on textbook Values (``module`` gives ``sum_values`` and ``linear``).
OPERATIONS = [
    ("a + b", 2, lambda m, a, b, k: a + b),
    ("a * b", 2, lambda m, a, b, k: a * b),
    ("a - b", 2, lambda m, a, b, k: a - b),
    ("a / b", 2, lambda m, a, b, k: a / b),
    ("a + k", 1, lambda m, a, b, k: a + k),
    ("a * k", 1, lambda m, a, b, k: a * k),
    ("a - k", 1, lambda m, a, b, k: a - k),
    ("a / k", 1, lambda m, a, b, k: a / k),
    ("k + a", 1, lambda m, a, b, k: k + a),
    ("k * a", 1, lambda m, a, b, k: k * a),
    ("-a", 1, lambda m, a, b, k: -a),
    ("exp", 1, lambda m, a, b, k: a.exp()),
    ("log", 1, lambda m, a, b, k: a.log()),
    ("reciprocal", 1, lambda m, a, b, k: a.reciprocal()),
    ("max", 2, lambda m, a, b, k: a.max(b)),
    ("max k", 1, lambda m, a, b, k: a.max(k)),
    ("a ** n", 1, lambda m, a, b, k: a ** EXPONENTS[int(abs(k) * 100) % len(EXPONENTS)]),
    ("b ** a", 1, lambda m, a, b, k: BASES[int(abs(k) * 100) % len(BASES)] ** a),
    ("relu", 1, lambda m, a, b, k: a.relu()),
    ("tanh", 1, lambda m, a, b, k: a.tanh()),
    ("sigmoid", 1, lambda m, a, b, k: a.sigmoid()),
    ("sum", 3, lambda m, a, b, k: m.sum_values([a, b, k, a])),
    ("linear", 3, lambda m, a, b, k: m.linear([a, b], [b, k], a)),
]
GATES_COVERED = {"add", "mul", "exp", "log", "reciprocal", "max", "pow", "base_pow", "relu"}
GATES_COVERED |= {"tanh", "sigmoid", "sum", "linear"}
NOT_IN_THE_TEXTBOOK = {"softplus", "step"}  # a loss's gate; relu's derivative (create_graph)


def run_program(seed: int, steps: int) -> tuple[list[tuple[Value, textbook.Value]], set[str]]:
    """The same random program on both kinds of Value: the pairs of nodes it made, and the gates."""
    rng = random.Random(seed)
    pairs = []
    for i in range(rng.randint(1, 4)):
        x = rng.choice([rng.uniform(-2.0, 2.0), 0.0, 1.0, -0.5])
        pairs.append((Value(x, label=f"x{i}"), textbook.Value(x, label=f"x{i}")))
    gates = set()
    for _ in range(steps):
        name, _, operation = rng.choice(OPERATIONS)
        (a, ta), (b, tb) = rng.choice(pairs[-6:]), rng.choice(pairs)  # deep, and reused
        if rng.random() < 0.2:
            b, tb = a, ta  # one node twice in one gate: a + a, a * a, max(a, a)
        k = rng.choice([rng.uniform(-3.0, 3.0), 2, -1.0, 0.5])
        try:
            node = operation(mg.engine, a, b, k)
        except GateError:  # outside the gate's domain or beyond the largest float: skip
            continue
        if not all(math.isfinite(g) for g in node.local_grads):  # √x at 0: the engine's errors
            continue
        pairs.append((node, operation(textbook, ta, tb, k)))
        gates.add(node.gate.name if node.gate else "")
    return pairs, gates


def bits(x: float) -> str:
    return x.hex()


def same_numbers(pairs: list[tuple[Value, textbook.Value]]) -> list[str]:
    return [
        f"node {i}: engine {e.data!r}, {e.grad!r}; textbook {t.data!r}, {t.grad!r}"
        for i, (e, t) in enumerate(pairs)
        if (bits(e.data), bits(e.grad)) != (bits(t.data), bits(t.grad))
    ]


@pytest.mark.parametrize("batch", range(8))
def test_random_graphs_give_the_same_bits_in_the_textbook_and_the_engine(batch):
    compared, gates = 0, set()
    for seed in range(batch * 40, batch * 40 + 40):  # 320 graphs in all
        pairs, used = run_program(seed, steps=random.Random(seed).randint(1, 60))
        root, textbook_root = pairs[-1]
        try:
            root.backward()
        except GradientError:  # an inf or nan gradient: the engine refuses, the textbook has none
            continue
        textbook_root.backward()
        root.backward()  # twice: gate nodes start again from 0, leaves add up, in both
        textbook_root.backward()
        assert same_numbers(pairs) == []
        compared, gates = compared + 1, gates | used
    assert compared >= 35
    assert gates >= {"add", "mul", "max", "sum", "linear"}


def test_every_gate_of_the_value_is_in_the_random_graphs():
    gates = set()
    for seed in range(320):
        gates |= run_program(seed, steps=random.Random(seed).randint(1, 60))[1]
    assert gates - {""} == GATES_COVERED
    assert set(mg.GATES) == GATES_COVERED | NOT_IN_THE_TEXTBOOK


def test_a_deep_chain_gives_the_same_bits():
    x, w = Value(0.3, label="x"), Value(0.999, label="w")
    tx, tw = textbook.Value(0.3), textbook.Value(0.999)
    f, tf = x, tx
    for i in range(3_000):  # deeper than Python's recursion limit
        f = (f * w + x).tanh() if i % 3 else f.sigmoid() * 2.0 - 0.5
        tf = (tf * tw + tx).tanh() if i % 3 else tf.sigmoid() * 2.0 - 0.5
    f.backward()
    tf.backward()
    assert [bits(v) for v in (f.data, x.grad, w.grad)] == [
        bits(v) for v in (tf.data, tx.grad, tw.grad)
    ]


def textbook_labels(root: textbook.Value) -> dict[str, textbook.Value]:
    found, to_visit = {root}, [root]
    while to_visit:
        for parent in to_visit.pop().parents:
            if parent not in found:
                found.add(parent)
                to_visit.append(parent)
    return {node.label: node for node in found if node.label}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_worked_examples_give_their_numbers_with_the_textbook_value(name, monkeypatch):
    root = EXAMPLES[name].run()
    expected = {
        label: (bits(n.data), bits(n.grad)) for label, n in examples.nodes_by_label(root).items()
    }
    for attribute in ("Value", "linear", "sum_values"):  # the builders, on the textbook's Value
        monkeypatch.setattr(examples, attribute, getattr(textbook, attribute))
    textbook_root = EXAMPLES[name].build()
    assert isinstance(textbook_root, textbook.Value)
    textbook_root.backward()
    got = {
        label: (bits(n.data), bits(n.grad)) for label, n in textbook_labels(textbook_root).items()
    }
    assert got == expected
    assert len(got) >= 5


def test_the_textbook_imports_only_math_and_fits_on_one_screen():
    source = Path(textbook.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert imported == {"math", "__future__"}
    assert len(source.splitlines()) <= 130
