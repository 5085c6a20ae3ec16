"""List the errors the package raises with an English sentence written in the code.

Every user-visible sentence belongs in the catalogs (``microgradpp/locale/*.json``), raised as
``raise error(Kind, "catalog.key", **fields)`` so that it can be said in every language. This
finds the raises that still write their message in place: ``raise X("...")``,
``raise X(f"...")``, ``raise X("..." + ...)``, ``raise X("...".format(...))``, and a message in a
variable assigned from such a literal in the same function (``message = f"..."; raise
X(message)``, X an exception class). A literal counts when it holds an English word of two letters or more outside
its ``{fields}`` (a bare ``raise X(f"{name}")`` does not), and is not a catalog id or an option's
name (``raise error(Kind, "expr.too_deep")``, ``AssignmentError("--seed", …)``).

    python tools/english_raises.py              # counts by file, then the total
    python tools/english_raises.py --lines      # every raise: file:line: the text
    python tools/english_raises.py --skip compiled   # without microgradpp/compiled/
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import Counter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "microgradpp"
_WORD = re.compile(r"[A-Za-z]{2,}")
_NOT_A_SENTENCE = re.compile(r"[\w{}…-]+(\.[\w{}…-]+)+|--[\w-]+")
"""A catalog id ("expr.too_deep", "cli.dataset.{…}") or an option's name ("--seed"): not English."""


def _literal_text(node: ast.AST) -> str | None:
    """The English a message expression writes in place, or None when it writes none."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{…}" for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left, right = _literal_text(node.left), _literal_text(node.right)
        if left is None and right is None:
            return None
        return (left or "{…}") + (right or "")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in ("format", "join"):
            return _literal_text(node.func.value)
    return None


def _is_english(text: str | None) -> bool:
    if text is None or _NOT_A_SENTENCE.fullmatch(text):
        return False
    return bool(_WORD.search(re.sub(r"\{[^}]*\}", "", text)))


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of a function (or the module) outside the functions and classes inside it."""
    found, stack = [], list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    return found


def _is_exception_class(call: ast.Call) -> bool:
    """``ValueError(...)``, ``errors.GateError(...)``: a class by its name (capitalised)."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    return name[:1].isupper()


def english_raises(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every raise in ``path`` whose message is English written in the code."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found = []
    for scope in ast.walk(tree):
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
            continue
        nodes = _own_nodes(scope)
        assigned: dict[str, str] = {}
        for node in nodes:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                text = _literal_text(node.value)
                if isinstance(target, ast.Name) and _is_english(text):
                    assigned[target.id] = text or ""
        for node in nodes:
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            for argument in node.exc.args[:1]:
                text = _literal_text(argument)
                if text is None and isinstance(argument, ast.Name):
                    if _is_exception_class(node.exc):  # (a helper's first argument is no message)
                        text = assigned.get(argument.id)
                if _is_english(text):
                    found.append((node.lineno, text or ""))
    return sorted(set(found))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", action="store_true", help="every raise, not only counts")
    parser.add_argument("--skip", action="append", default=[], help="a sub-package to skip")
    args = parser.parse_args(argv)
    counts: Counter[str] = Counter()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        if any(relative.startswith(f"microgradpp/{skip}/") for skip in args.skip):
            continue
        for line, text in english_raises(path):
            counts[relative] += 1
            if args.lines:
                print(f"{relative}:{line}: {text[:110]}")
    if not args.lines:
        for relative, count in sorted(counts.items()):
            print(f"{count:4d}  {relative}")
    print(f"{sum(counts.values()):4d}  in all, {len(counts)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
