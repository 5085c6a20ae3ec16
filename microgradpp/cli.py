"""The command line: ``microgradpp …`` or ``python -m microgradpp …``.

    microgradpp examples                              list the worked examples
    microgradpp example NAME [--out DIR]              a table of every node, pictures, a step-by-step page
    microgradpp expr "(x+y)*z" --at x=-2 y=5 z=-4     the same for any expression
    microgradpp gradcheck "x*y + exp(x)" --at x=1 y=2 backward() against central differences
    microgradpp train moons [--optimizer adam]        train a small network, with plots
    microgradpp demo [--out DIR]                      all of it, with an index.html

Exit codes: 0 success, 1 the command failed (the message says why), 2 the command line was wrong.
Errors go to stderr without a traceback (set MICROGRADPP_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import html
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .engine import Value
from .errors import MicrogradppError
from .examples import EXAMPLES, get_example
from .expr import ExpressionError
from .tables import node_table

PROG = "microgradpp"
DEFAULT_OUT = "microgradpp-output"
DEMO_OUT = "demo-output"
FORMATS = ("svg", "png", "pdf")
DATASETS = ("moons", "xor", "circles", "spiral")
OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
INSTALL_GRAPHVIZ = (
    "Graphviz's dot program is not installed, so the pictures were written as .dot files and "
    "there are no step-by-step pages. Install it with:  sudo apt-get install graphviz  "
    "(Debian/Ubuntu)  or  brew install graphviz  (macOS), then run the command again "
    "(or turn one file into a picture: dot -Tsvg FILE.dot -o FILE.svg)."
)


class UsageError(Exception):
    """The command line asks for something impossible: exit code 2, like argparse's errors."""


# ------------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failed, 2 usage error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # argparse: --help (0) or a usage error (2), already printed
        return exit.code if isinstance(exit.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args)
    except (UsageError, ExpressionError) as error:  # a bad expression is a bad command line
        if isinstance(error, UsageError):  # an expression error points at the character instead
            args.subparser.print_usage(sys.stderr)
        print(f"{args.subparser.prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - a command line reports, it does not crash
        if os.environ.get("MICROGRADPP_DEBUG"):
            raise
        print(f"{PROG} {args.command}: error: {_describe(error)}", file=sys.stderr)
        return 1


def _describe(error: BaseException) -> str:
    if isinstance(error, (MicrogradppError, ValueError, TypeError, OSError, ImportError)):
        return str(error)
    return f"{type(error).__name__}: {error} (set MICROGRADPP_DEBUG=1 to see the traceback)"


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every command (each sub-command stores its function in ``run``)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="microgradpp: backpropagation you can watch. Worked examples, pictures of "
        "computational graphs, backward step by step, gradient checks and small networks.",
        epilog="Run `microgradpp COMMAND --help` for the options of a command. "
        "`microgradpp demo` shows everything.",
    )
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")

    def command(name: str, run, help: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=description)
        sub.set_defaults(run=run, subparser=sub)
        return sub

    command("examples", run_examples, "list the worked examples", "List the worked examples.")

    sub = command(
        "example",
        run_example,
        "print a worked example's table and write its pictures",
        "Print the table of every node (value and gradient) of a worked example, and write its "
        "forward and backward pictures and a step-by-step HTML page.",
    )
    sub.add_argument("name", metavar="NAME", help="the example (see `microgradpp examples`)")
    _add_output_options(sub)

    sub = command(
        "expr",
        run_expr,
        "any expression: table, pictures and step-by-step page",
        "Parse an expression safely (no eval), build its graph at the given values, run "
        "backward(), print the table of every node and write the same files as `example`.",
    )
    sub.add_argument("expression", help='for example "(x+y)*z" or "sigmoid(w*x + b)"')
    _add_at_option(sub)
    _add_output_options(sub)

    sub = command(
        "gradcheck",
        run_gradcheck,
        "compare backward() with central differences",
        "Compare the gradient backward() computes with central differences (f(x+ε) − f(x−ε))/2ε, "
        "for every variable of an expression. Exits with 1 if any check fails.",
    )
    sub.add_argument("expression", help='for example "x*y + exp(x)"')
    _add_at_option(sub)
    sub.add_argument("--eps", type=float, default=1e-6, help="the step ε (default 1e-6)")

    sub = command(
        "train",
        run_train,
        "train a small network on a 2-D dataset",
        "Train a multi-layer perceptron on a 2-D classification dataset, with a progress bar; "
        "prints the final accuracy and (with --plot) writes the loss curve, the decision "
        "boundary and the gradient flow.",
    )
    sub.add_argument("dataset", choices=DATASETS, help="the dataset: " + ", ".join(DATASETS))
    sub.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="default: adam")
    sub.add_argument("--epochs", type=_positive_int, default=None, help="default: per dataset")
    sub.add_argument("--lr", type=_positive_float, default=None, help="learning rate")
    sub.add_argument("--hidden", type=_positive_int, default=16, help="neurons per hidden layer")
    sub.add_argument("--samples", type=_positive_int, default=None, help="points in the dataset")
    sub.add_argument("--seed", type=int, default=0, help="seed of the data and weights")
    sub.add_argument("--plot", metavar="DIR", default=None, help="write the plots into DIR")
    sub.add_argument("--quiet", action="store_true", help="no progress bar")

    sub = command(
        "demo",
        run_demo,
        "the worked examples, their pictures, a short training run, and an index.html",
        "Print the two worked examples of the cs231n notes as tables ((x+y)·z and the sigmoid "
        "neuron), write the pictures and step-by-step pages of every worked example, train a "
        "small network on the moons dataset with its plots, and write an index.html linking "
        "everything.",
    )
    sub.add_argument("--out", metavar="DIR", default=DEMO_OUT, help=f"default: {DEMO_OUT}")
    sub.add_argument("--epochs", type=_positive_int, default=40, help="training epochs (40)")
    return parser


