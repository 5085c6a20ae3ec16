"""Compiled mode: the scalar graph of ONE sample, replayed over a whole batch with numpy.

How do real frameworks make training fast? Not with a different kind of math: with the same graph,
run on many samples at once. This module shows it with the graph microgradpp already builds:

1. **Trace.** Run the normal engine on one sample. The inputs and the target are leaf ``Value`` s
   (a class label becomes a one-hot target), the parameters are the model's own ``Value`` s. The
   result is an ordinary graph: ``draw_graph`` can draw it, ``backward()`` can run on it.
2. **Schedule.** Give every node a *level* (its depth: leaves 0, a node one more than its deepest
   input). Nodes on the same level with the same gate and the same kind of inputs do not depend on
   each other, so one numpy operation can compute all of them. A layer of ``linear`` neurons that
   read the same inputs becomes one matrix product ``W @ X + b`` on a slice of the parameter
   vector. The cost grows with depth × gate kinds, not with the number of nodes.
3. **Replay.** Every node's value becomes a vector over the batch: row ``V[node]`` holds it for all
   B samples. The forward pass runs the operations level by level; the backward pass runs them in
   reverse with each gate's numpy local gradients (``gates.py``: ``forward_array`` /
   ``local_grads_array``, beside the scalar forms) — the same chain rule as ``backward()``,
   ``parent.grad += local_grad · node.grad``, on vectors. A gradient flowing into a parameter is
   summed over the batch; the loss is the mean, as the scalar path computes it.

It refuses, with a ``CompiledError``, what one traced graph cannot represent: a graph that changes
with the sample (it traces three samples and compares them), integer targets fed to a custom loss,
BatchNorm in training mode (it couples the samples) and active Dropout (the traced mask would be
frozen). A value that is not finite makes it re-run the batch through the scalar engine, which
raises the exact ``GateError`` naming the node.

    >>> from microgradpp.nn import MLP
    >>> from microgradpp.data import make_moons
    >>> X, y = make_moons(100, noise=0.1, seed=0)
    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> program = compile_loss(model, "hinge", X, y)
    >>> loss = program.run(X, y)              # forward + backward over all 100 samples at once
    >>> program.show_sample(3)                # sample 3's values and gradients in the traced graph

numpy is an optional extra: ``pip install 'microgradpp[fast]'``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

try:
    import numpy as np
except ImportError:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        "microgradpp.compiled needs numpy, an optional extra: pip install 'microgradpp[fast]' "
        "(or pip install numpy). The rest of microgradpp works without it."
    ) from None

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count, repeat

from . import losses as _losses
from .data import Seed, as_rng, batches
from .engine import (
    Value,
    is_grad_enabled,
    linear,
    recompute_local_grads,
    sum_values,
    topological_order,
)
from .errors import CompiledError, DomainError, training_advice
from .gates import GATES, Gate
from .history import (
    History,
    end_epoch,
    gradient_flow,
    is_classification,
    output_activation_of,
    progress_bar,
)
from .nn import BatchNorm, Dropout, Module
from .validation import is_integer, is_real

# Where a node's value lives: a row of V (per sample: one number per sample of the batch), a row
# of the batch's inputs (X: the input leaves), an entry of P (parameters) or of C (constants).
_V, _X, _P, _C = "V", "X", "P", "C"
_LINEAR, _SUM = GATES["linear"], GATES["sum"]


# ------------------------------------------------------------------------------------------------
# One BLAS thread: a small network's matrices are too small to share between threads, and on a
# busy machine the threads spin waiting for each other, so a step can take many times longer than
# on one thread (the figures are in benchmarks/RESULTS.md). The setting is changed only while
# compiled mode runs, then put back.
# ------------------------------------------------------------------------------------------------


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


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Inside ``with one_blas_thread():`` numpy's OpenBLAS uses one thread (re-entrant)."""
    if _OPENBLAS is None:
        yield
        return
    get, set_ = _OPENBLAS
    previous = get()
    set_(1)
    try:
        yield
    finally:
        set_(previous)


# ------------------------------------------------------------------------------------------------
# Losses written so the target is a leaf Value (the scalar losses take numbers: a number would be
# frozen into the traced graph as a constant)
# ------------------------------------------------------------------------------------------------


_SOFTPLUS = GATES["softplus"]  # ln(1 + eᶻ) with its stable form chosen per sample


def _max_tree(values: list[Value]) -> Value:
    """max of the values as a balanced tree of max gates (depth ⌈log₂ n⌉: few levels)."""
    while len(values) > 1:
        pairs = [a.max(b) for a, b in zip(values[::2], values[1::2])]
        values = pairs + ([values[-1]] if len(values) % 2 else [])
    return values[0]


class _LossSpec:
    """A loss for compiled mode: how to encode the targets, and one sample's loss as a graph.

    ``per_sample(outputs, targets)`` builds Lₛ from the model's outputs and the target leaves;
    the batch loss is Σₛ Lₛ / (B · terms), ``terms`` being the loss terms per sample (the scalar
    losses average over every output of every sample).
    """

    def __init__(self, name: str, scalar: Callable, classes: bool = False) -> None:
        self.name, self.scalar, self.classes = name, scalar, classes
        self.key: Any = name  # what history.is_classification is given as the loss

    def target_labels(self, width: int) -> list[str]:
        if self.name == "hinge":
            return ["y"] if width == 1 else [f"y{j}" for j in range(width)]
        return ["t"] if width == 1 else [f"t{j}" for j in range(width)]

    def encode(self, y: Sequence[Any], width: int) -> Any:
        """Targets as an array (N, width): one-hot for classes, ±1 for hinge, else the numbers."""
        if self.classes:
            labels = np.empty(len(y), dtype=np.intp)
            for i, t in enumerate(y):
                labels[i] = _losses._check_class(t, width)
            return np.eye(width)[labels]
        rows = np.empty((len(y), width))
        for i, t in enumerate(y):
            items = list(t) if isinstance(t, (list, tuple)) else [t]
            if len(items) != width:
                raise ValueError(f"target {i} has {len(items)} numbers, the model {width} outputs")
            for j, item in enumerate(items):
                if not is_real(item):
                    raise TypeError(f"a target must be a number, got {type(item).__name__}: {t!r}")
                if self.name == "hinge":
                    item = _losses._sign_label(float(item))
                elif self.name.startswith("binary_cross_entropy"):
                    item = _losses._check_probability_target(float(item))
                rows[i, j] = item
        if not np.isfinite(rows).all():
            raise ValueError("targets must be finite numbers")
        return rows

    def terms(self, width: int) -> int:
        return 1 if self.classes else width

    def per_sample(self, outputs: list[Value], targets: list[Value]) -> Value:
        name = self.name
        if name == "cross_entropy":
            # L = ln Σⱼ e^(zⱼ − m) − Σⱼ tⱼ·(zⱼ − m), with m = max z from max gates (computed per
            # sample, not frozen from the traced one) and t the one-hot target.
            neg_m = -_max_tree(outputs)
            shifted = [z + neg_m for z in outputs]
            log_sum_exp = sum_values([s.exp() for s in shifted]).log()
            return log_sum_exp - linear(targets, shifted, Value(0.0))
        terms = []
        for p, t in zip(outputs, targets):
            if name == "mse":
                d = p - t
                terms.append(d * d)
            elif name == "l1":
                d = p - t
                terms.append(d.max(-d))
            elif name == "hinge":
                terms.append((p * -t + 1.0).relu())
            elif name == "binary_cross_entropy":
                term = Value(0.0) + p.max(_losses._LOG_FLOOR).log() * t
                term = term + (1.0 - p).max(_losses._LOG_FLOOR).log() * (1.0 - t)
                terms.append(-term)
            else:  # binary_cross_entropy_with_logits: softplus(z) − z·t
                from .engine import apply_gate

                terms.append(apply_gate(_SOFTPLUS, p) - p * t)
        return terms[0] if len(terms) == 1 else sum_values(terms)


