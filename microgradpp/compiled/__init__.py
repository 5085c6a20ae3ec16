"""Compiled mode: the scalar graph of ONE sample, replayed over a whole batch with numpy.

How do real frameworks make training fast? Not with a different kind of math: with the same graph,
run on many samples at once. This package shows it with the graph microgradpp already builds, one
module per step:

1. ``trace``: run the normal engine on one sample, the inputs and the target as leaf Values. While
   tracing, a number that depends on the sample cannot be read (it could choose the graph).
2. ``schedule``: give every node a level (its depth); nodes of one level with the same gate and
   kinds of inputs become one numpy operation — a layer of neurons one matrix product.
3. ``ops``: each operation's forward and backward over the batch (each gate's numpy form in
   ``gates.py``, beside its scalar form): the chain rule of ``backward()`` on vectors. A training
   run replays a named loss's nodes as one fused operation (cross-entropy's backward is
   softmax − t), the fast form beside the traced one.
4. ``program``: a ``Program`` runs them (``compile_loss`` makes one); ``losses`` are the named
   losses traced with target leaves; ``fit`` is the part of ``train.fit`` that differs (how a
   batch's loss and gradients are computed and where the parameters live); ``blas`` keeps
   OpenBLAS on one thread while it runs.

It refuses, with a ``CompiledError``, what one traced graph cannot represent: a graph that changes
with the sample (reading a sample's number while tracing; two traced samples that differ),
integer targets fed to a custom loss, BatchNorm in training mode (it couples the samples) and
active Dropout (the traced mask would be frozen). A value that is not finite makes it re-run the
batch through the scalar engine, which raises the exact ``GateError`` naming the node.

    >>> from microgradpp.nn import MLP
    >>> from microgradpp.data import make_moons
    >>> X, y = make_moons(100, noise=0.1, seed=0)
    >>> model = MLP(2, [16, 16, 1], seed=0)
    >>> program = compile_loss(model, "hinge", X, y)
    >>> loss = program.run(X, y)              # forward + backward over all 100 samples at once
    >>> program.show_sample(3)                # sample 3's values and gradients in the traced graph

numpy is an optional extra: ``pip install 'microgradpp[fast]'``.
"""

try:
    import numpy  # noqa: F401  (checked first: every module below needs it)
except ImportError:  # pragma: no cover - depends on the environment
    from ..i18n import error

    raise error(ModuleNotFoundError, "compiled.needs_numpy") from None

from .blas import one_blas_thread
from .fit import CompiledSteps
from .program import Program, accuracy, compile_loss, predict
from .trace import Trace

__all__ = [
    "CompiledSteps",
    "Program",
    "Trace",
    "accuracy",
    "compile_loss",
    "one_blas_thread",
    "predict",
]
