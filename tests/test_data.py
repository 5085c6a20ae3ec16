"""microgradpp.data: seeded datasets, mini-batches, train/test split."""

from __future__ import annotations

import math
import random

import pytest

from microgradpp.data import (
    DATASETS,
    MAX_SAMPLES,
    as_rng,
    batches,
    make_blobs,
    make_circles,
    make_function,
    make_moons,
    make_sine,
    make_spiral,
    make_xor,
    train_test_split,
)

GENERATORS = [
    lambda seed: make_moons(50, noise=0.1, seed=seed),
    lambda seed: make_circles(50, noise=0.05, seed=seed),
    lambda seed: make_xor(20, noise=0.1, seed=seed, shuffle=True),
    lambda seed: make_spiral(60, classes=3, seed=seed),
    lambda seed: make_blobs(50, centers=3, seed=seed),
    lambda seed: make_function(20, noise=0.1, seed=seed),
]


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(make):
    assert make(1) == make(1)
    assert make(1) != make(2)
    assert make(random.Random(5)) == make(random.Random(5))


@pytest.mark.parametrize("make", GENERATORS[:5])
def test_classification_sets_are_lists_of_float_pairs_and_int_labels(make):
    X, y = make(0)
    assert len(X) == len(y)
    assert all(isinstance(x, list) and len(x) == 2 for x in X)
    assert all(type(v) is float for x in X for v in x)
    assert all(type(label) is int for label in y)
    assert set(y) == set(range(max(y) + 1))


def test_moons_without_noise_lie_on_the_two_half_circles():
    X, y = make_moons(10, noise=0.0, shuffle=False)
    assert y == [0] * 5 + [1] * 5
    assert X[0] == [1.0, 0.0]  # t = 0 on the outer moon: (cos 0, sin 0)
    assert X[5] == [0.0, 0.5]  # t = 0 on the inner moon: (1 − cos 0, 0.5 − sin 0)
    for (a, b), label in zip(X, y):
        if label == 0:
            assert math.hypot(a, b) == pytest.approx(1.0, abs=1e-15)
        else:
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0, abs=1e-15)


def test_moons_odd_count_and_shuffle_keeps_pairs():
    X, y = make_moons(7, noise=0.0, seed=3)
    assert sorted(y) == [0, 0, 0, 0, 1, 1, 1]
    for (a, b), label in zip(X, y):
        center = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - center[0], b - center[1]) == pytest.approx(1.0, abs=1e-15)


def test_circles_radii():
    X, y = make_circles(8, noise=0.0, factor=0.5, shuffle=False)
    assert [round(math.hypot(*x), 12) for x in X] == [1.0] * 4 + [0.5] * 4
    assert y == [0] * 4 + [1] * 4


def test_xor_truth_table():
    assert make_xor() == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    X, y = make_xor(8)
    assert y == [0, 1, 1, 0] * 2


def test_spiral_classes_and_radius():
    X, y = make_spiral(30, classes=3, noise=0.0, shuffle=False)
    assert y == [0] * 10 + [1] * 10 + [2] * 10
    assert math.hypot(*X[9]) == pytest.approx(1.0, abs=1e-15)  # each arm ends at radius 1
    assert X[9] == pytest.approx([math.sin(4.0), math.cos(4.0)], abs=1e-15)
    with pytest.raises(ValueError, match="n = 2 is too small for 3 classes"):
        make_spiral(2, classes=3)


def test_blobs_around_given_centers():
    X, y = make_blobs(6, centers=[[0.0, 0.0], [10.0, 10.0]], std=0.0, shuffle=False)
    assert X == [[0.0, 0.0], [10.0, 10.0]] * 3
    assert y == [0, 1] * 3


