"""microgradpp.save / microgradpp.load: bit-exact, atomic, and loud about bad files."""

from __future__ import annotations

import json
import os

import pytest

import microgradpp
from microgradpp.i18n import english_sentences, translated
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


# -- hostile files: validated against the architecture before anything is built ------------------

from microgradpp.nn import BatchNorm, Dropout  # noqa: E402
from microgradpp.serialize import (  # noqa: E402
    MAX_PARAMETERS,
    _checksum,
    _state_names,
    _state_size,
)


def write_document(path, kind, config, state, changes=None):
    """A file exactly as save writes it (with a valid checksum: anyone can recompute it)."""
    document = {
        "format": "microgradpp-model",
        "version": 1,
        "class": kind,
        "config": config,
        "state": state,
        "checksum": _checksum(config, state),
    }
    document.update(changes or {})
    path.write_text(json.dumps(document))
    return path


MLP_CONFIG = MLP(2, [4, 1], seed=0).config()


@pytest.mark.parametrize(
    "config",
    [
        dict(MLP_CONFIG, nin=1000, nouts=[1000]),
        dict(MLP_CONFIG, nin=10, nouts=[10_000] * 200),
        dict(MLP_CONFIG, nin=2, nouts=[2_000_000, 1]),
        dict(MLP_CONFIG, nin=1, nouts=[1, 1_000_000], batchnorm=True),
    ],
)
def test_a_small_file_naming_a_huge_network_fails_at_once(tmp_path, config):
    import tracemalloc

    path = write_document(tmp_path / "m.json", "MLP", config, {"layer1.neuron1.w0": 0.5})
    tracemalloc.start()
    with pytest.raises(SerializationError, match="its config describes a MLP of [0-9,]+ numbers"):
        load(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1_000_000  # refused from the config alone: nothing of the network was built
    assert path.stat().st_size < 2000


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("nin", 0, r"config.nin must be from 1 to 2,000,000, got 0"),
        ("nin", True, r"config.nin must be a whole number, got True"),
        ("nin", 2.0, r"config.nin must be a whole number, got 2.0"),
        ("nin", 10**40, r"config.nin must be from 1 to 2,000,000"),
        ("nin", "2", r"config.nin must be a whole number, got '2'"),
        ("nouts", 4, r"config.nouts must be a list of 1 to 1000 layer widths, got 4"),
        ("nouts", [], r"config.nouts must be a list of 1 to 1000 layer widths"),
        ("nouts", [4, [1]], r"config.nouts \(each width\) must be a whole number"),
        ("nouts", [4, -1], r"config.nouts \(each width\) must be from 1"),
        ("activation", "evil", r"config.activation must be one of relu, tanh, sigmoid, linear"),
        ("activation", ["relu"], r"config.activation must be one of"),
        ("activation", {"a": 1}, r"config.activation must be one of .*JSON object of 1 items"),
        ("fused", 1, r"config.fused must be true or false, got 1"),
        ("dropout", 1.0, r"config.dropout must be a number in \[0, 1\), got 1.0"),
        ("dropout", "0", r"config.dropout must be a number in \[0, 1\)"),
    ],
)
def test_every_config_field_is_checked_and_named(tmp_path, field, value, message):
    state = MLP(2, [4, 1], seed=0).state_dict()
    path = write_document(tmp_path / "m.json", "MLP", dict(MLP_CONFIG, **{field: value}), state)
    assert_refused(path, message)


