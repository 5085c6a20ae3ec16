"""Languages: the words students and teachers read, in English, Traditional and Simplified Chinese.

Every sentence the package shows in a worksheet, a page or a command-line table has a *message id*
(``"table.value"``, ``"worksheet.title"``) and one entry per language in a catalog,
``microgradpp/locale/<language>.json``::

    >>> message("table.grad", "zh-Hant")
    '梯度'
    >>> message("worksheet.student", "zh-Hans", number=3)
    '学生 3'

Numbers and mathematics (``∂f/∂x = −4``) are not translated: they read the same in every language.

Why JSON catalogs and not gettext's ``.po``/``.mo`` files: a ``.mo`` file must be compiled from the
``.po`` at build time, which a pure-Python package installed with ``pip install -e .`` does not do,
and gettext keys messages by their English text, so fixing an English typo silently orphans every
translation. A JSON file per language keyed by a stable id is read by the standard library, is as
easy for a translator to edit as a ``.po`` file, and ``tests/test_i18n.py`` checks that every id has
a translation in every language with the same ``{placeholders}``.

Adding words: write no sentence in code. Add the id to the three catalogs (English, zh-Hant,
zh-Hans) and ask for it: ``t("cli.grade.roster")`` for a help text or anything printed (``t`` a
:class:`Translator`), ``raise error(SomeError, "grade.no_column", column=name)`` for an error
(English in ``str()``, any language through :func:`translated`, which the command line uses). A
text a language lacks comes out in English, the fallback; the tests say which.

The language comes from ``lang=`` (Python) or ``--lang`` (command line); without it, from the
locale, as gettext does: ``LANGUAGE``, then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``. ``zh_TW``,
``zh_HK`` and ``zh_MO`` give Traditional Chinese, ``zh_CN``, ``zh_SG`` and a bare ``zh`` give
Simplified Chinese, anything else English.
"""

from __future__ import annotations

import json
import os
import re
import string
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TypeVar

from .errors import DomainError, MicrogradppError

LANGUAGES = ("en", "zh-Hant", "zh-Hans")
"""The languages with a catalog, as BCP 47 tags (what an HTML page's ``lang`` attribute takes)."""
DEFAULT_LANGUAGE = "en"

LANGUAGE_NAMES = {"en": "English", "zh-Hant": "繁體中文", "zh-Hans": "简体中文"}

# Locale names (zh_TW.UTF-8) and tags people type (zh-TW, zh_hant) -> our tag. Regions where
# Traditional characters are the norm: Taiwan, Hong Kong, Macau; elsewhere Simplified.
_TRADITIONAL_REGIONS = ("tw", "hk", "mo", "hant")
_SIMPLIFIED_REGIONS = ("cn", "sg", "my", "hans")
_ENVIRONMENT_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


class LanguageError(MicrogradppError, ValueError):
    """A language the package has no catalog for, or a message id no catalog knows."""


def normalize_language(lang: str) -> str:
    """'zh_TW.UTF-8', 'zh-tw', 'zh-Hant' -> 'zh-Hant'; 'en_GB' -> 'en'; unknown -> LanguageError."""
    if not isinstance(lang, str):
        raise LanguageError(
            f"a language must be a string such as 'zh-Hant', got {type(lang).__name__}"
        )
    tag = _locale_language(lang)
    if tag is None:
        raise LanguageError(
            f"no catalog for the language {lang!r}; the languages are: {', '.join(LANGUAGES)}"
        )
    return tag


