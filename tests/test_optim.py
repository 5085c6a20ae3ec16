"""microgradpp.optim: every update rule step by step, schedules, clipping, all-or-nothing steps."""

from __future__ import annotations

import math

import pytest

from microgradpp import Value
from microgradpp.optim import (
    SGD,
    Adam,
    AdamW,
    ExponentialLR,
    InverseTimeLR,
    LinearLR,
    LRScheduler,
    OptimizerError,
    RMSprop,
    StepLR,
    clip_grad_norm,
    clip_grad_norm_array,
    clip_grad_value,
)


def one_param(value: float = 1.0) -> Value:
    return Value(value, label="w")


def step_with(optimizer, p: Value, grad: float) -> float:
    p.grad = grad
    optimizer.step()
    return p.data


# -- SGD ------------------------------------------------------------------------------------------


def test_sgd_plain_step():
    p = one_param()
    assert step_with(SGD([p], lr=0.1), p, 0.5) == 0.95  # 1 − 0.1·0.5


def test_sgd_momentum_two_steps():
    p = one_param()
    opt = SGD([p], lr=0.1, momentum=0.9)
    assert step_with(opt, p, 0.5) == 0.95  # v = 0.5;              p = 1 − 0.1·0.5
    assert step_with(opt, p, 0.5) == pytest.approx(0.855, abs=1e-15)  # v = 0.9·0.5 + 0.5 = 0.95
    assert opt.state[0]["velocity"] == 0.95


def test_sgd_dampening_two_steps():
    p = one_param()
    opt = SGD([p], lr=0.1, momentum=0.9, dampening=0.9)
    assert step_with(opt, p, 0.5) == 0.95  # first step v = g = 0.5, undampened (as PyTorch)
    # v = 0.9·0.5 + (1 − 0.9)·0.5 = 0.5;  p = 0.95 − 0.1·0.5
    assert step_with(opt, p, 0.5) == pytest.approx(0.9, abs=1e-15)
    assert opt.state[0]["velocity"] == pytest.approx(0.5, abs=1e-15)


def test_sgd_dampening_is_the_notes_momentum_from_the_second_step():
    """v ← βv + (1 − β)·dw (the notes, v₀ = 0) equals dampening = β once v₁ is the same."""
    beta, lr, grads = 0.9, 0.05, [0.5, -1.0, 2.0, 0.25, -0.75]
    p = one_param()
    opt = SGD([p], lr=lr, momentum=beta, dampening=beta)
    p.grad = grads[0]
    opt.step()
    opt.state[0]["velocity"] = (1 - beta) * grads[0]  # the notes' first velocity
    notes_v, notes_p = (1 - beta) * grads[0], 1.0 - lr * (1 - beta) * grads[0]
    p.data = notes_p
    for g in grads[1:]:
        notes_v = beta * notes_v + (1 - beta) * g
        notes_p -= lr * notes_v
        assert step_with(opt, p, g) == pytest.approx(notes_p, abs=1e-15)


def test_sgd_dampening_checks():
    with pytest.raises(ValueError, match=r"dampening must be in \[0, 1\], got 1.5"):
        SGD([one_param()], lr=0.1, momentum=0.9, dampening=1.5)
    with pytest.raises(ValueError, match=r"dampening must be >= 0 and finite, got -0.1"):
        SGD([one_param()], lr=0.1, momentum=0.9, dampening=-0.1)
    with pytest.raises(TypeError, match="dampening must be a number, got str"):
        SGD([one_param()], lr=0.1, momentum=0.9, dampening="0.9")
    with pytest.raises(ValueError, match=r"nesterov=True needs dampening=0 \(as torch.optim.SGD\)"):
        SGD([one_param()], lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)
    state = SGD([one_param()], lr=0.1, momentum=0.9, dampening=0.9).state_dict()
    assert state["dampening"] == 0.9
    restored = SGD([one_param()], lr=0.1, momentum=0.9)
    restored.load_state_dict(state)
    assert restored.dampening == 0.9


def test_sgd_nesterov_two_steps():
    p = one_param()
    opt = SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    # v = 0.5;  step along g + μv = 0.5 + 0.45 = 0.95
    assert step_with(opt, p, 0.5) == pytest.approx(0.905, abs=1e-15)
    # v = 0.9·0.5 + 0.5 = 0.95;  g + μv = 0.5 + 0.855 = 1.355
    assert step_with(opt, p, 0.5) == pytest.approx(0.7695, abs=1e-15)


