"""The course in JupyterLite (microgradpp.web.lite): which notebooks run in the browser, what the
others say first, the kernel's folder, and — slow — every cell of the browser-ready notebooks run
in headless Chromium with no network."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from microgradpp import __version__
from microgradpp.cli import WEB_CACHE
from microgradpp.errors import WebBuildError
from microgradpp.web import lite
from microgradpp.web.lite import (
    browser_blockers,
    build_lite,
    for_the_browser,
    kernel_folder,
    package_wheel,
)
from microgradpp.web.packages import KERNEL_WHEELS, PINNED, sha256_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "steps"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from browsers import CHROMIUM, Browser  # noqa: E402
from offline import all_local, requested, serving  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
BROWSER_READY = [
    "02_value_and_graph.ipynb",
    "03_chain_rule_by_hand.ipynb",
    "04_backprop_equations.ipynb",
    "09_bridge_to_pytorch.ipynb",
]
CACHE = Path(os.environ.get("MICROGRADPP_WEB_CACHE", WEB_CACHE)).expanduser()
CACHED = all(
    (CACHE / pin.filename).exists() and sha256_of(CACHE / pin.filename) == pin.sha256
    for pin in (*PINNED, *KERNEL_WHEELS)
)
needs_packages = pytest.mark.skipif(
    not CACHED, reason=f"the pinned packages are not in {CACHE}: run `make web`"
)
needs_jupyterlite = pytest.mark.skipif(
    shutil.which("jupyter-lite", path=str(Path(sys.executable).parent)) is None
    and shutil.which("jupyter-lite") is None,
    reason="jupyterlite is not installed (pip install 'microgradpp[web]')",
)


def notebook(*codes: str) -> dict:
    cells = [{"cell_type": "markdown", "source": ["# A title"], "metadata": {}}]
    cells += [
        {"cell_type": "code", "source": [code], "metadata": {}, "outputs": [],
         "execution_count": None}
        for code in codes
    ]  # fmt: skip
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_the_browser_ready_notebooks_are_those_without_numpy_or_matplotlib():
    ready = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        if not browser_blockers(json.loads(path.read_text(encoding="utf-8"))):
            ready.append(path.name)
    assert ready == BROWSER_READY
    assert browser_blockers(notebook("import numpy as np\nfrom matplotlib import pyplot")) == [
        "matplotlib",
        "numpy",
    ]
    assert browser_blockers(notebook("x = 'import numpy'", "  import math")) == []


def test_a_notebook_that_needs_a_computer_says_so_first_and_stops_only_in_the_browser(monkeypatch):
    original = notebook("import matplotlib.pyplot as plt", "print(1)")
    changed = for_the_browser(original, "zh-Hant")
    assert changed["cells"][1:] == original["cells"]  # the notebook itself is untouched
    first = "".join(changed["cells"][0]["source"])
    message = (
        "這本筆記本需要 matplotlib，它們無法在瀏覽器（JupyterLite）中執行。請在裝有 Python 的電腦上"
        "用 Jupyter 開啟：pip install 'microgradpp[all]'，然後執行 jupyter lab。"
    )
    assert first.startswith(f"# {message}\n")
    exec(compile(first, "first-cell", "exec"), {})  # on a computer: nothing happens
    monkeypatch.setattr(sys, "platform", "emscripten")
    with pytest.raises(RuntimeError) as info:
        exec(compile(first, "first-cell", "exec"), {})
    assert str(info.value) == message
    ready = notebook("import math")
    assert for_the_browser(ready, "en") is ready


def test_microgradpps_wheel_is_a_wheel_whose_record_matches():
    name, data = package_wheel()
    assert name == f"microgradpp-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(BytesIO(data)) as wheel:
        names = wheel.namelist()
        record = wheel.read(f"microgradpp-{__version__}.dist-info/RECORD").decode().splitlines()
        checked = 0
        for line in record:
            path, digest, size = line.rsplit(",", 2)
            if digest:
                content = wheel.read(path)
                assert int(size) == len(content)
                assert digest == "sha256=" + lite._urlsafe_sha256(content)
                checked += 1
    assert "microgradpp/viz/dot.py" in names and checked == len(names) - 1
    assert b"Tag: py3-none-any" in zipfile.ZipFile(BytesIO(data)).read(
        f"microgradpp-{__version__}.dist-info/WHEEL"
    )


def test_without_jupyterlite_the_message_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(lite.shutil, "which", lambda *_, **__: None)
    with pytest.raises(WebBuildError, match=r"pip install 'microgradpp\[web\]'"):
        build_lite(tmp_path / "site", tmp_path / "cache", NOTEBOOKS)
    assert not (tmp_path / "site").exists() and not (tmp_path / "cache").exists()


@pytest.mark.slow  # builds the site: 12 s
@needs_packages
@needs_jupyterlite
def test_the_site_holds_the_course_in_every_language_and_says_what_needs_a_computer(site):
    for folder, stop in (("", "This notebook needs"), ("zh-Hant", "這本筆記本需要"),
                         ("zh-Hans", "这本笔记本需要")):  # fmt: skip
        files = site / "files" / folder
        assert [path.name for path in sorted(files.glob("0[2-5]*.ipynb"))] == [
            *BROWSER_READY[:3],
            "05_mlp_training.ipynb",
        ]
        ready = json.loads((files / "02_value_and_graph.ipynb").read_text(encoding="utf-8"))
        assert "needs-a-computer" not in json.dumps(ready)
        needs = json.loads((files / "05_mlp_training.ipynb").read_text(encoding="utf-8"))
        assert "".join(needs["cells"][0]["source"]).startswith(f"# {stop} matplotlib")
    config = json.loads((site / "jupyter-lite.json").read_text(encoding="utf-8"))
    settings = config["jupyter-config-data"]["litePluginSettings"][lite.KERNEL_PLUGIN]
    assert settings["disablePyPIFallback"] is True
    assert settings["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert settings["loadPyodideOptions"] == {"packages": ["micropip", "microgradpp"]}


@needs_packages
def test_the_kernels_lock_names_every_wheel_beside_it_with_its_hash(tmp_path):
    preload = kernel_folder(tmp_path, CACHE)
    assert preload == ["micropip", "microgradpp"]
    lock = json.loads((tmp_path / "pyodide-lock.json").read_text(encoding="utf-8"))
    for name in ["micropip", "ipython", "comm", "graphviz", "microgradpp", "prompt-toolkit"]:
        entry = lock["packages"][name]
        data = (tmp_path / entry["file_name"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest(), name
    assert lock["packages"]["microgradpp"]["depends"] == ["graphviz"]
    assert lock["packages"]["ipython"]["depends"][:2] == ["asttokens", "decorator"]
    assert (tmp_path / "graphviz.js").stat().st_size > 500_000


# ------------------------------------------------------------------------------------------------
# In the browser, with no network
# ------------------------------------------------------------------------------------------------

OUTPUTS = """JSON.stringify((() => {
  const found = [];
  const cells = window.nbw.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    const outputs = cell.toJSON().outputs;
    found.push({
      ran: cell.executionCount !== null,
      errors: outputs.filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`),
      svg: outputs.filter((o) => o.data && o.data['image/svg+xml']).length,
    });
  }
  return found;
})())"""


def run_every_cell(tab: Browser, url: str) -> list[dict]:
    """Open a notebook in JupyterLite's notebook app, Run All, wait until the kernel is idle with
    no cell waiting; each code cell's outcome."""
    tab.open(url, timeout=120)
    tab.wait_for("!!(window.jupyterapp && window.jupyterapp.shell)", timeout=120)
    tab.evaluate(
        "window.nbw = null; window.jupyterapp.restored.then(() => "
        "{ window.nbw = window.jupyterapp.shell.currentWidget; })"
    )
    tab.wait_for("!!(window.nbw && window.nbw.context && window.nbw.context.isReady)", 60)
    kernel = "window.nbw.sessionContext.session && window.nbw.sessionContext.session.kernel"
    tab.wait_for(f"!!({kernel}) && {kernel}.status === 'idle'", timeout=300)
    tab.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells'); 0")
    time.sleep(1)
    # done: every code cell ran, or one failed (Run All stops there); read from the notebook's
    # model, not the page (JupyterLab draws only the cells on screen)
    tab.wait_for(
        f"""{kernel}.status === 'idle' && (() => {{
          const cells = window.nbw.content.model.cells;
          let pending = false, failed = false;
          for (let i = 0; i < cells.length; i++) {{
            const cell = cells.get(i);
            if (cell.type !== 'code') continue;
            if (cell.executionCount === null) pending = true;
            if (cell.toJSON().outputs.some((o) => o.output_type === 'error')) failed = true;
          }}
          return !pending || failed;
        }})()""",
        timeout=300,
    )
    return json.loads(tab.evaluate(OUTPUTS))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lite") / "lite"
    build_lite(out, CACHE, NOTEBOOKS)
    return out


@pytest.mark.slow
@needs_packages
@needs_jupyterlite
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_every_cell_of_the_browser_ready_notebooks_runs_offline(site, tmp_path):
    with serving(site, tmp_path) as (wrapper, base):
        with Browser(CHROMIUM, tmp_path / "profile", wrapper=wrapper) as tab:
            tab.send("Network.enable", session=True)
            pictures = {}
            for name in BROWSER_READY:
                cells = run_every_cell(tab, f"{base}/notebooks/index.html?path={name}")
                assert cells and all(cell["ran"] for cell in cells), name
                assert [cell["errors"] for cell in cells if cell["errors"]] == [], name
                pictures[name] = sum(cell["svg"] for cell in cells)
            cells = run_every_cell(tab, f"{base}/notebooks/index.html?path=05_mlp_training.ipynb")
            urls = requested(tab)
    assert pictures["02_value_and_graph.ipynb"] >= 2  # drawn by Graphviz in the kernel
    assert pictures["03_chain_rule_by_hand.ipynb"] >= 1
    [error] = cells[0]["errors"]  # the kernel names the class "<class 'RuntimeError'>"
    assert "RuntimeError" in error.split(": ", 1)[0] and error.split(": ", 1)[1] == (
        "This notebook needs matplotlib: they do not run in the browser (JupyterLite). Open it "
        "in Jupyter on a computer with Python: pip install 'microgradpp[all]', then jupyter lab."
    )
    assert not any(cell["ran"] for cell in cells[1:])  # Run All stopped at the first cell
    assert all_local(urls) == []