def _add_output_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--out", metavar="DIR", default=DEFAULT_OUT, help=f"where to write files ({DEFAULT_OUT})"
    )
    sub.add_argument("--format", choices=FORMATS, default="svg", help="picture format (svg)")
    sub.add_argument(
        "--digits", type=_digits, default=4, help="decimals shown in tables and pictures (4)"
    )
    sub.add_argument("--no-files", action="store_true", help="print the table only")


def _add_at_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--at",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        type=_assignment,
        help="the value of each variable, e.g. --at x=-2 y=5 z=-4",
    )


# ------------------------------------------------------------------------------------------------
# Argument types (argparse turns their errors into usage errors, exit code 2)
# ------------------------------------------------------------------------------------------------


def _assignment(text: str) -> tuple[str, float]:
    name, equals, number = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (for example x=-2)")
    try:
        value = float(number)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of {name} is not a number: {number!r}"
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"the value of {name} must be finite, got {number!r}")
    return name, value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= 12:
        raise argparse.ArgumentTypeError(f"expected 0 to 12 decimals, got {text!r}")
    return value


def _values(assignments: list[tuple[str, float]]) -> dict[str, float]:
    values: dict[str, float] = {}
    for name, value in assignments:
        if name in values:
            raise UsageError(f"--at gives {name} twice")
        values[name] = value
    return values


# ------------------------------------------------------------------------------------------------
# Files: pictures and the step-by-step page
# ------------------------------------------------------------------------------------------------


