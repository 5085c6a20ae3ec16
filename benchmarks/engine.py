"""Engine benchmark: microgradpp against micrograd 0.1.0, measured in the same run.

    .venv/bin/python benchmarks/engine.py            # ~80 s on a 2-CPU machine
    .venv/bin/python benchmarks/engine.py --quick    # one run of each, smaller graphs

What it measures (every figure per graph node; times are CPU time of the measuring thread,
time.thread_time_ns, so other programs on the machine disturb them less; best of several runs):

* create a*b, create a+b   a graph of 200,000 nodes kept alive in a list, operands drawn from a
                           pool of 1,000 leaves (the garbage collector works on a growing heap);
* chain forward/backward   x = x*w + v repeated for 100,000 ops: one long path;
* backward, MLP-like       the backward pass over a gate-level MLP (16-32-32-1, no activation,
                           a sum of outputs over 32 samples: ~100,000 nodes of + and *), the same
                           graph built identically by both libraries;
* bytes per node           tracemalloc: everything a node allocates (object, tuples, closures,
                           floats);
* cyclic garbage           with the collector disabled, build the MLP graph, run backward, drop
                           it, and count what gc.collect() then finds: objects only a reference
                           cycle kept alive;
* where the time goes      time inside the garbage collector (gc.callbacks) while nodes are
                           created, GC-tracked objects per node, and backward split into the
                           topological sort and the rest;
* cost of the checks       microgradpp again with every finiteness check deleted from engine.py's
                           source (an AST pass, below), so the price of the checks is measured, not
                           guessed.

Each run is a fresh Python subprocess with the default settings (garbage collector on), one library
per process: micrograd leaves cyclic garbage behind, which would slow whatever ran next in the same
process. micrograd sorts its graph recursively, so its workers raise sys.setrecursionlimit (the
100,000-op chain is 100,000 nested calls); nothing else is changed for it.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import gc
import importlib.metadata
import importlib.util
import inspect
import json
import os
import platform
import random
import subprocess
import sys
import time
import tracemalloc
import types

CREATE_NODES = 200_000
CHAIN_OPS = 100_000
MLP_SIZES = (16, 32, 32, 1)
MLP_SAMPLES = 32
MEMORY_NODES = 50_000
POOL = 1_000
REPEATS = 5

OURS, UNCHECKED, MICROGRAD = "microgradpp", "microgradpp-unchecked", "micrograd"

TARGETS = {  # (ratio the issue asks for, how to read it)
    "create_mul": 8.0,
    "create_add": 8.0,
    "chain_forward": 8.0,
    "backward_mlp": 2.0,
    "chain_backward": 2.0,
}


# ------------------------------------------------------------------------------------------------
# The engines under test
# ------------------------------------------------------------------------------------------------


def value_class(library: str) -> type:
    """The Value class of one library (imported only inside that library's worker process)."""
    if library == MICROGRAD:
        from micrograd.engine import Value

        sys.setrecursionlimit(1_000_000)  # micrograd's topological sort is recursive
        return Value
    if library == OURS:
        from microgradpp import Value

        return Value
    if library == UNCHECKED:
        return unchecked_engine().Value
    raise SystemExit(f"unknown library {library!r}")


class _DeleteFinitenessChecks(ast.NodeTransformer):
    """Delete every `if <test naming _INF>: ... raise ...` statement (a finiteness check)."""

    removed = 0

    def visit_If(self, node: ast.If) -> ast.AST | None:
        self.generic_visit(node)
        is_check = "_INF" in ast.unparse(node.test) and isinstance(node.body[-1], ast.Raise)
        if is_check and not node.orelse:
            self.removed += 1
            return ast.Pass()
        return node


def unchecked_engine() -> types.ModuleType:
    """microgradpp.engine compiled again from its own source with the finiteness checks deleted.

    The copy shares gates.py and errors.py with the real package; only its Value class differs.
    """
    import microgradpp.engine as engine

    tree = ast.parse(inspect.getsource(engine))
    remover = _DeleteFinitenessChecks()
    tree = ast.fix_missing_locations(remover.visit(tree))
    if remover.removed == 0:
        raise SystemExit("found no finiteness check in engine.py: update _DeleteFinitenessChecks")
    module = types.ModuleType("microgradpp._engine_unchecked")
    module.__package__ = "microgradpp"
    module.checks_removed = remover.removed
    sys.modules[module.__name__] = module
    exec(compile(tree, engine.__file__, "exec"), module.__dict__)
    return module


# ------------------------------------------------------------------------------------------------
# Graphs, built the same way by both libraries (only Value(x), a + b and a * b are used)
# ------------------------------------------------------------------------------------------------


def leaves(Value: type, n: int, low: float, high: float, seed: int) -> list:
    rng = random.Random(seed)
    return [Value(rng.uniform(low, high)) for _ in range(n)]


def operand_pairs(n: int) -> list[tuple[int, int]]:
    rng = random.Random(1)
    return [(rng.randrange(POOL), rng.randrange(POOL)) for _ in range(n)]


def build_chain(Value: type, ops: int):
    """x = x*w + v, ops nodes in all; w in [0.9, 1) and v in [-0.1, 0.1) keep x bounded."""
    ws = leaves(Value, POOL, 0.9, 1.0, seed=2)
    vs = leaves(Value, POOL, -0.1, 0.1, seed=3)
    x = Value(0.5)
    start = time.thread_time_ns()
    for i in range(ops // 2):
        x = x * ws[i % POOL] + vs[i % POOL]
    elapsed = time.thread_time_ns() - start
    return x, elapsed


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


def count_nodes(root, library: str) -> int:
    """Number of distinct nodes reachable from root (not timed)."""
    attribute = "_prev" if library == MICROGRAD else "parents"
    seen = {id(root)}
    stack = [root]
    while stack:
        for parent in getattr(stack.pop(), attribute):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


# ------------------------------------------------------------------------------------------------
# Measurements: each runs in its own fresh process and returns numbers (ns or bytes per node)
# ------------------------------------------------------------------------------------------------


class CollectorClock:
    """Adds up the time the cyclic garbage collector runs (gc.callbacks), to show where time goes."""

    def __init__(self) -> None:
        self.ns = 0
        self._start = 0

    def __enter__(self) -> CollectorClock:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.thread_time_ns()
        else:
            self.ns += time.thread_time_ns() - self._start


def measure_create(library: str, op: str, nodes: int) -> dict:
    Value = value_class(library)
    pool = leaves(Value, POOL, -1.0, 1.0, seed=0)
    pairs = operand_pairs(nodes)
    with CollectorClock() as collector:
        start = time.thread_time_ns()
        if op == "mul":
            graph = [pool[i] * pool[j] for i, j in pairs]
        else:
            graph = [pool[i] + pool[j] for i, j in pairs]
        elapsed = time.thread_time_ns() - start
    assert len(graph) == nodes
    return {
        f"create_{op}": elapsed / nodes,
        f"gc_create_{op}": collector.ns / nodes,
        "create_nodes": nodes,
    }


def measure_chain(library: str, ops: int) -> dict:
    Value = value_class(library)
    root, forward = build_chain(Value, ops)
    start = time.thread_time_ns()
    root.backward()
    backward = time.thread_time_ns() - start
    return {"chain_forward": forward / ops, "chain_backward": backward / ops}


def micrograd_topological_order(root) -> list:
    """micrograd's build_topo, copied from its Value.backward (it is not callable on its own)."""
    topo = []
    visited = set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    return topo


def measure_backward(library: str) -> dict:
    Value = value_class(library)
    root = build_mlp(Value)
    nodes = count_nodes(root, library)
    start = time.thread_time_ns()
    root.backward()
    elapsed = time.thread_time_ns() - start
    if library == MICROGRAD:
        sort = micrograd_topological_order
    else:
        sort = sys.modules[type(root).__module__].topological_order
    start = time.thread_time_ns()
    sort(root)  # the share of backward spent ordering the graph (timed again, on its own)
    sorting = time.thread_time_ns() - start
    return {"backward_mlp": elapsed / nodes, "sort_mlp": sorting / nodes, "mlp_nodes": nodes}


def measure_memory(library: str, nodes: int) -> dict:
    Value = value_class(library)
    pool = leaves(Value, POOL, -1.0, 1.0, seed=0)
    pairs = operand_pairs(nodes)
    result = {}
    for op in ("mul", "add"):
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        if op == "mul":
            graph = [pool[i] * pool[j] for i, j in pairs]
        else:
            graph = [pool[i] + pool[j] for i, j in pairs]
        used = tracemalloc.get_traced_memory()[0] - before - sys.getsizeof(graph)
        tracemalloc.stop()
        result[f"bytes_{op}"] = used / nodes
        del graph
    gc.collect()
    gc.disable()
    before = len(gc.get_objects())
    graph = [pool[i] * pool[j] for i, j in pairs]
    result["tracked_mul_new"] = (len(gc.get_objects()) - before - 1) / nodes
    gc.collect()  # untracks tuples that hold only floats
    result["tracked_mul"] = (len(gc.get_objects()) - before - 1) / nodes
    gc.enable()
    del graph
    return result


def measure_cycles(library: str) -> dict:
    Value = value_class(library)
    gc.collect()
    gc.disable()
    root = build_mlp(Value)
    root.backward()
    nodes = count_nodes(root, library)
    del root
    unreachable = gc.collect()
    gc.enable()
    return {"cyclic_garbage": unreachable, "cycle_graph_nodes": nodes}


def measure_checks(nodes: int, rounds: int = 21) -> dict:
    """What the finiteness checks cost: one check alone, and the engine with and without them.

    The difference is a few percent, less than the noise between fresh processes, so checked and
    unchecked engines run here in one process, taking turns (first one, then the other), with the
    collector off (the checks allocate nothing, so the collector's work is the same either way),
    and the best of many rounds of each is kept.
    """
    import timeit

    from microgradpp.engine import _INF, _NEG_INF

    one_check = min(
        timeit.repeat(
            "if not _NEG_INF < x < _INF: raise ValueError",
            "x = 1.5",
            globals={"_INF": _INF, "_NEG_INF": _NEG_INF},  # globals, as in engine.py
            number=1_000_000,
            repeat=7,
        )
    ) - min(timeit.repeat("pass", "x = 1.5", number=1_000_000, repeat=7))
    engines = {"checked": value_class(OURS), "unchecked": value_class(UNCHECKED)}
    pairs = operand_pairs(nodes)
    pools = {name: leaves(V, POOL, -1.0, 1.0, seed=0) for name, V in engines.items()}
    roots = {name: build_mlp(V) for name, V in engines.items()}
    mlp_nodes = count_nodes(roots["checked"], OURS)
    best: dict[str, float] = {}
    gc.collect()
    gc.disable()
    for turn in range(rounds):
        for name in ("checked", "unchecked") if turn % 2 else ("unchecked", "checked"):
            pool = pools[name]
            for figure, op in (("create_mul", "*"), ("create_add", "+")):
                start = time.thread_time_ns()
                if op == "*":
                    graph = [pool[i] * pool[j] for i, j in pairs]
                else:
                    graph = [pool[i] + pool[j] for i, j in pairs]
                elapsed = (time.thread_time_ns() - start) / nodes
                del graph
                best[f"{name}_{figure}"] = min(best.get(f"{name}_{figure}", elapsed), elapsed)
            start = time.thread_time_ns()
            roots[name].backward()
            elapsed = (time.thread_time_ns() - start) / mlp_nodes
            best[f"{name}_backward_mlp"] = min(best.get(f"{name}_backward_mlp", elapsed), elapsed)
    gc.enable()
    result = {
        "checks_removed": sys.modules["microgradpp._engine_unchecked"].checks_removed,
        "one_check": one_check * 1e9 / 1_000_000,
    }
    for figure in ("create_mul", "create_add", "backward_mlp"):
        result[f"checks_{figure}"] = best[f"checked_{figure}"] - best[f"unchecked_{figure}"]
    return result


def run_worker(library: str, measurement: str, quick: bool) -> dict:
    scale = 10 if quick else 1
    if measurement in ("create_mul", "create_add"):
        return measure_create(library, measurement[-3:], CREATE_NODES // scale)
    if measurement == "chain":
        return measure_chain(library, CHAIN_OPS)
    if measurement == "backward":
        return measure_backward(library)
    if measurement == "memory":
        return measure_memory(library, MEMORY_NODES // scale)
    if measurement == "cycles":
        return measure_cycles(library)
    if measurement == "checks":
        return measure_checks(CREATE_NODES // 4 // scale)
    raise SystemExit(f"unknown measurement {measurement!r}")


# ------------------------------------------------------------------------------------------------
# The parent process: run the workers, keep the best run, print the table
# ------------------------------------------------------------------------------------------------


def in_fresh_process(library: str, measurement: str, quick: bool) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--worker", library, measurement]
    if quick:
        command.append("--quick")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{library} {measurement} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def collect(libraries: list[str], repeats: int, quick: bool) -> dict[str, dict]:
    """{library: {figure: best value}}; the libraries take turns, so load changes hit all alike."""
    best: dict[str, dict] = {library: {} for library in libraries}
    timed = ("create_mul", "create_add", "chain", "backward")
    for repeat in range(repeats):
        print(f"  run {repeat + 1}/{repeats} ...", file=sys.stderr, flush=True)
        for measurement in timed:
            for library in libraries:
                for figure, value in in_fresh_process(library, measurement, quick).items():
                    known = best[library].get(figure)
                    best[library][figure] = value if known is None else min(known, value)
    for library in libraries:
        best[library].update(in_fresh_process(library, "memory", quick))
        best[library].update(in_fresh_process(library, "cycles", quick))
    best[OURS].update(in_fresh_process(OURS, "checks", quick))
    return best


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            names = [line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    return (
        f"CPython {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{cpu}, {os.cpu_count()} CPUs"
    )


def print_table(results: dict[str, dict], repeats: int) -> None:
    ours, theirs = results[OURS], results.get(MICROGRAD)
    today = datetime.date.today().isoformat()
    print(f"\nmicrogradpp engine benchmark, {today}, {machine()}")
    if theirs is None:
        print("micrograd is not installed (pip install micrograd==0.1.0): no ratios.")
    else:
        print(
            f"against micrograd {importlib.metadata.version('micrograd')} from PyPI "
            "(its workers raise sys.setrecursionlimit: its topological sort is recursive)"
        )
    print(
        f"times: CPU ns per node, best of {repeats} runs, each in a fresh process, "
        "garbage collector on (Python's default)"
    )
    header = f"{'':36} {'microgradpp':>11} {'micrograd':>11} {'ratio':>7} {'target':>7}  met"
    print("\n" + header + "\n" + "-" * len(header))

    def row(label, figure, unit, target="", ratio_of=None, met=None):
        mine = ours[figure]
        text = f"{label:36} {mine:>8,.0f} {unit:2}"
        if theirs is not None:
            other = theirs[figure]
            text += f" {other:>8,.0f} {unit:2}"
            if ratio_of is not None:
                text += f" {ratio_of(mine, other):>7} {target:>7}  "
                text += "yes" if met(mine, other) else "NO"
        print(text)

    def faster(label, figure):
        goal = TARGETS[figure]
        row(
            label,
            figure,
            "ns",
            f">= {goal:g}x",
            ratio_of=lambda mine, other: f"{other / mine:.1f}x",
            met=lambda mine, other: other / mine >= goal,
        )

    def smaller(label, figure):
        row(
            label,
            figure,
            "B",
            "<= 1/3",
            ratio_of=lambda mine, other: f"1/{other / mine:.1f}",
            met=lambda mine, other: mine <= other / 3,
        )

    nodes = f"{ours['create_nodes'] // 1000}k"
    faster(f"create a*b ({nodes} kept alive)", "create_mul")
    faster(f"create a+b ({nodes} kept alive)", "create_add")
    faster(f"chain x = x*w + v ({CHAIN_OPS // 1000}k ops), forward", "chain_forward")
    faster("chain, backward", "chain_backward")
    faster(f"backward, MLP-like ({ours['mlp_nodes'] // 1000}k nodes)", "backward_mlp")
    smaller("memory per a*b node (tracemalloc)", "bytes_mul")
    smaller("memory per a+b node (tracemalloc)", "bytes_add")
    row(
        "cyclic garbage left by the MLP graph",
        "cyclic_garbage",
        "ob",
        "0",
        ratio_of=lambda mine, other: "",
        met=lambda mine, other: mine == 0,
    )
    print("(ob: objects in the whole graph, found by gc.collect() with the collector off)")

    if theirs is not None:
        total_ours = (ours["chain_forward"] + ours["chain_backward"]) * CHAIN_OPS / 1e6
        total_theirs = (theirs["chain_forward"] + theirs["chain_backward"]) * CHAIN_OPS / 1e6
        print(
            f"\n{CHAIN_OPS:,}-op chain, forward + backward: microgradpp {total_ours:.0f} ms, "
            f"micrograd {total_theirs:.0f} ms ({total_theirs / total_ours:.1f}x)"
        )
        print("\nWhere backward time goes on the MLP-like graph (ns per node):")
        row("  topological sort", "sort_mlp", "ns")
        for library in (ours, theirs):
            library["rest_backward"] = library["backward_mlp"] - library["sort_mlp"]
        row("  the rest: chain rule loop", "rest_backward", "ns")
        print("\nWhere node creation time goes (ns per node, same runs):")
        for op, symbol in (("mul", "*"), ("add", "+")):
            row(f"  a{symbol}b: in the garbage collector", f"gc_create_{op}", "ns")
            for library in (ours, theirs):
                library[f"rest_create_{op}"] = library[f"create_{op}"] - library[f"gc_create_{op}"]
            row(f"  a{symbol}b: everything else", f"rest_create_{op}", "ns")
        row("  GC-tracked objects per a*b node, new", "tracked_mul_new", "ob")
        row("    after one collection", "tracked_mul", "ob")
        budget = theirs["create_mul"] / TARGETS["create_mul"]
        print(
            f"  {TARGETS['create_mul']:g}x on a*b means <= {budget:,.0f} ns per node; the collector "
            f"alone takes {ours['gc_create_mul']:,.0f} ns of ours."
        )

    print(f"\nCost of microgradpp's finiteness checks ({ours['checks_removed']} in engine.py):")
    print(
        f"  one check alone takes {ours['one_check']:.0f} ns; a node pays one when it is created "
        f"and one in backward:\n  {ours['one_check'] / ours['create_mul']:.1%} of creating an "
        f"a*b node, {ours['one_check'] / ours['backward_mlp']:.1%} of backward (MLP-like graph)."
    )
    print(
        "  engine.py against itself with the checks deleted (taking turns in one process,\n"
        "  collector off, best of 21; differences under ~50 ns are this machine's noise):"
    )
    for label, figure in (
        ("create a*b", "create_mul"),
        ("create a+b", "create_add"),
        ("backward, MLP-like", "backward_mlp"),
    ):
        extra = ours[f"checks_{figure}"]
        print(
            f"  {label:20} {extra:+5.0f} ns per node = {extra / ours[figure]:+.1%} of its "
            f"{ours[figure]:,.0f} ns above"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run, smaller graphs")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per figure (best kept)")
    parser.add_argument("--worker", nargs=2, metavar=("LIBRARY", "MEASUREMENT"), help="internal")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_worker(*args.worker, quick=args.quick)))
        return
    libraries = [OURS]
    if importlib.util.find_spec("micrograd") is not None:
        libraries.append(MICROGRAD)
    repeats = 1 if args.quick else args.repeats
    start = time.perf_counter()
    results = collect(libraries, repeats, args.quick)
    print_table(results, repeats)
    print(f"\n(whole run: {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
