"""Every error microgradpp raises on purpose, in one place.

Each message says what went wrong, where (gate, node label, input value) and what to do about it.
"""

from __future__ import annotations


class MicrogradppError(Exception):
    """Base class of the errors raised on purpose by microgradpp."""


class GateError(MicrogradppError, ValueError):
    """A gate was asked for a result that is not a finite real number.

    Raised *before* any node is created, so the graph is never half-built.
    Attributes: ``gate`` (the gate's name), ``inputs`` (the input values), ``labels`` (their labels),
    and the message in its two parts: ``problem`` (what went wrong, where) and ``remedy`` (what
    to do about it: the text after "Remedy: ", or ''), so a caller that knows the context (the
    command line evaluating a typed expression) can give advice that fits it.
    """

    def __init__(self, message: str, gate: str = "", inputs: tuple = (), labels: tuple = ()):
        super().__init__(message)
        self.gate = gate
        self.inputs = inputs
        self.labels = labels
        self.problem, _, self.remedy = message.partition(". Remedy: ")


class GradientError(MicrogradppError, FloatingPointError):
    """backward() produced a gradient that is not finite (inf or nan).

    Every gradient is restored to what it was before the call, so nothing is half-updated.
    """


class GraphvizNotFoundError(MicrogradppError, RuntimeError):
    """Drawing an .svg/.png/.pdf needs Graphviz's ``dot`` program and it is not installed.

    The message names the install command for each platform; ``.dot`` output needs nothing.
    """


class GraphTooLargeError(MicrogradppError, ValueError):
    """A graph has more nodes than ``max_nodes``: Graphviz would take tens of seconds or more.

    The message says how to collapse it (``collapse="neuron"`` / ``"layer"``) or raise the limit.
    """


class CompiledError(MicrogradppError, ValueError):
    """Compiled mode (``microgradpp.compiled``) cannot run this model or loss as one program.

    Raised instead of ever giving a wrong number: the graph depends on the sample (a Python
    branch on ``.data``, a number computed from the sample), a loss cannot take its targets as
    Values, BatchNorm in training mode, active Dropout. The message says what to do instead
    (usually: train with the scalar engine, ``compiled=False``).
    """


class DomainError(ValueError):
    """Raised by a gate's ``forward`` for an input outside its domain.

    The engine catches it and re-raises a :class:`GateError` that also names the node.
    ``remedy`` is an optional hint on what to do about it.
    """

    def __init__(self, reason: str, remedy: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.remedy = remedy


EXPLODING_REMEDY = (
    "values are exploding: lower the learning rate, clip gradients "
    "(microgradpp.optim.clip_grad_norm) or normalise the inputs"
)
