"""microgradpp.nn: neurons, layers, MLPs, initializations, Dropout, BatchNorm, module plumbing."""

from __future__ import annotations

import math
import random
import re
import statistics

import pytest

import microgradpp
from microgradpp import Value, no_grad, topological_order
from microgradpp.i18n import translated
from microgradpp.nn import (
    INITS,
    MLP,
    BatchNorm,
    Dropout,
    Layer,
    Module,
    Neuron,
    check_parameter_count,
)

SIGMOID_1 = 0.7310585786300049  # σ(1)
DSIGMOID_1 = 0.19661193324148185  # σ'(1) = σ(1)(1 − σ(1))


def set_neuron(neuron: Neuron, weights: list[float], bias: float) -> None:
    for w, value in zip(neuron.w, weights):
        w.data = value
    neuron.b.data = bias


# -- Neuron ---------------------------------------------------------------------------------------


def test_linear_neuron_computes_b_plus_weighted_sum():
    n = Neuron(2, activation="linear", seed=0)
    set_neuron(n, [2.0, -3.0], -3.0)
    assert n([-1.0, -2.0]).data == 1.0  # 2·(−1) + (−3)·(−2) − 3


def test_sigmoid_neuron_reproduces_the_cs231n_figure():
    n = Neuron(2, activation="sigmoid", seed=0)
    set_neuron(n, [2.0, -3.0], -3.0)
    x0, x1 = Value(-1.0, "x0"), Value(-2.0, "x1")
    out = n([x0, x1])
    out.backward()
    assert out.data == SIGMOID_1
    assert n.w[0].grad == pytest.approx(-0.19661193324148185, abs=1e-15)  # x0·σ'(1)
    assert n.w[1].grad == pytest.approx(-0.3932238664829637, abs=1e-15)  # x1·σ'(1)
    assert n.b.grad == pytest.approx(DSIGMOID_1, abs=1e-15)
    assert x0.grad == pytest.approx(0.3932238664829637, abs=1e-15)  # w0·σ'(1)
    assert x1.grad == pytest.approx(-0.5898357997244456, abs=1e-15)  # w1·σ'(1)


@pytest.mark.parametrize(
    ("activation", "expected"),
    [("relu", 0.0), ("tanh", math.tanh(-0.5)), ("sigmoid", 1 / (1 + math.exp(0.5))), (None, -0.5)],
)
def test_each_activation(activation, expected):
    n = Neuron(1, activation=activation, seed=0)
    set_neuron(n, [1.0], 0.5)
    assert n([-1.0]).data == pytest.approx(expected, abs=1e-15)  # act(1·(−1) + 0.5)


def test_neuron_parameters_are_labelled_weights_then_bias():
    n = Neuron(3, seed=0)
    assert [p.label for p in n.parameters()] == ["w0", "w1", "w2", "b"]


def test_neuron_rejects_wrong_number_of_inputs():
    with pytest.raises(ValueError, match="this neuron takes 2 inputs, got 3"):
        Neuron(2, seed=0).preactivation([1.0, 2.0, 3.0])


def test_unknown_activation_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown activation 'softsign'; choose one of relu"):
        Neuron(2, activation="softsign")


# -- fused and gate-by-gate modes --------------------------------------------------------------


def test_gate_by_gate_neuron_builds_every_multiply_and_add():
    fused, gates = Neuron(2, seed=1), Neuron(2, seed=1, fused=False)
    assert [n.gate.name for n in topological_order(fused([1.0, 2.0])) if n.gate] == [
        "linear",
        "relu",
    ]
    names = [n.gate.name for n in topological_order(gates([1.0, 2.0])) if n.gate]
    assert sorted(names) == ["add", "add", "mul", "mul", "relu"]


def test_gate_by_gate_mlp_gives_the_same_bits_as_fused():
    X = [[0.5, -1.5, 2.0], [1.0, 0.25, -0.75], [-2.0, 1.0, 0.5]]
    results = []
    for fused in (True, False):
        model = MLP(3, [5, 4, 2], activation="tanh", seed=42, fused=fused)
        outs = model.forward_batch(X)
        loss = microgradpp.sum([o * o for row in outs for o in row])
        loss.backward()
        results.append(
            (loss.data, [p.grad for p in model.parameters()], len(topological_order(loss)))
        )
    (fused_loss, fused_grads, fused_nodes), (gate_loss, gate_grads, gate_nodes) = results
    assert fused_loss == gate_loss
    assert fused_grads == gate_grads  # exactly, not approximately
    assert gate_nodes > 2 * fused_nodes


