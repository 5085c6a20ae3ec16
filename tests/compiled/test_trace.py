"""microgradpp/compiled/trace.py: a sample's numbers cannot choose the traced graph, and the
traced graph is laid out in a true topological order (nodes used at two depths, outputs a loss
does not read)."""

from __future__ import annotations

import math
import threading
from types import SimpleNamespace

import pytest

np = pytest.importorskip("numpy", reason="compiled mode needs numpy (extra: fast)")

from microgradpp import Value, losses  # noqa: E402
from microgradpp.compiled import compile_loss  # noqa: E402
from microgradpp.compiled.trace import difference, gate_nodes, tracing  # noqa: E402
from microgradpp.errors import CompiledError  # noqa: E402
from microgradpp.i18n import translated  # noqa: E402
from microgradpp.nn import MLP, Module  # noqa: E402
from microgradpp.optim import SGD  # noqa: E402
from microgradpp.train import fit  # noqa: E402

# Every way of reading a traced number that could steer the graph: each picks z or 0.01·z.
READS = {
    "data": (lambda z: z if z.data > 0 else z * 0.01, r"\.data of a Value"),
    "comparison": (lambda z: z if z > 0 else z * 0.01, r"__gt__ of a Value"),
    "reversed comparison": (lambda z: z if 0 < z else z * 0.01, r"__gt__ of a Value"),
    "bool": (lambda z: z if z else z * 0.01, r"bool\(\) of a Value"),
    "float": (lambda z: z if float(z) > 0 else z * 0.01, r"float\(\) of a Value"),
    "math": (
        lambda z: z * math.copysign(1.0, z),
        r"float\(\) of a Value",
    ),  # math.* converts with float()
    "builtin max": (lambda z: max(z, z * 0.01), r"__[lg]t__ of a Value"),
    "local_grads": (lambda z: z * z.parents[0].local_grads[0], r"\.local_grads of a Value"),
}


class Steered(Module):
    """One neuron whose output is chosen by a Python expression on its own value."""

    nin, nout = 1, 1

    def __init__(self, choose) -> None:
        self.w, self.b, self.choose = Value(0.5, "w"), Value(0.1, "b"), choose

    def _own_parameters(self):
        return [("w", self.w), ("b", self.b)]

    def __call__(self, x):
        return self.choose(self.w * x[0] + self.b)


