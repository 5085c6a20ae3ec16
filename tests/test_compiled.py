"""Compiled mode gives the scalar engine's numbers, faster, or refuses with a clear error.

* ``fit(..., compiled=True)`` ends with the same parameters as ``fit(...)`` (≤ 1e-9 relative) for
  every optimizer, on moons, xor, spiral (cross-entropy) and a 784-input network;
* ``show_sample(k)`` puts into the traced graph what a scalar run of sample k computes;
* every gate's numpy form agrees with its scalar form; every optimizer's array step with its
  scalar step (exactly);
* each refusal raises its error.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys
import textwrap

import pytest

np = pytest.importorskip("numpy", reason="compiled mode needs numpy (extra: fast)")

from microgradpp import GATES, GateError, Value, apply_gate, losses, topological_order  # noqa: E402
from microgradpp.compiled import Program, Trace, compile_loss  # noqa: E402
from microgradpp.data import make_moons, make_spiral, make_xor  # noqa: E402
from microgradpp.errors import CompiledError  # noqa: E402
from microgradpp.gates import Gate, pow_gate  # noqa: E402
from microgradpp.nn import MLP  # noqa: E402
from microgradpp.optim import (  # noqa: E402
    SGD,
    Adam,
    AdamW,
    OptimizerError,
    RMSprop,
    StepLR,
    clip_grad_norm,
    clip_grad_norm_array,
)
from microgradpp.train import fit  # noqa: E402

OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=1e-3),
    "nesterov": lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
    "dampening": lambda ps: SGD(ps, lr=0.3, momentum=0.9, dampening=0.9),  # the notes' form
    "rmsprop": lambda ps: RMSprop(ps, lr=0.01, weight_decay=1e-3),
    "adam": lambda ps: Adam(ps, lr=0.01, weight_decay=1e-3),
    "adamw": lambda ps: AdamW(ps, lr=0.01),
}


def relative_difference(a: list[float], b: list[float]) -> float:
    return max(abs(x - y) / max(abs(x), abs(y), 1e-12) for x, y in zip(a, b))


def train_both(make_model, loss, data, optimizer, epochs=3, batch_size=10, **kwargs):
    results = []
    for compiled in (False, True):
        model = make_model()
        opt = OPTIMIZERS[optimizer](model.parameters())
        history = fit(
            model, loss, opt, data, epochs, batch_size, progress=False, compiled=compiled, **kwargs
        )
        results.append(([p.data for p in model.parameters()], history, opt))
    return results


DATASETS = {
    "moons-hinge": (lambda: MLP(2, [8, 8, 1], seed=1), "hinge", make_moons(40, 0.1, seed=0)),
    "xor-bce-logits": (
        lambda: MLP(2, [6, 1], activation="tanh", seed=2),
        "binary_cross_entropy_with_logits",
        make_xor(40, seed=0),
    ),
    "spiral-ce": (
        lambda: MLP(2, [8, 3], seed=3),
        "cross_entropy",
        make_spiral(45, classes=3, seed=0),
    ),
}


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_compiled_training_ends_with_the_scalar_parameters(dataset: str, optimizer: str) -> None:
    make_model, loss, data = DATASETS[dataset]
    (scalar, h1, _), (compiled, h2, _) = train_both(make_model, loss, data, optimizer)
    assert relative_difference(scalar, compiled) <= 1e-9
    assert h2.loss == pytest.approx(h1.loss, rel=1e-12)
    assert h2.accuracy == h1.accuracy
    assert h2.dead_relu_fraction == h1.dead_relu_fraction
    for a, b in zip(h1.grad_norm, h2.grad_norm):
        assert b == pytest.approx(a, rel=1e-9)


def test_l2_clipping_schedule_and_regression_match_the_scalar_loop() -> None:
    X, y = make_moons(30, 0.1, seed=4)
    targets = [float(t) * 2.0 - 0.5 for t in y]  # regression targets: mse
    results = []
    for compiled in (False, True):
        model = MLP(2, [8, 1], activation="sigmoid", seed=5)
        opt = Adam(model.parameters(), lr=0.05)
        sched = StepLR(opt, step_size=2, gamma=0.5)
        history = fit(
            model, "mse", opt, (X, targets), 5, 7, l2=1e-3, clip_grad_norm=0.05,
            scheduler=sched, val_data=(X[:10], targets[:10]), progress=False, compiled=compiled,
        )  # fmt: skip
        results.append(([p.data for p in model.parameters()], history, opt))
    (a, h1, o1), (b, h2, o2) = results
    assert relative_difference(a, b) <= 1e-9
    assert h2.lr == h1.lr
    assert h2.val_loss == pytest.approx(h1.val_loss, rel=1e-12)
    assert h2.accuracy == h1.accuracy == [None] * 5
    assert o2.steps == o1.steps == 25
    m1 = [s["m"] for s in o1.state]
    m2 = [s["m"] for s in o2.state]
    assert relative_difference(m1, m2) <= 1e-9


def test_a_784_input_network_matches_on_a_few_samples() -> None:
    from microgradpp.data import load_digits

    X, _, y, _ = load_digits(train_per_class=1, test_per_class=1, seed=3)  # 10 real digits
    results = []
    for compiled in (False, True):
        model = MLP(784, [16, 10], init="he", seed=7)
        opt = Adam(model.parameters(), lr=0.01)
        fit(model, "cross_entropy", opt, (X, y), 3, 3, progress=False, compiled=compiled)
        results.append([p.data for p in model.parameters()])
    assert relative_difference(*results) <= 1e-9


def test_the_loss_and_gradients_of_one_batch_equal_the_scalar_ones() -> None:
    X, y = make_spiral(30, classes=3, seed=1)
    model = MLP(2, [8, 8, 3], activation="tanh", seed=0)
    program = compile_loss(model, "cross_entropy", X, y)
    loss = program.run(X, y)
    model.zero_grad()
    scalar = losses.cross_entropy(model.forward_batch(X), y)
    scalar.backward()
    assert loss == pytest.approx(scalar.data, rel=1e-14)
    grads = [p.grad for p in model.parameters()]
    assert relative_difference(grads, program.grad.tolist()) <= 1e-12


def test_show_sample_writes_a_scalar_run_of_that_sample_into_the_traced_graph() -> None:
    X, y = make_moons(20, 0.1, seed=0)
    model = MLP(2, [4, 4, 1], seed=0)
    program = compile_loss(model, "hinge", X, y)
    program.run(X, y)
    program.show_sample(7)
    fresh = Trace(model, program.spec, X[7], program.spec.encode([y[7]], 1)[0], 1)
    for p in model.parameters():
        p.grad = 0.0
    fresh.loss.backward()
    fresh_order = topological_order(fresh.loss)
    assert len(fresh_order) == len(program.nodes)
    for shown, scalar in zip(program.nodes, fresh_order):
        if shown in model.parameters():
            assert shown.data == scalar.data
            continue
        assert shown.data == pytest.approx(scalar.data, rel=1e-15, abs=1e-15)
        assert shown.grad == pytest.approx(scalar.grad, rel=1e-14, abs=1e-15)
        # the wires of a picture show upstream × local: the local gradients are sample 7's too
        assert shown.local_grads == pytest.approx(scalar.local_grads, rel=1e-14, abs=1e-15)
    # the parameters hold ∂L₇/∂p: what the scalar loss of that one sample gives
    program.show_sample(7)
    shown_grads = [p.grad for p in model.parameters()]
    model.zero_grad()
    losses.hinge(model.forward_batch([X[7]]), [y[7]]).backward()
    assert relative_difference(shown_grads, [p.grad for p in model.parameters()]) <= 1e-14
    assert program.loss_value.data == pytest.approx(
        max(0.0, 1.0 - (2 * y[7] - 1) * model(X[7]).data)
    )


def test_cross_entropy_shifts_each_sample_by_its_own_max() -> None:
    """Logits near 1000: with the traced sample's shift frozen, e^(z − m) would overflow."""
    model = MLP(1, [3], activation="linear", output_activation=None, seed=0)
    X = [[1.0], [300.0], [-300.0], [2.0]]
    y = [0, 1, 2, 1]
    program = compile_loss(model, "cross_entropy", X, y)
    loss = program.run(X, y)
    assert loss == pytest.approx(losses.cross_entropy(model.forward_batch(X), y).data, rel=1e-14)
    assert "max" in {n.gate.name for n in program.nodes if n.gate is not None}


