"""A ``Program``: the traced graph, scheduled, run over batches with numpy — and
``compile_loss``, which makes one (an example in the package's docstring,
``microgradpp.compiled``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine import Value, is_grad_enabled, recompute_local_grads, topological_order
from ..errors import CompiledError, DomainError
from ..history import output_activation_of
from ..i18n import Words, error
from ..nn import BatchNorm, Dropout, Module
from ..validation import is_integer
from .blas import one_blas_thread
from .losses import CustomLoss, LossSpec, OutputsOnly, loss_spec
from .ops import INPUT, PARAMETER, ROW
from .schedule import Schedule, rows_to_check, rows_to_zero
from .trace import Trace, difference


def _raising() -> Any:
    """numpy's overflow, division by 0 and nan as FloatingPointError, not a silent number."""
    return np.errstate(over="raise", divide="raise", invalid="raise")


class Program:
    """A traced loss graph, scheduled into numpy operations over a batch.

    Attributes: ``parameters`` (the Values the program computes gradients for, in order),
    ``values`` (their numbers as an array; ``push`` writes them into the Values, ``pull`` reads
    the Values), ``grad`` (∂loss/∂parameter after ``run``), ``loss_value``, ``outputs`` and
    ``inputs`` (the traced graph's Values, for pictures).
    """

    def __init__(self, model: Module, spec: LossSpec, trace: Trace, parameters: list[Value]):
        self.model, self.spec, self.trace = model, spec, trace
        self.loss_value, self.inputs, self.targets = trace.loss, trace.inputs, trace.targets
        self.outputs = trace.outputs
        self.parameters = parameters
        self.width = len(trace.outputs)
        self.P = np.array([p.data for p in parameters], dtype=float)
        self.gP = np.zeros_like(self.P)
        schedule = Schedule(trace, parameters, self, spec.builtin)
        self.gate_nodes, self.constants = schedule.gate_nodes, schedule.constants
        self.slot, self.ops, self.rows = schedule.slot, schedule.ops, schedule.rows
        self.fast_ops, self.unowned = schedule.fast_ops, schedule.unowned
        # per list of operations (full: every traced node), the rows of gV to zero before a
        # backward and the rows of V to check after a forward
        self.zero_rows = {
            full: rows_to_zero(ops, self.rows)
            for full, ops in ((True, self.ops), (False, self.fast_ops))
        }
        self.check_rows = {
            full: rows_to_check(ops, self.rows)
            for full, ops in ((True, self.ops), (False, self.fast_ops))
        }
        self.levels, self.node_count = schedule.levels, schedule.node_count
        self.root_row, self.output_slots = schedule.root_row, schedule.output_slots
        self.C = np.array([c.data for c in self.constants], dtype=float)
        self.gC = np.zeros_like(self.C)
        self.batch = 0
        self.V = self.gV = np.zeros((self.rows, 0))
        self.Xin = self.gX = np.zeros((len(self.inputs), 0))
        self.Xb = self.Tb = np.zeros((0, 0))
        self._last: tuple[Any, Any] | None = None
        self._nodes: list[Value] | None = None

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

    def load(self, X: Any, T: Any) -> None:
        """Take a batch: X (B, inputs) is read in place (Xin = Xᵀ, a view), T (B, targets) goes
        into the target rows of V."""
        if len(X) != self.batch:
            self.V = np.zeros((self.rows, len(X)))
            self.batch = len(X)
        self.Xb, self.Tb = X, T
        self.Xin = X.T
        self.V[: len(self.targets)] = T.T

    def forward(self, full: bool = False) -> None:
        """Every operation, level by level: V holds every node's value for the batch (with
        ``full``; else the fast operations, where a fused loss leaves its inner nodes' rows).

        Raises FloatingPointError if a value is not finite: numpy's own overflow errors are
        raised inside ``run_loaded`` (``np.errstate``), and the rows of a matrix product, which
        sets no flag (or of a gate of yours), are checked at the end.
        """
        for op in self.ops if full else self.fast_ops:
            op.forward(self)
        V = self.V
        for rows in self.check_rows[full]:
            if not np.isfinite(V[rows]).all():
                raise error(FloatingPointError, "compiled.value_not_finite")

    def backward(self, seed: float, full: bool = False) -> None:
        """The operations in reverse: gP (and with ``full`` every row's gradient) from the root's
        gradient ``seed`` (the same for every sample)."""
        if self.gV.shape == self.V.shape:
            for rows in self.zero_rows[full]:  # (rows one operation alone reads are written)
                self.gV[rows] = 0.0
        else:
            self.gV = np.zeros_like(self.V)
        if full:
            self.gX = np.zeros((len(self.inputs), self.batch))
        if len(self.unowned) == len(self.gP):
            self.gP.fill(0.0)
        elif len(self.unowned):  # (the layers that own their parameters write them)
            self.gP[self.unowned] = 0.0
        self.gC.fill(0.0)
        self.gV[self.root_row] = seed
        for op in reversed(self.ops if full else self.fast_ops):
            if full or op.requires:
                op.backward(self, full)

    def run_loaded(self, backward: bool = True, full: bool = False) -> float:
        """Forward (and backward) on the loaded batch; the mean loss. A value that is not finite
        re-runs the batch in the scalar engine, which raises the exact error."""
        try:
            with _raising():  # overflow, 0 division, nan: an error, not a number
                self.forward(full)
                loss = float(self.V[self.root_row].sum()) * (1.0 / self.batch)
                if not math.isfinite(loss):
                    raise error(FloatingPointError, "compiled.loss_not_finite")
                if self.spec.name == "binary_cross_entropy":
                    self._check_probabilities()
                if backward:
                    self.backward(1.0 / self.batch, full)
                    if not np.isfinite(self.gP).all():
                        raise error(FloatingPointError, "compiled.gradient_not_finite")
        except (FloatingPointError, DomainError) as problem:
            self._replay_scalar(problem, backward)
        return loss

    def _check_probabilities(self) -> None:
        for kind, index in self.output_slots:
            values = self.V[index] if kind == ROW else np.array([self.P[index]])
            if ((values < 0.0) | (values > 1.0)).any():
                raise error(FloatingPointError, "compiled.bce_range")

    def _replay_scalar(self, problem: Exception, backward: bool) -> None:
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
        said = getattr(problem, "words", None) or str(problem)  # (in any language when it can)
        raise error(CompiledError, "compiled.not_finite", error=said)

    def _decode_targets(self, T: Any) -> list[Any]:
        if self.spec.classes:
            return [int(i) for i in T.argmax(axis=1)]
        rows = T.tolist()
        return [row[0] if len(row) == 1 else row for row in rows]

    def run(self, X: Any, y: Sequence[Any]) -> float:
        """Forward and backward over the batch (X, y): the mean loss; ``grad`` holds ∂loss/∂p."""
        _check_lengths(X, y, "run")
        self._last = (as_matrix(X, len(self.inputs)), self.spec.encode(y, self.width))
        self.load(*self._last)
        with one_blas_thread():
            return self.run_loaded()

    def encode(self, y: Sequence[Any]) -> Any:
        """The targets as the program reads them: (N, targets) array (one-hot for classes)."""
        return self.spec.encode(y, self.width)

    def run_batch(self, X: Any, T: Any) -> float:
        """``run`` for arrays already prepared: X (B, inputs) floats, T = ``encode(y)``."""
        _check_lengths(X, T, "run_batch")
        self._last = (X, T)
        self.load(X, T)
        with one_blas_thread():
            return self.run_loaded()

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
        columns = []
        for kind, i in self.output_slots:
            if kind == ROW:
                columns.append(self.V[i])
            elif kind == INPUT:
                columns.append(self.Xin[i])
            else:
                columns.append(np.full(self.batch, self.P[i] if kind == PARAMETER else self.C[i]))
        return np.stack(columns, axis=1)

    def outputs_for(self, X: Any, chunk: int = 2000) -> Any:
        """The model's outputs for the samples X (no gradients): shape (N, outputs)."""
        X = as_matrix(X, len(self.inputs))
        pieces = []
        for start in range(0, len(X), chunk):
            part = X[start : start + chunk]
            self.load(part, np.zeros((len(part), len(self.targets))))  # targets: unused
            try:
                with one_blas_thread(), _raising():
                    self.forward()
            except (FloatingPointError, DomainError) as problem:
                self._replay_scalar(problem, backward=False)
            pieces.append(self.output_array())
        return np.concatenate(pieces) if pieces else np.zeros((0, self.width))

    def predict(self, X: Any) -> list[int]:
        """Class labels for X, as ``train.predict`` gives them (argmax, or a threshold)."""
        return labels(self.outputs_for(X), output_activation_of(self.model))

    def evaluate(self, X: Any, y: Sequence[Any], chunk: int = 2000) -> tuple[float, float | None]:
        """(mean loss, accuracy or None) on (X, y), as ``train.evaluate`` (no gradients)."""
        from ..history import is_classification

        _check_lengths(X, y, "evaluate")
        X = as_matrix(X, len(self.inputs))
        T = self.spec.encode(y, self.width)
        total, predicted = 0.0, []
        for start in range(0, len(X), chunk):
            self.load(X[start : start + chunk], T[start : start + chunk])
            with one_blas_thread():
                total += self.run_loaded(backward=False) * self.batch
            predicted += labels(self.output_array(), output_activation_of(self.model))
        loss = total / len(X)
        if not is_classification(y, self.spec.key):
            return loss, None
        return loss, sum(p == t for p, t in zip(predicted, y)) / len(y)

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
            raise error(ValueError, "compiled.show_first")
        X, T = self._last
        if not is_integer(k) or not -len(X) <= k < len(X):
            raise error(IndexError, "compiled.sample_index", k=repr(k), count=len(X))
        self.load(X[k : k + 1], T[k : k + 1])
        with one_blas_thread():
            self.run_loaded(backward=True, full=True)
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
        self.load(X, T)  # leave the whole batch loaded again