# Samples 0 and 1 (the two compiled mode traces: the first, the first with another target) are
# both positive: comparing their graphs finds nothing. Sample 3 takes the other branch.
X = [[1.0], [2.0], [3.0], [-4.0]]
Y = [0.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize("kind", sorted(READS))
def test_reading_a_number_of_the_sample_while_tracing_is_refused(kind: str) -> None:
    choose, says = READS[kind]
    with pytest.raises(CompiledError, match=says) as caught:
        compile_loss(Steered(choose), "mse", X, Y)
    message = str(caught.value)
    assert "depends on the sample, was read while tracing at test_trace.py:" in message
    assert message.endswith("or train with compiled=False")
    chinese = translated(caught.value, "zh-Hant")
    assert chinese.startswith("編譯模式只追蹤「一個」樣本的計算圖") and "test_trace.py:" in chinese
    model = Steered(choose)  # the scalar engine trains it (each sample builds its own graph)
    fit(model, "mse", SGD(model.parameters(), lr=0.1), (X, Y), 2, 2, progress=False)
    with pytest.raises(CompiledError, match=says):
        fit(model, "mse", SGD(model.parameters(), lr=0.1), (X, Y), 2, 2, progress=False,
            compiled=True)  # fmt: skip


def test_a_loss_that_branches_on_the_target_is_refused() -> None:
    def weighted(outputs, targets):  # a mean over the samples, samples above 0.5 count twice
        terms = [
            (o - t) * (o - t) * (2.0 if t.data > 0.5 else 1.0) for o, t in zip(outputs, targets)
        ]
        return sum(terms[1:], terms[0]) * (1.0 / len(terms))

    model = MLP(1, [1], activation="linear", seed=0)
    with pytest.raises(
        CompiledError,
        match=r"\.data of the Value 't'.* test_trace\.py:\d+ \(in (weighted|<listcomp>)\)\.",
    ):
        compile_loss(model, weighted, X, [1.0, 1.0, 0.0, 1.0])


def test_a_softmax_shift_taken_from_the_sample_is_refused() -> None:
    def nll(outputs, targets):
        probabilities = losses.softmax(outputs[0])  # m = max z.data: a number from the sample
        return -(probabilities[0] * targets[0][0]).log()

    model = MLP(2, [3], activation="linear", output_activation=None, seed=0)
    X3, y3 = [[0.1, 0.2], [2.0, -1.0], [-3.0, 1.0]], [[1.0, 0.0, 0.0]] * 3
    with pytest.raises(CompiledError, match=r"\.data of a Value.* at losses\.py:\d+"):
        compile_loss(model, nll, X3, y3)


def test_a_choice_made_by_a_gate_compiles_and_trains_as_the_scalar_engine() -> None:
    results = []
    for compiled in (False, True):
        model = Steered(lambda z: z.max(z * 0.01))  # leaky relu: max decides per sample
        fit(model, "mse", SGD(model.parameters(), lr=0.1), (X, Y), 3, 2, progress=False,
            compiled=compiled)  # fmt: skip
        results.append([p.data for p in model.parameters()])
    assert results[1] == pytest.approx(results[0], rel=1e-12)


def test_parameters_and_other_threads_may_be_read_while_tracing() -> None:
    w = Value(2.0, "w")
    x = Value(3.0, "x")
    z = w * x
    seen = []
    with tracing([x]):
        assert w.data == 2.0 and w > 1.0 and float(w) == 2.0  # a parameter: the same for all
        thread = threading.Thread(target=lambda: seen.append((z.data, z > 5.0)))
        thread.start()
        thread.join()
        with pytest.raises(CompiledError):
            _ = z.data
    assert seen == [(6.0, True)]
    assert z.data == 6.0 and z > 5.0  # outside, everything reads as usual
    assert type(Value.__dict__["data"]).__name__ == "member_descriptor"  # the slot is back


def test_the_second_line_of_defence_compares_two_traced_graphs() -> None:
    x = Value(1.0, "x")
    a = SimpleNamespace(loss=(x * 2.0).tanh(), outputs=[])
    b = SimpleNamespace(loss=(x * 3.0).tanh(), outputs=[])
    assert difference(a, b, set()).reason("en") == (
        "a constant is 2.0 for one sample and 3.0 for the other (a number computed from the "
        "sample's .data)"
    )
    c = SimpleNamespace(loss=(x * 2.0).relu(), outputs=[])
    found = difference(a, c, set())
    assert found.reason("en") == "a tanh node in one is a different node in the other"
    assert found.reason("zh-Hant") == "一個計算圖中的 tanh 節點在另一個中是不同的節點"
    assert difference(a, SimpleNamespace(loss=(x * 2.0).tanh(), outputs=[]), set()) is None


# -- the order of the traced nodes ---------------------------------------------------------------


def test_gate_nodes_lists_every_node_after_its_inputs() -> None:
    o, t = Value(0.5, "o"), Value(1.0, "t")
    tanh = o.tanh()
    root = (tanh + o - t) ** 2  # o at depth 0 and 1: the order must still be topological
    order, constants, leaves = gate_nodes([root], {id(o), id(t)})
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for parent in node.parents:
            if parent.parents:
                assert position[id(parent)] < position[id(node)]
    assert order[-1] is root and len(order) == len(set(map(id, order)))
    assert leaves == {id(o), id(t)}
    assert [c.data for c in constants] == [-1.0]  # − t is t · (−1)


class Skip(Module):
    """A residual block: out = tanh(w·x + b) + x, the input used at depth 0 and depth 2."""

    nin, nout = 1, 1

    def __init__(self) -> None:
        self.w, self.b = Value(0.7, "w"), Value(-0.2, "b")

    def _own_parameters(self):
        return [("w", self.w), ("b", self.b)]

    def __call__(self, x):
        return (self.w * x[0] + self.b).tanh() + x[0]


def mean(terms: list[Value]) -> Value:
    return sum(terms[1:], terms[0]) * (1.0 / len(terms))


LOSSES_AT_TWO_DEPTHS = {
    "skip connection": (Skip, "mse"),
    "output at two depths": (
        lambda: MLP(1, [3, 1], activation="tanh", seed=4),
        lambda os, ts: mean([(o.tanh() + o - t) ** 2 for o, t in zip(os, ts)]),
    ),
    "an unread output": (
        lambda: MLP(1, [3, 2], activation="tanh", seed=5),
        lambda os, ts: mean([(o[0] - t) ** 2 for o, t in zip(os, ts)]),  # o[1] is not read
    ),
}


@pytest.mark.parametrize("case", sorted(LOSSES_AT_TWO_DEPTHS))
def test_graphs_with_a_node_at_two_depths_compile_to_the_scalar_gradients(case: str) -> None:
    make_model, loss = LOSSES_AT_TWO_DEPTHS[case]
    Xs, ys = [[0.3], [-1.2], [0.8]], [0.5, -0.25, 1.0]
    model = make_model()
    program = compile_loss(model, loss, Xs, ys)
    compiled = program.run(Xs, ys)
    model.zero_grad()
    scalar = (losses.mse if loss == "mse" else loss)(model.forward_batch(Xs), ys)
    scalar.backward()
    assert compiled == pytest.approx(scalar.data, rel=1e-13)
    assert program.grad.tolist() == pytest.approx([p.grad for p in model.parameters()], rel=1e-12)
    outputs = program.outputs_for(Xs)
    assert outputs.shape == (3, len(program.outputs))
