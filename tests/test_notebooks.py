"""The notebooks in notebooks/ are the course: each one runs top to bottom here.

Every notebook asserts its key numbers in a cell, so a broken engine fails its notebook. Each runs in
its own Jupyter kernel (nbclient + ipykernel), in a temporary working directory so that the files a
notebook writes (pictures, step-by-step pages) never land in the source tree.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_SECONDS = 120

pytestmark = pytest.mark.slow  # each notebook runs in a kernel: `pytest -m "not slow"` skips them


COURSE = [
    "01_derivatives",
    "02_value_and_graph",
    "03_chain_rule_by_hand",
    "04_backprop_equations",
    "05_mlp_training",
    "06_optimizers",
    "07_vanishing_and_exploding",
    "08_add_your_own_gate",
    "09_bridge_to_pytorch",
    "10_softmax_and_cross_entropy",
    "11_why_nonlinearity",
    "12_training_dynamics",
    "13_regularisation_and_init",
    "14_vectorised_form",
    "15_digits",
    "16_gradients_of_gradients",
]


def test_the_course_has_its_notebooks() -> None:
    assert [path.stem for path in NOTEBOOKS] == COURSE


def run_notebook(path: Path, workdir: Path, env: dict[str, str] | None = None) -> str:
    """Execute every cell in a fresh python3 kernel; CellExecutionError (with the cell) on failure.

    Returns everything the cells printed.
    """
    nbformat = pytest.importorskip("nbformat", reason="notebooks need nbformat (extra: notebook)")
    nbclient = pytest.importorskip("nbclient", reason="notebooks need nbclient (extra: notebook)")
    pytest.importorskip("ipykernel", reason="notebooks need ipykernel (extra: notebook)")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},  # the kernel's working directory
    )
    client.execute(**({"env": env} if env is not None else {}))
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
    return "".join(
        output.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "stream"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    run_notebook(path, tmp_path)


def test_the_graph_notebooks_run_without_graphviz(tmp_path: Path) -> None:
    """Without Graphviz's dot, pictures show as text and the step page is skipped: no cell fails."""
    path_without_dot = os.pathsep.join(
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if folder and not os.access(os.path.join(folder, "dot"), os.X_OK)
    )
    assert shutil.which("dot", path=path_without_dot) is None
    env = {**os.environ, "PATH": path_without_dot, "MICROGRADPP_DOT": "system"}  # nor bundled
    for name in ("02_value_and_graph", "03_chain_rule_by_hand"):
        run_notebook(NOTEBOOK_DIR / f"{name}.ipynb", tmp_path, env=env)


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_installs_microgradpp_when_missing(path: Path) -> None:
    """Course material opened on its own (Colab, a fresh Jupyter): the first code cell installs the
    package from the repository when it cannot be imported (the PyPI name is another project's)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    first = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
    source = "".join(first["source"])
    assert 'importlib.util.find_spec("microgradpp") is None' in source
    assert '"pip", "install"' in source and "@ {REPOSITORY}" in source


def test_every_new_notebook_has_an_exercise_with_a_folded_answer() -> None:
    for path in NOTEBOOKS[9:]:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        text = "".join("".join(c["source"]) for c in notebook["cells"])
        assert "## Exercise" in text and "<details><summary><b>Answer</b>" in text, path.name
        assert re.search(r"notes? 00\d", text, re.IGNORECASE), f"{path.name} cites no lecture note"


def test_readme_links_every_notebook() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [path.name for path in NOTEBOOKS if f"(notebooks/{path.name})" not in readme]
    assert missing == [], f"README.md does not link {missing} (one line per notebook)"


def test_the_pytorch_notebook_runs_without_torch(tmp_path: Path) -> None:
    """Where torch is missing, notebook 09 says so, skips the comparisons and still passes."""
    hidden = tmp_path / "hide_torch"
    hidden.mkdir()
    (hidden / "torch.py").write_text('raise ImportError("torch is hidden by this test")\n')
    pythonpath = os.pathsep.join(filter(None, [str(hidden), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": pythonpath}
    printed = run_notebook(NOTEBOOK_DIR / "09_bridge_to_pytorch.ipynb", tmp_path, env=env)
    assert "PyTorch is not installed: the comparison cells below will be skipped." in printed
    assert printed.count("skipped: PyTorch is not installed") == 7  # every comparison cell
    assert "microgradpp losses:" in printed


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_notebook_03s_exercise_asks_for_named_nodes() -> None:
    """The exercise page of notebook 03 asks ∂f/∂p, ∂f/∂m, ∂f/∂s, not ∂f/∂n4 (issue 18)."""
    from microgradpp import Value
    from microgradpp.errors import GraphvizNotFoundError

    cells = json.loads((NOTEBOOK_DIR / "03_chain_rule_by_hand.ipynb").read_text("utf-8"))["cells"]
    code = "".join(next(c for c in cells if c.get("id") == "03-exercise-page")["source"])
    names: dict = {"Value": Value, "GraphvizNotFoundError": GraphvizNotFoundError}
    exec(code, names)
    asked = re.search(r'id="exercise-data">(.*?)</script>', names["exercise"].html).group(1)
    questions = [q["name"] for q in json.loads(asked)["questions"]]
    assert questions == ["s", "p", "m", "z", "w", "x", "y"]
