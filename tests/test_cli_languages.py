"""The command line in every language: every command's --help, a table of errors, train's summary
and its plots say nothing in English when the language is Chinese.

A new command is walked here without a line added: its help texts must be catalog messages
(``t("cli.<command>.<option>")`` in ``cli.py``, one entry per language in
``microgradpp/locale/*.json``), and an error it raises must be made with
``i18n.error(Kind, "catalog.key", **fields)`` so that ``microgradpp.cli`` can say it in the
command's language.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from microgradpp.cli import _subcommands, build_parser, main
from microgradpp.i18n import LANGUAGES, english_sentences, message

CHINESE = [lang for lang in LANGUAGES if lang != "en"]


def test_the_detector_finds_english_sentences_and_not_names():
    assert english_sentences("錯誤：no such file or folder") == ["no such file or folder"]
    assert english_sentences("The derivative of x is infinite") == [
        "The derivative of x is infinite"
    ]
    assert english_sentences("資料集：moons, xor, circles；請用 cross_entropy 或 --loss mse") == []
    assert english_sentences("用 adam（學習率 0.05）訓練 MLP 2-16-16-1") == []


def _commands() -> list[list[str]]:
    return [[], *([name] for name in _subcommands(build_parser("en")))]


def test_every_command_is_walked():
    names = [argv[0] for argv in _commands() if argv]
    assert {"examples", "example", "expr", "gradcheck", "train", "demo", "worksheet"} <= set(names)


@pytest.mark.parametrize("lang", CHINESE)
def test_every_commands_help_is_in_the_language(lang, capsys):
    for argv in _commands():
        assert main([*argv, "--help", "--lang", lang]) == 0
        help_text = capsys.readouterr().out
        assert english_sentences(help_text) == [], (argv, lang)
        english = (main([*argv, "--help", "--lang", "en"]), capsys.readouterr().out)[1]
        assert english_sentences(english), argv  # (the detector sees the English help)


ERRORS = [
    (["example", "nope"], 2, "cli.error.no_example"),
    (["expr", "x*y", "--at", "x=1", "y=2", "z=3"], 2, None),
    (["expr", "log(x)", "--at", "x=0", "--no-files"], 1, None),
    (["expr", "exp(x)", "--at", "x=1000", "--no-files"], 1, None),
    (["expr", "x**0.5", "--at", "x=0", "--no-files"], 1, "cli.gradient_error"),
    (["expr", "(x", "--at", "x=1"], 2, None),
    (["gradcheck", "x/y", "--at", "x=1", "y=0"], 1, None),
    (["train", "moons", "--loss", "mse"], 2, None),
    (["train", "sine", "--loss", "cross_entropy"], 2, None),
    (["train", "moons", "--epochs", "0"], 2, None),
    (["train", "moons", "--lr", "abc"], 2, None),
    (["train", "moons", "--hidden", "4", "--layers", "4"], 2, "cli.error.hidden_and_layers"),
    (["worksheet", "--students", "100000"], 2, None),
    (["train", "moons", "--layers", "20000", "20000"], 2, None),  # limits.parameters (MLP first)
    (["train", "moons", "--samples", "3000000"], 2, None),  # limits.samples (--samples first)
    (["train", "moons", "--samples", "1000000"], 2, "limits.step"),
    (["train", "moons", "--epochs", "1000000"], 2, "limits.epochs"),
    (["train", "moons", "--layers", *["1"] * 1000], 2, "limits.layers"),
    (["train", "moons", "--decay", "1e308", "--optimizer", "sgd"], 1, "limits.decay"),
    (["demo", "--epochs", "1000000"], 2, "limits.epochs"),
    (["expr", "x" + "+x" * 30000], 2, "expr.too_long"),
    (["exercise", "add-mul", "--at", "x=1"], 2, "cli.error.example_at"),
    (["exercise", "add-mul", "--digits", "9"], 2, "cli.error.exercise_digits"),
    (["expr", "x", "--at", "x=1", "--name", "a/b"], 2, None),
    (["example", "add-mul", "--out", "/proc/no/such/folder"], 1, "files.error.ENOENT"),
    (["nope"], 2, None),
    (["train"], 2, "argparse.required"),
    (["train", "moons", "--samples", "1"], 1, "data.test_size"),
    (["train", "digits", "--samples", "99999"], 1, "data.digits_total"),
]
"""argv, the exit code, and (where it is one message) the catalog id whose words must appear."""


@pytest.mark.parametrize("argv, code, key", ERRORS, ids=[" ".join(e[0]) for e in ERRORS])
def test_errors_are_said_in_every_language(argv, code, key, capsys):
    said = {}
    for lang in LANGUAGES:
        assert main([*argv, "--lang", lang]) == code, lang
        captured = capsys.readouterr()
        said[lang] = captured.err
        assert said[lang].strip(), (lang, "no error message")
    for lang in CHINESE:
        assert english_sentences(said[lang]) == [], (lang, said[lang])
        assert said[lang] != said["en"]
    if key is not None:
        for lang in LANGUAGES:
            start = re.split(r"\{|%", message(key, lang))[0].strip()
            assert start in said[lang], (lang, start)


@pytest.mark.parametrize("lang", CHINESE)
def test_train_says_its_summary_in_the_language(lang, capsys):
    assert main(["train", "moons", "--epochs", "1", "--quiet", "--loss", "cross_entropy",
                 "--lang", lang]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert english_sentences(out) == []
    assert "交叉熵（cross_entropy）" in out and "cross_entropy 損失" not in out


def test_a_gradient_error_says_the_same_in_each_language():
    from microgradpp import GradientError, Value
    from microgradpp.i18n import translated

    x = Value(0.0, label="x")
    with pytest.raises(GradientError) as caught:
        (x**0.5).backward()
    assert str(caught.value).startswith("backward: the gradient of x = 0.0 came out inf")
    assert translated(caught.value, "zh-Hant") == (
        "backward：x = 0.0 的梯度算出來是 inf；所有梯度都已還原。x ** 0.5 的導數是 0.5·x ** -0.5，"
        "在 x = 0 是無窮大（曲線在那裡是垂直的）。解決辦法：讓輸入離開 0，例如 (x + 1e-12) ** 0.5 "
        "或 x.max(1e-12) ** 0.5"
    )
    assert english_sentences(translated(caught.value, "zh-Hans")) == []


def test_a_training_overflow_gives_its_advice_in_the_language():
    from microgradpp import GateError
    from microgradpp.i18n import translated
    from microgradpp.nn import MLP
    from microgradpp.optim import SGD
    from microgradpp.train import fit

    model = MLP(2, [4, 1], seed=0)
    data = ([[1e150, -1e150], [2e150, 1e150]], [1.0, -1.0])
    with pytest.raises(GateError) as caught:
        fit(model, "mse", SGD(model.parameters(), lr=0.1), data, epochs=2, progress=False)
    said = translated(caught.value, "zh-Hant")
    assert said.endswith(message("training.advice", "zh-Hant"))
    assert english_sentences(said) == []


def test_an_error_prints_in_the_language_a_notebook_chose():
    """``set_language`` (a notebook's first cell) makes ``str(error)`` — what a traceback and
    ``print(error)`` show — speak that language; without it, and for English, it is English."""
    from microgradpp import GateError, Value
    from microgradpp.i18n import set_language

    def log_of_minus_one() -> GateError:
        with pytest.raises(GateError) as caught:
            Value(-1.0, label="p").log()
        return caught.value

    english = str(log_of_minus_one())
    assert english.startswith("log gate (log) with input p = -1.0: log is only defined for x > 0")
    try:
        set_language("zh-Hans")
        error = log_of_minus_one()
        assert str(error).startswith("log 门（log），输入 p = -1.0：log 只在 x > 0 时有定义")
        assert error.problem.startswith("log gate (log)")  # the attributes stay English
        set_language("en")
        assert str(log_of_minus_one()) == english
    finally:
        set_language(None)
    assert str(log_of_minus_one()) == english


@pytest.mark.parametrize(
    ("env", "args", "english"),
    [
        ({"LANG": "zh_TW.UTF-8", "PYTHONIOENCODING": "ascii"}, [], True),
        ({"LANG": "zh_CN.UTF-8", "PYTHONIOENCODING": "latin-1"}, [], True),
        ({"LANG": "C.UTF-8", "PYTHONIOENCODING": "ascii"}, ["--lang", "zh-Hant"], True),
        ({"LANG": "zh_TW.UTF-8", "PYTHONIOENCODING": "utf-8"}, [], False),
    ],
)
def test_a_stream_that_cannot_write_the_language_gets_english_not_question_marks(
    env, args, english, tmp_path
):
    """With LANG=zh_TW.UTF-8 and PYTHONIOENCODING=ascii every Chinese character came out as '?'."""
    finished = subprocess.run(
        [sys.executable, "-m", "microgradpp", "expr", "log(x)", "--at", "x=-1", "--no-files", *args],
        cwd=tmp_path, capture_output=True, timeout=60, check=False,
        env={**os.environ, "LC_ALL": "", **env},
    )  # fmt: skip
    err = finished.stderr.decode("utf-8")
    assert finished.returncode == 1
    if english:
        assert err.startswith("microgradpp expr: error: log gate (log) with input x = -1.0: log ")
        assert "?" not in err
    else:
        assert err.startswith("microgradpp expr：錯誤：log 閘（log）")


def _raised(make):
    with pytest.raises((ValueError, TypeError, RuntimeError, OSError, ArithmeticError)) as caught:
        make()
    return caught.value


def _python_errors():
    """What a student meets in a notebook: argument checks, sizes, data, loading and fit."""
    from microgradpp import Value, data, grad, nn
    from microgradpp.engine import linear
    from microgradpp.nn import MLP
    from microgradpp.optim import SGD, clip_grad_norm
    from microgradpp.serialize import load, save
    from microgradpp.steps.exercise import exercise_html
    from microgradpp.steps.notebook import InlinePage
    from microgradpp.train import Recipe
    from microgradpp.validation import fraction, integer, positive
    from microgradpp.viz import GraphView, plot_history, render

    return {
        "check.int_at_least": lambda: integer(0, "epochs", minimum=1),
        "check.int_type": lambda: integer("3", "n"),
        "check.number": lambda: positive(-1.0, "lr"),
        "check.need.interval": lambda: fraction(1.0, "dropout"),
        "nn.mlp_inputs": lambda: MLP(2, [3, 1], seed=0).forward_batch([[1.0, 2.0, 3.0]]),
        "nn.neuron_inputs": lambda: nn.Neuron(2, seed=0)([1.0]),
        "nn.unknown_choice": lambda: MLP(2, [3, 1], activation="relux"),
        "nn.nouts": lambda: MLP(2, 3),
        "data.x_y_lengths": lambda: data.train_test_split([[0.0], [1.0]], [1.0]),
        "data.too_few_for_classes": lambda: data.make_spiral(2, classes=3),
        "fit.lengths": lambda: _fit(([[0.0, 1.0]], [1.0, -1.0])),
        "fit.sample_width": lambda: _fit(([[0.0, 1.0, 2.0]], [1.0])),
        "fit.target": lambda: _fit(([[0.0, 1.0]], [0.5]), loss="hinge"),
        "fit.empty": lambda: _fit(([], [])),
        "fit.no_grad": lambda: _fit(([[0.0, 1.0]], [1.0]), no_grad=True),
        "load.missing": lambda: load(Path(tempfile.mkdtemp()) / "model.json"),
        "load.folder": lambda: load(tempfile.mkdtemp()),
        "load.truncated": lambda: load(_written('{"format": "microgradpp-model", "state": [1,')),
        "load.empty": lambda: load(_written("  \n")),
        "load.format": lambda: load(_written('{"format": "pickle"}')),
        "autograd.no_grad.backward": lambda: _computed_in_no_grad().backward(),
        "autograd.no_grad.grad": lambda: grad(_computed_in_no_grad(), Value(1.0)),
        "autograd.values_empty": lambda: grad([], Value(1.0)),
        "value.real_type": lambda: Value("3"),
        "value.label_length": lambda: Value(1.0, label="w" * 101),
        "engine.linear_lengths": lambda: linear([Value(1.0)], [1.0, 2.0], Value(0.0)),
        "nn.state_does_not_fit": lambda: MLP(2, [3, 1], seed=0).load_state_dict({"x": 1.0}),
        "load.architecture": lambda: load(_saved(MLP(2, [3, 1], seed=0)), MLP(2, [4, 1], seed=0)),
        "load.json_number": lambda: load(_written('{"a": NaN}')),
        "load.config_fields": lambda: load(_saved(MLP(2, [1], seed=0), config={"x": 1})),
        "save.kind": lambda: save(nn.Module(), Path(tempfile.mkdtemp()) / "model.json"),
        "viz.too_large": lambda: GraphView.of(sum(Value(float(i)) for i in range(50)), max_nodes=2),
        "viz.render.suffix": lambda: render(Value(1.0), Path(tempfile.mkdtemp()) / "x.jpg"),
        "plot.empty_history": lambda: plot_history({"epochs": [], "loss": []}),
        "optim.step.not_finite": lambda: SGD([_with_grad(float("nan"))], lr=0.1).step(),
        "optim.finite_grads": lambda: clip_grad_norm([_with_grad(float("inf"))], 1.0),
        "page.error.height": lambda: InlinePage("<p>", height=50),
        "train.unknown": lambda: Recipe(dataset="moonz"),
        "exercise.error.worked_all": lambda: exercise_html(Value(2.0) * 3, worked=5),
    }


def _saved(model, config=None):
    from microgradpp.serialize import save

    path = Path(tempfile.mkdtemp()) / "model.json"
    save(model, path)
    if config is not None:
        document = json.loads(path.read_text("utf-8"))
        document["config"] = config
        path.write_text(json.dumps(document), "utf-8")
    return path


def _with_grad(grad):
    from microgradpp import Value

    parameter = Value(1.0, label="w")
    parameter.grad = grad
    return parameter


def _computed_in_no_grad():
    from microgradpp import Value, no_grad

    with no_grad():
        return Value(2.0) * 3


def _written(text):
    path = Path(tempfile.mkdtemp()) / "model.json"
    path.write_text(text, encoding="utf-8")
    return path


def _fit(data, loss="mse", no_grad=False):
    from microgradpp import no_grad as without_graph
    from microgradpp.nn import MLP
    from microgradpp.optim import SGD
    from microgradpp.train import fit

    model = MLP(2, [3, 1], seed=0)
    with without_graph() if no_grad else contextlib.nullcontext():
        fit(model, loss, SGD(model.parameters(), lr=0.1), data, epochs=1, progress=False)


@pytest.mark.parametrize("key", sorted(_python_errors()))
def test_python_errors_keep_their_english_and_are_said_in_chinese(key):
    from microgradpp.i18n import translated

    problem = _raised(_python_errors()[key])
    english = str(problem)
    assert translated(problem, "en") == english
    for lang in CHINESE:
        said = translated(problem, lang)
        assert said != english and english_sentences(said) == [], (lang, said)
        words = max(re.split(r"\{[^}]*\}", message(key, lang)), key=len).strip()
        assert words in said, (lang, words)


# Every error microgradpp raises on purpose is a catalog message: tools/english_raises.py finds no
# raise that writes an English sentence in place (it would be English in a Chinese notebook), but
# these, English on purpose: Python's own AttributeError wording, the language errors of i18n
# itself (no language is known when the language is what failed), and "cannot happen" checks.
ENGLISH_ON_PURPOSE = {
    ("__init__.py", "module 'microgradpp' has no attribute {…}"),
    ("assignments/variants.py", "no new level-{…} graph for {…}"),
    ("i18n.py", "a language must be a string such as 'zh-Hant', got {…}"),
    ("i18n.py", "no catalog for the language {…}; the languages are: {…}"),
    ("i18n.py", "no message {…} in the catalogs"),
    ("practice.py", "no readable level-{…} problem after {…} draws"),
    ("steps/page.py", "dot drew {…} pictures for {…} frames"),
}


def _english_raises_tool():
    spec = importlib.util.spec_from_file_location(
        "english_raises", Path(__file__).resolve().parent.parent / "tools/english_raises.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_no_error_is_written_in_english_in_place(tmp_path):
    tool = _english_raises_tool()
    found = {
        (path.relative_to(tool.PACKAGE).as_posix(), text)
        for path in sorted(tool.PACKAGE.rglob("*.py"))
        for _, text in tool.english_raises(path)
    }
    assert found - ENGLISH_ON_PURPOSE == set(), (
        "say these through the catalogs: raise error(Kind, 'key', **fields) (microgradpp.i18n)"
    )
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(x):\n"
        "    if x:\n"
        "        raise ValueError(f'x must be positive, got {x}')\n"
        "    message = 'no such file'\n"
        "    raise OSError(message)\n"
        "    raise error(ValueError, 'check.int_type', name='x')\n"
    )
    assert tool.english_raises(sample) == [(3, "x must be positive, got {…}"), (5, "no such file")]