# -- Layer ----------------------------------------------------------------------------------------


def test_layer_always_returns_a_list():
    out = Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)


def test_layer_shares_one_input_node_per_number():
    layer = Layer(2, 3, seed=0)
    out = microgradpp.sum(layer([1.0, 2.0]))
    inputs = [n for n in topological_order(out) if n.label in ("x0", "x1")]
    assert [n.label for n in inputs].count("x0") == 1
    assert len(inputs) == 2


def test_dead_relu_units_are_remembered_from_the_last_batch():
    layer = Layer(1, 2, seed=0)
    set_neuron(layer.neurons[0], [1.0], 0.0)  # x > 0: alive
    set_neuron(layer.neurons[1], [-1.0], -1.0)  # −x − 1 < 0 for x > 0: outputs 0
    assert layer.dead_fraction() == 0.0  # nothing seen yet
    layer.forward_batch([[1.0], [2.0]])
    assert layer.dead == [False, True]
    assert layer.dead_fraction() == 0.5
    with no_grad():  # evaluation does not overwrite what training measured
        layer.forward_batch([[-5.0]])
    assert layer.dead == [False, True]
    layer.forward_batch([[1.0], [-3.0]])  # x = −3 gives neuron 2 the output 2: it is alive
    assert layer.dead == [False, False]


# -- MLP ------------------------------------------------------------------------------------------


def test_mlp_parameter_names_and_count():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == 3 * 3 + 4 == model.num_parameters()
    assert names[:4] == [
        "layer1.neuron1.w0",
        "layer1.neuron1.w1",
        "layer1.neuron1.b",
        "layer1.neuron2.w0",
    ]
    assert names[-1] == "layer2.neuron1.b"
    assert [p.label for p in model.parameters()] == names


def test_micrograd_demo_mlp_has_337_parameters():
    assert len(MLP(2, [16, 16, 1], seed=0).parameters()) == 337


def test_mlp_returns_a_value_for_one_output_and_a_list_for_several():
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 4], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 4


def test_mlp_layers_and_activations():
    model = MLP(2, [4, 4, 3], activation="tanh", output_activation="sigmoid", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "sigmoid"]
    assert MLP(2, [4, 1], seed=0).layers[-1].activation == "linear"


def test_mlp_forward_by_hand():
    model = MLP(1, [2, 1], seed=0)
    set_neuron(model.layers[0].neurons[0], [1.0], 0.0)
    set_neuron(model.layers[0].neurons[1], [-1.0], 0.0)
    set_neuron(model.layers[1].neurons[0], [2.0, 3.0], 1.0)
    assert model([2.0]).data == 5.0  # relu(2) = 2, relu(−2) = 0; 1 + 2·2 + 3·0
    assert model([-1.0]).data == 4.0  # relu(−1) = 0, relu(1) = 1;  1 + 0 + 3·1


def test_mlp_rejects_a_sample_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"this MLP takes 2 inputs per sample, got a sample of 3"):
        MLP(2, [3, 1], seed=0).forward_batch([[1.0, 2.0], [1.0, 2.0, 3.0]])


def test_mlp_rejects_bad_sizes():
    with pytest.raises(TypeError, match="nouts must be a non-empty list of layer widths"):
        MLP(2, 16)
    with pytest.raises(ValueError, match="each layer width must be at least 1, got 0"):
        MLP(2, [16, 0, 1])
    with pytest.raises(TypeError, match="nin must be an int, got float"):
        MLP(2.0, [1])


def test_mlp_repr_is_readable():
    model = MLP(2, [16, 16, 1], seed=0)
    assert repr(model) == (
        "MLP(2 -> [16, 16, 1], 337 parameters\n"
        "  (layer1): Layer(2 -> 16, relu)\n"
        "  (layer2): Layer(16 -> 16, relu)\n"
        "  (layer3): Layer(16 -> 1, linear)\n"
        ")"
    )
    assert repr(Neuron(3, activation="tanh")) == "Neuron(nin=3, activation=tanh)"
    assert repr(MLP(2, [3, 1], batchnorm=True, dropout=0.25, seed=0).layers[0]) == (
        "Layer(2 -> 3, relu, batchnorm, dropout=0.25)"
    )


# -- seeds and initializations ------------------------------------------------------------------


