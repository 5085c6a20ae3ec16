"""Training loop, predictions and the numbers that show how gradients flow.

One training step is the same five lines everywhere (PyTorch included)::

    optimizer.zero_grad()                   # gradients accumulate: start from 0
    outputs = model.forward_batch(X_batch)  # forward pass: builds the graph
    loss = loss_fn(outputs, y_batch)        # one Value at the top of the graph
    loss.backward()                         # backward pass: every parameter's .grad
    optimizer.step()                        # move each parameter against its gradient

``fit`` runs it over mini-batches for some epochs and records a ``History``: loss, accuracy,
learning rate, and per-layer gradient statistics — the numbers behind the vanishing/exploding
gradient lesson.

    >>> from microgradpp.nn import MLP
    >>> from microgradpp.optim import SGD
    >>> from microgradpp.data import make_moons
    >>> X, y = make_moons(20, noise=0.1, seed=0)
    >>> model = MLP(2, [8, 1], seed=0)
    >>> history = fit(model, "hinge", SGD(model.parameters(), lr=0.1), (X, y), epochs=3,
    ...               progress=False)
    >>> len(history.loss)
    3
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from . import losses as _losses
from . import sums, validation
from .data import DATASETS, Seed, as_rng, batches, check_samples, train_test_split
from .engine import Value, no_grad
from .errors import MicrogradppError, training_advice
from .fit_arguments import check_fit_arguments, check_step_size, resolve_loss
from .gc_pause import gc_paused
from .history import (
    History,
    end_epoch,
    gradient_flow,
    is_classification,
    output_activation_of,
    progress_bar,
)
from .i18n import Listed, Translator, Words, error
from .nn import ACTIVATIONS, INITS, MAX_LAYERS, MLP, Module, check_parameter_count
from .optim import OPTIMIZERS
from .optim import clip_grad_norm as clip_gradients

LossFn = Callable[[Any, Sequence[Any]], Value]


# ------------------------------------------------------------------------------------------------
# Predictions
# ------------------------------------------------------------------------------------------------


def _evaluate_outputs(model: Module, X: Sequence[Sequence[float]]) -> list[Any]:
    """Outputs for X in evaluation mode, without building a graph (the mode is put back)."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            return model.forward_batch(X)
    finally:
        model.train(was_training)


def labels_from_outputs(outputs: Sequence[Any], output_activation: str | None) -> list[int]:
    """Class labels from model outputs.

    Several outputs per sample: the index of the largest (argmax). One output: with a sigmoid
    output activation it is a probability, so ``> 0.5``; otherwise a score, so ``> 0``.
    """
    labels = []
    threshold = 0.5 if output_activation == "sigmoid" else 0.0
    for out in outputs:
        if isinstance(out, (list, tuple)) and len(out) == 1:
            out = out[0]
        if isinstance(out, (list, tuple)):
            scores = [o.data for o in out]
            labels.append(max(range(len(scores)), key=scores.__getitem__))
        else:
            labels.append(1 if out.data > threshold else 0)
    return labels


def predict(model: Module, X: Sequence[Sequence[float]]) -> list[int]:
    """Class labels for the samples X (evaluation mode, no graph; see ``labels_from_outputs``)."""
    return labels_from_outputs(_evaluate_outputs(model, X), output_activation_of(model))


def accuracy(model: Module, X: Sequence[Sequence[float]], y: Sequence[int]) -> float:
    """Fraction of samples whose predicted class equals the label."""
    if len(X) != len(y):
        raise error(ValueError, "train.lengths", samples=len(X), labels=len(y))
    predicted = predict(model, X)
    return sum(p == t for p, t in zip(predicted, y)) / len(y)


# ------------------------------------------------------------------------------------------------
# fit
# ------------------------------------------------------------------------------------------------


class RecipeError(MicrogradppError, ValueError):
    """A recipe whose parts do not fit together (a loss for another kind of dataset); ``words``
    says it in the catalogs' terms, so the command line can say it in any language."""

    def __init__(self, words: Words):
        super().__init__(words.reason())
        self.words = words