def write_graph_files(
    root: Value,
    out: Path,
    stem: str,
    format: str = "svg",
    digits: int = 4,
    title: str = "",
    description: str = "",
) -> list[Path]:
    """Write ``STEM-forward``, ``STEM-backward`` (pictures) and ``STEM-steps.html``; return them.

    Without Graphviz's ``dot`` the pictures are written as ``.dot`` sources, the step-by-step
    page is skipped, and a note on stderr says how to install Graphviz.
    """
    from .steps import render_steps
    from .viz import GraphvizNotFoundError, render  # imports graphviz only when drawing

    out.mkdir(parents=True, exist_ok=True)
    written = []
    have_dot = shutil.which("dot") is not None
    picture_format = format if have_dot else "dot"
    try:
        for mode in ("forward", "backward"):
            path = out / f"{stem}-{mode}.{picture_format}"
            written += _attempt(f"{mode} picture", render, root, path, mode=mode, precision=digits)
        if have_dot:
            path = out / f"{stem}-steps.html"
            written += _attempt(
                "step-by-step page", render_steps, root, path, digits, title, description
            )
    except GraphvizNotFoundError:
        have_dot = False
    except ImportError as error:  # the graphviz Python package is missing
        print(f"No pictures: {error}", file=sys.stderr)
        return written
    if not have_dot:
        print(INSTALL_GRAPHVIZ, file=sys.stderr)
    return written


def _attempt(what: str, write, *args, **options) -> list[Path]:
    """[the file written], or [] and a note on stderr when the graph is too big for it."""
    try:
        return [write(*args, **options)]
    except ValueError as error:  # GraphTooLargeError, or too many nodes for a step-by-step page
        print(f"No {what}: {error}", file=sys.stderr)
        return []


def _print_written(paths: list[Path]) -> None:
    if paths:
        print("\nwrote:")
        for path in paths:
            print(f"  {path}")


# ------------------------------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------------------------------


def run_examples(args: argparse.Namespace) -> int:
    width = max(len(name) for name in EXAMPLES)
    for example in EXAMPLES.values():
        print(f"{example.name:<{width}}  {example.title}")
    print(f"\nRun `{PROG} example NAME` for its table, pictures and step-by-step page.")
    return 0


def run_example(args: argparse.Namespace) -> int:
    try:
        example = get_example(args.name)
    except ValueError as error:
        raise UsageError(str(error)) from None
    root = example.run()
    print(f"{example.name}: {example.title}\n")
    print(example.teaches + "\n")
    print(node_table(root, args.digits))
    if example.explain is not None:
        print("\n" + example.explain(root))
    if not args.no_files:
        paths = write_graph_files(
            root,
            Path(args.out),
            example.name,
            args.format,
            args.digits,
            title=f"{example.name}: {example.title}",
            description=example.teaches,
        )
        _print_written(paths)
    return 0


def run_expr(args: argparse.Namespace) -> int:
    from .expr import parse

    expression = parse(args.expression)
    root = expression.evaluate(_values(args.at))
    root.backward()
    print(f"f = {args.expression}{_at_text(args.at, '   ')}\n")
    print(node_table(root, args.digits))
    if not args.no_files:
        paths = write_graph_files(
            root,
            Path(args.out),
            "expr",
            args.format,
            args.digits,
            title=f"f = {args.expression}",
            description=_at_text(args.at).strip(),
        )
        _print_written(paths)
    return 0


def _at_text(assignments: list[tuple[str, float]], gap: str = "") -> str:
    """'   at x = -2, y = 5' (empty when there are no variables)."""
    if not assignments:
        return ""
    return f"{gap}at " + ", ".join(f"{name} = {value:g}" for name, value in assignments)


def run_gradcheck(args: argparse.Namespace) -> int:
    from .expr import parse
    from .gradcheck import gradcheck

    expression = parse(args.expression)
    values = _values(args.at)
    expression.evaluate(values)  # reports a missing or extra variable, pointing at it
    inputs = [Value(values[name], label=name) for name in expression.variables]
    report = gradcheck(expression.function(), inputs, eps=args.eps)
    print(f"f = {args.expression}")
    print(report)
    return 0 if report else 1


# ------------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------------