class Softplus(Gate):
    """A student's gate: only the scalar forms (compiled mode falls back to a loop)."""

    name, symbol, primitive = "my_softplus", "softplus", False

    def forward(self, x: float) -> float:
        return math.log1p(math.exp(-abs(x))) + max(x, 0.0)

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (1.0 / (1.0 + math.exp(-x)),)


def test_a_new_gate_without_numpy_forms_works_through_the_fallback() -> None:
    gate = Softplus()

    def softplus_loss(outputs, targets):
        return sum(apply_gate(gate, o - t) for o, t in zip(outputs, targets)) * (1.0 / len(outputs))

    X, y = make_moons(20, 0.1, seed=2)
    targets = [float(t) for t in y]
    results = []
    for compiled in (False, True):
        model = MLP(2, [5, 1], seed=9)
        fit(model, softplus_loss, SGD(model.parameters(), lr=0.1), (X, targets), 3, 5,
            progress=False, compiled=compiled)  # fmt: skip
        results.append([p.data for p in model.parameters()])
    assert relative_difference(*results) <= 1e-9


# -- refusals --------------------------------------------------------------------------------------


def test_batchnorm_in_training_mode_is_refused() -> None:
    model = MLP(2, [4, 1], batchnorm=True, seed=0)
    X, y = make_moons(10, seed=0)
    with pytest.raises(CompiledError, match="BatchNorm in training mode"):
        fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), 1, progress=False,
            compiled=True)  # fmt: skip


