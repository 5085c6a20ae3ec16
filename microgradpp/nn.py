"""Neural networks built from Values: neuron → layer → MLP, plus Dropout and BatchNorm.

A neuron computes ``act(b + Σ wᵢxᵢ)``. A layer is a list of neurons that all see the same inputs;
an MLP feeds each layer's outputs to the next. Names follow PyTorch (``parameters()``,
``zero_grad()``, ``train()``/``eval()``, ``state_dict()``), so what students learn here carries over.

    >>> model = MLP(2, [16, 16, 1], seed=0)        # 2 inputs, two hidden ReLU layers, 1 output
    >>> score = model([0.5, -1.0])                 # one Value (a list for several outputs)
    >>> len(model.parameters())                    # (2+1)·16 + (16+1)·16 + (16+1)·1
    337
    >>> model.parameters()[0].label
    'layer1.neuron1.w0'

Names: layers and neurons are counted from 1 (``layer1``, ``neuron1``), weights are numbered by
the input they multiply (``w0`` multiplies ``x0``); the bias is ``b``. Parameters carry these names
as labels, so graph pictures and error messages can say which weight is which.

By default a neuron uses the fused gate ``microgradpp.linear`` (one node for b + Σwx: fast, small
graphs). ``fused=False`` builds every multiply and add as its own node — the textbook picture, with
exactly the same numbers (the additions happen in the same order).

Batches: ``model(x)`` runs one sample; ``model.forward_batch(X)`` runs a list of samples and is
what ``fit`` uses — BatchNorm needs the whole mini-batch at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

from .data import Seed, as_rng
from .engine import Value, is_grad_enabled, linear, sum_values
from .i18n import Listed, Words, error
from .validation import fraction, integer, is_real

Input = Sequence[Value | float | int]

MAX_PARAMETERS = 2_000_000
"""The most parameters a network may have — what ``load`` accepts (``serialize``). Each is a Value
(about 100 bytes), and every training step builds a graph with an entry per parameter per sample
(about 50 bytes): ``MLP(2, [20000, 20000])``, 400 million parameters, would need 40 GB before
its first step, so it is refused before a single Value is made."""
MAX_LAYERS = 1000
"""The most layers an MLP may have (also what ``load`` accepts)."""


def check_parameter_count(count: int, what: str) -> None:
    """Refuse a network of more than ``MAX_PARAMETERS`` parameters, before it is built."""
    if count > MAX_PARAMETERS:
        raise error(ValueError, "limits.parameters", what=what, count=count, most=MAX_PARAMETERS)


ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "linear": None,  # the identity: no node at all
}
"""Activation name -> the Value method that applies it."""


def _check_activation(name: object, what: str = "activation") -> str:
    if name is None:
        return "linear"
    if name not in ACTIVATIONS:
        raise error(
            ValueError,
            "nn.unknown_choice",
            what=what,
            name=repr(name),
            names=", ".join(ACTIVATIONS),
        )
    return name


# ------------------------------------------------------------------------------------------------
# Initialization: how the first weights are drawn
# ------------------------------------------------------------------------------------------------


def _uniform(nin: int, nout: int, rng: Any) -> float:
    return rng.uniform(-1.0, 1.0)


def _gaussian(nin: int, nout: int, rng: Any) -> float:
    return rng.gauss(0.0, math.sqrt(1.0 / nin))


def _xavier(nin: int, nout: int, rng: Any) -> float:
    return rng.gauss(0.0, math.sqrt(2.0 / (nin + nout)))


def _he(nin: int, nout: int, rng: Any) -> float:
    return rng.gauss(0.0, math.sqrt(2.0 / nin))


INITS: dict[str, Callable[[int, int, Any], float]] = {
    "uniform": _uniform,  # w ~ U(-1, 1)                    micrograd's choice
    "gaussian": _gaussian,  # w ~ N(0, 1/nin)               keeps the variance of b + Σwx ≈ var(x)
    "xavier": _xavier,  # w ~ N(0, 2/(nin + nout))          Glorot: for tanh and sigmoid
    "he": _he,  # w ~ N(0, 2/nin)                           Kaiming: for ReLU (which halves variance)
}
"""Initialization name -> ``draw(nin, nout, rng)`` giving one weight. Biases start at 0."""


def _weight_sampler(init: str | Callable[[int, int, Any], float]) -> Callable:
    if callable(init):
        return init
    if init not in INITS:
        raise error(ValueError, "nn.unknown_init", name=repr(init), names=", ".join(INITS))
    return INITS[init]


# ------------------------------------------------------------------------------------------------
# Module: what every piece of a network has in common
# ------------------------------------------------------------------------------------------------


class Module:
    """Base class: a piece of network with parameters (Values that training changes).

    Subclasses list their own parameters in ``_own_parameters()`` and their sub-modules in
    ``_children()``; everything else (names, zero_grad, train/eval, state_dict) is done here.
    """

    training: bool = True

    # -- what a subclass provides ----------------------------------------------------------------

    def _own_parameters(self) -> list[tuple[str, Value]]:
        return []

    def _children(self) -> list[tuple[str, Module]]:
        return []

    def _own_buffers(self) -> list[tuple[str, float]]:
        """Numbers that are saved but not trained (BatchNorm's running statistics)."""
        return []

    def _set_buffer(self, name: str, value: float) -> None:
        raise KeyError(name)

    def _buffer_problem(self, name: str, value: float) -> Words | None:
        """None if ``value`` may be loaded into the buffer ``name``, else what is wrong with it."""
        return None

    def __call__(self, x: Any) -> Any:
        raise NotImplementedError

    def forward_batch(self, batch: Sequence[Any]) -> list[Any]:
        """Run a list of samples; the default runs them one at a time."""
        return [self(x) for x in batch]

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module (used by ``microgradpp.save``)."""
        raise error(NotImplementedError, "nn.no_config", kind=type(self).__name__)

    # -- parameters -----------------------------------------------------------------------------

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Value]]:
        """``[(name, parameter), …]`` with dotted names such as ``'layer1.neuron3.w0'``.

        A Value used in two places (a shared weight) is listed once, under its first name, as
        PyTorch's ``named_parameters()``: an optimizer updates it once, ``l2`` and gradient
        clipping count it once.
        """
        named = self._all_named_parameters(prefix)
        if len({id(p) for _, p in named}) == len(named):  # nothing shared
            return named
        unique, seen = [], set()
        for name, p in named:
            if id(p) not in seen:
                seen.add(id(p))
                unique.append((name, p))
        return unique

    def _all_named_parameters(self, prefix: str) -> list[tuple[str, Value]]:
        named = [(prefix + name, p) for name, p in self._own_parameters()]
        for child_name, child in self._children():
            named += child._all_named_parameters(prefix + child_name + ".")
        return named

    def parameters(self) -> list[Value]:
        """Every trainable Value, in a fixed order, each once (see ``named_parameters``)."""
        values = self._all_values()
        if len(set(map(id, values))) == len(values):  # nothing shared (checked at C speed)
            return values
        unique, seen = [], set()
        for p in values:
            if id(p) not in seen:
                seen.add(id(p))
                unique.append(p)
        return unique

    def _own_values(self) -> list[Value]:
        """This module's own parameters without their names (``parameters`` needs no names)."""
        return [p for _, p in self._own_parameters()]

    def _all_values(self) -> list[Value]:
        values = self._own_values()
        for _, child in self._children():
            values += child._all_values()
        return values

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (name ``''``) and every sub-module, depth first."""
        yield prefix.rstrip("."), self
        for name, child in self._children():
            yield from child.named_modules(prefix + name + ".")

    def num_parameters(self) -> int:
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0 (gradients accumulate until you do)."""
        for p in self.parameters():
            p.grad = 0.0

    def _label_parameters(self) -> None:
        """Give every parameter its dotted name as its label."""
        for name, p in reversed(self._all_named_parameters("")):  # a shared one: its first name
            p.label = name

    # -- training / evaluation mode -------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Training mode: Dropout drops, BatchNorm uses batch statistics. Returns self."""
        for _, module in self.named_modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: Dropout does nothing, BatchNorm uses its running statistics."""
        return self.train(False)

    # -- state ----------------------------------------------------------------------------------

    def _named_buffers(self, prefix: str = "") -> list[tuple[str, float]]:
        named = [(prefix + name, v) for name, v in self._own_buffers()]
        for child_name, child in self._children():
            named += child._named_buffers(prefix + child_name + ".")
        return named

    def state_dict(self) -> dict[str, float]:
        """A snapshot ``{name: float}`` of every parameter (and BatchNorm running statistic)."""
        state = {name: p.data for name, p in self.named_parameters()}
        state.update(self._named_buffers())
        return state

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Copy numbers from ``state`` into the parameters, matching by name.

        Checks everything first — missing names, unexpected names, values that are not finite
        numbers — and raises a ValueError naming them, leaving the model unchanged.
        """
        if not isinstance(state, dict):
            raise error(TypeError, "nn.state_type", got=type(state).__name__)
        own = self.state_dict()
        missing = [name for name in own if name not in state]
        unexpected = [name for name in state if name not in own]
        problems: list[Words] = []
        if missing:
            problems.append(Words("nn.state.missing", fields={"names": _some(missing)}))
        if unexpected:
            problems.append(Words("nn.state.unexpected", fields={"names": _some(unexpected)}))
        for name in own:
            value = state.get(name, 0.0)
            if not is_real(value):
                problems.append(
                    Words("nn.state.not_a_number", fields={"name": name, "got": repr(value)})
                )
            elif not math.isfinite(value):
                problems.append(
                    Words("nn.state.not_finite", fields={"name": name, "got": repr(value)})
                )
        for module_name, module in self.named_modules():
            prefix = module_name + "." if module_name else ""
            for buffer_name, _ in module._own_buffers():
                buffer = state.get(prefix + buffer_name)
                if is_real(buffer):
                    problem = module._buffer_problem(buffer_name, buffer)
                    if problem:
                        fields = {
                            "name": prefix + buffer_name,
                            "got": repr(buffer),
                            "problem": problem,
                        }
                        problems.append(Words("nn.state.buffer", fields=fields))
        if problems:
            raise error(
                ValueError,
                "nn.state_does_not_fit",
                kind=type(self).__name__,
                problems=Listed(tuple(problems), "clauses"),
            )
        parameters = dict(self.named_parameters())
        for name, value in state.items():
            if name in parameters:
                parameters[name].data = float(value)
        for module_name, module in self.named_modules():
            prefix = module_name + "." if module_name else ""
            for buffer_name, _ in module._own_buffers():
                module._set_buffer(buffer_name, float(state[prefix + buffer_name]))

    # -- display ----------------------------------------------------------------------------------

    def _repr_header(self) -> str:
        return type(self).__name__ + "()"

    def __repr__(self) -> str:
        children = self._children()
        header = self._repr_header()
        if not children:
            return header
        lines = [header[:-1]]  # "MLP(2 -> [16, 1], 65 parameters" … children … ")"
        for name, child in children:
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_text}")
        return "\n".join(lines) + "\n)"


