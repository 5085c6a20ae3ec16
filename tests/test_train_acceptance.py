"""Acceptance: the networks actually learn, and the lessons about gradients can be measured.

Everything is seeded, so every run gives the same numbers. Sizes are kept small so the whole file
runs in a few seconds.
"""

from __future__ import annotations

import math

import pytest

import microgradpp
from microgradpp.data import make_moons, make_sine, make_spiral, make_xor
from microgradpp.gradcheck import directional_gradcheck
from microgradpp.losses import cross_entropy, hinge, l2_penalty, mse
from microgradpp.nn import MLP
from microgradpp.optim import SGD, Adam, LinearLR
from microgradpp.train import accuracy, evaluate, fit, gradient_flow, predict


def test_micrograds_demo_reaches_100_percent_within_100_steps():
    # micrograd's demo.ipynb: MLP(2, [16, 16, 1]) on 100 two-moons points (noise 0.1), full batch,
    # loss = mean hinge + 1e-4·Σp², SGD with lr = 1 − 0.9·k/100 at step k.
    X, y = make_moons(100, noise=0.1, seed=1)
    model = MLP(2, [16, 16, 1], seed=1)  # micrograd's U(−1, 1) initialization
    optimizer = SGD(model.parameters(), lr=1.0)
    schedule = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=100)

    def stop_at_100_percent(epoch, history, model):
        return history.accuracy[-1] == 1.0

    history = fit(
        model,
        "hinge",
        optimizer,
        (X, y),
        epochs=100,
        l2=1e-4,
        scheduler=schedule,
        progress=False,
        callback=stop_at_100_percent,
    )
    assert history.accuracy[-1] == 1.0
    assert len(history.epochs) <= 100
    assert history.lr[:3] == pytest.approx([1.0, 0.991, 0.982], abs=1e-15)
    assert history.loss[-1] < 0.1 * history.loss[0]


@pytest.mark.parametrize("seed", range(5))
def test_xor_is_solved_by_a_2_4_1_network(seed):
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", seed=seed)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(model, "hinge", optimizer, (X, y), epochs=200, progress=False)
    assert predict(model, X) == [0, 1, 1, 0]
    assert evaluate(model, "hinge", (X, y)) == (0.0, 1.0)  # every margin is at least 1


def test_a_single_neuron_cannot_learn_xor():
    X, y = make_xor()
    model = MLP(2, [1], seed=0)
    fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), epochs=200, progress=False)
    assert accuracy(model, X, y) <= 0.75  # no line separates XOR


def test_sine_regression_reaches_mse_below_0_01():
    X, y = make_sine(20)  # 20 points of sin x on [-π, π]
    model = MLP(1, [16, 1], activation="tanh", init="xavier", seed=0)
    fit(model, "mse", Adam(model.parameters(), lr=0.02), (X, y), epochs=300, progress=False)
    train_mse, _ = evaluate(model, "mse", (X, y))
    X_between, y_between = make_sine(101)  # points between the training points
    test_mse, _ = evaluate(model, "mse", (X_between, y_between))
    assert train_mse < 0.01
    assert test_mse < 0.01


def test_spiral_with_cross_entropy_and_adam_reaches_95_percent():
    X, y = make_spiral(90, classes=3, noise=0.2, seed=0)
    model = MLP(2, [16, 16, 3], init="he", seed=0)
    history = fit(
        model,
        "cross_entropy",
        Adam(model.parameters(), lr=0.02),
        (X, y),
        epochs=60,
        batch_size=10,
        progress=False,
        callback=lambda epoch, history, model: accuracy(model, X, y) >= 0.95,
    )
    assert accuracy(model, X, y) >= 0.95
    assert len(history.epochs) < 60  # it got there with epochs to spare


def _first_to_last_hidden_ratio(activation: str, init: str) -> tuple[float, dict]:
    """mean |∂out/∂p| of layer 1 divided by that of layer 10, in a 10-hidden-layer network."""
    X, _ = make_moons(20, noise=0.1, seed=0)
    model = MLP(2, [8] * 10 + [1], activation=activation, init=init, seed=0)
    model.zero_grad()
    microgradpp.sum(model.forward_batch(X)).backward()
    flow = gradient_flow(model)
    return flow["layer1"]["mean_abs_grad"] / flow["layer10"]["mean_abs_grad"], flow