def test_the_same_seed_gives_the_same_weights():
    assert MLP(2, [4, 1], seed=7).state_dict() == MLP(2, [4, 1], seed=7).state_dict()
    assert MLP(2, [4, 1], seed=7).state_dict() != MLP(2, [4, 1], seed=8).state_dict()
    rng_a, rng_b = random.Random(3), random.Random(3)
    assert MLP(2, [4, 1], seed=rng_a).state_dict() == MLP(2, [4, 1], seed=rng_b).state_dict()


def test_no_seed_uses_the_global_generator_like_micrograd():
    random.seed(1337)
    expected = [random.uniform(-1, 1) for _ in range(4)]  # micrograd: w = U(−1, 1) per input
    random.seed(1337)
    model = MLP(2, [16, 16, 1])
    assert [p.data for p in model.parameters()[:4]] == [*expected[:2], 0.0, expected[2]]


def test_uniform_init_is_micrograds():
    model = MLP(3, [20, 1], init="uniform", seed=0)
    weights = [p.data for name, p in model.named_parameters() if not name.endswith(".b")]
    biases = [p.data for name, p in model.named_parameters() if name.endswith(".b")]
    assert all(-1.0 <= w <= 1.0 for w in weights) and min(weights) < -0.8 and max(weights) > 0.8
    assert biases == [0.0] * 21


@pytest.mark.parametrize(
    ("init", "expected_std"),
    [("gaussian", math.sqrt(1 / 100)), ("xavier", math.sqrt(2 / 150)), ("he", math.sqrt(2 / 100))],
)
def test_gaussian_inits_have_their_standard_deviation(init, expected_std):
    layer = Layer(100, 50, init=init, seed=0)  # 5000 weights: the estimate is within ~2%
    weights = [w.data for n in layer.neurons for w in n.w]
    assert statistics.fmean(weights) == pytest.approx(0.0, abs=0.1 * expected_std)
    assert statistics.pstdev(weights) == pytest.approx(expected_std, rel=0.05)


def test_custom_init_function():
    layer = Layer(2, 2, init=lambda nin, nout, rng: 0.5, seed=0)
    assert [w.data for n in layer.neurons for w in n.w] == [0.5] * 4


def test_unknown_init_is_refused():
    with pytest.raises(ValueError, match="unknown init 'kaiming'; choose one of uniform"):
        MLP(2, [1], init="kaiming")
    assert set(INITS) == {"uniform", "gaussian", "xavier", "he"}


def test_bad_seed_is_refused():
    with pytest.raises(TypeError, match="seed must be an int, a random.Random or None, got str"):
        MLP(2, [1], seed="42")


# -- Module plumbing ------------------------------------------------------------------------------


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_train_and_eval_reach_every_submodule():
    model = MLP(2, [3, 1], dropout=0.5, batchnorm=True, seed=0)
    assert model.eval() is model
    assert all(not m.training for _, m in model.named_modules())
    model.train()
    assert all(m.training for _, m in model.named_modules())


def test_state_dict_round_trip():
    a, b = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=2)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    assert b([0.3, -0.7]).data == a([0.3, -0.7]).data


def test_state_dict_is_a_snapshot_of_floats():
    model = MLP(1, [1], seed=0)
    state = model.state_dict()
    model.parameters()[0].data = 123.0
    assert state["layer1.neuron1.w0"] != 123.0


def test_load_state_dict_names_what_is_wrong_and_changes_nothing():
    model = MLP(2, [3, 1], seed=1)
    before = model.state_dict()
    state = dict(before)
    del state["layer2.neuron1.b"]
    state["layer9.neuron1.w0"] = 1.0
    state["layer1.neuron1.w0"] = float("nan")
    with pytest.raises(ValueError) as error:
        model.load_state_dict(state)
    message = str(error.value)
    assert "missing 1 name (layer2.neuron1.b)" in message
    assert "unexpected 1 name (layer9.neuron1.w0)" in message
    assert "layer1.neuron1.w0 is not finite: nan" in message
    assert message.endswith("Nothing was changed.")
    assert model.state_dict() == before


# -- Dropout -----------------------------------------------------------------------------------------


def test_dropout_zeroes_and_rescales_in_training_and_does_nothing_in_eval():
    drop = Dropout(0.5, seed=0)
    xs = [Value(1.0) for _ in range(1000)]
    out = [o.data for o in drop(xs)]
    assert set(out) == {0.0, 2.0}  # kept inputs are scaled by 1/(1 − p) = 2
    assert 450 < out.count(0.0) < 550
    drop.eval()
    assert drop(xs) == xs