class ScalarSteps:
    """How ``fit`` computes a batch's loss and gradients with the scalar engine: the five lines of
    the module docstring. (``microgradpp.compiled.CompiledSteps`` is the same interface on numpy
    arrays; ``fit``'s loop is shared.)

    Gradients, as in PyTorch: every step starts from zero for *every* parameter of the model
    (``optimizer.zero_grad()`` plus the parameters the optimizer does not train — a frozen layer —
    so no ``.grad`` grows across steps), clipping covers the parameters the optimizer trains, and
    ``l2`` penalizes every parameter of the model (each once, see ``Module.parameters``).
    """

    def __init__(
        self,
        model: Module,
        loss: str | LossFn,
        optimizer: Any,
        data: tuple[Sequence[Any], Sequence[Any]],
        l2: float,
    ) -> None:
        self.model, self.loss, self.optimizer, self.l2 = model, loss, optimizer, l2
        self.loss_fn = resolve_loss(loss)
        self.X, self.y = data
        self.params = model.parameters()
        self.trained = list(getattr(optimizer, "params", self.params))
        trained = set(map(id, self.trained))
        self.frozen = [p for p in self.params if id(p) not in trained]
        self.output_activation = output_activation_of(model)
        self.outputs: list[Any] = []
        self.targets: list[Any] = []

    def __enter__(self) -> ScalarSteps:
        return self

    def __exit__(self, *error: object) -> None:
        pass

    def begin_epoch(self) -> None:
        pass

    def loss_and_gradients(self, batch: list[int]) -> float:
        """Forward, loss and backward on the samples ``batch``: the loss; ``.grad`` is filled."""
        X_batch = [self.X[i] for i in batch]
        self.targets = [self.y[i] for i in batch]
        with gc_paused():  # a step's graph has no cycles: skip the collector's scans
            self.optimizer.zero_grad()
            for p in self.frozen:
                p.grad = 0.0
            self.outputs = self.model.forward_batch(X_batch)
            batch_loss = self.loss_fn(self.outputs, self.targets)
            if self.l2:
                batch_loss = batch_loss + self.l2 * _losses.l2_penalty(self.params)
            batch_loss.backward()
        return batch_loss.data

    def correct(self) -> int:
        predicted = labels_from_outputs(self.outputs, self.output_activation)
        return sum(p == t for p, t in zip(predicted, self.targets))

    def gradient_flow(self) -> dict[str, dict[str, float]]:
        return gradient_flow(self.model)

    def clip(self, max_norm: float) -> None:
        clip_gradients(self.trained, max_norm)

    def step(self) -> None:
        self.optimizer.step()

    def end_epoch(self, visible: bool) -> None:
        pass

    def evaluate(self, data: tuple[Sequence[Any], Sequence[Any]]) -> tuple[float, float | None]:
        return evaluate(self.model, self.loss, data)