def test_sgd_weight_decay():
    p = one_param()
    # g = 0.5 + 0.1·1 = 0.6
    assert step_with(SGD([p], lr=0.1, weight_decay=0.1), p, 0.5) == pytest.approx(0.94, abs=1e-15)


def test_sgd_checks_its_arguments():
    with pytest.raises(ValueError, match="nesterov=True needs a momentum > 0"):
        SGD([one_param()], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="lr must be > 0 and finite, got -0.1"):
        SGD([one_param()], lr=-0.1)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.0"):
        SGD([one_param()], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match="empty parameter list; pass model.parameters()"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="parameters must be Values, item 0 is float"):
        SGD([1.0], lr=0.1)
    p = one_param()
    with pytest.raises(ValueError, match="a parameter appears twice"):
        SGD([p, p], lr=0.1)


# -- RMSprop, Adam, AdamW --------------------------------------------------------------------------


def test_rmsprop_first_step():
    p = one_param()
    # s = 0.99·0 + 0.01·0.5² = 0.0025,  √s = 0.05,  p = 1 − 0.01·0.5/(0.05 + 1e-8)
    assert step_with(RMSprop([p], lr=0.01), p, 0.5) == pytest.approx(0.900000019999996, abs=1e-15)
    assert RMSprop([one_param()]).alpha == 0.99


def test_adam_two_steps_with_bias_correction():
    p = one_param()
    opt = Adam([p], lr=0.1)
    assert opt.betas == (0.9, 0.999) and opt.eps == 1e-8
    # t = 1: m = 0.05, v = 0.00025;  m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25
    #        p = 1 − 0.1·0.5/(√0.25 + 1e-8) = 0.900000002
    assert step_with(opt, p, 0.5) == pytest.approx(0.900000002, abs=1e-15)
    # t = 2, g = −1: m = 0.9·0.05 − 0.1 = −0.055,  v = 0.999·0.00025 + 0.001 = 0.00124975
    #        m̂ = −0.055/0.19 = −0.2894736842105264,  v̂ = 0.00124975/0.001999 = 0.6251875937969069
    assert opt.state[0]["m"] == pytest.approx(0.05, abs=1e-16)
    assert step_with(opt, p, -1.0) == pytest.approx(0.9366103542405654, abs=1e-15)
    assert opt.state[0]["m"] == pytest.approx(-0.055, abs=1e-16)
    assert opt.state[0]["v"] == pytest.approx(0.00124975, abs=1e-17)
    assert opt.steps == 2


def test_adam_first_step_has_size_lr_for_any_gradient():
    for g in (1e-3, 3.0, -250.0):  # (much smaller |g| and ε = 1e-8 starts to matter)
        p = one_param(0.0)
        assert step_with(Adam([p], lr=0.01), p, g) == pytest.approx(
            -0.01 * math.copysign(1, g), rel=1e-5
        )


def test_adamw_decays_the_weight_directly():
    p = one_param()
    # p ← 1 − 0.1·0.01·1 = 0.999, then the Adam step 0.1·0.5/(0.5 + 1e-8)
    assert step_with(AdamW([p], lr=0.1), p, 0.5) == pytest.approx(0.899000002, abs=1e-15)
    assert AdamW([one_param()]).weight_decay == 0.01


def test_optimizers_agree_with_pytorch():
    torch = pytest.importorskip("torch", reason="torch.optim is the reference")
    grads = [[0.5, -1.0], [-0.2, 0.3], [1.5, 0.0], [0.1, -2.0], [-0.7, 0.4]]
    cases = [
        (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
        (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.8, "nesterov": True}),
        (SGD, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.9}),
        (SGD, torch.optim.SGD, {"lr": 0.3, "momentum": 0.5, "dampening": 0.2, "weight_decay": 0.1}),
        (SGD, torch.optim.SGD, {"lr": 0.1, "dampening": 0.5}),  # no momentum: dampening unused
        (RMSprop, torch.optim.RMSprop, {"lr": 0.01, "weight_decay": 0.1}),
        (Adam, torch.optim.Adam, {"lr": 0.05, "weight_decay": 0.1}),
        (AdamW, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.1}),
    ]
    for ours_class, theirs_class, kwargs in cases:
        ours_params = [Value(1.0), Value(-2.0)]
        theirs_params = [
            torch.tensor(v.data, dtype=torch.float64, requires_grad=True) for v in ours_params
        ]
        ours, theirs = ours_class(ours_params, **kwargs), theirs_class(theirs_params, **kwargs)
        for step_grads in grads:
            for p, t, g in zip(ours_params, theirs_params, step_grads):
                p.grad, t.grad = g, torch.tensor(g, dtype=torch.float64)
            ours.step()
            theirs.step()
        for p, t in zip(ours_params, theirs_params):
            assert p.data == pytest.approx(t.item(), abs=1e-13), ours_class.__name__