def test_dropout_gradient_is_the_mask():
    x = [Value(3.0), Value(3.0), Value(3.0), Value(3.0)]
    out = Dropout(0.75, seed=1)(x)
    microgradpp.sum(out).backward()
    assert [xi.grad for xi in x] == [o.data / 3.0 for o in out]  # 0 or 1/(1 − 0.75) = 4
    assert {xi.grad for xi in x} <= {0.0, 4.0}


def test_dropout_probability_must_be_in_range():
    with pytest.raises(ValueError, match=r"dropout probability p must be in \[0, 1\), got 1"):
        Dropout(1)


# -- BatchNorm -------------------------------------------------------------------------------------------


def test_batchnorm_by_hand():
    bn = BatchNorm(1)
    out = bn.forward_batch([[Value(1.0)], [Value(3.0)]])
    # μ = 2, σ² = ((1−2)² + (3−2)²)/2 = 1, x̂ = ±1/√(1 + 1e-5)
    assert out[0][0].data == pytest.approx(-1 / math.sqrt(1.00001), abs=1e-15)
    assert out[1][0].data == pytest.approx(1 / math.sqrt(1.00001), abs=1e-15)
    # running = 0.9·old + 0.1·batch; the variance unbiased: 1·2/(2 − 1) = 2
    assert bn.running_mean == [pytest.approx(0.2, abs=1e-15)]
    assert bn.running_var == [pytest.approx(0.9 * 1.0 + 0.1 * 2.0, abs=1e-15)]
    bn.eval()
    (y,) = bn([Value(2.0)])
    assert y.data == pytest.approx((2.0 - 0.2) / math.sqrt(1.1 + 1e-5), abs=1e-15)


def test_batchnorm_gamma_and_beta_scale_and_shift():
    bn = BatchNorm(1)
    bn.gamma[0].data, bn.beta[0].data = 3.0, -1.0
    out = bn.forward_batch([[1.0], [3.0]])
    assert out[1][0].data == pytest.approx(3.0 / math.sqrt(1.00001) - 1.0, abs=1e-15)


def test_batchnorm_gradient_matches_pytorch():
    torch = pytest.importorskip("torch", reason="torch is the reference for BatchNorm's gradient")
    data = [[0.5, -1.0], [2.0, 0.3], [-0.7, 1.5], [1.1, 0.0]]
    weights = [[1.0, -2.0], [0.5, 3.0], [-1.5, 0.25], [2.0, 1.0]]
    bn = BatchNorm(2)
    bn.gamma[1].data, bn.beta[0].data = 1.5, 0.2
    xs = [[Value(v) for v in row] for row in data]
    out = bn.forward_batch(xs)
    microgradpp.sum(
        [o * w for row, wrow in zip(out, weights) for o, w in zip(row, wrow)]
    ).backward()

    tx = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    tbn = torch.nn.BatchNorm1d(2).double()
    with torch.no_grad():
        tbn.weight[1], tbn.bias[0] = 1.5, 0.2
    tout = tbn(tx)
    (tout * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    for i in range(4):
        for j in range(2):
            assert out[i][j].data == pytest.approx(tout[i, j].item(), abs=1e-12)
            assert xs[i][j].grad == pytest.approx(tx.grad[i, j].item(), abs=1e-12)
    assert [g.grad for g in bn.gamma] == pytest.approx(tbn.weight.grad.tolist(), abs=1e-12)
    assert [b.grad for b in bn.beta] == pytest.approx(tbn.bias.grad.tolist(), abs=1e-12)
    assert bn.running_mean == pytest.approx(tbn.running_mean.tolist(), abs=1e-15)
    assert bn.running_var == pytest.approx(tbn.running_var.tolist(), abs=1e-15)


def test_batchnorm_in_training_needs_a_batch():
    with pytest.raises(ValueError, match="needs a mini-batch of at least 2 samples"):
        MLP(2, [3, 1], batchnorm=True, seed=0)([1.0, 2.0])
    model = MLP(2, [3, 1], batchnorm=True, seed=0).eval()
    assert isinstance(model([1.0, 2.0]), Value)  # evaluation uses the running statistics


def test_batchnorm_statistics_are_saved_in_the_state_dict():
    model = MLP(2, [2, 1], batchnorm=True, seed=0)
    model.forward_batch([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    state = model.state_dict()
    assert "layer1.batchnorm.running_mean2" in state and "layer1.batchnorm.gamma1" in state
    fresh = MLP(2, [2, 1], batchnorm=True, seed=5)
    fresh.load_state_dict(state)
    assert fresh.layers[0].batchnorm.running_var == model.layers[0].batchnorm.running_var
    model.eval(), fresh.eval()
    assert fresh([0.1, 0.2]).data == model([0.1, 0.2]).data


def test_module_base_has_no_parameters():
    assert Module().parameters() == [] and Module().state_dict() == {}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: MLP(2, [20000, 20000]),
            "MLP(2, [20000, 20000]) would have 400,080,000 parameters",
        ),
        (lambda: MLP(10**6, [3]), "MLP(1000000, [3]) would have 3,000,003 parameters"),
        (lambda: MLP(2, [1412, 1412], batchnorm=True), "would have 2,002,216 parameters"),  # γ, β
        (lambda: Layer(2000, 1000), "Layer(2000, 1000) would have 2,001,000 parameters"),
        (lambda: Neuron(2_000_000), "Neuron(nin=2000000) would have 2,000,001 parameters"),
        (lambda: BatchNorm(1_000_001), "BatchNorm(1000001) would have 2,000,002 parameters"),
        (lambda: MLP(1, [1] * 1001), "an MLP may have at most 1000 layers (what load accepts)"),
    ],
)
def test_a_network_beyond_the_limits_load_accepts_is_refused_before_it_is_built(build, message):
    """At most nn.MAX_PARAMETERS = 2,000,000 parameters and 1000 layers, as load; refused before
    a single Value is made (MLP(2, [20000, 20000]) grew to gigabytes before a MemoryError)."""
    made = Value(0.0).number
    with pytest.raises(ValueError, match=re.escape(message)):
        build()
    assert Value(0.0).number == made + 1  # no Value was made in between
    check_parameter_count(2_000_000, "the limit itself")  # allowed: no error


