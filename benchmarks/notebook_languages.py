"""What running the course costs, per language: every notebook in one kernel, CPU seconds.

    .venv/bin/python benchmarks/notebook_languages.py            # en, zh-Hant, zh-Hans
    .venv/bin/python benchmarks/notebook_languages.py zh-Hant

Each language's notebooks run top to bottom in one kernel, as tests/test_notebook_languages.py runs
them (``%reset -f`` between two notebooks), and the kernel reports its own CPU time (getrusage,
itself and its children). CPU seconds, unlike wall seconds, do not grow when other work shares the
machine, so the figure says what the notebooks add to the test suite on 2 idle cores (about half).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
REPORT = (
    "import resource\n"
    "own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime)"
)


def course_cpu_seconds(lang: str) -> tuple[int, float, float]:
    """(notebooks, kernel CPU seconds, wall seconds) for one language's whole course."""
    folder = NOTEBOOKS if lang == "en" else NOTEBOOKS / lang
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    work = Path(tempfile.mkdtemp())
    combined = nbformat.v4.new_notebook()
    for path in paths:
        (work / path.stem).mkdir()
        setup = f"%reset -f\nimport os\nos.chdir({str(work / path.stem)!r})"
        combined.cells.append(nbformat.v4.new_code_cell(setup))
        combined.cells += nbformat.read(path, as_version=4).cells
    combined.cells.append(nbformat.v4.new_code_cell(REPORT))
    start = time.perf_counter()
    client = nbclient.NotebookClient(
        combined, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()
    wall = time.perf_counter() - start
    return len(paths), float(combined.cells[-1].outputs[0]["text"]), wall


def main() -> None:
    for lang in sys.argv[1:] or ["en", "zh-Hant", "zh-Hans"]:
        count, cpu, wall = course_cpu_seconds(lang)
        print(f"{lang:8} {count} notebooks: {cpu:6.1f} CPU s in the kernel, {wall:6.1f} s wall")


if __name__ == "__main__":
    main()