@training_advice()  # an overflow while training gets learning-rate advice
def fit(
    model: Module,
    loss: str | LossFn,
    optimizer: Any,
    data: tuple[Sequence[Any], Sequence[Any]],
    epochs: int,
    batch_size: int | None = None,
    *,
    l2: float = 0.0,
    scheduler: Any = None,
    clip_grad_norm: float | None = None,
    val_data: tuple[Sequence[Any], Sequence[Any]] | None = None,
    shuffle: bool = True,
    seed: Seed = 0,
    progress: bool = True,
    callback: Callable[[int, History, Module], Any] | None = None,
    compiled: bool = False,
) -> History:
    """Train ``model`` on ``data = (X, y)`` and return a ``History``.

    * ``loss``: a name (``"hinge"``, ``"cross_entropy"``, ``"mse"``, …) or a function
      ``loss(outputs, targets) -> Value``; ``outputs`` is ``model.forward_batch(X_batch)``.
    * ``batch_size``: samples per step; ``None`` uses all of them (full-batch gradient descent,
      as micrograd's demo). Batches are reshuffled every epoch from ``seed``.
    * ``l2``: adds ``l2 · Σ p²`` over the model's parameters to the loss (micrograd's demo uses
      1e-4).
    * ``scheduler``: stepped once at the end of every epoch (see ``microgradpp.optim``).
    * ``clip_grad_norm``: rescale the gradients of the parameters the optimizer trains so their
      L2 norm is at most this, before a step.
    * ``progress``: a tqdm bar when tqdm is installed, a few plain lines otherwise; False: silent.
    * ``callback(epoch, history, model)``: called after every epoch (e.g. to draw the boundary);
      if it returns True, training stops there (early stopping). What it does to the parameters
      or the optimizer (``p.data = …``, ``optimizer.load_state_dict(…)``) is kept.
    * ``compiled``: trace one sample's graph and run every mini-batch as one numpy program
      (``microgradpp.compiled``; needs numpy, the ``fast`` extra): the same training, far faster,
      or a CompiledError saying why this model or loss cannot be compiled. The parameters'
      Values are up to date whenever your code can look: in the callback and after ``fit``.
      X may then be a numpy array (N, inputs): a big list takes a while to convert.

    Every step starts from zero gradients for every parameter of the model, including those the
    optimizer does not train (a frozen layer's ``.grad`` is this step's, it never grows); see
    ``ScalarSteps``. The recorded loss is the mean, over the epoch's samples, of the loss that was
    minimized (including the L2 term); accuracy is measured on the same forward passes.
    """
    # every argument is checked before the first step: a mistake changes nothing
    checked = check_fit_arguments(
        model,
        loss,
        optimizer,
        data,
        epochs,
        batch_size,
        l2=l2,
        scheduler=scheduler,
        clip_grad_norm=clip_grad_norm,
        val_data=val_data,
        shuffle=shuffle,
        seed=seed,
        progress=progress,
        callback=callback,
        compiled=compiled,
    )
    epochs, batch_size, l2 = checked.epochs, checked.batch_size, checked.l2
    clip_grad_norm = checked.clip_grad_norm
    X, y = data
    if compiled:
        from .compiled import CompiledSteps

        steps: ScalarSteps | CompiledSteps = CompiledSteps(model, loss, optimizer, data, l2)
    else:
        steps = ScalarSteps(model, loss, optimizer, data, l2)
    classification = is_classification(y, loss)
    rng = as_rng(seed)
    history = History()
    model.train()
    samples = range(len(X))
    bar = progress_bar(epochs, progress)
    try:
        with steps:
            for epoch in range(1, epochs + 1):
                steps.begin_epoch()
                lr = float(optimizer.lr)
                total_loss, correct, seen = 0.0, 0, 0
                chunks = [batch for batch, _ in batches(samples, samples, batch_size, shuffle, rng)]
                for number, batch in enumerate(chunks, 1):
                    batch_loss = steps.loss_and_gradients(batch)
                    if number == len(chunks):  # the history keeps the last batch's, unclipped
                        flow = steps.gradient_flow()
                    if clip_grad_norm is not None:
                        steps.clip(clip_grad_norm)
                    steps.step()
                    total_loss += batch_loss * len(batch)
                    seen += len(batch)
                    if classification:
                        correct += steps.correct()
                steps.end_epoch(visible=callback is not None)
                epoch_accuracy = correct / seen if classification else None
                measured = steps.evaluate(val_data) if val_data is not None else None
                history.record_epoch(epoch, total_loss / seen, epoch_accuracy, lr, flow, measured)
                if end_epoch(history, scheduler, bar, callback, model):
                    break
    finally:
        if bar is not None:
            bar.close()
    return history


def evaluate(
    model: Module, loss: str | LossFn, data: tuple[Sequence[Any], Sequence[Any]]
) -> tuple[float, float | None]:
    """(loss, accuracy) on ``data`` in evaluation mode, without building a graph.

    Accuracy is None for regression (float targets, or the mse/l1 losses).
    """
    X, y = data
    if len(X) != len(y) or not X:
        raise error(ValueError, "train.pair", samples=len(X), labels=len(y))
    outputs = _evaluate_outputs(model, X)
    with no_grad():
        value = resolve_loss(loss)(outputs, y).data
    if not is_classification(y, loss):
        return value, None
    predicted = labels_from_outputs(outputs, output_activation_of(model))
    return value, sum(p == t for p, t in zip(predicted, y)) / len(y)


# ------------------------------------------------------------------------------------------------
# Recipes: a whole training run in one small record (what ``microgradpp train`` runs)
# ------------------------------------------------------------------------------------------------


def _choice(name: object, registry: dict[str, Any], what: str) -> Any:
    if not isinstance(name, str) or name not in registry:
        names = Listed(tuple(registry))
        raise error(ValueError, "train.unknown", what=what, name=repr(name), names=names)
    return registry[name]


MAX_EPOCHS = 100_000
"""The most epochs a recipe (``microgradpp train``) runs: more is hours of training."""