def test_missing_and_unknown_config_fields(tmp_path):
    state = MLP(2, [4, 1], seed=0).state_dict()
    config = {k: v for k, v in MLP_CONFIG.items() if k != "fused"}
    path = write_document(tmp_path / "m.json", "MLP", dict(config, evil=1), state)
    assert_refused(
        path,
        r"the config of a MLP has the fields .*; this one has missing fused and "
        r"unknown 'evil'",
    )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"class": ["MLP"]}, r"the class field is a JSON array of 1 items"),
        ({"class": {"MLP": 1}}, r"the class field is a JSON object of 1 items"),
        ({"class": "os.system"}, r"the class field is 'os.system'; this microgradpp can load"),
        ({"format": ["x"]}, r"not a microgradpp model file \(its format field is a JSON array"),
        ({"version": 10**300}, r"has format version an integer of about 300 digits, newer"),
        ({"version": "1"}, r"the version field is missing or not an int: '1'"),
        ({"version": 0}, r"unknown format version 0"),
        ({"config": [1]}, r"the config field must be a JSON object"),
        ({"state": [1]}, r"the state field must be a JSON object"),
        ({"checksum": 5}, r"the checksum field must be a string"),
    ],
)
def test_every_top_level_field_is_checked_and_named(tmp_path, change, message):
    state = MLP(2, [4, 1], seed=0).state_dict()
    path = write_document(tmp_path / "m.json", "MLP", MLP_CONFIG, state, change)
    assert_refused(path, message)


@pytest.mark.parametrize(
    "value, message",
    [
        (10**400, r"holds a number JSON cannot stand for: an integer of 401 digits"),
        (10**309, r"layer1.neuron1.w0 is not a finite float: an integer of about 309 digits"),
        (2**1024, r"layer1.neuron1.w0 is not a finite float"),
        ("1.0", r"layer1.neuron1.w0 is not a number: '1.0'"),
        (None, r"layer1.neuron1.w0 is not a number: None"),
        (True, r"layer1.neuron1.w0 is not a number: True"),
        ([1.0], r"layer1.neuron1.w0 is not a number: a JSON array of 1 items"),
    ],
)
def test_every_state_value_is_checked_and_named(tmp_path, value, message):
    state = MLP(2, [4, 1], seed=0).state_dict()
    state["layer1.neuron1.w0"] = value
    path = write_document(tmp_path / "m.json", "MLP", MLP_CONFIG, state)
    assert_refused(path, message)


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"version": ' + "9" * 5000 + "}", r"an integer of 5,000 digits"),
        ("[" * 100_000 + "]" * 100_000, r"nests JSON arrays or objects thousands of levels deep"),
        ('{"a":' * 100_000 + "1" + "}" * 100_000, r"thousands of levels deep"),
        ('{"format": NaN}', r"NaN is not a number a model file may hold"),
        ('{"format": -Infinity}', r"-Infinity is not a number a model file may hold"),
        ('{"format": 1, "format": 2}', r"the field 'format' appears twice in one object"),
        ("\ud800".encode("utf-8", "surrogatepass"), r"is not a text file \(not UTF-8\)"),
        (b"\xff\xfe{}", r"is not a text file \(not UTF-8\)"),
        ('"just a string"', r"holds a JSON str, not a model"),
        ("   \n", r"is empty"),
    ],
)
def test_corrupt_json_is_one_clear_error(tmp_path, text, message):
    path = tmp_path / "bad.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    assert_refused(path, message)
    with pytest.raises(SerializationError, match=str(path).replace("\\", "\\\\")):
        load(path)


def test_wrong_names_negative_variance_and_folders(tmp_path):
    state = MLP(2, [4, 1], seed=0).state_dict()
    renamed = {
        ("layer9.neuron1.w0" if k == "layer1.neuron1.w0" else k): v for k, v in state.items()
    }
    path = write_document(tmp_path / "m.json", "MLP", MLP_CONFIG, renamed)
    assert_refused(path, r"the state is missing layer1.neuron1.w0 and holds 'layer9.neuron1.w0'")
    bn = MLP(2, [3, 1], batchnorm=True, seed=0)
    bn_state = dict(bn.state_dict(), **{"layer1.batchnorm.running_var2": -1e-3})
    path = write_document(tmp_path / "bn.json", "MLP", bn.config(), bn_state)
    assert_refused(
        path,
        r"layer1.batchnorm.running_var2 is -0.001; a variance is never negative",
        MLP(2, [3, 1], batchnorm=True, seed=1),
    )
    with pytest.raises(SerializationError, match="is a folder, not a model file"):
        load(tmp_path)


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    from microgradpp import serialize

    monkeypatch.setattr(serialize, "MAX_FILE_BYTES", 100)
    path = write_document(tmp_path / "m.json", "MLP", MLP_CONFIG, MLP(2, [4, 1]).state_dict())
    with pytest.raises(SerializationError, match=r"bytes, more than a model file may be \(100 "):
        load(path)


