"""The catalogs: every message in every language, the lecture notes' terms, the locale rules."""

from __future__ import annotations

import doctest
import json
from importlib import resources

import pytest

from microgradpp import i18n
from microgradpp.i18n import (
    LANGUAGES,
    LanguageError,
    Translator,
    catalog,
    language_from_environment,
    message,
    normalize_language,
    placeholders,
)
from microgradpp.tables import display_width, node_table


def _raw(lang: str) -> dict[str, str]:
    text = resources.files("microgradpp").joinpath("locale", f"{lang}.json").read_text("utf-8")
    return json.loads(text)


def _english() -> dict[str, str]:
    """Every English text: one catalog (command line, argparse, expressions, worksheets,
    captions, pages, pictures, the worked examples' lessons)."""
    return dict(catalog("en"))


def test_every_message_has_a_translation_in_every_language_with_the_same_placeholders():
    english = _english()
    assert len(english) >= 320
    for lang in LANGUAGES[1:]:
        texts = catalog(lang)
        assert set(texts) == set(english), (lang, set(texts) ^ set(english))
        for key, template in texts.items():
            assert template.strip(), (lang, key)
            assert placeholders(template) == placeholders(english[key]), (lang, key)


def test_step_captions_and_page_words_come_out_in_chinese():
    from microgradpp.examples import get_example
    from microgradpp.steps import backward_steps, stepper_frames

    f = get_example("add-mul").build()
    step = next(backward_steps(f))
    assert step.caption(lang="zh-Hant").splitlines()[0] == (
        "第 1 步，共 2 步：f = q × z。乘法閘把兩個輸入對調：每個輸入的局部導數就是另一個輸入。"
    )
    frames = stepper_frames(f, lang="zh-Hans")
    assert frames[0].title == "前向传播：输入（0/2）"
    assert frames[3].caption.startswith("反向传播从输出开始，∂f/∂f = 1")


def test_catalog_files_are_sorted_and_have_no_duplicate_ids():
    for lang in LANGUAGES:
        pairs = json.loads(
            resources.files("microgradpp").joinpath("locale", f"{lang}.json").read_text("utf-8"),
            object_pairs_hook=list,
        )
        keys = [key for key, _ in pairs]
        assert keys == sorted(set(keys)), lang


# Characters that exist in only one of the two scripts: a message in the wrong script is a slip.
TRADITIONAL_ONLY = "傳連計圖節點網題與數輸學習單擇選對應閘層經權這個級會開"
SIMPLIFIED_ONLY = "传连计图节点网题与数输学习单择选对应门层经权这个级会开"


@pytest.mark.parametrize(
    ("lang", "wrong_script"), [("zh-Hant", SIMPLIFIED_ONLY), ("zh-Hans", TRADITIONAL_ONLY)]
)
def test_each_chinese_catalog_is_in_its_own_script(lang, wrong_script):
    for key, text in catalog(lang).items():
        slips = [c for c in text if c in wrong_script]
        assert not slips, (lang, key, slips)


def test_chinese_catalogs_use_the_lecture_notes_terms():
    hant, hans = catalog("zh-Hant"), catalog("zh-Hans")
    assert "反向傳播" in hant["worksheet.title"] and "反向传播" in hans["worksheet.title"]
    assert "連鎖律" in hant["worksheet.task_backward"]
    assert "链式法则" in hans["worksheet.task_backward"]
    assert "前向傳播" in hant["worksheet.task_forward"]
    assert "前向传播" in hans["worksheet.task_forward"]
    assert "計算圖" in hant["worksheet.equations"] and "计算图" in hans["worksheet.equations"]
    assert hant["table.node"] == "節點" and hans["table.node"] == "节点"
    assert hant["table.grad"] == hans["table.grad"] == "梯度"
    assert "神經元" in hant["level.3"] and "神经元" in hans["level.3"]