def labels(outputs: Any, output_activation: str | None) -> list[int]:
    """Class labels from an (N, outputs) array, as ``train.labels_from_outputs``."""
    return label_array(outputs, output_activation).tolist()


def label_array(outputs: Any, output_activation: str | None) -> Any:
    """``labels`` as an integer array (to compare with an array of labels)."""
    if outputs.shape[1] > 1:
        return outputs.argmax(axis=1)  # the first of equal scores, as train.predict
    threshold = 0.5 if output_activation == "sigmoid" else 0.0
    return (outputs[:, 0] > threshold).astype(int)


def _check_lengths(X: Any, y: Sequence[Any], what: str) -> None:
    if len(X) != len(y):
        raise error(ValueError, "compiled.lengths", what=what, samples=len(X), labels=len(y))
    if len(X) == 0:
        raise error(ValueError, "compiled.empty", what=what)


def as_matrix(X: Any, width: int, what: str = "X") -> Any:
    """X as a float array (samples, width), checked: finite numbers, the right width."""
    try:
        array = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as problem:
        raise error(
            ValueError, "compiled.matrix_type", what=what, width=width, error=problem
        ) from None
    if array.ndim != 2 or array.shape[1] != width:
        raise error(ValueError, "compiled.matrix_shape", what=what, width=width, shape=array.shape)
    if not np.isfinite(array).all():
        raise error(ValueError, "compiled.matrix_finite", what=what)
    return array


