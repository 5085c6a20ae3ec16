"""microgradpp/compiled/program.py: mismatched lengths are refused everywhere a Program takes
samples, and show_sample puts exactly a scalar run of one sample into the traced graph, even for
several outputs per sample."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy", reason="compiled mode needs numpy (extra: fast)")

from microgradpp import losses  # noqa: E402
from microgradpp.compiled import compile_loss  # noqa: E402
from microgradpp.data import make_moons  # noqa: E402
from microgradpp.nn import MLP  # noqa: E402
from microgradpp.optim import SGD  # noqa: E402
from microgradpp.train import fit  # noqa: E402

X, Y = make_moons(8, 0.1, seed=0)


@pytest.mark.parametrize(
    ("call", "what"),
    [
        (lambda program: program.run(X, Y[:1]), "run: X has 8 samples but y has 1"),
        (lambda program: program.evaluate(X[:3], Y), "evaluate: X has 3 samples but y has 8"),
        (
            lambda program: program.run_batch(np.zeros((4, 2)), program.encode(Y[:2])),
            "run_batch: X has 4 samples but y has 2",
        ),
        (lambda program: program.run([], []), "run: X and y are empty"),
    ],
    ids=["run", "evaluate", "run_batch", "empty"],
)
def test_a_program_refuses_samples_and_targets_of_different_lengths(call, what: str) -> None:
    program = compile_loss(MLP(2, [4, 1], seed=0), "hinge", X, Y)
    with pytest.raises(ValueError, match=what):
        call(program)


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_refuses_val_data_of_different_lengths_before_training(compiled: bool) -> None:
    model = MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="val_data has 4 samples but 1 targets"):
        fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, Y), 2, progress=False,
            val_data=(X[:4], Y[:1]), compiled=compiled)  # fmt: skip
    assert model.state_dict() == before


TWO_OUTPUTS = {
    "mse": [[0.5, -1.0], [2.0, 0.0], [-0.5, 1.5]],
    "binary_cross_entropy_with_logits": [[1.0, 0.0], [0.0, 0.0], [1.0, 1.0]],
    "l1": [[0.5, -1.0], [2.0, 0.0], [-0.5, 1.5]],
}


@pytest.mark.parametrize("loss", sorted(TWO_OUTPUTS))
def test_show_sample_of_a_two_output_loss_is_the_scalar_run_of_that_sample(loss: str) -> None:
    Xs, ys = X[:3], TWO_OUTPUTS[loss]
    model = MLP(2, [4, 2], activation="tanh", seed=1)
    program = compile_loss(model, loss, Xs, ys)
    program.run(Xs, ys)
    program.show_sample(2)
    shown = [p.grad for p in model.parameters()]
    model.zero_grad()
    scalar = losses.LOSSES[loss].function(model.forward_batch([Xs[2]]), [ys[2]])
    scalar.backward()
    assert program.loss_value.data == pytest.approx(scalar.data, rel=1e-14)
    assert program.loss_value.grad == 1.0  # the sample's loss is the root, as in a scalar run
    assert shown == pytest.approx([p.grad for p in model.parameters()], rel=1e-12, abs=1e-16)


def test_a_programs_refusals_are_said_in_chinese():
    from microgradpp.i18n import translated

    model = MLP(2, [3, 1], seed=0)
    X, y = [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0]
    program = compile_loss(model, "mse", X, y)
    cases = [
        (lambda: program.run(X, [1.0]), "run：X 有 2 個資料點，y 卻有 1 個；兩者必須一樣多"),
        (lambda: program.run([], []), "run：X 和 y 是空的；請至少給一個資料點"),
        (lambda: program.run([[0.0, 1.0, 2.0]], [1.0]), "X 的形狀必須是 (資料點數, 2)，收到的是 (1, 3)"),
        (lambda: program.run([[0.0, float("nan")]], [1.0]), "X 裡有一個不是有限值的數（nan 或 inf）"),
        (lambda: compile_loss(model, "mse", X, y).show_sample(0),
         "show_sample 需要一個批次：請先呼叫 program.run(X, y)"),
        (lambda: (program.run(X, y), program.show_sample(5)), "資料點 5 不在上一個批次裡（那個批次有 2 個資料點）"),
        (lambda: program.run(X, [[1.0, 2.0], [1.0, 2.0]]), "目標值 0 有 2 個數字，但模型有 1 個輸出"),
        (lambda: program.run(X, ["a", 1.0]), "目標值必須是數字，收到的是 str: 'a'"),
        (lambda: program.run(X, [float("inf"), 1.0]), "目標值必須是有限的數字"),
    ]  # fmt: skip
    for make, hant in cases:
        with pytest.raises((ValueError, TypeError, IndexError)) as caught:
            make()
        assert translated(caught.value, "zh-Hant") == hant
        assert translated(caught.value, "en") == str(caught.value)
    with pytest.raises(ValueError) as caught:
        compile_loss(model, "msee", X, y)
    assert str(caught.value).startswith("unknown loss 'msee'; use one of mse, l1, hinge, ")
    assert translated(caught.value, "zh-Hans") == (
        "没有叫做 'msee' 的损失函数；请用 mse、l1、hinge、binary_cross_entropy、"
        "binary_cross_entropy_with_logits、cross_entropy 之一，或传入一个函数"
    )