@dataclass(frozen=True)
class Recipe:
    """Everything one training run needs; ``microgradpp train DATASET`` runs ``recipe(DATASET)``.

    * ``dataset``: a name in ``data.DATASETS``; ``samples``: how many points (None: its default).
    * ``layers``: the hidden layers' widths; the input and output sizes follow from the data and
      the loss. ``activation`` is the hidden layers' (see ``nn.ACTIVATIONS``).
    * ``loss``: a name in ``losses.LOSSES``; None picks hinge for two classes, cross_entropy for
      more, mse for regression.
    * ``optimizer``: a name in ``optim.OPTIMIZERS``; ``lr=None`` uses ``adam_lr`` (the rate Adam
      trains this dataset with) times the optimizer's ``lr_scale``.
    * ``decay``: the optimizer's weight decay; ``clip``: the largest gradient norm
      (``fit(clip_grad_norm=)``); ``dropout``: the probability of dropping a hidden unit.
    * ``test_split``: the fraction of the points kept out of training to measure the model on
      (0: train on all of them); ``seed`` makes the data, the split and the weights reproducible.
    * ``compiled``: train with ``fit(..., compiled=True)`` (numpy; the same numbers, faster).
    * ``init``: how the weights start (``nn.INITS``: micrograd's ``uniform``, ``he`` for ReLU
      networks with many inputs).
    """

    dataset: str
    samples: int | None = None
    layers: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    loss: str | None = None
    optimizer: str = "adam"
    lr: float | None = None
    adam_lr: float = 0.05
    epochs: int = 50
    batch_size: int | None = None
    decay: float = 0.0
    clip: float | None = None
    dropout: float = 0.0
    test_split: float = 0.25
    seed: int = 0
    compiled: bool = False
    init: str = "uniform"

    def __post_init__(self) -> None:
        _choice(self.dataset, DATASETS, "dataset")
        _choice(self.optimizer, OPTIMIZERS, "optimizer")
        _choice(self.activation, ACTIVATIONS, "activation")
        _choice(self.init, INITS, "init")
        if self.samples is not None:
            check_samples(self.samples, "samples")
        if not self.layers:
            raise error(ValueError, "train.no_layers")
        for width in self.layers:
            validation.integer(width, Words("train.name.each_width"), minimum=1)
        if self.lr is not None:
            validation.positive(self.lr, "lr")
        validation.positive(self.adam_lr, "adam_lr")
        if validation.integer(self.epochs, "epochs", minimum=1) > MAX_EPOCHS:
            raise error(ValueError, "limits.epochs", most=MAX_EPOCHS, count=self.epochs)
        if self.batch_size is not None:
            validation.integer(self.batch_size, "batch_size", minimum=1)
        validation.positive(self.decay, "decay", allow_zero=True)
        if self.clip is not None:
            validation.positive(self.clip, "clip")
        validation.fraction(self.dropout, "dropout")
        validation.fraction(self.test_split, "test_split")
        validation.integer(self.seed, "seed")
        classes = DATASETS[self.dataset].classes
        loss = _choice(self.loss_name, _losses.LOSSES, "loss")
        names = {"loss": self.loss_name, "dataset": self.dataset, "classes": classes}
        if loss.regression != (classes == 0):
            key = "train.loss.regression" if classes == 0 else "train.loss.classes"
            raise RecipeError(Words(key, fields=names))
        if loss.output in ("score", "probability") and classes != 2:
            raise RecipeError(Words("train.loss.two_classes", fields=names))
        self._check_sizes()

    def _check_sizes(self) -> None:
        """The network and one training step fit in memory: checked before any data is made."""
        entry = DATASETS[self.dataset]
        if len(self.layers) >= MAX_LAYERS:
            raise error(
                ValueError, "limits.layers", most=MAX_LAYERS - 1, layers=MAX_LAYERS,
                count=len(self.layers),
            )  # fmt: skip
        sizes = [entry.inputs, *self.layers, self.outputs]
        parameters = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
        check_parameter_count(parameters, f"MLP {'-'.join(map(str, sizes))}")
        if not self.compiled:
            n = self.samples or entry.samples
            training = n - math.ceil(self.test_split * n) if self.test_split else n
            check_step_size(min(self.batch_size or training, training), parameters)

    @property
    def outputs(self) -> int:
        """The network's outputs: one per class for class scores, else one."""
        classes = DATASETS[self.dataset].classes
        return classes if _losses.LOSSES[self.loss_name].output == "scores" else 1

    @property
    def loss_name(self) -> str:
        """The loss this recipe trains with (chosen from the dataset when ``loss`` is None)."""
        if self.loss is not None:
            return self.loss
        classes = DATASETS[self.dataset].classes
        return "mse" if classes == 0 else "hinge" if classes == 2 else "cross_entropy"

    @property
    def learning_rate(self) -> float:
        """``lr``, or ``adam_lr`` scaled for the optimizer."""
        return (
            self.lr if self.lr is not None else self.adam_lr * OPTIMIZERS[self.optimizer].lr_scale
        )


