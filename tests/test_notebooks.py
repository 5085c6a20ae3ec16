"""The notebooks in notebooks/ are the course: each one runs top to bottom here.

Every notebook asserts its key numbers in a cell, so a broken engine fails its notebook. Each runs in
its own Jupyter kernel (nbclient + ipykernel), in a temporary working directory so that the files a
notebook writes (pictures, step-by-step pages) never land in the source tree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_SECONDS = 120


def test_the_course_has_its_notebooks() -> None:
    names = [path.stem for path in NOTEBOOKS]
    assert names[:3] == ["01_derivatives", "02_value_and_graph", "03_chain_rule_by_hand"]
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+", name) for name in names), names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat", reason="notebooks need nbformat (extra: notebook)")
    nbclient = pytest.importorskip("nbclient", reason="notebooks need nbclient (extra: notebook)")
    pytest.importorskip("ipykernel", reason="notebooks need ipykernel (extra: notebook)")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},  # the kernel's working directory
    )
    client.execute()  # raises CellExecutionError, with the failing cell and traceback, on failure
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_is_stored_with_outputs_cleared(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert code_cells, f"{path.name} has no code cells"
    dirty = [
        index
        for index, cell in enumerate(code_cells)
        if cell["outputs"] != [] or cell["execution_count"] is not None
    ]
    assert dirty == [], (
        f"{path.name}: code cells {dirty} were saved with outputs; clear them before committing "
        "(Jupyter: Edit > Clear Outputs of All Cells, then save)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_asserts_its_key_numbers(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    sources = ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert any(re.search(r"^\s*assert ", source, re.MULTILINE) for source in sources), (
        f"{path.name} checks no number: add a cell of asserts so a broken engine fails it"
    )


def test_readme_links_every_notebook() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [path.name for path in NOTEBOOKS if f"(notebooks/{path.name})" not in readme]
    assert missing == [], f"README.md does not link {missing} (one line per notebook)"
