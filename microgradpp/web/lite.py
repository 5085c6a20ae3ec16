"""The course in JupyterLite: the notebooks, run by Python in the browser, offline.

``build_lite(out, cache, notebooks)`` writes a JupyterLite site (``jupyter lite build``, from the
``web`` extra: jupyterlite-core, jupyterlite-pyodide-kernel, jupyter-server) whose kernel is the
pinned Pyodide with every package it loads beside it:

* Pyodide's lock file is rewritten so that each package the kernel loads (micropip, IPython and
  what it needs, comm) names the wheel downloaded from PyPI and its SHA-256 — the npm package has
  the lock but none of the package files — and so that it lists microgradpp and graphviz, which
  the kernel loads at start (a notebook's install cell then finds microgradpp already there);
* ``graphviz.js`` (Graphviz in WebAssembly) lies beside Pyodide: ``viz.dot`` loads it in the
  kernel the first time a picture is drawn;
* nothing is left to fetch from the network (``disablePyPIFallback``).

The notebooks that import numpy or matplotlib cannot run there (no registry has Pyodide builds of
them): their copy in the site starts with a cell that says so, in the course's language, and stops
there, instead of failing at an import halfway down.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import WebBuildError
from ..i18n import LANGUAGES, Translator, error
from .build import PYODIDE_FILES, PYODIDE_LOCK, collect, package_files
from .packages import GRAPHVIZ_PYTHON, KERNEL_WHEELS, Pinned, fetch

NOT_IN_THE_BROWSER = ("matplotlib", "numpy")
"""Imports that stop a notebook from running in JupyterLite (no Pyodide builds of them here)."""
BUILD_SECONDS = 600
"""The most ``jupyter lite build`` may take."""
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"


def browser_blockers(notebook: dict[str, Any]) -> list[str]:
    """The packages of NOT_IN_THE_BROWSER that a notebook's code imports."""
    code = "\n".join(
        "".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"
    )
    imported = set(re.findall(r"^\s*(?:import|from)\s+(\w+)", code, re.MULTILINE))
    return [name for name in NOT_IN_THE_BROWSER if name in imported]


def for_the_browser(notebook: dict[str, Any], lang: str) -> dict[str, Any]:
    """The notebook as the site holds it: as it is when it can run in the browser, else with a
    first cell that says what it needs and stops Run All there (only in the browser)."""
    needs = browser_blockers(notebook)
    if not needs:
        return notebook
    t = Translator(lang)
    message = t("web.lite.needs", packages=", ".join(needs))
    first: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": None,
        "id": "needs-a-computer",
        "metadata": {},
        "outputs": [],
        "source": [
            f"# {message}\n",
            "import sys\n",
            "\n",
            'if sys.platform == "emscripten":  # Python in the browser (JupyterLite)\n',
            f"    raise RuntimeError({message!r})",
        ],
    }
    return {**notebook, "cells": [first, *notebook["cells"]]}


