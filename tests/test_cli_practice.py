"""The classroom commands: worksheet, quiz, and --lang / the locale on the others."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from microgradpp.cli import main

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)


@needs_dot
def test_worksheet_writes_a_class_and_says_where(tmp_path, capsys):
    out = tmp_path / "week3"
    code = main(
        ["worksheet", "--students", "3", "--seed", "2026", "--level", "2", "--out", str(out)]
    )
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "all-keys.html", "all-sheets.html", "key-01.html", "key-02.html", "key-03.html",
        "sheet-01.html", "sheet-02.html", "sheet-03.html", "summary.html",
    ]  # fmt: skip
    assert capsys.readouterr().out == (
        f"Wrote 3 worksheets and their answer keys (level 2, seed 2026) into {out}. Start with "
        f"{out}/summary.html; run again with --seed 2026 for the same files.\n"
    )


@needs_dot
def test_worksheet_in_chinese_from_the_option_or_the_locale(tmp_path, capsys, monkeypatch):
    assert main(["worksheet", "--students", "1", "--seed", "1", "--out", str(tmp_path / "a"),
                 "--lang", "zh-Hans"]) == 0  # fmt: skip
    assert capsys.readouterr().out.startswith("已把 1 张练习单及其答案（第 1 级，种子 1）写入")
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    assert main(["worksheet", "--students", "1", "--seed", "1", "--out", str(tmp_path / "b")]) == 0
    assert capsys.readouterr().out.startswith("已把 1 張練習單及其解答（第 1 級，種子 1）寫入")
    assert '<html lang="zh-Hant">' in (tmp_path / "b" / "sheet-01.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["worksheet", "--level", "4"],
            "argument --level: invalid choice: 4 (choose from 1, 2, 3)",
        ),
        (["worksheet", "--students", "0"], "argument --students: expected a positive whole number"),
        (["worksheet", "--students", "501"], "--students: at most 500, got 501"),
        (
            ["quiz", "--lang", "fr"],
            "argument --lang: no catalog for the language 'fr'; the "
            "languages are: en, zh-Hant, zh-Hans",
        ),
        (["example", "add-mul", "--lang", "de"], "no catalog for the language 'de'"),
        (["quiz", "--seed", "-1"], "argument --seed: expected a whole number >= 0, got '-1'"),
    ],
)
def test_bad_options_are_usage_errors(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_quiz_reads_answers_from_stdin_and_prints_a_score():
    finished = subprocess.run(
        [sys.executable, "-m", "microgradpp", "quiz", "--level", "1", "--seed", "2026"],
        input="3\n3\n3\n5\n-15\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LANG": "C.UTF-8"},
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines()[7:] == [
        "Start: ∂f/∂f = 1.",
        "∂f/∂r = 3",
        "Right.",
        "∂f/∂u = 3",
        "Right.",
        "∂f/∂q = 3",
        "Right.",
        "∂f/∂w = 5",
        "Not quite. Hint: q = z × w: a × gate swaps its inputs, so ∂f/∂w = z · ∂f/∂q.",
        "Try once more: ∂f/∂w = -15",
        "Right.",
        "∂f/∂z = ",
        "Stopped.",
        "Score: 3 of 4 right at the first try.",
        "Run it again with --seed 2026 for the same questions.",
    ]


def test_quiz_without_a_seed_draws_one_and_says_it(monkeypatch, capsys):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["quiz", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Backpropagation quiz, level 1 (seed ")
    assert "Run it again with --seed " in out


def test_table_headers_follow_lang_and_the_locale(monkeypatch, capsys):
    assert main(["example", "add-mul", "--no-files", "--lang", "zh-Hant"]) == 0
    assert "#  節點  閘      輸入   值  梯度" in capsys.readouterr().out
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert main(["expr", "x*y", "--at", "x=2", "y=3", "--no-files"]) == 0
    assert "#  节点  门      输入  值  梯度" in capsys.readouterr().out
    assert main(["expr", "x*y", "--at", "x=2", "y=3", "--no-files", "--lang", "en"]) == 0
    assert "#  node  gate  inputs  value  grad" in capsys.readouterr().out


@needs_dot
def test_mode_both_draws_the_cs231n_picture(tmp_path, capsys):
    assert main(["example", "add-mul", "--mode", "both", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["add-mul-both.svg", "add-mul-steps.html"]
    svg = (tmp_path / "add-mul-both.svg").read_text("utf-8")
    assert ">&#45;12<" in svg and ">&#45;4<" in svg  # f's value and ∂f/∂x in one picture
    assert main(["expr", "x*y", "--at", "x=2", "y=3", "--mode", "forward", "both", "--out",
                 str(tmp_path / "e")]) == 0  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "e").iterdir()) == [
        "expr-both.svg",
        "expr-forward.svg",
        "expr-steps.html",
    ]
    assert main(["example", "add-mul", "--mode", "sideways"]) == 2


def test_the_demo_index_shows_pictures_at_their_own_size():
    from importlib import resources

    page = (
        resources.files("microgradpp").joinpath("templates", "demo-index.html").read_text("utf-8")
    )
    assert "max-height: 22rem" not in page and "max-width: 34rem" not in page
    assert "figure img { display: block; max-width: none; height: auto;" in page


@needs_dot
def test_exercise_command_writes_a_page_for_an_example_or_an_expression(tmp_path, capsys):
    page = tmp_path / "add-mul.html"
    assert main(["exercise", "add-mul", "--out", str(page), "--lang", "en"]) == 0
    assert capsys.readouterr().out == (
        f"Wrote {page}: open it in a browser (it needs no network). Keys: Enter checks a box, "
        "p is the projector mode.\n"
    )
    html = page.read_text("utf-8")
    assert 'id="exercise-data"' in html and "The smallest graph with two gates" in html
    page = tmp_path / "expr.html"
    assert main(["exercise", "x*y + exp(x)", "--at", "x=1", "y=2", "--out", str(page),
                 "--order", "any", "--digits", "3", "--lang", "zh-Hant"]) == 0  # fmt: skip
    html = page.read_text("utf-8")
    assert '"order": "any"' in html and '<html lang="zh-Hant">' in html
    assert "練習：手算反向傳播，f" in html


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["exercise", "add-mul", "--at", "x=1"],
            "add-mul is a worked example: it has its own values, no --at",
        ),
        (["exercise", "x*y", "--at", "x=1"], "y"),
        (["exercise", "add-mul", "--digits", "9"], "an exercise shows at most 6 decimals, got 9"),
        (["exercise", "add-mul", "--order", "random"], "invalid choice: 'random'"),
    ],
)
def test_exercise_command_usage_errors(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@needs_dot
def test_step_pages_follow_lang(tmp_path):
    assert main(["example", "add-mul", "--lang", "zh-Hans", "--out", str(tmp_path)]) == 0
    html = (tmp_path / "add-mul-steps.html").read_text("utf-8")
    assert '<html lang="zh-Hans">' in html and "反向传播：第 1 步，共 2 步" in html
    assert "每个方框：名称 | ∂f/∂名称" in (tmp_path / "add-mul-backward.svg").read_text("utf-8")
