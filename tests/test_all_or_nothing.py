"""State changes are all or nothing, and each refusal is one clear error (issue 13).

Optimizer and schedule load_state_dict, clip_grad_value / clip_grad_norm, BatchNorm's running
statistics, and messages that used to mislead (Adam's g² overflow, ExponentialLR, fit's l2).
"""

from __future__ import annotations

import copy
import math

import pytest

from microgradpp import Value
from microgradpp.errors import GateError
from microgradpp.nn import MLP, BatchNorm
from microgradpp.optim import (
    SGD,
    Adam,
    AdamW,
    ExponentialLR,
    InverseTimeLR,
    LinearLR,
    OptimizerError,
    RMSprop,
    StepLR,
    clip_grad_norm,
    clip_grad_value,
)
from microgradpp.train import fit


def params(*grads: float) -> list[Value]:
    values = [Value(float(i + 1), label=f"p{i}") for i in range(len(grads))]
    for value, grad in zip(values, grads):
        value.grad = grad
    return values


def snapshot(optimizer) -> dict:
    return copy.deepcopy({k: v for k, v in vars(optimizer).items() if k != "params"})


# -- Optimizer.load_state_dict ----------------------------------------------------------------------


def trained(kind, **options):
    ps = params(0.5, -0.25)
    optimizer = kind(ps, lr=0.1, **options)
    optimizer.step()
    return optimizer


BAD_STATES = [
    (Adam, {"betas": (1.5, 2.0)}, ValueError, r"Adam state: beta1 must be in \[0, 1\), got 1.5"),
    (Adam, {"betas": (0.9, 1.0)}, ValueError, r"beta2 must be in \[0, 1\), got 1.0"),
    (Adam, {"betas": (0.9,)}, ValueError, r"betas must be a pair"),
    (Adam, {"betas": "ab"}, ValueError, r"betas must be a pair"),
    (Adam, {"eps": -1}, ValueError, r"Adam state: eps must be > 0 and finite, got -1.0"),
    (Adam, {"eps": 0.0}, ValueError, r"eps must be > 0"),
    (AdamW, {"weight_decay": float("nan")}, ValueError, r"weight_decay must be >= 0 and finite"),
    (RMSprop, {"alpha": 1.0}, ValueError, r"RMSprop state: alpha must be in \[0, 1\)"),
    (SGD, {"momentum": "fast"}, TypeError, r"SGD state: momentum must be a number, got str"),
    (SGD, {"momentum": -0.1}, ValueError, r"momentum must be in \[0, 1\), got -0.1"),
    (SGD, {"nesterov": "yes"}, TypeError, r"nesterov must be True or False, got 'yes'"),
    (SGD, {"lr": float("inf")}, ValueError, r"SGD state: lr must be > 0 and finite, got inf"),
    (SGD, {"lr": 10**400}, ValueError, r"lr must be > 0 and finite, got a huge int"),
    (SGD, {"lr": "0.1"}, TypeError, r"lr must be a number"),
    (Adam, {"steps": -1}, ValueError, r"steps must be at least 0, got -1"),
    (Adam, {"steps": 1.5}, TypeError, r"steps must be an int, got float: 1.5"),
    (Adam, {"steps": True}, TypeError, r"steps must be an int, got bool: True"),
    (Adam, {"type": "SGD"}, ValueError, r"this state is for 'SGD', not Adam"),
    (Adam, {"state": [{}]}, ValueError, r"this state has 1 parameter entries; this Adam has 2"),
    (Adam, {"state": "x"}, ValueError, r"this state has 'x' parameter entries"),
    (
        Adam,
        {"state": [{"m": 1.0, "v": -1.0}, {}]},
        ValueError,
        r"\['v'\] must be >= 0 and finite, got -1.0",
    ),
    (Adam, {"state": [{"m": float("nan")}, {}]}, ValueError, r"\['m'\] must be finite, got nan"),
    (Adam, {"state": [{"m": "1"}, {}]}, TypeError, r"\['m'\] must be a number, got str: '1'"),
    (Adam, {"state": [{}, {"velocity": 1.0}]}, ValueError, r"holds 'velocity'; Adam keeps m, v"),
    (Adam, {"state": [{}, 3]}, TypeError, r"state\[1\] \(p1\) must be a dict, got int"),
    (RMSprop, {"state": [{"square_avg": -2.0}, {}]}, ValueError, r"must be >= 0 and finite"),
]