def test_load_state_dict_says_every_problem_in_chinese():
    model = MLP(2, [3, 1], seed=1)
    state = dict(model.state_dict())
    del state["layer2.neuron1.b"]
    state["layer9.neuron1.w0"] = 1.0
    state["layer1.neuron1.w0"] = float("nan")
    state["layer1.neuron1.w1"] = "x"
    with pytest.raises(ValueError) as caught:
        model.load_state_dict(state)
    assert translated(caught.value, "zh-Hant") == (
        "這份 state 和這個 MLP 對不上：缺少 1 個名稱（layer2.neuron1.b）；多出 1 個名稱"
        "（layer9.neuron1.w0）；layer1.neuron1.w0 不是有限值：nan；layer1.neuron1.w1 不是數字："
        "'x'。什麼都沒有改動。"
    )
    with pytest.raises(ValueError) as caught:
        MLP(2, [3, 1], seed=1).load_state_dict({})
    assert str(caught.value) == (
        "state does not fit this MLP: missing 13 names (layer1.neuron1.w0, layer1.neuron1.w1, "
        "layer1.neuron1.b, layer1.neuron2.w0, layer1.neuron2.w1 and 8 more). Nothing was changed."
    )
    assert translated(caught.value, "zh-Hans") == (
        "这份 state 和这个 MLP 对不上：缺少 13 个名称（layer1.neuron1.w0、layer1.neuron1.w1、"
        "layer1.neuron1.b、layer1.neuron2.w0、layer1.neuron2.w1，另外还有 8 个）。什么都没有改动。"
    )
    norm = BatchNorm(2)
    with pytest.raises(ValueError) as caught:
        norm.load_state_dict({**norm.state_dict(), "running_var2": -1.0})
    assert str(caught.value) == (
        "state does not fit this BatchNorm: running_var2 is -1.0: a variance is never negative "
        "(eval() would take its square root). Nothing was changed."
    )
    assert translated(caught.value, "zh-Hant") == (
        "這份 state 和這個 BatchNorm 對不上：running_var2 是 -1.0：變異數不可能是負的"
        "（eval() 會對它開平方根）。什麼都沒有改動。"
    )


def test_a_module_without_a_config_says_so_in_chinese():
    with pytest.raises(NotImplementedError) as caught:
        Module().config()
    assert str(caught.value) == "Module cannot describe its constructor"
    assert translated(caught.value, "zh-Hant") == "Module 無法描述它的建構子（constructor）"
    assert translated(caught.value, "zh-Hans") == "Module 无法描述它的构造函数（constructor）"
