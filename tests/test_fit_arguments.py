"""microgradpp/fit_arguments.py: every argument of fit is checked before the first step, in both
modes, and a mistake changes nothing (not the model, not the optimizer's state)."""

from __future__ import annotations

import math
import random

import pytest

from microgradpp import NoGradError, no_grad
from microgradpp.data import make_blobs, make_moons
from microgradpp.fit_arguments import check_fit_arguments
from microgradpp.nn import MLP
from microgradpp.optim import SGD, Adam, AdamW, StepLR
from microgradpp.train import fit

np = pytest.importorskip("numpy")

X, Y = make_moons(12, noise=0.1, seed=0)
NAN, INF = math.nan, math.inf


def _model() -> MLP:
    return MLP(2, [4, 1], seed=0)


def _refused(error: type, match: str, compiled: bool = False, model: MLP | None = None, **changes):
    """fit with ``changes`` raises ``error`` matching ``match``, and nothing changed."""
    model = model or _model()
    optimizer = Adam(model.parameters(), lr=0.05)
    args = {"loss": "hinge", "data": (X, Y), "epochs": 2, "progress": False}
    args |= {"optimizer": optimizer} | changes
    before_model, before_optimizer = model.state_dict(), optimizer.state_dict()
    with pytest.raises(error, match=match):
        fit(model, compiled=compiled, **args)
    assert model.state_dict() == before_model
    assert optimizer.state_dict() == before_optimizer


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(
    ("val_data", "error", "match"),
    [
        (([], []), ValueError, r"^val_data is empty: fit needs at least one sample$"),
        ((X, Y[:5]), ValueError, r"^val_data has 12 samples but 5 targets; they must match$"),
        (([[0.5, NAN]], [1]), ValueError, r"^val_data: sample 0, input 1 must be finite, got nan$"),
        (([[0.5, INF]], [1]), ValueError, r"^val_data: sample 0, input 1 must be finite, got inf$"),
        (([[0.5]], [1]), ValueError, r"^val_data: sample 0 has 1 numbers, but the model takes 2"),
        (([[0.5, "a"]], [1]), TypeError, r"^val_data: sample 0, input 1 must be a number, got str"),
        (([[0.5, 1.0]], [2]), ValueError, r"^val_data: target 0: hinge needs class labels 0/1"),
        ((X,), TypeError, r"^val_data must be a pair \(X, y\) of samples and targets, got tuple"),
    ],
)
def test_bad_val_data_is_refused_before_the_first_step(compiled, val_data, error, match) -> None:
    _refused(error, match, compiled, val_data=val_data)


@pytest.mark.parametrize("compiled", [False, True])
def test_fit_inside_no_grad_is_refused_in_both_modes(compiled) -> None:
    with no_grad():
        _refused(NoGradError, r"^fit was called inside `with no_grad\(\):`", compiled)


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"data": ([[0.0, NAN]] + X[1:], Y)}, ValueError, r"^data: sample 0, input 1 must be"),
        ({"data": (X, [0.5] + Y[1:])}, ValueError, r"^data: target 0: hinge needs class labels"),
        ({"data": (X, Y), "loss": "mse", "epochs": 0}, ValueError, r"^epochs must be at least 1"),
        ({"batch_size": 2.5}, TypeError, r"^batch_size must be an int, got float: 2.5$"),
        ({"l2": -1.0}, ValueError, r"^l2 must be >= 0 and finite, got -1.0$"),
        ({"clip_grad_norm": NAN}, ValueError, r"^clip_grad_norm must be > 0 and finite, got nan$"),
        ({"shuffle": 1}, TypeError, r"^shuffle must be True or False, got int: 1$"),
        ({"progress": "no"}, TypeError, r"^progress must be True or False, got str: 'no'$"),
        ({"seed": 1.5}, TypeError, r"^seed must be an int, a random.Random or None"),
        ({"callback": 3}, TypeError, r"^callback must be a function or None, got int: 3$"),
        ({"loss": "hing"}, ValueError, r"^unknown loss 'hing'; use one of mse, l1, hinge"),
        ({"loss": "cross_entropy"}, ValueError, r"^cross_entropy needs a model with one output"),
        ({"data": (X, [[y, y] for y in Y])}, ValueError, r"^data: target 0: a target must be one"),
        ({"data": (X, Y), "loss": "binary_cross_entropy"}, None, None),
    ],
)
def test_each_bad_argument_is_refused_before_the_first_step(compiled, changes, error, match):
    if error is None:  # labels 0/1 are probabilities: this one trains
        model = MLP(2, [4, 1], output_activation="sigmoid", seed=0)
        fit(model, optimizer=SGD(model.parameters(), lr=0.1), compiled=compiled, epochs=1,
            progress=False, **changes)  # fmt: skip
        return
    _refused(error, match, compiled, **changes)


