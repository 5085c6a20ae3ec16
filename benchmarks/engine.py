"""Engine benchmark: microgradpp against micrograd 0.1.0, measured in the same run.

    .venv/bin/python benchmarks/engine.py               # 5 rounds, ~5-15 min on a busy 2-CPU VM
    .venv/bin/python benchmarks/engine.py --rounds 3    # fewer rounds
    .venv/bin/python benchmarks/engine.py --quick       # 1 round, smaller graphs (a smoke test)

It prints the targets table of issue 9 ("Engine v2") twice: with Python's cyclic garbage collector
on (the default, how people run code) and with it off for BOTH libraries. micrograd makes a
reference cycle per node (a closure that refers to its node), so with the collector on a good part
of its time is the collector's; the collector-off table compares the engines alone, so no one
mistakes micrograd's garbage for our speed.

Each row is a ratio of micrograd's time to ours, worked out in the same round; the table shows
the median over the rounds and the range (lowest-highest). A round runs one fresh worker process
per library and collector setting, in alternating order, so a change in the machine's load hits
both libraries alike. Times are CPU time of the measuring thread (time.thread_time_ns), which
other programs on the machine disturb less than wall-clock time; the load average is printed
beside the results. Each run is added to its section of benchmarks/RESULTS.md (``--no-save``
to skip).

Rows (the same graphs, built the same way in both libraries from Value(x), a + b and a * b):

* create a·b, 200k kept alive   200,000 products of leaves drawn from a pool of 1,000, kept in a
                                list (the collector works on a growing heap); also inside
                                ``microgradpp.gc_paused()`` (micrograd as it is)
* backward, balanced tree       a balanced binary tree of 65,535 products over 65,536 leaves
* backward, gate-level MLP      sum over 32 samples of a linear 16-32-32-1 MLP, gate by gate
                                (acc = acc + w*x): ~98,000 nodes of + and ×
* 100k-op chain, fwd + bwd      x = x*w + v repeated: one long path (micrograd's recursive
                                topological sort needs sys.setrecursionlimit raised for it)
* moons training step           micrograd's demo (benchmarks/moons.py): MLP(2, [16, 16, 1]),
                                100 points, hinge + L2, SGD; microgradpp's neurons are fused
                                ``linear`` nodes, which is part of the point
* memory per a·b node           tracemalloc: everything one node allocates
"""

from __future__ import annotations

import argparse
import datetime
import gc
import importlib.metadata
import importlib.util
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
OURS, MICROGRAD = "microgradpp", "micrograd"

CREATE_NODES = 200_000
POOL = 1_000
TREE_LEAVES = 65_536  # 65,535 products
MLP_SIZES = (16, 32, 32, 1)
MLP_SAMPLES = 32
CHAIN_OPS = 100_000
MOONS_STEPS = {OURS: 6, MICROGRAD: 2}  # timed steps per round, after one warm-up step
MEMORY_NODES = 50_000
ROUNDS = 5

# (figure, label, target ratio, what the target applies to)
ROWS = [
    ("create_mul", "create a·b, 200k kept alive", 5.0),
    ("create_mul_paused", "  the same inside gc_paused()", 8.0),
    ("backward_tree", "backward, balanced tree (65,535 ×)", 2.0),
    ("backward_mlp", "backward, gate-level MLP (~98k + ×)", 2.0),
    ("chain", "100k-op chain, forward + backward", 5.0),
    ("moons_step", "moons training step (demo, fused)", 50.0),
    ("moons_step_paused", "  the same inside gc_paused() (as fit)", 50.0),
]
MEMORY_TARGET = 4.0  # ours at most 1/4 of micrograd's bytes per a·b node


# ------------------------------------------------------------------------------------------------
# The libraries and the graphs (built identically by both)
# ------------------------------------------------------------------------------------------------


def value_class(library: str) -> type:
    if library == MICROGRAD:
        sys.setrecursionlimit(1_000_000)  # its topological sort is recursive (100k-deep chain)
        from micrograd.engine import Value

        return Value
    from microgradpp import Value

    return Value


def leaves(Value: type, n: int, low: float, high: float, seed: int) -> list:
    rng = random.Random(seed)
    return [Value(rng.uniform(low, high)) for _ in range(n)]