_NAMED_LOSSES = ("mse", "l1", "hinge", "binary_cross_entropy", "binary_cross_entropy_with_logits")


def _loss_spec(loss: Any) -> _LossSpec | None:
    """The spec of a named loss (given by name or as the function in ``losses``); None: custom."""
    for name in (*_NAMED_LOSSES, "cross_entropy"):
        function = getattr(_losses, name)
        if loss == name or loss is function:
            return _LossSpec(name, function, classes=name == "cross_entropy")
    if isinstance(loss, str):
        raise ValueError(
            f"unknown loss {loss!r}; use one of {', '.join(_NAMED_LOSSES)}, "
            "cross_entropy or a function"
        )
    return None


class _CustomLoss(_LossSpec):
    """A loss function of the user's, called on one sample with its targets as Values."""

    def __init__(self, function: Callable) -> None:
        super().__init__(getattr(function, "__name__", "loss"), function)
        self.key = function

    def encode(self, y: Sequence[Any], width: int) -> Any:
        if any(is_integer(t) for t in y):
            raise CompiledError(
                f"compiled mode cannot use the integer targets with the custom loss {self.name}: "
                "it traces the target as a Value, and a loss that uses an int label to choose "
                "(an index like outputs[t], an if) would freeze the traced sample's choice. Use "
                "loss='cross_entropy' for class labels (traced with a one-hot target), pass the "
                "targets as floats if your loss only does arithmetic with them, or train with "
                "compiled=False"
            )
        first = y[0]
        width = len(first) if isinstance(first, (list, tuple)) else 1
        spec = _LossSpec("mse", self.scalar)  # plain numbers, checked
        return spec.encode(y, width)

    def terms(self, width: int) -> int:
        return 1

    def per_sample(self, outputs: list[Value], targets: list[Value]) -> Value:
        return self._call([outputs], [targets])

    def check_mean(self, a: _Trace, b: _Trace, targets_b: Any) -> None:
        """The batch loss is the mean of the per-sample losses: check the loss agrees on two.

        (b shares a's target leaves, which hold a's numbers again: ``targets_b`` are b's.)
        """
        b_targets = [Value(float(v)) for v in targets_b]
        both = self._call([a.outputs, b.outputs], [a.targets, b_targets]).data
        mean = (a.loss.data + b.loss.data) / 2.0
        if not math.isclose(both, mean, rel_tol=1e-9, abs_tol=1e-12):
            total = (
                "their sum" if math.isclose(both, 2.0 * mean, rel_tol=1e-9) else "not their mean"
            )
            raise CompiledError(
                f"compiled mode averages the per-sample losses over a batch, but the loss "
                f"{self.name} of two samples is {both!r} and theirs are {a.loss.data!r} and "
                f"{b.loss.data!r} ({total}). Make the loss a mean over the samples, or train "
                "with compiled=False"
            )

    def _call(self, outputs: list[list[Value]], targets: list[list[Value]]) -> Value:
        model_out = [o[0] if len(o) == 1 else list(o) for o in outputs]
        target = [t[0] if len(t) == 1 else list(t) for t in targets]
        try:
            result = self.scalar(model_out, target)
        except (TypeError, ValueError) as error:
            raise CompiledError(
                f"compiled mode calls the loss {self.name} with the targets as Values (so every "
                f"sample can share one graph), and it refused them: {error}. Write the loss with "
                "Value arithmetic only, or train with compiled=False"
            ) from None
        if not isinstance(result, Value):
            raise CompiledError(f"the loss {self.name} returned {result!r}, not a Value")
        return result


# ------------------------------------------------------------------------------------------------
# Tracing
# ------------------------------------------------------------------------------------------------


class _Trace:
    """One sample's loss graph: leaves for its inputs and targets, the model's outputs, the loss."""

    def __init__(
        self, model: Module, spec: _LossSpec, x: Any, t: Any, width: int,
        leaves: _Trace | None = None,
    ) -> None:  # fmt: skip
        """``leaves``: reuse another trace's input and target leaves (with this sample's numbers
        for the time of the trace), so the two graphs share them and compare fast."""
        if leaves is None:
            self.inputs = [Value(float(v), f"x{i}") for i, v in enumerate(x)]
            labels = spec.target_labels(len(t))
            self.targets = [Value(float(v), label) for v, label in zip(t, labels)]
        else:
            self.inputs, self.targets = leaves.inputs, leaves.targets
            saved = [v.data for v in (*self.inputs, *self.targets)]
            for v, number in zip((*self.inputs, *self.targets), (*x.tolist(), *t.tolist())):
                v.data = number
        try:
            self._build(model, spec, width)
        finally:
            if leaves is not None:
                for v, number in zip((*self.inputs, *self.targets), saved):
                    v.data = number

    def _build(self, model: Module, spec: _LossSpec, width: int) -> None:
        out = model.forward_batch([self.inputs])[0]
        self.outputs: list[Value] = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(self.outputs) != width:
            raise CompiledError(f"the model gave {len(self.outputs)} outputs, expected {width}")
        self.loss = spec.per_sample(self.outputs, self.targets)


