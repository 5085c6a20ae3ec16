"""The course in three languages from one source: ``notebooks/NN_name.ipynb`` (English) plus a
translation catalog per notebook and language gives ``notebooks/<lang>/NN_name.ipynb``.

    python tools/notebook_languages.py            check: every translation complete and up to date
    python tools/notebook_languages.py --write    write notebooks/zh-Hant/*.ipynb, zh-Hans/*.ipynb
    python tools/notebook_languages.py --stub     add what is missing or out of date to the
                                                  catalogs, with an empty text to fill in

A catalog, ``notebooks/locale/<lang>/NN_name.json``, has two parts:

- ``"cells"``: for each prose (markdown) cell, by its cell id, the English it translates
  (``"en"``) and the translation (``"text"``). When the English cell changes, its ``"en"`` no
  longer matches and the check says the translation is out of date (and shows the new English).
- ``"code"``: for each code cell that says something in words, by its cell id, pairs
  ``[english, translated]`` of comments, printed sentences and plot labels. The code itself is
  shared: the translated cell is the English cell with these pieces replaced, so identifiers,
  numbers and asserts are the same in every language (the check verifies that the Python tokens
  other than comments and strings are identical). A piece no longer found in the English cell is
  out of date; a comment or string still in English after the replacements is untranslated,
  unless the catalog keeps it on purpose with a pair of two equal sides (code inside a string,
  such as a pytest ``-k`` expression).

A generated notebook gets one more code cell, after the install cell: ``set_language(...)``, so
that every table, picture, caption and plot the library draws is in the notebook's language.

Why not Jupyter's own tools: jupyter-book/sphinx-intl translate a built book, not the .ipynb a
student opens, and tools that keep one notebook per language by hand let the code drift between
them. A catalog per notebook keyed by cell id is a plain JSON file a translator edits, and the
English it was made from is written beside each translation, as a .po file keeps its msgid.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CATALOGS = NOTEBOOKS / "locale"
LANGUAGES = ("zh-Hant", "zh-Hans")
INSTALL_CELL = "install-microgradpp"
LANGUAGE_CELL = "language"
LANGUAGE_SOURCE = {
    "zh-Hant": (
        "# 這本筆記本用繁體中文：函式庫印出的表格、畫出的圖和說明，還有 matplotlib 的圖表，\n"
        "# 都跟著這個語言（英文版是 ../{stem}.ipynb）。\n"
        "from microgradpp.viz.plots import use_language\n\n"
        'use_language("zh-Hant")'
    ),
    "zh-Hans": (
        "# 这本笔记本用简体中文：函数库打印的表格、画出的图和说明，还有 matplotlib 的图表，\n"
        "# 都跟着这个语言（英文版是 ../{stem}.ipynb）。\n"
        "from microgradpp.viz.plots import use_language\n\n"
        'use_language("zh-Hans")'
    ),
}


def sources() -> list[Path]:
    """The English notebooks: the source of every language."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def catalog_path(lang: str, stem: str) -> Path:
    return CATALOGS / lang / f"{stem}.json"


