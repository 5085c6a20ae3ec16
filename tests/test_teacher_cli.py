"""Defects found by trying the command line as a teacher would (issue 12, §5), one test each.

An expression may start with a minus; ``--at x=−2`` takes the minus sign the tables print; a
variable named f does not share its name with the result; ``--name`` keeps earlier files; the
remedy of an error fits an expression (no learning rate); gradcheck says why it fails at a kink
or where ε steps out of a gate's domain; x/2 is drawn as × 0.5.
"""

from __future__ import annotations

import math
import shutil

import pytest

from microgradpp import GATES, Value, topological_order
from microgradpp.cli import main
from microgradpp.expr import evaluate, parse
from microgradpp.gradcheck import gradcheck

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is missing")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def rows(table: str) -> dict[str, list[str]]:
    """The node table as {node name: [gate, inputs…, value, grad]} (names must be unique)."""
    lines = [line.split() for line in table.strip().splitlines() if line[:1].isdigit()]
    named = {cells[1]: cells[2:] for cells in lines}
    assert len(named) == len(lines), f"two rows share a name: {table}"
    return named


# ------------------------------------------------------------------------------------------------
# The command line reads what a teacher types
# ------------------------------------------------------------------------------------------------


def test_an_expression_may_start_with_a_minus(capsys):
    code, out, err = run(capsys, "expr", "-x*y", "--at", "x=2", "y=3", "--no-files")
    assert (code, err) == (0, "")
    assert out.startswith("f = -x*y   at x = 2, y = 3\n")
    table = rows(out)
    assert table["f"][-2:] == ["-6", "1"]
    assert table["x"][-2:] == ["2", "-3"] and table["y"][-2:] == ["3", "-2"]
    code, out, _ = run(capsys, "gradcheck", "-(x+1)", "--at", "x=0.5")
    assert code == 0 and out.startswith("f = -(x+1)\ngradcheck: all 1 input ok")
    code, _, err = run(capsys, "expr", "-h")  # -h still asks for help
    assert code == 0


def test_at_understands_the_unicode_minus_the_tables_print(capsys):
    code, out, err = run(capsys, "expr", "x*y", "--at", "x=\u22122", "y=5", "--no-files")
    assert (code, err) == (0, "")
    assert rows(out)["f"][-2:] == ["-10", "1"]


@pytest.mark.parametrize(
    ("typed", "ascii"),
    [
        ("x\u2212y", "x-y"),
        ("\u2212x*y", "-x*y"),
        ("x*\u22122", "x*-2"),
        ("exp(\u2212x)", "exp(-x)"),
        ("x\u00d7y \u00f7 2", "x*y / 2"),
        ("x\u00b7y", "x*y"),
    ],
)
def test_expr_reads_the_operators_our_own_output_prints(capsys, typed, ascii):
    at = [name for name in ("x=2", "y=3") if name[0] in typed]
    code, out, err = run(capsys, "expr", typed, "--at", *at, "--no-files")
    assert (code, err) == (0, "")
    typed_table = out.split("\n", 1)[1]  # (the first line repeats the expression as typed)
    code, out, _ = run(capsys, "expr", ascii, "--at", *at, "--no-files")
    assert code == 0 and typed_table == out.split("\n", 1)[1]


def test_every_command_that_takes_an_expression_takes_one_starting_with_a_minus(capsys, tmp_path):
    code, out, err = run(capsys, "expr", "--no-files", "-x*y", "--at", "x=2", "y=3")
    assert (code, err) == (0, "") and rows(out)["f"][-2:] == ["-6", "1"]
    code, out, err = run(capsys, "gradcheck", "-x*y", "--eps", "1e-6", "--at", "x=2", "y=3")
    assert (code, err) == (0, "") and out.startswith("f = -x*y\ngradcheck: all 2 inputs ok")
    page = tmp_path / "neg.html"
    code, out, err = run(capsys, "exercise", "-x*y", "--at", "x=2", "y=3", "--out", str(page))
    assert (code, err) == (0, "") and page.exists()
    code, _, err = run(capsys, "exercise", "-x*y", "--at", "x=2", "--out", str(page))
    assert code == 2 and "no value given for y" in err


