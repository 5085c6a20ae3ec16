"""Every sentence the step captions, step pages and picture legends show, by key.

Code asks for a sentence by its key and fills in its ``{placeholders}``; it never writes the words
itself. Numbers and formulas read the same in every language and stay in the code.

The words live in one place for every language, the catalogs of :mod:`microgradpp.i18n`
(``microgradpp/locale/<lang>.json``; the English is ``en.json``, the fallback of the others):

    >>> text("step.number", index=1, total=8)
    'Step 1 of 8: '
    >>> text("step.number", "zh-Hant", index=1, total=8)
    '第 1 步，共 8 步：'
"""

from __future__ import annotations

from .i18n import message


def text(key: str, lang: str | None = "en", /, **values: object) -> str:
    """The sentence ``key`` in ``lang``, its ``{placeholders}`` filled from ``values`` (English
    for a sentence the language's catalog does not have yet)."""
    return message(key, lang, **values)
