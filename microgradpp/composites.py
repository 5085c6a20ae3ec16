"""Derived gates written as circuits of primitive gates.

Nothing here has a derivative of its own: ``backward()`` differentiates each circuit gate by gate,
using only the primitives' rules in ``gates.py``. That is the point — it is how the textbook builds
a sigmoid neuron, and ``tests/test_composites.py`` proves each circuit gives the same value and
gradient as the fused gate (``Value.sigmoid``, ``Value.tanh``), which is one node instead of four.
"""

from __future__ import annotations

from .engine import Value


def neg(x: Value) -> Value:
    """-x = x · (-1):  one mul gate."""
    return x * -1.0


def sub(a: Value, b: Value) -> Value:
    """a - b = a + (-b):  a mul gate by -1, then an add gate."""
    return a + neg(b)


def div(a: Value, b: Value) -> Value:
    """a / b = a · (1/b):  a reciprocal gate, then a mul gate."""
    return a * b.reciprocal()


def sigmoid(x: Value) -> Value:
    """σ(x) = 1 / (1 + e⁻ˣ):  × −1,  exp,  + 1,  1/x  — the four gates of the cs231n figure.

    Going backward: 1/x gives −1/u², +1 passes the gradient on, exp gives e⁻ˣ, ×−1 gives −1;
    together σ(x)(1 − σ(x)).
    """
    return (neg(x).exp() + 1.0).reciprocal()


def tanh(x: Value) -> Value:
    """tanh x = 2σ(2x) − 1 = 2 / (1 + e⁻²ˣ) − 1:  × −2,  exp,  + 1,  1/x,  × 2,  + (−1)."""
    return (x * -2.0).exp().__add__(1.0).reciprocal() * 2.0 - 1.0


def softplus(x: Value) -> Value:
    """ln(1 + eˣ):  exp,  + 1,  ln  — the textbook circuit of the softplus gate (right where eˣ
    does not overflow; the gate is stable for every x)."""
    return (x.exp() + 1.0).log()