@pytest.mark.parametrize("value", ["\u22122", "-2", "\uff0d\uff12", " -2"])
def test_at_reads_a_number_as_an_expression_writes_it(capsys, value):
    code, out, err = run(capsys, "expr", "x*y", "--at", f"x={value}", "y=5", "--no-files")
    assert (code, err) == (0, "")
    assert rows(out)["f"][-2:] == ["-10", "1"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1/2", "argument --at: the value of x is not a number: '1/2'"),
        ("inf", "argument --at: the value of x is not a number: 'inf'"),
        ("1e999", "argument --at: the value of x must be finite, got '1e999'"),
    ],
)
def test_at_refuses_what_is_not_a_number(capsys, value, message):
    code, _, err = run(capsys, "expr", "x", "--at", f"x={value}", "--no-files")
    assert code == 2 and message in err


def test_a_variable_named_f_keeps_its_name_and_the_result_becomes_g(capsys):
    code, out, _ = run(capsys, "expr", "f*2", "--at", "f=3", "--no-files")
    assert code == 0 and out.startswith("g = f*2   at f = 3\n")
    table = rows(out)
    assert table["f"] == ["leaf", "3", "2"] and table["g"] == ["×", "f,", "2", "6", "1"]
    assert evaluate("f*g + h", {"f": 1, "g": 2, "h": 3}).label == "out"
    assert parse("x").root_name() == "f" and parse("f*g*h*out").root_name() == "out1"


@needs_dot
def test_name_gives_each_expression_its_own_files(capsys, tmp_path):
    out_dir = str(tmp_path)
    assert run(capsys, "expr", "x*y", "--at", "x=1", "y=2", "--out", out_dir)[0] == 0
    code, out, _ = run(
        capsys, "expr", "x+y", "--at", "x=1", "y=2", "--out", out_dir, "--name", "sum"
    )
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "expr-backward.svg", "expr-forward.svg", "expr-steps.html",
        "sum-backward.svg", "sum-forward.svg", "sum-steps.html",
    ]  # fmt: skip
    assert "sum-steps.html" in out


@pytest.mark.parametrize("bad", ["a/b", "", "..", " x", "a:b"])
def test_name_must_be_the_start_of_a_file_name(capsys, bad):
    code, _, err = run(capsys, "expr", "x", "--at", "x=1", "--name", bad)
    assert code == 2
    assert f"argument --name: {bad!r} cannot start a file name" in err


# ------------------------------------------------------------------------------------------------
# Advice that fits an expression
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "at", "message"),
    [
        (
            "exp(x)",
            "x=1000",
            "microgradpp expr: error: exp gate (exp) with input x = 1000.0: exp(1000.0) overflows "
            "a float (the largest input is 709.78). Remedy: choose other values with --at\n",
        ),
        (
            "log(x)",
            "x=-1",
            "microgradpp expr: error: log gate (log) with input x = -1.0: log is only defined for "
            "x > 0, got x = -1.0. Remedy: choose other values with --at\n",
        ),
        (
            "x*y",
            "x=1e200 y=1e200",
            "microgradpp expr: error: mul gate (×) with input x = 1e+200, y = 1e+200: 1e+200 × "
            "1e+200 is beyond the largest float (about 1.8e308). Remedy: choose other values with "
            "--at\n",
        ),
        (
            "1/x",
            "x=1e-160",
            "microgradpp expr: error: backward: the gradient of x = 1e-160 came out -inf; a float "
            "cannot hold it. Remedy: choose other values with --at\n",
        ),
    ],
)
def test_expression_errors_give_expression_remedies(capsys, expression, at, message):
    code, _, err = run(capsys, "expr", expression, "--at", *at.split(), "--no-files")
    assert code == 1
    assert err == message
    assert "learning rate" not in err


# ------------------------------------------------------------------------------------------------
# gradcheck says why it fails
# ------------------------------------------------------------------------------------------------


