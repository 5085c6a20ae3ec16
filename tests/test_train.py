"""microgradpp.train: History, gradient_flow, predict, accuracy, evaluate, fit."""

from __future__ import annotations

import json
import math
import sys

import pytest

from microgradpp import Value
from microgradpp.data import make_blobs, make_moons, make_sine
from microgradpp.nn import MLP, Layer
from microgradpp.optim import SGD, Adam, ExponentialLR
from microgradpp.train import History, accuracy, evaluate, fit, gradient_flow, predict


def hand_model() -> MLP:
    """1 → 2 ReLU → 1: h = [relu(x), relu(−x)], out = 1 + 2·h₀ + 3·h₁."""
    model = MLP(1, [2, 1], seed=0)
    (n1, n2), (out,) = model.layers[0].neurons, model.layers[1].neurons
    n1.w[0].data, n1.b.data = 1.0, 0.0
    n2.w[0].data, n2.b.data = -1.0, 0.0
    out.w[0].data, out.w[1].data, out.b.data = 2.0, 3.0, 1.0
    return model


# -- gradient_flow -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grads", "mean_abs", "norm"),
    [
        ([1e154] * 4 + [0.0], 8e153, 2e154),  # each square 1e308: fsum of them overflowed
        ([1e300, -1e300, 1e300, 1e300, 0.0], 8e299, 2e300),
        ([1.5e308] * 4 + [0.0], 1.2e308, math.inf),  # the norm itself is beyond every float
        ([5e-324, 1e300, -1e-300, 0.0, 1e-10], 2e299, 1e300),  # tiny next to huge
    ],
)
def test_gradient_flow_never_raises_on_finite_gradients(grads, mean_abs, norm) -> None:
    model = MLP(4, [1], seed=0)
    for p, g in zip(model.parameters(), grads):
        p.grad = g
    (flow,) = gradient_flow(model).values()
    assert flow["mean_abs_grad"] == pytest.approx(mean_abs, rel=1e-15)
    assert flow["grad_norm"] == pytest.approx(norm, rel=1e-15)
    assert flow["max_abs_grad"] == max(abs(g) for g in grads)


def test_gradient_flow_reads_the_numbers_of_gradients_built_with_create_graph() -> None:
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    loss = model([Value(0.5), Value(-1.0)]) * 1.0
    loss.backward()
    plain = gradient_flow(model)
    model.zero_grad()
    loss.backward(create_graph=True)
    assert all(isinstance(p.grad, Value) for p in model.parameters())
    assert gradient_flow(model) == plain  # the same floats, not Values


@pytest.mark.parametrize("compiled", [False, True])
def test_a_fit_whose_gradients_square_beyond_every_float_records_their_flow(compiled) -> None:
    """Gradients of 8e153 square to 6.4e307, four of them sum beyond 1.8e308: the step was
    fine, and so is the history (it used to raise OverflowError: intermediate overflow in fsum;
    compiled mode recorded inf), in both modes."""
    if compiled:
        pytest.importorskip("numpy")
    model = MLP(4, [1], activation="linear", seed=0)
    for p in model.parameters():
        p.data = 1e-155 if p.label.endswith(("w0", "w1", "w2", "w3")) else 0.0
    history = fit(model, "mse", SGD(model.parameters(), lr=1e-170), ([[1e154] * 4], [0.0]), 1,
                  progress=False, compiled=compiled)  # fmt: skip
    assert history.grad_mean_abs[0]["layer1"] == pytest.approx((4 * 8e153 + 0.8) / 5)
    assert history.loss[0] == pytest.approx(0.16)
    assert history.grad_norm[0]["layer1"] == pytest.approx(math.hypot(*[8e153] * 4, 0.8))