# dataset -> (points, classes, hidden activation, epochs, learning rate for adam)
TRAINING_SETUPS = {
    "moons": (100, 2, "relu", 50, 0.05),
    "xor": (4, 2, "tanh", 150, 0.05),
    "circles": (100, 2, "relu", 50, 0.05),
    "spiral": (90, 3, "relu", 100, 0.02),
}
LEARNING_RATE_SCALE = {"sgd": 4.0, "momentum": 1.0, "rmsprop": 0.2, "adam": 1.0}
"""Default learning rate of each optimizer, relative to Adam's."""


def make_dataset(name: str, samples: int | None, seed: int) -> tuple[list, list]:
    """The (X, y) of a named 2-D dataset (see microgradpp.data)."""
    from . import data

    n = samples or TRAINING_SETUPS[name][0]
    if name == "moons":
        return data.make_moons(n, noise=0.1, seed=seed)
    if name == "circles":
        return data.make_circles(n, noise=0.05, seed=seed)
    if name == "xor":
        return data.make_xor(n, noise=0.0 if n == 4 else 0.1, seed=seed)
    return data.make_spiral(n, classes=3, noise=0.2, seed=seed)


def make_optimizer(name: str, params: list[Value], lr: float):
    """SGD, SGD with momentum 0.9, RMSprop or Adam over params."""
    from . import optim

    if name == "sgd":
        return optim.SGD(params, lr=lr)
    if name == "momentum":
        return optim.SGD(params, lr=lr, momentum=0.9)
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr)
    return optim.Adam(params, lr=lr)


def train(
    dataset: str,
    optimizer: str = "adam",
    epochs: int | None = None,
    lr: float | None = None,
    hidden: int = 16,
    samples: int | None = None,
    seed: int = 0,
    progress: bool = True,
):
    """Train an MLP on a named dataset; returns (model, history, X, y)."""
    from .nn import MLP
    from .train import fit

    _, classes, activation, default_epochs, adam_lr = TRAINING_SETUPS[dataset]
    X, y = make_dataset(dataset, samples, seed)
    outputs = 1 if classes == 2 else classes
    model = MLP(2, [hidden, hidden, outputs], activation=activation, seed=seed)
    learning_rate = lr if lr is not None else adam_lr * LEARNING_RATE_SCALE[optimizer]
    history = fit(
        model,
        "hinge" if classes == 2 else "cross_entropy",
        make_optimizer(optimizer, model.parameters(), learning_rate),
        (X, y),
        epochs or default_epochs,
        seed=seed,
        progress=progress,
    )
    return model, history, X, y


def write_training_plots(model, history, X, y, out: Path, stem: str, about: str = "") -> list[Path]:
    """The loss/accuracy curves, the decision boundary and the gradient flow, as PNG files.

    ``about`` (e.g. 'moons, 40 epochs of adam') starts each plot's title.
    """
    from .viz import plots

    def title(what: str) -> str:
        return f"{about}: {what}" if about and what else about or what

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, what, draw in (
        ("history", "training", plots.plot_history),
        ("gradient-flow", "", plots.plot_gradient_flow),  # its axes say "gradient flow per layer"
    ):
        path = out / f"{stem}-{name}.png"
        draw(history, path=path, title=title(what))
        written.append(path)
    path = out / f"{stem}-boundary.png"
    plots.plot_decision_boundary(model, X, y, path=path, title=title("decision boundary"))
    written.insert(1, path)
    return written


def run_train(args: argparse.Namespace) -> int:
    from .train import accuracy

    model, history, X, y = train(
        args.dataset,
        args.optimizer,
        args.epochs,
        args.lr,
        args.hidden,
        args.samples,
        args.seed,
        progress=not args.quiet,
    )
    print(
        f"{args.dataset}: {model.num_parameters()} parameters, {len(history.loss)} epochs "
        f"with {args.optimizer}; final loss {history.loss[-1]:.4f}, "
        f"final accuracy {accuracy(model, X, y):.1%} on {len(X)} points"
    )
    if args.plot:
        _print_written(
            write_training_plots(
                model,
                history,
                X,
                y,
                Path(args.plot),
                args.dataset,
                f"{args.dataset}, {len(history.loss)} epochs of {args.optimizer}",
            )
        )
    return 0