def _some(names: list[str], limit: int = 5) -> Words:
    """'2 names (w0, b)', '7 names (a, b, c, d, e and 2 more)': a list, cut to ``limit``."""
    shown = Listed(tuple(names[:limit]))
    if len(names) > limit:
        fields = {"count": len(names), "names": shown, "more": len(names) - limit}
        return Words("nn.state.names_and_more", fields=fields)
    key = "nn.state.one_name" if len(names) == 1 else "nn.state.names"
    return Words(key, fields={"count": len(names), "names": shown})


# ------------------------------------------------------------------------------------------------
# Neuron, Layer, MLP
# ------------------------------------------------------------------------------------------------


class Neuron(Module):
    """out = act(b + Σ wᵢxᵢ): ``nin`` weights, one bias, an activation.

    >>> n = Neuron(2, activation="linear", seed=0)
    >>> n.w[0].data = 2.0; n.w[1].data = -3.0; n.b.data = -3.0
    >>> n([-1.0, -2.0]).data                       # 2·(-1) + (-3)·(-2) - 3 = 1
    1.0
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        init: str | Callable[[int, int, Any], float] = "uniform",
        seed: Seed = None,
        fused: bool = True,
        nout: int = 1,
    ) -> None:
        """``nout`` is the width of the layer the neuron belongs to (only Xavier init uses it)."""
        nin = _check_size(nin, "nin")
        check_parameter_count(nin + 1, f"Neuron(nin={nin})")
        self.activation = _check_activation(activation)
        self.init = init
        self.fused = bool(fused)
        draw, rng = _weight_sampler(init), as_rng(seed)
        self.w = [Value(draw(nin, nout, rng)) for _ in range(nin)]
        self.b = Value(0.0)
        self._activate = ACTIVATIONS[self.activation]
        self._label_parameters()

    @property
    def nin(self) -> int:
        return len(self.w)

    def preactivation(self, x: Input) -> Value:
        """b + Σ wᵢxᵢ — one ``linear`` node, or (``fused=False``) a chain of × and + nodes."""
        if len(x) != len(self.w):
            raise error(ValueError, "nn.neuron_inputs", nin=len(self.w), got=len(x))
        if self.fused:
            return linear(self.w, x, self.b)
        out = self.b
        for w, xi in zip(self.w, x):
            out = out + w * xi
        return out

    def activate(self, z: Value) -> Value:
        """Apply the activation to a pre-activation."""
        return z if self._activate is None else self._activate(z)

    def __call__(self, x: Input) -> Value:
        return self.activate(self.preactivation(x))

    def _own_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def _own_values(self) -> list[Value]:
        return [*self.w, self.b]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "fused": self.fused}

    def _repr_header(self) -> str:
        return f"Neuron(nin={self.nin}, activation={self.activation})"


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs. Always returns a list.

    Optional extras, in the order they apply: ``batchnorm=True`` normalizes each neuron's
    pre-activation over the mini-batch (BatchNorm), then the activation, then ``dropout=p``.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        init: str | Callable[[int, int, Any], float] = "uniform",
        seed: Seed = None,
        fused: bool = True,
        batchnorm: bool = False,
        dropout: float = 0.0,
    ) -> None:
        nin, nout = _check_size(nin, "nin"), _check_size(nout, "nout")
        check_parameter_count((nin + 1 + 2 * bool(batchnorm)) * nout, f"Layer({nin}, {nout})")
        self.activation = _check_activation(activation)
        self.init = init
        rng = as_rng(seed)
        self.neurons = [
            Neuron(nin, self.activation, init, rng, fused, nout=nout) for _ in range(nout)
        ]
        self.batchnorm = BatchNorm(nout) if batchnorm else None
        self.dropout = Dropout(dropout, seed=rng) if dropout else None
        self.dead: list[bool] | None = None
        """ReLU layers: for each neuron, did it output 0 for every sample of the last forward
        batch that built a graph? (None before the first one.)"""
        self._label_parameters()

    @property
    def nin(self) -> int:
        return self.neurons[0].nin

    @property
    def nout(self) -> int:
        return len(self.neurons)

    @property
    def fused(self) -> bool:
        return self.neurons[0].fused

    def __call__(self, x: Input) -> list[Value]:
        return self.forward_batch([x])[0]

    def forward_batch(self, batch: Sequence[Input]) -> list[list[Value]]:
        """Each sample's outputs: ``[[act(b + Σwx) for each neuron] for each sample]``."""
        neurons = self.neurons
        batch = [self._check_sample(x) for x in batch]
        activate = neurons[0]._activate
        if self.batchnorm is None and self.fused and activate is not None:
            # The hot path of training: the same as [[n(x) for n in neurons] for x in batch]
            # without two method calls per neuron.
            weights = [(n.w, n.b) for n in neurons]
            outs = [[activate(linear(w, x, b)) for w, b in weights] for x in batch]
        elif self.batchnorm is None:
            outs = [[n(x) for n in neurons] for x in batch]
        else:
            zs = [[n.preactivation(x) for n in neurons] for x in batch]
            zs = self.batchnorm.forward_batch(zs)
            outs = [[n.activate(z) for n, z in zip(neurons, row)] for row in zs]
        if self.activation == "relu" and is_grad_enabled():
            self.dead = [all(row[j].data == 0.0 for row in outs) for j in range(len(neurons))]
        if self.dropout is not None:
            outs = self.dropout.forward_batch(outs)
        return outs

    def _check_sample(self, x: Input) -> Sequence[Value]:
        """The sample as Values (numbers become constant leaves x0, x1, …, each shared by all the
        neurons), after checking its length."""
        if len(x) != self.nin:
            raise error(ValueError, "nn.layer_inputs", nin=self.nin, got=len(x), sample=_short(x))
        if all(isinstance(xi, Value) for xi in x):
            return cast("Sequence[Value]", x)  # already Values: no copy
        return [xi if isinstance(xi, Value) else Value(xi, f"x{i}") for i, xi in enumerate(x)]

    def dead_fraction(self) -> float:
        """Fraction of this layer's ReLU units that output 0 on the whole last forward batch."""
        if self.activation != "relu" or not self.dead:
            return 0.0
        return sum(self.dead) / len(self.dead)

    def _children(self) -> list[tuple[str, Module]]:
        children: list[tuple[str, Module]] = [
            (f"neuron{i}", n) for i, n in enumerate(self.neurons, 1)
        ]
        if self.batchnorm is not None:
            children.append(("batchnorm", self.batchnorm))
        if self.dropout is not None:
            children.append(("dropout", self.dropout))
        return children

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nout": self.nout,
            "activation": self.activation,
            "fused": self.fused,
            "batchnorm": self.batchnorm is not None,
            "dropout": self.dropout.p if self.dropout is not None else 0.0,
        }

    def _extras(self) -> str:
        extras = ", batchnorm" if self.batchnorm is not None else ""
        return extras + (f", dropout={self.dropout.p}" if self.dropout is not None else "")

    def _repr_header(self) -> str:
        return f"Layer({self.nin} -> {self.nout}, {self.activation}{self._extras()})"

    def __repr__(self) -> str:  # a layer of 16 identical neurons is shown as one line
        return self._repr_header()


