"""How close compiled training comes to the scalar engine's, over random small fits.

Each case draws a network (2 inputs, 1–2 hidden layers of 2–12 units, relu/tanh/sigmoid), a data
set and loss (moons + hinge or binary_cross_entropy_with_logits, spiral + cross_entropy, a
regression + mse), an optimizer (SGD, momentum, RMSprop, Adam, AdamW), a batch size and 5 epochs,
trains it once with ``fit`` and once with ``fit(..., compiled=True)`` and compares the weights:
the largest difference max |aᵢ − bᵢ| relative to the largest weight max |aᵢ| (a weight near 0 is
measured against the size of the weights, not against itself).

    .venv/bin/python benchmarks/agreement.py            # 200 cases
    .venv/bin/python benchmarks/agreement.py --cases 50
"""

from __future__ import annotations

import argparse
import random
import statistics

from microgradpp.data import make_moons, make_spiral
from microgradpp.nn import MLP
from microgradpp.optim import SGD, Adam, AdamW, RMSprop
from microgradpp.train import fit

OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.1),
    "momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9),
    "rmsprop": lambda ps: RMSprop(ps, lr=0.01),
    "adam": lambda ps: Adam(ps, lr=0.02),
    "adamw": lambda ps: AdamW(ps, lr=0.02),
}


def case(rng: random.Random, epochs: int) -> tuple[str, str, float, bool]:
    kind = rng.choice(["hinge", "bce_logits", "cross_entropy", "mse"])
    seed = rng.randrange(10**6)
    if kind == "cross_entropy":
        X, y = make_spiral(30, classes=3, seed=seed)
        loss, outputs = "cross_entropy", 3
    else:
        X, y = make_moons(30, 0.1, seed=seed)
        outputs = 1
        loss = {"hinge": "hinge", "bce_logits": "binary_cross_entropy_with_logits"}.get(kind, "mse")
        if loss == "mse":
            y = [float(t) * 2.0 - 0.5 for t in y]
    hidden = [rng.randrange(2, 13) for _ in range(rng.randrange(1, 3))]
    activation = rng.choice(["relu", "tanh", "sigmoid"])
    optimizer = rng.choice(sorted(OPTIMIZERS))
    batch = rng.choice([5, 10, 30])
    weights = []
    for compiled in (False, True):
        model = MLP(2, [*hidden, outputs], activation=activation, seed=seed)
        fit(model, loss, OPTIMIZERS[optimizer](model.parameters()), (X, y), epochs, batch,
            progress=False, compiled=compiled)  # fmt: skip
        weights.append([p.data for p in model.parameters()])
    a, b = weights
    scale = max(map(abs, a))  # the weights' size: a weight near 0 is compared with it
    worst = max(abs(x - z) for x, z in zip(a, b)) / scale
    return optimizer, f"{kind} {hidden} {activation} b{batch}", worst, a == b


def symmetric_case() -> None:
    """A weight whose gradient is 0 up to rounding: w·x with x = 0.1, 0.2, −0.3 (Σx = 0) and the
    same target for all three. The two modes round Σ differently (−1.4e-17 and −3.0e-17); SGD
    moves w by lr times that, Adam divides by √v̂ and takes a real step in a direction noise chose."""
    X, y = [[0.1], [0.2], [-0.3]], [1.0, 1.0, 1.0]
    for name in ("sgd", "adam"):
        ws = []
        for compiled in (False, True):
            model = MLP(1, [1], activation="linear", seed=0)
            model.layers[0].neurons[0].w[0].data = 0.0
            optimizer = {"sgd": SGD, "adam": Adam}[name](model.parameters(), lr=0.01)
            fit(model, "mse", optimizer, (X, y), 3, None, shuffle=False, progress=False,
                compiled=compiled)  # fmt: skip
            ws.append(model.layers[0].neurons[0].w[0].data)
        print(f"  symmetric case, {name}: w = {ws[0]!r} (scalar), {ws[1]!r} (compiled)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results = [case(rng, args.epochs) for _ in range(args.cases)]
    worst = [r[2] for r in results]
    print(
        f"{len(results)} random fits ({args.epochs} epochs each), largest weight difference / largest weight:"
    )
    print(f"  median {statistics.median(worst):.1e}, worst {max(worst):.1e}")
    for limit in (1e-12, 1e-9, 1e-6):
        print(f"  within {limit:.0e}: {sum(w <= limit for w in worst)}")
    print(f"  bit-identical weights: {sum(r[3] for r in results)}")
    for name in sorted(OPTIMIZERS):
        mine = [r[2] for r in results if r[0] == name]
        if mine:
            print(f"  {name:9s} {len(mine):3d} fits: worst {max(mine):.1e}")
    for optimizer, label, w, _ in sorted(results, key=lambda r: -r[2])[:3]:
        print(f"  worst: {optimizer} {label}: {w:.1e}")
    symmetric_case()


if __name__ == "__main__":
    main()