def test_gradcheck_at_a_kink_says_it_is_a_kink(capsys):
    code, out, _ = run(capsys, "gradcheck", "relu(x)", "--at", "x=0")
    assert code == 1
    assert out.splitlines()[-1] == (
        "why x failed: relu's input x = 0 is at its kink at 0 (slope 0 on the left, 1 on the "
        "right). A kink has no derivative: the central difference averages the slopes on its two "
        "sides, while backward() uses a convention (relu'(0) = 0, a tie of max splits the "
        "gradient ½/½, as PyTorch). Check at a point away from the kink."
    )
    (row,) = gradcheck(lambda x: (x - 1.0).relu(), [1.0])
    assert row.note.startswith("relu's input (= 0) is at its kink at 0")
    assert gradcheck(lambda x, y: x.max(y), [2.0, 2.0])  # a tie of max: ½ is also the difference
    report = gradcheck(lambda x, y: x.relu() * y, [Value(0.0, label="x"), Value(3.0, label="y")])
    assert [(r.name, r.ok, bool(r.note)) for r in report] == [
        ("x", False, True),
        ("y", True, False),
    ]


def test_gradcheck_where_eps_leaves_the_domain_says_so_and_finds_a_step_that_works(capsys):
    code, out, err = run(capsys, "gradcheck", "log(x)", "--at", "x=1e-7")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[1].startswith("gradcheck: 1 of 1 FAILED")
    assert lines[3].split() == ["x", "10000000", "nan", "nan", "FAIL"]
    assert lines[-1] == (
        "why x failed: moving x by ±ε = ±1e-06 (to -9e-07 and 1.1e-06) steps out of where the log "
        "gate is defined (log is only defined for x > 0, got x = -9e-07), so f(x ± ε) does not "
        "exist there. With eps=1e-09 both steps stay inside and the check passes."
    )
    assert run(capsys, "gradcheck", "log(x)", "--at", "x=1e-7", "--eps", "1e-9")[0] == 0


def test_gradcheck_passing_rows_have_no_note():
    report = gradcheck(lambda x: x.relu(), [0.5])
    assert report.ok and report[0].note == "" and "why" not in str(report)


# ------------------------------------------------------------------------------------------------
# Pictures: division by a constant
# ------------------------------------------------------------------------------------------------


def test_division_by_a_constant_is_a_product_with_its_reciprocal():
    f = evaluate("x/2", {"x": 3})
    f.backward()
    assert f.gate is GATES["mul"] and (f.data, f.label) == (1.5, "f")
    x, half = f.parents
    assert (x.label, x.grad, half.data, half.is_leaf) == ("x", 0.5, 0.5, True)
    assert all(node.gate is not GATES["reciprocal"] for node in topological_order(f))
    assert len(topological_order(evaluate("x/(1+1)", {"x": 3}))) == 3  # x, 0.5, x × 0.5
    g = evaluate("1/x", {"x": 4})  # a reciprocal is still one 1/x gate
    assert g.gate is GATES["reciprocal"] and g.data == 0.25


# ------------------------------------------------------------------------------------------------
# 2 ** x: one gate, exact
# ------------------------------------------------------------------------------------------------


def test_a_number_to_the_x_is_one_exact_gate():
    x = Value(3.0, label="x")
    f = 2**x
    f.backward()
    assert f.data == 8.0  # exactly: Python's 2.0 ** 3.0, not exp(3 · ln 2) = 7.999999999999998
    assert (f.gate.name, f.gate.symbol, f.parents) == ("base_pow", "2ˣ", (x,))
    assert x.grad == 8.0 * math.log(2.0)
    assert (0.5 ** Value(2.0)).data == 0.25 and (10 ** Value(-2.0)).data == 0.01
    assert [n.label for n in topological_order(evaluate("2**x", {"x": 3}))] == ["x", "f"]


def test_two_to_the_x_in_the_table_has_no_constant_leaf(capsys):
    code, out, _ = run(capsys, "expr", "2**x", "--at", "x=3", "--no-files")
    assert code == 0
    assert rows(out) == {"x": ["leaf", "3", "5.5452"], "f": ["2ˣ", "x", "8", "1"]}