def test_gradient_flow_by_hand():
    model = hand_model()
    out = model([2.0])  # h = [2, 0], out = 1 + 4 + 0 = 5
    assert out.data == 5.0
    out.backward()
    flow = gradient_flow(model)
    assert list(flow) == ["layer1", "layer2"]
    # layer2: ∂out/∂w = h = [2, 0], ∂out/∂b = 1
    assert flow["layer2"] == {
        "mean_abs_grad": 1.0,
        "max_abs_grad": 2.0,
        "grad_norm": math.sqrt(5.0),
        "dead_fraction": 0.0,  # not a ReLU layer
    }
    # layer1, neuron1: ∂out/∂w = 2·x = 4, ∂out/∂b = 2;  neuron2 is off (relu'(−2) = 0): 0, 0
    assert flow["layer1"] == {
        "mean_abs_grad": 1.5,
        "max_abs_grad": 4.0,
        "grad_norm": math.sqrt(20.0),
        "dead_fraction": 0.5,  # neuron2 output 0 on the (one-sample) batch
    }


def test_gradient_flow_of_a_single_layer():
    layer = Layer(2, 3, seed=0)
    assert list(gradient_flow(layer)) == ["layer1"]


# -- predict, accuracy, evaluate ---------------------------------------------------------------------


def test_predict_uses_the_right_rule_for_each_output_kind():
    X = [[-1.0], [0.25], [2.0]]
    linear = MLP(1, [1], output_activation=None, seed=0)
    linear.layers[0].neurons[0].w[0].data = 1.0
    assert predict(linear, X) == [0, 1, 1]  # score > 0
    sigmoid = MLP(1, [1], output_activation="sigmoid", seed=0)
    sigmoid.layers[0].neurons[0].w[0].data = 1.0
    sigmoid.layers[0].neurons[0].b.data = -0.5
    assert predict(sigmoid, X) == [0, 0, 1]  # σ(x − 0.5) > 0.5 ⇔ x > 0.5
    several = MLP(1, [3], output_activation=None, seed=0)
    for neuron, w in zip(several.layers[0].neurons, (-1.0, 0.0, 1.0)):
        neuron.w[0].data = w
    assert predict(several, X) == [0, 2, 2]  # argmax of (−x, 0, x)


def test_predict_builds_no_graph_and_restores_the_mode():
    model = MLP(2, [4, 1], dropout=0.5, seed=0)
    predict(model, [[0.1, 0.2]])
    assert model.training is True
    model.eval()
    predict(model, [[0.1, 0.2]])
    assert model.training is False


def test_accuracy_and_evaluate():
    model = hand_model()  # out = 1 + 2·relu(x) + 3·relu(−x) > 0 always: predicts 1
    X, y = [[1.0], [-1.0], [0.0], [2.0]], [1, 0, 1, 1]
    assert accuracy(model, X, y) == 0.75
    loss, acc = evaluate(model, "hinge", (X, y))
    # scores 3, 4, 1, 5; hinge with y = +1, −1, +1, +1: 0, 1 + 4 = 5, 0, 0 → mean 1.25
    assert (loss, acc) == (1.25, 0.75)
    loss, acc = evaluate(model, "mse", ([[1.0]], [3.0]))
    assert (loss, acc) == (0.0, None)


# -- History ---------------------------------------------------------------------------------------------


def test_history_fields_and_to_dict():
    history = History()
    assert history.to_dict() == {
        "epochs": [],
        "loss": [],
        "accuracy": [],
        "lr": [],
        "grad_norm": [],
        "grad_mean_abs": [],
        "dead_relu_fraction": [],
        "val_loss": [],
        "val_accuracy": [],
    }


# -- fit -------------------------------------------------------------------------------------------------


def moons_run(**kwargs):
    X, y = make_moons(40, noise=0.1, seed=0)
    model = MLP(2, [8, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    history = fit(model, "hinge", optimizer, (X, y), progress=False, **kwargs)
    return model, optimizer, history


def test_fit_records_one_entry_per_epoch():
    _, _, history = moons_run(epochs=5, batch_size=16, seed=1)
    assert history.epochs == [1, 2, 3, 4, 5]
    for name in ("loss", "accuracy", "lr", "grad_norm", "grad_mean_abs", "dead_relu_fraction"):
        assert len(getattr(history, name)) == 5, name
    assert set(history.grad_norm[0]) == {"layer1", "layer2"}
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)
    assert history.lr == [0.1] * 5
    assert history.loss[-1] < history.loss[0]
    json.dumps(history.to_dict())  # plain data


def test_fit_is_reproducible():
    first = moons_run(epochs=3, batch_size=8, seed=4)[2]
    second = moons_run(epochs=3, batch_size=8, seed=4)[2]
    assert first == second
    assert moons_run(epochs=3, batch_size=8, seed=5)[2].loss != first.loss


def test_fit_full_batch_loss_is_the_loss_before_the_step():
    X, y = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    expected, _ = evaluate(model, "hinge", (X, y))
    history = fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), 1, progress=False)
    assert history.loss == [pytest.approx(expected, abs=1e-15)]


