"""The engine's own speed before and after a change: two git revisions, measured in the same run.

    .venv/bin/python benchmarks/before_after.py 34c6775 b2c839e          # 7 rounds
    .venv/bin/python benchmarks/before_after.py main HEAD --rounds 9

benchmarks/engine.py compares microgradpp with micrograd; this compares microgradpp with itself.
Each revision is exported (``git archive``) into a temporary folder, and each round runs one fresh
worker process per revision, in alternating order, so that a change in the machine's load hits both
alike. A worker builds engine.py's graphs (``build_tree``, ``build_mlp``, its a·b pool) with its
revision's ``Value`` and times, in CPU time of its thread, the best of 5 plain ``backward()`` calls
on each graph (collector off) and the best of 3 builds of 200,000 a·b nodes (collector on). The
table shows the medians over the rounds and the median ratio before/after (> 1: after is faster),
with its range. Nothing is written; paste the table into benchmarks/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIGURES = {
    "backward_tree": "backward(), balanced tree (65,535 ×)",
    "backward_mlp": "backward(), gate-level MLP (~98k + ×)",
    "create_mul": "create a·b, 200k kept alive",
}

WORKER = r"""
import gc, json, sys, time
sys.path.insert(0, sys.argv[2])  # benchmarks/ of the tree running this script: the same graphs
import engine as bench
import microgradpp
assert microgradpp.__file__.startswith(sys.argv[1]), microgradpp.__file__
from microgradpp import Value

clock = time.thread_time_ns
result = {}
for name, build in (
    ("backward_tree", lambda: bench.build_tree(Value, bench.TREE_LEAVES)),
    ("backward_mlp", lambda: bench.build_mlp(Value)),
):
    root, times = build(), []
    for _ in range(5):
        gc.collect()
        gc.disable()
        start = clock()
        root.backward()
        times.append((clock() - start) / 1e6)
        gc.enable()
    result[name] = min(times)
pool = bench.leaves(Value, bench.POOL, -1.0, 1.0, seed=0)
pairs = bench.operand_pairs(bench.CREATE_NODES)
times = []
for _ in range(3):
    gc.collect()
    start = clock()
    graph = [pool[i] * pool[j] for i, j in pairs]
    times.append((clock() - start) / 1e6)
    del graph
result["create_mul"] = min(times)
print(json.dumps(result))
"""


def export(revision: str, into: Path) -> Path:
    """The revision's files (git archive), in a folder of its own."""
    folder = into / revision.replace("/", "_")
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", revision, "microgradpp"],
        check=True,
        capture_output=True,
    ).stdout
    tar_path = into / f"{folder.name}.tar"
    tar_path.write_bytes(archive)
    with tarfile.open(tar_path) as tar:
        tar.extractall(folder, filter="data")
    return folder


def measure(folder: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, "-c", WORKER, str(folder), str(HERE)],
        env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
        cwd=folder,  # not the checkout: its microgradpp must not come first
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="a git revision (commit, branch, tag)")
    parser.add_argument("after", help="a git revision")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folders = {name: export(name, Path(scratch)) for name in (args.before, args.after)}
        times: dict[str, dict[str, list[float]]] = {name: {} for name in folders}
        for round_number in range(args.rounds):
            order = list(folders) if round_number % 2 == 0 else list(reversed(folders))
            for name in order:
                for figure, ms in measure(folders[name]).items():
                    times[name].setdefault(figure, []).append(ms)
    before, after = times[args.before], times[args.after]
    print(f"| figure | {args.before} | {args.after} | before/after, median (range) |")
    print("|---|---:|---:|---:|")
    for figure, label in FIGURES.items():
        ratios = [b / a for b, a in zip(before[figure], after[figure])]
        print(
            f"| {label} | {statistics.median(before[figure]):.1f} ms "
            f"| {statistics.median(after[figure]):.1f} ms "
            f"| {statistics.median(ratios):.2f}× ({min(ratios):.2f}-{max(ratios):.2f}) |"
        )


if __name__ == "__main__":
    main()