def _difference(a: _Trace, b: _Trace, parameter_ids: set[int]) -> str | None:
    """How the graphs of two traced samples differ (None: the same program).

    Walks both graphs from the loss down, side by side: the same gate with the same number of
    inputs at every node, the same leaf (parameter, input, target: the traces share them) or a
    constant with the same number.
    """
    matched: dict[int, Value] = {id(a.loss): b.loss}
    stack = [(a.loss, b.loss)]
    while stack:
        node_a, node_b = stack.pop()
        if node_a.gate is not node_b.gate or len(node_a.parents) != len(node_b.parents):
            name = node_a.gate.name if node_a.gate is not None else "a leaf"
            return f"a {name} node in one is a different node in the other"
        parents_a, parents_b = node_a.parents, node_b.parents
        if parents_a == parents_b:  # the same Values (compared by identity, at C speed)
            continue
        for pa, pb in zip(parents_a, parents_b):
            if pa is pb:  # the same parameter, input, target (or a Value made before tracing)
                continue
            seen = matched.get(id(pa))
            if seen is not None:
                if seen is not pb:
                    return "a node feeds different places in the two graphs"
                continue
            matched[id(pa)] = pb
            if pa.parents:
                stack.append((pa, pb))
                continue
            if id(pa) in parameter_ids or id(pb) in parameter_ids:
                return "a leaf of one is a different leaf in the other"
            if pa.data != pb.data:
                return (
                    f"a constant is {pa.data!r} for one sample and {pb.data!r} for the other "
                    "(a number computed from the sample's .data)"
                )
    return None


# ------------------------------------------------------------------------------------------------
# Where inputs come from and where gradients go
# ------------------------------------------------------------------------------------------------


def _slice_or_index(index: Any) -> Any:
    """A slice when the indices are evenly spaced and increasing (a view, no copy), else them."""
    n = len(index)
    if n == 1:
        return slice(int(index[0]), int(index[0]) + 1)
    step = int(index[1] - index[0])
    if step > 0 and (np.diff(index) == step).all():
        return slice(int(index[0]), int(index[-1]) + 1, step)
    return index


class _Source:
    """Input position j of a group: rows of V (per sample) or entries of P / C (shared)."""

    def __init__(self, kind: str, index: list[int], requires: bool) -> None:
        self.kind = kind
        self.index = np.asarray(index, dtype=np.intp)
        self.take = _slice_or_index(self.index)
        self.unique = len(set(index)) == len(index)
        self.requires = requires  # does a parameter's gradient flow through it?

    def get(self, prog: Program) -> Any:
        """(n, B) for rows of V, (n, 1) for P or C (numpy broadcasts it over the batch)."""
        if self.kind == _V:
            return prog.V[self.take]
        if self.kind == _X:
            return prog.Xin[self.take]
        return (prog.P if self.kind == _P else prog.C)[self.take][:, None]

    def add(self, prog: Program, contribution: Any) -> None:
        """target += contribution; for P and C summed over the batch first."""
        if self.kind in (_V, _X):
            target = prog.gV if self.kind == _V else prog.gX
        else:
            target = prog.gP if self.kind == _P else prog.gC
            contribution = contribution.sum(axis=1)
        if self.unique:
            target[self.take] += contribution
        else:  # the same node several times in this position: add every copy
            np.add.at(target, self.index, contribution)


class _Block:
    """Many input positions of the same kind at once: index (n, m) → values (n, m, B)."""

    def __init__(self, kind: str, index: list[list[int]], requires: bool) -> None:
        self.kind = kind
        self.index = np.asarray(index, dtype=np.intp)
        self.flat = self.index.ravel()
        self.unique = len(set(self.flat.tolist())) == self.flat.size
        self.requires = requires

    def get(self, prog: Program) -> Any:
        if self.kind in (_V, _X):
            return (prog.V if self.kind == _V else prog.Xin)[self.index]
        return (prog.P if self.kind == _P else prog.C)[self.index][:, :, None]

    def add(self, prog: Program, contribution: Any) -> None:
        n, m = self.index.shape
        if self.kind in (_V, _X):
            target = prog.gV if self.kind == _V else prog.gX
            contribution = np.broadcast_to(contribution, (n, m, prog.batch))
            contribution = contribution.reshape(n * m, prog.batch)
        else:
            target = prog.gP if self.kind == _P else prog.gC
            contribution = np.broadcast_to(contribution, (n, m, prog.batch)).sum(axis=2).ravel()
        if self.unique:
            target[self.flat] += contribution
        else:
            np.add.at(target, self.flat, contribution)


# ------------------------------------------------------------------------------------------------
# Operations: one per group of nodes (same level, same gate, same kinds of inputs)
# ------------------------------------------------------------------------------------------------


class _GateOp:
    """Any gate on a group of nodes: ``gate.forward_array`` / ``gate.local_grads_array``."""

    def __init__(self, gate: Gate, rows: slice, sources: list[_Source]) -> None:
        self.gate, self.rows, self.sources = gate, rows, sources
        self.requires = any(s.requires for s in sources)
        self.xs: list[Any] = []

    def forward(self, prog: Program) -> None:
        self.xs = [s.get(prog) for s in self.sources]
        prog.V[self.rows] = self.gate.forward_array(*self.xs)

    def backward(self, prog: Program, full: bool) -> None:
        upstream = prog.gV[self.rows]
        local_grads = self.gate.local_grads_array(prog.V[self.rows], *self.xs)
        for source, local in zip(self.sources, local_grads):
            if full or source.requires:
                if isinstance(local, float) and local == 1.0:
                    source.add(prog, upstream)  # add, sum: the gradient is copied
                else:
                    source.add(prog, local * upstream)  # the chain rule