@pytest.mark.parametrize(
    "module",
    [
        MLP(2, [4, 1]),
        MLP(3, [5, 4, 2], batchnorm=True, dropout=0.3),
        MLP(1, [1], batchnorm=True),
        MLP(2, [3, 3, 3, 1], activation="tanh", fused=False),
        Layer(3, 2, batchnorm=True, dropout=0.1),
        Layer(1, 1),
        Neuron(4),
        BatchNorm(3),
        Dropout(0.2),
    ],
)
def test_names_predicted_from_the_config_match_the_real_module(module, tmp_path):
    kind, config = type(module).__name__, module.config()
    names = list(_state_names(kind, config))
    assert len(names) == len(set(names)) and set(names) == set(module.state_dict())
    assert _state_size(kind, config) == len(module.state_dict())
    path = tmp_path / "m.json"
    save(module, path)
    assert load(path).state_dict() == module.state_dict()
    assert MAX_PARAMETERS >= 1_000_000


def _refusal(path, target=None):
    with pytest.raises((SerializationError, ValueError, TypeError)) as caught:
        load(path, model=target) if path is not None else target()
    return caught.value


@pytest.mark.parametrize(
    ("config", "state", "hant"),
    [
        (
            {k: v for k, v in MLP_CONFIG.items() if k != "fused"} | {"evil": 1}, None,
            "{path}：MLP 的 config 欄位是 nin、nouts、activation、output_activation、fused、"
            "batchnorm、dropout；這一個缺少 fused，有不認識的 'evil'",
        ),
        (dict(MLP_CONFIG, nouts=[4, 0]), None, "{path}：config.nouts（每個寬度都）必須在 1 到 "
         "2,000,000 之間，檔案裡是一個有 2 項的 JSON 陣列"),
        (dict(MLP_CONFIG, activation="relux"), None,
         "{path}：config.activation 必須是 relu、tanh、sigmoid、linear 之一，檔案裡是 'relux'"),
        (dict(MLP_CONFIG, dropout=1.5), None, "{path}：config.dropout 必須是 [0, 1) 之內的數字，"
         "檔案裡是 1.5"),
        (dict(MLP_CONFIG, fused="yes"), None,
         "{path}：config.fused 必須是 true 或 false，檔案裡是 'yes'"),
        (dict(MLP_CONFIG, nin=2.5), None, "{path}：config.nin 必須是整數，檔案裡是 2.5"),
        (dict(MLP_CONFIG, nouts=[5, 1]), None, "{path}：它的 config 描述的 MLP 有 21 個數字，"
         "state 裡卻有 17 個；檔案損壞了或被改過。什麼都沒有載入"),
        (dict(MLP_CONFIG, nin=1_000_000, nouts=[1000, 1]), None,
         "{path}：它的 config 描述的 MLP 有 1,000,002,001 個數字，超過模型檔能存放的上限"
         "（2,000,000，microgradpp.serialize.MAX_PARAMETERS）"),
        (MLP_CONFIG, {"layer1.neuron1.w0": "zero"}, "{path}：layer1.neuron1.w0 不是數字：'zero'"),
        (MLP_CONFIG, {"layer1.neuron1.w0": 10**309},
         "{path}：layer1.neuron1.w0 不是有限的浮點數：一個大約 309 位數的整數"),
        (MLP_CONFIG, {"layer1.neuron1.w0": None, "evil": 1.0},
         "{path}：state 缺少 layer1.neuron1.w0，卻有這個 MLP 沒有的 'evil'；什麼都沒有載入"),
    ],
)  # fmt: skip
def test_a_files_config_and_state_problems_are_said_in_traditional_chinese(
    tmp_path, config, state, hant
):
    numbers = MLP(2, [4, 1], seed=0).state_dict()
    for name, value in (state or {}).items():
        if value is None:
            del numbers[name]
        else:
            numbers[name] = value
    path = write_document(tmp_path / "m.json", "MLP", config, numbers)
    problem = _refusal(path)
    assert translated(problem, "zh-Hant") == hant.format(path=path)
    assert translated(problem, "en") == str(problem)


