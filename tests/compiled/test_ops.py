"""microgradpp/compiled/ops.py: the fused losses give the numbers of the traced nodes they stand
for, and a layer that owns its parameters writes the same gradients it would have added."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy", reason="compiled mode needs numpy (extra: fast)")

from microgradpp.compiled import compile_loss  # noqa: E402
from microgradpp.compiled.ops import (  # noqa: E402
    CrossEntropyLoss,
    FusedLoss,
    HingeLoss,
    LogisticLoss,
    MatmulOp,
    MSELoss,
    ReluOp,
)
from microgradpp.data import make_moons, make_spiral  # noqa: E402
from microgradpp.engine import Value  # noqa: E402
from microgradpp.errors import GateError  # noqa: E402
from microgradpp.gates import GATES  # noqa: E402
from microgradpp.nn import MLP, Layer, Module  # noqa: E402

XS, YS = make_spiral(40, classes=4, seed=1)
XM, YM = make_moons(50, 0.1, seed=2)
TARGETS3 = np.random.default_rng(0).normal(size=(50, 3)).tolist()

CASES = {
    "cross_entropy-4": (MLP(2, [8, 4], seed=0), "cross_entropy", XS, YS, CrossEntropyLoss),
    "hinge-1": (MLP(2, [8, 1], seed=0), "hinge", XM, YM, HingeLoss),
    "hinge-2": (MLP(2, [8, 2], seed=0), "hinge", XM, [[t, 1 - t] for t in YM], HingeLoss),
    "mse-1": (
        MLP(2, [8, 1], activation="tanh", seed=0),
        "mse",
        XM,
        [3.0 * t - 1.0 for t in YM],
        MSELoss,
    ),
    "mse-3": (MLP(2, [8, 3], seed=0), "mse", XM, TARGETS3, MSELoss),
    "bce-logits-1": (
        MLP(2, [8, 1], seed=0),
        "binary_cross_entropy_with_logits",
        XM,
        YM,
        LogisticLoss,
    ),
    "bce-logits-2": (
        MLP(2, [8, 2], activation="tanh", seed=0),
        "binary_cross_entropy_with_logits",
        XM,
        [[t, 0.25 + 0.5 * t] for t in YM],
        LogisticLoss,
    ),
}


def fast_and_traced(program, X, y):
    """(per-sample losses, gradient) from the fast operations, then from the traced nodes."""
    program.run(X, y)
    fast = (program.V[program.root_row].copy(), program.grad.copy())
    program.run_loaded(full=True)  # every traced node, as show_sample runs them
    return fast, (program.V[program.root_row].copy(), program.grad.copy())


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_fused_loss_gives_the_numbers_of_the_traced_nodes(case: str) -> None:
    model, loss, X, y, fused = CASES[case]
    program = compile_loss(model, loss, X, y)
    assert type(program.fast_ops[-1]) is fused
    assert not any(isinstance(op, FusedLoss) for op in program.ops)
    assert len(program.fast_ops) < len(program.ops)
    (losses, grad), (traced_losses, traced_grad) = fast_and_traced(program, X, y)
    assert losses.tolist() == traced_losses.tolist()  # the same operations in the same order
    # the gradient: the same up to rounding (cross-entropy leaves out the max's path, which is
    # 0 up to rounding; the mean of several terms multiplies in another order)
    assert np.abs(grad - traced_grad).max() <= 1e-15 * np.linalg.norm(traced_grad)


@pytest.mark.parametrize(
    ("loss", "y"),
    [
        ("l1", [3.0 * t - 1.0 for t in YM]),
        ("binary_cross_entropy", [0.25 + 0.5 * t for t in YM]),
        (
            lambda outputs, targets: (
                sum((o - t) * (o - t) for o, t in zip(outputs, targets)) * (1.0 / len(outputs))
            ),
            [float(t) for t in YM],
        ),
    ],
    ids=["l1", "bce", "custom"],
)
def test_a_loss_without_a_fused_form_replays_its_traced_nodes(loss, y) -> None:
    program = compile_loss(MLP(2, [4, 1], seed=0), loss, XM, y)
    assert program.fast_ops is program.ops


def test_a_function_of_yours_named_like_a_loss_is_not_replaced_by_its_fused_form() -> None:
    def mse(outputs, targets):  # twice microgradpp's mse: not the named loss
        terms = [
            (o - t) * (o - t) * 2.0 for os, ts in zip(outputs, targets) for o, t in zip(os, ts)
        ]
        return sum(terms[1:], terms[0]) * (1.0 / len(terms))

    model = MLP(2, [4, 2], seed=0)
    X, y = XM[:6], [t[:2] for t in TARGETS3[:6]]
    program = compile_loss(model, mse, X, y)
    assert program.fast_ops is program.ops
    loss = program.run(X, y)
    model.zero_grad()
    scalar = mse(model.forward_batch(X), y)
    scalar.backward()
    assert loss == pytest.approx(scalar.data, rel=1e-14)
    expected = [p.grad for p in program.parameters]
    assert program.grad.tolist() == pytest.approx(expected, rel=1e-13, abs=1e-15)


def test_the_layers_of_an_mlp_own_their_parameters_and_run_twice_the_same() -> None:
    model = MLP(2, [8, 8, 4], seed=0)
    program = compile_loss(model, "cross_entropy", XS, YS)
    layers = [op for op in program.ops if isinstance(op, MatmulOp)]
    assert len(layers) == 3 and all(op.owns for op in layers)
    assert len(program.unowned) == 0  # nothing left to zero before a backward
    program.run(XS, YS)
    first = program.grad.copy()
    program.grad[:] = 7.0  # (a clip or l2 changes the gradients in place between runs)
    program.run(XS, YS)
    assert program.grad.tolist() == first.tolist()


def test_a_weight_read_twice_is_not_owned_and_its_gradient_is_the_scalar_one() -> None:
    model = MLP(2, [3, 1], seed=0)
    shared = model.layers[0].neurons[0].w[0]
    model.layers[0].neurons[1].w[1] = shared  # one Value in two places
    X, y = XM[:10], YM[:10]
    program = compile_loss(model, "mse", X, [float(t) for t in y])
    first, last = (op for op in program.ops if isinstance(op, MatmulOp))
    assert not first.owns and last.owns
    assert 0 < len(program.unowned) < len(program.values)
    for _ in range(2):  # the second run starts from zeros again
        program.run(X, [float(t) for t in y])
    model.zero_grad()
    loss = sum((model(x) - float(t)) ** 2 for x, t in zip(X, y)) * (1.0 / len(X))
    assert isinstance(loss, Value)
    loss.backward()
    expected = [p.grad for p in program.parameters]
    assert program.grad.tolist() == pytest.approx(expected, rel=1e-13, abs=1e-15)


class Residual(Module):
    """Two relu layers and a skip: out = layer₂(h) + h₀ with h = layer₁(x), so h₀ is read by
    both the second layer and the add."""

    nin, nout = 2, 1

    def __init__(self) -> None:
        self.first, self.second = Layer(2, 3, seed=0), Layer(3, 1, activation=None, seed=1)

    def _children(self):
        return [("first", self.first), ("second", self.second)]

    def __call__(self, x):
        h = self.first(x)
        (out,) = self.second(h)
        return out + h[0]


def test_rows_read_by_one_operation_get_their_gradient_written_others_added() -> None:
    mlp = compile_loss(MLP(2, [3, 3, 1], seed=0), "mse", XM[:5], [0.5] * 5)
    relus = [op for op in mlp.ops if getattr(op, "gate", None) is GATES["relu"]]
    layers = [op for op in mlp.ops if isinstance(op, MatmulOp)]
    assert len(relus) == 2 and all(op.sources[0].sole for op in relus)
    assert [op.x.sole for op in layers] == [True, True, True]  # inputs, relu rows, relu rows
    model = Residual()
    X, y = XM[:6], [float(t) for t in YM[:6]]
    program = compile_loss(model, "mse", X, y)
    second = [op for op in program.ops if isinstance(op, MatmulOp)][1]
    assert not second.x.sole  # h₀ has two readers: their gradients add up
    program.run(X, y)
    model.zero_grad()
    scalar = sum((model(x) - t) ** 2 for x, t in zip(X, y)) * (1.0 / len(X))
    scalar.backward()
    expected = [p.grad for p in program.parameters]
    assert program.grad.tolist() == pytest.approx(expected, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("layer", [0, 1], ids=["hidden", "output"])
def test_a_layer_whose_product_overflows_raises_the_scalar_error(layer: int) -> None:
    # BLAS raises no overflow flag: the forward checks the rows of each matrix product
    model = MLP(2, [3, 1], seed=0)
    X, y = [[1.0, 2.0], [0.5, 0.5], [3.0, 1.0]], [1, 0, 1]
    program = compile_loss(model, "hinge", X, y)
    assert program.check_rows[False] == [op.rows for op in program.fast_ops if not op.flags]
    for w in model.layers[layer].neurons[0].w:
        w.data = 1e306
    program.pull()
    with pytest.raises(GateError, match=r"^linear gate .* is beyond the largest float"):
        program.run([[1.0, 2.0], [4e5, 1.0], [0.5, 0.5]], y)


def test_a_relu_op_gives_the_relu_gate_s_numbers_in_place() -> None:
    x = np.array([[-0.0, 0.0, -1.5, 2.0], [1e-300, -1e-300, 3.0, -2.0]])
    upstream = np.array([[1.0, -2.0, 3.0, -4.0], [5.0, -6.0, 7.0, -8.0]])
    relu = GATES["relu"]
    program = compile_loss(MLP(2, [2, 1], seed=0), "mse", XM[:4], [0.5] * 4)
    program.run(XM[:4], [0.5] * 4)  # a batch of 4
    op = next(op for op in program.fast_ops if isinstance(op, ReluOp))
    program.V[op.sources[0].take] = x
    op.forward(program)
    out = program.V[op.rows]
    assert out.tolist() == relu.forward_array(x).tolist()
    assert not np.signbit(out).any()
    program.gV[op.rows] = upstream
    op.backward(program, full=False)
    (local,) = relu.local_grads_array(out, x)
    assert program.gV[op.sources[0].take].tolist() == (local * upstream).tolist()


def test_a_backward_zeroes_only_the_rows_no_operation_writes() -> None:
    program = compile_loss(MLP(2, [4, 4, 1], seed=0), "hinge", XM[:5], YM[:5])
    first, relu1, second, relu2, output, _ = program.fast_ops
    written = [first.rows, relu1.rows, second.rows, relu2.rows]  # each read by one operation
    rows = set(range(program.rows)) - {r for w in written for r in range(w.start, w.stop)}
    zeroed = {r for z in program.zero_rows[False] for r in range(z.start, z.stop)}
    assert zeroed == rows and output.rows.start in zeroed  # the loss adds to the outputs
    program.run(XM[:5], YM[:5])
    before = program.grad.copy()
    program.gV[:] = 99.0  # whatever a previous run left: zeroed or written again
    program.run(XM[:5], YM[:5])
    assert program.grad.tolist() == before.tolist()


def test_logits_loss_keeps_a_confident_answer_s_digits_as_the_scalar_loss() -> None:
    # softplus(z) − z at t = 1 loses every digit from z ≈ 37 (0 for 4.2e-18 at z = 40); the
    # scalar loss writes softplus(−z) there, and both compiled forms give its numbers exactly
    from microgradpp import losses

    model = MLP(1, [1], seed=0)
    weight, bias = model.parameters()
    weight.data, bias.data = 1.0, 0.0  # z = x
    X = [[40.0], [20.0], [-40.0], [3.0], [-37.5], [0.0]]
    y = [1.0, 1.0, 0.0, 1.0, 1.0, 0.0]
    program = compile_loss(model, "binary_cross_entropy_with_logits", X, y)
    (fast, grad), (traced, traced_grad) = fast_and_traced(program, X, y)
    scalar, scalar_grad = [], np.zeros(2)
    for x, t in zip(X, y):
        model.zero_grad()
        loss = losses.binary_cross_entropy_with_logits(model(x), t)
        loss.backward()
        scalar.append(loss.data)
        scalar_grad += [p.grad for p in model.parameters()]
    assert fast.tolist() == traced.tolist() == scalar
    assert fast[0] == 4.248354255291589e-18
    assert np.abs(grad - scalar_grad / len(X)).max() <= 1e-15 * np.linalg.norm(scalar_grad)
    assert np.abs(grad - traced_grad).max() <= 1e-15 * np.linalg.norm(traced_grad)