def test_fit_adds_the_l2_term():
    X, y = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    data_loss, _ = evaluate(model, "hinge", (X, y))
    penalty = sum(p.data**2 for p in model.parameters())
    history = fit(
        model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), 1, l2=0.01, progress=False
    )
    assert history.loss[0] == pytest.approx(data_loss + 0.01 * penalty, abs=1e-14)


def test_fit_steps_the_scheduler_and_records_the_lr_used():
    X, y = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    opt = SGD(model.parameters(), lr=1.0)
    history = fit(model, "hinge", opt, (X, y), 3, scheduler=ExponentialLR(opt, 0.5), progress=False)
    assert history.lr == [1.0, 0.5, 0.25]
    assert opt.lr == 0.125


def test_fit_records_gradients_before_clipping():
    _, _, clipped = moons_run(epochs=1, clip_grad_norm=1e-3)
    _, _, free = moons_run(epochs=1)
    assert clipped.grad_norm[0] == free.grad_norm[0]  # the same first batch, unclipped
    assert sum(v**2 for v in clipped.grad_norm[0].values()) > 1e-6


def test_fit_regression_has_no_accuracy_and_validation():
    X, y = make_sine(20)
    model = MLP(1, [8, 1], activation="tanh", seed=0)
    history = fit(
        model, "mse", Adam(model.parameters(), lr=0.01), (X, y), 2, val_data=(X, y), progress=False
    )
    assert history.accuracy == [None, None]
    assert len(history.val_loss) == 2 and history.val_accuracy == [None, None]


def test_fit_cross_entropy_with_batchnorm_and_dropout():
    X, y = make_blobs(30, centers=3, std=0.3, seed=0)
    model = MLP(2, [8, 3], batchnorm=True, dropout=0.1, seed=0)
    history = fit(
        model, "cross_entropy", Adam(model.parameters(), lr=0.05), (X, y), 5, 10, progress=False
    )
    assert history.loss[-1] < history.loss[0]
    assert model.training  # fit leaves the model in training mode


def test_fit_calls_the_callback_after_every_epoch():
    seen = []
    moons_run(epochs=3, callback=lambda epoch, history, model: seen.append((epoch, len(history))))
    assert seen == [(1, 1), (2, 2), (3, 3)]


def test_fit_with_a_loss_function():
    X, y = make_moons(10, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)

    def zero_loss(outputs, targets):
        return Value(0.0) * outputs[0]

    history = fit(model, zero_loss, SGD(model.parameters(), lr=0.1), (X, y), 1, progress=False)
    assert history.loss == [0.0]


def test_fit_checks_its_arguments():
    X, y = make_moons(10, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="unknown loss 'hing'; use one of mse, l1, hinge"):
        fit(model, "hing", opt, (X, y), 1, progress=False)
    with pytest.raises(ValueError, match="data has 10 samples but 9 targets"):
        fit(model, "hinge", opt, (X, y[:9]), 1, progress=False)
    with pytest.raises(ValueError, match="epochs must be at least 1, got 0"):
        fit(model, "hinge", opt, (X, y), 0, progress=False)
    with pytest.raises(TypeError, match="^epochs must be an int, got bool: True$"):
        fit(model, "hinge", opt, (X, y), True, progress=False)
    with pytest.raises(ValueError, match="^batch_size must be at least 1, got 0$"):
        fit(model, "hinge", opt, (X, y), 1, 0, progress=False)


# -- progress display ------------------------------------------------------------------------------------


def test_progress_off_prints_nothing(capsys):
    moons_run(epochs=2)
    assert capsys.readouterr() == ("", "")


