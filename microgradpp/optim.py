"""Optimizers, learning-rate schedules and gradient clipping.

An optimizer moves every parameter a little against its gradient. Plain gradient descent is

    p ← p − α·∂L/∂p

and the others change how far and in which direction each parameter moves (momentum remembers
past gradients; RMSprop and Adam give every parameter its own step size). Each class writes its
rule for *one* parameter in ``_update``, with the formula in the docstring; ``Optimizer.step``
applies it to all of them (through ``_new_values``, the same rule as one plain loop: faster).

A step never writes inf or nan into a parameter: it computes every new value first and, if one is
not finite, raises ``OptimizerError`` naming the parameter — before changing any of them.

Names and defaults follow ``torch.optim``::

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = LinearLR(opt, start_factor=1.0, end_factor=0.1, total_iters=100)
    for epoch in range(100):
        opt.zero_grad(); loss = ...; loss.backward(); opt.step(); sched.step()
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .engine import Value
from .errors import MicrogradppError
from .i18n import Listed, Words, error
from .validation import fraction, integer, positive, real, shown

_REMEDY = Words("optim.remedy")
"""What to do about a gradient that overflowed (lower lr, or clip), in any language."""


class OptimizerError(MicrogradppError, FloatingPointError):
    """A step would have written a value that is not finite; no parameter was changed."""


def _all_finite(values: list[float]) -> bool:
    """True if no number is inf or nan: one C-level sum first (inf and nan never cancel out),
    then, only if that sum is not finite, each number."""
    return -math.inf < sum(values) < math.inf or all(map(math.isfinite, values))


def _name(p: Value, index: int) -> str | Words:
    return p.label if p.label else Words("optim.unlabelled", fields={"index": index})


def _check_params(params: Iterable[Value]) -> list[Value]:
    params = list(params)
    if not params:
        raise error(ValueError, "optim.error.no_parameters")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise error(
                TypeError, "optim.error.not_a_value", index=i, kind=type(p).__name__, value=p
            )
    if len({id(p) for p in params}) != len(params):
        raise error(ValueError, "optim.error.twice")
    return params


def _defining_class(cls: type, name: str) -> type:
    """The class in cls's method resolution order whose body defines ``name`` (object if none)."""
    return next((c for c in cls.__mro__ if name in vars(c)), object)


