"""Gradient checking: compare the gradients ``backward()`` computes with finite differences.

The derivative is the limit of a difference quotient. With a small step ε the *central*
difference approximates it to second order:

    f'(x) ≈ (f(x + ε) − f(x − ε)) / 2ε          error ≈ ε²·f'''(x)/6  (+ rounding ≈ 10⁻¹⁶·|f|/ε)

It costs two evaluations of f per input and needs no calculus at all, so it is an independent
witness for the chain rule: if ``backward()`` and the central difference agree, the gradient is right.

Four functions:

* :func:`central_difference` — the numeric derivative of a function of plain floats;
* :func:`gradcheck` — every input of a small function: analytic (backward) vs numeric, as a table;
* :func:`gradgradcheck` — the second derivatives ∂²f/∂xᵢ∂xⱼ (``microgradpp.grad`` with
  ``create_graph=True``, then again) against central differences of the first derivatives:
  (∂f/∂xᵢ(x + εeⱼ) − ∂f/∂xᵢ(x − εeⱼ)) / 2ε, each ∂f/∂xᵢ from backward();
* :func:`directional_gradcheck` — a whole model with many parameters, in one pair of evaluations:
  along a random unit direction v, the directional derivative ∇f·v (from ``backward()``) must equal
  (f(p + εv) − f(p − εv)) / 2ε. A wrong gradient component shows up for almost every v.

A pair (analytic a, numeric n) passes when ``|a − n| <= atol + rtol·|n|`` (as ``numpy.isclose``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import cast

from . import i18n, sums
from .engine import Value, no_grad, topological_order
from .errors import GateError
from .formatting import format_number
from .i18n import Translator, message
from .tables import format_table
from .validation import describe, is_integer, is_real, positive, real

__all__ = [
    "DirectionalGradcheckReport",
    "GradcheckReport",
    "GradcheckRow",
    "central_difference",
    "directional_gradcheck",
    "gradcheck",
    "gradgradcheck",
]


def central_difference(
    f: Callable[..., float | Value], *xs: float | Value, arg: int = 0, eps: float = 1e-6
) -> float:
    """(f(…, x + ε, …) − f(…, x − ε, …)) / 2ε for the argument number ``arg``: ≈ ∂f/∂x_arg.

    ``f`` is called with plain floats (Values in ``xs`` are replaced by their ``.data``); it may
    return a float or a Value (``float()`` is taken). To check a function written with Value
    methods such as ``x.tanh()``, pass ``lambda x: f(Value(x))``.

    >>> round(central_difference(lambda x, y: x * y, 3.0, 4.0, arg=1), 6)   # ∂(xy)/∂y = x
    3.0
    """
    if not xs:
        raise i18n.error(ValueError, "gradcheck.error.no_input")
    point = [_as_float(x, _input(i)) for i, x in enumerate(xs)]
    if not is_integer(arg) or not 0 <= arg < len(point):
        raise i18n.error(ValueError, "gradcheck.error.arg", count=len(point), got=repr(arg))
    eps = positive(eps, "eps")

    def f_at(x: float) -> float:
        shifted = list(point)
        shifted[arg] = x
        return _call_with_floats(f, shifted)

    return (f_at(point[arg] + eps) - f_at(point[arg] - eps)) / (2.0 * eps)


# ------------------------------------------------------------------------------------------------
# gradcheck: every input of a small function
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradcheckRow:
    """One input of a gradcheck: its name, ∂f/∂input by backward and numerically, and the verdict."""

    name: str
    analytic: float
    numeric: float
    error: float
    """|analytic − numeric|"""
    ok: bool
    note: str = ""
    """Why the check failed, when the cause is known: a kink, or ε stepping out of a domain."""
    why: Note | None = field(default=None, compare=False, repr=False)
    """The same note by message id, to say it in another language (``why.say(lang)``)."""


@dataclass(frozen=True)
class Note:
    """Why a check failed, in the catalogs' words (``gradcheck.*``): the message ``key`` with its
    ``fields``, and ``detail``, a sentence of its own (in a language) put into its ``{detail}``."""

    key: str
    fields: Mapping[str, object]
    detail: Callable[[str | None], str]

    def say(self, lang: str | None = "en") -> str:
        return message(self.key, lang, **self.fields, detail=self.detail(lang))


@dataclass(frozen=True)
class GradcheckReport:
    """What :func:`gradcheck` found. Truthy iff every input passed; iterate it for the rows.

    ``print(report)`` shows a table, one row per input::

        gradcheck: all 3 inputs ok  (eps=1e-06, pass if |analytic - numeric| <= 1e-05 + 0.0001*|numeric|)
        input  analytic       numeric  abs error  ok
        x            -4  -4.000000001    5.6e-10  ok
        y            -4  -4.000000001    5.6e-10  ok
        z             3             3    4.7e-10  ok
    """

    rows: tuple[GradcheckRow, ...]
    eps: float
    atol: float
    rtol: float
    order: int = 1
    """1: one row per input (∂f/∂x); 2: one row per pair of inputs (∂²f/∂x∂y, gradgradcheck)."""

    @property
    def ok(self) -> bool:
        """True iff every input passed."""
        return all(row.ok for row in self.rows)

    def __bool__(self) -> bool:
        return self.ok

    def __iter__(self) -> Iterator[GradcheckRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> GradcheckRow:
        return self.rows[index]

    def __str__(self) -> str:
        return self.format()

    def format(self, lang: str | None = None) -> str:
        """The table, in ``lang`` (None: the locale's language; numbers stay as they are)."""
        t = Translator(lang)
        failed = sum(not row.ok for row in self.rows)
        n = len(self.rows)
        kind = "gradcheck" if self.order == 1 else "gradgradcheck"
        if failed:
            verdict = t(f"{kind}.failed", failed=failed, n=n)
        else:
            verdict = t(f"{kind}.ok.one" if n == 1 else f"{kind}.ok.many", n=n)
        criterion = t("gradcheck.criterion", eps=f"{self.eps:g}", atol=f"{self.atol:g}",
                      rtol=f"{self.rtol:g}")  # fmt: skip
        header = t(f"{kind}.header", verdict=verdict, criterion=criterion)
        first_column = "gradcheck.column.input" if self.order == 1 else "gradgradcheck.column"
        columns = ("analytic", "numeric", "abs_error", "ok")
        table = _table(
            (t(first_column), *(t(f"gradcheck.column.{column}") for column in columns)),
            [(row.name, row.analytic, row.numeric, row.error, row.ok) for row in self.rows],
            (t("gradcheck.pass"), t("gradcheck.fail")),
        )
        notes = [
            t("gradcheck.why", name=row.name, note=row.why.say(t.lang) if row.why else row.note)
            for row in self.rows
            if row.note
        ]
        return "\n".join([header, table, *notes])


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value] | float | Value,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    *,
    order: int = 1,
) -> GradcheckReport:
    """Check ∂f/∂xᵢ from ``backward()`` against the central difference, for every input xᵢ.

    ``f`` takes one Value per input and returns a Value, e.g. ``lambda x, y: (x * y).tanh()``.
    ``inputs`` are the point to check at: numbers or Values (a Value's label names its row).
    The Values you pass are not touched: f is called on fresh copies. ``eps`` is 1e-6 unless given.

    ``order=2`` checks the second derivatives instead: it is :func:`gradgradcheck` (``eps`` 1e-5
    unless given).

    >>> report = gradcheck(lambda x, y: x * y + x.exp(), [1.0, 2.0])
    >>> bool(report), [round(row.analytic, 6) for row in report]     # (y + eˣ, x)
    (True, [4.718282, 1.0])
    """
    if order not in (1, 2) or isinstance(order, bool):
        raise i18n.error(ValueError, "gradcheck.error.order", got=repr(order))
    if order == 2:
        return gradgradcheck(f, inputs, 1e-5 if eps is None else eps, atol, rtol)
    eps = 1e-6 if eps is None else eps
    points, names, (eps, atol, rtol) = _checked_point(inputs, eps, atol, rtol, "gradcheck")

    leaves = [Value(x, label=name) for x, name in zip(points, names)]
    out = _checked_output(f(*leaves), "gradcheck")
    out.backward()
    kinks = _kinks(out)

    def f_of_floats(*xs: float) -> Value:
        with no_grad():
            return f(*(Value(x) for x in xs))

    rows = []
    for i, (leaf, name) in enumerate(zip(leaves, names)):
        try:
            numeric = central_difference(f_of_floats, *points, arg=i, eps=eps)
        except GateError as outside:  # x ± ε left a gate's domain: say so, try smaller steps
            edge = _domain_edge_note(
                f_of_floats, points, i, name, eps, outside, leaf.grad, atol, rtol
            )
            rows.append(GradcheckRow(name, leaf.grad, math.nan, math.nan, False, edge.say(), edge))
            continue
        error = abs(leaf.grad - numeric)
        ok = _close(error, numeric, atol, rtol)
        why = None if ok else _kink_note(kinks, leaf)
        note = why.say() if why else ""
        rows.append(GradcheckRow(name, leaf.grad, numeric, error, ok, note, why))
    return GradcheckReport(tuple(rows), eps, atol, rtol)


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float | Value] | float | Value,
    eps: float = 1e-5,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> GradcheckReport:
    """Check every second derivative ∂²f/∂xᵢ∂xⱼ against a central difference of the first.

    The analytic side is ``microgradpp.grad`` twice (the first time with ``create_graph=True``,
    so ∂f/∂xᵢ is a Value that can be differentiated again); the numeric side needs no second
    derivative at all: ∂f/∂xᵢ from backward() at x + εeⱼ and at x − εeⱼ, and

        ∂²f/∂xᵢ∂xⱼ ≈ (∂f/∂xᵢ(x + εeⱼ) − ∂f/∂xᵢ(x − εeⱼ)) / 2ε

    One row per pair (i, j), ``∂²f/∂x∂y``; the Hessian is symmetric, and both halves are checked
    (they come from different paths through the gradient's graph). Arguments as :func:`gradcheck`
    (the default ε is larger: a difference of derivatives, not of values).

    >>> report = gradgradcheck(lambda x, y: x * x * y, [3.0, 2.0])   # [[2y, 2x], [2x, 0]]
    >>> bool(report), [round(row.analytic, 6) for row in report]
    (True, [4.0, 6.0, 6.0, 0.0])
    """
    from .autograd import grad  # (here: gradcheck's first-order check needs none of it)

    points, names, (eps, atol, rtol) = _checked_point(inputs, eps, atol, rtol, "gradgradcheck")
    leaves = [Value(x, label=name) for x, name in zip(points, names)]
    out = _checked_output(f(*leaves), "gradgradcheck")
    # materialize_grads: an input a derivative does not depend on gets 0, never None
    first = cast("tuple[Value, ...]", grad(out, leaves, create_graph=True, materialize_grads=True))
    hessian = [cast("tuple[float, ...]", grad(gi, leaves, materialize_grads=True)) for gi in first]
    kinks = _kinks(out)

    def first_derivatives(at: list[float]) -> list[float]:
        moved = [Value(x) for x in at]
        out = _checked_output(f(*moved), "gradgradcheck")
        return list(cast("tuple[float, ...]", grad(out, moved, materialize_grads=True)))

    rows = []
    for j, name_j in enumerate(names):
        try:
            up = first_derivatives([x + eps * (k == j) for k, x in enumerate(points)])
            down = first_derivatives([x - eps * (k == j) for k, x in enumerate(points)])
        except GateError as outside:  # x ± ε left a gate's domain
            x = points[j]
            edge = Note(
                "gradgradcheck.domain",
                {"name": name_j, "eps": f"{eps:g}", "low": f"{x - eps:g}", "high": f"{x + eps:g}"},
                _translated(outside),
            )
            for i, name_i in enumerate(names):
                rows.append(GradcheckRow(_pair(name_i, name_j), hessian[i][j], math.nan, math.nan,
                                         False, edge.say(), edge))  # fmt: skip
            continue
        for i, name_i in enumerate(names):
            analytic = hessian[i][j]
            numeric = (up[i] - down[i]) / (2.0 * eps)
            error = abs(analytic - numeric)
            ok = _close(error, numeric, atol, rtol)
            why = None if ok else _kink_note(kinks, leaves[j]) or _kink_note(kinks, leaves[i])
            rows.append(GradcheckRow(_pair(name_i, name_j), analytic, numeric, error, ok,
                                     why.say() if why else "", why))  # fmt: skip
    # rows were made column by column (one pair of evaluations per j): list them row by row
    n = len(names)
    ordered = [rows[j * n + i] for i in range(n) for j in range(n)]
    return GradcheckReport(tuple(ordered), eps, atol, rtol, order=2)