def test_dropout_in_training_mode_is_refused() -> None:
    model = MLP(2, [4, 1], dropout=0.5, seed=0)
    X, y = make_moons(10, seed=0)
    with pytest.raises(CompiledError, match="Dropout in training mode"):
        fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), 1, progress=False,
            compiled=True)  # fmt: skip


def test_integer_targets_with_a_custom_loss_are_refused() -> None:
    def pick(outputs, targets):
        return -outputs[0][targets[0]]

    model = MLP(2, [3], seed=0)
    with pytest.raises(CompiledError, match="cannot use the integer targets with the custom loss"):
        compile_loss(model, pick, [[0.0, 1.0], [1.0, 0.0]], [0, 2])


def test_a_custom_loss_that_needs_numbers_is_refused() -> None:
    model = MLP(2, [1], seed=0)
    with pytest.raises(CompiledError, match="with the targets as Values .* it refused them"):
        compile_loss(model, lambda o, t: losses.mse(o, t), [[0.0, 1.0], [1.0, 0.0]], [0.5, 1.5])


def test_a_custom_loss_that_sums_over_the_samples_is_refused() -> None:
    def summed(outputs, targets):
        return sum((o - t) * (o - t) for o, t in zip(outputs, targets))

    model = MLP(2, [1], seed=0)
    with pytest.raises(CompiledError, match=r"the loss summed of two samples is .* \(their sum\)"):
        compile_loss(model, summed, [[0.0, 1.0], [1.0, 0.0]], [0.5, 1.5])


def test_a_value_that_is_not_finite_raises_the_scalar_engines_gate_error() -> None:
    def explode(outputs, targets):
        terms = [(o * 100.0).exp() * t for o, t in zip(outputs, targets)]
        return sum(terms) * (1.0 / len(terms))

    model = MLP(1, [1], activation="linear", output_activation=None, seed=0)
    model.layers[0].neurons[0].w[0].data = 1.0
    X, y = [[0.0], [9.0], [0.5], [1.0], [0.1]], [1.0] * 5  # sample 1: e^900 overflows
    program = compile_loss(model, explode, [[0.0], [0.5], [0.1]], [1.0] * 3)
    with pytest.raises(GateError, match=r"^exp gate \(exp\) with input 900\.0: .*overflows"):
        program.run(X, y)


# -- the numpy forms -------------------------------------------------------------------------------


def gate_cases():
    for name, gate in sorted(GATES.items()):
        counts = (
            (gate.arity,) if gate.arity is not None else (1, 3, 5) if name == "linear" else (1, 4)
        )
        for count in counts:
            yield pytest.param(gate, count, id=f"{name}-{count}")
    yield pytest.param(pow_gate(0.5), 1, id="pow-0.5")
    yield pytest.param(pow_gate(-2.0), 1, id="pow-minus-2")


@pytest.mark.parametrize(("gate", "count"), list(gate_cases()))
def test_every_gate_s_numpy_form_agrees_with_its_scalar_form(gate: Gate, count: int) -> None:
    rng = np.random.default_rng(0)
    low, high = gate.test_range
    xs = [rng.uniform(low, high, size=(3, 40)) for _ in range(count)]
    xs[0][0, :5] = 0.0 if low <= 0.0 <= high else xs[0][0, :5]  # kinks: relu'(0), max ties
    if count == 2:
        xs[1][0, :5] = xs[0][0, :5]
    out = np.asarray(gate.forward_array(*xs), dtype=float)
    grads = gate.local_grads_array(out, *xs)
    for i in range(3):
        for j in range(40):
            entry = [float(x[i, j]) for x in xs]
            expected = gate.forward(*entry)
            assert out[i, j] == pytest.approx(expected, rel=1e-15, abs=0.0)
            expected_grads = gate.local_grads(expected, *entry)
            got = [float(np.broadcast_to(g, out.shape)[i, j]) for g in grads]
            assert got == pytest.approx(list(expected_grads), rel=1e-14)


