"""The command line, run as a user runs it: ``python -m microgradpp …`` in a subprocess."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from microgradpp.cli import main
from microgradpp.i18n import english_sentences

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)
PNG = b"\x89PNG\r\n\x1a\n"


def cli(*args: str, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "microgradpp", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def assert_svg(path):
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_help_everywhere(tmp_path):
    finished = cli("--help", cwd=tmp_path)
    assert finished.returncode == 0
    for command in ("examples", "example", "expr", "gradcheck", "train", "demo"):
        assert command in finished.stdout
    for command in ("examples", "example", "expr", "gradcheck", "train", "demo"):
        assert main([command, "--help"]) == 0


def test_examples_lists_every_example(tmp_path):
    finished = cli("examples", cwd=tmp_path)
    assert finished.returncode == 0
    names = [line.split()[0] for line in finished.stdout.splitlines()[:6]]
    assert names == [
        "add-mul",
        "sigmoid-neuron",
        "sigmoid-neuron-fused",
        "max-circuit",
        "two-layer",
        "xor",
    ]


@needs_dot
def test_example_prints_the_table_and_writes_its_files(tmp_path):
    finished = cli("example", "sigmoid-neuron", "--out", "pictures", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert " 1  w0    leaf               2  -0.1966" in finished.stdout
    assert "15  f     1/x   d       0.7311        1" in finished.stdout
    out = tmp_path / "pictures"
    assert_svg(out / "sigmoid-neuron-forward.svg")
    assert_svg(out / "sigmoid-neuron-backward.svg")
    page = (out / "sigmoid-neuron-steps.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<section class="frame" id="step-[1-9]', page)) == 8
    for name in (
        "sigmoid-neuron-forward.svg",
        "sigmoid-neuron-backward.svg",
        "sigmoid-neuron-steps.html",
    ):
        assert f"pictures/{name}" in finished.stdout


@needs_dot
@pytest.mark.parametrize(("format", "magic"), [("png", PNG), ("pdf", b"%PDF-")])
def test_example_in_other_formats(tmp_path, format, magic):
    finished = cli("example", "max-circuit", "--format", format, "--out", ".", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert (tmp_path / f"max-circuit-backward.{format}").read_bytes().startswith(magic)
    assert "9  f     ×     s, 2      -20     1" in finished.stdout


def test_example_with_only_the_bundled_dot_draws_svg_pages_and_dot_files_for_pdf(tmp_path):
    """graphviz-pure (pip's dot) draws every SVG and the step page; a PDF it cannot draw is
    written as .dot with the reason and the way out."""
    from microgradpp.viz.dot import _bundled_program

    if _bundled_program() is None:
        pytest.skip("graphviz-pure is not installed")
    env = {**os.environ, "MICROGRADPP_DOT": "bundled"}
    finished = cli("example", "add-mul", "--out", "svg", "--lang", "zh-Hant", cwd=tmp_path, env=env)
    assert finished.returncode == 0, finished.stderr
    assert_svg(tmp_path / "svg" / "add-mul-backward.svg")
    page = (tmp_path / "svg" / "add-mul-steps.html").read_text(encoding="utf-8")
    frames = re.findall(r'<section class="frame" id="([a-z]+-\d+)"', page)
    assert frames == ["forward-0", "forward-1", "forward-2", "step-0", "step-1", "step-2"]
    assert page.count("<svg") >= 6 and "反向傳播" in page
    finished = cli("example", "add-mul", "--format", "pdf", "--out", "pdf", cwd=tmp_path, env=env)
    assert finished.returncode == 0, finished.stderr
    assert sorted(path.name for path in (tmp_path / "pdf").iterdir()) == [
        "add-mul-backward.dot",
        "add-mul-forward.dot",
        "add-mul-steps.html",
    ]
    assert "No pdf pictures (written as .dot): PDF needs Graphviz's own dot" in finished.stderr


def test_example_two_layer_prints_the_bp_equations_without_files(tmp_path, capsys):
    assert main(["example", "two-layer", "--no-files", "--out", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "BP1  δ2 = ∂C/∂z2" in out and out.count("(agrees)") == 12
    assert not (tmp_path / "none").exists()


@needs_dot
def test_expr_of_a_students_expression(tmp_path):
    finished = cli("expr", "(x+y)*z", "--at", "x=-2", "y=5", "z=-4", "--out", "o", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines()[0] == "f = (x+y)*z   at x = -2, y = 5, z = -4"
    assert "3  x+y   +     x, y        3    -4" in finished.stdout
    assert "5  f     ×     x+y, z    -12     1" in finished.stdout
    assert_svg(tmp_path / "o" / "expr-forward.svg")
    assert (tmp_path / "o" / "expr-steps.html").stat().st_size > 1000


def test_bad_expression_is_a_usage_error_pointing_at_the_character(tmp_path):
    finished = cli("expr", "(x + y", "--at", "x=1", "y=2", cwd=tmp_path)
    assert finished.returncode == 2
    assert (
        "microgradpp expr: error: expected ')' to close the '(' at column 1\n    (x + y\n          ^"
        in finished.stderr
    )
    assert "Traceback" not in finished.stderr and finished.stdout == ""


def test_math_error_is_a_runtime_error_without_traceback(tmp_path, capsys):
    assert main(["expr", "log(x)", "--at", "x=-1", "--no-files"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("microgradpp expr: error: log gate (log) with input x = -1.0")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["expr", "x*y", "--at", "x=1"], "no value given for y"),
        (["expr", "x", "--at", "x=abc"], "argument --at: the value of x is not a number: 'abc'"),
        (["expr", "x", "--at", "x=1", "x=2"], "--at gives x twice"),
        (["expr", "x", "--at", "x"], "'x' is not NAME=VALUE"),
        (["example", "nope"], "no example called 'nope'; the examples are: add-mul"),
        (["train", "banana"], "invalid choice: 'banana'"),
        (["train", "moons", "--epochs", "0"], "expected a positive whole number, got '0'"),
        (["train", "moons", "--loss", "mse"], "error: the mse loss does not fit moons (2 classes)"),
        (
            ["train", "spiral", "--loss", "hinge"],
            "error: the hinge loss needs two classes; spiral has 3 (use cross_entropy)",
        ),
        (["train", "sine", "--loss", "hinge"], "the hinge loss does not fit sine (a regression"),
        (["train", "moons", "--hidden", "4", "--layers", "4"], "--layers, not both"),
        (["train", "moons", "--test-split", "1"], "expected a number from 0 to below 1, got '1'"),
        (["train", "moons", "--dropout", "-0.5"], "argument --dropout: expected a number from 0"),
        (["train", "moons", "--decay", "-1"], "argument --decay: expected a number >= 0, got '-1'"),
        (["train", "moons", "--loss", "nope"], "argument --loss: invalid choice: 'nope'"),
        (["bogus"], "invalid choice: 'bogus'"),
        ([], "usage: microgradpp"),
    ],
)
def test_usage_errors_exit_with_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_gradcheck_prints_the_table_and_fails_at_a_kink(tmp_path):
    finished = cli("gradcheck", "x*y + exp(x)", "--at", "x=1", "y=2", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    lines = finished.stdout.splitlines()
    assert lines[1].startswith("gradcheck: all 2 inputs ok")
    assert re.match(r"x\s+4\.718281828\s+4\.71828\d*\s+\S+\s+ok$", lines[3])
    assert main(["gradcheck", "relu(x)", "--at", "x=0"]) == 1  # relu'(0) = 0; numerically 0.5


def test_train_prints_accuracy_and_writes_plots(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    finished = cli("train", "xor", "--epochs", "3", "--plot", "plots", cwd=tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == (
        "xor: MLP 2-16-16-1 (tanh), 337 parameters, 3 epochs of adam (lr 0.05), hinge loss\n"
        "train: loss 0.4132, accuracy 100.0% on 4 points\n"  # xor keeps no test points
        "\nwrote:\n"
        "  plots/xor-history.png\n"
        "  plots/xor-boundary.png\n"
        "  plots/xor-gradient-flow.png\n"
    )
    assert "3/3" in finished.stderr  # the progress bar
    for name in ("xor-history.png", "xor-boundary.png", "xor-gradient-flow.png"):
        assert (tmp_path / "plots" / name).read_bytes().startswith(PNG)


def test_train_names_its_loss_and_reports_train_and_test_accuracy(capsys):
    assert main(["train", "moons", "--optimizer", "momentum", "--epochs", "2", "--samples", "10",
                 "--quiet"]) == 0  # fmt: skip
    assert capsys.readouterr().out == (
        "moons: MLP 2-16-16-1 (relu), 337 parameters, 2 epochs of momentum (lr 0.05), hinge loss\n"
        "train: loss 0.5641, accuracy 100.0% on 7 points\n"
        "test:  loss 1.3591, accuracy 33.3% on 3 points\n"
    )


@pytest.mark.parametrize(("optimizer", "lr"), [("sgd", "0.2"), ("rmsprop", "0.01"),
                                               ("adamw", "0.05")])  # fmt: skip
def test_train_with_each_optimizer_at_its_own_learning_rate(optimizer, lr, capsys):
    assert main(["train", "moons", "--optimizer", optimizer, "--epochs", "2", "--samples", "10",
                 "--quiet"]) == 0  # fmt: skip
    assert f", 2 epochs of {optimizer} (lr {lr}), hinge loss\n" in capsys.readouterr().out


def test_train_every_new_option_reaches_the_run(capsys):
    argv = ["train", "moons", "--epochs", "5", "--batch-size", "25", "--loss",
            "binary_cross_entropy", "--layers", "8", "--activation", "tanh", "--decay", "1e-4",
            "--clip", "1", "--dropout", "0.1", "--test-split", "0.2", "--quiet"]  # fmt: skip
    assert main(argv) == 0
    assert capsys.readouterr().out == (
        "moons: MLP 2-8-1 (tanh), 33 parameters, 5 epochs of adam (lr 0.05), "
        "binary_cross_entropy loss\n"
        "train: loss 0.3121, accuracy 85.0% on 80 points\n"
        "test:  loss 0.2353, accuracy 85.0% on 20 points\n"
    )


def test_train_says_when_a_run_dies_because_most_relus_are_dead(capsys):
    assert main(["train", "moons", "--optimizer", "sgd", "--lr", "100", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "train: loss 20.0978, accuracy 49.3% on 75 points\n" in captured.out
    assert captured.err == (
        "microgradpp train: the run died: accuracy 49.3% is no better than always answering "
        "the most common class (50.7%), and most ReLUs are dead: 66% of the hidden ReLUs "
        "(layer1 31%, layer2 100%) output 0 for every input of the last batch. A dead ReLU passes "
        "no gradient back, so the weights before it stop learning. Try a smaller learning rate "
        "(it was 100), or the tanh activation.\n"
    )


def test_train_says_when_a_short_run_has_not_learned_yet(capsys):
    argv = ["train", "spiral", "--epochs", "1", "--samples", "9", "--hidden", "4", "--quiet"]
    assert main(argv) == 0  # not dead: more epochs can fix it
    captured = capsys.readouterr()
    assert captured.out == (
        "spiral: MLP 2-4-4-3 (relu), 47 parameters, 1 epoch of adam (lr 0.02), cross_entropy loss\n"
        "train: loss 1.0965, accuracy 50.0% on 6 points\n"
        "test:  loss 1.2493, accuracy 0.0% on 3 points\n"
    )
    assert captured.err == (
        "microgradpp train: the network has not learned yet: accuracy 50.0% is no better than "
        "always answering the most common class (50.0%). Try more epochs or another learning "
        "rate (it was 0.02).\n"
    )


def test_train_sine_is_a_regression_that_reports_its_loss(capsys):
    assert main(["train", "sine", "--epochs", "40", "--samples", "30", "--quiet"]) == 0
    assert capsys.readouterr().out == (
        "sine: MLP 1-16-16-1 (tanh), 321 parameters, 40 epochs of adam (lr 0.02), mse loss\n"
        "train: loss 0.0141 on 22 points\n"
        "test:  loss 0.0213 on 8 points\n"
    )


def test_a_dataset_added_to_the_registry_is_a_cli_choice(monkeypatch, capsys):
    from microgradpp import data

    line = data.DatasetEntry(lambda n, seed: data.make_function(n, lambda x: 2 * x), 20, 0, "2x")
    monkeypatch.setitem(data.DATASETS, "line", line)
    assert main(["train", "line", "--epochs", "30", "--test-split", "0", "--quiet"]) == 0
    assert capsys.readouterr().out.startswith("line: MLP 1-16-16-1 (relu), 321 parameters, ")


@needs_dot
def test_a_graph_too_big_to_draw_still_gets_its_table(tmp_path, capsys):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    text = "+".join(f"x*{i}" for i in range(120))  # 360 nodes
    assert main(["expr", text, "--at", "x=1", "--out", str(tmp_path)]) == 1  # files promised
    captured = capsys.readouterr()
    assert "360  f" in captured.out
    assert "No forward picture: this graph has 360 Values" in captured.err
    assert "No step-by-step page: this graph has 360 nodes" in captured.err
    assert (
        "microgradpp expr: not written: forward picture, backward picture, step-by-step page "
        "(see above). The table is complete; --no-files prints only the table" in captured.err
    )
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_a_graph_too_big_to_draw_says_which_files_are_missing_in_chinese(tmp_path, capsys):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    text = "+".join(f"x*{i}" for i in range(120))  # 360 nodes
    argv = ["expr", text, "--at", "x=1", "--out", str(tmp_path), "--lang", "zh-Hant"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert (
        "沒有前向傳播圖：這張計算圖有 360 個 Value：要畫 479 個方塊和圓圈、597 條線，超過 max_nodes=400 "
        "的上限（400 個方塊和圓圈、800 條線）：Graphviz 要花幾十秒。這裡沒有能收合的東西（網路的參數是靠 "
        "'layer1.neuron3.w0' 這樣的標籤認出來的）；可以畫其中較小的一部分（單一資料點而不是整個批次），"
        "或提高上限：draw_graph(..., max_nodes=479)。\n"
    ) in err
    assert "沒有逐步講解網頁：這張計算圖有 360 個節點；逐步講解網頁只做得出最多 " in err
    assert "前向傳播圖、反向傳播圖、逐步講解網頁" in err
    assert english_sentences(err) == []


def test_without_the_graphviz_package_the_table_is_still_printed(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz now fails
    assert main(["example", "add-mul", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "5  f     ×     q, z      -12     1" in captured.out
    assert "No pictures: draw_graph needs the graphviz Python package: pip install" in captured.err
    assert list(tmp_path.iterdir()) == []


def test_a_bad_expression_prints_only_the_pointed_error():
    result = subprocess.run(
        [sys.executable, "-m", "microgradpp", "expr", "(x + y", "--at", "x=1", "y=2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "microgradpp expr: error: expected ')' to close the '(' at column 1\n"
        "    (x + y\n"
        "          ^\n"
    )


# -- every size a command accepts is bounded before any work ------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["train", "moons", "--layers", "20000", "20000"],
            "MLP 2-20000-20000-1 would have 400,100,001 parameters; a network may have at "
            "most 2,000,000",
        ),
        (["train", "moons", "--hidden", "5000"], "MLP 2-5000-5000-1 would have 25,025,001"),
        (["train", "moons", "--layers", *["1"] * 1000], "layers: at most 999 hidden layers"),
        (
            ["train", "moons", "--samples", "3000000"],
            "samples must be at most 1,000,000 (microgradpp.data.MAX_SAMPLES), got 3,000,000",
        ),
        (
            ["train", "moons", "--samples", "1000000"],
            "one step of 750,000 samples through 337 parameters would build a graph of 252,750,000 "
            "entries (about 12.6 GB); at most 20,000,000",
        ),
        (["train", "moons", "--epochs", "1000000"], "epochs must be at most 100,000 for a recipe"),
        (["demo", "--epochs", "1000000"], "epochs must be at most 100,000 for a recipe"),
        (["expr", "x" + "+x" * 30000], "the expression is 60,001 characters long; at most 50,000"),
        (["exercise", "x" + "+x" * 30000], "the expression is 60,001 characters long"),
        (["worksheet", "--students", "100000"], "--students: at most 500, got 100000"),
    ],
)
def test_every_size_a_command_accepts_is_refused_before_any_work(argv, message, capsys, tmp_path):
    """Each says the limit and why, with exit 2, before any data, network or file is made (these
    took gigabytes and ended in MemoryError after 40–50 s)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_exercise_stays_inside_the_commands_graphviz_budget(monkeypatch, tmp_path, capsys):
    """A 150-term sum of one variable (447 wires) took 30 s of Graphviz, beyond the 25 s a
    command's pictures get; now the exercise page runs inside that budget (here cut to 1 s)."""
    import microgradpp.outputs

    monkeypatch.setattr(microgradpp.outputs, "GRAPH_FILES_SECONDS", 1.0)
    out = tmp_path / "exercise.html"
    assert main(["exercise", "+".join(["x"] * 150), "--at", "x=1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    took = re.search(r"Graphviz took more than ([\d.]+) s|no time was left", err)
    assert took is not None, err
    assert took.group(1) is None or float(took.group(1)) <= 1.0
    assert not out.exists()


def test_without_graphviz_the_command_says_so_in_its_language(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MICROGRADPP_DOT", "none")
    out = str(tmp_path / "o")
    assert main(["example", "add-mul", "--out", out, "--lang", "zh-Hant"]) == 0
    assert capsys.readouterr().err == (
        "沒有安裝 Graphviz 的 dot 程式，所以圖寫成了 .dot 檔，也沒有逐步講解網頁。"
        "pip install 'microgradpp[viz]' 會裝好一個（graphviz-pure，不需要系統管理員權限）；"
        "或安裝 Graphviz：sudo apt-get install graphviz（Debian/Ubuntu）、brew install graphviz"
        "（macOS）或 winget install graphviz（Windows）。然後再執行一次這個指令"
        "（或把單一檔案轉成圖：dot -Tsvg FILE.dot -o FILE.svg）。\n"
    )
    assert main(["example", "add-mul", "--out", out, "--lang", "zh-Hans"]) == 0
    assert capsys.readouterr().err.startswith(
        "没有安装 Graphviz 的 dot 程序，所以图写成了 .dot 文件"
    )
    assert main(["example", "add-mul", "--out", out]) == 0
    assert "Graphviz's dot program is not installed, so the pictures" in capsys.readouterr().err


@needs_dot
def test_rankdir_wrap_turns_a_long_chain_as_the_library_does(tmp_path, capsys):
    from microgradpp.examples import get_example
    from microgradpp.viz import to_svg

    size = re.compile(r'<svg width="([\d.]+pt)" height="([\d.]+pt)"')
    argv = ["example", "sigmoid-neuron", "--out", str(tmp_path), "--mode", "forward", "--rankdir"]
    assert main([*argv, "wrap"]) == 0
    written = size.search((tmp_path / "sigmoid-neuron-forward.svg").read_text(encoding="utf-8"))
    root = get_example("sigmoid-neuron").run()
    wrapped = size.search(to_svg(root, mode="forward", rankdir="wrap"))
    lr = size.search(to_svg(root, mode="forward", rankdir="LR"))
    assert written and wrapped and lr
    assert written.groups() == wrapped.groups() != lr.groups()
    page = (tmp_path / "sigmoid-neuron-steps.html").read_text(encoding="utf-8")
    assert set(size.findall(page)) == {wrapped.groups()}  # every frame of the page, wrapped too
    assert main([*argv, "RL"]) == 2  # the library's other directions are not offered
    said = capsys.readouterr().err.replace("'", "")  # Python 3.12 quotes the choices
    assert "argument --rankdir: invalid choice: RL (choose from auto, LR, TB, wrap)" in said


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "wrap (left to right, a long chain turned once into two rows)"),
        ("zh-Hant", "wrap（由左至右，長鏈轉折一次，分成兩排）"),
        ("zh-Hans", "wrap（从左到右，长链转折一次，分成两排）"),
    ],
)
def test_rankdir_wrap_is_explained_in_the_help(lang, words, capsys):
    assert main(["--lang", lang, "expr", "--help"]) == 0
    shown = "".join(capsys.readouterr().out.split())  # argparse breaks lines where it likes
    assert "--rankdir{auto,LR,TB,wrap}" in shown
    assert "".join(words.split()) in shown
