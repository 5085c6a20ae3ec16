"""Cross-check against PyTorch: random expressions over every gate, same values and gradients.

Optional: skipped when torch is not installed (``pip install torch``). Each expression is a
random program of gates over a few leaves; it runs once in microgradpp and once in PyTorch
(float64), and every value and every leaf gradient must agree.
"""

from __future__ import annotations

import math
import random

import pytest

import microgradpp as mg
from microgradpp import GATES, Value

torch = pytest.importorskip("torch", reason="PyTorch is not installed: pip install torch")

# How each gate is called in microgradpp and in PyTorch.
MICROGRADPP = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "max": mg.max,
    "exp": Value.exp,
    "log": Value.log,
    "reciprocal": Value.reciprocal,
    "pow": lambda x, n: x**n,
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "sum": lambda *xs: mg.sum(xs),
    "linear": lambda b, *wx: mg.linear(list(wx[::2]), list(wx[1::2]), b),
    # derived forms, through the operators
    "sub": lambda a, b: a - b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
}
TORCH = {
    "add": torch.add,
    "mul": torch.mul,
    "max": torch.maximum,
    "exp": torch.exp,
    "log": torch.log,
    "reciprocal": torch.reciprocal,
    "pow": lambda x, n: x**n,
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "sum": lambda *xs: torch.stack(xs).sum(),
    "linear": lambda b, *wx: b + sum((w * x for w, x in zip(wx[::2], wx[1::2])), torch.zeros(())),
    "sub": torch.sub,
    "div": torch.div,
    "neg": torch.neg,
}
EXPONENTS = (2, 3, -1, 0.5, 1.5, -2)


def positive(x: float) -> bool:
    return x > 0.1


def away_from_zero(x: float) -> bool:
    return abs(x) > 0.1


def moderate(x: float) -> bool:
    return abs(x) < 30


def test_every_documented_gate_has_a_pytorch_twin():
    documented = {"add", "mul", "exp", "reciprocal", "max", "log", "pow"}
    documented |= {"relu", "tanh", "sigmoid", "sum", "linear"}
    assert documented <= set(GATES)
    missing = set(GATES) - set(TORCH)
    # a gate added later is checked by tests/test_gates.py; add it to the two tables above to
    # compare it with PyTorch too
    assert missing <= set(GATES) - documented


def random_program(rng: random.Random, leaves: list[Value], steps: int) -> tuple[list, Value]:
    """Build a random expression in microgradpp, recording each step to replay it in PyTorch.

    Inputs are chosen where each gate is defined (log of a positive number, no division by a
    tiny number, no overflow), using the values computed so far; every node feeds the output.
    """
    nodes: list[Value] = list(leaves)
    program = []

    def pick(ok=lambda v: True) -> int | None:
        candidates = [i for i, v in enumerate(nodes) if ok(v.data)]
        return rng.choice(candidates[-6:]) if candidates else None  # prefer recent: deep graphs

    for _ in range(steps):
        op = rng.choice(sorted(MICROGRADPP))
        extra: tuple = ()
        if op in ("log", "reciprocal", "div"):
            denominator = pick(positive if op == "log" else away_from_zero)
            if denominator is None:
                continue
            args = [denominator] if op != "div" else [pick(), denominator]
        elif op == "pow":
            n = rng.choice(EXPONENTS)
            base = pick(positive if n != int(n) or n < 0 else moderate)
            if base is None:
                continue
            args, extra = [base], (n,)
        elif op == "exp":
            args = [pick(lambda x: x < 5)]
        elif op == "sum":
            args = [pick() for _ in range(rng.randint(1, 4))]
        elif op == "linear":
            args = [pick() for _ in range(2 * rng.randint(0, 3) + 1)]
        elif op in ("relu", "tanh", "sigmoid", "neg"):
            args = [pick()]
        else:
            args = [pick(), pick()]
        if None in args:
            continue
        node = MICROGRADPP[op](*(nodes[i] for i in args), *extra)
        if abs(node.data) > 1e4:  # keep the numbers moderate so both libraries stay accurate
            continue
        nodes.append(node)
        program.append((op, args, extra))
    return program, mg.sum(nodes[len(leaves) :] or nodes)


def run_in_torch(program: list, leaf_data: list[float]) -> tuple[float, list[float]]:
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaf_data]
    nodes = list(leaves)
    for op, args, extra in program:
        nodes.append(TORCH[op](*(nodes[i] for i in args), *extra))
    out = torch.stack(nodes[len(leaves) :] or nodes).sum()
    out.backward()
    grads = [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]
    return out.item(), grads


def test_random_expressions_match_pytorch():
    used: set[str] = set()
    checked = 0
    for seed in range(150):
        rng = random.Random(seed)
        leaf_data = [rng.uniform(-2.0, 2.0) for _ in range(rng.randint(1, 4))]
        leaves = [Value(x, label=f"x{i}") for i, x in enumerate(leaf_data)]
        program, out = random_program(rng, leaves, steps=rng.randint(3, 20))
        out.backward()
        expected_value, expected_grads = run_in_torch(program, leaf_data)
        context = f"seed {seed}: {program}"
        assert math.isclose(out.data, expected_value, rel_tol=1e-10, abs_tol=1e-10), context
        for leaf, expected in zip(leaves, expected_grads):
            assert math.isclose(leaf.grad, expected, rel_tol=1e-9, abs_tol=1e-9), context
        used.update(op for op, _, _ in program)
        checked += 1
    assert used == set(MICROGRADPP), f"never drew {set(MICROGRADPP) - used}"
    assert checked == 150


def scalar_grads(function, *xs: float) -> list[float]:
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    function(*leaves).backward()
    return [0.0 if leaf.grad is None else leaf.grad.item() for leaf in leaves]


def test_the_conventions_at_kinks_are_pytorchs():
    a, b = Value(1.5), Value(1.5)
    mg.max(a, b).backward()
    assert [a.grad, b.grad] == scalar_grads(torch.maximum, 1.5, 1.5) == [0.5, 0.5]
    zero = Value(0.0)
    zero.relu().backward()
    assert [zero.grad] == scalar_grads(torch.relu, 0.0) == [0.0]
    c = Value(-2.0)
    (c**3).backward()
    assert [c.grad] == scalar_grads(lambda x: x**3, -2.0) == [12.0]