# ------------------------------------------------------------------------------------------------
# A long page, and a sum of terms drawn one term at a time
# ------------------------------------------------------------------------------------------------


def test_split_terms_finds_the_terms_of_a_scaled_sum():
    from microgradpp.examples import get_example
    from microgradpp.viz.split import split_terms, term_gradients

    loss = get_example("xor").run()
    terms = split_terms(loss)
    assert [t.label for t in terms] == ["e1²", "e2²", "e3²", "e4²"]
    before = [node.grad for node in topological_order(loss)]
    grads = term_gradients(terms[3])
    assert [node.grad for node in topological_order(loss)] == before  # put back
    assert grads[terms[3]] == 1.0
    weight = next(n for n in topological_order(loss) if n.label == "w1_11")
    total = sum(term_gradients(t)[weight] for t in terms)
    assert math.isclose(0.25 * total, weight.grad, rel_tol=1e-12)  # loss = 0.25 · Σ terms
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    p = x * y
    assert split_terms((p + (x + y)) * 0.5) == [p, x, y]  # (a + b) + c is a, b, c
    assert split_terms(p) == [] and split_terms(x) == []
    assert split_terms((p + x).exp()) == []  # exp of a sum is not a sum
    assert split_terms(-(p + x)) == [p, x]


@needs_dot
def test_a_long_page_says_so_and_each_term_gets_its_own(capsys, tmp_path, monkeypatch):
    import microgradpp.outputs as outputs

    monkeypatch.setattr(outputs, "LONG_PAGE", 8)
    monkeypatch.setattr(outputs, "SPLIT_ABOVE", 4)
    code, out, _ = run(
        capsys, "expr", "0.5*(x*y + exp(x) + y*y)", "--at", "x=1", "y=2", "--out", str(tmp_path)
    )
    assert code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "expr-backward-term1.svg", "expr-backward-term2.svg", "expr-backward-term3.svg",
        "expr-backward.svg", "expr-forward.svg", "expr-steps-term1.html",
        "expr-steps-term2.html", "expr-steps-term3.html", "expr-steps.html",
    ]  # fmt: skip
    assert "expr-steps.html: 14 frames: long for one lesson. f is a sum of 3 terms" in out
    page = (tmp_path / "expr-steps.html").read_text(encoding="utf-8")
    assert '<p class="notice" role="note">14 frames: long for one lesson.' in page
    assert '<a href="expr-steps-term1.html">x*y</a>' in page
    term = (tmp_path / "expr-steps-term2.html").read_text(encoding="utf-8")
    assert 'class="notice"' not in term
    picture = (tmp_path / "expr-backward-term3.svg").read_text(encoding="utf-8")
    assert "∂y*y/∂name" in picture


# ------------------------------------------------------------------------------------------------
# Languages: help, errors and lessons as a teacher in Taipei or Shanghai sees them
# ------------------------------------------------------------------------------------------------


def in_locale(monkeypatch, locale: str) -> None:
    monkeypatch.setenv("LANG", locale)
    monkeypatch.setenv("COLUMNS", "80")


def test_help_follows_the_locale_in_traditional_chinese(capsys, monkeypatch):
    in_locale(monkeypatch, "zh_TW.UTF-8")
    code, out, err = run(capsys, "--help")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "用法：microgradpp [-h] [--lang LANG] COMMAND ..."
    assert lines[2].startswith("microgradpp：看得見的反向傳播。")
    assert "選項：" in lines and "指令：" in lines
    assert "  -h, --help   顯示這個說明訊息並結束" in lines
    assert "    expr       任意運算式：表格、圖片和逐步講解網頁" in lines
    assert "    worksheet  可列印的練習單和解答，每位學生一張不同的計算圖" in lines