def test_relu_s_numpy_form_gives_the_scalar_form_s_zero_for_minus_zero() -> None:
    x = np.array([-0.0, 0.0, -1.0, 1e-300, -1e-300, 2.5])
    out = GATES["relu"].forward_array(x)
    expected = [GATES["relu"].forward(v) for v in x.tolist()]
    assert out.tolist() == expected
    assert not np.signbit(out).any()  # max(−0.0, 0.0) may be −0.0; relu's forward gives 0.0


def test_the_fallback_loops_over_the_scalar_form() -> None:
    gate = Softplus()
    x = np.array([[-2.0, 0.0, 3.0]])
    assert gate.forward_array(x).tolist() == [[gate.forward(v) for v in (-2.0, 0.0, 3.0)]]
    (d,) = gate.local_grads_array(gate.forward_array(x), x)
    assert d.tolist() == [[gate.local_grads(0.0, v)[0] for v in (-2.0, 0.0, 3.0)]]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_s_array_step_gives_the_scalar_step_s_numbers(name: str) -> None:
    rng = random.Random(1)
    params = [Value(rng.uniform(-1, 1)) for _ in range(7)]
    twins = [Value(p.data) for p in params]
    scalar, arrays = OPTIMIZERS[name](params), OPTIMIZERS[name](twins)
    x = np.array([p.data for p in twins])
    state = arrays.array_state()
    for _ in range(4):
        grads = [rng.uniform(-2, 2) for _ in params]
        for p, g in zip(params, grads):
            p.grad = g
        scalar.step()
        x = arrays.step_arrays(x, np.array(grads), state)
    assert x.tolist() == [p.data for p in params]  # exactly: the same operations
    arrays.load_array_state(state)
    assert arrays.state == scalar.state
    assert arrays.steps == scalar.steps == 4


def test_an_array_step_with_an_infinite_gradient_raises_the_scalar_error_and_changes_nothing() -> (
    None
):
    params = [Value(0.5, "w0"), Value(0.25, "w1")]
    opt = Adam(params, lr=0.1)
    state = opt.array_state()
    with pytest.raises(
        OptimizerError, match=r"^Adam step: the gradient of w1 is inf; no parameter"
    ):
        opt.step_arrays(np.array([0.5, 0.25]), np.array([1.0, math.inf]), state)
    assert state == {} and opt.steps == 0


def test_clip_grad_norm_array_matches_clip_grad_norm() -> None:
    params = [Value(0.0) for _ in range(4)]
    grads = [3.0, -4.0, 12.0, 0.5]
    for p, g in zip(params, grads):
        p.grad = g
    total = clip_grad_norm(params, 2.0)
    array = np.array(grads)
    assert clip_grad_norm_array(array, 2.0) == pytest.approx(total, rel=1e-15)
    assert array.tolist() == pytest.approx([p.grad for p in params], rel=1e-15)


# -- numpy is optional -----------------------------------------------------------------------------

WITHOUT_NUMPY = """
import sys
sys.modules["numpy"] = None  # import numpy now fails, as when it is not installed
"""