RECIPES: dict[str, Recipe] = {
    "xor": Recipe("xor", activation="tanh", epochs=150, test_split=0.0),  # 4 points: all needed
    "spiral": Recipe("spiral", epochs=100, adam_lr=0.02),
    "sine": Recipe("sine", activation="tanh", epochs=100, adam_lr=0.02),
    # 784 inputs: He initialization, mini-batches, numpy (4,000 training images, 1,000 test)
    "digits": Recipe(
        "digits",
        layers=(32,),
        init="he",
        adam_lr=0.003,
        epochs=15,
        batch_size=50,
        test_split=0.2,
        compiled=True,
    ),  # fmt: skip
}
"""The datasets whose defaults differ from ``Recipe(name)``'s."""


def recipe(dataset: str, **changes: Any) -> Recipe:
    """The default recipe of a dataset in ``data.DATASETS``, with ``changes`` applied.

    >>> recipe("moons", epochs=3).epochs, recipe("xor").activation
    (3, 'tanh')
    """
    _choice(dataset, DATASETS, "dataset")
    return replace(RECIPES[dataset] if dataset in RECIPES else Recipe(dataset), **changes)


class Diagnosis(NamedTuple):
    """What ``TrainingRun.diagnose`` found: ``died`` (no amount of training can fix it) and why."""

    died: bool
    message: str


