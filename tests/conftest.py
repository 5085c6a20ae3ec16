"""Shared test configuration: an English locale, and hypothesis profiles.

* ``ci`` (the default): derandomized, so every run (and CI) draws the same examples; no deadline
  (a busy machine must not fail a test); a modest number of examples so the suite stays fast.
* ``thorough``: random examples and ten times as many, for hunting bugs by hand:
  ``HYPOTHESIS_PROFILE=thorough .venv/bin/pytest tests/test_gates.py``
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Texts follow the locale (microgradpp.i18n): pin it, so the suite reads English on any machine.
# Tests of other languages pass lang= or set these variables themselves.
for _variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_variable, None)
os.environ["LANG"] = "C.UTF-8"


@pytest.fixture(autouse=True)
def _no_chosen_language():
    """Each test starts with no language chosen by ``i18n.set_language`` (English under the pinned
    locale) — also when the tests run inside a notebook that chose one (notebook 08 runs
    tests/test_gates.py in its own kernel) — and the choice is given back afterwards."""
    from microgradpp import i18n

    chosen = i18n.chosen_language()
    i18n.set_language(None)
    yield
    i18n.set_language(chosen)


settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=600,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def browser_tests_skipped(skipped: list) -> list[str]:
    """The ids of the skipped tests that needed Chromium (their skip reason names it)."""
    reasons = [getattr(report, "longrepr", None) for report in skipped]
    return [
        report.nodeid
        for report, reason in zip(skipped, reasons)
        # a skip's longrepr is (file, line, "Skipped: <reason>")
        if isinstance(reason, tuple) and "chromium" in str(reason[-1]).lower()
    ]


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Say loudly which browser tests did not run: a green run without Chromium has not opened a
    single page (the step page, the exercise page, the projector, the playground)."""
    skipped = browser_tests_skipped(terminalreporter.stats.get("skipped", []))
    if not skipped:
        return
    terminalreporter.write_sep(
        "!", f"{len(skipped)} BROWSER TESTS SKIPPED: Chromium is not installed", red=True, bold=True
    )
    for nodeid in skipped:
        terminalreporter.write_line(f"  skipped: {nodeid}", red=True)
    terminalreporter.write_line(
        "  Install it to run them: `make setup` as root does (Debian: apt-get install chromium)",
        red=True,
        bold=True,
    )