def test_help_of_a_command_in_simplified_chinese(capsys, monkeypatch):
    in_locale(monkeypatch, "zh_CN.UTF-8")
    code, out, _ = run(capsys, "expr", "--help")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("用法：microgradpp expr [-h] [--at NAME=VALUE [NAME=VALUE ...]]")
    assert "位置参数：" in lines and "选项：" in lines
    assert "  -h, --help            显示此帮助信息并退出" in lines
    assert "                        每个变量的值，例如 --at x=-2 y=5 z=-4" in lines
    assert "  --no-files            只打印表格" in lines


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
@pytest.mark.parametrize(
    "command", ["examples", "example", "expr", "gradcheck", "train", "demo", "worksheet", "quiz",
                "exercise"]
)  # fmt: skip
def test_chinese_help_is_wrapped_to_the_terminal_in_columns(capsys, monkeypatch, command, lang):
    from microgradpp.tables import display_width

    in_locale(monkeypatch, "C.UTF-8")
    code, out, _ = run(capsys, command, "--help", "--lang", lang)
    assert code == 0
    help_text = out.split("\n\n", 1)[1]  # (after argparse's usage lines, which it wraps itself)
    assert max(display_width(line) for line in help_text.splitlines()) <= 80
    assert not any(line.lstrip().startswith(("，", "。", "）")) for line in out.splitlines())
    assert not any(line.rstrip().endswith("（") for line in out.splitlines())


def test_lang_on_the_command_line_wins_over_the_locale(capsys, monkeypatch):
    in_locale(monkeypatch, "zh_CN.UTF-8")
    code, out, _ = run(capsys, "--lang", "zh-Hant", "examples")
    assert code == 0
    assert out.splitlines()[0] == (
        "add-mul               f = (x + y) · z，其中 x = −2, y = 5, z = −4"
    )
    assert out.splitlines()[-1] == (
        "執行 `microgradpp example NAME` 可看它的表格、圖片和逐步講解網頁。"
    )
    code, out, _ = run(capsys, "examples", "--lang=en")
    assert out.splitlines()[0] == "add-mul               f = (x + y) · z at x = −2, y = 5, z = −4"


def test_a_worked_example_in_simplified_chinese(capsys):
    code, out, err = run(capsys, "example", "sigmoid-neuron", "--lang", "zh-Hans", "--no-files")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (
        "sigmoid-neuron: 逐门拆开的 sigmoid 神经元：f = 1 / (1 + exp(−(w0·x0 + w1·x1 + w2)))"
    )
    assert lines[2] == (
        "cs231n 图中的神经元，w0 = 2、x0 = −1、w1 = −3、x1 = −2、w2 = −3（偏置），只用基本门组成：两个 ×、"
    )  # the lesson is one paragraph, wrapped for the terminal at 96 columns
    assert lines[3].startswith("两个 +、×(−1)、exp、+1 和 1/x。")
    assert " #  节点  门      输入        值     梯度" in lines


def test_the_two_layer_equations_in_traditional_chinese(capsys):
    code, out, _ = run(capsys, "example", "two-layer", "--lang", "zh-Hant", "--no-files")
    assert code == 0
    assert "反向傳播的四個方程式，其中 C = ½(a2 − y)²，a1 = σ(z1)，a2 = z2：" in out
    assert "BP3  ∂C/∂b = 同一個神經元的 δ" in out
    assert out.count("（一致）") == 12 and "不一致" not in out