@pytest.mark.parametrize("kind, change, error, message", BAD_STATES)
def test_a_bad_optimizer_state_is_refused_and_nothing_changes(kind, change, error, message):
    optimizer = trained(kind)
    good = optimizer.state_dict()
    before = snapshot(optimizer)
    with pytest.raises(error, match=message):
        optimizer.load_state_dict({**good, "lr": 0.5, **change})  # lr first: it must not stick
    assert snapshot(optimizer) == before


@pytest.mark.parametrize("missing", ["lr", "steps", "state"])
def test_a_missing_key_is_named_and_nothing_changes(missing):
    optimizer = trained(Adam)
    state = {k: v for k, v in optimizer.state_dict().items() if k != missing}
    state["eps"] = 1e-3
    before = snapshot(optimizer)
    with pytest.raises(ValueError, match=f"this Adam state is missing {missing}; nothing changed"):
        optimizer.load_state_dict(state)
    assert snapshot(optimizer) == before


@pytest.mark.parametrize(
    "kind, options",
    [(SGD, {"momentum": 0.9, "nesterov": True}), (RMSprop, {}), (Adam, {}), (AdamW, {})],
)
def test_a_good_state_round_trips(kind, options):
    source = trained(kind, **options)
    source.step()
    target = kind(params(0.0, 0.0), lr=0.7)
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert isinstance(target.state_dict()["steps"], int)


# -- clipping -------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("where", [0, 1, 3])
def test_clip_grad_value_changes_nothing_when_a_gradient_is_not_finite(bad, where):
    grads = [5.0, -7.0, 0.5, 9.0]
    grads[where] = bad
    ps = params(*grads)
    with pytest.raises(OptimizerError, match=f"clip_grad_value: the gradient of p{where} is"):
        clip_grad_value(ps, 1.0)
    after = [p.grad for p in ps]
    assert [a for i, a in enumerate(after) if i != where] == [
        g for i, g in enumerate(grads) if i != where
    ]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_clip_grad_norm_and_value_treat_inf_and_nan_alike(bad):
    for clip in (clip_grad_norm, clip_grad_value):
        ps = params(3.0, bad)
        with pytest.raises(OptimizerError, match="No gradient was changed"):
            clip(ps, 1.0)
        assert ps[0].grad == 3.0


def test_clip_grad_value_clamps():
    ps = params(5.0, -7.0, 0.5, 1e308)
    clip_grad_value(ps, 1.0)
    assert [p.grad for p in ps] == [1.0, -1.0, 0.5, 1.0]


@pytest.mark.parametrize(
    "grads, expected_total, expected",
    [
        ([1.5e308, 1.5e308], math.inf, [0.7071067811865475, 0.7071067811865475]),
        (
            [1.5e308, -1.5e308, 1.5e308],
            math.inf,
            [0.5773502691896258, -0.5773502691896258, 0.5773502691896258],
        ),
        ([1.7e308, 1.7e308, 0.0], math.inf, [0.7071067811865475, 0.7071067811865475, 0.0]),
        ([1e308, 1e308], 1.4142135623730952e308, [0.7071067811865476, 0.7071067811865476]),
        ([3.0, 4.0], 5.0, [0.599999880000024, 0.799999840000032]),
        ([1e-200, 1e-200], 1.4142135623730951e-200, [1e-200, 1e-200]),
    ],
)
def test_clip_grad_norm_never_overflows(grads, expected_total, expected):
    ps = params(*grads)
    total = clip_grad_norm(ps, 1.0)
    assert total == expected_total
    assert [p.grad for p in ps] == pytest.approx(expected, rel=1e-12, abs=0)
    clipped = math.hypot(*(p.grad for p in ps))
    assert clipped <= 1.0 + 1e-12 and (clipped > 0.99 or total <= 1.0)


# -- misleading messages ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [Adam, AdamW, RMSprop])
@pytest.mark.parametrize("grad", [1e158, -3e200, 1.7e308])
def test_a_gradient_whose_square_overflows_is_named_as_such(kind, grad):
    ps = params(grad, 0.1)
    optimizer = kind(ps, lr=0.01)
    before = [p.data for p in ps]
    with pytest.raises(OptimizerError, match=r"so large that its running .* overflows a float"):
        optimizer.step()
    assert [p.data for p in ps] == before and optimizer.steps == 0


