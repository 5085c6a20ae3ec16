"""microgradpp/compiled/fit.py with train.fit's shared loop: compiled training is the scalar
training, in the cases that used to differ silently — the last callback's changes, an optimizer
subclass's own rule, shared and frozen parameters — or a refusal that leaves the model as it was."""

from __future__ import annotations

import pytest

np = pytest.importorskip("numpy", reason="compiled mode needs numpy (extra: fast)")

from microgradpp import losses  # noqa: E402
from microgradpp.compiled import compile_loss  # noqa: E402
from microgradpp.data import make_moons, make_spiral  # noqa: E402
from microgradpp.errors import CompiledError  # noqa: E402
from microgradpp.nn import MLP  # noqa: E402
from microgradpp.optim import SGD, Adam, AdamW, Optimizer, RMSprop, clip_grad_norm  # noqa: E402
from microgradpp.train import fit  # noqa: E402

X, Y = make_moons(24, 0.1, seed=3)


def close(a: list[float], b: list[float], rel: float = 1e-9) -> bool:
    """Equal to ``rel`` (and 1e-15 absolutely: a gradient that is 0 in one mode is ~1e-17 in the
    other, the sums run in another order)."""
    assert len(a) == len(b)
    return all(abs(x - y) <= rel * max(abs(x), abs(y)) + 1e-15 for x, y in zip(a, b))


# -- 1. what the callback does is kept ----------------------------------------------------------


@pytest.mark.parametrize("compiled", [False, True])
def test_a_callback_that_puts_the_best_weights_back_and_stops_keeps_them(compiled: bool) -> None:
    model = MLP(2, [6, 1], seed=1)
    params = model.parameters()
    best: list[float] = []

    def callback(epoch, history, model):
        if epoch == 1:
            best[:] = [p.data for p in params]
        if epoch == 3:
            for p, x in zip(params, best):
                p.data = x
            return True
        return None

    history = fit(model, "hinge", Adam(params, lr=0.05), (X, Y), 8, 6, progress=False,
                  callback=callback, compiled=compiled)  # fmt: skip
    assert len(history) == 3
    assert [p.data for p in params] == best


@pytest.mark.parametrize("compiled", [False, True])
def test_a_callback_that_loads_a_saved_optimizer_state_keeps_it(compiled: bool) -> None:
    model = MLP(2, [6, 1], seed=1)
    optimizer = Adam(model.parameters(), lr=0.05)
    saved: dict = {}

    def callback(epoch, history, model):
        if epoch == 1:
            saved.update(model=model.state_dict(), optimizer=optimizer.state_dict())
        if epoch == 3:
            model.load_state_dict(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            return True
        return None

    fit(model, "hinge", optimizer, (X, Y), 8, 6, progress=False, callback=callback,
        compiled=compiled)  # fmt: skip
    assert optimizer.state_dict() == saved["optimizer"]
    assert model.state_dict() == saved["model"]


def train_with_a_changing_callback(compiled: bool) -> tuple[list[float], Adam]:
    model = MLP(2, [6, 1], seed=1)
    optimizer = Adam(model.parameters(), lr=0.05)

    def callback(epoch, history, model):
        if epoch == 2:  # shrink every weight and forget Adam's moments
            for p in model.parameters():
                p.data *= 0.5
            optimizer.load_state_dict({**optimizer.state_dict(), "state": [{}] * 25})

    fit(model, "hinge", optimizer, (X, Y), 4, 6, progress=False, callback=callback,
        compiled=compiled)  # fmt: skip
    return [p.data for p in model.parameters()], optimizer


def test_training_goes_on_from_what_the_callback_changed_in_both_modes() -> None:
    (a, first), (b, second) = map(train_with_a_changing_callback, (False, True))
    assert close(a, b)
    assert first.steps == second.steps == 16
    assert close([s["m"] for s in first.state], [s["m"] for s in second.state])


# -- 2. an optimizer subclass trains with its own rule --------------------------------------------


class SignAdam(Adam):
    """A student's rule: Adam's class, but a step of ±lr (the sign of the gradient)."""

    def _update(self, x, g, state, t):
        return x - self.lr * ((g > 0) - (g < 0))


class CountingSGD(SGD):
    """SGD that counts its steps (a new step(), the rule unchanged)."""

    calls = 0

    def step(self):
        self.calls += 1
        super().step()


class Halving(RMSprop):
    """RMSprop with a changed _new_values (the fast loop) and _update alike: half the step."""

    def _update(self, x, g, state, t):
        return x + (super()._update(x, g, state, t) - x) * 0.5

    def _new_values(self, xs, gs, t):
        return None


def test_only_the_optimizers_whose_array_form_is_their_rule_have_one() -> None:
    assert [kind.has_array_form() for kind in (SGD, RMSprop, Adam, AdamW)] == [True] * 4
    assert [kind.has_array_form() for kind in (SignAdam, CountingSGD, Halving)] == [False] * 3
    assert not Optimizer.has_array_form()


@pytest.mark.parametrize("kind", [SignAdam, CountingSGD, Halving])
def test_an_optimizer_subclass_trains_with_its_own_rule_in_compiled_mode(kind: type) -> None:
    results = []
    for compiled in (False, True):
        model = MLP(2, [6, 1], seed=2)
        optimizer = kind(model.parameters(), lr=0.05)
        fit(model, "hinge", optimizer, (X, Y), 3, 6, progress=False, compiled=compiled)
        results.append(([p.data for p in model.parameters()], optimizer))
    (a, first), (b, second) = results
    assert close(a, b)
    plain = MLP(2, [6, 1], seed=2)
    fit(plain, "hinge", kind.__mro__[1](plain.parameters(), lr=0.05), (X, Y), 3, 6,
        progress=False, compiled=True)  # fmt: skip
    if kind is not CountingSGD:  # its rule is SGD's: the same numbers
        assert not close(a, [p.data for p in plain.parameters()], rel=1e-3)
    assert getattr(first, "calls", 12) == getattr(second, "calls", 12) == 12


# -- 4. shared and frozen parameters (PyTorch's semantics) -----------------------------------------


def shared_model() -> MLP:
    model = MLP(2, [4, 1], activation="tanh", seed=5)
    first, second = model.layers[0].neurons[:2]
    second.w[0] = first.w[0]  # one Value, used by two neurons
    return model


def test_a_shared_parameter_is_listed_once() -> None:
    model = shared_model()
    shared = model.layers[0].neurons[0].w[0]
    assert model.parameters().count(shared) == 1
    assert model.num_parameters() == len(model.parameters()) == 16
    assert model.parameters() == [p for _, p in model.named_parameters()]
    plain = MLP(3, [4, 2], batchnorm=True)
    assert plain.parameters() == [p for _, p in plain.named_parameters()]
    assert [name for name, p in model.named_parameters() if p is shared] == ["layer1.neuron1.w0"]


def test_a_shared_parameter_trains_alike_with_l2_and_clipping() -> None:
    results = []
    for compiled in (False, True):
        model = shared_model()
        history = fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, Y), 3, 6, l2=0.01,
                      clip_grad_norm=0.05, progress=False, compiled=compiled)  # fmt: skip
        results.append(([p.data for p in model.parameters()], history))
    (a, h1), (b, h2) = results
    assert close(a, b)
    assert h2.loss == pytest.approx(h1.loss, rel=1e-12)