class _MatmulOp:
    """A layer of ``linear`` nodes reading the same inputs:  Z = W @ X + b  (one matrix product).

    W is an (n, k) view of the parameter vector when the weights lie evenly spaced in it (as
    ``model.parameters()`` orders them: w₀ … w_{k−1}, b for each neuron), else it is gathered.
    Backward: ∂L/∂W = G @ Xᵀ (summed over the batch by the product), ∂L/∂b = Σ G,
    ∂L/∂X = Wᵀ @ G.
    """

    def __init__(
        self, rows: slice, weights: list[list[int]], bias: _Source, x: _Source, prog: Program
    ) -> None:
        self.rows, self.bias, self.x = rows, bias, x
        self.w_index = np.asarray(weights, dtype=np.intp)
        self.w_unique = len(set(self.w_index.ravel().tolist())) == self.w_index.size
        self.requires = True
        self.W = self.gW = None
        grid = _affine_grid(self.w_index) if self.w_unique else None
        if grid is not None:
            start, row_step, col_step = grid
            n, k = self.w_index.shape
            strides = (row_step * prog.P.itemsize, col_step * prog.P.itemsize)
            shape = (n, k)
            self.W = np.lib.stride_tricks.as_strided(prog.P[start:], shape, strides)
            self.gW = np.lib.stride_tricks.as_strided(prog.gP[start:], shape, strides)

    def forward(self, prog: Program) -> None:
        W = self.W if self.W is not None else prog.P[self.w_index]
        X = self.x.get(prog)
        out = prog.V[self.rows]
        np.matmul(W, X, out=out)
        out += self.bias.get(prog)
        if not np.isfinite(out).all():  # BLAS raises no overflow flag: check here
            raise FloatingPointError("overflow in a matrix product")
        self.X_used, self.W_used = X, W

    def backward(self, prog: Program, full: bool) -> None:
        upstream = prog.gV[self.rows]
        grad_W = upstream @ self.X_used.T
        if self.gW is not None:
            self.gW += grad_W
        elif self.w_unique:
            prog.gP[self.w_index] += grad_W
        else:
            np.add.at(prog.gP, self.w_index, grad_W)
        self.bias.add(prog, upstream)
        if full or self.x.requires:
            self.x.add(prog, self.W_used.T @ upstream)


def _affine_grid(index: Any) -> tuple[int, int, int] | None:
    """(start, row step, column step) if index[i, j] = start + i·row + j·col with steps > 0."""
    n, k = index.shape
    start = int(index[0, 0])
    row = int(index[1, 0] - start) if n > 1 else k
    col = int(index[0, 1] - start) if k > 1 else 1
    if row <= 0 or col <= 0:
        return None
    expected = start + row * np.arange(n)[:, None] + col * np.arange(k)[None, :]
    return (start, row, col) if np.array_equal(index, expected) else None


class _LinearBlockOp:
    """``linear`` nodes whose weights and inputs are each of one kind but not a shared layer
    (cross-entropy's Σ tⱼ·sⱼ with the one-hot target): out = b + Σⱼ Wⱼ·Xⱼ on (n, k, B) blocks."""

    def __init__(self, rows: slice, bias: _Source, w: _Block, x: _Block) -> None:
        self.rows, self.bias, self.w, self.x = rows, bias, w, x
        self.requires = bias.requires or w.requires or x.requires

    def forward(self, prog: Program) -> None:
        self.W, self.X = self.w.get(prog), self.x.get(prog)
        prog.V[self.rows] = self.bias.get(prog) + (self.W * self.X).sum(axis=1)

    def backward(self, prog: Program, full: bool) -> None:
        upstream = prog.gV[self.rows]
        if full or self.bias.requires:
            self.bias.add(prog, upstream)
        up = upstream[:, None, :]
        if full or self.w.requires:
            self.w.add(prog, self.X * up)  # ∂out/∂wⱼ = xⱼ
        if full or self.x.requires:
            self.x.add(prog, self.W * up)  # ∂out/∂xⱼ = wⱼ


class _SumBlockOp:
    """``sum`` nodes with inputs of one kind: out = Σⱼ Xⱼ on an (n, m, B) block."""

    def __init__(self, rows: slice, block: _Block) -> None:
        self.rows, self.block = rows, block
        self.requires = block.requires

    def forward(self, prog: Program) -> None:
        prog.V[self.rows] = self.block.get(prog).sum(axis=1)

    def backward(self, prog: Program, full: bool) -> None:
        if full or self.block.requires:
            self.block.add(prog, prog.gV[self.rows][:, None, :])


# ------------------------------------------------------------------------------------------------
# The program
# ------------------------------------------------------------------------------------------------


def _check_compilable(model: Module) -> None:
    for name, module in model.named_modules():
        where = f" ({name})" if name else ""
        if isinstance(module, BatchNorm) and module.training:
            raise CompiledError(
                f"compiled mode cannot run BatchNorm in training mode{where}: it normalizes each "
                "value with the mean and variance of the whole mini-batch, so the samples are "
                "not independent and one traced sample's graph cannot describe them. Train with "
                "compiled=False, or call model.eval() to use the running statistics"
            )
        if isinstance(module, Dropout) and module.training and module.p > 0.0:
            raise CompiledError(
                f"compiled mode cannot run Dropout in training mode{where}: the traced sample's "
                "random mask would be frozen into the program and reused for every sample and "
                "step. Train with compiled=False, or call model.eval()"
            )


def _as_matrix(X: Any, width: int, what: str = "X") -> Any:
    try:
        array = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what} must be a list of samples of {width} numbers: {error}") from None
    if array.ndim != 2 or array.shape[1] != width:
        raise ValueError(f"{what} must have shape (samples, {width}), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} holds a value that is not finite (nan or inf)")
    return array


def _model_width(model: Module) -> tuple[int, int]:
    nin = getattr(model, "nin", None)
    if nin is None:
        raise CompiledError(
            f"compiled mode needs a model with nin (an MLP, Layer or Neuron), got "
            f"{type(model).__name__}"
        )
    nouts = getattr(model, "nouts", None)
    if nouts is not None:
        return nin, nouts[-1]
    return nin, getattr(model, "nout", 1)


