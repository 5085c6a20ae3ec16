"""Every error microgradpp raises on purpose, in one place.

Each message says what went wrong, where (gate, node label, input value) and what to do about it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol


class MicrogradppError(Exception):
    """Base class of the errors raised on purpose by microgradpp.

    ``str()`` is English. An error made by ``i18n.error(cls, "catalog.key", **fields)`` carries
    its ``words`` (the message id and its fields), so :meth:`translated` says the same in any
    language; the command line prints that.
    """

    words: Said | None = None

    def translated(self, lang: str | None = None) -> str:
        """The message in ``lang`` (None: the locale's); English when it has no catalog words."""
        return Exception.__str__(self) if self.words is None else self.words.reason(lang)

    def __str__(self) -> str:
        """English; in the language ``i18n.set_language`` chose, when one was chosen (a notebook
        in Chinese prints its errors in Chinese) and the message has catalog words."""
        chosen = None if self.words is None else self.words.chosen_language()
        if chosen is not None and chosen != "en":
            return self.translated(chosen)
        return Exception.__str__(self)


class GateError(MicrogradppError, ValueError):
    """A gate was asked for a result that is not a finite real number.

    Raised *before* any node is created, so the graph is never half-built.
    Attributes: ``gate`` (the gate's name), ``inputs`` (the input values), ``labels`` (their labels),
    ``overflow`` (True when the result is beyond the largest float, False for an input outside
    the gate's domain such as log(0)), and the message in its two parts: ``problem`` (what went
    wrong, where) and ``remedy`` (what to do about it: the text after "Remedy: ", or ''). The
    gate's remedy knows only the gate (how to keep its input in range); a caller that knows the
    context adds to it or replaces it with :meth:`with_remedy`: training adds learning-rate advice
    (:func:`training_advice`), the command line says to choose other values with --at.

    ``str()`` is English; :meth:`translated` says the same in another language when the error's
    words come from the catalogs (``words``, and ``where``: the gate, its symbol and its inputs).
    """

    def __init__(
        self,
        message: str,
        gate: str = "",
        inputs: tuple = (),
        labels: tuple = (),
        overflow: bool = False,
        *,
        words: Said | None = None,
        where: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.gate = gate
        self.inputs = inputs
        self.labels = labels
        self.overflow = overflow
        self.words, self.where = words, where
        self.problem, _, self.remedy = message.partition(". Remedy: ")
        self.replaced_remedy: str | None = None
        """The remedy :meth:`with_remedy` put instead of the gate's (in the caller's language)."""
        self.advice_key = ""
        """A message id said after the gate's own remedy (training's advice), in any language."""

    @classmethod
    def at(cls, where: Mapping[str, str], words: Said, inputs: tuple, labels: tuple) -> GateError:
        """The error of the gate ``where`` names (gate, symbol, inputs as text), in ``words``."""
        error = cls("", where["gate"], inputs, labels, words.overflow, words=words, where=where)
        return error._said(error.translated("en"))

    def _said(self, message: str) -> GateError:
        self.args = (message,)
        self.problem, _, self.remedy = message.partition(". Remedy: ")
        return self

    def translated(self, lang: str | None = None, remedy: str | None = None) -> str:
        """The message in ``lang`` (None: the locale's); English where its words are not in the
        catalogs. ``remedy`` replaces the remedy (already in ``lang``)."""
        if self.words is None or self.where is None:  # plain English: nothing to translate
            english = Exception.__str__(self)
            return english if remedy is None else f"{self.problem}. Remedy: {remedy}"
        reason = self.words.reason(lang)
        problem = self.words.frame("gate.error", lang, **self.where, reason=reason)
        if remedy is None and self.advice_key:  # the gate's remedy, then the advice
            own, advice = self.words.remedy(lang), self.words.frame(self.advice_key, lang)
            remedy = self.words.frame("gate.remedy_and_advice", lang, remedy=own, advice=advice)
            remedy = remedy if own else advice
        if remedy is None:
            remedy = (
                self.words.remedy(lang) if self.replaced_remedy is None else self.replaced_remedy
            )
        if not remedy:
            return problem
        return self.words.frame("gate.with_remedy", lang, problem=problem, remedy=remedy)

    def with_remedy(self, remedy: str) -> GateError:
        """The same error (same problem, gate, inputs) with another remedy."""
        message = f"{self.problem}. Remedy: {remedy}" if remedy else self.problem
        error = GateError(
            message, self.gate, self.inputs, self.labels, self.overflow,
            words=self.words, where=self.where,
        )  # fmt: skip
        error.replaced_remedy = remedy
        return error


class Said(Protocol):
    """What an error says, by message id in the catalogs, so that it can be said in any language
    (``microgradpp.i18n.Words`` is one; this module stays below the catalogs, importing nothing).
    """

    @property
    def overflow(self) -> bool: ...

    def reason(self, lang: str | None = "en") -> str: ...

    def remedy(self, lang: str | None = "en") -> str: ...

    def frame(self, key: str, lang: str | None = "en", /, **fields: object) -> str:
        """Another message (the sentence around the reason), in the same catalogs."""
        ...

    def chosen_language(self) -> str | None:
        """The language ``i18n.set_language`` chose for this process (None: none was chosen)."""
        ...

    def extended(self, key: str) -> Said:
        """The same words followed by the message ``key`` (training's advice after backward's
        error), said in the same language."""
        ...


class GradientError(MicrogradppError, FloatingPointError):
    """backward() produced a gradient that is not finite (inf or nan).

    Every gradient is restored to what it was before the call, so nothing is half-updated.
    ``overflow`` is False when the cause is a gate whose derivative is infinite at its input
    (√x at 0), True when a finite product of derivatives grew beyond the largest float.
    ``node`` ('x = 2.0') and ``value`` ('inf') say whose gradient came out as what.
    """

    def __init__(self, message: str, overflow: bool = True, node: str = "", value: str = ""):
        super().__init__(message)
        self.overflow, self.node, self.value = overflow, node, value


class NoGradError(MicrogradppError, RuntimeError):
    """Something that needs a graph was asked of numbers computed inside ``no_grad()``.

    Inside ``with no_grad():`` gates record no inputs, so there is nothing to go back through:
    ``backward()`` on such a result, or ``fit`` run inside the block, would leave every gradient
    at 0 and change nothing. Raised instead of that silent no-op (PyTorch raises a RuntimeError,
    "element 0 of tensors does not require grad", in the same place).
    """


class NotDifferentiableError(MicrogradppError, NotImplementedError):
    """A gradient of a gradient (``create_graph=True``) goes through a gate whose local gradients
    exist only as numbers: one without ``local_grads_graph`` (see ``gates.Gate``).

    Nothing is changed: no ``.grad`` is written. The message names the gate and what to write.
    """


class UnusedInputError(MicrogradppError, RuntimeError):
    """``microgradpp.grad(outputs, inputs)`` was asked for the gradient with respect to an input
    that no output was computed from (PyTorch's "appears to not have been used in the graph").

    ``allow_unused=True`` gives None for such an input instead, ``materialize_grads=True`` gives 0.
    ``index`` is the input's position in ``inputs``.
    """

    def __init__(self, message: str, index: int = 0):
        super().__init__(message)
        self.index = index


class GraphvizNotFoundError(MicrogradppError, RuntimeError):
    """Drawing an .svg/.png/.pdf needs a ``dot`` program and none was found (neither the
    system's Graphviz nor the graphviz-pure of ``microgradpp[viz]``), or the bundled one cannot
    draw what was asked (a PDF; a PNG with Chinese text).

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
    ``remedy`` is an optional hint on what to do about it. A gate of this package says it with
    ``i18n.said`` (its words from the catalogs, so the command line can translate them); a gate
    you add may write its reason and remedy in plain English.
    """

    def __init__(
        self, reason: str, remedy: str = "", overflow: bool = False, words: Said | None = None
    ):
        super().__init__(reason)
        self.reason = reason
        self.remedy = remedy
        self.overflow = overflow
        """True when the result is beyond the largest float (exp(1000)), not outside the domain."""
        self.words = words


TRAINING_REMEDY = "training.advice"
"""The message id (catalogs: ``microgradpp/locale/<lang>.json``) of what training (``fit``,
compiled or not) adds to an overflow's remedy; only training: outside it there is no learning
rate to lower."""


@contextmanager
def training_advice() -> Iterator[None]:
    """Inside, an overflow (a gate's result or a gradient beyond the largest float) raised by the
    engine gets :data:`TRAINING_REMEDY` added to its remedy: the same error type and problem.

    ``fit`` runs inside this (as a decorator); a gate used directly (``Value(1000).exp()``) says
    only what overflowed and how to keep its input in range. Advice already given is not repeated
    (``fit(compiled=True)`` runs inside the same one).
    """
    try:
        yield
    except GateError as error:
        if not error.overflow or error.words is None:
            raise
        advice = error.words.frame(TRAINING_REMEDY)
        if advice in error.remedy:
            raise
        remedy = f"{error.remedy}; {advice}" if error.remedy else advice
        advised = error.with_remedy(remedy)
        advised.advice_key = TRAINING_REMEDY  # said in any language by translated()
        raise advised from None
    except GradientError as error:
        if not error.overflow or error.words is None:
            raise
        advice = error.words.frame(TRAINING_REMEDY + ".gradient")
        if advice in Exception.__str__(error):
            raise
        gradient = GradientError(f"{error} {advice}", True, error.node, error.value)
        gradient.words = error.words.extended(TRAINING_REMEDY + ".gradient")
        raise gradient from None


class WebBuildError(MicrogradppError, RuntimeError):
    """The playground (``microgradpp web``) could not be built: a package could not be
    downloaded, or what arrived is not what was pinned (its SHA-256 differs)."""
