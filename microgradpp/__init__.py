"""microgradpp: a small, fast, readable scalar autodiff engine that teaches backpropagation.

    >>> from microgradpp import Value
    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> f = (x + y) * z
    >>> f.backward()
    >>> f.data, x.grad, y.grad, z.grad
    (-12.0, -4.0, -4.0, 3.0)

Modules: ``engine`` (Value, backward), ``gates`` (every derivative), ``composites`` (sigmoid and
tanh as circuits of primitive gates), ``gradcheck``; ``nn``, ``losses``, ``optim``, ``data``,
``train`` for networks; ``viz`` for pictures.
"""

from __future__ import annotations

import sys
from typing import Any

from . import gradcheck
from .autograd import grad
from .engine import (
    Value,
    apply_gate,
    backward_order,
    is_grad_enabled,
    linear,
    no_grad,
    topological_order,
)
from .engine import maximum as max  # noqa: A001 - microgradpp.max(a, b), as documented
from .engine import sum_values as sum  # noqa: A001 - microgradpp.sum(values)
from .errors import (
    GateError,
    GradientError,
    MicrogradppError,
    NoGradError,
    NotDifferentiableError,
    UnusedInputError,
)
from .gates import GATES, Gate
from .gc_pause import gc_paused

__version__ = "0.1.0"

__all__ = [
    "GATES",
    "Gate",
    "GateError",
    "GradientError",
    "MicrogradppError",
    "NoGradError",
    "NotDifferentiableError",
    "UnusedInputError",
    "Value",
    "apply_gate",
    "backward_order",
    "gc_paused",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "linear",
    "load",
    "max",
    "no_grad",
    "save",
    "sum",
    "topological_order",
]


def _show_values_in_jupyter() -> None:
    """In Jupyter, show a Value as a picture of its graph. The display hook lives in ``viz`` (the
    engine knows nothing of pictures), so it is attached here, when IPython is running."""
    if "IPython" in sys.modules:
        try:
            from . import viz  # noqa: F401 - importing viz attaches the hook
        except ImportError:
            pass


_show_values_in_jupyter()


def __getattr__(name: str) -> Any:
    """``microgradpp.save`` / ``microgradpp.load`` come from ``serialize`` (imported on first use)."""
    if name in ("save", "load"):
        from . import serialize

        return getattr(serialize, name)
    raise AttributeError(f"module 'microgradpp' has no attribute {name!r}")
