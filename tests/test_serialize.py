"""microgradpp.save / microgradpp.load: bit-exact, atomic, and loud about bad files."""

from __future__ import annotations

import json
import os

import pytest

import microgradpp
from microgradpp.nn import MLP, Layer, Module, Neuron
from microgradpp.serialize import VERSION, SerializationError, load, save

SPECIAL = [-0.0, 5e-324, 1 / 3, 1e308, 0.1, -2.2250738585072014e-308, 123456789.98765433]


def bits(model: Module) -> list[str]:
    return [v.hex() for v in model.state_dict().values()]


@pytest.fixture
def model() -> MLP:
    m = MLP(2, [4, 1], seed=3)
    for p, value in zip(m.parameters(), SPECIAL):
        p.data = value
    return m


def test_round_trip_is_bit_for_bit(tmp_path, model):
    path = tmp_path / "model.json"
    save(model, path)
    loaded = load(path)
    assert isinstance(loaded, MLP) and loaded.nouts == [4, 1]
    assert bits(loaded) == bits(model)  # -0.0, subnormals and 1/3 included
    assert str(loaded.parameters()[0].data) == "-0.0"
    assert loaded([0.3, 0.7]).data == model([0.3, 0.7]).data


def test_package_level_save_and_load(tmp_path, model):
    path = str(tmp_path / "m.json")
    microgradpp.save(model, path)
    assert bits(microgradpp.load(path)) == bits(model)


def test_file_is_readable_json_with_a_version(tmp_path, model):
    path = tmp_path / "model.json"
    save(model, path)
    document = json.loads(path.read_text())
    assert document["format"] == "microgradpp-model"
    assert document["version"] == VERSION == 1
    assert document["class"] == "MLP"
    assert document["config"]["nouts"] == [4, 1]
    assert document["state"]["layer1.neuron1.w0"] == -0.0
    assert len(document["checksum"]) == 64


def test_load_into_an_existing_model(tmp_path, model):
    path = tmp_path / "model.json"
    save(model, path)
    target = MLP(2, [4, 1], seed=99)
    assert load(path, model=target) is target
    assert bits(target) == bits(model)


def test_other_modules_and_batchnorm_statistics(tmp_path):
    bn_model = MLP(2, [3, 1], batchnorm=True, dropout=0.2, activation="tanh", seed=0)
    bn_model.forward_batch([[1.0, 2.0], [0.0, -1.0]])
    for original in (bn_model, Layer(3, 2, activation="sigmoid", seed=1), Neuron(2, seed=2)):
        path = tmp_path / f"{type(original).__name__}.json"
        save(original, path)
        loaded = load(path)
        assert type(loaded) is type(original) and loaded.config() == original.config()
        assert loaded.state_dict() == original.state_dict()


# -- atomic writes --------------------------------------------------------------------------------


def test_a_crash_during_the_write_keeps_the_previous_file(tmp_path, model, monkeypatch):
    path = tmp_path / "model.json"
    save(model, path)
    before = path.read_bytes()

    def crash(fd):
        raise KeyboardInterrupt  # e.g. Ctrl-C or power loss after half the bytes

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        save(MLP(2, [4, 1], seed=5), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]  # the temporary file was removed


def test_save_refuses_what_it_cannot_rebuild(tmp_path):
    with pytest.raises(TypeError, match="save\\(\\) knows how to rebuild MLP, Layer"):
        save(Module(), tmp_path / "x.json")


# -- bad files: clear errors and nothing changed ----------------------------------------------------


@pytest.fixture
def saved(tmp_path, model):
    path = tmp_path / "model.json"
    save(model, path)
    return path


def assert_refused(path, match, target=None):
    target = target or MLP(2, [4, 1], seed=11)
    before = bits(target)
    with pytest.raises(SerializationError, match=match):
        load(path, model=target)
    assert bits(target) == before


def test_truncated_file(saved):
    text = saved.read_text()
    saved.write_text(text[: len(text) // 2])
    assert_refused(saved, r"is not valid JSON \(the file is truncated\)")


def test_corrupt_file(saved):
    text = saved.read_text()
    saved.write_text(text.replace('"class": "MLP"', '"class": "M#@!'))
    assert_refused(saved, r"is not valid JSON \(the file is corrupt\): .* at line \d+, column \d+")


def test_changed_number_fails_the_checksum(saved):
    document = json.loads(saved.read_text())
    document["state"]["layer1.neuron2.w1"] += 1e-9
    saved.write_text(json.dumps(document))
    assert_refused(saved, "checksum mismatch — the numbers were changed or damaged")


def test_empty_file(saved):
    saved.write_text("")
    assert_refused(saved, "is empty: not a model file")


def test_not_a_model_file(saved):
    saved.write_text('{"hello": 1}')
    assert_refused(saved, "is not a microgradpp model file")
    saved.write_text("[1, 2]")
    assert_refused(saved, "holds a JSON list, not a model")


def test_newer_version(saved):
    document = json.loads(saved.read_text())
    document["version"] = 2
    saved.write_text(json.dumps(document))
    assert_refused(saved, "has format version 2, newer than this microgradpp reads")


def test_missing_field(saved):
    document = json.loads(saved.read_text())
    del document["checksum"]
    saved.write_text(json.dumps(document))
    assert_refused(saved, "is missing the field")


def test_non_numbers_in_the_state(saved):
    document = json.loads(saved.read_text())
    document["state"]["layer2.neuron1.b"] = "zero"
    saved.write_text(json.dumps(document))
    assert_refused(saved, "layer2.neuron1.b is not a number: 'zero'")


def test_architecture_mismatch_names_the_difference(saved):
    other = MLP(2, [5, 1], seed=0)
    assert_refused(
        saved, r"different architecture \(nouts: model has \[5, 1\], file has \[4, 1\]\)", other
    )
    assert_refused(saved, "holds a MLP, but you are loading it into a Layer", Layer(2, 4, seed=0))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file at"):
        load(tmp_path / "nope.json")