def _gate_nodes(root: Value, known: set[int]) -> tuple[list[Value], list[Value], set[int]]:
    """The gate nodes below root in topological order, the constants, and the ids of every leaf.

    ``topological_order`` visits every node; here the leaves we know (parameters, inputs,
    targets: most of a network's graph) are skipped with set operations at C speed, so only the
    few hundred gate nodes (and constants) are visited one by one.
    """
    order: list[Value] = []
    constants: list[Value] = []
    leaves: set[int] = set()
    seen = {id(root)}
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        parents = node.parents
        if not parents:  # the root is a leaf: no gate at all
            continue
        stack.append((node, True))
        ids = set(map(id, parents))
        leaves |= ids & known
        new = ids - known - seen
        if not new:  # only known leaves and nodes already listed (a first-layer neuron)
            continue
        for parent in reversed(parents):  # reversed: the first parent comes off the stack first
            key = id(parent)
            if key in new:
                new.discard(key)
                seen.add(key)
                if parent.parents:
                    stack.append((parent, False))
                else:
                    constants.append(parent)
                    leaves.add(key)
    return order, constants, leaves


class Program:
    """A traced loss graph, scheduled into numpy operations over a batch.

    Attributes: ``parameters`` (the Values the program trains, in order), ``values`` (their
    numbers as an array: during compiled training the truth is here, see ``push`` / ``pull``),
    ``grad`` (∂loss/∂parameter after ``run``), ``loss_value``, ``outputs`` and ``inputs`` (the
    traced graph's Values, for pictures).
    """

    def __init__(
        self, model: Module, spec: _LossSpec, trace: _Trace, parameters: list[Value]
    ) -> None:
        self.model, self.spec, self.trace = model, spec, trace
        self.loss_value, self.inputs, self.targets = trace.loss, trace.inputs, trace.targets
        self.outputs = trace.outputs
        self.parameters = parameters
        self.width = len(trace.outputs)
        self.terms = spec.terms(self.width)
        # Leaves: the parameters, inputs and targets are known in advance (dicts built at C speed:
        # a 784-128-10 network has 10⁵ parameters); any other leaf is a constant.
        param_ids = list(map(id, parameters))
        input_ids = list(map(id, trace.inputs))
        target_ids = list(map(id, trace.targets))
        self.gate_nodes, constants, reached = _gate_nodes(
            trace.loss, {*param_ids, *input_ids, *target_ids}
        )
        self.node_count = len(self.gate_nodes) + len(reached)
        self._nodes: list[Value] | None = None
        slot: dict[int, tuple[str, int]] = dict(zip(param_ids, zip(repeat(_P), count())))
        slot.update(zip(input_ids, zip(repeat(_X), count())))
        slot.update(zip(target_ids, zip(repeat(_V), count())))
        kind = dict.fromkeys(param_ids, _P)
        kind.update(dict.fromkeys(input_ids, _X))
        kind.update(dict.fromkeys(target_ids, _V))
        depth = dict.fromkeys(slot, 0)  # the level: leaves 0, a gate node 1 + its deepest input's
        requires = dict.fromkeys(slot, False)  # does a parameter's gradient flow through it?
        requires.update(dict.fromkeys(param_ids, True))
        for i, node in enumerate(constants):
            slot[id(node)] = (_C, i)
            depth[id(node)], requires[id(node)], kind[id(node)] = 0, False, _C
        # Group the gate nodes by (level, gate, kinds of inputs); a layer of linear nodes with
        # parameter weights reading the same per-sample inputs is one group (a matrix product).
        groups: dict[tuple, list[Value]] = {}
        for node in self.gate_nodes:
            key = id(node)
            ids = list(map(id, node.parents))  # map(): C speed, the graph can have 10⁵ edges
            level = 1 + max(map(depth.__getitem__, ids))
            depth[key], kind[key] = level, _V
            requires[key] = any(map(requires.__getitem__, ids))
            group: tuple = (level, id(node.gate), tuple(map(kind.__getitem__, ids)))
            if node.gate is _LINEAR and _is_layer_pattern(group[2]):
                group += (tuple(ids[2::2]),)
            groups.setdefault(group, []).append(node)
        self.constants = constants
        self.P = np.array([p.data for p in parameters], dtype=float)
        self.gP = np.zeros_like(self.P)
        self.C = np.array([c.data for c in constants], dtype=float)
        self.gC = np.zeros_like(self.C)
        self.rows = len(trace.targets)  # V: the target leaves, then every gate node
        self.ops: list[Any] = []
        by_level = sorted(groups, key=lambda k: k[0])  # stable: a level keeps first-seen order
        for group_key in by_level:
            nodes = groups[group_key]
            rows = slice(self.rows, self.rows + len(nodes))
            for i, node in enumerate(nodes):
                slot[id(node)] = (_V, self.rows + i)
            self.rows += len(nodes)
            self.ops.append(self._make_op(nodes, rows, group_key[2], slot, requires))
        self.slot = slot
        self.levels = max(depth.values())
        root_kind, self.root_row = slot[id(self.loss_value)]
        if root_kind != _V or not self.gate_nodes:
            raise CompiledError("the loss does not depend on the samples: nothing to compile")
        self.output_slots = [slot[id(v)] for v in self.outputs]
        self.relu_rows = self._relu_rows()
        self.batch = 0
        self.V = self.gV = np.zeros((self.rows, 0))
        self._last: tuple[Any, Any] | None = None
        self.in_model: Any = None  # which parameters are the model's (set by fit_compiled)

    # -- building ---------------------------------------------------------------------------------

    def _make_op(
        self, nodes: list[Value], rows: slice, kinds: tuple, slot: dict, requires: dict
    ) -> Any:
        gate = nodes[0].gate
        assert gate is not None  # the nodes of a group were made by one gate
        arity = len(kinds)

        def source(j: int) -> _Source:
            parents = [node.parents[j] for node in nodes]
            return _Source(
                kinds[j], [slot[id(p)][1] for p in parents], any(requires[id(p)] for p in parents)
            )

        def block(positions: range) -> _Block:
            index = [[slot[id(node.parents[j])][1] for j in positions] for node in nodes]
            needed = any(requires[id(node.parents[j])] for node in nodes for j in positions)
            return _Block(kinds[positions[0]], index, needed)

        if gate is _LINEAR and _is_layer_pattern(kinds):
            weights = [[slot[id(w)][1] for w in node.parents[1::2]] for node in nodes]
            if arity == 1:  # a neuron with no inputs: just its bias
                return _GateOp(gate, rows, [source(0)])
            xs = nodes[0].parents[2::2]  # the same for every node of the group
            x_kind = slot[id(xs[0])][0]
            x = _Source(x_kind, [slot[id(v)][1] for v in xs], any(requires[id(v)] for v in xs))
            return _MatmulOp(rows, weights, source(0), x, self)
        if gate is _LINEAR and arity >= 5:
            w_kinds, x_kinds = set(kinds[1::2]), set(kinds[2::2])
            if len(w_kinds) == 1 and len(x_kinds) == 1:
                return _LinearBlockOp(
                    rows, source(0), block(range(1, arity, 2)), block(range(2, arity, 2))
                )
        if gate is _SUM and arity >= 4 and len(set(kinds)) == 1:
            return _SumBlockOp(rows, block(range(arity)))
        return _GateOp(gate, rows, [source(j) for j in range(arity)])

    def _relu_rows(self) -> dict[int, list[int | None]]:
        """For each ReLU layer (by id): the row of each neuron's relu node (dead-unit history)."""
        found: dict[int, int] = {}  # id(bias) -> row of the relu node above it
        for node in self.gate_nodes:
            if node.gate is GATES["relu"]:
                below = node.parents[0]
                while below.parents and below.parents[0].parents:
                    below = below.parents[0]
                bias = below.parents[0] if below.parents else below
                found[id(bias)] = self.slot[id(node)][1]
        layers: dict[int, list[int | None]] = {}
        for _, module in self.model.named_modules():
            neurons = getattr(module, "neurons", None)
            if neurons is not None and getattr(module, "activation", None) == "relu":
                layers[id(module)] = [found.get(id(n.b)) for n in neurons]
        return layers

    @property
    def nodes(self) -> list[Value]:
        """Every node of the traced graph, in ``topological_order`` (for pictures and tables)."""
        if self._nodes is None:
            self._nodes = topological_order(self.loss_value)
        return self._nodes

    def __repr__(self) -> str:
        return (
            f"Program({self.node_count} nodes ({len(self.gate_nodes)} gate nodes) on "
            f"{self.levels} levels -> "
            f"{len(self.ops)} numpy operations; {len(self.parameters)} parameters)"
        )

    # -- running ----------------------------------------------------------------------------------

    def _buffers(self, batch: int) -> None:
        if batch != self.batch:
            self.V = np.zeros((self.rows, batch))
            self.batch = batch

    def _load(self, X: Any, T: Any) -> None:
        """Take a batch: X (B, inputs) is read in place (Xin = Xᵀ, a view), T (B, targets) goes
        into the target rows of V."""
        self._buffers(len(X))
        self.Xb, self.Tb = X, T
        self.Xin = X.T
        self.V[: len(self.targets)] = T.T

    def _forward(self) -> None:
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            for op in self.ops:
                op.forward(self)

    def _backward(self, seed: float, full: bool) -> None:
        self.gV = np.zeros_like(self.V)
        if full:
            self.gX = np.zeros((len(self.inputs), self.batch))
        self.gP.fill(0.0)
        self.gC.fill(0.0)
        self.gV[self.root_row] = seed
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            for op in reversed(self.ops):
                if full or op.requires:
                    op.backward(self, full)

    def _run_loaded(self, backward: bool = True, full: bool = False) -> float:
        """Forward (and backward) on the batch in V; the mean loss. Failing: the scalar engine."""
        try:
            self._forward()
            losses = self.V[self.root_row]
            loss = float(losses.sum()) * (1.0 / (self.batch * self.terms))
            if not math.isfinite(loss):
                raise FloatingPointError("the loss is not finite")
            if self.spec.name == "binary_cross_entropy":
                self._check_probabilities()
            if backward:
                self._backward(1.0 / (self.batch * self.terms), full)
                if not np.isfinite(self.gP).all():
                    raise FloatingPointError("a gradient is not finite")
        except (FloatingPointError, DomainError) as error:
            self._replay_scalar(error, backward)
        return loss

    def _check_probabilities(self) -> None:
        for kind, index in self.output_slots:
            values = self.V[index] if kind == _V else np.array([self.P[index]])
            if ((values < 0.0) | (values > 1.0)).any():
                raise FloatingPointError("binary_cross_entropy got a value outside [0, 1]")

    def _replay_scalar(self, error: Exception, backward: bool) -> None:
        """Run the batch through the scalar engine: it raises the exact error of the first failing
        sample (a GateError naming the node). If it does not fail, say so."""
        X = self.Xb.tolist()
        y = self._decode_targets(self.Tb)
        self.push()
        for x, target in zip(X, y):
            outputs = self.model.forward_batch([x])
            loss = self.spec.scalar(outputs, [target])
            if backward:
                loss.backward()
        raise CompiledError(
            f"compiled mode met a value that is not finite ({error}) where the scalar engine "
            "did not; train this model with compiled=False"
        )

    def _decode_targets(self, T: Any) -> list[Any]:
        if self.spec.classes:
            return [int(i) for i in T.argmax(axis=1)]
        rows = T.tolist()
        return [row[0] if len(row) == 1 else row for row in rows]

    def run(self, X: Any, y: Sequence[Any]) -> float:
        """Forward and backward over the batch (X, y): the mean loss; ``grad`` holds ∂loss/∂p."""
        self._last = (_as_matrix(X, len(self.inputs)), self.spec.encode(y, self.width))
        self._load(*self._last)
        with one_blas_thread():
            return self._run_loaded()

    def encode(self, y: Sequence[Any]) -> Any:
        """The targets as the program reads them: (N, targets) array (one-hot for classes)."""
        return self.spec.encode(y, self.width)

    def run_batch(self, X: Any, T: Any) -> float:
        """``run`` for arrays already prepared: X (B, inputs) floats, T = ``encode(y)``."""
        self._last = (X, T)
        self._load(X, T)
        with one_blas_thread():
            return self._run_loaded()

    @property
    def grad(self) -> Any:
        """∂loss/∂p for every parameter, summed over the batch (after ``run``)."""
        return self.gP

    @property
    def values(self) -> Any:
        """The parameters' numbers (the same order as ``parameters``)."""
        return self.P

    def output_array(self) -> Any:
        """The model's outputs for the batch in V: shape (B, outputs)."""
        columns = [
            self.V[i] if kind == _V else np.full(self.batch, self.P[i] if kind == _P else self.C[i])
            for kind, i in self.output_slots
        ]
        return np.stack(columns, axis=1)

    def outputs_for(self, X: Any, chunk: int = 2000) -> Any:
        """The model's outputs for the samples X (no gradients): shape (N, outputs)."""
        X = _as_matrix(X, len(self.inputs))
        pieces = []
        for start in range(0, len(X), chunk):
            part = X[start : start + chunk]
            self._load(part, np.zeros((len(part), len(self.targets))))  # targets: unused
            try:
                with one_blas_thread():
                    self._forward()
            except (FloatingPointError, DomainError) as error:
                self._replay_scalar(error, backward=False)
            pieces.append(self.output_array())
        return np.concatenate(pieces) if pieces else np.zeros((0, self.width))

    def predict(self, X: Any) -> list[int]:
        """Class labels for X, as ``train.predict`` gives them (argmax, or a threshold)."""
        outputs = self.outputs_for(X)
        return _labels(outputs, output_activation_of(self.model))

    def evaluate(self, X: Any, y: Sequence[Any], chunk: int = 2000) -> tuple[float, float | None]:
        """(mean loss, accuracy or None) on (X, y), as ``train.evaluate`` (no gradients)."""
        X = _as_matrix(X, len(self.inputs))
        T = self.spec.encode(y, self.width)
        total, labels = 0.0, []
        for start in range(0, len(X), chunk):
            self._load(X[start : start + chunk], T[start : start + chunk])
            with one_blas_thread():
                total += self._run_loaded(backward=False) * self.batch
            labels += _labels(self.output_array(), output_activation_of(self.model))
        loss = total / len(X)
        if not is_classification(y, self.spec.key):
            return loss, None
        return loss, sum(p == t for p, t in zip(labels, y)) / len(y)

    # -- the Values ---------------------------------------------------------------------------------

    def push(self, grads: bool = True) -> None:
        """Write the parameter array (and gradients) into the parameters' Values."""
        for p, x in zip(self.parameters, self.P.tolist()):
            p.data = x
        if grads:
            for p, g in zip(self.parameters, self.gP.tolist()):
                p.grad = g

    def pull(self) -> None:
        """Read the parameters' Values into the array (after the user changed them)."""
        self.P[:] = [p.data for p in self.parameters]

    def show_sample(self, k: int) -> None:
        """Write sample k's values and gradients (of its own loss Lₖ) into the traced graph.

        Sample k of the last batch given to ``run``. Every traced Value gets ``data`` and
        ``grad`` as a scalar run of that one sample would (``draw_graph`` and the step pages then
        show it); the parameters get ``grad`` = ∂Lₖ/∂p. Each gate node's ``local_grads`` are
        worked out again by its gate from sample k's values, so every wire of a picture belongs
        to sample k.
        """
        if self._last is None:
            raise ValueError("show_sample needs a batch: call program.run(X, y) first")
        X, T = self._last
        if not is_integer(k) or not -len(X) <= k < len(X):
            raise IndexError(f"sample {k!r} is not in the last batch of {len(X)} samples")
        self._load(X[k : k + 1], T[k : k + 1])
        with one_blas_thread():
            self._run_loaded(backward=True, full=True)
        for node in self.gate_nodes:
            row = self.slot[id(node)][1]
            node.data, node.grad = float(self.V[row, 0]), float(self.gV[row, 0])
        for j, node in enumerate(self.targets):
            node.data, node.grad = float(self.V[j, 0]), float(self.gV[j, 0])
        for i, node in enumerate(self.inputs):
            node.data, node.grad = float(self.Xin[i, 0]), float(self.gX[i, 0])
        for p, value, grad in zip(self.parameters, self.P.tolist(), self.gP.tolist()):
            p.data, p.grad = value, grad
        for c, grad in zip(self.constants, self.gC.tolist()):
            c.grad = grad
        for node in self.gate_nodes:  # the wires show upstream × local: this sample's locals
            recompute_local_grads(node)
        self._load(X, T)  # leave the whole batch loaded again

    def set_dead_units(self) -> None:
        """Each ReLU layer's ``dead`` list from the batch in V (units that output 0 for all)."""
        for _, module in self.model.named_modules():
            rows = self.relu_rows.get(id(module))
            if rows is not None and None not in rows:
                dead = [bool((self.V[r] == 0.0).all()) for r in rows]
                module.dead = dead  # type: ignore[attr-defined]  # relu_rows lists Layers only