def frozen_setup():
    model = MLP(2, [5, 1], activation="tanh", seed=6)
    trained = model.layers[1].parameters()  # the first layer is frozen
    return model, SGD(trained, lr=0.2), model.layers[0].parameters()


def test_a_frozen_layer_gets_each_step_s_gradient_as_a_pytorch_loop_with_model_zero_grad() -> None:
    # The loop fit follows: model.zero_grad(), forward, backward, clip the trained ones, step.
    model, optimizer, frozen = frozen_setup()
    expected = []
    for _ in range(3):
        model.zero_grad()
        losses.hinge(model.forward_batch(X), Y).backward()
        expected.append([p.grad for p in frozen])
        clip_grad_norm(optimizer.params, 0.1)
        optimizer.step()
    final = [p.data for p in model.parameters()]
    for compiled in (False, True):
        model, optimizer, frozen = frozen_setup()
        seen: list[list[float]] = []

        def callback(epoch, history, model, seen=seen, frozen=frozen):
            seen.append([p.grad for p in frozen])

        history = fit(model, "hinge", optimizer, (X, Y), 3, None, clip_grad_norm=0.1,
                      shuffle=False, progress=False, compiled=compiled,
                      callback=callback)  # fmt: skip
        assert close([g for step in seen for g in step], [g for s in expected for g in s])
        assert close([p.data for p in model.parameters()], final)
        norms = [e["layer1"] for e in history.grad_norm]
        assert norms == pytest.approx([sum(g * g for g in s) ** 0.5 for s in expected], rel=1e-9)


# -- 9. BatchNorm and Dropout are refused before anything changes ---------------------------------


@pytest.mark.parametrize("extra", [{"dropout": 0.5}, {"batchnorm": True}])
def test_fit_refuses_batchnorm_and_dropout_even_in_an_eval_mode_model(extra: dict) -> None:
    model = MLP(2, [4, 1], seed=0, **extra).eval()
    before = model.state_dict()
    with pytest.raises(CompiledError, match=r"fit puts the model in training mode\. Train it "
                       r"with compiled=False$"):  # fmt: skip
        fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, Y), 1, progress=False,
            compiled=True)  # fmt: skip
    assert not any(module.training for _, module in model.named_modules())
    assert model.state_dict() == before
    program = compile_loss(model, "hinge", X, Y)  # evaluation mode: one graph does describe it
    assert program.run(X, Y) == pytest.approx(losses.hinge(model.forward_batch(X), Y).data)
    model.train()
    with pytest.raises(CompiledError, match="or call model.eval"):
        compile_loss(model, "hinge", X, Y)


def test_a_model_whose_compile_fails_keeps_its_modes() -> None:
    model = MLP(2, [3], seed=0).eval()
    with pytest.raises(CompiledError, match="integer targets with the custom loss"):
        fit(model, lambda o, t: o[0][0], SGD(model.parameters(), lr=0.1), (X, Y), 1,
            progress=False, compiled=True)  # fmt: skip
    assert not model.training


# -- 10. how close the two modes are ---------------------------------------------------------------


def test_the_history_and_the_weights_agree_on_a_three_class_problem() -> None:
    Xs, ys = make_spiral(30, classes=3, seed=1)
    results = []
    for compiled in (False, True):
        model = MLP(2, [8, 3], seed=3)
        history = fit(model, "cross_entropy", Adam(model.parameters(), lr=0.02), (Xs, ys), 4, 10,
                      val_data=(Xs[:9], ys[:9]), progress=False, compiled=compiled)  # fmt: skip
        results.append(([p.data for p in model.parameters()], history))
    (a, h1), (b, h2) = results
    assert close(a, b, rel=1e-9)
    assert h1.accuracy == h2.accuracy and h1.val_accuracy == h2.val_accuracy
    assert h2.val_loss == pytest.approx(h1.val_loss, rel=1e-12)
