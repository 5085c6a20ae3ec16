"""Compiled mode against its floor (the same step written by hand in numpy), jax.jit (where
installed) and PyTorch (CPU), in the same run.

Compiled mode replays numpy operations, so the fastest it can be is the training step written by
hand in numpy. Four step workloads (float64, forward + backward + Adam, batch given as arrays):

* moons 2-16-16-1 (ReLU), batch 100, mean hinge loss
* 784-32-10 (ReLU), batch 100, softmax cross-entropy
* 784-128-10, batch 100, and batch 1,000

and one whole epoch of ``fit(..., compiled=True)``: 784-128-10, 3,000 samples given as Python
lists, batch 100, Adam, against the same epoch written by hand in numpy (shuffle, batches, step,
accuracy). An epoch costs (time of 3 epochs − time of 1 epoch) / 2, so converting the data and
compiling (once per fit) are not counted. That difference is small beside a fit's setup (≈ 55 ms
against ≈ 0.85 s, mostly Python: checking 3,000 samples, converting them, tracing), whose own
noise on a shared machine swings single rounds from 20 to 80 ms: the epoch figures take twice
as many rounds, each measurement starting after ``gc.collect()`` (no garbage left over from the
one before, for either side).

Timing: CPU time (``time.process_time``: on a shared machine wall time also counts waiting for a
CPU); the sides run interleaved, in rounds; each figure is the median over rounds, and the ratios
compare figures of the same run. One thread each: numpy's OpenBLAS through
``microgradpp.compiled.one_blas_thread`` (around the whole run), ``torch.set_num_threads(1)``,
XLA's CPU client with one thread.

    .venv/bin/python benchmarks/compiled.py            # everything (a few minutes)
    .venv/bin/python benchmarks/compiled.py --quick    # fewer rounds

On a machine where OPENBLAS_CORETYPE is set (see the environment notes), numpy runs an older
kernel; unset it (and OPENBLAS_L2_SIZE) for the benchmark command alone.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault(
    "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
)

import numpy as np  # noqa: E402

from microgradpp.compiled import compile_loss, one_blas_thread  # noqa: E402
from microgradpp.compiled.blas import blas_threads  # noqa: E402
from microgradpp.nn import MLP  # noqa: E402
from microgradpp.optim import Adam  # noqa: E402
from microgradpp.train import fit  # noqa: E402

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None
try:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
except ImportError:  # pragma: no cover
    jax = None

LR, BETAS, EPS = 1e-3, (0.9, 0.999), 1e-8


def per_step(step: Callable[[], object], steps: int) -> float:
    """CPU time per step (the process's, all its threads): on a shared machine wall time also
    counts waiting for a CPU."""
    start = time.process_time()
    for _ in range(steps):
        step()
    return (time.process_time() - start) / steps


def compare(sides: dict[str, Callable[[], object]], steps: int, rounds: int) -> dict[str, float]:
    """Median time per step of each side, the sides interleaved round by round."""
    for step in sides.values():
        for _ in range(3):
            step()  # warm-up (jax compiles here)
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, step in sides.items():
            times[name].append(per_step(step, steps))
    return {name: statistics.median(t) for name, t in times.items()}


def weights(sizes: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
    """He-initialised (W: out × in, b) per layer, from one seed (every side starts from these)."""
    rng = np.random.default_rng(0)
    return [
        (rng.normal(0.0, (2.0 / n) ** 0.5, (m, n)), np.zeros(m)) for n, m in zip(sizes, sizes[1:])
    ]


# -- compiled mode ----------------------------------------------------------------------------------


def compiled_step(sizes: list[int], loss: str, X: np.ndarray, y: list) -> Callable:
    """One step as fit(compiled=True) takes it: load the batch, run the program, Adam on arrays."""
    model = MLP(sizes[0], sizes[1:], init="he", seed=0)
    optimizer = Adam(model.parameters(), lr=LR)
    program = compile_loss(model, loss, X, y, parameters=optimizer.params)
    T = program.encode(y)
    state = optimizer.array_state()

    def step() -> None:
        program.load(X, T)
        program.run_loaded()
        program.P[:] = optimizer.step_arrays(program.P, program.gP, state)

    return step


# -- the floor: the step written by hand in numpy -----------------------------------------------------


class NumpyMLP:
    """An MLP (ReLU hidden layers, linear output) trained by hand: forward, backward, Adam."""

    def __init__(self, sizes: list[int], loss: str) -> None:
        self.params = [a for W, b in weights(sizes) for a in (W, b)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t, self.loss = 0, loss

    def step(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """One Adam step on the batch (X: B × inputs, Y: ±1 labels or one-hot); the scores."""
        params, B = self.params, len(X)
        layers = len(params) // 2
        A, Zs = [X], []
        for i in range(layers):
            Z = A[-1] @ params[2 * i].T + params[2 * i + 1]
            Zs.append(Z)
            A.append(np.maximum(Z, 0.0) if i < layers - 1 else Z)
        S = A[-1]
        if self.loss == "hinge":  # mean relu(1 − y·s)
            dZ = np.where(1.0 - Y * S > 0.0, -Y, 0.0) / B
        else:  # softmax cross-entropy: (softmax − onehot) / B
            E = np.exp(S - S.max(axis=1, keepdims=True))
            dZ = (E / E.sum(axis=1, keepdims=True) - Y) / B
        grads = [None] * len(params)
        for i in reversed(range(layers)):
            grads[2 * i] = dZ.T @ A[i]
            grads[2 * i + 1] = dZ.sum(axis=0)
            if i:
                dZ = (dZ @ params[2 * i]) * (Zs[i - 1] > 0.0)
        self.t += 1
        c1, c2 = 1.0 - BETAS[0] ** self.t, 1.0 - BETAS[1] ** self.t
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= BETAS[0]
            m += (1.0 - BETAS[0]) * g
            v *= BETAS[1]
            v += (1.0 - BETAS[1]) * (g * g)
            p -= LR * (m / c1) / (np.sqrt(v / c2) + EPS)
        return S


def targets(loss: str, y: list, classes: int) -> np.ndarray:
    if loss == "hinge":
        return np.array([[1.0 if t else -1.0] for t in y])
    return np.eye(classes)[y]


def numpy_step(sizes: list[int], loss: str, X: np.ndarray, y: list) -> Callable:
    net, Y = NumpyMLP(sizes, loss), targets(loss, y, sizes[-1])
    return lambda: net.step(X, Y)


# -- jax.jit -----------------------------------------------------------------------------------------


def jax_step(sizes: list[int], loss: str, X: np.ndarray, y: list) -> Callable:
    def loss_fn(params, X, Y):
        A = X
        for i, (W, b) in enumerate(params):
            A = A @ W.T + b
            if i < len(params) - 1:
                A = jnp.maximum(A, 0.0)
        if loss == "hinge":
            return jnp.maximum(1.0 - Y * A, 0.0).mean()
        return (jax.nn.logsumexp(A, axis=1) - (A * Y).sum(axis=1)).mean()

    @jax.jit
    def step(params, m, v, t, X, Y):
        grads = jax.grad(loss_fn)(params, X, Y)
        t = t + 1
        c1, c2 = 1.0 - BETAS[0] ** t, 1.0 - BETAS[1] ** t
        m = jax.tree_util.tree_map(lambda m, g: BETAS[0] * m + (1 - BETAS[0]) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: BETAS[1] * v + (1 - BETAS[1]) * g * g, v, grads)
        params = jax.tree_util.tree_map(
            lambda p, m, v: p - LR * (m / c1) / (jnp.sqrt(v / c2) + EPS), params, m, v
        )
        return params, m, v, t

    params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in weights(sizes)]
    state = [params, jax.tree_util.tree_map(jnp.zeros_like, params), None, 0]
    state[2] = jax.tree_util.tree_map(jnp.zeros_like, params)
    Xj, Yj = jnp.asarray(X), jnp.asarray(targets(loss, y, sizes[-1]))

    def run() -> None:
        state[:] = step(*state, Xj, Yj)
        jax.block_until_ready(state[0])

    return run


# -- PyTorch ------------------------------------------------------------------------------------------


def torch_step(sizes: list[int], loss: str, X: np.ndarray, y: list) -> Callable:
    layers: list = []
    for i, (W, b) in enumerate(weights(sizes)):
        linear = torch.nn.Linear(W.shape[1], W.shape[0]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    Xt = torch.from_numpy(X)
    if loss == "hinge":
        yt = torch.tensor([1.0 if t else -1.0 for t in y], dtype=torch.float64)

        def loss_fn(scores):
            return torch.relu(1 - yt * scores[:, 0]).mean()
    else:
        yt = torch.tensor(y)

        def loss_fn(scores):
            return torch.nn.functional.cross_entropy(scores, yt)

    def step() -> None:
        optimizer.zero_grad()
        loss_fn(model(Xt)).backward()
        optimizer.step()

    return step


# -- a whole epoch --------------------------------------------------------------------------------------


def fit_epochs(X: list, y: list, epochs: int) -> float:
    """CPU time of fit(compiled=True) for this many epochs (784-128-10, batch 100, Adam); the
    model is made before the clock starts."""
    model = MLP(784, [128, 10], init="he", seed=0)
    gc.collect()
    start = time.process_time()
    fit(model, "cross_entropy", Adam(model.parameters(), lr=LR), (X, y), epochs, 100,
        progress=False, compiled=True)  # fmt: skip
    return time.process_time() - start


def numpy_epochs(X: list, y: list, epochs: int) -> float:
    """The same by hand in numpy: convert the lists, then per epoch shuffle, batches, steps and
    the accuracy of each batch's scores."""
    gc.collect()
    start = time.process_time()
    Xa, labels = np.asarray(X, dtype=float), np.asarray(y)
    Y = np.eye(10)[labels]
    net, rng = NumpyMLP([784, 128, 10], "cross_entropy"), np.random.default_rng(0)
    for _ in range(epochs):
        order, correct = rng.permutation(len(Xa)), 0
        for first in range(0, len(Xa), 100):
            idx = order[first : first + 100]
            scores = net.step(Xa[idx], Y[idx])
            correct += int((scores.argmax(axis=1) == labels[idx]).sum())
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    rounds = 5 if args.quick else 11
    if torch is not None:
        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    from microgradpp.data import make_moons

    Xm, ym = make_moons(100, noise=0.1, seed=0)
    X100, y100 = rng.random((100, 784)), rng.integers(0, 10, 100).tolist()
    X1000, y1000 = rng.random((1000, 784)), rng.integers(0, 10, 1000).tolist()
    workloads = [
        ("moons 2-16-16-1, batch 100, hinge", [2, 16, 16, 1], "hinge", np.array(Xm), ym, 300),
        ("784-32-10, batch 100, cross-entropy", [784, 32, 10], "cross_entropy", X100, y100, 100),
        ("784-128-10, batch 100", [784, 128, 10], "cross_entropy", X100, y100, 40),
        ("784-128-10, batch 1,000", [784, 128, 10], "cross_entropy", X1000, y1000, 8),
    ]
    kinds = {"compiled": compiled_step, "numpy": numpy_step}
    if jax is not None:
        kinds["jax.jit"] = jax_step
    if torch is not None:
        kinds["torch"] = torch_step
    names = list(kinds)
    lines = [
        "| step (Adam, float64) | " + " | ".join(names) + " | compiled / numpy | goal |",
        "|---|" + "---|" * len(names) + "---|---|",
    ]
    with one_blas_thread():
        print(f"OpenBLAS threads: {blas_threads()}; OPENBLAS_CORETYPE="
              f"{os.environ.get('OPENBLAS_CORETYPE')!r}")  # fmt: skip
        for label, sizes, loss, X, y, steps in workloads:
            sides = {name: make(sizes, loss, X, y) for name, make in kinds.items()}
            t = compare(sides, steps, rounds)
            cells = " | ".join(f"{t[name] * 1e3:.3f} ms" for name in names)
            lines.append(f"| {label} | {cells} | {t['compiled'] / t['numpy']:.2f}× | ≤ 1.2× |")
            print(lines[-1], flush=True)
        # the epoch: 3,000 samples as Python lists
        from microgradpp.data import load_digits

        X_train, _, y_train, _ = load_digits(300, 1, seed=0)  # 300 per class: 3,000 samples
        Xl, yl = X_train, y_train
        ours, floor = [], []
        for _ in range(2 * rounds + 1):  # (see the docstring: a small difference of big times)
            ours.append((fit_epochs(Xl, yl, 3) - fit_epochs(Xl, yl, 1)) / 2)
            floor.append((numpy_epochs(Xl, yl, 3) - numpy_epochs(Xl, yl, 1)) / 2)
        a, b = statistics.median(ours), statistics.median(floor)
        lines.append("")
        lines.append("| epoch (CPU time) | fit(compiled=True) | numpy by hand | ratio | goal |")
        lines.append("|---|---|---|---|---|")
        lines.append(
            f"| 784-128-10, {len(Xl):,} samples as lists, batch 100, Adam | {a * 1e3:.1f} ms | "
            f"{b * 1e3:.1f} ms | {a / b:.2f}× | ≤ 1.3× |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