@dataclass
class TrainingRun:
    """What ``run_recipe`` made: the trained model, its History, and the data it saw."""

    recipe: Recipe
    model: MLP
    history: History
    train_data: tuple[list[Any], list[Any]]
    test_data: tuple[list[Any], list[Any]] | None

    @property
    def regression(self) -> bool:
        return DATASETS[self.recipe.dataset].classes == 0

    def measure(self, data: tuple[Sequence[Any], Sequence[Any]]) -> tuple[float, float | None]:
        """(loss, accuracy) of the trained model on ``data`` (accuracy None for regression).

        A compiled run measures with numpy too (the same numbers; 5,000 digits through 25,000
        weights would take a minute in pure Python).
        """
        if self.recipe.compiled:
            from .compiled import compile_loss

            X, y = data
            return compile_loss(self.model, self.recipe.loss_name, X, y).evaluate(X, y)
        return evaluate(self.model, self.recipe.loss_name, data)

    def summary(self, lang: str | None = None) -> str:
        """Three lines: the network and how it was trained, then how well it does (in ``lang``;
        None: the locale's language; the words are the catalogs' ``train.*``).

        ``moons: MLP 2-16-16-1 (relu), 337 parameters, 50 epochs of adam (lr 0.05), hinge loss``
        ``train: loss 0.0065, accuracy 100.0% on 75 points``
        ``test:  loss 0.0721, accuracy 96.0% on 25 points``
        """
        t = Translator(lang)
        r, model = self.recipe, self.model
        epochs = len(self.history)
        lines = [
            t(
                "train.summary.one" if epochs == 1 else "train.summary.many",
                dataset=r.dataset,
                sizes="-".join(str(n) for n in [model.nin, *model.nouts]),
                activation=r.activation,
                parameters=model.num_parameters(),
                count=epochs,
                optimizer=r.optimizer,
                lr=f"{r.learning_rate:g}",
                loss=_loss_name(t, r.loss_name),
            )
        ]
        for key, data in (
            ("train.summary.train", self.train_data),
            ("train.summary.test", self.test_data),
        ):
            if data is not None:
                loss, acc = self.measure(data)
                score = "" if acc is None else t("train.summary.accuracy", accuracy=f"{acc:.1%}")
                lines.append(t(key, loss=f"{loss:.4f}", score=score, count=len(data[0])))
        return "\n".join(lines)

    def diagnose(self, lang: str | None = None) -> Diagnosis | None:
        """None when the model learned something; otherwise what went wrong and why.

        A classifier learned nothing when it does no better on its training points than always
        answering the most common class; a regression, when it does no better than always
        answering the mean target. If most hidden ReLUs are dead (or a whole layer of them) the
        run *died*: a dead ReLU outputs 0 for every input, so it passes no gradient back and the
        weights before it stop moving — more epochs cannot help. Otherwise it has not learned
        *yet*: a different learning rate or more epochs may. The message is in ``lang`` (None: the
        locale's language).
        """
        t = Translator(lang)
        y = self.train_data[1]
        loss, acc = self.measure(self.train_data)
        if acc is not None:
            chance = max(y.count(label) for label in set(y)) / len(y)
            if acc > chance:
                return None
            failure = t("train.failure.classes", accuracy=f"{acc:.1%}", chance=f"{chance:.1%}")
        else:
            mean = sums.mean(y)
            with no_grad():
                constant = resolve_loss(self.recipe.loss_name)([Value(mean)] * len(y), y).data
            if loss < constant:
                return None
            failure = t("train.failure.mean", loss=f"{loss:.4f}", constant=f"{constant:.4f}")
        lr = f"{self.recipe.learning_rate:g}"
        dead = self.dead_relus()
        if dead is not None and (dead[0] >= 0.5 or 1.0 in dead[1].values()):
            layers = ", ".join(f"{name} {fraction:.0%}" for name, fraction in dead[1].items())
            amount = t("train.dead.most" if dead[0] >= 0.5 else "train.dead.layer")
            return Diagnosis(
                True,
                t(
                    "train.died",
                    failure=failure,
                    amount=amount,
                    fraction=f"{dead[0]:.0%}",
                    layers=layers,
                    lr=lr,
                ),
            )
        return Diagnosis(False, t("train.not_yet", failure=failure, lr=lr))

    def dead_relus(self) -> tuple[float, dict[str, float]] | None:
        """(fraction of all hidden ReLUs, {layer: fraction}) that were dead at the last epoch;
        None when the hidden layers are not ReLU."""
        if self.recipe.activation != "relu" or not self.history.dead_relu_fraction:
            return None
        last = self.history.dead_relu_fraction[-1]
        hidden = self.model.layers[:-1]
        fractions = {f"layer{i}": last[f"layer{i}"] for i in range(1, len(hidden) + 1)}
        widths = [layer.nout for layer in hidden]
        overall = math.fsum(f * w for f, w in zip(fractions.values(), widths)) / sum(widths)
        return overall, fractions


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}" if n == 1 else f"{n} {thing}s"


def run_recipe(recipe: Recipe, progress: bool = True) -> TrainingRun:
    """Make the data, split it, build the network and ``fit`` it, as ``recipe`` says."""
    entry = DATASETS[recipe.dataset]
    loss = _losses.LOSSES[recipe.loss_name]
    X, y = entry.make(recipe.samples or entry.samples, recipe.seed)
    test_data = None
    if recipe.test_split:
        X, X_test, y, y_test = train_test_split(X, y, recipe.test_split, seed=recipe.seed)
        test_data = (X_test, y_test)
    outputs = recipe.outputs
    model = MLP(
        len(X[0]),
        [*recipe.layers, outputs],
        activation=recipe.activation,
        output_activation="sigmoid" if loss.output == "probability" else None,
        seed=recipe.seed,
        dropout=recipe.dropout,
        init=recipe.init,
    )
    optimizer = OPTIMIZERS[recipe.optimizer].build(
        model.parameters(), recipe.learning_rate, recipe.decay
    )
    history = fit(
        model,
        recipe.loss_name,
        optimizer,
        (X, y),
        recipe.epochs,
        recipe.batch_size,
        clip_grad_norm=recipe.clip,
        seed=recipe.seed,
        progress=progress,
        compiled=recipe.compiled,
    )
    return TrainingRun(recipe, model, history, (X, y), test_data)


def _loss_name(t: Translator, name: str) -> str:
    """A loss's name in t's language (「交叉熵（cross_entropy）」), the name of a loss of your own
    as it is."""
    key = f"loss.name.{name}"
    return t(key) if key in t.catalog else name
