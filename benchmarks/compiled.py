"""Compiled mode against PyTorch (CPU) and against the scalar engine, in the same run.

Workloads (float64 unless said; one BLAS/torch thread for both, see below):

* moons step: MLP 2-16-16-1 (ReLU), batch 100, mean hinge loss, forward + backward + Adam
* MNIST-sized step: MLP 784-32-10 (ReLU), batch 100, softmax cross-entropy, + Adam
  (torch float64 and float32), and the same step in the scalar engine
* trace + compile of 784-128-10
* one ``fit(..., compiled=True)`` epoch on the 5,000 MNIST digits of ``load_digits`` (28×28),
  batch 100, against torch doing the same epoch (shuffle, batches, Adam, accuracy)
* cost per step as the batch (10 … 10,000) and the hidden width (16 … 256) grow

Timing: the two sides run interleaved, in rounds; each round times a block of steps and the
figure is the median over rounds of the time per step (the machine is shared: medians, and the
ratios come from the same rounds). Both use one thread: numpy's OpenBLAS is limited to one in
compiled mode (``microgradpp.compiled.one_blas_thread``) and torch gets ``set_num_threads(1)``.

    .venv/bin/python benchmarks/compiled.py            # everything (a few minutes)
    .venv/bin/python benchmarks/compiled.py --quick    # fewer rounds, no scalar step
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from microgradpp.compiled import compile_loss, one_blas_thread
from microgradpp.nn import MLP
from microgradpp.optim import Adam
from microgradpp.train import fit

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None


def per_step(step: Callable[[], object], steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps


def compare(sides: dict[str, Callable[[], object]], steps: int, rounds: int) -> dict[str, float]:
    """Median time per step of each side, the sides interleaved round by round."""
    for step in sides.values():
        step()  # warm-up
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(rounds):
        for name, step in sides.items():
            times[name].append(per_step(step, steps))
    return {name: statistics.median(t) for name, t in times.items()}


# -- the two sides of a training step ---------------------------------------------------------------


def compiled_step(nin: int, nouts: list[int], loss: str, X: np.ndarray, y: list) -> Callable:
    model = MLP(nin, nouts, init="he", seed=0)
    optimizer = Adam(model.parameters(), lr=1e-3)
    program = compile_loss(model, loss, X[:100], y[:100], parameters=optimizer.params)
    T = program.encode(y)
    state = optimizer.array_state()

    def step() -> None:
        program.run_batch(X, T)
        with one_blas_thread():
            program.P[:] = optimizer.step_arrays(program.P, program.grad, state)

    return step


def torch_step(nin: int, nouts: list[int], loss: str, X: np.ndarray, y: list, dtype) -> Callable:
    layers: list = []
    sizes = [nin, *nouts]
    for i in range(len(nouts)):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(nouts) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    Xt = torch.tensor(X, dtype=dtype)
    if loss == "hinge":
        yt = torch.tensor([1.0 if t else -1.0 for t in y], dtype=dtype)

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


def scalar_step(X: np.ndarray, y: list) -> Callable:
    from microgradpp.losses import cross_entropy

    model = MLP(784, [32, 10], init="he", seed=0)
    optimizer = Adam(model.parameters(), lr=1e-3)
    rows = X.tolist()

    def step() -> None:
        optimizer.zero_grad()
        cross_entropy(model.forward_batch(rows), y).backward()
        optimizer.step()

    return step


def row(name: str, ours: float, theirs: float, target: str = "") -> str:
    text = f"| {name} | {ours * 1e3:.3f} ms | {theirs * 1e3:.3f} ms | {ours / theirs:.2f}× |"
    return text + (f" {target} |" if target else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, no scalar step")
    args = parser.parse_args()
    rounds = 3 if args.quick else 7
    if torch is None:
        raise SystemExit("torch is needed: pip install torch (the CPU wheel)")
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    lines = []

    # moons step
    from microgradpp.data import make_moons

    Xm, ym = make_moons(100, noise=0.1, seed=0)
    Xm = np.array(Xm)
    t = compare(
        {
            "compiled": compiled_step(2, [16, 16, 1], "hinge", Xm, ym),
            "torch64": torch_step(2, [16, 16, 1], "hinge", Xm, ym, torch.float64),
        },
        steps=200,
        rounds=rounds,
    )
    lines.append("| workload | compiled | torch | ratio | target |")
    lines.append("|---|---|---|---|---|")
    lines.append(row("moons step 2-16-16-1, batch 100, Adam", t["compiled"], t["torch64"], "≤ 1×"))

    # MNIST-sized step
    X = rng.random((100, 784))
    y = rng.integers(0, 10, 100).tolist()
    sides = {
        "compiled": compiled_step(784, [32, 10], "cross_entropy", X, y),
        "torch64": torch_step(784, [32, 10], "cross_entropy", X, y, torch.float64),
        "torch32": torch_step(784, [32, 10], "cross_entropy", X, y, torch.float32),
    }
    t = compare(sides, steps=50, rounds=rounds)
    lines.append(row("784-32-10 CE step, batch 100 (torch float64)", t["compiled"], t["torch64"],
                     "≤ 1.5×"))  # fmt: skip
    lines.append(row("784-32-10 CE step, batch 100 (torch float32)", t["compiled"], t["torch32"]))
    compiled_mnist = t["compiled"]
    if not args.quick:
        scalar = statistics.median(per_step(scalar_step(X, y), 1) for _ in range(3))
        lines.append(
            f"| same step in the scalar engine | {scalar * 1e3:.0f} ms | | compiled is "
            f"{scalar / compiled_mnist:,.0f}× faster | ≥ 1,000× |"
        )

    # trace + compile
    model = MLP(784, [128, 10], init="he", seed=0)
    walls, cpus = [], []  # on a shared machine wall time also counts waiting for a CPU
    for _ in range(3):
        wall, cpu = time.perf_counter(), time.process_time()
        program = compile_loss(model, "cross_entropy", X, y)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    lines.append(
        f"| trace + compile 784-128-10 ({program.node_count:,} nodes → {len(program.ops)} "
        f"numpy operations) | {statistics.median(walls):.2f} s (CPU time "
        f"{statistics.median(cpus):.2f} s) | | | ≤ 2 s |"
    )

    # a fit epoch on 5,000 images
    try:  # the 5,000 real MNIST digits shipped with microgradpp, as numpy arrays
        from microgradpp.data import load_digits

        X_train, X_test, y_train, y_test = load_digits(450, 50, seed=0)
        X5, y5 = np.array(X_train + X_test), y_train + y_test
        images = "5,000 MNIST digits"
    except ImportError:  # an older microgradpp: random pixels take the same time
        X5, y5 = rng.random((5000, 784)), rng.integers(0, 10, 5000).tolist()
        images = "5,000 random 28×28 images"

    def our_epochs() -> list[float]:
        """Three epochs of fit(compiled=True): the first includes tracing and compiling."""
        stamps = [time.perf_counter()]
        model = MLP(784, [32, 10], init="he", seed=0)
        fit(model, "cross_entropy", Adam(model.parameters(), lr=1e-3), (X5, y5), 3, 100,
            progress=False, compiled=True,
            callback=lambda *_: stamps.append(time.perf_counter()))  # fmt: skip
        return [b - a for a, b in zip(stamps, stamps[1:])]

    def torch_epoch() -> float:
        start = time.perf_counter()
        model = torch.nn.Sequential(
            torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)
        ).double()
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        Xt, yt = torch.tensor(X5), torch.tensor(y5)
        order = torch.randperm(len(Xt))
        correct = 0
        for first in range(0, len(Xt), 100):
            idx = order[first : first + 100]
            optimizer.zero_grad()
            scores = model(Xt[idx])
            torch.nn.functional.cross_entropy(scores, yt[idx]).backward()
            optimizer.step()
            correct += int((scores.argmax(1) == yt[idx]).sum())
        return time.perf_counter() - start

    firsts, laters, torches = [], [], []
    for _ in range(max(3, rounds // 2)):
        epochs = our_epochs()
        firsts.append(epochs[0])
        laters.append(statistics.median(epochs[1:]))
        torches.append(torch_epoch())
    first, later, theirs = (statistics.median(t) for t in (firsts, laters, torches))
    lines.append(row(f"fit(compiled=True) epoch, {images}, 784-32-10, batch 100 (2nd, 3rd)",
                     later, theirs, "≤ 3×"))  # fmt: skip
    lines.append(row("same, 1st epoch (includes trace + compile)", first, theirs))

    # scaling
    lines.append("")
    lines.append("| 784-32-10 CE step, batch | compiled | torch float64 | ratio |")
    lines.append("|---|---|---|---|")
    for batch in (10, 100, 1000, 10000):
        Xb = rng.random((batch, 784))
        yb = rng.integers(0, 10, batch).tolist()
        steps = max(2, 2000 // batch)
        t = compare(
            {
                "compiled": compiled_step(784, [32, 10], "cross_entropy", Xb, yb),
                "torch64": torch_step(784, [32, 10], "cross_entropy", Xb, yb, torch.float64),
            },
            steps=steps,
            rounds=max(3, rounds // 2),
        )
        lines.append(row(f"{batch:,}", t["compiled"], t["torch64"]))
    lines.append("")
    lines.append("| 784-h-10 CE step, batch 100, width h | compiled | torch float64 | ratio |")
    lines.append("|---|---|---|---|")
    for width in (16, 32, 64, 128, 256):
        t = compare(
            {
                "compiled": compiled_step(784, [width, 10], "cross_entropy", X, y),
                "torch64": torch_step(784, [width, 10], "cross_entropy", X, y, torch.float64),
            },
            steps=30,
            rounds=max(3, rounds // 2),
        )
        lines.append(row(f"{width}", t["compiled"], t["torch64"]))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
