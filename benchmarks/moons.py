"""Training-step time on micrograd's demo workload: microgradpp against micrograd 0.1.0.

The workload (micrograd's demo.ipynb): MLP(2, [16, 16, 1]) with ReLU, 100 two-moons points,
full batch, loss = mean hinge + 1e-4 · Σ p², SGD with lr = 1 − 0.9·k/100.

Each library runs in a fresh subprocess with the garbage collector on (the default), the same
data and the same initial weights (``random.seed(1337)`` before building the MLP: both draw
U(-1, 1) weights in the same order), so both also print the same losses. One warm-up step, then
the median of the timed steps.

    .venv/bin/python benchmarks/moons.py                 # both, and the ratio
    .venv/bin/python benchmarks/moons.py --steps 50 --micrograd-steps 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

N_POINTS, NOISE, DATA_SEED, WEIGHT_SEED, ALPHA = 100, 0.1, 0, 1337, 1e-4


def _data() -> tuple[list[list[float]], list[int]]:
    from microgradpp.data import make_moons

    return make_moons(N_POINTS, noise=NOISE, seed=DATA_SEED)


def run_microgradpp(steps: int, collector: bool = True, paused: bool = False) -> dict:
    """``steps`` timed steps after a warm-up; ``paused``: each step inside gc_paused(), as fit()."""
    import contextlib
    import gc
    import random

    from microgradpp import gc_paused
    from microgradpp.losses import hinge, l2_penalty
    from microgradpp.nn import MLP
    from microgradpp.optim import SGD, LinearLR

    X, y = _data()
    random.seed(WEIGHT_SEED)
    model = MLP(2, [16, 16, 1])  # seed=None: Python's global generator, as micrograd
    params = model.parameters()
    optimizer = SGD(params, lr=1.0)
    schedule = LinearLR(optimizer, start_factor=1.0, end_factor=0.1, total_iters=100)
    times, cpu, thread_cpu, losses = [], [], [], []
    if not collector:
        gc.disable()
    for _ in range(steps + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        start_thread = time.thread_time()
        with gc_paused() if paused else contextlib.nullcontext():
            optimizer.zero_grad()
            scores = model.forward_batch(X)
            loss = hinge(scores, y) + ALPHA * l2_penalty(params)
            loss.backward()
            optimizer.step()
            schedule.step()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        thread_cpu.append(time.thread_time() - start_thread)
        losses.append(loss.data)
    return {"times": times[1:], "cpu": cpu[1:], "thread_cpu": thread_cpu[1:], "losses": losses}


def run_micrograd(steps: int, collector: bool = True, compat: bool = False) -> dict:
    """micrograd's demo loop; with compat=True on microgradpp.micrograd (only the imports change)."""
    import gc
    import random

    sys.setrecursionlimit(100_000)  # micrograd's recursive topological sort needs it
    if compat:
        from microgradpp.micrograd.engine import Value
        from microgradpp.micrograd.nn import MLP
    else:
        from micrograd.engine import Value
        from micrograd.nn import MLP

    X, y = _data()
    y = [2 * label - 1 for label in y]  # micrograd's demo uses labels -1/+1
    random.seed(WEIGHT_SEED)
    model = MLP(2, [16, 16, 1])
    times, cpu, thread_cpu, losses = [], [], [], []
    if not collector:
        gc.disable()
    for k in range(steps + 1):
        start, start_cpu = time.perf_counter(), time.process_time()
        start_thread = time.thread_time()
        # --- as in micrograd's demo.ipynb ---
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        hinge = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(hinge) * (1.0 / len(hinge))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        thread_cpu.append(time.thread_time() - start_thread)
        losses.append(total_loss.data)
    return {"times": times[1:], "cpu": cpu[1:], "thread_cpu": thread_cpu[1:], "losses": losses}


def _in_subprocess(library: str, steps: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", library, "--steps", str(steps)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{library} run failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="timed microgradpp steps")
    parser.add_argument("--micrograd-steps", type=int, default=5, help="timed micrograd steps")
    parser.add_argument(
        "--child", choices=["microgradpp", "micrograd", "compat"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        if args.child == "microgradpp":
            print(json.dumps(run_microgradpp(args.steps)))
        else:
            print(json.dumps(run_micrograd(args.steps, compat=args.child == "compat")))
        return

    print("workload: MLP(2, [16, 16, 1]), 100 moons points, hinge + 1e-4·L2, SGD lr = 1 - 0.9k/100")
    print(
        "median per training step, gc on; wall clock and CPU time (CPU time is steadier on a busy machine)"
    )
    ours = _in_subprocess("microgradpp", args.steps)
    ours_ms = [1000 * statistics.median(ours[key]) for key in ("times", "cpu")]
    print(
        f"microgradpp  {ours_ms[0]:8.1f} ms wall  {ours_ms[1]:8.1f} ms CPU   ({args.steps} steps)"
    )
    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("micrograd is not installed (pip install micrograd==0.1.0): no ratio")
        return
    theirs = _in_subprocess("micrograd", args.micrograd_steps)
    theirs_ms = [1000 * statistics.median(theirs[key]) for key in ("times", "cpu")]
    print(
        f"micrograd    {theirs_ms[0]:8.1f} ms wall  {theirs_ms[1]:8.1f} ms CPU   "
        f"({args.micrograd_steps} steps)"
    )
    print(
        f"ratio        {theirs_ms[0] / ours_ms[0]:8.1f}x wall  {theirs_ms[1] / ours_ms[1]:8.1f}x CPU    "
        "faster per training step (target >= 50x)"
    )
    n = min(len(ours["losses"]), len(theirs["losses"]))
    gap = max(abs(a - b) for a, b in zip(ours["losses"][:n], theirs["losses"][:n]))
    print(f"same losses over the first {n} steps: largest difference {gap:.3g}")
    compat = _in_subprocess("compat", args.micrograd_steps)
    compat_ms = [1000 * statistics.median(compat[key]) for key in ("times", "cpu")]
    same = compat["losses"] == theirs["losses"][: len(compat["losses"])]
    print(
        f"micrograd's demo code on microgradpp.micrograd: {compat_ms[0]:.1f} ms wall  "
        f"{compat_ms[1]:.1f} ms CPU  ({theirs_ms[1] / compat_ms[1]:.1f}x micrograd's CPU time; "
        f"{'the same losses as micrograd, bit for bit' if same else 'losses differ'})"
    )


if __name__ == "__main__":
    main()