def _translated(error: GateError) -> Callable[[str | None], str]:
    """The gate's error, said in a language (a note's detail)."""
    return lambda lang: error.translated(lang)


def _pair(name_i: str, name_j: str) -> str:
    """'∂²f/∂x²' for one input twice, '∂²f/∂x∂y' for two."""
    return f"∂²f/∂{name_i}²" if name_i == name_j else f"∂²f/∂{name_i}∂{name_j}"


def _kinks(root: Value) -> list[Value]:
    """The nodes of root's graph whose gate is at (or next to) a kink: relu at 0, max at a tie."""
    return [
        node
        for node in topological_order(root)
        if node.gate is not None
        and not node.gate.well_conditioned(*(parent.data for parent in node.parents))
    ]


def _kink_note(kinks: list[Value], leaf: Value) -> Note | None:
    """Why a check fails at a kink that depends on ``leaf`` (None if there is none)."""
    for node in kinks:
        if leaf in topological_order(node):
            return Note("gradcheck.kink", {}, _describe_kink(node))
    return None


def _describe_kink(node: Value) -> Callable[[str | None], str]:
    """The sentence saying which kink ``node`` is at, in a language."""
    inputs = [_name_and_value(parent) for parent in node.parents]
    gate = node.gate
    assert gate is not None
    key = gate.kink_sentence  # the gate says which sentence explains its kink
    return lambda lang: message(key, lang, gate=gate.name, inputs=", ".join(inputs))