def _locale_language(text: str) -> str | None:
    """The catalog for a locale name or language tag, or None if there is none."""
    base = text.split(".", 1)[0].split("@", 1)[0].strip().lower().replace("_", "-")
    if base in ("en", "c", "posix") or base.startswith("en-"):
        return "en"
    parts = base.split("-")
    if parts[0] != "zh":
        return None
    rest = parts[1:]
    if any(part in _TRADITIONAL_REGIONS for part in rest):
        return "zh-Hant"
    if not rest or any(part in _SIMPLIFIED_REGIONS for part in rest):
        return "zh-Hans"
    return None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for (gettext's order of variables); English if none fits.

    ``LANGUAGE`` may list several (``zh_TW:en``): the first one with a catalog wins.
    """
    environ = os.environ if environ is None else environ
    for variable in _ENVIRONMENT_VARIABLES:
        value = environ.get(variable, "")
        if not value:
            continue
        for candidate in value.split(":") if variable == "LANGUAGE" else [value]:
            tag = _locale_language(candidate) if candidate else None
            if tag is not None:
                return tag
        if variable != "LANGUAGE":
            return DEFAULT_LANGUAGE  # the locale is set, to a language we have no catalog for
    return DEFAULT_LANGUAGE


_chosen_language: str | None = None


def set_language(lang: str | None) -> None:
    """From now on ``lang=None`` means ``lang`` everywhere in this process (a notebook's first
    cell: every table, picture, caption and plot in the notebook's language); None gives it back
    to the locale.

        >>> set_language("zh-Hans"); message("table.node")
        '节点'
        >>> set_language(None)
    """
    global _chosen_language
    _chosen_language = None if lang is None else normalize_language(lang)


@contextmanager
def speaking(lang: str | None) -> Iterator[None]:
    """Inside, ``lang`` is the chosen language (as :func:`set_language`), then the one before
    comes back: the command line runs a training inside it, so its progress bar speaks the
    command's ``--lang``."""
    global _chosen_language
    previous = _chosen_language
    set_language(lang)
    try:
        yield
    finally:
        _chosen_language = previous


def chosen_language() -> str | None:
    """The language :func:`set_language` chose (None: none was chosen, the locale's applies)."""
    return _chosen_language


def resolve_language(lang: str | None = None) -> str:
    """``lang`` normalised; when ``lang`` is None, the one :func:`set_language` chose, else the
    locale's."""
    if lang is not None:
        return normalize_language(lang)
    return _chosen_language or language_from_environment()


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """Message id -> text, for one language (read once from the package's JSON file)."""
    lang = normalize_language(lang)
    text = (resources.files(__package__) / "locale" / f"{lang}.json").read_text("utf-8")
    return dict(sorted(json.loads(text).items()))


def message(key: str, lang: str | None = None, /, **fields: object) -> str:
    """The text of message ``key`` in ``lang`` (default: the locale's), with ``{fields}`` filled in.

    A message the language's catalog lacks comes out in English (``tests/test_i18n.py`` makes
    sure none is missing); an id no catalog has is a LanguageError. A field that is
    :class:`Words` or :class:`Listed` is said in ``lang`` too.
    """
    template = catalog(resolve_language(lang)).get(key)
    if template is None:  # not translated yet: English, the fallback (which has every id)
        template = catalog(DEFAULT_LANGUAGE).get(key)
    if template is None:
        raise LanguageError(f"no message {key!r} in the catalogs")
    if not fields:
        return template
    return template.format(**{name: _said(value, lang) for name, value in fields.items()})


class Translator:
    """``t(key, **fields)`` bound to one language: what a page or a worksheet uses.

    >>> t = Translator("zh-Hans")
    >>> t("table.node"), t.lang
    ('节点', 'zh-Hans')
    """

    def __init__(self, lang: str | None = None) -> None:
        self.lang = resolve_language(lang)

    def __call__(self, key: str, /, **fields: object) -> str:
        return message(key, self.lang, **fields)

    @property
    def catalog(self) -> Mapping[str, str]:
        """Every message id -> text in this language."""
        return catalog(self.lang)


@dataclass(frozen=True)
class Words:
    """What an error says, by message id: the reason, the remedy ('' for none), the fields both
    fill in, and whether it is an overflow (see ``errors.GateError``). The engine's errors carry
    one, so ``GateError.translated(lang)`` can say them in any language."""

    key: str
    remedy_key: str = ""
    fields: Mapping[str, object] = field(default_factory=dict)
    overflow: bool = False

    def reason(self, lang: str | None = "en") -> str:
        return _tidied(message(self.key, lang, **self._filled(lang)) + self._after(lang), lang)

    def remedy(self, lang: str | None = "en") -> str:
        return message(self.remedy_key, lang, **self._filled(lang)) if self.remedy_key else ""

    def frame(self, key: str, lang: str | None = "en", /, **fields: object) -> str:
        return message(key, lang, **fields)

    def chosen_language(self) -> str | None:
        return chosen_language()

    def extended(self, key: str) -> Words:
        return Words(self.key, self.remedy_key, self.fields, self.overflow, (*self.then, key))

    then: tuple[str, ...] = ()
    """Messages said after the reason, each after a space (``extended``)."""

    def _after(self, lang: str | None) -> str:
        return "".join(" " + message(key, lang) for key in self.then)

    def __str__(self) -> str:
        """English: what an f-string writes (a message not yet in the catalogs stays whole)."""
        return self.reason("en")

    def _filled(self, lang: str | None) -> dict[str, object]:
        """The fields, a field that is itself Words (or Listed) said in ``lang`` too (a sentence
        inside a sentence: backward's error and its explanation)."""
        return {name: _said(value, lang) for name, value in self.fields.items()}


@dataclass(frozen=True)
class Listed:
    """Several parts said as one list, joined as the language joins them: ``how="items"`` (a list
    of names or phrases) with ", " in English and "、" in Chinese, ``how="clauses"`` (problems
    one after another) with "; " and "；", ``how="and"`` (two phrases) with " and " and "，".
    A part may be :class:`Words` (said in the language), another Listed, or plain text (a name,
    a number: the same in every language). A field of :class:`Words` or of :func:`error` may be
    a Listed::

        >>> names = Listed(("w0", "w1", "b"))
        >>> names.reason("en"), names.reason("zh-Hant")
        ('w0, w1, b', 'w0、w1、b')
        >>> missing = Words("nn.state.missing", fields={"names": names})
        >>> unexpected = Words("nn.state.unexpected", fields={"names": "x"})
        >>> problems = Listed((missing, unexpected), "clauses")
        >>> problems.reason("en"), problems.reason("zh-Hans")
        ('missing w0, w1, b; unexpected x', '缺少 w0、w1、b；多出 x')
    """

    parts: tuple[object, ...]
    how: str = "items"

    def reason(self, lang: str | None = "en") -> str:
        separator = message(f"list.{self.how}", lang)
        return separator.join(str(_said(part, lang)) for part in self.parts)

    def __str__(self) -> str:
        return self.reason("en")


_CHINESE_MARK = "\u3000-\u303f\uff00-\uffef"  # 、。「」 and the full-width （），：；
_LOOSE_SPACE = re.compile(
    rf"(?<=[\u4e00-\u9fff{_CHINESE_MARK}]) (?=[\u4e00-\u9fff{_CHINESE_MARK}])"
    rf"|(?<=[^ ]) (?=[{_CHINESE_MARK}])|(?<=[{_CHINESE_MARK}]) (?=[^ ])"
)


def _tidied(text: str, lang: str | None) -> str:
    """Chinese puts no space between two characters or beside its punctuation: a template's
    space before a field ("收到的是 {got}") is kept before a number or a name and dropped before
    words of the catalogs ("收到的是一個非常大的整數", "config.nouts（每個寬度都）")."""
    if resolve_language(lang) == DEFAULT_LANGUAGE:
        return text
    return _LOOSE_SPACE.sub("", text)


def _said(value: object, lang: str | None) -> object:
    """``value`` in ``lang`` when it is Words or Listed; anything else as it is."""
    return value.reason(lang) if isinstance(value, (Words, Listed)) else value


E = TypeVar("E", bound=BaseException)


def error(kind: type[E], key: str, /, *args: object, **fields: object) -> E:
    """An exception of class ``kind`` whose message is the catalogs' ``key`` with ``fields``:
    English in ``str()``, any language through its ``words`` (``MicrogradppError.translated``;
    the command line prints errors in its language this way). ``args`` follow the message in
    ``kind``'s constructor. A field may be :class:`Words` itself: a sentence inside the message.

        >>> problem = error(ValueError, "cli.error.no_example", name="'x'", hint="", names="xor")
        >>> str(problem)
        "no example called 'x'; the examples are: xor"
        >>> translated(problem, "zh-Hant")
        "沒有叫做 'x' 的範例；範例有：xor"
    """
    words = Words(key, fields=fields)
    made = kind(words.reason("en"), *args)
    made.words = words  # type: ignore[attr-defined]  # (a plain ValueError takes attributes too)
    return made


def translated(error: BaseException, lang: str | None = None) -> str:
    """What ``error`` says, in ``lang`` when its words are in the catalogs, else ``str(error)``."""
    words = getattr(error, "words", None)
    if hasattr(error, "translated") and callable(error.translated):
        return str(error.translated(lang))
    return str(error) if words is None else str(words.reason(lang))


def said(
    key: str, remedy_key: str = "", *, overflow: bool = False, **fields: object
) -> DomainError:
    """A gate's DomainError whose reason and remedy are the catalogs' messages ``key`` and
    ``remedy_key`` (``gate.*``): English in ``str()``, any language through the GateError."""
    words = Words(key, remedy_key, fields, overflow)
    return DomainError(words.reason(), words.remedy(), overflow, words)


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a message template fills in (the tests check translations keep them);
    argparse's messages use ``%(name)s`` and ``%s`` instead, counted as ``%(name)s`` / ``%s``."""
    if template.startswith("%") or "%(" in template or "%s" in template or "%r" in template:
        return set(re.findall(r"%\(\w+\)[sr]|%[sr]", template))
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# ------------------------------------------------------------------------------------------------
# Finding what was not translated
# ------------------------------------------------------------------------------------------------

_FUNCTION_WORDS = frozenset(
    "a an the of to is are in on at and or for with not no from by as be it its this that was "
    "has have use must can cannot only than into per each every such".split()
)
"""Words an English sentence cannot do without; a list of names ("moons, xor, circles") has none."""

_ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z]+(?:[ '][A-Za-z][a-z]*){2,}\b")


def english_sentences(text: str) -> list[str]:
    """The runs of three or more English words in ``text`` that contain a function word ("the",
    "of", "is" …): what an untranslated sentence leaves in a Chinese text. Code (``--options``,
    METAVARS, ``module.names``, ``snake_case``) and lists of names never form such a run; the
    tests of the command line and of the notebooks' translations look for them.

        >>> english_sentences("錯誤：no such file or folder；資料集：moons, xor, circles")
        ['no such file or folder']
    """
    found = []
    for run in _ENGLISH_RUN.findall(text):
        words = run.lower().replace("'", " ").split()
        if any(word in _FUNCTION_WORDS for word in words):
            found.append(run)
    return found


# ------------------------------------------------------------------------------------------------
# argparse's own words
# ------------------------------------------------------------------------------------------------

ARGPARSE_MESSAGES = {
    "usage: ": "argparse.usage",
    "positional arguments": "argparse.positional_arguments",
    "options": "argparse.options",
    "show this help message and exit": "argparse.help",
    "%(prog)s: error: %(message)s\n": "argparse.error",
    "argument %(argument_name)s: %(message)s": "argparse.argument",
    "unrecognized arguments: %s": "argparse.unrecognized",
    "the following arguments are required: %s": "argparse.required",
    "expected one argument": "argparse.expected_one",
    "expected at most one argument": "argparse.expected_at_most_one",
    "expected at least one argument": "argparse.expected_at_least_one",
    "expected %s argument": "argparse.expected_n_one",
    "expected %s arguments": "argparse.expected_n_many",
    "ambiguous option: %(option)s could match %(matches)s": "argparse.ambiguous",
    "invalid %(type)s value: %(value)r": "argparse.invalid_value",
    "invalid choice: %(value)r (choose from %(choices)s)": "argparse.invalid_choice",
    "not allowed with argument %s": "argparse.not_allowed",
    "one of the arguments %s is required": "argparse.one_required",
    "ignored explicit argument %r": "argparse.ignored",
}
"""The messages argparse asks gettext for (its msgids, in English) -> our message id.

argparse writes "usage:", "error:", "options" and its own error messages through gettext
(``gettext.gettext`` and ``ngettext``, with the msgids above). gettext would look for them in a
compiled ``.mo`` file of the text domain, which this package does not ship (see the module
docstring), so :func:`argparse_language` answers those same calls from our catalogs."""


@contextmanager
def argparse_language(lang: str | None = None) -> Iterator[None]:
    """Inside, argparse's own words come out in ``lang``: "用法：" for "usage: " in zh-Hant.

    argparse calls the gettext functions it imported as ``argparse._`` and ``argparse.ngettext``;
    inside this block they are gettext functions that read our catalogs (a msgid without a
    translation stays English, as gettext leaves it). The previous functions are put back on
    the way out. The command line (``microgradpp.cli``) parses inside it.
    """
    import argparse  # (here: importing the package should not import argparse)

    t = Translator(lang)

    def gettext(msgid: str) -> str:
        key = ARGPARSE_MESSAGES.get(msgid)
        return t(key) if key is not None else msgid

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    module = vars(argparse)  # the globals argparse's functions read "_" and "ngettext" from
    saved = module["_"], module["ngettext"]
    module["_"], module["ngettext"] = gettext, ngettext
    try:
        yield
    finally:
        module["_"], module["ngettext"] = saved