def test_messages_are_filled_in_and_unknown_ids_are_errors():
    assert message("worksheet.student", "zh-Hans", number=3) == "学生 3"
    assert message("table.value", "zh-Hant") == "值"
    assert Translator("en")("worksheet.title", level=2) == "Backpropagation worksheet, level 2"
    with pytest.raises(LanguageError, match="no message 'no.such.id'"):
        message("no.such.id", "en")


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("en", "en"),
        ("en_GB.UTF-8", "en"),
        ("C", "en"),
        ("zh-Hant", "zh-Hant"),
        ("zh_TW.UTF-8", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh_MO", "zh-Hant"),
        ("zh-Hant-TW", "zh-Hant"),
        ("zh-Hans", "zh-Hans"),
        ("zh_CN.UTF-8", "zh-Hans"),
        ("zh_SG", "zh-Hans"),
        ("zh", "zh-Hans"),
    ],
)
def test_language_names_and_locales_are_normalised(text, tag):
    assert normalize_language(text) == tag


def test_an_unknown_language_is_one_clear_error():
    with pytest.raises(
        LanguageError,
        match=r"no catalog for the language 'fr'; the languages are: en, zh-Hant, zh-Hans",
    ):
        normalize_language("fr")
    with pytest.raises(LanguageError, match="must be a string"):
        normalize_language(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("environ", "tag"),
    [
        ({}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "zh_TW.UTF-8"}, "zh-Hant"),
        ({"LANG": "zh_HK.UTF-8"}, "zh-Hant"),
        ({"LANG": "zh_CN.UTF-8"}, "zh-Hans"),
        ({"LANG": "zh_SG.UTF-8"}, "zh-Hans"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "zh_CN.UTF-8", "LANG": "zh_TW.UTF-8"}, "zh-Hans"),
        ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh-Hant"),
        ({"LANGUAGE": "fr:zh_TW:en", "LANG": "en_US.UTF-8"}, "zh-Hant"),
        ({"LANGUAGE": "fr", "LANG": "zh_CN.UTF-8"}, "zh-Hans"),
    ],
)
def test_the_default_language_follows_the_locale_like_gettext(environ, tag):
    assert language_from_environment(environ) == tag


def test_the_default_language_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("LANG", "zh_TW.UTF-8")
    assert Translator().lang == "zh-Hant"
    assert Translator(None)("table.node") == "節點"


def test_node_table_headers_are_translated_and_aligned_in_terminal_columns():
    from microgradpp.examples import get_example

    f = get_example("add-mul").run()
    assert node_table(f, lang="zh-Hant") == (
        "#  節點  閘      輸入   值  梯度\n"
        "1  x     葉節點         -2    -4\n"
        "2  y     葉節點          5    -4\n"
        "3  q     +       x, y    3    -4\n"
        "4  z     葉節點         -4     3\n"
        "5  f     ×       q, z  -12     1"
    )
    assert node_table(f, lang="zh-Hans").splitlines()[0] == "#  节点  门      输入   值  梯度"
    assert node_table(f, lang="en").splitlines()[0] == "#  node  gate  inputs  value  grad"
    assert display_width("梯度") == 4 and display_width("grad") == 4


# Taiwan and the mainland differ in words, not only in characters: a character-converted zh-Hans
# would say 预设, 档案, 程式; a converted zh-Hant 默認, 文件, 程序.
TAIWAN_WORDS = (
    "預設",
    "檔案",
    "程式",
    "函數",
    "參數",
    "變數",
    "輸入",
    "資料",
    "網路",
    "列印",
    "欄",
)
MAINLAND_WORDS = (
    "默认",
    "文件",
    "程序",
    "函数",
    "参数",
    "变量",
    "输入",
    "数据",
    "网络",
    "打印",
    "列",
)
TAIWAN_ONLY = (
    "预设",
    "档案",
    "程式",
    "函式",
    "变数",
    "资料",
    "网路",
    "列印",
    "讯息",
    "机率",
    "最佳化",
)
MAINLAND_ONLY = (
    "默認",
    "文件",
    "程序",
    "變量",
    "數據",
    "網絡",
    "打印",
    "信息",
    "概率",
    "優化",
    "屏幕",
)


def test_traditional_and_simplified_use_their_regions_words():
    hant = " ".join(catalog("zh-Hant").values())
    hans = " ".join(catalog("zh-Hans").values())
    for word in TAIWAN_WORDS:
        assert word in hant, word
    for word in MAINLAND_WORDS:
        assert word in hans, word
    for lang, words in (("zh-Hant", MAINLAND_ONLY), ("zh-Hans", TAIWAN_ONLY)):
        for key, text in catalog(lang).items():
            assert not [word for word in words if word in text], (lang, key, text)