def operand_pairs(n: int) -> list[tuple[int, int]]:
    rng = random.Random(1)
    return [(rng.randrange(POOL), rng.randrange(POOL)) for _ in range(n)]


def build_tree(Value: type, n_leaves: int):
    """Multiply neighbours level by level: n_leaves - 1 products, depth log2(n_leaves)."""
    level = leaves(Value, n_leaves, 0.999, 1.001, seed=5)  # products stay near 1
    while len(level) > 1:
        level = [level[i] * level[i + 1] for i in range(0, len(level), 2)]
    return level[0]


def build_mlp(Value: type):
    """Sum over samples of a linear MLP's output, gate by gate: acc = b; acc = acc + w*x; ..."""
    rng = random.Random(4)
    layers = []
    for fan_in, fan_out in zip(MLP_SIZES, MLP_SIZES[1:]):
        scale = fan_in**-0.5
        neurons = [
            ([Value(rng.uniform(-scale, scale)) for _ in range(fan_in)], Value(0.0))
            for _ in range(fan_out)
        ]
        layers.append(neurons)
    total = Value(0.0)
    for _ in range(MLP_SAMPLES):
        xs = [Value(rng.uniform(-1.0, 1.0)) for _ in range(MLP_SIZES[0])]
        for neurons in layers:
            outputs = []
            for weights, bias in neurons:
                acc = bias
                for w, x in zip(weights, xs):
                    acc = acc + w * x
                outputs.append(acc)
            xs = outputs
        total = total + xs[0]
    return total


# ------------------------------------------------------------------------------------------------
# One worker process: every timed figure for one library and one collector setting
# ------------------------------------------------------------------------------------------------


def clock() -> int:
    return time.thread_time_ns()


def settle(collector: bool) -> None:
    """Between measurements: free what the last one left (micrograd's cycles need the collector),
    then restore the setting under test. Not timed."""
    gc.collect()
    if collector:
        gc.enable()
    else:
        gc.disable()