@pytest.mark.parametrize(
    ("locale", "argv", "last_line"),
    [
        (
            "zh_TW.UTF-8",
            ["expr", "x", "--at", "x=abc"],
            "microgradpp expr：錯誤：參數 --at：x 的值不是數字：'abc'",
        ),
        (
            "zh_CN.UTF-8",
            ["train", "moon"],
            "microgradpp train：错误：参数 dataset：无效的选择：'moon'（可选：'moons', 'xor', "
            "'circles', 'spiral', 'sine', 'digits'）",
        ),
        (
            "zh_TW.UTF-8",
            ["example", "sigmoid-nueron"],
            "microgradpp example：錯誤：沒有叫做 'sigmoid-nueron' 的範例；你是指 "
            "'sigmoid-neuron' 嗎？範例有：add-mul, sigmoid-neuron, sigmoid-neuron-fused, "
            "max-circuit, two-layer, xor",
        ),
        (
            "zh_CN.UTF-8",
            ["train", "moons", "--epochs", "0"],
            "microgradpp train：错误：参数 --epochs：需要一个正整数，得到的是 '0'",
        ),
        ("zh_CN.UTF-8", ["expr"], "microgradpp expr：错误：缺少以下参数：expression"),
        ("zh_TW.UTF-8", ["quiz", "--level"], "microgradpp quiz：錯誤：參數 --level：需要一個值"),
        ("zh_TW.UTF-8", ["demo", "--nope"], "microgradpp：錯誤：無法辨識的參數：--nope"),
        (
            "zh_TW.UTF-8",
            ["train", "moons", "--loss", "mse"],
            "microgradpp train：錯誤：mse 損失函數不適用於 moons（2 個類別）",
        ),
        (
            "zh_CN.UTF-8",
            ["train", "spiral", "--loss", "hinge"],
            "microgradpp train：错误：hinge 损失函数需要两个类别；spiral 有 3 个（请使用 cross_entropy）",
        ),
    ],
)
def test_a_bad_command_line_is_refused_in_the_teachers_language(
    capsys, monkeypatch, locale, argv, last_line
):
    in_locale(monkeypatch, locale)
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith("用法：microgradpp")
    assert err.splitlines()[-1] == last_line


def test_expression_errors_and_their_remedies_in_chinese(capsys, monkeypatch):
    in_locale(monkeypatch, "zh_TW.UTF-8")
    code, _, err = run(capsys, "expr", "(x + y", "--at", "x=1", "y=2")
    assert code == 2
    assert err == "microgradpp expr：錯誤：少了 ')' 來配對第 1 欄的 '('\n    (x + y\n          ^\n"
    code, _, err = run(capsys, "expr", "x*y", "--at", "x=1", "--lang", "zh-Hans")
    assert err == (
        "microgradpp expr：错误：没有给 y 赋值（每个变量都要赋值，例如 y=1.0）\n    x*y\n      ^\n"
    )
    code, _, err = run(capsys, "expr", "exp(x)", "--at", "x=1000", "--no-files")
    assert code == 1
    assert err == (
        "microgradpp expr：錯誤：exp 閘（exp），輸入 x = 1000.0：exp(1000.0) 超出了浮點數的範圍"
        "（最大的輸入是 709.78）。解決辦法：用 --at 選擇其他的值\n"
    )
    code, _, err = run(capsys, "expr", "log(x)", "--at", "x=-1", "--lang", "zh-Hans")
    assert (code, err) == (
        1,
        "microgradpp expr：错误：log 门（log），输入 x = -1.0：log 只在 x > 0 时有定义，得到的是 "
        "x = -1.0。解决办法：用 --at 选择其他的值\n",
    )
    code, _, err = run(capsys, "expr", "1/x", "--at", "x=1e-160", "--no-files")
    assert (code, err) == (
        1,
        "microgradpp expr：錯誤：backward：x = 1e-160 的梯度算出來是 -inf；浮點數裝不下它。"
        "解決辦法：用 --at 選擇其他的值\n",
    )


def test_english_stays_as_it_was_and_argparse_is_left_as_it_was(capsys):
    import argparse
    import gettext

    code, out, _ = run(capsys, "--help")
    assert code == 0 and out.startswith("usage: microgradpp [-h] [--lang LANG] COMMAND ...")
    assert "\noptions:\n" in out and "show this help message and exit" in out
    run(capsys, "expr", "--help", "--lang", "zh-Hant")
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext


def test_train_reports_in_the_teachers_language(capsys, monkeypatch):
    in_locale(monkeypatch, "zh_TW.UTF-8")
    code, out, err = run(capsys, "train", "moons", "--quiet", "--epochs", "5")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "moons：MLP 2-16-16-1（relu），337 個參數，用 adam（學習率 0.05）訓練 5 輪，鉸鏈（hinge）損失函數"
    )
    assert out.splitlines()[1].startswith("訓練集：損失 ")
    assert out.splitlines()[2].endswith("，共 25 個資料點")
    code, _, err = run(capsys, "train", "moons", "--optimizer", "sgd", "--lr", "100", "--quiet")
    assert code == 1
    assert err.startswith("microgradpp train：這次訓練「死掉」了：準確率 49.3% 沒有比")
    assert "大多數 ReLU 已經失效：66% 的隱藏層 ReLU（layer1 31%, layer2 100%）" in err