def test_deep_sigmoid_network_shows_vanishing_gradients_and_relu_he_does_not():
    sigmoid_ratio, sigmoid_flow = _first_to_last_hidden_ratio("sigmoid", "xavier")
    relu_ratio, relu_flow = _first_to_last_hidden_ratio("relu", "he")
    # σ' ≤ 1/4: ten sigmoid layers shrink the gradient by orders of magnitude on the way down
    assert sigmoid_ratio < 1e-4
    means = [sigmoid_flow[f"layer{i}"]["mean_abs_grad"] for i in range(1, 11)]
    assert means == sorted(means)  # smaller at every layer closer to the input
    # ReLU passes the gradient through unchanged where active; He init keeps the scale
    assert 0.1 < relu_ratio < 10.0
    assert sigmoid_ratio * 1e4 < relu_ratio
    assert all(relu_flow[f"layer{i}"]["dead_fraction"] < 1.0 for i in range(1, 11))  # none dead


def test_too_large_weights_explode_the_gradients_and_clipping_bounds_the_step():
    X, y = make_moons(20, noise=0.1, seed=0)

    def deep_relu(scale: float) -> MLP:  # weights N(0, (scale·He std)²)
        return MLP(
            2,
            [8] * 10 + [1],
            init=lambda nin, nout, rng: rng.gauss(0.0, scale * math.sqrt(2.0 / nin)),
            seed=0,
        )

    norms = []
    for scale in (1.0, 3.0):
        model = deep_relu(scale)
        microgradpp.sum(model.forward_batch(X)).backward()
        norms.append(gradient_flow(model)["layer1"]["grad_norm"])
    assert norms[1] > 1e4 * norms[0]  # 3× larger weights in each of 11 layers: ~3¹⁰ larger

    for clip, largest_move in ((None, 100.0), (1.0, 0.01)):
        model = deep_relu(3.0)
        before = [p.data for p in model.parameters()]
        optimizer = SGD(model.parameters(), lr=0.01)
        fit(model, "hinge", optimizer, (X, y), epochs=1, clip_grad_norm=clip, progress=False)
        moves = [abs(p.data - b) for p, b in zip(model.parameters(), before)]
        if clip is None:
            assert max(moves) > largest_move  # one step throws the weights far away
        else:
            assert max(moves) <= largest_move  # ‖step‖ ≤ lr · max_norm


@pytest.mark.parametrize(
    ("activation", "options"),
    [("tanh", {}), ("relu", {}), ("sigmoid", {"batchnorm": True}), ("relu", {"fused": False})],
)
def test_whole_model_gradients_pass_the_directional_check(activation, options):
    X, y = make_spiral(12, classes=3, noise=0.2, seed=1)
    model = MLP(2, [8, 8, 3], activation=activation, init="xavier", seed=2, **options)
    params = model.parameters()

    def loss():
        return cross_entropy(model.forward_batch(X), y) + 1e-3 * l2_penalty(params)

    for seed in range(3):
        report = directional_gradcheck(loss, params, seed=seed, atol=1e-6, rtol=1e-5)
        assert report, report


def test_hinge_and_mse_model_gradients_pass_the_directional_check():
    X, y = make_moons(10, noise=0.1, seed=0)
    model = MLP(2, [6, 1], activation="tanh", seed=0)
    params = model.parameters()
    assert directional_gradcheck(lambda: hinge(model.forward_batch(X), y), params, atol=1e-6)
    targets = [float(t) for t in y]
    assert directional_gradcheck(lambda: mse(model.forward_batch(X), targets), params, atol=1e-6)


def test_gate_by_gate_training_gives_the_same_numbers_as_fused():
    X, y = make_moons(30, noise=0.1, seed=0)
    runs = []
    for fused in (True, False):
        model = MLP(2, [6, 6, 1], seed=3, fused=fused)
        optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
        history = fit(
            model, "hinge", optimizer, (X, y), epochs=4, batch_size=8, l2=1e-4, progress=False
        )
        runs.append((history, model.state_dict()))
    (fused_history, fused_state), (gate_history, gate_state) = runs
    assert fused_history == gate_history  # every loss, accuracy and gradient statistic
    assert fused_state == gate_state  # every weight, to the last bit