# -- every step is all or nothing --------------------------------------------------------------------


def test_a_step_that_would_overflow_changes_nothing_and_names_the_parameter():
    a, b = Value(1.0, label="layer1.neuron1.w0"), Value(1e308, label="layer2.neuron3.b")
    opt = SGD([a, b], lr=10.0)
    a.grad, b.grad = 0.5, -1e308  # b − 10·(−1e308) = inf
    with pytest.raises(
        OptimizerError,
        match=r"SGD step would set layer2.neuron3.b to inf .*Lower the learning rate",
    ) as error:
        opt.step()
    assert "clip_grad_norm" in str(error.value)
    assert (a.data, b.data) == (1.0, 1e308)  # a was checked first but not written
    assert opt.steps == 0


def test_a_non_finite_gradient_is_refused_before_any_change():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    opt = Adam([a, b], lr=0.1)
    a.grad, b.grad = 1.0, math.nan
    with pytest.raises(OptimizerError, match="the gradient of b is nan; no parameter was changed"):
        opt.step()
    assert (a.data, b.data) == (1.0, 2.0)
    assert opt.state == [{}, {}]  # the moments were not updated either


def test_unlabelled_parameter_is_named_by_position():
    p = Value(1.0)
    p.grad = math.inf
    with pytest.raises(OptimizerError, match=r"parameter #0 \(unlabelled\)"):
        SGD([p], lr=0.1).step()


# -- zero_grad, state_dict, repr ----------------------------------------------------------------------


def test_zero_grad():
    p = one_param()
    p.grad = 3.0
    SGD([p], lr=0.1).zero_grad()
    assert p.grad == 0.0


def test_adam_state_dict_round_trip_continues_identically():
    p, q = one_param(), one_param()
    a, b = Adam([p], lr=0.1), Adam([q], lr=0.1)
    for g in (0.5, -1.0):
        step_with(a, p, g)
    q.data = p.data
    b.load_state_dict(a.state_dict())
    assert step_with(a, p, 0.3) == step_with(b, q, 0.3)


def test_load_state_dict_refuses_another_optimizer():
    state = SGD([one_param()], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="this state is for 'SGD', not Adam"):
        Adam([one_param()]).load_state_dict(state)
    with pytest.raises(ValueError, match="this state has 1 parameter entries; this SGD has 2"):
        SGD([one_param(), one_param()], lr=0.1).load_state_dict(state)


def test_repr():
    assert repr(SGD([one_param()], lr=0.1, momentum=0.9)) == (
        "SGD(1 parameters, lr=0.1, momentum=0.9, dampening=0.0, nesterov=False, weight_decay=0.0)"
    )


# -- schedules ---------------------------------------------------------------------------------------


def lrs(schedule, epochs: int) -> list[float]:
    out = [schedule.optimizer.lr]
    for _ in range(epochs):
        schedule.step()
        out.append(schedule.optimizer.lr)
    return out


def test_inverse_time_decay():
    # α = 1/(1 + 0.5·epoch)
    assert lrs(InverseTimeLR(SGD([one_param()], lr=1.0), decay=0.5), 3) == [1.0, 1 / 1.5, 0.5, 0.4]


def test_exponential_decay():
    assert lrs(ExponentialLR(SGD([one_param()], lr=1.0), gamma=0.5), 3) == [1.0, 0.5, 0.25, 0.125]


def test_step_decay():
    got = lrs(StepLR(Adam([one_param()], lr=1.0), step_size=2, gamma=0.1), 4)
    assert got == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01], abs=1e-15)


