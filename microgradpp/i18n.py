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

The language comes from ``lang=`` (Python) or ``--lang`` (command line); without it, from the
locale, as gettext does: ``LANGUAGE``, then ``LC_ALL``, ``LC_MESSAGES``, ``LANG``. ``zh_TW``,
``zh_HK`` and ``zh_MO`` give Traditional Chinese, ``zh_CN``, ``zh_SG`` and a bare ``zh`` give
Simplified Chinese, anything else English.
"""

from __future__ import annotations

import json
import os
import string
from collections.abc import Mapping
from functools import cache
from importlib import resources

from .errors import MicrogradppError

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


def resolve_language(lang: str | None = None) -> str:
    """``lang`` normalised, or the locale's language when ``lang`` is None."""
    return language_from_environment() if lang is None else normalize_language(lang)


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """Message id -> text, for one language (read once from the package's JSON file)."""
    lang = normalize_language(lang)
    text = (resources.files(__package__) / "locale" / f"{lang}.json").read_text("utf-8")
    return dict(sorted(json.loads(text).items()))


def message(key: str, lang: str | None = None, /, **fields: object) -> str:
    """The text of message ``key`` in ``lang`` (default: the locale's), with ``{fields}`` filled in."""
    texts = catalog(resolve_language(lang))
    try:
        template = texts[key]
    except KeyError:
        raise LanguageError(f"no message {key!r} in the catalogs") from None
    return template.format(**fields) if fields else template


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


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a message template fills in (the tests check translations keep them)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