@pytest.mark.parametrize("compiled", [False, True])
def test_a_one_output_model_for_cross_entropy_blames_the_model_not_the_label(compiled) -> None:
    Xb, yb = make_blobs(12, centers=3, seed=0)
    model = MLP(2, [4, 1], seed=0)
    message = (
        r"^cross_entropy needs a model with one output per class \(at least 2\), but this model "
        r"has 1 output; for two classes use 2 outputs, or hinge / "
        r"binary_cross_entropy_with_logits on 1 output$"
    )
    _refused(ValueError, message, compiled, model=model, loss="cross_entropy", data=(Xb, yb))
    model = MLP(2, [4, 2], seed=0)  # the right model, a label beyond its classes
    _refused(ValueError, r"^data: target \d+: class label 2 is out of range for 2 classes \(0..1\)$",
             compiled, model=model, loss="cross_entropy", data=(Xb, yb))  # fmt: skip


@pytest.mark.parametrize("compiled", [False, True])
def test_an_optimizer_or_scheduler_for_another_model_is_refused(compiled) -> None:
    model, other = _model(), _model()
    _refused(ValueError, r"^the optimizer updates none of this model's 17 parameters \(it has 17 "
             r"others\): build it with this model's parameters\(\)", compiled, model=model,
             optimizer=SGD(other.parameters(), lr=0.1))  # fmt: skip
    stranger = StepLR(SGD(model.parameters(), lr=0.1), step_size=1)
    _refused(ValueError, r"^the scheduler sets the learning rate of another optimizer", compiled,
             model=model, scheduler=stranger)  # fmt: skip
    _refused(TypeError, r"^optimizer must have a step\(\) method", compiled, optimizer=object())


def test_numpy_inputs_are_checked_as_one_array() -> None:
    data = np.array(X)
    data[7, 0] = np.inf
    _refused(ValueError, r"^data: sample 7, input 0 must be finite, got inf$", True,
             data=(data, Y))  # fmt: skip
    _refused(ValueError, r"^data's X must have shape \(samples, 2\), got \(12, 3\)$", True,
             data=(np.zeros((12, 3)), Y))  # fmt: skip


def test_a_custom_loss_takes_any_target_but_a_number_that_is_not_finite() -> None:
    def squared(outputs, targets):
        return sum(((o - t) ** 2 for o, t in zip(outputs, targets)), start=outputs[0] * 0)

    _refused(ValueError, r"^data: target 3: a target must be finite, got nan$", False,
             loss=squared, data=(X, [0.0, 1.0, 0.5, NAN] + [0.0] * 8))  # fmt: skip
    model = _model()
    history = fit(model, squared, SGD(model.parameters(), lr=0.01), (X, [float(y) for y in Y]),
                  epochs=1, progress=False, seed=random.Random(0))  # fmt: skip
    assert len(history.loss) == 1


def test_huge_but_finite_inputs_pass_the_fast_check() -> None:
    """Samples whose exact sum overflows are finite: they are looked at one by one, and pass."""
    model = _model()
    checked = check_fit_arguments(
        model, "mse", SGD(model.parameters(), lr=0.1), ([[1.5e308, 1.5e308], [1, 2]], [0.0, 1.0]),
        3, None, l2=0.0, scheduler=None, clip_grad_norm=None, val_data=None, shuffle=True,
        seed=0, progress=False, callback=None,
    )  # fmt: skip
    assert (checked.epochs, checked.batch_size, checked.clip_grad_norm) == (3, 2, None)