def test_linear_decay_is_micrograds_schedule():
    got = lrs(LinearLR(SGD([one_param()], lr=1.0)), 102)
    expected = [1.0 - 0.9 * k / 100 for k in range(101)] + [0.1, 0.1]  # then it stays at 0.1
    assert got == pytest.approx(expected, abs=1e-15)


def test_epoch_0_is_base_lr_times_the_schedules_factor_at_0():
    # as the LRScheduler docstring says: 1 for every schedule but LinearLR's start_factor
    made = [
        InverseTimeLR(SGD([one_param()], lr=0.2), decay=0.5),
        ExponentialLR(SGD([one_param()], lr=0.2), gamma=0.5),
        StepLR(SGD([one_param()], lr=0.2), step_size=2, gamma=0.5),
        LinearLR(SGD([one_param()], lr=0.2)),
    ]
    assert [(s.base_lr, s.get_last_lr(), s.optimizer.lr) for s in made] == [(0.2, 0.2, 0.2)] * 4
    half = LinearLR(SGD([one_param()], lr=0.2), start_factor=0.5, end_factor=0.1, total_iters=4)
    assert (half.base_lr, half.get_last_lr(), half.lr_at(0)) == (0.2, 0.1, 0.1)
    half.step()
    assert half.get_last_lr() == pytest.approx(0.2 * (0.5 - 0.4 / 4), abs=1e-16)
    documented = ("lr_at", "step", "get_last_lr", "state_dict", "load_state_dict")
    assert all(getattr(LRScheduler, name).__doc__ for name in documented)


def test_schedules_work_with_any_optimizer_and_save_their_state():
    opt = RMSprop([one_param()], lr=0.2)
    sched = ExponentialLR(opt, gamma=0.5)
    sched.step()
    state = sched.state_dict()
    assert state == {"type": "ExponentialLR", "base_lr": 0.2, "last_epoch": 1}
    other = ExponentialLR(RMSprop([one_param()], lr=0.2), gamma=0.5)
    other.load_state_dict(state)
    assert other.get_last_lr() == 0.1


def test_schedule_checks_arguments():
    with pytest.raises(ValueError, match="step_size must be at least 1, got 0"):
        StepLR(SGD([one_param()], lr=1.0), step_size=0)


# -- clipping ----------------------------------------------------------------------------------------


def test_clip_grad_norm_keeps_the_direction():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 3.0, 4.0
    assert clip_grad_norm([a, b], max_norm=1.0) == 5.0  # the norm before clipping
    assert (a.grad, b.grad) == pytest.approx((0.6, 0.8), abs=1e-6)  # ·1/(5 + 1e-6)
    assert clip_grad_norm([a, b], max_norm=1.0) == pytest.approx(1.0, abs=1e-6)
    assert (a.grad, b.grad) == pytest.approx((0.6, 0.8), abs=1e-6)  # below the limit: unchanged


def test_clip_grad_norm_survives_huge_gradients():
    a, b = Value(0.0), Value(0.0)
    a.grad, b.grad = 1e300, 1e300  # Σg² overflows; the norm itself does not
    assert clip_grad_norm([a, b], max_norm=1.0) == pytest.approx(math.sqrt(2) * 1e300)
    assert a.grad == pytest.approx(1 / math.sqrt(2))


@pytest.mark.parametrize(
    ("grads", "max_norm"),
    [
        ([0.6, 0.8], 1.0),  # ‖g‖ = max_norm: PyTorch still shrinks it by 1/(1 + 1e-6)
        ([3.0, 4.0], 5.0000005),  # just below max_norm, within 1e-6: shrunk
        ([1e-7], 1e-7),  # a tiny max_norm: c = 1e-7/1.1e-6, shrunk to a eleventh
        ([3.0, -4.0, 12.0], 2.0),  # clipped as everyone expects
        ([0.3, 0.4], 1.0),  # well below: c > 1, unchanged
    ],
)
def test_clip_grad_norm_is_pytorchs_rule_at_and_near_the_limit(grads, max_norm):
    """PyTorch multiplies by min(max_norm/(‖g‖ + 1e-6), 1); we used to clip only above
    max_norm, so a norm equal to max_norm (or within 1e-6 below) differed by up to 1e-6, and
    by 11× for max_norm = 1e-7."""
    np = pytest.importorskip("numpy")
    torch = pytest.importorskip("torch")
    params = [Value(1.0) for _ in grads]
    tensors = [torch.tensor(1.0, dtype=torch.float64, requires_grad=True) for _ in grads]
    for p, t, g in zip(params, tensors, grads):
        p.grad, t.grad = g, torch.tensor(g, dtype=torch.float64)
    array = np.array(grads)
    total = clip_grad_norm(params, max_norm)
    assert total == pytest.approx(
        float(torch.nn.utils.clip_grad_norm_(tensors, max_norm)), rel=1e-15
    )
    assert clip_grad_norm_array(array, max_norm) == pytest.approx(total, rel=1e-15)
    expected = [t.grad.item() for t in tensors]
    assert [p.grad for p in params] == pytest.approx(expected, rel=1e-15)
    assert array.tolist() == pytest.approx(expected, rel=1e-15)