def package_wheel() -> tuple[str, bytes]:
    """microgradpp as a wheel (name, bytes), from its installed files: what the kernel loads."""
    name = f"microgradpp-{__version__}-py3-none-any.whl"
    dist_info = f"microgradpp-{__version__}.dist-info"
    files = dict(package_files())
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: microgradpp\nVersion: {__version__}\n"
        "Summary: A small, fast, readable scalar autodiff engine that teaches backpropagation\n"
        "License: MIT\nRequires-Dist: graphviz>=0.20\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: microgradpp web\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    files[f"{dist_info}/top_level.txt"] = b"microgradpp\n"
    record = [f"{path},sha256={_urlsafe_sha256(data)},{len(data)}" for path, data in files.items()]
    files[f"{dist_info}/RECORD"] = ("\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            archive.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), data)
    return name, buffer.getvalue()


def _urlsafe_sha256(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def lock_entry(name: str, version: str, filename: str, data: bytes, depends: list[str]) -> dict:
    """One package of Pyodide's lock file, for a pure-Python wheel."""
    return {
        "name": name,
        "version": version,
        "file_name": filename,
        "install_dir": "site",
        "sha256": hashlib.sha256(data).hexdigest(),
        "package_type": "package",
        "imports": [name.replace("-", "_")],
        "depends": depends,
        "unvendored_tests": False,
        "tool": {},
    }


def kernel_folder(folder: Path, cache: Path) -> list[str]:
    """Pyodide and every wheel the kernel loads, in ``folder``, with the lock rewritten to
    match them. Returns the packages the kernel loads at start."""
    assets, _ = collect(cache)
    folder.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_FILES:
        (folder / name).write_bytes(assets[name])
    (folder / "graphviz.js").write_bytes(assets["graphviz.js"])
    lock = json.loads(assets[PYODIDE_LOCK])
    packages: dict[str, dict] = lock["packages"]
    wheels: list[tuple[Pinned, bytes]] = [
        (pin, fetch(pin, cache).read_bytes()) for pin in (*KERNEL_WHEELS, GRAPHVIZ_PYTHON)
    ]
    for pin, data in wheels:
        (folder / pin.filename).write_bytes(data)
        known = packages.get(pin.name, {})
        entry = lock_entry(pin.name, pin.version, pin.filename, data, known.get("depends", []))
        entry["imports"] = known.get("imports", entry["imports"])
        packages[pin.name] = entry
    wheel_name, wheel = package_wheel()
    (folder / wheel_name).write_bytes(wheel)
    packages["microgradpp"] = lock_entry(
        "microgradpp", __version__, wheel_name, wheel, ["graphviz"]
    )
    (folder / PYODIDE_LOCK).write_text(json.dumps(lock), encoding="utf-8")
    return ["micropip", "microgradpp"]


def build_lite(out: str | Path, cache: str | Path, notebooks: str | Path, lang: str = "en") -> dict:
    """Build the JupyterLite site of ``notebooks`` in ``out`` (with its translations, from its
    ``zh-Hant/`` and ``zh-Hans/`` folders, in the site's folders of those names). Returns which
    notebooks run in the browser (``ready``) and which need a computer (``needs``: name ->
    packages)."""
    out, cache, notebooks = Path(out), Path(cache), Path(notebooks)
    program = _jupyter_lite()
    sources = sorted(notebooks.glob("*.ipynb"))
    if not sources:
        raise error(WebBuildError, "web.no_notebooks", folder=notebooks)
    # the course's translations, where there are any: notebooks/zh-Hant/, notebooks/zh-Hans/
    folders = [(notebooks, "", lang)] + [
        (notebooks / code, code, code) for code in LANGUAGES if (notebooks / code).is_dir()
    ]
    report: dict[str, Any] = {"ready": [], "needs": {}}
    with tempfile.TemporaryDirectory(prefix="microgradpp-lite-") as temporary:
        lite = Path(temporary)
        preload = kernel_folder(lite / "static" / "pyodide", cache)
        for folder, inside, language in folders:
            (lite / "files" / inside).mkdir(parents=True, exist_ok=True)
            for source in sorted(folder.glob("*.ipynb")):
                notebook = json.loads(source.read_text(encoding="utf-8"))
                if not inside:  # the report: by the English notebooks (the others are theirs)
                    needs = browser_blockers(notebook)
                    if needs:
                        report["needs"][source.name] = needs
                    else:
                        report["ready"].append(source.name)
                changed = for_the_browser(notebook, language)
                copy = json.dumps(changed, ensure_ascii=False, indent=1)
                (lite / "files" / inside / source.name).write_text(copy + "\n", encoding="utf-8")
        settings = {
            "disablePyPIFallback": True,
            "loadPyodideOptions": {"packages": preload},
        }
        config = {
            "jupyter-lite-schema-version": 0,
            "jupyter-config-data": {
                "appName": "microgradpp",
                "exposeAppInBrowser": True,  # lets a test (and a teacher's console) drive it
                "litePluginSettings": {KERNEL_PLUGIN: settings},
            },
        }
        (lite / "jupyter-lite.json").write_text(json.dumps(config), encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        command = [program, "build", "--lite-dir", str(lite), "--output-dir", str(out),
                   "--no-sourcemaps", "--no-libarchive"]  # fmt: skip
        try:
            finished = subprocess.run(
                command, cwd=lite, capture_output=True, text=True, timeout=BUILD_SECONDS,
                check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as problem:
            raise error(WebBuildError, "web.lite_failed", reason=problem) from None
        if finished.returncode != 0:
            tail = (finished.stderr or finished.stdout).strip().splitlines()[-5:]
            raise error(WebBuildError, "web.lite_failed", reason=" / ".join(tail))
    return report


def _jupyter_lite() -> str:
    """The ``jupyter-lite`` program of this Python's environment (or on PATH)."""
    folder = str(Path(sys.executable).parent)
    for path in (folder, None):
        found = shutil.which("jupyter-lite", path=path)
        if found is not None:
            return found
    raise error(WebBuildError, "web.lite_missing")