class Optimizer:
    """Base class: holds the parameters, the learning rate ``lr`` and per-parameter state."""

    hyperparameters: tuple[str, ...] = ()
    """The constructor's keyword arguments besides lr (saved by state_dict)."""
    state_help: dict[str, str | Words] = {}
    """Each per-parameter running number's name -> what it is (for messages and checks; the
    catalogs' Words say it in any language)."""
    nonnegative_state: tuple[str, ...] = ()
    """Running numbers that are averages of squares, so never negative."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = _check_params(params)
        self.lr = positive(lr, "lr")
        self.steps = 0  # how many steps were taken (Adam's t)
        self.state: list[dict[str, float]] = [{} for _ in self.params]

    def _update(self, x: float, g: float, state: dict[str, float], t: int) -> float:
        """The new value of one parameter with value x and gradient g at step t (from 1).

        Reads the parameter's ``state`` from the previous step and updates it in place.
        """
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once; all-or-nothing (see the module docstring).

        The optimizers below also write their rule as one plain loop over all parameters
        (``_new_values``: the same arithmetic as ``_update``, so the same numbers to the last
        bit, ~20x faster). If a gradient, a new value or a running number comes out inf or nan,
        the step is worked out again one parameter at a time with ``_update``, which names the
        parameter at fault; nothing is changed either way until every number is known to be finite.
        """
        t = self.steps + 1
        xs = [p.data for p in self.params]
        gs = _grad_numbers(self.params, f"{type(self).__name__}.step")
        try:
            fast = self._new_values(xs, gs, t) if _all_finite(gs) else None
        except (OverflowError, ValueError):  # e.g. ** overflowing: let _update explain it
            fast = None
        if fast is not None:
            values, columns = fast
            if _all_finite(values) and all(_all_finite(c) for c in columns.values()):
                for p, x in zip(self.params, values):
                    p.data = x
                for name, column in columns.items():
                    for state, v in zip(self.state, column):
                        state[name] = v
                self.steps = t
                return
        self._step_one_by_one(t)

    decay_in_gradient = True
    """True where ``weight_decay`` λ is added to the gradient (g + λ·p, the L2 term); AdamW
    shrinks the weight instead."""
    decay_shrinks_weights = False
    """True where each step multiplies every weight by 1 − lr·λ (SGD's L2 term, AdamW's decoupled
    decay): with lr·λ ≥ 1 that factor is ≤ 0, and the weights flip sign or grow whatever the
    gradients are (``fit`` refuses it before the first step)."""

    def _decay_in_gradient(self, x: float) -> float:
        """λ·x, what the weight decay adds to the gradient of a parameter of value x (0 without)."""
        decay = getattr(self, "weight_decay", 0.0)
        if not decay or not self.decay_in_gradient:
            return 0.0
        try:
            return decay * x
        except OverflowError:
            return math.inf

    def _new_values(
        self, xs: list[float], gs: list[float], t: int
    ) -> tuple[list[float], dict[str, list[float]]] | None:
        """``_update`` for all parameters in one plain loop: (new values, {state name: new
        numbers}), or None where there is no such loop (e.g. a subclass with its own ``_update``)."""
        return None

    def _step_one_by_one(self, t: int) -> None:
        """The step with ``_update``, one parameter at a time, raising OptimizerError at the first
        number that is not finite (nothing changed)."""
        kind = type(self).__name__
        new_values, new_states = [], []
        for i, (p, state) in enumerate(zip(self.params, self.state)):
            g = float(p.grad)
            name = _name(p, i)
            if not math.isfinite(g):
                raise error(
                    OptimizerError, "optim.step.not_finite", kind=kind, name=name, g=repr(g),
                    remedy=_REMEDY,
                )  # fmt: skip
            new_state = dict(state)
            try:
                x = self._update(p.data, g, new_state, t)
            except OverflowError:
                x = math.inf
            overflowed = [key for key, v in new_state.items() if not math.isfinite(v)]
            decay = self._decay_in_gradient(p.data)
            if overflowed and math.isfinite(x):
                running = {
                    "kind": kind, "name": name, "g": repr(g), "state": overflowed[0],
                    "help": self.state_help.get(overflowed[0], Words("optim.state.default")),
                }  # fmt: skip
                if abs(decay) > abs(g):  # the weight decay, not the gradient, is the cause
                    raise error(
                        OptimizerError, "optim.step.decay", **running, value=repr(p.data),
                        decay=repr(getattr(self, "weight_decay", 0.0)), added=repr(decay),
                    )  # fmt: skip
                raise error(OptimizerError, "optim.step.running", **running, remedy=_REMEDY)
            if not math.isfinite(x):
                raise error(
                    OptimizerError, "optim.step.would_set", kind=kind, name=name, x=repr(x),
                    value=repr(p.data), g=repr(g), lr=repr(self.lr), remedy=_REMEDY,
                )  # fmt: skip
            new_values.append(x)
            new_states.append(new_state)
        for p, x in zip(self.params, new_values):
            p.data = x
        self.state = new_states
        self.steps = t

    # -- the same step on arrays (compiled mode) -------------------------------------------------
    # Entry i of each array is parameter self.params[i]; ``_update_array`` is ``_update`` written
    # with numpy, operation for operation, so both forms give the same numbers.

    def _update_array(self, x: Any, g: Any, state: dict[str, Any], t: int) -> tuple[Any, dict]:
        """The new values of all parameters and the new state arrays (``_update`` on arrays)."""
        raise error(NotImplementedError, "optim.no_array_form", kind=type(self).__name__)

    @classmethod
    def has_array_form(cls) -> bool:
        """True when ``_update_array`` gives this class's rule: it is written in the class that
        defines the rule (``step``, ``_update``, ``_new_values``, ``_decay``) or below it.

        A subclass that changes ``_update`` (or ``step``) but not ``_update_array`` has none:
        compiled mode then runs its own ``step()`` on the Values, as the scalar loop does.
        """
        owner = _defining_class(cls, "_update_array")
        if owner is Optimizer:
            return False
        rule = ("step", "_update", "_new_values", "_decay", "_step_one_by_one")
        return all(issubclass(owner, _defining_class(cls, name)) for name in rule)

    def _work_array(self, name: str, like: Any) -> Any:
        """An array shaped like ``like``, kept by the optimizer for its next array step.

        At 10⁵ parameters a fresh array per operation costs more than the arithmetic (the
        memory goes back to the system and is faulted in again), so the array form writes into
        these. A state array is written into a fresh one and the previous step's state array
        takes its place afterwards (``step_arrays``): a failing step leaves the state as it was.
        """
        import numpy as np

        arrays: dict[str, Any] = self.__dict__.setdefault("_work_arrays", {})
        array = arrays.get(name)
        if array is None or array.shape != like.shape:
            array = arrays[name] = np.empty(like.shape)
        return array

    def array_state(self) -> dict[str, Any]:
        """The per-parameter state as arrays: ``{"m": array([m₀, m₁, …]), …}`` (0 where unset)."""
        import numpy as np

        names = sorted({name for s in self.state for name in s})
        return {name: np.array([s.get(name, 0.0) for s in self.state]) for name in names}

    def load_array_state(self, state: dict[str, Any]) -> None:
        """Write arrays from ``array_state``/``step_arrays`` back into the per-parameter dicts."""
        for name, values in state.items():
            for s, v in zip(self.state, values.tolist()):
                s[name] = v

    def step_arrays(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        """``step()`` on arrays: returns the new parameter values and updates ``state`` in place.

        ``x`` and ``g`` hold the values and gradients of ``self.params`` in order. All-or-nothing
        as ``step()``: a gradient or result that is not finite raises the same OptimizerError,
        with nothing changed. The array returned (and the state's arrays) may be arrays the
        optimizer writes again at its next array step: copy what you keep (``P[:] = …``).
        """
        import numpy as np

        t = self.steps + 1
        try:
            if not np.isfinite(g).all():
                raise FloatingPointError
            with np.errstate(over="raise", invalid="raise", divide="raise"):
                new_x, new_state = self._update_array(x, g, state, t)
        except FloatingPointError:
            self._raise_scalar_error(x, g, state, t)
            raise  # not reached: the scalar rule finds the parameter
        work = self.__dict__.get("_work_arrays", {})
        for name, array in new_state.items():
            previous = state.get(name)
            state[name] = array
            if work.get(name) is array:  # the state's now: the old state array is free instead
                if previous is None:
                    del work[name]
                else:
                    work[name] = previous
        self.steps = t
        return new_x

    def _raise_scalar_error(self, x: Any, g: Any, state: dict[str, Any], t: int) -> None:
        """Replay the step one parameter at a time with the scalar rule to raise its exact error."""
        saved_params, saved_state, saved_steps = self.params, self.state, self.steps
        scratch = [Value(0.0, p.label) for p in self.params]
        for i, v in enumerate(scratch):
            v.data, v.grad = float(x[i]), float(g[i])
        self.params = scratch
        self.state = [{name: float(a[i]) for name, a in state.items()} for i in range(len(scratch))]
        try:
            self.step()
        finally:
            self.params, self.state, self.steps = saved_params, saved_state, saved_steps

    def state_dict(self) -> dict[str, Any]:
        """``{"type", "lr", "steps", hyperparameters…, "state": [per-parameter dicts]}``."""
        state = {"type": type(self).__name__, "lr": self.lr, "steps": self.steps}
        state.update({name: getattr(self, name) for name in self.hyperparameters})
        state["state"] = [dict(s) for s in self.state]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (same optimizer type, same number of parameters).

        All or nothing: every field is checked first — the hyperparameters by the constructor's
        own checks, ``steps`` and every per-parameter number — and only then assigned. On any
        problem a ValueError or TypeError names the field and the optimizer is unchanged.
        """
        kind = type(self).__name__
        if not isinstance(state, dict):
            raise error(TypeError, "optim.load.type", kind=kind, got=type(state).__name__)
        if state.get("type") != kind:
            raise error(
                ValueError, "optim.load.for_other", found=shown(state.get("type")), kind=kind
            )
        missing = [key for key in ("lr", "steps", "state") if key not in state]
        if missing:
            raise error(ValueError, "optim.load.missing", kind=kind, names=Listed(tuple(missing)))
        per_param = state["state"]
        if not isinstance(per_param, list) or len(per_param) != len(self.params):
            count = len(per_param) if isinstance(per_param, list) else shown(per_param)
            raise error(
                ValueError, "optim.load.entries", count=count, kind=kind, own=len(self.params)
            )
        hyper = {name: state.get(name, getattr(self, name)) for name in self.hyperparameters}
        checked = self._checked_copy(state["lr"], hyper)  # the constructor's checks, on a copy
        steps = integer(state["steps"], "steps", minimum=0)
        new_states = [self._checked_state(entry, i) for i, entry in enumerate(per_param)]
        self.lr = checked.lr
        for name in self.hyperparameters:
            setattr(self, name, getattr(checked, name))
        self.steps = steps
        self.state = new_states

    def _checked_copy(self, lr: Any, hyper: dict[str, Any]) -> Optimizer:
        """An optimizer of this type over the same parameters, built by the constructor, so
        exactly what the constructor refuses is refused here (betas=(1.5, 2.0), eps=-1 ...)."""
        try:
            return type(self)(self.params, lr=lr, **hyper)
        except (TypeError, ValueError) as problem:
            said = getattr(problem, "words", None) or str(problem)
            kind = type(self).__name__
            raise error(type(problem), "optim.load.refused", kind=kind, problem=said) from None

    def _checked_state(self, entry: Any, index: int) -> dict[str, float]:
        """One parameter's running state: known names, finite floats (second moments >= 0)."""
        name = _name(self.params[index], index)
        where = Words("optim.load.where", fields={"index": index, "name": name})
        if not isinstance(entry, dict):
            raise error(TypeError, "optim.load.entry_type", where=where, got=type(entry).__name__)
        unknown = [key for key in entry if key not in self.state_help]
        if unknown:
            known = (
                Listed(tuple(self.state_help)) if self.state_help else Words("optim.load.nothing")
            )
            raise error(
                ValueError, "optim.load.unknown", where=where, got=shown(unknown[0]),
                kind=type(self).__name__, known=known,
            )  # fmt: skip
        return {
            key: positive(value, f"{where}[{key!r}]", allow_zero=True)
            if key in self.nonnegative_state  # a running mean of g² is never negative
            else real(value, f"{where}[{key!r}]")
            for key, value in entry.items()
        }

    def __repr__(self) -> str:
        hyper = "".join(f", {n}={getattr(self, n)!r}" for n in self.hyperparameters)
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r}{hyper})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, dampening, Nesterov and weight decay.

        g ← g + λ·p                 (weight_decay λ: the gradient of (λ/2)·p²)
        v ← g                       at the first step, then
        v ← μ·v + (1 − d)·g         (momentum μ, dampening d)
        p ← p − α·v                 or, with nesterov,  p ← p − α·(g + μ·v)

    With μ = 0 this is plain gradient descent p ← p − α·g. (Exactly ``torch.optim.SGD``.)

    The lecture notes write momentum as v ← β·v + (1 − β)·dw, an average of past gradients:
    that is ``SGD(momentum=β, dampening=β)`` from the second step on (PyTorch, and so this
    class, starts v at g, where the notes' v = 0 gives (1 − β)·g). Without dampening v is
    1/(1 − β) times larger, so α_notes·(1 − β) = α here takes the same steps.
    """

    hyperparameters = ("momentum", "dampening", "nesterov", "weight_decay")
    state_help = {"velocity": Words("optim.state.velocity")}
    decay_shrinks_weights = True  # p ← p − α·(g + λ·p) = (1 − α·λ)·p − α·g

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = fraction(momentum, "momentum")
        self.dampening = positive(dampening, "dampening", allow_zero=True)
        if self.dampening > 1.0:
            raise error(ValueError, "optim.error.dampening", dampening=self.dampening)
        if not isinstance(nesterov, bool):
            raise error(TypeError, "optim.error.nesterov", value=shown(nesterov))
        self.nesterov = nesterov
        self.weight_decay = positive(weight_decay, "weight_decay", allow_zero=True)
        if self.nesterov and self.momentum == 0.0:
            raise error(ValueError, "optim.error.nesterov_momentum")
        if self.nesterov and self.dampening != 0.0:
            raise error(ValueError, "optim.error.nesterov_dampening")

    def _update(self, x: float, g: float, state: dict[str, float], t: int) -> float:
        g = g + self.weight_decay * x
        if self.momentum:
            if "velocity" in state:  # (1 − d)·g: dampening shrinks the new gradient's share
                v = self.momentum * state["velocity"] + (1.0 - self.dampening) * g
            else:
                v = g  # the first step: v = g, undampened (as PyTorch)
            state["velocity"] = v
            g = g + self.momentum * v if self.nesterov else v
        return x - self.lr * g

    def _new_values(
        self, xs: list[float], gs: list[float], t: int
    ) -> tuple[list[float], dict[str, list[float]]] | None:
        if type(self)._update is not SGD._update:  # a subclass changed the rule
            return None
        lr, weight_decay, momentum, nesterov = (
            self.lr,
            self.weight_decay,
            self.momentum,
            self.nesterov,
        )
        if not momentum:
            return [x - lr * (g + weight_decay * x) for x, g in zip(xs, gs)], {}
        share = 1.0 - self.dampening  # the new gradient's share of v (1 without dampening)
        new_xs, velocities = [], []
        for x, g, state in zip(xs, gs, self.state):
            g = g + weight_decay * x
            v = momentum * state["velocity"] + share * g if "velocity" in state else g
            velocities.append(v)
            new_xs.append(x - lr * (g + momentum * v if nesterov else v))
        return new_xs, {"velocity": velocities}

    def _update_array(self, x: Any, g: Any, state: dict[str, Any], t: int) -> tuple[Any, dict]:
        new_state = {}
        g = g + self.weight_decay * x
        if self.momentum:
            if "velocity" in state:
                v = self.momentum * state["velocity"] + (1.0 - self.dampening) * g
            else:
                v = g  # the first step, undampened (as _update)
            new_state["velocity"] = v
            g = g + self.momentum * v if self.nesterov else v
        return x - self.lr * g, new_state


class RMSprop(Optimizer):
    """Divide each step by a running root-mean-square of that parameter's gradients.

        g ← g + λ·p
        s ← ρ·s + (1 − ρ)·g²        (ρ = alpha; s starts at 0)
        p ← p − α·g / (√s + ε)

    Parameters with large gradients take smaller steps and vice versa. (As ``torch.optim.RMSprop``.)
    """

    hyperparameters = ("alpha", "eps", "weight_decay")
    state_help = {"square_avg": Words("optim.state.square_avg")}
    nonnegative_state = ("square_avg",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = fraction(alpha, "alpha")
        self.eps = positive(eps, "eps")
        self.weight_decay = positive(weight_decay, "weight_decay", allow_zero=True)

    def _update(self, x: float, g: float, state: dict[str, float], t: int) -> float:
        g = g + self.weight_decay * x
        s = state["square_avg"] = (
            self.alpha * state.get("square_avg", 0.0) + (1 - self.alpha) * g * g
        )
        return x - self.lr * g / (math.sqrt(s) + self.eps)

    def _new_values(
        self, xs: list[float], gs: list[float], t: int
    ) -> tuple[list[float], dict[str, list[float]]] | None:
        if type(self)._update is not RMSprop._update:
            return None
        lr, alpha, eps, weight_decay, sqrt = (
            self.lr,
            self.alpha,
            self.eps,
            self.weight_decay,
            math.sqrt,
        )
        new_xs, squares = [], []
        for x, g, state in zip(xs, gs, self.state):
            g = g + weight_decay * x
            s = alpha * state.get("square_avg", 0.0) + (1 - alpha) * g * g
            squares.append(s)
            new_xs.append(x - lr * g / (sqrt(s) + eps))
        return new_xs, {"square_avg": squares}

    def _update_array(self, x: Any, g: Any, state: dict[str, Any], t: int) -> tuple[Any, dict]:
        import numpy as np

        g = g + self.weight_decay * x
        s = self.alpha * state.get("square_avg", 0.0) + (1 - self.alpha) * g * g
        return x - self.lr * g / (np.sqrt(s) + self.eps), {"square_avg": s}


class Adam(Optimizer):
    """Momentum and RMSprop together, with bias correction (Kingma & Ba, 2015).

        g ← g + λ·p                                 (weight_decay: L2 added to the gradient)
        m ← β₁·m + (1 − β₁)·g                       first moment (mean) of the gradient
        v ← β₂·v + (1 − β₂)·g²                      second moment
        m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)      bias correction: m and v start at 0
        p ← p − α·m̂ / (√v̂ + ε)

    At step t = 1 the correction makes m̂ = g and v̂ = g², so the first step is ±α for every
    parameter. Defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8 (as ``torch.optim.Adam``).
    """

    hyperparameters = ("betas", "eps", "weight_decay")
    state_help = {"m": Words("optim.state.m"), "v": Words("optim.state.v")}
    nonnegative_state = ("v",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise error(ValueError, "optim.error.betas", value=shown(betas))
        self.betas = (fraction(betas[0], "beta1"), fraction(betas[1], "beta2"))
        self.eps = positive(eps, "eps")
        self.weight_decay = positive(weight_decay, "weight_decay", allow_zero=True)

    def _decay(self, x: float, g: float) -> tuple[float, float]:
        """Adam adds λ·p to the gradient (L2 regularization); AdamW overrides this."""
        return x, g + self.weight_decay * x

    def _update(self, x: float, g: float, state: dict[str, float], t: int) -> float:
        x, g = self._decay(x, g)
        beta1, beta2 = self.betas
        m = state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
        v = state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        return x - self.lr * m_hat / (math.sqrt(v_hat) + self.eps)

    def _new_values(
        self, xs: list[float], gs: list[float], t: int
    ) -> tuple[list[float], dict[str, list[float]]] | None:
        kind = type(self)
        if kind._update is not Adam._update or kind._decay not in (Adam._decay, AdamW._decay):
            return None
        decoupled = kind._decay is AdamW._decay  # AdamW shrinks x; Adam adds λ·x to g
        lr, eps, weight_decay, sqrt = self.lr, self.eps, self.weight_decay, math.sqrt
        beta1, beta2 = self.betas
        correction1, correction2 = 1 - beta1**t, 1 - beta2**t  # the same for every parameter
        new_xs, ms, vs = [], [], []
        for x, g, state in zip(xs, gs, self.state):
            if decoupled:
                x = x - lr * weight_decay * x
            else:
                g = g + weight_decay * x
            m = beta1 * state.get("m", 0.0) + (1 - beta1) * g
            v = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
            ms.append(m)
            vs.append(v)
            m_hat = m / correction1
            v_hat = v / correction2
            new_xs.append(x - lr * m_hat / (sqrt(v_hat) + eps))
        return new_xs, {"m": ms, "v": vs}

    def _update_array(self, x: Any, g: Any, state: dict[str, Any], t: int) -> tuple[Any, dict]:
        import numpy as np

        if self.weight_decay:  # (g + 0·x is g: no need to compute it)
            x, g = self._decay(x, g)  # works on arrays as it is
        beta1, beta2 = self.betas
        # _update's arithmetic, each operation once (a + b = b + a and a·b = b·a exactly, so the
        # same numbers), written into arrays kept from step to step (see _work_array)
        work, scaled = self._work_array, self._work_array("scaled", g)
        m = np.multiply(g, 1 - beta1, out=work("m", g))  # m = β₁·m + (1 − β₁)·g
        if "m" in state:
            m += np.multiply(state["m"], beta1, out=scaled)
        v = np.multiply(g, 1 - beta2, out=work("v", g))  # v = β₂·v + (1 − β₂)·g·g
        v *= g
        if "v" in state:
            v += np.multiply(state["v"], beta2, out=scaled)
        step = np.divide(m, 1 - beta1**t, out=work("step", g))  # m̂
        step *= self.lr  # α·m̂
        # v̂ into scaled, free again: one array fewer to keep in cache (10⁵ parameters)
        denominator = np.divide(v, 1 - beta2**t, out=scaled)
        np.sqrt(denominator, out=denominator)
        denominator += self.eps  # √v̂ + ε
        step /= denominator
        return np.subtract(x, step, out=work("x", x)), {"m": m, "v": v}

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["betas"] = list(self.betas)
        return state


class AdamW(Adam):
    """Adam with *decoupled* weight decay (Loshchilov & Hutter, 2019):

        p ← p − α·λ·p        first, shrink the weight directly (not through the gradient),
        then the Adam step with the plain gradient.

    Unlike Adam's L2 term, the decay is not rescaled by √v̂. Default λ = 0.01 (as PyTorch).
    """

    decay_in_gradient = False
    decay_shrinks_weights = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _decay(self, x: float, g: float) -> tuple[float, float]:
        return x - self.lr * self.weight_decay * x, g

    def _update_array(self, x: Any, g: Any, state: dict[str, Any], t: int) -> tuple[Any, dict]:
        """Adam's array form, with AdamW's ``_decay`` (it works on arrays as it is)."""
        return super()._update_array(x, g, state, t)


# ------------------------------------------------------------------------------------------------
# Learning-rate schedules: each sets optimizer.lr = base_lr · factor(epoch) on every step()
# ------------------------------------------------------------------------------------------------


class LRScheduler:
    """Base class. ``step()`` once per epoch (after ``optimizer.step()``) moves to the next lr.

    ``lr_at(epoch)`` is the learning rate for epoch 0, 1, 2, …: ``base_lr`` (the optimizer's lr
    when the schedule was made) times the schedule's factor, which is 1 at epoch 0 for every
    schedule but ``LinearLR`` (its ``start_factor``). Making the schedule already sets epoch 0's
    lr. Works with any optimizer: it only sets ``.lr``.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not hasattr(optimizer, "lr"):
            raise error(TypeError, "optim.error.schedule", optimizer=optimizer)
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_epoch = 0
        optimizer.lr = self._checked_lr(0)

    def lr_at(self, epoch: int) -> float:
        """The learning rate α at ``epoch`` (each schedule's formula is in its docstring)."""
        raise NotImplementedError

    def _checked_lr(self, epoch: int) -> float:
        """lr_at(epoch), refusing a learning rate that overflowed (γ^epoch grows without bound)."""
        try:
            lr = float(self.lr_at(epoch))
        except OverflowError:
            lr = math.inf
        if not math.isfinite(lr) or lr < 0.0:
            raise error(
                OptimizerError, "optim.schedule_overflow", kind=type(self).__name__, epoch=epoch,
                lr=repr(lr), base=repr(self.base_lr), formula=self._formula(),
            )  # fmt: skip
        return lr

    def _formula(self) -> str:
        settings = {
            k: v for k, v in vars(self).items() if k not in ("optimizer", "base_lr", "last_epoch")
        }
        return ", ".join(f"{k}={v!r}" for k, v in settings.items())

    def step(self) -> None:
        """The next epoch: the optimizer's lr becomes ``lr_at(epoch + 1)`` (nothing changes if
        that lr overflowed: ``OptimizerError``)."""
        lr = self._checked_lr(self.last_epoch + 1)  # checked before anything changes
        self.last_epoch += 1
        self.optimizer.lr = lr

    def get_last_lr(self) -> float:
        """The learning rate the optimizer uses now (PyTorch's name)."""
        return self.optimizer.lr

    def state_dict(self) -> dict[str, Any]:
        """What ``load_state_dict`` restores: the schedule's type, ``base_lr`` and epoch."""
        return {"type": type(self).__name__, "base_lr": self.base_lr, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned; all or nothing."""
        if not isinstance(state, dict) or state.get("type") != type(self).__name__:
            found = state.get("type") if isinstance(state, dict) else state
            kind = type(self).__name__
            raise error(ValueError, "optim.load.for_other", found=shown(found), kind=kind)
        base_lr = positive(state.get("base_lr"), "base_lr")
        epoch = integer(state.get("last_epoch"), "last_epoch", minimum=0)
        old = self.base_lr, self.last_epoch
        self.base_lr, self.last_epoch = base_lr, epoch
        try:
            lr = self._checked_lr(epoch)
        except OptimizerError:
            self.base_lr, self.last_epoch = old
            raise
        self.optimizer.lr = lr

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_lr={self.base_lr!r}, epoch={self.last_epoch})"


class InverseTimeLR(LRScheduler):
    """α = α₀ / (1 + decay·epoch)   (inverse-time decay: fast at first, then ever slower)."""

    def __init__(self, optimizer: Optimizer, decay: float) -> None:
        self.decay = positive(decay, "decay", allow_zero=True)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr / (1.0 + self.decay * epoch)


class ExponentialLR(LRScheduler):
    """α = α₀ · γ^epoch   (multiply by γ every epoch)."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = positive(gamma, "gamma")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma**epoch


class StepLR(LRScheduler):
    """α = α₀ · γ^⌊epoch / step_size⌋   (multiply by γ every step_size epochs)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = integer(step_size, "step_size", minimum=1)
        self.gamma = positive(gamma, "gamma")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class LinearLR(LRScheduler):
    """α = α₀ · (s + (e − s)·min(epoch, T)/T)   from factor s to factor e over T epochs, then e.

    micrograd's demo, lr = 1 − 0.9·k/100, is ``LinearLR(SGD(params, lr=1.0), 1.0, 0.1, 100)``
    (these are the defaults here; PyTorch's LinearLR defaults are a warm-up instead).
    """

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0,
        end_factor: float = 0.1,
        total_iters: int = 100,
    ) -> None:
        self.start_factor = positive(start_factor, "start_factor", allow_zero=True)
        self.end_factor = positive(end_factor, "end_factor", allow_zero=True)
        self.total_iters = integer(total_iters, "total_iters", minimum=1)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        s, e = self.start_factor, self.end_factor
        return self.base_lr * (s + (e - s) * min(epoch, self.total_iters) / self.total_iters)


# ------------------------------------------------------------------------------------------------
# Gradient clipping (the cure for exploding gradients)
# ------------------------------------------------------------------------------------------------


def clip_grad_norm(params: Iterable[Value], max_norm: float) -> float:
    """Scale every gradient by c = max_norm / (‖g‖ + 1e-6) when c < 1, where ‖g‖ = √(Σ g²) over
    all the gradients — the direction is kept, only the length shrinks. That is
    ``torch.nn.utils.clip_grad_norm_``'s rule, to the bit: it multiplies by min(c, 1), so a norm
    that exceeds max_norm − 1e-6 shrinks (one exactly at max_norm by a millionth of itself).

    Returns ‖g‖ before clipping (as PyTorch). The norm is computed
    scaled — ‖g‖ = M·‖g/M‖ with M = max |gᵢ| — so no square overflows: gradients of 1.5e308 are
    clipped correctly (then ‖g‖ itself is beyond the largest float and is returned as inf).
    A nan or inf gradient raises OptimizerError before any gradient is changed.
    """
    params = list(params)
    max_norm = positive(max_norm, "max_norm")
    grads = _finite_grads(params, "clip_grad_norm", Words("optim.why.norm"))
    total = math.hypot(*grads) if grads else 0.0  # hypot scales internally: no g² overflows
    if math.isfinite(total):
        scale = max_norm / (total + 1e-6)
        if scale < 1.0:  # PyTorch multiplies by min(scale, 1): 1 changes nothing
            for p, g in zip(params, grads):
                p.grad = g * scale
        return total
    # ‖g‖ is beyond the largest float (e.g. [1.5e308, 1.5e308]), but the clipped gradients are
    # not: with M = max |gᵢ|, gᵢ · max_norm/‖g‖ = (gᵢ/M) · max_norm/‖g/M‖, and ‖g/M‖ is in [1, √n].
    largest = max(abs(g) for g in grads)
    unit_norm = math.hypot(*(g / largest for g in grads))
    for p, g in zip(params, grads):
        p.grad = (g / largest) * (max_norm / unit_norm)
    return total


def clip_grad_norm_array(grads: Any, max_norm: float, params: Sequence[Value] = ()) -> float:
    """``clip_grad_norm`` on an array of gradients (compiled mode), scaled in place.

    Same rule and the same error (``params``, when given, name the offending gradient).
    """
    import numpy as np

    max_norm = positive(max_norm, "max_norm")
    finite = np.isfinite(grads)
    if not finite.all():
        i = int(np.argmin(finite))
        name = _name(params[i], i) if i < len(params) else _name(Value(0.0), i)
        g = repr(float(grads[i]))
        raise error(OptimizerError, "optim.clip_norm_array", name=name, g=g)
    largest = float(np.abs(grads).max()) if grads.size else 0.0
    if largest == 0.0:
        return 0.0
    unit_norm = float(np.sqrt(np.dot(grads / largest, grads / largest)))  # ‖g/M‖: no overflow
    total = largest * unit_norm
    if not math.isfinite(total):  # ‖g‖ beyond every float: as clip_grad_norm, through g/M
        grads /= largest
        grads *= max_norm / unit_norm
    elif max_norm / (total + 1e-6) < 1.0:  # PyTorch's min(c, 1), as clip_grad_norm
        grads *= max_norm / (total + 1e-6)
    return total


def clip_grad_value(params: Iterable[Value], clip_value: float) -> None:
    """Clamp every gradient into [−clip_value, clip_value] (each one separately).

    All or nothing: a nan or inf gradient raises OptimizerError before any gradient is changed
    (as clip_grad_norm: clamping inf to ±clip_value would hide the overflow that caused it).
    """
    params = list(params)
    clip_value = positive(clip_value, "clip_value")
    grads = _finite_grads(params, "clip_grad_value", Words("optim.why.clip"))
    for p, g in zip(params, grads):
        if g > clip_value:
            p.grad = clip_value
        elif g < -clip_value:
            p.grad = -clip_value


def _grad_numbers(params: Sequence[Value], what: str) -> list[float]:
    """Every parameter's gradient as a float (a Value's number after create_graph); a clear
    TypeError naming the parameter for a ``.grad`` set by hand to something else (None is
    PyTorch's "no gradient yet"; here zero_grad() sets 0.0)."""
    try:
        return [float(p.grad) for p in params]  # (float("1") would pass: not worth a check)
    except (TypeError, ValueError) as failure:  # float(None), float("x"): find it and name it
        for i, p in enumerate(params):
            if not isinstance(p.grad, (int, float, Value)) or isinstance(p.grad, bool):
                got = f"{type(p.grad).__name__}: {p.grad!r}"
                key = "engine.grad_not_a_number"
                raise error(TypeError, key, where=what, node=_name(p, i), got=got) from None
        raise failure  # pragma: no cover - every .grad is a number: not ours to explain


def _finite_grads(params: list[Value], what: str, why: Words) -> list[float]:
    """Every parameter's gradient, after checking they are Values with finite gradients."""
    grads = []
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise error(TypeError, "optim.needs_values", what=what, index=i, kind=type(p).__name__)
    numbers = _grad_numbers(params, what)
    for i, (p, g) in enumerate(zip(params, numbers)):
        if not math.isfinite(g):
            raise error(
                OptimizerError, "optim.finite_grads", what=what, name=_name(p, i), g=repr(g),
                why=why,
            )  # fmt: skip
        grads.append(g)
    return grads


# ------------------------------------------------------------------------------------------------
# The registry: every optimizer by name (``microgradpp train --optimizer``)
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptimizerEntry:
    """How to build an optimizer from ``(params, lr, weight_decay)``, and the size of step that
    suits it: ``lr_scale`` times the learning rate Adam would use on the same problem (plain SGD
    takes raw gradient steps and needs a larger rate; RMSprop's steps start large and need a
    smaller one)."""

    build: Callable[[Iterable[Value], float, float], Optimizer]
    lr_scale: float


OPTIMIZERS: dict[str, OptimizerEntry] = {
    "sgd": OptimizerEntry(lambda params, lr, decay: SGD(params, lr, weight_decay=decay), 4.0),
    "momentum": OptimizerEntry(
        lambda params, lr, decay: SGD(params, lr, momentum=0.9, weight_decay=decay), 1.0
    ),
    "rmsprop": OptimizerEntry(
        lambda params, lr, decay: RMSprop(params, lr, weight_decay=decay), 0.2
    ),
    "adam": OptimizerEntry(lambda params, lr, decay: Adam(params, lr, weight_decay=decay), 1.0),
    "adamw": OptimizerEntry(lambda params, lr, decay: AdamW(params, lr, weight_decay=decay), 1.0),
}
"""Optimizer name -> how to build it. Add one here and the command line offers it."""
