"""``fit(..., compiled=True)``: the training loop of ``train.fit``, with each batch's loss and
gradients computed by one program run.

``train.fit`` owns the loop — epochs, shuffled mini-batches, history, accuracy, validation, the
schedule, the callback, stopping. It asks a *steps* object for the parts that depend on where the
parameters live; ``CompiledSteps`` is the one for compiled mode (``train.ScalarSteps`` the scalar
one). Here the parameters live in one array (``Program.values``) and the optimizer steps on arrays
(``Optimizer.step_arrays``, the same rule as ``step()``).

When the Values are written: the parameters' ``data`` and ``grad`` and the optimizer's state are
put back into the Values and the optimizer's dicts before the callback (if there is one) and when
``fit`` ends (returning or raising); an epoch that begins after the callback reads them again, so
what the callback changed (``p.data = best``, ``optimizer.load_state_dict(saved)``) is trained
on, exactly as in the scalar loop. Without a callback nothing is copied between epochs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..history import is_classification, named_layers, output_activation_of
from ..nn import Module
from ..optim import clip_grad_norm_array
from .blas import one_blas_thread
from .program import Program, as_matrix, check_compilable, compile_loss, label_array, model_width


class CompiledSteps:
    """The steps of ``train.fit`` for compiled mode (see the module docstring)."""

    def __init__(
        self,
        model: Module,
        loss: Any,
        optimizer: Any,
        data: tuple[Sequence[Any], Sequence[Any]],
        l2: float,
    ) -> None:
        X, y = data
        check_compilable(model, training=True)  # before anything changes: fit would train it
        modes = [(module, module.training) for _, module in model.named_modules()]
        model.train()
        trained = list(getattr(optimizer, "params", []))
        try:
            self.X = as_matrix(X, model_width(model)[0])  # once: a big list takes a while
            self.program = program = compile_loss(model, loss, self.X, y, parameters=trained)
        except BaseException:
            for module, mode in modes:  # all or nothing: the model's modes as they were
                module.training = mode
            raise
        self.model, self.optimizer, self.l2 = model, optimizer, l2
        self.T = program.encode(y)
        self.P, self.g = program.P, program.gP
        # The optimizer's parameters come first in P; clipping covers them (those it trains).
        self.trained = len(trained) or len(self.P)
        model_ids = set(map(id, model.parameters()))
        self.in_model = np.fromiter(
            (id(p) in model_ids for p in program.parameters), bool, len(program.parameters)
        )
        self.array_form = bool(getattr(optimizer, "has_array_form", lambda: False)())
        self.state: dict[str, Any] = {}
        self.classification = is_classification(y, program.spec.key)
        self.y_labels = np.asarray(y) if self.classification else None
        self.output_activation = output_activation_of(model)
        position = {id(p): i for i, p in enumerate(program.parameters)}
        self.layers = [
            (name, np.array([position[id(p)] for p in layer.parameters()], dtype=np.intp), layer)
            for name, layer in named_layers(model)
        ]
        self.relu_rows = _relu_rows(program, model)
        self.values_out = True  # the Values hold the truth (nothing trained in the arrays yet)
        self.batch: Any = None
        self._blas: Any = None

    # -- the context: one BLAS thread while training, the Values written back at the end -------

    def __enter__(self) -> CompiledSteps:
        self._blas = one_blas_thread()
        self._blas.__enter__()
        return self

    def __exit__(self, *error: object) -> None:
        try:
            if not self.values_out:
                self.write_back()
        finally:
            self._blas.__exit__(None, None, None)

    def write_back(self) -> None:
        """Put the arrays into the Values (data and grad) and the optimizer's state dicts."""
        self.program.push()
        if self.array_form:
            self.optimizer.load_array_state(self.state)
        self.values_out = True

    # -- the steps ----------------------------------------------------------------------------------

    def begin_epoch(self) -> None:
        """Read the Values (and optimizer state) if they were written out: the callback may have
        changed them."""
        if self.values_out:
            self.program.pull()
            if self.array_form:
                self.state = self.optimizer.array_state()
            self.values_out = False

    def loss_and_gradients(self, batch: list[int]) -> float:
        """One program run on the samples ``batch``: the mean loss (+ l2·Σp² over the model's
        parameters); ``g`` holds the gradients."""
        program, P, g, l2 = self.program, self.P, self.g, self.l2
        index = np.asarray(batch, dtype=np.intp)  # once (numpy would convert the list each time)
        program.load(self.X[index], self.T[index])
        loss = program.run_loaded()
        if l2:
            if self.in_model.all():
                loss += l2 * float(np.dot(P, P))
                g += 2.0 * (l2 * P)
            else:
                Pm = P[self.in_model]
                loss += l2 * float(np.dot(Pm, Pm))
                g[self.in_model] += 2.0 * (l2 * Pm)
        self.batch = index
        return loss

    def correct(self) -> int:
        """How many samples of the last batch were classified right."""
        predicted = label_array(self.program.output_array(), self.output_activation)
        assert self.y_labels is not None  # only asked for classification
        return int((predicted == self.y_labels[self.batch]).sum())

    def gradient_flow(self) -> dict[str, dict[str, float]]:
        """``history.gradient_flow`` from the arrays: per layer the mean and largest |∂L/∂p|, the
        norm √Σ(∂L/∂p)² and the fraction of dead ReLUs (outputting 0 for the whole batch)."""
        flow = {}
        V = self.program.V
        for name, index, layer in self.layers:
            grads = np.abs(self.g[index])
            rows = self.relu_rows.get(id(layer))
            if rows is not None:
                layer.dead = [bool((V[r] == 0.0).all()) for r in rows]  # type: ignore[attr-defined]
            dead = layer.dead_fraction() if hasattr(layer, "dead_fraction") else 0.0
            largest = float(grads.max()) if len(grads) else 0.0
            unit = grads / largest if largest > 0.0 else grads  # scaled: no square overflows
            flow[name] = {
                "mean_abs_grad": largest * (float(unit.sum()) / len(grads)) if len(grads) else 0.0,
                "max_abs_grad": largest,
                "grad_norm": _scaled(largest, math.sqrt(float(np.dot(unit, unit)))),
                "dead_fraction": dead,
            }
        return flow

    def clip(self, max_norm: float) -> None:
        clip_grad_norm_array(self.g[: self.trained], max_norm, self.program.parameters)

    def step(self) -> None:
        n = self.trained
        if self.array_form:
            self.P[:n] = self.optimizer.step_arrays(self.P[:n], self.g[:n], self.state)
        else:  # an optimizer without an array form: its own step() on the Values
            self.program.push()
            self.optimizer.step()
            self.program.pull()

    def end_epoch(self, visible: bool) -> None:
        """``visible``: someone looks at the Values now (the callback): write them out."""
        if visible:
            self.write_back()

    def evaluate(self, data: tuple[Sequence[Any], Sequence[Any]]) -> tuple[float, float | None]:
        return self.program.evaluate(*data)


def _scaled(largest: float, unit_norm: float) -> float:
    """largest · ‖g/largest‖: the norm without squaring a big gradient; inf only when the norm
    itself is beyond every float (as ``history.gradient_flow``)."""
    with np.errstate(over="ignore"):
        return float(np.float64(largest) * unit_norm)


def _relu_rows(program: Program, model: Module) -> dict[int, list[int]]:
    """For each ReLU layer (by id): the row of V of each neuron's relu node (dead units)."""
    found: dict[int, int] = {}  # id(bias) -> row of the relu node above it
    for node in program.gate_nodes:
        if node.gate is not None and node.gate.name == "relu":
            below = node.parents[0]
            while below.parents and below.parents[0].parents:
                below = below.parents[0]
            bias = below.parents[0] if below.parents else below
            found[id(bias)] = program.slot[id(node)][1]
    layers = {}
    for _, module in model.named_modules():
        neurons = getattr(module, "neurons", None)
        if neurons is not None and getattr(module, "activation", None) == "relu":
            rows = [found.get(id(n.b)) for n in neurons]
            if None not in rows:
                layers[id(module)] = [r for r in rows if r is not None]
    return layers