def _name_and_value(node: Value) -> str:
    return f"{node.label} = {node.data:g}" if node.label else f"(= {node.data:g})"


def _domain_edge_note(
    f: Callable[..., Value],
    points: list[float],
    i: int,
    name: str,
    eps: float,
    error: GateError,
    analytic: float,
    atol: float,
    rtol: float,
) -> Note:
    """Why the central difference could not be taken, and the largest ε (down to 1e-12) that works."""
    x = points[i]
    english = error.problem.partition(": ")[2] or error.problem  # after "log gate (log) with …: "
    words = error.words
    reason = (lambda lang: english) if words is None else words.reason  # the gate's own words
    fields = {"name": name, "eps": f"{eps:g}", "low": f"{x - eps:g}", "high": f"{x + eps:g}",
              "gate": error.gate}  # fmt: skip
    first_inside = None  # the largest smaller ε whose steps stay inside, if none passes
    smaller = eps / 10.0
    while smaller >= 1e-12:
        try:
            numeric = central_difference(f, *points, arg=i, eps=smaller)
        except GateError:
            smaller /= 10.0
            continue
        if _close(abs(analytic - numeric), numeric, atol, rtol):
            return Note("gradcheck.domain.passes", {**fields, "smaller": f"{smaller:g}"}, reason)
        first_inside = first_inside or smaller
        smaller /= 10.0
    if first_inside is not None:
        return Note("gradcheck.domain.bends", {**fields, "first": f"{first_inside:g}"}, reason)
    return Note("gradcheck.domain.farther", fields, reason)