def _is_layer_pattern(kinds: tuple) -> bool:
    """b, w₁, x₁, w₂, x₂, …: bias and weights parameters, inputs per-sample rows."""
    return (
        kinds[0] == _P
        and all(k == _P for k in kinds[1::2])
        and len(set(kinds[2::2])) == 1
        and kinds[2] in (_V, _X)
    )


def _labels(outputs: Any, output_activation: str | None) -> list[int]:
    if outputs.shape[1] > 1:
        return outputs.argmax(axis=1).tolist()  # the first of equal scores, as train.predict
    threshold = 0.5 if output_activation == "sigmoid" else 0.0
    return (outputs[:, 0] > threshold).astype(int).tolist()


def compile_loss(
    model: Module,
    loss: Any,
    X: Any,
    y: Sequence[Any],
    parameters: Sequence[Value] | None = None,
) -> Program:
    """Trace ``loss`` of ``model`` on a sample of (X, y) and build its batched program.

    ``loss`` is a name (``"cross_entropy"``, ``"hinge"``, ``"mse"``, …), one of the functions in
    ``microgradpp.losses``, or a function of yours that takes its targets as Values.
    ``parameters`` orders the parameter array (an optimizer's ``params``); model parameters not in
    it come after. Two samples are traced (the first, and the first with another target) and
    their graphs compared: a graph that changes with the sample is refused.
    """
    if not is_grad_enabled():
        raise CompiledError("compile_loss traces a graph: call it outside no_grad()")
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"X and y must be non-empty and match, got {len(X)} and {len(y)}")
    _check_compilable(model)
    nin, width = _model_width(model)
    spec = loss if isinstance(loss, _LossSpec) else _loss_spec(loss)
    if spec is None:
        spec = _CustomLoss(loss)
    X = _as_matrix(X, nin)
    T = spec.encode(y, width)
    model_parameters = model.parameters()
    model_ids = set(map(id, model_parameters))
    ordered = list(parameters) if parameters is not None else []
    known = set(map(id, ordered))
    if known != model_ids:
        ordered += [p for p in model_parameters if id(p) not in known]
    # Two samples: the first, and the first with another target (else the last): the same
    # program must come out of both.
    other = next((i for i in range(1, len(X)) if (T[i] != T[0]).any()), len(X) - 1)
    first = _Trace(model, spec, X[0], T[0], width)
    if other > 0:
        second = _Trace(model, spec, X[other], T[other], width, leaves=first)
        difference = _difference(first, second, model_ids | known)
        if difference is not None:
            raise CompiledError(
                f"the graph depends on the sample: samples 0 and {other} give different graphs "
                f"({difference}). A Python branch on .data, or a number taken from the sample, "
                "cannot be one program; train with compiled=False"
            )
        if isinstance(spec, _CustomLoss):
            spec.check_mean(first, second, T[other])
    program = Program(model, spec, first, ordered)
    program.in_model = np.fromiter(
        map(model_ids.__contains__, map(id, ordered)), bool, len(ordered)
    )
    return program