def model_width(model: Module) -> tuple[int, int]:
    """(inputs, outputs) of the model."""
    nin = getattr(model, "nin", None)
    if nin is None:
        raise error(CompiledError, "compiled.model.width", kind=type(model).__name__)
    nouts = getattr(model, "nouts", None)
    if nouts is not None:
        return nin, nouts[-1]
    return nin, getattr(model, "nout", 1)


def check_compilable(model: Module, training: bool | None = None) -> None:
    """Refuse the modules one traced graph cannot describe: BatchNorm in training mode (it couples
    the samples), active Dropout (the traced mask would be frozen).

    ``training``: the mode to check for (``fit`` trains, whatever mode the model is in now);
    None: each module's own mode.
    """
    advice = Words("compiled.advice.fit" if training is not None else "compiled.advice.eval")
    for name, module in model.named_modules():
        where = f" ({name})" if name else ""
        mode = module.training if training is None else training
        if isinstance(module, BatchNorm) and mode:
            raise error(CompiledError, "compiled.batchnorm", where=where, advice=advice)
        if isinstance(module, Dropout) and mode and module.p > 0.0:
            raise error(CompiledError, "compiled.dropout", where=where, advice=advice)


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
    their graphs compared, and while tracing a number that depends on the sample cannot be read
    (``trace.py``): a graph that changes with the sample is refused.
    """
    if not is_grad_enabled():
        raise error(CompiledError, "compiled.no_grad")
    _check_lengths(X, y, "compile_loss")
    check_compilable(model)
    nin, width = model_width(model)
    spec = loss_spec(loss)
    X = as_matrix(X, nin)
    T = spec.encode(y, width)
    model_parameters = model.parameters()
    model_ids = set(map(id, model_parameters))
    ordered = list(parameters) if parameters is not None else []
    known = set(map(id, ordered))
    ordered += [p for p in model_parameters if id(p) not in known]
    # Two samples: the first, and the first with another target (else the last): the same
    # program must come out of both.
    other = next((i for i in range(1, len(X)) if (T[i] != T[0]).any()), len(X) - 1)
    first = Trace(model, spec, X[0], T[0], width)
    if other > 0:
        second = Trace(model, spec, X[other], T[other], width, leaves=first)
        found = difference(first, second, model_ids | known)
        if found is not None:
            raise error(CompiledError, "compiled.depends", other=other, difference=found)
        if isinstance(spec, CustomLoss):
            spec.check_mean(first, second, T[other])
    return Program(model, spec, first, ordered)


def predict(model: Module, X: Any) -> list[int]:
    """``train.predict`` as one numpy program: class labels for X (evaluation mode).

    For a large test set: the scalar engine takes milliseconds per sample, this a few
    microseconds. The model is traced once, in evaluation mode (Dropout off, BatchNorm on its
    running statistics), then put back in the mode it was in.
    """
    was_training = model.training
    model.eval()
    try:
        X = as_matrix(X, model_width(model)[0])
        program = compile_loss(model, OutputsOnly(), X, [0.0] * len(X))
        return program.predict(X)
    finally:
        model.train(was_training)


def accuracy(model: Module, X: Any, y: Sequence[int]) -> float:
    """``train.accuracy`` as one numpy program: the fraction of samples predicted right."""
    if len(X) != len(y):
        raise error(ValueError, "train.lengths", samples=len(X), labels=len(y))
    predicted = predict(model, X)
    return sum(p == t for p, t in zip(predicted, y)) / len(y)