# ------------------------------------------------------------------------------------------------
# directional_gradcheck: a whole model, one pair of evaluations
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectionalGradcheckReport:
    """What :func:`directional_gradcheck` found; truthy iff the two directional derivatives agree."""

    analytic: float
    """∇f·v with ∇f from backward()"""
    numeric: float
    """(f(p + εv) − f(p − εv)) / 2ε"""
    error: float
    """|analytic − numeric|"""
    ok: bool
    n_params: int
    seed: int
    eps: float
    atol: float
    rtol: float

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        header = (
            f"directional gradcheck: {verdict}  ({self.n_params} parameters, random unit "
            f"direction v from seed {self.seed}; {_criterion(self.eps, self.atol, self.rtol)})"
        )
        table = _table(
            ("", "analytic ∇f·v", "numeric", "abs error", "ok"),
            [("f", self.analytic, self.numeric, self.error, self.ok)],
        )
        return header + "\n" + table


def directional_gradcheck(
    f: Callable[[], Value],
    params: Sequence[Value],
    seed: int = 0,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
) -> DirectionalGradcheckReport:
    """Check the gradient of f with respect to many parameters with two extra evaluations of f.

    ``f()`` takes no arguments: it builds its result from ``params`` (e.g. a model's loss on a
    batch). A unit direction v is drawn at random (``random.Random(seed)``), then

        analytic = Σᵢ (∂f/∂pᵢ)·vᵢ          (one backward())
        numeric  = (f(p + εv) − f(p − εv)) / 2ε

    Afterwards every parameter has its ``data`` and ``grad`` back exactly as before.

    >>> w, b = Value(0.5), Value(-1.0)
    >>> bool(directional_gradcheck(lambda: (w * 3.0 + b).tanh(), [w, b]))
    True
    """
    params = list(params)
    if not params:
        raise i18n.error(ValueError, "gradcheck.error.no_params")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            got = f"{type(p).__name__}: {p!r}"
            raise i18n.error(TypeError, "gradcheck.error.param_type", index=i, got=got)
        if p.gate is not None:
            raise i18n.error(ValueError, "gradcheck.error.param_gate", index=i, gate=p.gate.name)
    eps, atol, rtol = (
        positive(eps, "eps"),
        positive(atol, "atol", allow_zero=True),
        positive(rtol, "rtol", allow_zero=True),
    )
    direction = _random_unit_vector(len(params), seed)

    saved_data = [p.data for p in params]
    saved_grads = [p.grad for p in params]
    try:
        for p in params:
            p.grad = 0.0
        _checked_output(f(), "directional_gradcheck").backward()
        analytic = sums.total(p.grad * v for p, v in zip(params, direction))

        def f_moved(step: float) -> float:
            for p, x, v in zip(params, saved_data, direction):
                p.data = x + step * v
            with no_grad():
                return float(_checked_output(f(), "directional_gradcheck"))

        numeric = (f_moved(eps) - f_moved(-eps)) / (2.0 * eps)
    finally:
        for p, x, g in zip(params, saved_data, saved_grads):
            p.data, p.grad = x, g
    error = abs(analytic - numeric)
    return DirectionalGradcheckReport(
        analytic,
        numeric,
        error,
        _close(error, numeric, atol, rtol),
        len(params),
        seed,
        eps,
        atol,
        rtol,
    )


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _random_unit_vector(n: int, seed: int) -> list[float]:
    """A direction drawn uniformly from the unit sphere in n dimensions (normalised Gaussians)."""
    rng = random.Random(seed)
    while True:
        v = [rng.gauss(0.0, 1.0) for _ in range(n)]
        norm = sums.norm(v)
        if norm > 0.0:
            return [x / norm for x in v]