# ------------------------------------------------------------------------------------------------
# The demo
# ------------------------------------------------------------------------------------------------

DEMO_EXAMPLES = ("add-mul", "sigmoid-neuron")


def run_demo(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    entries: list[tuple[str, str, list[Path]]] = []
    for name, example in EXAMPLES.items():
        root = example.run()
        if name in DEMO_EXAMPLES:
            print(f"== {example.name}: {example.title}\n")
            print(node_table(root) + "\n")
        paths = write_graph_files(
            root,
            out,
            name,
            title=f"{example.name}: {example.title}",
            description=example.teaches,
        )
        entries.append((f"{example.name}: {example.title}", example.teaches, paths))

    print(f"== training a 2-16-16-1 network on the moons dataset ({args.epochs} epochs, adam)")
    from .train import accuracy

    model, history, X, y = train("moons", "adam", args.epochs, progress=True)
    final = accuracy(model, X, y)
    print(f"final loss {history.loss[-1]:.4f}, final accuracy {final:.1%} on {len(X)} points\n")
    try:
        plots = write_training_plots(
            model, history, X, y, out, "moons", f"moons, {len(history.loss)} epochs of adam"
        )
    except ImportError as error:
        print(f"No training plots: {error}", file=sys.stderr)
        plots = []
    entries.append(
        (
            f"Training: moons, {len(history.loss)} epochs of Adam, final accuracy {final:.1%}",
            "The loss and accuracy per epoch, the decision boundary the network learned, and "
            "the size of the gradients reaching each layer.",
            plots,
        )
    )
    index = write_index(out / "index.html", entries)
    others = [name for name in EXAMPLES if name not in DEMO_EXAMPLES]
    print(f"(the pictures of the other examples are there too: {', '.join(others)})")
    print(f"wrote {sum(len(paths) for _, _, paths in entries) + 1} files into {out}/")
    print(f"open {index} in a browser  ({time.perf_counter() - started:.1f} s)")
    return 0


def write_index(path: Path, entries: list[tuple[str, str, list[Path]]]) -> Path:
    """An index.html linking every file of the demo, pictures shown inline."""
    sections = []
    for heading, text, paths in entries:
        items = []
        for file in paths:
            link = html.escape(os.path.relpath(file, path.parent))
            if file.suffix in (".svg", ".png"):
                items.append(
                    f'<figure><a href="{link}"><img src="{link}" alt="{link}"></a>'
                    f"<figcaption>{link}</figcaption></figure>"
                )
            else:
                label = "step by step, forward then backward" if file.suffix == ".html" else ""
                items.append(f'<p class="file"><a href="{link}">{link}</a> {label}</p>')
        sections.append(
            f"<section><h2>{html.escape(heading)}</h2><p>{html.escape(text)}</p>"
            + "".join(items)
            + "</section>"
        )
    path.write_text(_INDEX.replace("{{sections}}", "\n".join(sections)), encoding="utf-8")
    return path


_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>microgradpp demo</title>
<style>
  body { font: 18px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem;
         max-width: 72rem; color: #111827; }
  h1 { margin-top: 0; }
  section { border-top: 1px solid #e5e7eb; padding-top: 0.5rem; margin-top: 1.5rem; }
  figure { display: inline-block; margin: 0.5rem 1rem 0.5rem 0; vertical-align: top; }
  figure img { max-width: 34rem; max-height: 22rem; border: 1px solid #e5e7eb; }
  figcaption, .file { font-size: 0.9rem; color: #4b5563; }
  .file a { font-weight: 600; }
</style>
</head>
<body>
<h1>microgradpp demo</h1>
<p>Everything below was computed by microgradpp on this machine. The step-by-step pages replay
the forward pass, then backward one node at a time (arrow keys, or print them as handouts).</p>
{{sections}}
</body>
</html>
"""