def test_the_core_imports_and_trains_without_numpy() -> None:
    code = WITHOUT_NUMPY + textwrap.dedent("""
        import microgradpp, microgradpp.train, microgradpp.optim, microgradpp.gates
        from microgradpp.nn import MLP
        from microgradpp.optim import SGD
        from microgradpp.train import fit
        m = MLP(2, [2, 1], seed=0)
        fit(m, "hinge", SGD(m.parameters(), lr=0.1), ([[0.0, 1.0], [1.0, 0.0]], [0, 1]), 1,
            progress=False)
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


def test_compiled_mode_without_numpy_names_the_extra() -> None:
    code = WITHOUT_NUMPY + "import microgradpp.compiled"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "ModuleNotFoundError: microgradpp.compiled needs numpy" in result.stderr
    assert "pip install 'microgradpp[fast]'" in result.stderr


def test_the_program_describes_itself() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    X, y = make_moons(10, seed=0)
    program = compile_loss(model, "hinge", X, y)
    assert isinstance(program, Program)
    assert repr(program) == (
        "Program(411 nodes (69 gate nodes) on 8 levels -> 9 numpy operations; 337 parameters)"
    )


def test_microgradpp_train_compiled_prints_what_the_scalar_run_prints(capsys) -> None:
    from microgradpp.cli import main

    options = [
        "train",
        "moons",
        "--epochs",
        "4",
        "--samples",
        "40",
        "--batch-size",
        "10",
        "--quiet",
    ]
    assert main(options) == 0
    scalar = capsys.readouterr().out
    assert main([*options, "--compiled"]) == 0
    assert capsys.readouterr().out == scalar
    assert "train: loss" in scalar


def test_microgradpp_train_compiled_refuses_dropout_with_the_reason(capsys) -> None:
    from microgradpp.cli import main

    code = main(["train", "moons", "--epochs", "1", "--dropout", "0.2", "--quiet", "--compiled"])
    assert code == 1
    assert "compiled mode cannot run Dropout in training mode (layer1.dropout)" in (
        capsys.readouterr().err
    )


def test_outputs_for_gives_the_scalar_outputs() -> None:
    X, y = make_spiral(30, classes=3, seed=1)
    model = MLP(2, [8, 3], seed=4)
    program = compile_loss(model, "cross_entropy", X, y)
    outputs = program.outputs_for(X)
    assert outputs.shape == (30, 3)
    scalar = [[v.data for v in model(x)] for x in X]
    assert (
        max(abs(a - b) for row, srow in zip(outputs.tolist(), scalar) for a, b in zip(row, srow))
        < 1e-12
    )
    from microgradpp.train import predict

    assert program.predict(X) == predict(model, X)


def test_compiled_predict_and_accuracy_equal_the_scalar_ones_in_evaluation_mode() -> None:
    from microgradpp import compiled
    from microgradpp.train import accuracy, predict

    X, y = make_spiral(60, classes=3, seed=2)
    model = MLP(2, [8, 8, 3], batchnorm=True, dropout=0.2, seed=0)
    fit(model, "cross_entropy", Adam(model.parameters(), lr=0.05), (X, y), 3, 20, progress=False)
    model.train()
    assert compiled.predict(model, X) == predict(model, X)
    assert compiled.accuracy(model, X, y) == accuracy(model, X, y)
    assert model.training  # put back as it was


def test_the_numpy_power_rule_is_n_x_to_the_n_minus_1_at_the_ends_of_the_float_range() -> None:
    """n·xⁿ⁻¹, as the scalar form: n·xⁿ/x underflows at 1e-200 ((1e-200)² is 0.0)."""
    for x in (1e-200, 1e154, 3.0):
        scalar = pow_gate(2).local_grads(x * x, x)[0]
        (array,) = pow_gate(2).local_grads_array(np.array([x * x]), np.array([x]))
        assert array.tolist() == [scalar] == [2 * x]


def test_a_loss_that_differentiates_a_gradient_is_refused_clearly() -> None:
    """A gradient's graph traced from one sample is shaped by its numbers (relu's routes): refused
    with a CompiledError, by grad() and by backward(create_graph=True) alike; the scalar engine
    (and create_graph outside a trace) still works."""
    from microgradpp import grad

    model = MLP(2, [3, 1], seed=0)
    first = model.parameters()[0]

    def squared(outputs, targets):
        return sum(((o - t) * (o - t) for o, t in zip(outputs, targets)), 0.0) / len(outputs)

    def penalised(outputs, targets):
        base = squared(outputs, targets)
        (g,) = grad(base, first, create_graph=True)
        return base + g * g

    def by_backward(outputs, targets):
        base = squared(outputs, targets)
        base.backward(create_graph=True)
        return base + first.grad * first.grad

    X, y = [[0.0, 1.0], [1.0, 0.0]], [0.5, 1.5]
    for loss, caller in ((penalised, "grad(create_graph=True)"),
                         (by_backward, "backward(create_graph=True)")):  # fmt: skip
        with pytest.raises(CompiledError) as caught:
            compile_loss(model, loss, X, y)
        assert str(caught.value).startswith(
            f"{caller}: compiled mode cannot differentiate a gradient (create_graph=True)"
        )
        assert str(caught.value).endswith("with compiled=False")
    outputs = [model([Value(a), Value(b)]) for a, b in X]
    assert isinstance(penalised(outputs, y), Value)  # outside a trace: allowed
