"""Shared test configuration: an English locale, and hypothesis profiles.

* ``ci`` (the default): derandomized, so every run (and CI) draws the same examples; no deadline
  (a busy machine must not fail a test); a modest number of examples so the suite stays fast.
* ``thorough``: random examples and ten times as many, for hunting bugs by hand:
  ``HYPOTHESIS_PROFILE=thorough .venv/bin/pytest tests/test_gates.py``
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Texts follow the locale (microgradpp.i18n): pin it, so the suite reads English on any machine.
# Tests of other languages pass lang= or set these variables themselves.
for _variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_variable, None)
os.environ["LANG"] = "C.UTF-8"

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