def test_clip_grad_norm_array_survives_huge_gradients():
    """‖g‖ of two 1.5e308 is beyond every float: the array form scaled by max_norm/inf = 0 and
    set every gradient to 0; now it clips through g/M as clip_grad_norm does."""
    np = pytest.importorskip("numpy")
    array = np.array([1.5e308, -1.5e308])
    assert clip_grad_norm_array(array, 1.0) == math.inf
    assert array.tolist() == pytest.approx([2**-0.5, -(2**-0.5)], rel=1e-15)


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda ps: SGD(ps, lr=0.1, momentum=0.9).step(), "SGD.step"),
        (lambda ps: Adam(ps).step(), "Adam.step"),
        (lambda ps: clip_grad_norm(ps, 1.0), "clip_grad_norm"),
        (lambda ps: clip_grad_value(ps, 1.0), "clip_grad_value"),
    ],
)
def test_a_grad_set_to_none_is_named_not_a_raw_type_error(call, where):
    """``p.grad = None`` (PyTorch's reset) raised "float() argument must be a string or a real
    number, not 'NoneType'"; now the parameter is named and nothing changes."""
    ps = [Value(1.0, label="layer1.neuron1.w0"), Value(2.0, label="layer1.neuron1.b")]
    ps[0].grad, ps[1].grad = 0.5, None
    with pytest.raises(TypeError) as caught:
        call(ps)
    assert str(caught.value).startswith(
        f"{where}: the .grad of layer1.neuron1.b is NoneType: None, not a number."
    )
    assert [(p.data, p.grad) for p in ps] == [(1.0, 0.5), (2.0, None)]


def test_clip_grad_norm_refuses_non_finite_gradients():
    a = Value(0.0, label="w")
    a.grad = math.inf
    with pytest.raises(OptimizerError, match="clip_grad_norm: the gradient of w is inf"):
        clip_grad_norm([a], 1.0)


def test_clip_grad_value():
    ps = [Value(0.0), Value(0.0), Value(0.0)]
    for p, g in zip(ps, (3.0, -4.0, 0.5)):
        p.grad = g
    clip_grad_value(ps, 1.0)
    assert [p.grad for p in ps] == [1.0, -1.0, 0.5]


# -- the plain-loop step (``_new_values``) gives the numbers of ``_update``, bit for bit --------


@pytest.mark.parametrize(
    ("make", "kwargs"),
    [
        (SGD, {"lr": 0.1}),
        (SGD, {"lr": 0.1, "weight_decay": 0.01}),
        (SGD, {"lr": 0.05, "momentum": 0.9}),
        (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
        (SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.9}),
        (SGD, {"lr": 0.05, "momentum": 0.5, "dampening": 0.25, "weight_decay": 1e-2}),
        (RMSprop, {"lr": 0.01}),
        (RMSprop, {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1}),
        (Adam, {"lr": 0.01}),
        (Adam, {"lr": 0.01, "weight_decay": 0.1}),
        (AdamW, {"lr": 0.01}),
        (AdamW, {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.3}),
    ],
)
def test_the_plain_loop_step_gives_the_same_bits_as_the_one_parameter_rule(make, kwargs):
    import random

    rng = random.Random(7)
    start = [rng.uniform(-2, 2) for _ in range(50)]
    fast_params = [Value(x) for x in start]
    slow_params = [Value(x) for x in start]
    fast, slow = make(fast_params, **kwargs), make(slow_params, **kwargs)
    assert fast._new_values([0.0], [0.0], 1) is not None  # the plain loop exists and is used
    for _ in range(5):
        grads = [rng.gauss(0, 1) for _ in start]
        for p, q, g in zip(fast_params, slow_params, grads):
            p.grad = q.grad = g
        fast.step()
        slow._step_one_by_one(slow.steps + 1)  # the readable rule, one parameter at a time
        assert [p.data.hex() for p in fast_params] == [q.data.hex() for q in slow_params]
        assert fast.state == slow.state and fast.steps == slow.steps


