"""Step 3, the numpy operations: one per group of nodes (same level, same gate, same kinds of
inputs), each with a forward and a backward over the whole batch.

Every node's value is a vector over the batch: row ``V[node]`` holds it for all B samples. An
operation reads its inputs from where they live — rows of V (per-sample nodes), rows of ``Xin``
(the input leaves), entries of ``P`` (parameters) or ``C`` (constants) — and writes its nodes'
rows. Backward runs the same chain rule as ``backward()``, ``parent.grad += local · node.grad``,
on vectors, with each gate's numpy local gradients (``gates.py``: ``forward_array`` /
``local_grads_array``, beside the scalar forms). A gradient flowing into a parameter or a constant
is summed over the batch.

The operations read and write the arrays of a ``Program`` (``prog``, see ``Arrays``).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ..gates import GATES, Gate

_SOFTPLUS = GATES["softplus"]


class Arrays(Protocol):
    """What an operation reads and writes (a ``Program`` has them): values and gradients of the
    per-sample rows (V, gV: rows × batch), of the input leaves (Xin, gX), of the parameters
    (P, gP) and of the constants (C, gC)."""

    V: Any
    gV: Any
    Xin: Any
    gX: Any
    P: Any
    gP: Any
    C: Any
    gC: Any
    batch: int


# Where a node's value lives: a row of V (per sample: one number per sample of the batch), a row
# of the batch's inputs (X: the input leaves), an entry of P (parameters) or of C (constants).
ROW, INPUT, PARAMETER, CONSTANT = "V", "X", "P", "C"


def _slice_or_index(index: Any) -> Any:
    """A slice when the indices are evenly spaced and increasing (a view, no copy), else them."""
    n = len(index)
    if n == 1:
        return slice(int(index[0]), int(index[0]) + 1)
    step = int(index[1] - index[0])
    if step > 0 and (np.diff(index) == step).all():
        return slice(int(index[0]), int(index[-1]) + 1, step)
    return index


class Source:
    """Input position j of a group: rows of V (per sample) or entries of P / C (shared)."""

    def __init__(self, kind: str, index: list[int], requires: bool) -> None:
        self.kind = kind
        self.index = np.asarray(index, dtype=np.intp)
        self.take = _slice_or_index(self.index)
        self.unique = len(set(index)) == len(index)
        self.single = len(set(index)) == 1
        self.requires = requires  # does a parameter's gradient flow through it?
        # Set by the schedule: this position is the only reader of its rows (of V or Xin), so
        # their gradient is written, not added to zeros (the rows must be a slice).
        self.sole = False

    def get(self, prog: Arrays) -> Any:
        """(n, B) for rows of V, (n, 1) for P or C (numpy broadcasts it over the batch)."""
        if self.kind == ROW:
            return prog.V[self.take]
        if self.kind == INPUT:
            return prog.Xin[self.take]
        return (prog.P if self.kind == PARAMETER else prog.C)[self.take][:, None]

    def add(self, prog: Arrays, contribution: Any) -> None:
        """target += contribution; for P and C summed over the batch first."""
        if self.kind in (ROW, INPUT):
            target = prog.gV if self.kind == ROW else prog.gX
        else:
            target = prog.gP if self.kind == PARAMETER else prog.gC
            contribution = contribution.sum(axis=1)
        if self.sole:
            target[self.take] = contribution
        elif self.unique:
            target[self.take] += contribution
        elif self.single:  # one node in every position (−max z in cross-entropy): one sum
            target[self.index[0]] += contribution.sum(axis=0)
        else:  # the same node several times in this position: add every copy
            np.add.at(target, self.index, contribution)


class Block:
    """Many input positions of the same kind at once: index (n, m) → values (n, m, B)."""

    sole = False  # (its rows may be read elsewhere too: its gradients are always added)

    def __init__(self, kind: str, index: list[list[int]], requires: bool) -> None:
        self.kind = kind
        self.index = np.asarray(index, dtype=np.intp)
        self.flat = self.index.ravel()
        self.unique = len(set(self.flat.tolist())) == self.flat.size
        self.requires = requires

    def get(self, prog: Arrays) -> Any:
        if self.kind in (ROW, INPUT):
            return (prog.V if self.kind == ROW else prog.Xin)[self.index]
        return (prog.P if self.kind == PARAMETER else prog.C)[self.index][:, :, None]

    def add(self, prog: Arrays, contribution: Any) -> None:
        n, m = self.index.shape
        if self.kind in (ROW, INPUT):
            target = prog.gV if self.kind == ROW else prog.gX
            contribution = np.broadcast_to(contribution, (n, m, prog.batch))
            contribution = contribution.reshape(n * m, prog.batch)
        else:
            target = prog.gP if self.kind == PARAMETER else prog.gC
            contribution = np.broadcast_to(contribution, (n, m, prog.batch)).sum(axis=2).ravel()
        if self.unique:
            target[self.flat] += contribution
        else:
            np.add.at(target, self.flat, contribution)


# ------------------------------------------------------------------------------------------------
# Operations: one per group of nodes (same level, same gate, same kinds of inputs)
# ------------------------------------------------------------------------------------------------


# ``flags``: True when the operation cannot make a value that is not finite without numpy
# raising it (under ``np.errstate``: its ufuncs set the overflow flag, or it checks itself).
# A matrix product (BLAS sets no flag) and a gate of yours are checked after the forward.


class GateOp:
    """Any gate on a group of nodes: ``gate.forward_array`` / ``gate.local_grads_array``."""

    def __init__(self, gate: Gate, rows: slice, sources: list[Source]) -> None:
        self.gate, self.rows, self.sources = gate, rows, sources
        self.requires = any(s.requires for s in sources)
        self.xs: list[Any] = []
        # the numpy forms of gates.py (ufuncs, or a check of their own); not the fallback loop
        numpy_form = type(gate).forward_array
        self.flags = (
            numpy_form is not Gate.forward_array and numpy_form.__module__ == Gate.__module__
        )

    def forward(self, prog: Arrays) -> None:
        self.xs = [s.get(prog) for s in self.sources]
        prog.V[self.rows] = self.gate.forward_array(*self.xs)

    def backward(self, prog: Arrays, full: bool) -> None:
        upstream = prog.gV[self.rows]
        local_grads = self.gate.local_grads_array(prog.V[self.rows], *self.xs)
        for source, local in zip(self.sources, local_grads):
            if full or source.requires:
                if isinstance(local, float) and local == 1.0:
                    source.add(prog, upstream)  # add, sum: the gradient is copied
                elif source.sole:  # the chain rule, written where the input's gradient lives
                    target = prog.gV if source.kind == ROW else prog.gX
                    np.multiply(local, upstream, out=target[source.take])
                else:
                    source.add(prog, local * upstream)  # the chain rule


class ReluOp(GateOp):
    """``GateOp`` for the relu gate on a slice of rows, written in place (the numbers of the relu
    gate's numpy forms, without their temporaries: a hidden layer of 128 units and a batch of
    1,000 is 128,000 entries):

        forward:   out = max(x, 0)  (+ 0.0, so that relu(−0.0) = 0.0 as the gate's forward)
        backward:  ∂L/∂x = ∂L/∂out · [x > 0]
    """

    def forward(self, prog: Arrays) -> None:
        self.xs = [self.sources[0].get(prog)]
        out = prog.V[self.rows]
        np.maximum(self.xs[0], 0.0, out=out)
        out += 0.0

    def backward(self, prog: Arrays, full: bool) -> None:
        source = self.sources[0]
        if not (full or source.requires):
            return
        open_ = self.xs[0] > 0.0  # relu's local gradient: 1 where x > 0, else 0
        if source.sole:
            np.multiply(prog.gV[self.rows], open_, out=prog.gV[source.take])
        else:
            source.add(prog, prog.gV[self.rows] * open_)


class MatmulOp:
    """A layer of ``linear`` nodes reading the same inputs:  Z = W @ X + b  (one matrix product).

    W is an (n, k) view of the parameter vector when the weights lie evenly spaced in it (as
    ``model.parameters()`` orders them: w₀ … w_{k−1}, b for each neuron), else it is gathered.
    Backward: ∂L/∂W = G @ Xᵀ (summed over the batch by the product), ∂L/∂b = Σ G,
    ∂L/∂X = Wᵀ @ G. When the layer ``owns`` its weights and bias (nothing else reads them:
    ``schedule``), the product and the sum write straight into their slices of gP.
    """

    flags = False  # BLAS raises no overflow flag

    def __init__(
        self, rows: slice, weights: list[list[int]], bias: Source, x: Source, prog: Arrays
    ) -> None:
        self.rows, self.bias, self.x = rows, bias, x
        self.w_index = np.asarray(weights, dtype=np.intp)
        self.w_unique = len(set(self.w_index.ravel().tolist())) == self.w_index.size
        self.requires = True
        self.W: Any = None
        self.gW: Any = None
        self.grad_W: Any = None  # ∂L/∂W of the last backward, kept from step to step
        self.owns = False  # set by the schedule: write gW and gb instead of adding to them
        self.b: Any = None  # the bias as an (n, 1) view of P when it is a slice of it
        if bias.kind == PARAMETER and isinstance(bias.take, slice):
            self.b, self.gb = prog.P[bias.take][:, None], prog.gP[bias.take]
        grid = _affine_grid(self.w_index) if self.w_unique else None
        if grid is not None:
            start, row_step, col_step = grid
            n, k = self.w_index.shape
            strides = (row_step * prog.P.itemsize, col_step * prog.P.itemsize)
            shape = (n, k)
            self.W = np.lib.stride_tricks.as_strided(prog.P[start:], shape, strides)
            self.gW = np.lib.stride_tricks.as_strided(prog.gP[start:], shape, strides)

    def forward(self, prog: Arrays) -> None:
        W = self.W if self.W is not None else prog.P[self.w_index]
        X = self.x.get(prog)
        out = prog.V[self.rows]
        np.matmul(W, X, out=out)
        out += self.b if self.b is not None else self.bias.get(prog)  # (BLAS raises no
        # overflow flag: Program.forward checks V)
        self.X_used, self.W_used = X, W

    def can_own(self) -> bool:
        """Whether the gradients can be written in place: W and b are slices of gP."""
        return self.gW is not None and self.b is not None

    def backward(self, prog: Arrays, full: bool) -> None:
        upstream = prog.gV[self.rows]
        if self.owns:  # ∂L/∂W and ∂L/∂b written where they live
            np.matmul(upstream, self.X_used.T, out=self.gW)
            np.add.reduce(upstream, axis=1, out=self.gb)
        else:
            self._add_gradients(prog, upstream)
        x = self.x
        if full or x.requires:
            if x.sole:  # the layer is the only reader of its inputs: write their gradient
                target = prog.gV if x.kind == ROW else prog.gX
                np.matmul(self.W_used.T, upstream, out=target[x.take])
            else:
                x.add(prog, self.W_used.T @ upstream)

    def _add_gradients(self, prog: Arrays, upstream: Any) -> None:
        if self.grad_W is None:  # kept: a fresh (n, k) array every step costs more than its sum
            self.grad_W = np.empty(self.w_index.shape)
        grad_W = np.matmul(upstream, self.X_used.T, out=self.grad_W)
        if self.gW is not None:
            self.gW += grad_W
        elif self.w_unique:
            prog.gP[self.w_index] += grad_W
        else:
            np.add.at(prog.gP, self.w_index, grad_W)
        self.bias.add(prog, upstream)


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


class LinearBlockOp:
    """``linear`` nodes whose weights and inputs are each of one kind but not a shared layer
    (cross-entropy's Σ tⱼ·sⱼ with the one-hot target): out = b + Σⱼ Wⱼ·Xⱼ on (n, k, B) blocks."""

    flags = True

    def __init__(self, rows: slice, bias: Source, w: Block, x: Block) -> None:
        self.rows, self.bias, self.w, self.x = rows, bias, w, x
        self.requires = bias.requires or w.requires or x.requires

    def forward(self, prog: Arrays) -> None:
        self.W, self.X = self.w.get(prog), self.x.get(prog)
        prog.V[self.rows] = self.bias.get(prog) + (self.W * self.X).sum(axis=1)

    def backward(self, prog: Arrays, full: bool) -> None:
        upstream = prog.gV[self.rows]
        if full or self.bias.requires:
            self.bias.add(prog, upstream)
        up = upstream[:, None, :]
        if full or self.w.requires:
            self.w.add(prog, self.X * up)  # ∂out/∂wⱼ = xⱼ
        if full or self.x.requires:
            self.x.add(prog, self.W * up)  # ∂out/∂xⱼ = wⱼ


class SumBlockOp:
    """``sum`` nodes with inputs of one kind: out = Σⱼ Xⱼ on an (n, m, B) block."""

    flags = True

    def __init__(self, rows: slice, block: Block) -> None:
        self.rows, self.block = rows, block
        self.requires = block.requires

    def forward(self, prog: Arrays) -> None:
        prog.V[self.rows] = self.block.get(prog).sum(axis=1)

    def backward(self, prog: Arrays, full: bool) -> None:
        if full or self.block.requires:
            self.block.add(prog, prog.gV[self.rows][:, None, :])


# ------------------------------------------------------------------------------------------------
# Fused losses: a named loss's nodes as one operation (the fast form beside the traced one)
# ------------------------------------------------------------------------------------------------
# Traced per sample, cross-entropy over 10 classes is 35 nodes on 10 levels (a tree of max gates,
# the shift, exp, Σ, log, Σ t·s, the minus): 12 numpy operations forward and as many backward,
# each costing microseconds of call overhead whatever the batch. Its math is four lines of numpy.
# A training run replays the model's operations and then one of these; ``show_sample``, which
# needs every traced node's value and gradient, replays the traced nodes themselves. The two forms
# give the same numbers (tests/compiled/test_ops.py). The other named losses (l1,
# binary_cross_entropy) replay their traced nodes.


class FusedLoss:
    """The per-sample nodes of a named loss (``compiled.losses``) as one operation.

    Reads the model's outputs Z (k rows of V: k × B) and the targets T (the first k rows of V),
    writes each sample's loss Lₛ into the root's row; backward adds ∂Lₛ/∂Z · (the root's
    gradient) into the outputs' gradient rows. A subclass gives the math: ``losses(Z, T)``, which
    may keep what ``gradient`` needs, and ``gradient(Z, T)`` = ∂Lₛ/∂Z.

    A sample with k > 1 outputs averages its terms, as the traced loss: Lₛ = (1/k) Σⱼ termⱼ.
    """

    requires = flags = True

    def __init__(self, root_row: int, outputs: Source, targets: slice) -> None:
        self.root_row, self.outputs, self.targets = root_row, outputs, targets
        self.Z: Any = None
        self.T: Any = None

    def forward(self, prog: Arrays) -> None:
        self.Z, self.T = self.outputs.get(prog), prog.V[self.targets]
        prog.V[self.root_row] = self.losses(self.Z, self.T)

    def backward(self, prog: Arrays, full: bool) -> None:
        # (``full`` runs, for show_sample, replay the traced nodes: they have a gradient each)
        self.outputs.add(prog, self.gradient(self.Z, self.T) * prog.gV[self.root_row])

    def losses(self, Z: Any, T: Any) -> Any:
        raise NotImplementedError

    def gradient(self, Z: Any, T: Any) -> Any:
        raise NotImplementedError


def _mean_of_terms(terms: Any) -> Any:
    """(1/k) Σⱼ termⱼ over the k rows, left to right as the traced Σ; one row is itself."""
    k = len(terms)
    return terms[0] if k == 1 else terms.sum(axis=0) * (1.0 / k)


class CrossEntropyLoss(FusedLoss):
    """Softmax cross-entropy with one-hot targets T, per sample (column):

        m = maxⱼ zⱼ,   sⱼ = zⱼ − m,   L = ln Σⱼ e^sⱼ − Σⱼ tⱼ·sⱼ
        ∂L/∂zⱼ = e^sⱼ / Σₖ e^sₖ − tⱼ = softmax(z)ⱼ − tⱼ

    (m's own path adds −Σⱼ (softmaxⱼ − tⱼ) = 0 to the largest z: left out.) The same operations
    as the traced nodes, in the same order, so the losses are the same numbers; the gradient
    differs by rounding (~1e-16 of its size).
    """

    def losses(self, Z: Any, T: Any) -> Any:
        S = Z - Z.max(axis=0)
        self.E = np.exp(S)  # every exponent ≤ 0: no overflow
        self.total = self.E.sum(axis=0)  # ≥ 1 (e⁰ for the largest)
        return np.log(self.total) - (T * S).sum(axis=0)

    def gradient(self, Z: Any, T: Any) -> Any:
        return self.E / self.total - T


class HingeLoss(FusedLoss):
    """Hinge loss with targets yⱼ = ±1:  termⱼ = max(0, 1 − yⱼ·zⱼ);
    ∂termⱼ/∂zⱼ = −yⱼ where 1 − yⱼ·zⱼ > 0, else 0 (relu'(0) = 0, as the relu gate)."""

    def losses(self, Z: Any, T: Any) -> Any:
        self.margin = 1.0 - Z * T
        terms = np.maximum(self.margin, 0.0)
        terms += 0.0  # −0.0 becomes 0.0, as relu's forward
        return _mean_of_terms(terms)

    def gradient(self, Z: Any, T: Any) -> Any:
        return _scaled_by_mean(np.where(self.margin > 0.0, -T, 0.0))


class MSELoss(FusedLoss):
    """Squared error:  termⱼ = (zⱼ − tⱼ)²;   ∂termⱼ/∂zⱼ = 2(zⱼ − tⱼ)."""

    def losses(self, Z: Any, T: Any) -> Any:
        self.D = Z - T
        return _mean_of_terms(self.D * self.D)

    def gradient(self, Z: Any, T: Any) -> Any:
        return _scaled_by_mean(2.0 * self.D)


class LogisticLoss(FusedLoss):
    """Binary cross-entropy with logits (targets tⱼ in [0, 1]):

        termⱼ = (1 − tⱼ)·softplus(zⱼ) + tⱼ·softplus(−zⱼ);   ∂termⱼ/∂zⱼ = (1 − tⱼ)·σ(zⱼ) − tⱼ·σ(−zⱼ)

    which is softplus(z) − t·z (softplus(−z) = softplus(z) − z), written without the
    subtraction: for a confident right answer (t = 1, z = 40) softplus(z) − z loses every digit
    (0 for 4.2e-18). For a 0/1 target the term is softplus(z) or softplus(−z) exactly, the scalar
    loss's numbers (``losses.binary_cross_entropy_with_logits``); for a target between, the same
    up to rounding. softplus and its derivative σ come from the softplus gate's numpy forms
    (``gates.py``), in the traced nodes' order (``compiled.losses``), so the losses are the
    traced nodes' numbers.
    """

    def losses(self, Z: Any, T: Any) -> Any:
        return _mean_of_terms(
            _SOFTPLUS.forward_array(Z) * (1.0 - T) + _SOFTPLUS.forward_array(-Z) * T
        )

    def gradient(self, Z: Any, T: Any) -> Any:
        (sigma,) = _SOFTPLUS.local_grads_array(None, Z)
        (sigma_of_minus_z,) = _SOFTPLUS.local_grads_array(None, -Z)
        return _scaled_by_mean(sigma * (1.0 - T) - sigma_of_minus_z * T)


def _scaled_by_mean(gradient: Any) -> Any:
    """∂L/∂zⱼ = (1/k) ∂termⱼ/∂zⱼ for a mean of k terms (1/k = 1 for one term)."""
    k = len(gradient)
    return gradient if k == 1 else gradient * (1.0 / k)


# The named losses with a fused form (the others replay their traced nodes).
FUSED_LOSSES: dict[str, type[FusedLoss]] = {
    "cross_entropy": CrossEntropyLoss,
    "hinge": HingeLoss,
    "mse": MSELoss,
    "binary_cross_entropy_with_logits": LogisticLoss,
}