def test_function_and_sine():
    X, y = make_function(3, fn=lambda x: x * x, low=-1.0, high=1.0)
    assert (X, y) == ([[-1.0], [0.0], [1.0]], [1.0, 0.0, 1.0])
    X, y = make_sine(5)
    assert X[2] == [0.0] and y[2] == 0.0 and X[-1] == [math.pi]
    assert y[3] == pytest.approx(1.0, abs=1e-15)  # sin(π/2)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="n must be at least 1, got 0"):
        make_moons(0)
    with pytest.raises(TypeError, match="n must be an int, got float"):
        make_moons(10.0)
    with pytest.raises(ValueError, match="noise must be >= 0 and finite, got -1.0"):
        make_circles(10, noise=-1)
    with pytest.raises(ValueError, match=r"factor is the inner radius and must be in \(0, 1\)"):
        make_circles(10, factor=1.5)
    with pytest.raises(TypeError, match="seed must be an int, a random.Random or None"):
        make_moons(10, seed=1.5)


def test_no_seed_uses_the_global_generator():
    random.seed(9)
    a = make_moons(10)
    random.seed(9)
    assert make_moons(10) == a
    assert as_rng(None) is random


# -- batches ---------------------------------------------------------------------------------------


def test_batches_cover_every_sample_once():
    X, y = [[float(i)] for i in range(10)], list(range(10))
    got = list(batches(X, y, batch_size=4, seed=0))
    assert [len(b[0]) for b in got] == [4, 4, 2]
    assert sorted(label for _, yb in got for label in yb) == list(range(10))
    for Xb, yb in got:
        assert [x[0] for x in Xb] == [float(t) for t in yb]  # pairs stay together


def test_batches_shuffle_and_order():
    X, y = [[float(i)] for i in range(10)], list(range(10))
    assert [yb for _, yb in batches(X, y, 5, shuffle=False)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    rng = random.Random(0)
    first = [yb for _, yb in batches(X, y, 10, seed=rng)]
    second = [yb for _, yb in batches(X, y, 10, seed=rng)]
    assert first != second  # a new order every epoch from the same generator
    assert [yb for _, yb in batches(X, y, 3, drop_last=True, shuffle=False)][-1] == [6, 7, 8]


def test_batches_check_arguments():
    with pytest.raises(ValueError, match="X has 2 samples but y has 1 labels"):
        list(batches([[1.0], [2.0]], [0], 1))
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        list(batches([[1.0]], [0], 0))


# -- train_test_split ---------------------------------------------------------------------------------


def test_train_test_split_sizes_and_pairs():
    X, y = [[float(i)] for i in range(10)], list(range(10))
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    assert (len(X_train), len(X_test)) == (7, 3)  # ceil(2.5) = 3, as sklearn
    assert sorted(y_train + y_test) == list(range(10))
    assert [x[0] for x in X_test] == [float(t) for t in y_test]
    assert train_test_split(X, y, seed=0) == train_test_split(X, y, seed=0)
    assert train_test_split(X, y, test_size=4, shuffle=False)[3] == [0, 1, 2, 3]


def test_train_test_split_checks_sizes():
    with pytest.raises(ValueError, match=r"a fractional test_size must be in \(0, 1\)"):
        train_test_split([[1.0]] * 4, [0] * 4, test_size=1.5)
    with pytest.raises(ValueError, match="test_size gives 4 test samples out of 4"):
        train_test_split([[1.0]] * 4, [0] * 4, test_size=4)


@pytest.mark.parametrize(
    "make",
    [
        lambda n: make_moons(n),
        lambda n: make_circles(n),
        lambda n: make_xor(n),
        lambda n: make_spiral(n),
        lambda n: make_blobs(n),
        lambda n: make_blobs(10, centers=n),
        lambda n: make_sine(n),
    ],
)
def test_every_maker_refuses_more_than_max_samples_before_drawing_any(make) -> None:
    with pytest.raises(ValueError, match=r"must be at most 1,000,000 \(microgradpp.data.MAX_SAMPLES"
                       r"\), got 3,000,000: a million points already take about 150 MB"):  # fmt: skip
        make(3_000_000)
    assert MAX_SAMPLES == 1_000_000


def test_each_dataset_entry_says_how_many_inputs_a_sample_has() -> None:
    """Recipes size the network from ``inputs`` before any data is made."""
    for name, entry in DATASETS.items():
        X, _ = entry.make(4, 0)
        assert {len(x) for x in X} == {entry.inputs}, name