def test_progress_uses_tqdm_when_installed(capsys):
    pytest.importorskip("tqdm", reason="tqdm is optional")
    X, y = make_moons(10, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), 2)
    err = capsys.readouterr().err
    assert "2/2" in err and "epoch" in err and "loss" in err


def test_progress_falls_back_to_plain_lines_without_tqdm(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # makes `import tqdm.auto` fail
    X, y = make_moons(10, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), 20)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("epoch  1/20  loss ")
    assert lines[-1].startswith("epoch 20/20  loss ")
    assert "accuracy" in lines[-1] and "lr 0.1" in lines[-1]
    assert len(lines) == 11  # epoch 1, then every 2nd


# -- recipes and registries ----------------------------------------------------------------------


def test_every_registered_loss_optimizer_and_dataset_is_usable():
    from microgradpp.data import DATASETS
    from microgradpp.losses import LOSSES
    from microgradpp.optim import OPTIMIZERS, Optimizer

    assert list(LOSSES) == ["mse", "l1", "hinge", "binary_cross_entropy",
                            "binary_cross_entropy_with_logits", "cross_entropy"]  # fmt: skip
    assert [name for name, entry in LOSSES.items() if entry.regression] == ["mse", "l1"]
    p = Value(1.0)
    for name, entry in OPTIMIZERS.items():
        optimizer = entry.build([p], 0.1, 0.0)
        assert isinstance(optimizer, Optimizer) and optimizer.lr == 0.1, name
    assert OPTIMIZERS["momentum"].build([p], 0.1, 0.0).momentum == 0.9
    assert OPTIMIZERS["sgd"].build([p], 0.1, 0.5).weight_decay == 0.5
    assert {name: entry.classes for name, entry in DATASETS.items()} == {
        "moons": 2, "xor": 2, "circles": 2, "spiral": 3, "sine": 0, "digits": 10,
    }  # fmt: skip
    for name, entry in DATASETS.items():
        X, y = entry.make(entry.samples, 0)
        assert len(X) == len(y) == entry.samples, name


def test_recipe_defaults_per_dataset():
    from microgradpp.train import Recipe, recipe

    assert recipe("moons") == Recipe("moons")
    assert (recipe("moons").loss_name, recipe("spiral").loss_name, recipe("sine").loss_name) == (
        "hinge", "cross_entropy", "mse",
    )  # fmt: skip
    assert recipe("xor").test_split == 0.0 and recipe("xor").activation == "tanh"
    # the default rate is Adam's for the dataset times the optimizer's scale
    assert recipe("moons", optimizer="sgd").learning_rate == 0.2
    assert recipe("spiral", optimizer="rmsprop").learning_rate == 0.02 * 0.2
    assert recipe("moons", optimizer="sgd", lr=0.5).learning_rate == 0.5


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"dataset": "banana"}, ValueError, "unknown dataset 'banana'; choose one of moons, xor"),
        ({"optimizer": "lbfgs"}, ValueError, "unknown optimizer 'lbfgs'; choose one of sgd"),
        ({"activation": "gelu"}, ValueError, "unknown activation 'gelu'"),
        ({"loss": "hing"}, ValueError, "unknown loss 'hing'; choose one of mse, l1, hinge"),
        ({"loss": "mse"}, ValueError, "the mse loss does not fit moons (2 classes)"),
        ({"layers": ()}, ValueError, "layers must give at least one hidden layer width"),
        ({"layers": (4, 0)}, ValueError, "each layer width must be at least 1, got 0"),
        ({"epochs": 2.5}, TypeError, "epochs must be an int, got float: 2.5"),
        ({"lr": -1.0}, ValueError, "lr must be > 0 and finite, got -1.0"),
        ({"dropout": 1.0}, ValueError, "dropout must be in [0, 1), got 1.0"),
        ({"test_split": True}, TypeError, "test_split must be a number, got bool: True"),
        ({"clip": 0.0}, ValueError, "clip must be > 0 and finite, got 0.0"),
    ],
)
def test_recipe_checks_every_field(changes, error, message):
    from microgradpp.train import Recipe

    fields = {"dataset": "moons", **changes}
    with pytest.raises(error) as raised:
        Recipe(**fields)
    assert str(raised.value).startswith(message)


