"""The test suite's own set-up (``tests/conftest.py``): a run without Chromium says loudly which
browser tests it skipped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_a_run_without_chromium_names_every_browser_test_it_skipped(tmp_path):
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_pages.py").write_text(
        "import pytest\n"
        'needs_chromium = pytest.mark.skipif(True, reason="Debian\'s chromium is not installed")\n'
        "@needs_chromium\n"
        "def test_step_page(): pass\n"
        "@pytest.mark.skipif(True, reason='Chromium is not installed')\n"
        "def test_playground(): pass\n"
        "@pytest.mark.skipif(True, reason='needs Graphviz')\n"
        "def test_picture(): pass\n"
        "def test_plain(): pass\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 BROWSER TESTS SKIPPED: Chromium is not installed" in done.stdout
    assert "skipped: test_pages.py::test_step_page" in done.stdout
    assert "skipped: test_pages.py::test_playground" in done.stdout
    assert "test_picture" not in done.stdout.split("BROWSER TESTS SKIPPED")[1]


def test_a_run_with_every_browser_test_run_says_nothing_about_chromium(tmp_path):
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_plain.py").write_text("def test_plain(): pass\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "BROWSER" not in done.stdout