def test_gradcheck_explains_itself_in_the_teachers_language(capsys, monkeypatch):
    in_locale(monkeypatch, "zh_TW.UTF-8")
    code, out, _ = run(capsys, "gradcheck", "relu(x)", "--at", "x=0")
    assert code == 1
    assert out.splitlines()[1:4] == [
        "gradcheck：1 個輸入中有 1 個失敗（eps=1e-06，通過條件：|解析 - 數值| <= 1e-05 + "
        "0.0001*|數值|）",
        "輸入  解析  數值  絕對誤差  結果",
        "x        0   0.5       0.5  失敗",
    ]
    assert out.splitlines()[4].startswith(
        "x 為什麼失敗：relu 的輸入 x = 0 正好在 0 的折點上（左邊斜率 0，右邊斜率 1）。折點沒有導數"
    )
    code, out, _ = run(capsys, "gradcheck", "log(x)", "--at", "x=1e-7", "--lang", "zh-Hans")
    assert out.splitlines()[-1] == (
        "x 为什么失败：把 x 移动 ±ε = ±1e-06（到 -9e-07 和 1.1e-06）会走出 log 门有定义的范围"
        "（log 只在 x > 0 时有定义，得到的是 x = -9e-07），所以那里的 f(x ± ε) 不存在。用 "
        "eps=1e-09 时两步都留在范围内，检验就会通过。"
    )


def test_a_language_with_no_catalog_is_refused_in_the_locales_language(capsys, monkeypatch):
    in_locale(monkeypatch, "zh_TW.UTF-8")
    code, _, err = run(capsys, "examples", "--lang", "fr")
    assert code == 2
    assert err.splitlines()[-1] == (
        "microgradpp examples：錯誤：參數 --lang：沒有語言 'fr' 的翻譯；可用的語言有：en, zh-Hant, "
        "zh-Hans"
    )
    code, out, _ = run(capsys, "examples", "--lang=zh-Hans")  # the = form is read too
    assert code == 0 and out.splitlines()[-1].startswith("运行 `microgradpp example NAME`")


@pytest.mark.parametrize(
    ("argv", "first_line"),
    [
        (["expr", "--x", "--at", "x=2", "--no-files"], "f = --x   at x = 2"),
        (["expr", "--x*y", "--at", "x=2", "y=3", "--no-files"], "f = --x*y   at x = 2, y = 3"),
        (["expr", "---x", "--at", "x=2", "--no-files"], "f = ---x   at x = 2"),
        (["expr", "--at", "x=2", "--no-files", "--x"], "f = --x   at x = 2"),
        (["expr", "-1", "--no-files"], "f = -1"),
        (["gradcheck", "--x", "--at", "x=0.5"], "f = --x"),
    ],
)
def test_an_expression_may_start_with_two_minus_signs(capsys, argv, first_line):
    """argparse took "--x" for an option ("the following arguments are required"); an argument
    that is none of the command's options, where nothing else can be the expression, is one."""
    code, out, err = run(capsys, *argv)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == first_line


@pytest.mark.parametrize("expression", ["--x", "--x*y", "-x", "---x", "-(x*y)"])
def test_the_exercise_takes_every_leading_minus_form_as_expr_does(capsys, tmp_path, expression):
    out = tmp_path / "exercise.html"
    at = ["x=2", "y=3"] if "y" in expression else ["x=2"]
    code, printed, err = run(capsys, "exercise", expression, "--at", *at, "--out", str(out))
    assert (code, err) == (0, "") and out.exists()
    assert printed.startswith(f"Wrote {out}")


def test_a_mistyped_option_is_still_reported_as_one(capsys):
    code, _, err = run(capsys, "expr", "--digts", "3", "x*y", "--at", "x=1", "y=2")
    assert code == 2 and "unrecognized arguments: --digts" in err