def test_region_words_in_the_command_line_help():
    hant, hans = catalog("zh-Hant"), catalog("zh-Hans")
    assert hant["cli.option.out"] == "寫入檔案的資料夾（{out}）"
    assert hans["cli.option.out"] == "写入文件的目录（{out}）"
    assert "預設" in hant["cli.train.lr"] and "默认" in hans["cli.train.lr"]
    assert "numpy 程式" in hant["cli.train.compiled"] and "numpy 程序" in hans["cli.train.compiled"]
    assert hant["argparse.positional_arguments"] == "位置參數"
    assert hans["argparse.positional_arguments"] == "位置参数"
    assert "變數" in hant["cli.option.at"] and "变量" in hans["cli.option.at"]


def test_every_argparse_message_we_translate_is_one_argparse_asks_for():
    import argparse
    import inspect

    from microgradpp.i18n import ARGPARSE_MESSAGES

    source = inspect.getsource(argparse)
    for msgid, key in ARGPARSE_MESSAGES.items():
        assert repr(msgid) in source or f'"{msgid}"' in source, msgid
        assert catalog("en")[key] == msgid  # English: argparse's own words, unchanged


def test_argparse_language_translates_argparse_and_puts_gettext_back():
    import argparse
    import gettext

    from microgradpp.i18n import argparse_language

    with argparse_language("zh-Hant"):
        parser = argparse.ArgumentParser(prog="p")
        parser.add_argument("--n", type=int, choices=(1, 2))
        assert parser.format_usage() == "用法：p [-h] [--n {1,2}]\n"
        assert "顯示這個說明訊息並結束" in parser.format_help()
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext
    assert argparse.ArgumentParser(prog="p").format_usage() == "usage: p [-h]\n"


def test_expression_errors_are_translated_with_the_same_caret():
    from microgradpp.expr import ExpressionError, parse

    with pytest.raises(ExpressionError) as caught:
        parse("2 + foo(x)")
    error = caught.value
    assert str(error) == (
        "unknown function 'foo' (known: exp, log, relu, tanh, sigmoid, max)\n    2 + foo(x)\n"
        "        ^"
    )
    assert error.translated("zh-Hant") == (
        "沒有函數 'foo'（可用的有：exp, log, relu, tanh, sigmoid, max）\n    2 + foo(x)\n        ^"
    )
    assert error.translated("zh-Hans").startswith("没有函数 'foo'")
    assert (error.key, error.fields["name"]) == ("expr.unknown_function", "'foo'")


def test_worked_examples_speak_each_language():
    from microgradpp.examples import EXAMPLES, get_example

    example = get_example("add-mul")
    assert example.title_in("en") == example.title == "f = (x + y) · z at x = −2, y = 5, z = −4"
    assert example.title_in("zh-Hant") == "f = (x + y) · z，其中 x = −2, y = 5, z = −4"
    assert example.teaches_in("zh-Hant").startswith("有兩個閘的最小計算圖。")
    assert "連鎖律" in example.teaches_in("zh-Hant")
    assert "链式法则" in example.teaches_in("zh-Hans")
    for example in EXAMPLES.values():  # the numbers stay as they are in every language
        numbers = [w for w in example.teaches.replace(",", " ").split() if w[:1] in "−0123456789"]
        for lang in ("zh-Hant", "zh-Hans"):
            assert example.title_in(lang) != example.title
            for number in numbers:
                assert number.rstrip(".;:)") in example.teaches_in(lang), (example.name, number)
    fused = get_example("sigmoid-neuron-fused")
    assert fused.explain_in(fused.run(), "zh-Hans").splitlines()[0] == (
        "一个 sigmoid 门就完成了 ×(−1)、exp、+1、1/x 这四个门的工作："
    )


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans"])
def test_every_gate_error_of_the_registry_can_be_said_in_chinese(lang):
    from microgradpp import GATES, GateError, Value, apply_gate

    gate_word = {"zh-Hant": "閘", "zh-Hans": "门"}[lang]
    for gate in GATES.values():
        for xs in gate.invalid_inputs:
            with pytest.raises(GateError) as caught:
                apply_gate(gate, *(Value(x, label=f"x{i}") for i, x in enumerate(xs)))
            error = caught.value
            said = error.translated(lang)
            assert said.startswith(f"{gate.name} {gate_word}（{gate.symbol}），"), said
            assert " gate " not in said and "Remedy" not in said, said
            assert error.translated("en") == str(error)