class MLP(Module):
    """A multi-layer perceptron: ``Layer(nin, nouts[0])``, ``Layer(nouts[0], nouts[1])``, …

    Hidden layers use ``activation``; the last layer uses ``output_activation`` (``None`` means
    linear: raw scores, what hinge, cross-entropy and ``..._with_logits`` losses expect).
    ``init`` chooses how weights are drawn (see ``INITS``), ``seed`` makes it reproducible.
    ``batchnorm`` and ``dropout`` apply to the hidden layers only.

    ``model(x)`` returns one Value when the last layer has one neuron, otherwise a list.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str | None = None,
        init: str | Callable[[int, int, Any], float] = "uniform",
        seed: Seed = None,
        fused: bool = True,
        batchnorm: bool = False,
        dropout: float = 0.0,
    ) -> None:
        nin = _check_size(nin, "nin")
        if isinstance(nouts, int) or not nouts:
            raise error(TypeError, "nn.nouts", got=repr(nouts))
        if len(nouts) > MAX_LAYERS:
            raise error(ValueError, "nn.mlp_layers", most=MAX_LAYERS, got=len(nouts))
        sizes = [nin] + [_check_size(n, "each layer width") for n in nouts]
        check_parameter_count(
            sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
            + (2 * sum(sizes[1:-1]) if batchnorm else 0),
            f"MLP({nin}, {list(sizes[1:])})",
        )
        self.activation = _check_activation(activation)
        self.output_activation = _check_activation(output_activation, "output_activation")
        self.init = init
        rng = as_rng(seed)
        last = len(nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                self.output_activation if i == last else self.activation,
                init,
                rng,
                fused,
                batchnorm=batchnorm and i != last,
                dropout=dropout if i != last else 0.0,
            )
            for i in range(len(nouts))
        ]
        self._label_parameters()

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nouts(self) -> list[int]:
        return [layer.nout for layer in self.layers]

    def __call__(self, x: Input) -> Value | list[Value]:
        return self.forward_batch([x])[0]

    def forward_batch(self, batch: Sequence[Input]) -> list[Value] | list[list[Value]]:
        """Outputs for a list of samples: a list of Values (one output) or of lists."""
        for sample in batch:
            if len(sample) != self.nin:
                raise error(
                    ValueError,
                    "nn.mlp_inputs",
                    nin=self.nin,
                    got=len(sample),
                    sample=_short(sample),
                )
        rows: Any = batch  # samples, then each layer's outputs
        for layer in self.layers:
            rows = layer.forward_batch(rows)
        if self.layers[-1].nout == 1:
            return [row[0] for row in rows]
        return rows

    def _children(self) -> list[tuple[str, Module]]:
        return [(f"layer{i}", layer) for i, layer in enumerate(self.layers, 1)]

    def config(self) -> dict[str, Any]:
        hidden = self.layers[:-1]
        return {
            "nin": self.nin,
            "nouts": self.nouts,
            "activation": self.activation,
            "output_activation": self.output_activation,
            "fused": self.layers[0].fused,
            "batchnorm": any(layer.batchnorm is not None for layer in hidden),
            "dropout": next((la.dropout.p for la in hidden if la.dropout is not None), 0.0),
        }

    def _repr_header(self) -> str:
        return f"MLP({self.nin} -> {self.nouts}, {self.num_parameters()} parameters)"


# ------------------------------------------------------------------------------------------------
# Dropout and BatchNorm
# ------------------------------------------------------------------------------------------------


class Dropout(Module):
    """In training, zero each input with probability p and scale the rest by 1/(1 − p).

    The scaling ("inverted dropout", as PyTorch) keeps the expected value of every input the same,
    so in evaluation mode Dropout does nothing at all.
    """

    def __init__(self, p: float = 0.5, seed: Seed = None) -> None:
        self.p = fraction(p, "dropout probability p")
        self._rng = as_rng(seed)

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        if not self.training or self.p == 0.0:
            return list(x)
        keep_scale = 1.0 / (1.0 - self.p)
        random = self._rng.random
        return [xi * (0.0 if random() < self.p else keep_scale) for xi in x]

    def config(self) -> dict[str, Any]:
        return {"p": self.p}

    def _repr_header(self) -> str:
        return f"Dropout(p={self.p})"


class BatchNorm(Module):
    """Normalize each of ``num_features`` inputs over a mini-batch, then scale and shift.

    For feature j over the B samples of a batch (training mode):

        μ = (1/B) Σ x,   σ² = (1/B) Σ (x − μ)²,   x̂ = (x − μ) / √(σ² + ε),   y = γⱼ·x̂ + βⱼ

    built from Values, so the gradient flows through μ and σ² too. It also keeps running averages
    ``running = (1 − momentum)·running + momentum·batch`` (the variance one unbiased: σ²·B/(B − 1)),
    which evaluation mode uses instead of batch statistics — as ``torch.nn.BatchNorm1d``.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1) -> None:
        self.num_features = _check_size(num_features, "num_features")
        check_parameter_count(2 * self.num_features, f"BatchNorm({self.num_features})")
        if not eps > 0.0:
            raise error(ValueError, "nn.eps", got=repr(eps))
        if not 0.0 <= momentum <= 1.0:
            raise error(ValueError, "nn.momentum", got=repr(momentum))
        self.eps, self.momentum = float(eps), float(momentum)
        self.gamma = [Value(1.0) for _ in range(num_features)]
        self.beta = [Value(0.0) for _ in range(num_features)]
        self.running_mean = [0.0] * num_features
        self.running_var = [1.0] * num_features
        self._label_parameters()

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        return self.forward_batch([x])[0]

    def forward_batch(self, batch: Sequence[Sequence[Value | float]]) -> list[list[Value]]:
        for row in batch:
            if len(row) != self.num_features:
                raise error(
                    ValueError, "nn.batchnorm_features", features=self.num_features, got=len(row)
                )
        if not self.training:
            columns = [
                [(x - m) * (1.0 / math.sqrt(v + self.eps)) for x in col]
                for col, m, v in zip(zip(*batch), self.running_mean, self.running_var)
            ]
        else:
            size = len(batch)
            if size < 2:
                raise error(ValueError, "nn.batchnorm_batch")
            columns = []
            statistics = []  # (mean, unbiased variance) of each column, stored only at the end
            for col in zip(*batch):
                mean = sum_values(col) * (1.0 / size)
                centered = [x - mean for x in col]
                var = sum_values([d * d for d in centered]) * (1.0 / size)
                inv_std = (var + self.eps) ** -0.5
                columns.append([d * inv_std for d in centered])
                statistics.append((mean.data, var.data * size / (size - 1)))
        columns = [
            [g * xhat + b for xhat in col] for col, g, b in zip(columns, self.gamma, self.beta)
        ]
        if self.training and is_grad_enabled():
            # Only now that every column's output exists: a forward that fails in column 2
            # must not have moved column 1's running statistics (all or nothing).
            m = self.momentum
            means = [
                (1 - m) * old + m * new for old, (new, _) in zip(self.running_mean, statistics)
            ]
            variances = [
                (1 - m) * old + m * new for old, (_, new) in zip(self.running_var, statistics)
            ]
            if not all(math.isfinite(v) for v in means + variances):
                raise error(ValueError, "nn.batchnorm_overflow")
            self.running_mean[:], self.running_var[:] = means, variances
        return [list(row) for row in zip(*columns)]

    def _own_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"gamma{j}", g) for j, g in enumerate(self.gamma, 1)]
        return named + [(f"beta{j}", b) for j, b in enumerate(self.beta, 1)]

    def _own_buffers(self) -> list[tuple[str, float]]:
        named = [(f"running_mean{j}", m) for j, m in enumerate(self.running_mean, 1)]
        return named + [(f"running_var{j}", v) for j, v in enumerate(self.running_var, 1)]

    def _set_buffer(self, name: str, value: float) -> None:
        for prefix, values in (
            ("running_mean", self.running_mean),
            ("running_var", self.running_var),
        ):
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                values[int(name[len(prefix) :]) - 1] = value
                return
        raise KeyError(name)

    def _buffer_problem(self, name: str, value: float) -> Words | None:
        if name.startswith("running_var") and value < 0.0:
            return Words("nn.state.negative_variance")
        return None

    def config(self) -> dict[str, Any]:
        return {"num_features": self.num_features, "eps": self.eps, "momentum": self.momentum}

    def _repr_header(self) -> str:
        return f"BatchNorm({self.num_features}, eps={self.eps}, momentum={self.momentum})"


# ------------------------------------------------------------------------------------------------


def _check_size(n: object, name: str) -> int:
    return integer(n, name, minimum=1)


def _short(sample: Any) -> str:
    text = repr(list(sample))
    return text if len(text) < 60 else text[:57] + "..."