def _call_with_floats(f: Callable[..., float | Value], xs: list[float]) -> float:
    try:
        result = f(*xs)
    except AttributeError as error:
        if "'float' object has no attribute" not in str(error):
            raise
        raise i18n.error(TypeError, "gradcheck.error.floats", error=error) from error
    if isinstance(result, Value):
        return result.data
    if not is_real(result):
        raise i18n.error(TypeError, "gradcheck.error.result", got=type(result).__name__)
    value = float(result)
    if not math.isfinite(value):
        point = tuple(xs)
        raise i18n.error(ValueError, "gradcheck.error.not_finite", point=point, value=repr(value))
    return value


def _checked_point(
    inputs: Sequence[float | Value] | float | Value,
    eps: float,
    atol: float,
    rtol: float,
    where: str,
) -> tuple[list[float], list[str], tuple[float, float, float]]:
    """The point to check at (one number or several) as floats, each one's row name (a Value's
    label, else ``inputs[i]``), and eps, atol, rtol checked: everything before f is first called.
    """
    if isinstance(inputs, (Value, Real)):
        inputs = [inputs]
    inputs = list(cast("Iterable[float | Value]", inputs))  # one number, or several
    points = [_as_float(x, _input(i)) for i, x in enumerate(inputs)]
    if not points:
        raise i18n.error(ValueError, "gradcheck.error.inputs", where=where)
    names = [
        x.label if isinstance(x, Value) and x.label else f"inputs[{i}]"
        for i, x in enumerate(inputs)
    ]
    tolerances = (
        positive(eps, "eps"),
        positive(atol, "atol", allow_zero=True),
        positive(rtol, "rtol", allow_zero=True),
    )
    return points, names, tolerances


def _checked_output(out: object, where: str) -> Value:
    if not isinstance(out, Value):
        got = f"{type(out).__name__}: {out!r}"
        raise i18n.error(TypeError, "gradcheck.error.output", where=where, got=got)
    return out


def _as_float(x: object, what: str | i18n.Words) -> float:
    if isinstance(x, Value):
        return x.data
    if not is_real(x):
        raise i18n.error(TypeError, "gradcheck.error.input_type", what=what, got=describe(x))
    return real(x, what)


def _input(index: int) -> i18n.Words:
    """'input 0': how an input is named in a message (any language)."""
    return i18n.Words("gradcheck.name.input", fields={"index": index})


def _close(error: float, numeric: float, atol: float, rtol: float) -> bool:
    """|analytic − numeric| <= atol + rtol·|numeric|, false for nan."""
    return error <= atol + rtol * abs(numeric)


def _criterion(eps: float, atol: float, rtol: float) -> str:
    return f"eps={eps:g}, pass if |analytic - numeric| <= {atol:g} + {rtol:g}*|numeric|"


def _table(
    header: tuple[str, ...],
    rows: list[tuple[str, float, float, float, bool]],
    verdicts: tuple[str, str] = ("ok", "FAIL"),
) -> str:
    """One line per (name, analytic, numeric, error, ok): the gradients to 10 significant digits
    (-4.000000000559112 -> -4.000000001: enough to see where they part), the error to 2."""
    cells = [
        (
            name,
            format_number(analytic, 10, significant=True),
            format_number(numeric, 10, significant=True),
            format_number(error, 2, significant=True),
            verdicts[0] if ok else verdicts[1],
        )
        for name, analytic, numeric, error, ok in rows
    ]
    return format_table(header, cells, numeric_columns=(1, 2, 3))
