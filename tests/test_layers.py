"""The package's imports run one way only: from a higher layer down to a lower one, never up and
never in a circle. The layers, bottom to top:

    errors, messages, i18n, validation, formatting, value_checks (helpers that know nothing else)
    gates → diagnosis, pickling, grad_mode, gradient_graph, fast_backward → engine → nn, losses, optim, data, … → train, serialize, examples, expr, practice
          → viz, steps, worksheets, outputs → cli, demo, quiz

Every import counts, also one inside a function (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import microgradpp

PACKAGE = Path(microgradpp.__file__).resolve().parent

LAYERS: dict[str, int] = {
    # helpers at the bottom: they import nothing of microgradpp (or only each other)
    "errors": 0,
    "files": 0,
    "streams": 0,
    "messages": 0,
    "i18n": 0,
    "validation": 0,
    "sums": 0,
    "formatting": 0,
    "value_checks": 0,  # what a Value accepts (its number, its label)
    "gc_pause": 0,  # the garbage collector off while a graph is built
    # the derivative rules, then the engine built on them
    "gates": 1,
    "diagnosis": 1,  # the errors a failing gate or backward() raises
    "gradient_graph": 1,  # the chain rule on Values: gradients of gradients
    "grad_mode": 1,  # no_grad: whether gates build a graph, per thread
    "pickling": 1,  # pickle and copy of a Value (the engine's methods call it)
    "fast_backward": 1,  # backward()'s graph walk and chain rule, written for speed
    "engine": 2,
    "textbook": 2,  # the engine's algorithm alone, on one screen (it imports only math)
    # what is built on the engine
    "composites": 3,
    "tables": 3,
    "gradcheck": 3,
    "autograd": 3,  # microgradpp.grad: gradients returned, as torch.autograd.grad
    "nn": 3,
    "losses": 3,
    "optim": 3,
    "data": 3,
    "history": 3,  # what a training run records (fit and compiled fit both use it)
    "micrograd": 3,  # micrograd's API (Value, nn, draw_dot) on the engine
    "judging": 3,  # how a student's gradient is judged (practice, quiz, pages and keys use it)
    # what is built on networks and expressions
    "train": 4,
    "fit_arguments": 4,  # what fit is given, checked before its first step (both modes)
    "compiled": 4,
    "serialize": 4,
    "examples": 4,
    "expr": 4,
    "practice": 4,
    # pictures and the stepper
    "viz": 5,
    "steps": 5,
    "worksheets": 5,
    "outputs": 5,
    "assignments": 5,  # graded assignments: rosters, variants, pages, grading, gradebooks
    # the command line, the demo, and the package's front door
    "demo": 6,
    "quiz": 6,
    "cli": 6,
    "web": 6,  # the playground: its builder, and what it runs in the browser
    "__main__": 6,
    "": 6,  # microgradpp/__init__.py: it re-exports from everywhere
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else ""
    assert top in LAYERS, (
        f"{module} is in no layer: add {top!r} to LAYERS in tests/test_layers.py, below what it "
        "imports and above what imports it"
    )
    return LAYERS[top]


def imports(module: str) -> set[str]:
    """The microgradpp modules that ``module`` imports (anywhere in its file)."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            # "from . import viz" imports the module microgradpp.viz; "from .viz import render"
            # imports the module microgradpp.viz.render when there is one, else a name in viz
            names = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                for alias in node.names
            ]
        else:
            continue
        found.update(name for name in names if name in MODULES and name != module)
    return found


GRAPH = {module: imports(module) for module in MODULES}


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer(module)


def test_no_import_runs_up_a_layer():
    upward = [
        f"{module} (layer {layer(module)}) imports {target} (layer {layer(target)})"
        for module, targets in sorted(GRAPH.items())
        for target in sorted(targets)
        if layer(target) > layer(module)
    ]
    assert upward == []


def test_the_engine_knows_nothing_of_pictures():
    assert not any(target.startswith("microgradpp.viz") for target in GRAPH["microgradpp.engine"])
    assert not hasattr(microgradpp.Value, "_repr_svg_") or "viz" in (
        microgradpp.Value._repr_svg_.__module__  # attached by microgradpp.viz, if imported
    )


KNOWN_CYCLES: set[str] = set()  # none: keep it so


def test_no_import_cycle():
    """Depth-first search; a module met again while it is still open closes a cycle."""
    cycles = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(GRAPH[module]):
            if state.get(target) == "open":
                cycles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert set(cycles) == KNOWN_CYCLES


def test_the_walk_sees_lazy_and_relative_imports():
    """The checks above are only as good as the import walk: check it on known imports."""
    assert "microgradpp.engine" in GRAPH["microgradpp.gradcheck"]
    assert "microgradpp.viz.collapse" in GRAPH["microgradpp.viz.view"]  # from . import collapse
    assert "microgradpp.train" in GRAPH["microgradpp.viz.plots"]  # inside a function
    assert "microgradpp.viz" in GRAPH["microgradpp.steps.page"]


def test_every_layer_entry_names_a_module_that_exists():
    """A module removed or renamed leaves no stale entry behind (as "recipes" once did)."""
    tops = {module.split(".")[1] if "." in module else "" for module in MODULES}
    assert sorted(set(LAYERS) - tops) == []