def test_a_step_whose_graph_would_not_fit_in_memory_is_refused_in_the_scalar_engine() -> None:
    """batch × parameters above MAX_STEP_ENTRIES (20 million, about 1 GB): refused with the
    largest batch that fits; compiled mode builds no such graph and trains."""
    model = MLP(2, [1000, 1])  # 4,001 parameters
    data = ([[0.1 * (i % 7), 0.2] for i in range(5000)], [i % 2 for i in range(5000)])
    _refused(ValueError, r"^one step of 5,000 samples through 4,001 parameters would build a "
             r"graph of 20,005,000 entries \(about 1 GB\); at most 20,000,000 \(microgradpp"
             r".fit_arguments.MAX_STEP_ENTRIES, about 1 GB\): use a batch_size of at most 4,998, "
             r"or compiled mode", model=model, data=data, epochs=1)  # fmt: skip
    _refused(ValueError, r"^one step of 4,999 samples", model=model, data=data, batch_size=4999)
    checked = check_fit_arguments(  # compiled mode: no graph per sample, so no such limit
        model, "hinge", SGD(model.parameters(), lr=0.01), data, 1, None, l2=0.0, scheduler=None,
        clip_grad_norm=None, val_data=None, shuffle=True, seed=0, progress=False, callback=None,
        compiled=True,
    )  # fmt: skip
    assert checked.batch_size == 5000


@pytest.mark.parametrize("compiled", [False, True])
@pytest.mark.parametrize("kind", [SGD, AdamW])
def test_a_weight_decay_that_makes_every_step_grow_the_weights_is_refused(kind, compiled) -> None:
    """SGD's and AdamW's steps multiply each weight by 1 − lr·λ: with lr·λ ≥ 1 the weights flip
    sign or grow whatever the gradients (this overflowed a gate later, blamed on the inputs)."""
    model = _model()
    _refused(ValueError, r"^weight_decay 1e\+308 with lr 0.05: each step multiplies every weight "
             r"by 1 − lr × weight_decay = -5e\+306, so the weights flip sign or grow whatever the "
             r"gradients are; lr × weight_decay must be below 1", compiled, model=model,
             optimizer=kind(model.parameters(), lr=0.05, weight_decay=1e308))  # fmt: skip
    _refused(ValueError, r"^weight_decay 20.0 with lr 0.05: .* = 0,", compiled, model=model,
             optimizer=kind(model.parameters(), lr=0.05, weight_decay=20.0))  # fmt: skip
    history = fit(model, "hinge", kind(model.parameters(), lr=0.05, weight_decay=19.0), (X, Y), 1,
                  progress=False, compiled=compiled)  # fmt: skip
    assert len(history.loss) == 1


def test_compile_loss_blames_a_one_output_model_for_cross_entropy() -> None:
    from microgradpp.compiled import compile_loss

    with pytest.raises(ValueError, match=r"^cross_entropy needs a model with one output per class"):
        compile_loss(_model(), "cross_entropy", X, Y)


def test_the_names_inside_fits_messages_are_said_in_chinese():
    from microgradpp.i18n import translated

    class NoLearningRate:
        lr, params = float("nan"), None

        def step(self): ...

        def zero_grad(self): ...

    model = MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError) as caught:
        fit(model, "mse", NoLearningRate(), ([[0.0, 1.0]], [1.0]), epochs=1, progress=False)
    assert str(caught.value) == "the optimizer's lr must be >= 0 and finite, got nan"
    assert (
        translated(caught.value, "zh-Hant")
        == "最佳化器的學習率 lr 必須 >= 0 且為有限值，收到的是 nan"
    )
    assert (
        translated(caught.value, "zh-Hans")
        == "优化器的学习率 lr 必须 >= 0 且为有限值，得到的是 nan"
    )
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError) as caught:
        fit(
            model,
            "mse",
            optimizer,
            ([[0.0, 1.0], [0.0, math.inf]], [1.0, 2.0]),
            epochs=1,
            progress=False,
        )
    assert str(caught.value) == "data: sample 1, input 1 must be finite, got inf"
    assert (
        translated(caught.value, "zh-Hant") == "data：資料點 1 的輸入 1 必須是有限值，收到的是 inf"
    )
    assert (
        translated(caught.value, "zh-Hans") == "data：数据点 1 的输入 1 必须是有限值，得到的是 inf"
    )