def test_a_gate_error_in_python_is_english_and_says_the_same_in_chinese():
    from microgradpp import GateError, Value

    with pytest.raises(GateError) as caught:
        Value(1e300, label="x") ** 2
    error = caught.value
    assert str(error) == (
        "pow gate (**2) with input x = 1e+300: (1e+300) ** 2.0 overflows a float. Remedy: keep "
        "|x| below 1.341e+154 (where |x| ** 2 reaches the largest float, about 1.8e308)"
    )
    assert error.translated("zh-Hant") == (
        "pow 閘（**2），輸入 x = 1e+300：(1e+300) ** 2.0 超出了浮點數的範圍。解決辦法：讓 |x| 小於 "
        "1.341e+154（|x| ** 2 在那裡達到浮點數的上限，約 1.8e308）"
    )
    assert error.with_remedy("换一个值").translated("zh-Hans") == (
        "pow 门（**2），输入 x = 1e+300：(1e+300) ** 2.0 超出了浮点数的范围。解决办法：换一个值"
    )


def test_the_demo_index_speaks_the_chosen_language(tmp_path):
    from microgradpp.demo import write_index

    page = write_index(tmp_path / "index.html", [("標題", "說明", [])], "zh-Hant").read_text(
        "utf-8"
    )
    assert '<html lang="zh-Hant">' in page and "<title>microgradpp 示範</title>" in page
    assert "<p>下面的一切都是 microgradpp 在這台電腦上算出來的。" in page
    english = write_index(tmp_path / "en.html", [("t", "d", [])], "en").read_text("utf-8")
    assert "<title>microgradpp demo</title>" in english and "\n" not in "".join(
        catalog(lang)[f"example.{name}.teaches"]
        for lang in ("zh-Hant", "zh-Hans")
        for name in ("add-mul", "xor")
    )  # a Chinese lesson is one paragraph: a page shows no space where a line ended


def test_a_list_is_joined_as_each_language_joins_it():
    from microgradpp.i18n import Listed, Words

    names = Listed(("w0", "w1", "b"))
    assert [names.reason(lang) for lang in LANGUAGES] == ["w0, w1, b", "w0、w1、b", "w0、w1、b"]
    missing = Words("nn.state.missing", fields={"names": names})
    unexpected = Words("nn.state.unexpected", fields={"names": Listed(("x",))})
    problems = Listed((missing, unexpected), "clauses")
    assert problems.reason("en") == "missing w0, w1, b; unexpected x"
    assert problems.reason("zh-Hant") == "缺少 w0、w1、b；多出 x"
    assert Listed((missing, unexpected), "and").reason("zh-Hans") == "缺少 w0、w1、b，多出 x"
    assert f"{problems}" == "missing w0, w1, b; unexpected x"  # an f-string writes English
    assert Listed(()).reason("zh-Hant") == ""
    assert doctest.testmod(i18n).failed == 0


def test_chinese_drops_a_templates_space_before_words_but_not_before_a_number_or_a_name():
    from microgradpp.i18n import Words

    huge = Words("check.huge_int")
    said = Words("check.int_at_most", fields={"name": "epochs", "high": 10, "got": huge})
    assert said.reason("zh-Hant") == "epochs 最多只能是 10，收到的是一個非常大的整數"
    assert said.reason("en") == "epochs must be at most 10, got a huge int"
    plain = Words("check.int_at_most", fields={"name": "epochs", "high": 10, "got": "11"})
    assert plain.reason("zh-Hant") == "epochs 最多只能是 10，收到的是 11"
    each = Words("load.config.each_width", fields={"problem": Words("load.config.whole")})
    field = Words(
        "load.config_field", fields={"path": "m.json", "name": "nouts", "problem": each, "got": 0}
    )
    assert field.reason("zh-Hans") == "m.json：config.nouts（每个宽度都）必须是整数，文件里是 0"
    assert field.reason("en") == "m.json: config.nouts (each width) must be a whole number, got 0"