def output_path(lang: str, stem: str) -> Path:
    return NOTEBOOKS / lang / f"{stem}.ipynb"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def dumps(data: Any) -> str:
    """JSON as Jupyter writes a notebook (one-space indent, characters as they are)."""
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def text_of(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def as_lines(text: str) -> list[str]:
    """A cell's source as Jupyter stores it: lines, each but the last ending in a newline."""
    return text.splitlines(keepends=True)


@dataclass
class Result:
    """A translated notebook, and what is wrong with its translation (empty when none is)."""

    notebook: dict
    problems: list[str] = field(default_factory=list)


def translate(source: dict, catalog: dict, lang: str, stem: str) -> Result:
    """The notebook ``source`` in ``lang``, from its catalog."""
    from microgradpp.i18n import english_sentences

    notebook = copy.deepcopy(source)
    result = Result(notebook)
    cells_in_catalog = dict(catalog.get("cells", {}))
    code_in_catalog = dict(catalog.get("code", {}))
    cells = []
    for cell in notebook["cells"]:
        cell_id, english = cell.get("id", ""), text_of(cell)
        where = f"{lang}/{stem} cell {cell_id}"
        if cell["cell_type"] == "markdown":
            entry = cells_in_catalog.pop(cell_id, None)
            if entry is None:
                result.problems.append(f"{where}: no translation (run --stub, then translate)")
            elif entry["en"] != english:
                result.problems.append(
                    f"{where}: out of date, the English is now:\n{english}\n"
                    '(update its "en" and "text" in the catalog)'
                )
            elif not entry["text"].strip():
                result.problems.append(f"{where}: not translated yet")
            else:
                left = english_sentences(_prose(entry["text"]))
                if left:
                    result.problems.append(f"{where}: still English: {left}")
                cell["source"] = as_lines(entry["text"])
        elif cell["cell_type"] == "code":
            translated = english
            pairs = code_in_catalog.pop(cell_id, [])
            kept = [piece for piece, replacement in pairs if piece == replacement]
            for piece, replacement in pairs:
                if piece not in translated:
                    result.problems.append(f"{where}: out of date, {piece!r} is not in the code")
                    continue
                translated = translated.replace(piece, replacement)
            if _code_tokens(translated) != _code_tokens(english):
                result.problems.append(f"{where}: the translation changed the code itself")
            words = [_without(text, kept) for text in _words_in_code(translated)]
            left = [sentence for text in words for sentence in english_sentences(text)]
            if left:
                result.problems.append(f"{where}: comments or strings still English: {left}")
            cell["source"] = as_lines(translated)
        cells.append(cell)
        if cell_id == INSTALL_CELL:
            cells.append(_language_cell(lang, stem))
    if not any(cell.get("id") == LANGUAGE_CELL for cell in cells):
        cells.insert(0, _language_cell(lang, stem))
    for cell_id in [*cells_in_catalog, *code_in_catalog]:
        result.problems.append(f"{lang}/{stem}: the catalog translates cell {cell_id}, gone")
    notebook["cells"] = cells
    notebook["metadata"]["microgradpp"] = {"language": lang, "source": f"../{stem}.ipynb"}
    return result


def _without(text: str, kept: list[str]) -> str:
    """``text`` without the pieces a catalog keeps in English on purpose (a pair whose two sides
    are the same: ``["softplus or sqrt", "softplus or sqrt"]``, a pytest ``-k`` expression)."""
    for piece in kept:
        text = text.replace(piece, " ")
    return text


def _language_cell(lang: str, stem: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": LANGUAGE_CELL,
        "metadata": {},
        "outputs": [],
        "source": as_lines(LANGUAGE_SOURCE[lang].format(stem=stem)),
    }


def _prose(markdown: str) -> str:
    """Markdown without what stays English on purpose: code blocks and `code`, titles (quoted
    "…", 〈…〉, 《…》 or in English italics *…*), HTML tags, links' addresses and LaTeX."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$[^$]*\$", " ", text)
    text = re.sub(r"\"[^\"]*\"|“[^”]*”|《[^》]*》|〈[^〉]*〉|\*[ -~]+?\*", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def _tokens(code: str) -> list[tokenize.TokenInfo]:
    try:
        return list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):  # a cell magic or shell line: compare as text
        return []


def _code_tokens(code: str) -> list[str]:
    """The Python tokens that are not comments or strings: what must be the same in every
    language (a cell that does not tokenize is compared line by line instead)."""
    tokens = _tokens(code)
    if not tokens:
        return [line for line in code.splitlines() if not line.lstrip().startswith("#")]
    skip = {tokenize.COMMENT, tokenize.STRING, tokenize.NL, tokenize.NEWLINE}
    skip |= {getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE",
                                                   "FSTRING_END") if hasattr(tokenize, name)}  # fmt: skip
    return [token.string for token in tokens if token.type not in skip]


def _words_in_code(code: str) -> list[str]:
    """The comments and string literals of a code cell: where its words are (without the
    expressions of an f-string, ``{sum(r.data > 0 for r in relus)}``, which are code)."""
    kinds = {tokenize.COMMENT, tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)}
    words = [token.string for token in _tokens(code) if token.type in kinds]
    return [re.sub(r"\{[^{}]*\}", " ", text) for text in words]  # an f-string's {…} is code


def check(write: bool = False) -> list[str]:
    """Every problem of every translation; with ``write``, the generated notebooks are written
    (those without problems), else a generated notebook that differs from its file is one."""
    problems = []
    for path in sources():
        source = read_json(path)
        for lang in LANGUAGES:
            catalog_file = catalog_path(lang, path.stem)
            if not catalog_file.exists():
                problems.append(f"{lang}/{path.stem}: no catalog {catalog_file.relative_to(ROOT)}")
                continue
            result = translate(source, read_json(catalog_file), lang, path.stem)
            problems += result.problems
            out = output_path(lang, path.stem)
            if write and not result.problems:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(dumps(result.notebook), encoding="utf-8")
            elif not out.exists() or out.read_text(encoding="utf-8") != dumps(result.notebook):
                problems.append(
                    f"{out.relative_to(ROOT)} is not what its source and catalog make: "
                    "run python tools/notebook_languages.py --write"
                )
    for lang in LANGUAGES:
        stems = {path.stem for path in sources()}
        for extra in sorted((NOTEBOOKS / lang).glob("*.ipynb")):
            if extra.stem not in stems:
                problems.append(f"{extra.relative_to(ROOT)} has no English source")
    return problems


def stub() -> int:
    """Add an entry with an empty text for each prose cell that has none or whose English
    changed (the old translation is kept under "old" to start from); returns how many."""
    added = 0
    for path in sources():
        source = read_json(path)
        for lang in LANGUAGES:
            catalog_file = catalog_path(lang, path.stem)
            catalog = read_json(catalog_file) if catalog_file.exists() else {}
            cells = catalog.setdefault("cells", {})
            catalog.setdefault("code", {})
            for cell in source["cells"]:
                if cell["cell_type"] != "markdown":
                    continue
                english, entry = text_of(cell), cells.get(cell["id"])
                if entry is None or entry["en"] != english:
                    old = {"old": entry["text"]} if entry and entry["text"] else {}
                    cells[cell["id"]] = {"en": english, "text": "", **old}
                    added += 1
            catalog_file.parent.mkdir(parents=True, exist_ok=True)
            catalog_file.write_text(dumps(catalog), encoding="utf-8")
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the generated notebooks")
    parser.add_argument("--stub", action="store_true", help="add empty entries to translate")
    args = parser.parse_args(argv)
    if args.stub:
        print(f'{stub()} prose cells to translate (entries with an empty "text")')
    problems = check(write=args.write)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