def test_a_subclass_with_its_own_rule_is_stepped_by_that_rule():
    class HalfSGD(SGD):
        def _update(self, x, g, state, t):
            return x - 0.5 * self.lr * g

    p = Value(1.0)
    opt = HalfSGD([p], lr=0.2)
    p.grad = 1.0
    opt.step()
    assert p.data == 0.9  # 1 − 0.5 · 0.2 · 1


def test_a_step_after_backward_with_create_graph_uses_the_gradients_numbers():
    """backward(create_graph=True) leaves Values in .grad: a step reads their numbers (as PyTorch's
    optimizers read a gradient tensor), and every parameter stays a float."""
    w = Value(2.0, label="w")
    loss = w * w * w
    loss.backward(create_graph=True)
    assert isinstance(w.grad, Value) and w.grad.data == 12.0
    SGD([w], lr=0.1).step()
    assert type(w.data) is float and w.data == 2.0 - 0.1 * 12.0


@pytest.mark.parametrize(("optimizer", "running"), [(Adam, "v"), (RMSprop, "square_avg")])
def test_a_running_average_overflowing_from_the_weight_decay_blames_the_decay(optimizer, running):
    """--decay 1e308 with Adam said the gradient (-0.2) was too large; it is λ·p that is."""
    p = one_param(0.5)
    opt = optimizer([p], lr=0.01, weight_decay=1e308)
    with pytest.raises(OptimizerError) as raised:
        step_with(opt, p, -0.25)
    message = str(raised.value)
    assert message.startswith(
        f"{optimizer.__name__} step: the gradient of w is -0.25, but weight_decay 1e+308 × its "
        f"value 0.5 adds 5e+307 to it, so much that its running {running} "
    )
    assert message.endswith("no parameter was changed. Lower weight_decay (1e-4 to 1e-2 are usual)")
    assert p.data == 0.5 and opt.state == [{}]
    big = one_param(0.5)  # a gradient too large by itself is still blamed on the gradient
    with pytest.raises(OptimizerError, match=r"the gradient of w is 1e\+200, so large that"):
        step_with(optimizer([big], lr=0.01, weight_decay=1e-2), big, 1e200)


def _parameter(value, grad, label="w"):
    p = Value(value, label=label)
    p.grad = grad
    return p


def _steps_of_a_schedule():
    schedule = ExponentialLR(SGD([_parameter(1.0, 0.0)], lr=0.1), gamma=1e300)
    for _ in range(3):
        schedule.step()


REMEDY_HANT = (
    "請調低學習率，或裁剪梯度（在 step() 之前呼叫 microgradpp.optim.clip_grad_norm(params, "
    "max_norm=1.0)，或用 fit(..., clip_grad_norm=1.0)）"
)