def measure(library: str, collector: bool, quick: bool) -> dict[str, float]:
    scale = 10 if quick else 1
    Value = value_class(library)
    result: dict[str, float] = {}

    settle(collector)
    pool = leaves(Value, POOL, -1.0, 1.0, seed=0)
    pairs = operand_pairs(CREATE_NODES // scale)
    start = clock()
    graph = [pool[i] * pool[j] for i, j in pairs]
    result["create_mul"] = (clock() - start) / 1e6
    del graph
    settle(collector)
    if library == OURS:
        from microgradpp import gc_paused

        start = clock()
        with gc_paused():
            graph = [pool[i] * pool[j] for i, j in pairs]
        result["create_mul_paused"] = (clock() - start) / 1e6
    else:  # micrograd has no such switch: it runs as it is (the row compares with this)
        start = clock()
        graph = [pool[i] * pool[j] for i, j in pairs]
        result["create_mul_paused"] = (clock() - start) / 1e6
    del graph, pool

    settle(collector)
    root = build_tree(Value, TREE_LEAVES if not quick else TREE_LEAVES // 16)
    start = clock()
    root.backward()
    result["backward_tree"] = (clock() - start) / 1e6
    del root

    settle(collector)
    root = build_mlp(Value)
    start = clock()
    root.backward()
    result["backward_mlp"] = (clock() - start) / 1e6
    del root

    settle(collector)
    ws = leaves(Value, POOL, 0.9, 1.0, seed=2)
    vs = leaves(Value, POOL, -0.1, 0.1, seed=3)
    start = clock()
    x = Value(0.5)
    for i in range(CHAIN_OPS // scale // 2):
        x = x * ws[i % POOL] + vs[i % POOL]
    x.backward()
    result["chain"] = (clock() - start) / 1e6
    del x
    settle(collector)
    return result


def measure_moons(library: str, collector: bool, quick: bool) -> dict[str, float]:
    sys.path.insert(0, str(HERE))
    import moons

    steps = 1 if quick else MOONS_STEPS[library]
    settle(collector)
    if library == OURS:
        done = moons.run_microgradpp(steps, collector=collector)
        paused = moons.run_microgradpp(steps, collector=collector, paused=True)
    else:  # micrograd has no such switch: the paused row compares with it as it is
        done = paused = moons.run_micrograd(steps, collector=collector)
    return {
        "moons_step": 1000 * statistics.median(done["thread_cpu"]),
        "moons_step_paused": 1000 * statistics.median(paused["thread_cpu"]),
    }


def measure_memory(library: str, quick: bool) -> dict[str, float]:
    """Bytes per a·b node (tracemalloc), GC-tracked objects per node, and the cyclic garbage a
    dropped MLP graph leaves (the collector is off while it is built)."""
    Value = value_class(library)
    nodes = MEMORY_NODES // (10 if quick else 1)
    pool = leaves(Value, POOL, -1.0, 1.0, seed=0)
    pairs = operand_pairs(nodes)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph = [pool[i] * pool[j] for i, j in pairs]
    used = tracemalloc.get_traced_memory()[0] - before - sys.getsizeof(graph)
    tracemalloc.stop()
    del graph
    gc.collect()
    gc.disable()
    before = len(gc.get_objects())
    graph = [pool[i] * pool[j] for i, j in pairs]
    tracked = (len(gc.get_objects()) - before - 1) / nodes
    del graph
    root = build_mlp(Value)
    root.backward()
    del root
    cyclic = gc.collect()
    gc.enable()
    return {"bytes_mul": used / nodes, "tracked_mul": tracked, "cyclic_garbage": cyclic}


def worker(kind: str, library: str, collector: bool, quick: bool) -> dict[str, float]:
    if kind == "engine":
        return measure(library, collector, quick)
    if kind == "moons":
        return measure_moons(library, collector, quick)
    return measure_memory(library, quick)


# ------------------------------------------------------------------------------------------------
# The parent process: rounds of fresh workers, ratios per round, medians and ranges
# ------------------------------------------------------------------------------------------------


def in_fresh_process(kind: str, library: str, collector: bool, quick: bool) -> dict[str, float]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, library]
    command += ["on" if collector else "off"] + (["--quick"] if quick else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{library} {kind} worker failed:\n{done.stderr}")
    return json.loads(done.stdout)


def run_rounds(rounds: int, quick: bool) -> dict:
    """{"on"/"off": {library: {figure: [ms per round]}}}; libraries alternate who goes first."""
    times: dict = {mode: {OURS: {}, MICROGRAD: {}} for mode in ("on", "off")}
    loads = [os.getloadavg()[0]]
    for r in range(rounds):
        print(f"  round {r + 1}/{rounds} (load {os.getloadavg()[0]:.1f}) ...", file=sys.stderr)
        order = (OURS, MICROGRAD) if r % 2 == 0 else (MICROGRAD, OURS)
        for mode in ("on", "off"):
            for kind in ("engine", "moons"):
                for library in order:
                    figures = in_fresh_process(kind, library, mode == "on", quick)
                    for figure, ms in figures.items():
                        times[mode][library].setdefault(figure, []).append(ms)
        loads.append(os.getloadavg()[0])
    memory = {
        library: in_fresh_process("memory", library, True, quick) for library in (OURS, MICROGRAD)
    }
    return {"times": times, "memory": memory, "loads": loads, "rounds": rounds, "quick": quick}


def summarise(results: dict) -> dict:
    """Per mode and figure: median ms of each library, and the median and range of the ratios."""
    table: dict = {}
    for mode, by_library in results["times"].items():
        table[mode] = {}
        for figure, _, _ in ROWS:
            ours, theirs = by_library[OURS][figure], by_library[MICROGRAD][figure]
            ratios = [t / o for o, t in zip(ours, theirs)]
            table[mode][figure] = {
                "ours": statistics.median(ours),
                "theirs": statistics.median(theirs),
                "ratio": statistics.median(ratios),
                "low": min(ratios),
                "high": max(ratios),
            }
    return table


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return f"CPython {platform.python_version()}, {cpu}, {os.cpu_count()} CPUs"


def commit() -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def report(results: dict) -> str:
    """The results as Markdown (printed, and appended to RESULTS.md)."""
    table = summarise(results)
    memory = results["memory"]
    loads = results["loads"]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    version = importlib.metadata.version("micrograd")
    lines = [
        f"### {now} · commit {commit()}" + (" · --quick" if results["quick"] else ""),
        "",
        f"{machine()}; micrograd {version}; {results['rounds']} rounds; load average "
        f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} CPUs during the run.",
        "Times: median CPU ms of the measuring thread. Ratio: micrograd's time / ours in the same "
        "round, median (lowest-highest) over the rounds.",
        "",
        "| figure | microgradpp | micrograd | ratio, collector on | target | met "
        "| ratio, collector off (both) |",
        "|---|---:|---:|---:|---:|:-:|---:|",
    ]
    for figure, label, target in ROWS:
        on, off = table["on"][figure], table["off"][figure]
        met = "yes" if on["ratio"] >= target else "**no**"
        lines.append(
            f"| {label} | {on['ours']:,.1f} ms | {on['theirs']:,.1f} ms "
            f"| **{on['ratio']:.1f}×** ({on['low']:.1f}-{on['high']:.1f}) | ≥ {target:g}× | {met} "
            f"| {off['ratio']:.1f}× ({off['low']:.1f}-{off['high']:.1f}) |"
        )
    ours_b, theirs_b = memory[OURS]["bytes_mul"], memory[MICROGRAD]["bytes_mul"]
    met = "yes" if ours_b * MEMORY_TARGET <= theirs_b else "**no**"
    lines.append(
        f"| memory per a·b node | {ours_b:,.0f} B | {theirs_b:,.0f} B "
        f"| **1/{theirs_b / ours_b:.1f}** | ≤ 1/{MEMORY_TARGET:g} | {met} | (same) |"
    )
    lines += [
        "",
        f"GC-tracked objects per a·b node: microgradpp {memory[OURS]['tracked_mul']:.0f}, "
        f"micrograd {memory[MICROGRAD]['tracked_mul']:.0f}. Objects only a reference cycle keeps "
        f"alive after dropping the MLP graph: microgradpp {memory[OURS]['cyclic_garbage']:,}, "
        f"micrograd {memory[MICROGRAD]['cyclic_garbage']:,}.",
        "",
        "Collector off, median ms (ours / micrograd): "
        + "; ".join(
            f"{label.strip()} {table['off'][figure]['ours']:,.1f} / "
            f"{table['off'][figure]['theirs']:,.1f}"
            for figure, label, _ in ROWS
            if not figure.endswith("_paused")
        )
        + ".",
        "",
    ]
    return "\n".join(lines)


SECTION = "## Engine (`benchmarks/engine.py`)"


def save(text: str) -> None:
    """Add the run at the end of this benchmark's section of RESULTS.md (other benchmarks have
    their own sections in the same file)."""
    existing = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if SECTION not in existing:
        existing = existing.rstrip("\n") + f"\n\n{SECTION}\n"
    start = existing.index(SECTION)
    following = existing.find("\n## ", start + len(SECTION))
    end = len(existing) if following == -1 else following + 1
    before, after = existing[:end].rstrip("\n"), existing[end:]
    RESULTS.write_text(
        f"{before}\n\n{text.rstrip()}\n" + (f"\n{after}" if after else ""), encoding="utf-8"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds (ratios: median)")
    parser.add_argument("--quick", action="store_true", help="1 round, smaller graphs")
    parser.add_argument("--no-save", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "LIBRARY", "GC"), help="internal")
    args = parser.parse_args()
    if args.worker:
        kind, library, collector = args.worker
        print(json.dumps(worker(kind, library, collector == "on", args.quick)))
        return
    if importlib.util.find_spec("micrograd") is None:
        raise SystemExit(
            "micrograd is not installed: pip install micrograd==0.1.0 (the test extra)"
        )
    start = time.perf_counter()
    results = run_rounds(1 if args.quick else args.rounds, args.quick)
    text = report(results)
    print(text)
    print(f"(whole run: {time.perf_counter() - start:.0f} s)")
    if not args.no_save and not args.quick:
        save(text)
        print(f"appended to {RESULTS}")


if __name__ == "__main__":
    main()
