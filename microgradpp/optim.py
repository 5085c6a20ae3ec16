"""Optimizers, learning-rate schedules and gradient clipping.

An optimizer moves every parameter a little against its gradient. Plain gradient descent is

    p ← p − α·∂L/∂p

and the others change how far and in which direction each parameter moves (momentum remembers
past gradients; RMSprop and Adam give every parameter its own step size). Each class writes its
rule for *one* parameter in ``_update``, with the formula in the docstring; ``Optimizer.step``
applies it to all of them.

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

CLIP_REMEDY = (
    "lower the learning rate, or clip the gradients "
    "(microgradpp.optim.clip_grad_norm(params, max_norm=1.0) before step(), "
    "or fit(..., clip_grad_norm=1.0))"
)


class OptimizerError(MicrogradppError, FloatingPointError):
    """A step would have written a value that is not finite; no parameter was changed."""


def _positive(x: Any, name: str, allow_zero: bool = False) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r}")
    x = float(x)
    ok = (x >= 0.0 if allow_zero else x > 0.0) and math.isfinite(x)
    if not ok:
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite, got {x!r}")
    return x


def _fraction(x: Any, name: str) -> float:
    x = _positive(x, name, allow_zero=True)
    if not x < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {x!r}")
    return x


def _name(p: Value, index: int) -> str:
    return p.label if p.label else f"parameter #{index} (unlabelled)"


def _check_params(params: Iterable[Value]) -> list[Value]:
    params = list(params)
    if not params:
        raise ValueError("optimizer got an empty parameter list; pass model.parameters()")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"parameters must be Values, item {i} is {type(p).__name__}: {p!r}")
    if len({id(p) for p in params}) != len(params):
        raise ValueError("a parameter appears twice in the list; it would be updated twice")
    return params


class Optimizer:
    """Base class: holds the parameters, the learning rate ``lr`` and per-parameter state."""

    hyperparameters: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        self.params = _check_params(params)
        self.lr = _positive(lr, "lr")
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
        """Update every parameter once; all-or-nothing (see the module docstring)."""
        t = self.steps + 1
        kind = type(self).__name__
        new_values, new_states = [], []
        for i, (p, state) in enumerate(zip(self.params, self.state)):
            g = p.grad
            if not math.isfinite(g):
                raise OptimizerError(
                    f"{kind} step: the gradient of {_name(p, i)} is {g!r}; no parameter was "
                    f"changed. {CLIP_REMEDY[0].upper()}{CLIP_REMEDY[1:]}"
                )
            new_state = dict(state)
            try:
                x = self._update(p.data, g, new_state, t)
            except OverflowError:
                x = math.inf
            if not (math.isfinite(x) and all(math.isfinite(v) for v in new_state.values())):
                raise OptimizerError(
                    f"{kind} step would set {_name(p, i)} to {x!r} (value {p.data!r}, gradient "
                    f"{g!r}, lr {self.lr!r}); no parameter was changed. "
                    f"{CLIP_REMEDY[0].upper()}{CLIP_REMEDY[1:]}"
                )
            new_values.append(x)
            new_states.append(new_state)
        for p, x in zip(self.params, new_values):
            p.data = x
        self.state = new_states
        self.steps = t

    def state_dict(self) -> dict[str, Any]:
        """``{"type", "lr", "steps", hyperparameters…, "state": [per-parameter dicts]}``."""
        state = {"type": type(self).__name__, "lr": self.lr, "steps": self.steps}
        state.update({name: getattr(self, name) for name in self.hyperparameters})
        state["state"] = [dict(s) for s in self.state]
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (same optimizer type, same number of parameters)."""
        kind = type(self).__name__
        if state.get("type") != kind:
            raise ValueError(f"this state is for {state.get('type')!r}, not {kind}")
        per_param = state.get("state")
        if not isinstance(per_param, list) or len(per_param) != len(self.params):
            count = len(per_param) if isinstance(per_param, list) else per_param
            raise ValueError(
                f"this state has {count} parameter entries; this {kind} has {len(self.params)}"
            )
        self.lr = _positive(state["lr"], "lr")
        self.steps = int(state["steps"])
        for name in self.hyperparameters:
            if name in state:
                setattr(self, name, state[name])
        self.state = [dict(s) for s in per_param]

    def __repr__(self) -> str:
        hyper = "".join(f", {n}={getattr(self, n)!r}" for n in self.hyperparameters)
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r}{hyper})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum, Nesterov and weight decay.

        g ← g + λ·p                 (weight_decay λ: the gradient of (λ/2)·p²)
        v ← μ·v + g                 (momentum μ; v starts at 0)
        p ← p − α·v                 or, with nesterov,  p ← p − α·(g + μ·v)

    With μ = 0 this is plain gradient descent p ← p − α·g. (As ``torch.optim.SGD``.)
    """

    hyperparameters = ("momentum", "nesterov", "weight_decay")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _fraction(momentum, "momentum")
        self.nesterov = bool(nesterov)
        self.weight_decay = _positive(weight_decay, "weight_decay", allow_zero=True)
        if self.nesterov and self.momentum == 0.0:
            raise ValueError("nesterov=True needs a momentum > 0, e.g. SGD(..., momentum=0.9)")

    def _update(self, x: float, g: float, state: dict[str, float], t: int) -> float:
        g = g + self.weight_decay * x
        if self.momentum:
            v = state["velocity"] = self.momentum * state.get("velocity", 0.0) + g
            g = g + self.momentum * v if self.nesterov else v
        return x - self.lr * g


class RMSprop(Optimizer):
    """Divide each step by a running root-mean-square of that parameter's gradients.

        g ← g + λ·p
        s ← ρ·s + (1 − ρ)·g²        (ρ = alpha; s starts at 0)
        p ← p − α·g / (√s + ε)

    Parameters with large gradients take smaller steps and vice versa. (As ``torch.optim.RMSprop``.)
    """

    hyperparameters = ("alpha", "eps", "weight_decay")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = _fraction(alpha, "alpha")
        self.eps = _positive(eps, "eps")
        self.weight_decay = _positive(weight_decay, "weight_decay", allow_zero=True)

    def _update(self, x: float, g: float, state: dict[str, float], t: int) -> float:
        g = g + self.weight_decay * x
        s = state["square_avg"] = (
            self.alpha * state.get("square_avg", 0.0) + (1 - self.alpha) * g * g
        )
        return x - self.lr * g / (math.sqrt(s) + self.eps)


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

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (β1, β2), got {betas!r}")
        self.betas = (_fraction(betas[0], "beta1"), _fraction(betas[1], "beta2"))
        self.eps = _positive(eps, "eps")
        self.weight_decay = _positive(weight_decay, "weight_decay", allow_zero=True)

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

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["betas"] = list(self.betas)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.betas = tuple(self.betas)


class AdamW(Adam):
    """Adam with *decoupled* weight decay (Loshchilov & Hutter, 2019):

        p ← p − α·λ·p        first, shrink the weight directly (not through the gradient),
        then the Adam step with the plain gradient.

    Unlike Adam's L2 term, the decay is not rescaled by √v̂. Default λ = 0.01 (as PyTorch).
    """

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


# ------------------------------------------------------------------------------------------------
# Learning-rate schedules: each sets optimizer.lr = base_lr · factor(epoch) on every step()
# ------------------------------------------------------------------------------------------------


class LRScheduler:
    """Base class. ``step()`` once per epoch (after ``optimizer.step()``) moves to the next lr.

    ``lr_at(epoch)`` is the learning rate for epoch 0, 1, 2, … (epoch 0 = ``base_lr``, the
    optimizer's lr when the schedule was made). Works with any optimizer: it only sets ``.lr``.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not hasattr(optimizer, "lr"):
            raise TypeError(f"a schedule needs an optimizer with an lr, got {optimizer!r}")
        self.optimizer = optimizer
        self.base_lr = float(optimizer.lr)
        self.last_epoch = 0
        optimizer.lr = self.lr_at(0)

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def step(self) -> None:
        self.last_epoch += 1
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def get_last_lr(self) -> float:
        return self.optimizer.lr

    def state_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__, "base_lr": self.base_lr, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("type") != type(self).__name__:
            raise ValueError(f"this state is for {state.get('type')!r}, not {type(self).__name__}")
        self.base_lr = float(state["base_lr"])
        self.last_epoch = int(state["last_epoch"])
        self.optimizer.lr = self.lr_at(self.last_epoch)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_lr={self.base_lr!r}, epoch={self.last_epoch})"


