"""One BLAS thread while compiled mode runs (environment work, not the compiler).

A small network's matrices are too small to share between threads, and on a busy machine the
threads spin waiting for each other, so a step can take many times longer than on one thread (the
figures are in benchmarks/RESULTS.md). ``one_blas_thread()`` sets OpenBLAS to one thread while
compiled mode runs and puts the number back afterwards.

The setting belongs to the whole process, so overlapping users (two compiled fits in two threads)
share it: the first to enter saves the number and sets 1, the last to leave puts it back. Without
that count, a thread leaving first would "restore" the 1 the other one had set.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def _find_openblas() -> tuple[Any, Any] | None:
    """(get_num_threads, set_num_threads) of the OpenBLAS numpy loaded; None if not found."""
    try:
        with open("/proc/self/maps") as maps:  # Linux: the shared libraries this process loaded
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        return None
    for path in paths:
        if not path.startswith("/"):
            continue
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            for suffix in ("64_", ""):
                get = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                set_ = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and set_ is not None:
                    return get, set_
    return None


_OPENBLAS = _find_openblas()
_lock = threading.Lock()
_users = 0  # how many one_blas_thread() blocks are open now, in all threads
_saved = 0  # the thread count the first of them found


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Inside ``with one_blas_thread():`` numpy's OpenBLAS uses one thread (re-entrant, and safe
    when several threads overlap: the count before the first one is put back after the last)."""
    global _users, _saved
    if _OPENBLAS is None:
        yield
        return
    get, set_ = _OPENBLAS
    with _lock:
        if _users == 0:
            _saved = get()
            set_(1)
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                set_(_saved)


def blas_threads() -> int | None:
    """How many threads OpenBLAS uses now (None: numpy's BLAS is not an OpenBLAS found here)."""
    return None if _OPENBLAS is None else int(_OPENBLAS[0]())
