"""The catalogs: every message in every language, the lecture notes' terms, the locale rules."""

from __future__ import annotations

import json
from importlib import resources

import pytest

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
    """Every English text: the catalog's, and the messages table of captions, pages, pictures."""
    from microgradpp.messages import ENGLISH

    assert not set(ENGLISH) & set(catalog("en")), "an id is defined twice"
    return {**catalog("en"), **ENGLISH}


def test_every_message_has_a_translation_in_every_language_with_the_same_placeholders():
    english = _english()
    assert len(english) >= 160
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