def test_run_recipe_builds_what_the_recipe_says():
    from microgradpp.train import recipe, run_recipe

    run = run_recipe(
        recipe("spiral", samples=30, layers=(5,), dropout=0.25, epochs=2, batch_size=7),
        progress=False,
    )
    assert run.model.nouts == [5, 3] and run.model.layers[0].dropout.p == 0.25
    assert len(run.train_data[0]) == 22 and len(run.test_data[0]) == 8  # ceil(0.25 · 30) = 8
    assert len(run.history) == 2
    probability = run_recipe(recipe("xor", loss="binary_cross_entropy", epochs=1), progress=False)
    assert probability.model.output_activation == "sigmoid" and probability.test_data is None


def test_a_dead_run_is_diagnosed_from_the_dead_relu_fractions():
    from microgradpp.train import recipe, run_recipe

    run = run_recipe(recipe("moons", optimizer="sgd", lr=100.0, samples=40, epochs=10), False)
    assert run.history.dead_relu_fraction[-1] == {"layer1": 0.375, "layer2": 1.0, "layer3": 0.0}
    assert run.dead_relus() == (0.6875, {"layer1": 0.375, "layer2": 1.0})  # 22 of 32 units
    diagnosis = run.diagnose()
    assert diagnosis is not None and diagnosis.died
    assert "and most ReLUs are dead: 69% of the hidden ReLUs (layer1 38%, layer2 100%)" in (
        diagnosis.message
    )
    healthy = run_recipe(recipe("moons", samples=40, epochs=20), progress=False)
    assert healthy.diagnose() is None


def test_a_regression_that_learned_nothing_is_compared_with_the_mean():
    from microgradpp.train import recipe, run_recipe

    run = run_recipe(recipe("sine", epochs=1, lr=1e-6, test_split=0.0, seed=2), progress=False)
    assert run.diagnose() == (
        False,  # tanh units cannot die
        "the network has not learned yet: loss 0.9763 is no better than always answering the "
        "mean target (0.4930). Try more epochs or another learning rate (it was 1e-06).",
    )


# -- the examples in the docstrings run ------------------------------------------------------------


@pytest.mark.parametrize(
    "module", ["nn", "losses", "optim", "data", "train", "serialize", "validation", "formatting"]
)
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"microgradpp.{module}"))
    assert result.failed == 0


def test_fit_pauses_the_garbage_collector_during_each_step_and_restores_it():
    import gc

    from microgradpp import losses

    seen: list[bool] = []

    def hinge_watching_the_collector(outputs, targets):
        seen.append(gc.isenabled())
        return losses.hinge(outputs, targets)

    X, y = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    was_enabled = gc.isenabled()
    gc.enable()
    try:
        fit(
            model,
            hinge_watching_the_collector,
            SGD(model.parameters(), lr=0.1),
            (X, y),
            epochs=2,
            batch_size=10,
            progress=False,
        )
        assert seen == [False] * 4  # 2 epochs × 2 batches, each inside gc_paused()
        assert gc.isenabled()
    finally:
        if not was_enabled:  # pragma: no cover
            gc.disable()


# ------------------------------------------------------------------------------------------------
# Only training adds learning-rate advice to an overflow
# ------------------------------------------------------------------------------------------------


def _exploding_data() -> tuple[list[list[float]], list[float]]:
    X, y = make_moons(8, seed=0)
    return [[a * 1e150, b * 1e150] for a, b in X], [float(t) for t in y]


@pytest.mark.parametrize("compiled", [False, True])
def test_an_overflow_while_training_adds_learning_rate_advice(compiled):
    from microgradpp import GateError
    from microgradpp.i18n import message

    TRAINING_REMEDY = message("training.advice", "en")

    if compiled:
        pytest.importorskip("numpy")
    model = MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(GateError) as caught:
        fit(model, "mse", optimizer, _exploding_data(), epochs=3, progress=False, compiled=compiled)
    error = caught.value
    assert type(error) is GateError and error.overflow and error.gate == "linear"
    assert error.problem.endswith("b + Σ wᵢxᵢ is beyond the largest float (about 1.8e308)")
    assert error.remedy == (
        "keep the weights and inputs smaller in size: scale (normalise) the inputs; in training, "
        "numbers this large usually mean the weights are exploding: lower the learning rate, "
        "clip gradients (microgradpp.optim.clip_grad_norm) or normalise the inputs"
    )
    assert error.remedy.count(TRAINING_REMEDY) == 1  # fit(compiled=True) does not say it twice