def test_loading_and_saving_refusals_are_said_in_chinese(tmp_path, saved):
    problem = _refusal(saved, MLP(2, [5, 1], seed=0))
    assert translated(problem, "zh-Hant") == (
        f"{saved} 是另一種架構的模型（nouts：模型是 [5, 1]，檔案是 [4, 1]）；什麼都沒有改動"
    )
    assert translated(problem, "zh-Hans") == (
        f"{saved} 是另一种架构的模型（nouts：模型是 [5, 1]，文件是 [4, 1]）；什么都没有改动"
    )
    path = tmp_path / "n.json"
    path.write_text('{"a": ' + "9" * 400 + "}")
    problem = _refusal(path)
    assert translated(problem, "zh-Hant") == (
        f"{path} 含有 JSON 無法表示的數字：一個 400 位數的整數（模型檔只存放大小和浮點數；最多 310 位數）"
    )
    path.write_text('{"a": NaN}')
    problem = _refusal(path)
    assert str(problem) == (
        f"{path} holds a number JSON cannot stand for: NaN is not a number a model file may hold "
        "(save refuses inf/nan)"
    )
    assert translated(problem, "zh-Hans") == (
        f"{path} 含有 JSON 无法表示的数字：NaN 不是模型文件可以存放的数字（save 不接受 inf/nan）"
    )
    problem = _refusal(None, lambda: save(Module(), tmp_path / "x.json"))
    assert translated(problem, "zh-Hant") == (
        "save() 只會重建 MLP、Layer、Neuron、BatchNorm、Dropout，不會重建 Module；"
        "其他的模組請自己儲存 model.state_dict()"
    )
    model = MLP(2, [1], seed=0)
    model.parameters()[0].data = float("inf")
    problem = _refusal(None, lambda: save(model, tmp_path / "x.json"))
    assert translated(problem, "zh-Hant") == (
        "無法儲存：layer1.neuron1.w0 是 inf（JSON 沒有 inf 或 nan）"
    )


@pytest.mark.parametrize(
    ("text", "english", "hant"),
    [
        ('{"a": }', "Expecting value at line 1, column 7", "第 1 行第 7 欄：這裡應該是一個值"),
        ('{"a" 1}', "Expecting ':' delimiter at line 1, column 6", "第 1 行第 6 欄：這裡應該是冒號 ':'"),
        ('{"a": 1} x', "Extra data at line 1, column 10", "第 1 行第 10 欄：後面還有多餘的資料"),
        ('{"a": "xx', "Unterminated string starting at at line 1, column 7",
         "第 1 行第 7 欄：字串從這裡開始，卻沒有結束"),
    ],
)  # fmt: skip
def test_jsons_own_reason_is_said_in_chinese(tmp_path, text, english, hant):
    path = tmp_path / "m.json"
    path.write_text(text, encoding="utf-8")
    problem = _refusal(path)
    assert str(problem).endswith(english)
    assert translated(problem, "zh-Hant").endswith(hant)
    assert english_sentences(translated(problem, "zh-Hans")) == []
