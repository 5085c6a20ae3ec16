"""Grad mode: whether gates build a graph right now (``no_grad``), per thread, as PyTorch's.

Inside ``with no_grad():`` a gate's result keeps no parents: it is a constant leaf and the
graph ends there (evaluation, parameter updates). The switch is a context variable, so each
thread (and asyncio task) has its own; a global count of open blocks lets the engine skip the
context variable while no thread is inside one (see ``no_grad_blocks``).

A leaf made this way carries the marker ``COMPUTED_IN_NO_GRAD`` in its (otherwise unused)
first local-gradient slot, so that differentiating it can say why nothing flows back.

``create_graph_refused`` is the other switch of this kind: compiled mode traces inside it, and
``backward(create_graph=True)`` is refused there.

This module does not import the engine: it reads and writes a node's slots by name.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from .diagnosis import describe
from .errors import NoGradError
from .i18n import error

grad_enabled: ContextVar[bool] = ContextVar("microgradpp_grad_enabled", default=True)
"""Gradient mode of the running thread (and asyncio task): each has its own value."""
no_grad_blocks = 0
"""How many ``no_grad()`` blocks are open in all threads together. While it is 0, grad mode is on
everywhere, so building a node reads this one number instead of the context variable (it happens
for every node); otherwise it asks the context variable, which answers for the running thread
only."""
_no_grad_lock = threading.Lock()


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside ``with no_grad():`` gates build no graph: results are constant leaves.

    Use it for evaluation and for updating parameters. The switch belongs to the thread (and the
    asyncio task) that enters the block, as PyTorch's grad mode: another thread building a graph
    meanwhile still gets its gradients. Blocks nest; leaving one restores the mode before it.
    """
    global no_grad_blocks
    with _no_grad_lock:
        no_grad_blocks += 1
    previous = grad_enabled.get()
    grad_enabled.set(False)
    try:
        yield
    finally:
        grad_enabled.set(previous)
        with _no_grad_lock:
            no_grad_blocks -= 1


def is_grad_enabled() -> bool:
    """False inside ``no_grad()`` (in this thread)."""
    return grad_enabled.get()


@contextmanager
def enable_grad() -> Iterator[None]:
    """Gates build their graph inside, even within ``no_grad()`` (PyTorch's ``enable_grad``):
    what ``create_graph`` builds is a graph whatever the grad mode."""
    token = grad_enabled.set(True)
    try:
        yield
    finally:
        grad_enabled.reset(token)


COMPUTED_IN_NO_GRAD = "computed in no_grad()"
"""What the unused local-gradient slot of a leaf made by a gate inside ``no_grad()`` holds, so
that ``backward()`` on it can say why there is nothing to go back through (a leaf has no local
gradients: the slot is free; a string, so pickle and copy keep it)."""


def cut_if_no_grad(node: Any) -> None:
    """Inside no_grad() (in this thread) a new node keeps no parents: a constant leaf."""
    if not grad_enabled.get():
        node.first_parent = node.second_parent = node.gate = None
        node.first_local_grad, node.second_local_grad = COMPUTED_IN_NO_GRAD, None


def refuse_a_no_grad_result(node: Any, key: str, **fields: object) -> None:
    """NoGradError when a gate computed node inside no_grad(): differentiating it would find no
    inputs and leave every gradient at 0 (PyTorch raises here too). ``key`` is the catalogs'
    message for who asked (``autograd.no_grad.backward``, ``autograd.no_grad.grad``), filled
    with ``fields`` and the node."""
    if node.first_parent is None and node.first_local_grad == COMPUTED_IN_NO_GRAD:
        raise error(NoGradError, key, node=describe(node), **fields)


_create_graph_refusal: ContextVar[str] = ContextVar("microgradpp_create_graph_refusal", default="")
"""Why ``create_graph`` is refused here, a message id ('' where it is allowed): see
create_graph_refused."""


@contextmanager
def create_graph_refused(reason: str) -> Iterator[None]:
    """Inside (this thread or task), ``backward(create_graph=True)`` and ``grad(...,
    create_graph=True)`` raise a ``CompiledError`` saying ``reason`` (a message id of the
    catalogs, so it is said in every language) instead of building a gradient graph.

    Compiled mode traces inside this: it replays one sample's graph for every sample, and a
    gradient's graph is shaped by that sample's numbers (relu's and max's routes), so a loss
    that differentiates a gradient would be replayed wrong for the others, silently.
    """
    token = _create_graph_refusal.set(reason)
    try:
        yield
    finally:
        _create_graph_refusal.reset(token)


def create_graph_refusal() -> str:
    """Why ``create_graph`` is refused in this thread ('' where it is allowed)."""
    return _create_graph_refusal.get()