@pytest.mark.parametrize(
    ("make", "hant"),
    [
        (lambda: SGD([_parameter(1.0, math.nan)], lr=0.1).step(),
         "SGD 更新參數時：w 的梯度是 nan；沒有改動任何參數。" + REMEDY_HANT),
        (lambda: SGD([_parameter(1.0, math.inf, "")], lr=0.1).step(),
         "SGD 更新參數時：參數 #0（沒有標籤）的梯度是 inf；沒有改動任何參數。" + REMEDY_HANT),
        (lambda: Adam([_parameter(1.0, 1e300)], lr=0.1).step(),
         "Adam 更新參數時：w 的梯度是 1e+300，大到它的累計量 v（二階動差，g² 的平均）超出了浮點數的範圍"
         "（g² 超過最大的浮點數 1.8e308）；沒有改動任何參數。" + REMEDY_HANT),
        (lambda: Adam([_parameter(1e160, 1.0)], lr=0.1, weight_decay=1.0).step(),
         "Adam 更新參數時：w 的梯度是 1.0，但 weight_decay 1.0 × 它的值 1e+160 在梯度上又加了 1e+160，"
         "大到它的累計量 v（二階動差，g² 的平均）超出了浮點數的範圍（(g + λ·p)² 超過最大的浮點數 "
         "1.8e308）；沒有改動任何參數。請調低 weight_decay（常用 1e-4 到 1e-2）"),
        (lambda: SGD([_parameter(1e308, -1e308)], lr=1e10).step(),
         "SGD 的這一步會把 w 設成 inf（值 1e+308，梯度 -1e+308，學習率 10000000000.0）；沒有改動任何參數。"
         + REMEDY_HANT),
        (lambda: Adam([_parameter(1.0, 0.0)]).load_state_dict([1]),
         "Adam.load_state_dict 需要一個 dict，收到的是 list"),
        (lambda: Adam([_parameter(1.0, 0.0)]).load_state_dict({"type": "SGD"}),
         "這份 state 是給 'SGD' 的，不是給 Adam 的"),
        (lambda: Adam([_parameter(1.0, 0.0)]).load_state_dict({"type": "Adam"}),
         "這份 Adam 的 state 缺少 lr、steps、state；什麼都沒有改動"),
        (lambda: Adam([_parameter(1.0, 0.0)]).load_state_dict(
            {"type": "Adam", "lr": 0.1, "steps": 0, "state": []}),
         "這份 state 有 0 個參數的項目；這個 Adam 有 1 個參數"),
        (lambda: Adam([_parameter(1.0, 0.0)]).load_state_dict(
            {"type": "Adam", "lr": -1.0, "steps": 0, "state": [{}]}),
         "Adam 的 state：lr 必須 > 0 且為有限值，收到的是 -1.0；什麼都沒有改動"),
        (lambda: Adam([_parameter(1.0, 0.0)]).load_state_dict(
            {"type": "Adam", "lr": 0.1, "steps": 0, "state": [3]}),
         "state[0]（w）必須是 dict，收到的是 int；什麼都沒有改動"),
        (lambda: Adam([_parameter(1.0, 0.0)]).load_state_dict(
            {"type": "Adam", "lr": 0.1, "steps": 0, "state": [{"q": 1.0}]}),
         "state[0]（w）有 'q'；Adam 記錄的是 m、v"),
        (_steps_of_a_schedule,
         "ExponentialLR：在第 2 輪，學習率會變成 inf（基礎學習率 0.1，gamma=1e+300）；它大到超出了所有浮點數。"
         "學習率排程應該讓學習率變小：請用小於 1 的因子"),
        (lambda: clip_grad_norm([_parameter(1.0, math.nan)], 1.0),
         "clip_grad_norm：w 的梯度是 nan；用範數裁剪也無法修正。沒有改動任何梯度。"
         "請找出它在哪裡溢位（調低學習率、把輸入標準化）"),
        (lambda: clip_grad_value([3], 1.0), "clip_grad_value 需要 Value，索引 0 的項目是 int"),
    ],
)  # fmt: skip
def test_optimizer_errors_are_said_in_traditional_chinese(make, hant):
    from microgradpp.i18n import translated

    with pytest.raises((TypeError, ValueError, FloatingPointError)) as caught:
        make()
    assert translated(caught.value, "zh-Hant") == hant
    assert translated(caught.value, "en") == str(caught.value)


def test_optimizer_errors_are_said_in_simplified_chinese():
    from microgradpp.i18n import translated

    with pytest.raises(OptimizerError) as caught:
        clip_grad_value([_parameter(1.0, math.inf)], 1.0)
    assert str(caught.value) == (
        "clip_grad_value: the gradient of w is inf; clipping cannot fix that. No gradient was "
        "changed. Find where it overflowed (lower the learning rate, normalise the inputs)"
    )
    assert translated(caught.value, "zh-Hans") == (
        "clip_grad_value：w 的梯度是 inf；裁剪也无法修正。没有改动任何梯度。"
        "请找出它在哪里溢出（调低学习率、把输入标准化）"
    )
    with pytest.raises(OptimizerError) as caught:
        SGD([_parameter(1.0, math.nan)], lr=0.1).step()
    assert translated(caught.value, "zh-Hans") == (
        "SGD 更新参数时：w 的梯度是 nan；没有改动任何参数。请调低学习率，或裁剪梯度（在 step() 之前调用 "
        "microgradpp.optim.clip_grad_norm(params, max_norm=1.0)，或用 fit(..., clip_grad_norm=1.0)）"
    )
