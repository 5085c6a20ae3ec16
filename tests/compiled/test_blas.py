"""microgradpp/compiled/blas.py: one BLAS thread while compiled mode runs, and the number before
put back after the last of several overlapping users (threads) leaves."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("numpy", reason="compiled mode needs numpy (extra: fast)")

from microgradpp.compiled import blas  # noqa: E402

pytestmark = pytest.mark.skipif(blas._OPENBLAS is None, reason="numpy's BLAS is not OpenBLAS")


@pytest.fixture
def two_threads():
    """OpenBLAS set to 2 threads for the test (so 1 inside is visible), then put back."""
    before = blas.blas_threads()
    blas._OPENBLAS[1](2)
    yield
    blas._OPENBLAS[1](before)


def test_one_blas_thread_inside_and_the_number_back_after(two_threads) -> None:
    with blas.one_blas_thread():
        assert blas.blas_threads() == 1
        with blas.one_blas_thread():  # re-entrant
            assert blas.blas_threads() == 1
        assert blas.blas_threads() == 1
    assert blas.blas_threads() == 2


def test_overlapping_threads_put_the_number_back_after_the_last_leaves(two_threads) -> None:
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    seen = []

    def a() -> None:  # enters first, leaves first
        with blas.one_blas_thread():
            a_inside.set()
            b_inside.wait(5)
        a_left.set()

    def b() -> None:  # enters second, leaves last
        a_inside.wait(5)
        with blas.one_blas_thread():
            b_inside.set()
            a_left.wait(5)
            seen.append(blas.blas_threads())  # a has left: still one thread for b
        seen.append(blas.blas_threads())

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == [1, 2]
    assert blas.blas_threads() == 2