@pytest.mark.parametrize(
    "make",
    [
        lambda o: ExponentialLR(o, gamma=1e10),
        lambda o: ExponentialLR(o, gamma=2.0),
        lambda o: StepLR(o, step_size=1, gamma=1e100),
        lambda o: LinearLR(o, start_factor=1.0, end_factor=1e308, total_iters=2),
    ],
)
def test_a_schedule_that_overflows_says_so_and_keeps_its_last_epoch(make):
    optimizer = SGD(params(0.0), lr=1e-3)
    schedule = make(optimizer)
    with pytest.raises(OptimizerError, match=r"the learning rate would be inf .*factor below 1"):
        for _ in range(2000):
            schedule.step()
    epoch, lr = schedule.last_epoch, optimizer.lr
    assert math.isfinite(lr) and lr == schedule.lr_at(epoch)


def test_a_schedule_state_is_checked_before_it_is_loaded():
    optimizer = SGD(params(0.0), lr=1e-3)
    schedule = ExponentialLR(optimizer, gamma=10.0)
    with pytest.raises(OptimizerError, match="at epoch 400 the learning rate would be inf"):
        schedule.load_state_dict({"type": "ExponentialLR", "base_lr": 1e-3, "last_epoch": 400})
    assert (schedule.base_lr, schedule.last_epoch, optimizer.lr) == (1e-3, 0, 1e-3)
    with pytest.raises(ValueError, match="last_epoch must be at least 0, got -1"):
        schedule.load_state_dict({"type": "ExponentialLR", "base_lr": 1e-3, "last_epoch": -1})
    with pytest.raises(ValueError, match="base_lr must be > 0 and finite, got nan"):
        schedule.load_state_dict({"type": "ExponentialLR", "base_lr": math.nan, "last_epoch": 1})
    with pytest.raises(ValueError, match="this state is for 'StepLR', not ExponentialLR"):
        schedule.load_state_dict({"type": "StepLR"})
    InverseTimeLR(optimizer, decay=1e300).step()  # tiny, not overflowing: fine


@pytest.mark.parametrize(
    "l2, error, message",
    [
        (math.nan, ValueError, r"^l2 must be >= 0 and finite, got nan$"),
        (math.inf, ValueError, r"^l2 must be >= 0 and finite, got inf$"),
        (-1, ValueError, r"^l2 must be >= 0 and finite, got -1.0$"),
        (-1e-9, ValueError, r"^l2 must be >= 0 and finite, got -1e-09$"),
        ("1e-4", TypeError, r"^l2 must be a number, got str: '1e-4'$"),
        (None, TypeError, r"l2 must be a number"),
    ],
)
def test_fit_names_a_bad_l2(l2, error, message):
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match=message):
        fit(
            model,
            "mse",
            SGD(model.parameters(), lr=0.1),
            ([[0.0, 1.0]], [1.0]),
            1,
            l2=l2,
            progress=False,
        )
    assert model.state_dict() == before


# -- BatchNorm --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "batch, error",
    [
        ([[1.0, 1e200], [2.0, -1e200]], GateError),  # (x - μ)² overflows in column 2
        ([[1.0, 2.0, 1e300], [2.0, 3.0, -1e300]], GateError),  # ... in column 3
        ([[1.0, "a"], [2.0, "b"]], TypeError),  # not a number in column 2
    ],
)
def test_a_batchnorm_forward_that_fails_changes_no_running_statistic(batch, error):
    bn = BatchNorm(len(batch[0]))
    bn.forward_batch([[0.5] * bn.num_features, [1.5] * bn.num_features])
    before = (list(bn.running_mean), list(bn.running_var))
    with pytest.raises(error):
        bn.forward_batch(batch)
    assert (bn.running_mean, bn.running_var) == before


@pytest.mark.parametrize("variance", [-1.0, -1e-300, -math.inf])
def test_a_negative_running_variance_is_refused_on_load(variance):
    model = MLP(2, [3, 1], batchnorm=True, seed=0)
    state = dict(model.state_dict())
    state["layer1.batchnorm.running_var2"] = variance
    before = model.state_dict()
    with pytest.raises(ValueError, match="running_var2 is"):
        model.load_state_dict(state)
    assert model.state_dict() == before
    state["layer1.batchnorm.running_var2"] = 0.0  # zero is a variance (eps keeps √ positive)
    model.load_state_dict(state)
    model.eval()
    model([1.0, 2.0])