class InverseTimeLR(LRScheduler):
    """α = α₀ / (1 + decay·epoch)   (inverse-time decay: fast at first, then ever slower)."""

    def __init__(self, optimizer: Optimizer, decay: float) -> None:
        self.decay = _positive(decay, "decay", allow_zero=True)
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr / (1.0 + self.decay * epoch)


class ExponentialLR(LRScheduler):
    """α = α₀ · γ^epoch   (multiply by γ every epoch)."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _positive(gamma, "gamma")
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma**epoch


class StepLR(LRScheduler):
    """α = α₀ · γ^⌊epoch / step_size⌋   (multiply by γ every step_size epochs)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive int, got {step_size!r}")
        self.step_size = step_size
        self.gamma = _positive(gamma, "gamma")
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
        self.start_factor = _positive(start_factor, "start_factor", allow_zero=True)
        self.end_factor = _positive(end_factor, "end_factor", allow_zero=True)
        if isinstance(total_iters, bool) or not isinstance(total_iters, int) or total_iters < 1:
            raise ValueError(f"total_iters must be a positive int, got {total_iters!r}")
        self.total_iters = total_iters
        super().__init__(optimizer)

    def lr_at(self, epoch: int) -> float:
        s, e = self.start_factor, self.end_factor
        return self.base_lr * (s + (e - s) * min(epoch, self.total_iters) / self.total_iters)