class _OutputsOnly(_LossSpec):
    """No loss: the program computes the model's outputs (their sum is the traced root)."""

    def __init__(self) -> None:
        super().__init__("outputs", lambda outputs, targets: sum_values(outputs[0]))

    def target_labels(self, width: int) -> list[str]:
        return []

    def encode(self, y: Sequence[Any], width: int) -> Any:
        return np.zeros((len(y), 0))

    def per_sample(self, outputs: list[Value], targets: list[Value]) -> Value:
        return outputs[0] if len(outputs) == 1 else sum_values(outputs)


def predict(model: Module, X: Any) -> list[int]:
    """``train.predict`` as one numpy program: class labels for X (evaluation mode).

    For a large test set: the scalar engine takes milliseconds per sample, this a few
    microseconds. The model is traced once, in evaluation mode (Dropout off, BatchNorm on its
    running statistics), then put back in the mode it was in.
    """
    was_training = model.training
    model.eval()
    try:
        X = _as_matrix(X, _model_width(model)[0])
        program = compile_loss(model, _OutputsOnly(), X, [0.0] * len(X))
        return program.predict(X)
    finally:
        model.train(was_training)


def accuracy(model: Module, X: Any, y: Sequence[int]) -> float:
    """``train.accuracy`` as one numpy program: the fraction of samples predicted right."""
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)} labels")
    predicted = predict(model, X)
    return sum(p == t for p, t in zip(predicted, y)) / len(y)