def test_the_same_overflow_outside_training_gives_no_learning_rate_advice():
    from microgradpp import GateError

    model = MLP(2, [4, 1], seed=0)
    X, _ = _exploding_data()
    fit(model, "mse", SGD(model.parameters(), lr=0.1), _exploding_data(), epochs=1, progress=False)
    with pytest.raises(GateError) as caught:  # the weights are huge now: one forward pass
        model(X[0])
    assert "learning rate" not in str(caught.value)


def test_a_gradient_overflowing_while_training_adds_learning_rate_advice():
    from microgradpp import GradientError

    def loss(outputs, targets):  # ∂(1/(o·1e-160))/∂(o·1e-160) = −1/(o·1e-160)² is beyond a float
        return (outputs[0] * 1e-160).reciprocal() * 1e-150

    model = MLP(1, [1], seed=0)
    with pytest.raises(GradientError) as caught:
        fit(model, loss, SGD(model.parameters(), lr=0.1), ([[1.0]], [0.0]), 1, progress=False)
    message = str(caught.value)
    assert message.endswith(
        "or scale the output (or the seed) down. In training, numbers this large usually mean "
        "the weights are exploding: lower the learning rate, clip gradients "
        "(microgradpp.optim.clip_grad_norm) or normalise the inputs."
    )
    direct = (Value(0.5) * 1e-160).reciprocal() * 1e-150
    with pytest.raises(GradientError) as caught:
        direct.backward()
    assert "learning rate" not in str(caught.value)


def test_training_refusals_are_said_in_chinese():
    from microgradpp.i18n import translated
    from microgradpp.train import Recipe

    cases = [
        (lambda: accuracy(MLP(2, [1], seed=0), [[0.0, 1.0]], [1, 0]), "X 有 1 個資料點，y 卻有 2 個標籤"),
        (lambda: evaluate(MLP(2, [1], seed=0), "mse", ([], [])),
         "data 必須是一對非空的 (X, y)，收到的 X 有 0 個、y 有 0 個"),
        (lambda: Recipe(dataset="moonz"),
         "沒有叫做 'moonz' 的 dataset；請從 moons、xor、circles、spiral、sine、digits 中選一個"),
        (lambda: Recipe(dataset="moons", layers=()), "layers 至少要給一個隱藏層的寬度，例如 (16, 16)"),
        (lambda: Recipe(dataset="moons", layers=(0,)), "每一層的寬度至少要是 1，收到的是 0"),
    ]  # fmt: skip
    for make, hant in cases:
        with pytest.raises(ValueError) as caught:
            make()
        assert translated(caught.value, "zh-Hant") == hant
        assert translated(caught.value, "en") == str(caught.value)
    with pytest.raises(ValueError) as caught:
        Recipe(dataset="moons", optimizer="adamm")
    assert str(caught.value).startswith("unknown optimizer 'adamm'; choose one of sgd, ")
    assert translated(caught.value, "zh-Hans").startswith(
        "没有叫做 'adamm' 的 optimizer；请从 sgd、"
    )


def test_progress_speaks_the_chosen_language(capsys, monkeypatch):
    from microgradpp.i18n import set_language, speaking

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # the plain lines
    X, y = make_moons(10, noise=0.1, seed=0)
    model = MLP(2, [4, 1], seed=0)
    with speaking("zh-Hant"):
        fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), 2)
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith("第 1/2 輪  損失 ") and "  準確率 " in lines[0]
    assert lines[-1].endswith("  學習率 0.1")
    set_language("zh-Hans")
    fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), 1)
    assert capsys.readouterr().err.startswith("第 1/1 轮  损失 ")
    set_language(None)
    fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), 1)
    assert capsys.readouterr().err.startswith("epoch 1/1  loss ")