# ------------------------------------------------------------------------------------------------
# Gradient clipping (the cure for exploding gradients)
# ------------------------------------------------------------------------------------------------


def clip_grad_norm(params: Iterable[Value], max_norm: float) -> float:
    """If ‖g‖ = √(Σ g²) over all the gradients exceeds max_norm, scale every gradient by
    max_norm / (‖g‖ + 1e-6) — the direction is kept, only the length shrinks.

    Returns ‖g‖ before clipping (as ``torch.nn.utils.clip_grad_norm_``).
    """
    params = list(params)
    max_norm = _positive(max_norm, "max_norm")
    grads = [p.grad for p in params]
    for i, (p, g) in enumerate(zip(params, grads)):
        if not math.isfinite(g):
            raise OptimizerError(
                f"clip_grad_norm: the gradient of {_name(p, i)} is {g!r}; a norm cannot fix "
                "that. Find where it overflowed (lower the learning rate, normalise the inputs)"
            )
    total = math.hypot(*grads) if grads else 0.0  # hypot scales to avoid overflow
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for p in params:
            p.grad *= scale
    return total


def clip_grad_value(params: Iterable[Value], clip_value: float) -> None:
    """Clamp every gradient into [−clip_value, clip_value] (each one separately)."""
    clip_value = _positive(clip_value, "clip_value")
    for p in params:
        if p.grad > clip_value:
            p.grad = clip_value
        elif p.grad < -clip_value:
            p.grad = -clip_value
        elif p.grad != p.grad:  # nan
            raise OptimizerError(
                f"clip_grad_value: the gradient of {p.label or 'a parameter'} is nan"
            )


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
