"""``gc_paused()``: Python's cyclic garbage collector off while a graph is built.

A graph of Values has no reference cycles (reference counting frees it), so the collector's scans
while a large graph is being built find nothing and cost most of the time. ``fit()`` runs each
training step inside ``gc_paused()`` (``benchmarks/engine.py`` measures the difference).

This module imports nothing from microgradpp.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_gc_lock = threading.Lock()
_gc_pauses = 0  # gc_paused() blocks open, in all threads
_gc_was_enabled = False  # the collector's state when the first of them opened


@contextmanager
def gc_paused() -> Iterator[None]:
    """Switch Python's cyclic garbage collector off inside the block, and back as it was after.

    Why: the collector re-scans every live object each time enough new objects were made, so
    while a large graph is being built most of the time goes into scans that find nothing (a
    graph of Values has no reference cycles: reference counting frees it). ``fit()`` uses this
    around each training step. Blocks nest and may overlap in several threads: the first to open
    records whether the collector was on, the last to close restores that. Memory in reference
    cycles your own code makes inside the block is freed later, when the collector runs again.

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()
