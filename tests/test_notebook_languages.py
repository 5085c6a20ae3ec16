"""The course in zh-Hant and zh-Hans: ``notebooks/<lang>/*.ipynb``, made by
``tools/notebook_languages.py`` from the English notebooks and a catalog per notebook.

Fails when a language's notebook is missing, lacks a cell, is out of date with its English source
or its catalog, leaves a prose cell, a comment or a printed sentence in English, or changes the
code; the translated notebooks run top to bottom, one kernel per language (the code is the
English code, so the same asserts hold).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location(
    "notebook_languages", ROOT / "tools/notebook_languages.py"
)
assert _spec is not None and _spec.loader is not None
languages = importlib.util.module_from_spec(_spec)
sys.modules["notebook_languages"] = languages  # (its dataclass looks itself up there)
_spec.loader.exec_module(languages)

SOURCES = languages.sources()


def test_every_notebook_is_translated_completely_and_up_to_date():
    assert languages.check() == []
    for lang in languages.LANGUAGES:
        made = sorted(path.stem for path in (ROOT / "notebooks" / lang).glob("*.ipynb"))
        assert made == [path.stem for path in SOURCES]


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("lang", languages.LANGUAGES)
def test_a_translated_notebook_has_every_cell_of_its_source_and_the_same_code(lang):
    for source in SOURCES:
        cells = _cells(source)
        translated = [
            c for c in _cells(ROOT / "notebooks" / lang / source.name) if c["id"] != "language"
        ]
        assert [c["id"] for c in translated] == [c["id"] for c in cells], source.stem
        assert [c["cell_type"] for c in translated] == [c["cell_type"] for c in cells]
        for english, cell in zip(cells, translated):
            if cell["cell_type"] == "code":
                same = languages._code_tokens("".join(english["source"]))
                assert languages._code_tokens("".join(cell["source"])) == same, cell["id"]
                assert cell["outputs"] == [] and cell["execution_count"] is None


def test_the_check_finds_a_missing_a_stale_and_an_untranslated_cell():
    source = json.loads(SOURCES[0].read_text(encoding="utf-8"))
    catalog = json.loads(languages.catalog_path("zh-Hant", SOURCES[0].stem).read_text("utf-8"))
    stem = SOURCES[0].stem
    assert languages.translate(source, catalog, "zh-Hant", stem).problems == []
    markdown = [c for c in source["cells"] if c["cell_type"] == "markdown"]
    code = [c for c in source["cells"] if c["cell_type"] == "code" and c["id"] in catalog["code"]]

    stale = json.loads(json.dumps(source))
    first = next(c for c in stale["cells"] if c["id"] == markdown[0]["id"])
    first["source"] = ["# A new title\n", *first["source"][1:]]
    [problem] = languages.translate(stale, catalog, "zh-Hant", stem).problems
    assert f"cell {markdown[0]['id']}: out of date, the English is now:\n# A new title" in problem

    missing = json.loads(json.dumps(catalog))
    del missing["cells"][markdown[1]["id"]]
    [problem] = languages.translate(source, missing, "zh-Hant", stem).problems
    assert (
        problem
        == f"zh-Hant/{stem} cell {markdown[1]['id']}: no translation (run --stub, then translate)"
    )

    english = json.loads(json.dumps(catalog))
    english["cells"][markdown[1]["id"]]["text"] = "This cell is still in English."
    [problem] = languages.translate(source, english, "zh-Hant", stem).problems
    assert problem.endswith("still English: ['This cell is still in English']")

    comment = json.loads(json.dumps(catalog))
    comment["code"][code[0]["id"]] = []
    problems = languages.translate(source, comment, "zh-Hant", stem).problems
    assert problems and all("comments or strings still English" in p for p in problems)

    changed = json.loads(json.dumps(catalog))
    changed["code"][code[0]["id"]].append(["(", "["])
    problems = languages.translate(source, changed, "zh-Hant", stem).problems
    assert (
        f"zh-Hant/{stem} cell {code[0]['id']}: the translation changed the code itself" in problems
    )


SIMPLIFIED_ONLY = "传连计图节点网题与数输学习单择选对应门层经权这个级会开"
TRADITIONAL_ONLY = "傳連計圖節點網題與數輸學習單擇選對應閘層經權這個級會開"


@pytest.mark.parametrize(
    "lang, wrong, words",
    [
        ("zh-Hant", SIMPLIFIED_ONLY, ["反向傳播", "梯度", "節點"]),
        ("zh-Hans", TRADITIONAL_ONLY, ["反向传播", "梯度", "节点"]),
    ],
)
def test_each_language_keeps_to_its_script_and_the_notes_terms(lang, wrong, words):
    text = ""
    for path in sorted((ROOT / "notebooks" / "locale" / lang).glob("*.json")):
        catalog = json.loads(path.read_text(encoding="utf-8"))
        text += "".join(entry["text"] for entry in catalog["cells"].values())
        text += "".join(pair[1] for pairs in catalog["code"].values() for pair in pairs)
    assert [c for c in wrong if c in text] == []
    for word in words:
        assert word in text, word
    other_regions = {
        "zh-Hant": ["數據", "默認", "鏈式法則", "偏置", "信息", "程序員"],
        "zh-Hans": ["资料", "预设", "连锁律", "程式", "讯息", "档案"],
    }[lang]
    text = text.replace("方程式", "")  # (an equation in both; 程式 alone is Taiwan's "program")
    assert [word for word in other_regions if word in text] == []


def _run_in_one_kernel(notebooks: list[Path], workdir: Path) -> None:
    """Every notebook, top to bottom, in one kernel: between two notebooks the namespace is
    cleared, the figures closed and the working directory fresh (a kernel and its imports are
    started once per language instead of once per notebook)."""
    nbformat = pytest.importorskip("nbformat", reason="notebooks need nbformat (extra: notebook)")
    nbclient = pytest.importorskip("nbclient", reason="notebooks need nbclient (extra: notebook)")
    pytest.importorskip("ipykernel", reason="notebooks need ipykernel (extra: notebook)")
    combined = nbformat.v4.new_notebook()
    for path in notebooks:
        folder = workdir / path.stem
        folder.mkdir()
        between = nbformat.v4.new_code_cell(
            "%reset -f\nimport os\nimport matplotlib.pyplot\n\nmatplotlib.pyplot.close('all')\n"
            f"os.chdir({str(folder)!r})"
        )
        combined.cells.append(between)
        for cell in nbformat.read(path, as_version=4).cells:
            cell.metadata["from"] = path.name
            combined.cells.append(cell)
    client = nbclient.NotebookClient(
        combined, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as error:
        failing = next(
            (c.metadata.get("from") for c in combined.cells
             if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
            "?",
        )  # fmt: skip
        pytest.fail(f"{failing} failed:\n{error}")


HALVES = {"first half": SOURCES[: len(SOURCES) // 2], "second half": SOURCES[len(SOURCES) // 2 :]}
"""Each language's course runs in two kernels, one per half (two tests of about the same length:
pytest-xdist's two workers share them evenly instead of waiting on one long test)."""


@pytest.mark.slow
@pytest.mark.parametrize("half", HALVES)
@pytest.mark.parametrize("lang", languages.LANGUAGES)
def test_the_translated_course_runs_top_to_bottom(lang, half, tmp_path):
    notebooks = [ROOT / "notebooks" / lang / path.name for path in HALVES[half]]
    _run_in_one_kernel(notebooks, tmp_path)