# ------------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------------


def _has_array_form(optimizer: Any) -> bool:
    from .optim import Optimizer

    update = getattr(type(optimizer), "_update_array", None)
    return isinstance(optimizer, Optimizer) and update is not Optimizer._update_array


@training_advice()  # an overflow while training gets learning-rate advice
def fit_compiled(
    model: Module,
    loss: Any,
    optimizer: Any,
    data: tuple[Sequence[Any], Sequence[Any]],
    epochs: int,
    batch_size: int,
    *,
    l2: float = 0.0,
    scheduler: Any = None,
    clip_grad_norm: float | None = None,
    val_data: tuple[Sequence[Any], Sequence[Any]] | None = None,
    shuffle: bool = True,
    seed: Seed = 0,
    progress: bool = True,
    callback: Callable[[int, Any, Module], Any] | None = None,
) -> Any:
    """``train.fit(..., compiled=True)``: the same loop, each step one program run.

    The same mini-batches (same shuffling from ``seed``), loss, l2, clipping, optimizer rule,
    schedule and history as ``fit``; parameters live in one array and are written into the
    Values at the end of every epoch (before ``val_data``, the callback and the schedule).
    """
    from .optim import clip_grad_norm_array

    X, y = data
    model.train()
    opt_params = list(getattr(optimizer, "params", []))
    Xa = _as_matrix(X, _model_width(model)[0])  # once: converting a big list takes a while
    program = compile_loss(model, loss, Xa, y, parameters=opt_params)
    Ta = program.spec.encode(y, program.width)
    classification = is_classification(y, program.spec.key)
    y_labels = np.asarray(y) if classification else None
    output_activation = output_activation_of(model)
    l2_mask = program.in_model  # l2 covers the model's parameters (as fit's l2_penalty)
    l2_all = bool(l2_mask.all())
    n_opt = len(opt_params)
    array_form = _has_array_form(optimizer)
    rng = as_rng(seed)
    history = History()
    bar = progress_bar(epochs, progress)
    indices = list(range(len(Xa)))
    P, g = program.P, program.gP
    state: dict[str, Any] = {}
    with one_blas_thread():
        try:
            for epoch in range(1, epochs + 1):
                program.pull()  # the user may have changed the Values (a callback, load_state_dict)
                if array_form:
                    state = optimizer.array_state()
                lr = float(optimizer.lr)
                total_loss, correct, seen = 0.0, 0, 0
                chunks = [idx for idx, _ in batches(indices, indices, batch_size, shuffle, rng)]
                flow: dict = {}
                for step, idx in enumerate(chunks, 1):
                    program._load(Xa[idx], Ta[idx])
                    batch_loss = program._run_loaded()
                    if l2:
                        Pm = P if l2_all else P[l2_mask]
                        batch_loss += l2 * float(np.dot(Pm, Pm))
                        if l2_all:
                            g += 2.0 * (l2 * P)
                        else:
                            g[l2_mask] += 2.0 * (l2 * Pm)
                    if step == len(chunks):  # the history keeps the last batch's gradient flow
                        program.set_dead_units()
                        program.push()
                        flow = gradient_flow(model)
                    if clip_grad_norm is not None:
                        clip_grad_norm_array(g, clip_grad_norm, program.parameters)
                    if array_form:
                        P[:n_opt] = optimizer.step_arrays(P[:n_opt], g[:n_opt], state)
                    else:  # an optimizer without an array form: its scalar step on the Values
                        program.push()
                        optimizer.step()
                        program.pull()
                    total_loss += batch_loss * len(idx)
                    seen += len(idx)
                    if classification:
                        predicted = _labels(program.output_array(), output_activation)
                        assert y_labels is not None  # set for classification
                        correct += int((np.asarray(predicted) == y_labels[idx]).sum())
                program.push()
                if array_form:
                    optimizer.load_array_state(state)
                epoch_accuracy = correct / seen if classification else None
                measured = program.evaluate(*val_data) if val_data is not None else None
                history.record_epoch(epoch, total_loss / seen, epoch_accuracy, lr, flow, measured)
                if end_epoch(history, scheduler, bar, callback, model):
                    break
        finally:
            program.push()
            if array_form and state:
                optimizer.load_array_state(state)
            if bar is not None:
                bar.close()
    return history
