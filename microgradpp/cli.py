"""The command line: ``microgradpp …`` or ``python -m microgradpp …``.

    microgradpp examples                              list the worked examples
    microgradpp example NAME [--out DIR]              a table of every node, pictures, a step-by-step page
    microgradpp expr "(x+y)*z" --at x=-2 y=5 z=-4     the same for any expression
    microgradpp gradcheck "x*y + exp(x)" --at x=1 y=2 backward() against central differences
    microgradpp train moons [--optimizer adam]        train a small network, with plots
    microgradpp train sine --layers 32 32             regression: a curve through noisy points
    microgradpp demo [--out DIR]                      all of it, with an index.html
    microgradpp worksheet --students 30 --level 1     printable worksheets with answer keys
    microgradpp quiz --level 1                        gradients one at a time, checked
    microgradpp exercise add-mul --out page.html      a page where students fill in the gradients

``--lang en|zh-Hant|zh-Hans`` chooses the language of tables, worksheets and quizzes (default: the
locale's, e.g. LANG=zh_TW.UTF-8 gives zh-Hant).

Exit codes: 0 success, 1 the command failed (the message says why), 2 the command line was wrong.
Errors go to stderr without a traceback (set MICROGRADPP_DEBUG=1 to see one).

This module only parses and dispatches: what a command does lives beside what it uses (training
recipes in ``train``, the demo in ``demo``, the files in ``outputs``), and the choices it offers
come from the registries (``data.DATASETS``, ``optim.OPTIMIZERS``, ``losses.LOSSES``).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .data import DATASETS
from .engine import Value
from .errors import GateError, GradientError, MicrogradppError
from .examples import EXAMPLES, get_example
from .expr import ExpressionError
from .i18n import LANGUAGES, LanguageError, Translator, normalize_language
from .losses import LOSSES
from .nn import ACTIVATIONS
from .optim import OPTIMIZERS
from .outputs import GRAPH_FILES_SECONDS, print_written, write_graph_files
from .streams import BROKEN_PIPE, ascii_fallback, silence_stdout
from .tables import node_table

PROG = "microgradpp"
DEFAULT_OUT = "microgradpp-output"
DEMO_OUT = "demo-output"
WORKSHEET_OUT = "worksheets"
FORMATS = ("svg", "png", "pdf")
PICTURE_MODES = ("forward", "backward", "both")
TRAIN_OPTIONS = (
    "optimizer", "lr", "epochs", "batch_size", "loss", "activation", "decay", "clip", "dropout",
    "test_split", "samples", "seed", "compiled",
)  # fmt: skip
"""The train command's options that are fields of ``train.Recipe`` of the same name."""

Command = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """The command line asks for something impossible: exit code 2, like argparse's errors."""


# ------------------------------------------------------------------------------------------------
# Entry point
# ------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failed, 2 usage error).

    Output degrades instead of failing: on a terminal or file that cannot show a character
    (a latin-1 or Windows console) it is written in ASCII (− as -, · as *); when the reader
    of a pipe goes away (``| head``) the command stops quietly with 141, as Unix tools do.
    """
    with ascii_fallback(sys.stdout, sys.stderr):
        try:
            code = _main(argv)
            sys.stdout.flush()  # a closed pipe shows up here, not at exit
            return code
        except BrokenPipeError:
            silence_stdout()
            return BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(_protect_expressions(parser, argv))
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
    except BrokenPipeError:
        raise  # not an error of the command: main() stops quietly
    except Exception as error:  # noqa: BLE001 - a command line reports, it does not crash
        if os.environ.get("MICROGRADPP_DEBUG"):
            raise
        print(f"{PROG} {args.command}: error: {_describe(error)}", file=sys.stderr)
        return 1


def _protect_expressions(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """argv with an expression that starts with a minus ("-x*y") marked as not being an option.

    argparse takes every argument that starts with "-" for an option (only negative numbers are
    let through), so ``expr "-x*y"`` would be refused. For a command that takes an expression
    (``_add_expression_argument``), an argument that starts with a single "-", is none of the
    command's options (-h) and is not the value of an option before it gets a leading space,
    which argparse leaves alone and the expression parser skips.
    """
    command = _subcommands(parser).get(argv[0]) if argv else None
    if command is None or not command.get_default("takes_expression"):
        return argv
    options = command._option_string_actions
    takes_a_value = {name for name, action in options.items() if action.nargs != 0}
    protected = argv[:1]
    for previous, arg in zip(argv, argv[1:]):
        is_expression = (
            arg.startswith("-")
            and not arg.startswith("--")
            and arg not in options
            and previous not in takes_a_value
        )
        protected.append(" " + arg if is_expression else arg)
    return protected


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each command's name -> its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


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

    def command(
        name: str, run: Command, help: str, description: str, epilog: str | None = None
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=description, epilog=epilog)
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
    _add_lang_option(sub)

    sub = command(
        "expr",
        run_expr,
        "any expression: table, pictures and step-by-step page",
        "Parse an expression safely (no eval), build its graph at the given values, run "
        "backward(), print the table of every node and write the same files as `example`.",
    )
    _add_expression_argument(sub, "expression", 'for example "(x+y)*z" or "sigmoid(w*x + b)"')
    _add_at_option(sub)
    _add_output_options(sub)
    sub.add_argument(
        "--name",
        type=_file_stem,
        default="expr",
        help="start of the file names: NAME-forward.svg, NAME-backward.svg, NAME-steps.html "
        "(expr); give each expression its own to keep the files of earlier ones",
    )
    _add_lang_option(sub)

    sub = command(
        "gradcheck",
        run_gradcheck,
        "compare backward() with central differences",
        "Compare the gradient backward() computes with central differences (f(x+ε) − f(x−ε))/2ε, "
        "for every variable of an expression. Exits with 1 if any check fails.",
    )
    _add_expression_argument(sub, "expression", 'for example "x*y + exp(x)"')
    _add_at_option(sub)
    sub.add_argument("--eps", type=_positive_float, default=1e-6, help="the step ε (1e-6)")

    sub = command(
        "train",
        run_train,
        "train a small network on a dataset",
        "Train a multi-layer perceptron on a small dataset, with a progress bar. Prints the "
        "network, the optimizer and the loss, then the loss and accuracy on the training points "
        "and on test points kept out of training (--test-split); with --plot, writes the loss "
        "curve, the decision boundary and the gradient flow. Says so when the network learned "
        "nothing, and exits with 1 when the run died (most ReLUs dead: more epochs cannot help).",
        epilog="datasets: "
        + "; ".join(f"{name}: {entry.description}" for name, entry in DATASETS.items())
        + ". Defaults depend on the dataset (see microgradpp.train.RECIPES).",
    )
    sub.add_argument("dataset", choices=DATASETS, help="the dataset: " + ", ".join(DATASETS))
    sub.add_argument("--optimizer", choices=OPTIMIZERS, help="default: adam")
    sub.add_argument("--lr", type=_positive_float, help="learning rate (default: per optimizer)")
    sub.add_argument("--epochs", type=_positive_int, help="default: per dataset")
    sub.add_argument("--batch-size", type=_positive_int, help="default: all points (full batch)")
    sub.add_argument(
        "--loss",
        choices=LOSSES,
        metavar="LOSS",
        help=f"{', '.join(LOSSES)} (default: hinge for 2 classes, cross_entropy for more, mse "
        "for regression)",
    )
    sub.add_argument(
        "--layers", type=_positive_int, nargs="+", metavar="N", help="hidden widths (16 16)"
    )
    sub.add_argument(
        "--hidden", type=_positive_int, metavar="N", help="two hidden layers of N: --layers N N"
    )
    sub.add_argument("--activation", choices=ACTIVATIONS, help="hidden layers' (default: relu)")
    sub.add_argument(
        "--decay", type=_non_negative_float, help="weight decay: every step pulls weights to 0"
    )
    sub.add_argument("--clip", type=_positive_float, help="clip the gradient norm to this")
    sub.add_argument(
        "--dropout", type=_fraction, metavar="P", help="drop hidden units with this probability"
    )
    sub.add_argument(
        "--test-split", type=_fraction, metavar="F", help="fraction kept for testing (0.25)"
    )
    sub.add_argument("--samples", type=_positive_int, help="points in the dataset")
    sub.add_argument("--seed", type=int, help="seed of the data, the split and the weights (0)")
    sub.add_argument("--plot", metavar="DIR", default=None, help="write the plots into DIR")
    sub.add_argument("--quiet", action="store_true", help="no progress bar")
    sub.add_argument(
        "--compiled",
        action="store_true",
        default=None,
        help="run each mini-batch as one numpy program (microgradpp.compiled; needs numpy)",
    )

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

    sub = command(
        "worksheet",
        run_worksheet,
        "printable worksheets with answer keys, a different graph per student",
        "Write one printable A4 worksheet per student, each with a different random graph of the "
        "level (the forward graph with blanks for values and gradients, and a table to fill in), "
        "a separate answer key per student (the engine's own backward), a class summary and "
        "files to print them all. The same seed gives byte-identical files.",
        epilog="levels: 1: + and × only; 2: exp, 1/x or max and a node used twice; 3: a sigmoid "
        "neuron gate by gate, or a 2-2-1 network.",
    )
    sub.add_argument("--students", type=_positive_int, default=30, help="one sheet each (30)")
    _add_level_options(sub)
    sub.add_argument(
        "--out", metavar="DIR", default=WORKSHEET_OUT, help=f"where to write ({WORKSHEET_OUT})"
    )
    _add_lang_option(sub)

    sub = command(
        "quiz",
        run_quiz,
        "a backpropagation quiz in the terminal",
        "Show a small random graph and its forward pass, then ask its gradients one at a time, "
        "in the order backward finds them. A wrong answer gets a hint (the rule of the gate), "
        "then one more try. Ctrl-D stops; the score counts answers right at the first try.",
    )
    _add_level_options(sub)
    _add_lang_option(sub)

    sub = command(
        "exercise",
        run_exercise,
        "an exercise page: every gradient box is an input the page checks",
        "Write one offline HTML page with the graph of a worked example or an expression: the "
        "values are given and every gradient box is an input. The page checks each answer "
        "(within half the last shown digit), gives the gate's rule as a hint when it is wrong, "
        "the answer only on request, and a score at the end; 'Reveal all' is for the teacher.",
    )
    _add_expression_argument(
        sub, "source", 'a worked example (add-mul) or an expression ("x*y")', "EXAMPLE|EXPR"
    )
    _add_at_option(sub)
    sub.add_argument("--out", metavar="FILE", default="exercise.html", help="(exercise.html)")
    sub.add_argument("--digits", type=_digits, default=2, help="decimals of the numbers shown (2)")
    sub.add_argument(
        "--order",
        choices=("backward", "any"),
        default="backward",
        help="backward: each box opens when the one before it is done; any (the page can switch)",
    )
    _add_lang_option(sub)
    return parser


def _add_expression_argument(
    sub: argparse.ArgumentParser, name: str, help: str, metavar: str | None = None
) -> None:
    """The command's positional argument ``name`` is an expression, which may start with a minus
    ("-x*y": see ``_protect_expressions``)."""
    sub.add_argument(name, metavar=metavar, help=help)
    sub.set_defaults(takes_expression=True)


def _add_level_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--level", type=int, choices=(1, 2, 3), default=1, help="1, 2 or 3 (1)")
    sub.add_argument(
        "--seed", type=_non_negative_int, help="the same seed gives the same graphs (random)"
    )


def _add_lang_option(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--lang",
        type=_language,
        metavar="LANG",
        help=f"{', '.join(LANGUAGES)} (default: from the locale, LANG=zh_TW.UTF-8 gives zh-Hant)",
    )


def _add_output_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--out", metavar="DIR", default=DEFAULT_OUT, help=f"where to write files ({DEFAULT_OUT})"
    )
    sub.add_argument("--format", choices=FORMATS, default="svg", help="picture format (svg)")
    sub.add_argument(
        "--digits", type=_digits, default=4, help="decimals shown in tables and pictures (4)"
    )
    sub.add_argument("--no-files", action="store_true", help="print the table only")
    sub.add_argument(
        "--mode",
        nargs="+",
        choices=PICTURE_MODES,
        default=["forward", "backward"],
        help="pictures to draw: forward (values), backward (gradients), both (values above, "
        "gradients below, as in the cs231n notes); default: forward backward",
    )
    sub.add_argument(
        "--rankdir",
        choices=("auto", "LR", "TB"),
        default="auto",
        help="direction of the pictures and the step page: LR (inputs on the left), TB (inputs "
        "on top), auto (whichever comes out larger on a 1920x1080 screen; default)",
    )


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
    from .expr import parse_number, plain

    name, equals, number = plain(text).partition("=")  # (full-width ＝ and ｘ are typed too)
    name = name.strip()
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (for example x=-2)")
    number = text[len(text) - len(number) :]  # as typed, for the message
    try:
        value = parse_number(number)  # the expression's own rules: −2 as the tables print it
    except OverflowError:
        raise argparse.ArgumentTypeError(
            f"the value of {name} must be finite, got {number!r}"
        ) from None
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"the value of {name} is not a number: {number!r}"
        ) from None
    return name, value


def _file_stem(text: str) -> str:
    if text in ("", ".", "..") or text != text.strip() or any(c in text for c in '/\\:*?"<>|'):
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot start a file name: use letters, digits, - and _ (e.g. sigmoid)"
        )
    return text


def _number_type(
    convert: Callable[[str], float], accept: Callable[[float], bool], expected: str
) -> Callable[[str], Any]:
    """An argparse ``type``: ``convert`` the text (int or float), then check it with ``accept``."""

    def parse(text: str) -> float:
        try:
            value = convert(text)
        except ValueError:
            kind = "a whole number" if convert is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


_positive_int = _number_type(int, lambda n: n >= 1, "a positive whole number")
_positive_float = _number_type(float, lambda x: 0.0 < x < math.inf, "a positive number")
_non_negative_float = _number_type(float, lambda x: 0.0 <= x < math.inf, "a number >= 0")
_fraction = _number_type(float, lambda x: 0.0 <= x < 1.0, "a number from 0 to below 1")
_non_negative_int = _number_type(int, lambda n: n >= 0, "a whole number >= 0")
_digits = _number_type(int, lambda n: 0 <= n <= 12, "0 to 12 decimals")


def _language(text: str) -> str:
    try:
        return normalize_language(text)
    except LanguageError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _values(assignments: list[tuple[str, float]]) -> dict[str, float]:
    values: dict[str, float] = {}
    for name, value in assignments:
        if name in values:
            raise UsageError(f"--at gives {name} twice")
        values[name] = value
    return values


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
    print(node_table(root, args.digits, lang=args.lang))
    if example.explain is not None:
        print("\n" + example.explain(root))
    if args.no_files:
        return 0
    return _write_graph_files(
        args, root, example.name, f"{example.name}: {example.title}", example.teaches
    )


def run_expr(args: argparse.Namespace) -> int:
    from .expr import parse

    text = args.expression.strip()  # (an expression starting with "-" got a leading space)
    expression = parse(text)
    with _remedies_for_expressions():
        root = expression.evaluate(_values(args.at))
        root.backward()
    heading = f"{expression.root_name()} = {text}"
    print(f"{heading}{_at_text(args.at, '   ')}\n")
    print(node_table(root, args.digits, lang=args.lang))
    if args.no_files:
        return 0
    return _write_graph_files(args, root, args.name, heading, _at_text(args.at).strip())


def _write_graph_files(
    args: argparse.Namespace, root: Value, stem: str, title: str, description: str
) -> int:
    """The pictures and step page of ``example`` and ``expr`` (options from the command line),
    the list of what was written, and the exit code (1 if a promised file is missing)."""
    missing: list[str] = []
    paths = write_graph_files(
        root,
        Path(args.out),
        stem,
        args.format,
        args.digits,
        title=title,
        description=description,
        missing=missing,
        seconds=GRAPH_FILES_SECONDS,
        modes=tuple(dict.fromkeys(args.mode)),
        lang=Translator(args.lang).lang,
        rankdir=args.rankdir,
    )
    print_written(paths)
    return _report_missing(args, missing)


def _report_missing(args: argparse.Namespace, missing: list[str]) -> int:
    """0 when every promised file was written; else say which were not (why is above) and 1."""
    if not missing:
        return 0
    print(
        f"{PROG} {args.command}: not written: {', '.join(missing)} (see above). The table is "
        "complete; --no-files prints only the table",
        file=sys.stderr,
    )
    return 1


@contextmanager
def _remedies_for_expressions() -> Iterator[None]:
    """Errors of evaluating a typed expression, with advice that fits an expression.

    The engine's advice for a value or gradient too large for a float is training advice (lower
    the learning rate, clip gradients), and a gate's advice is for code (clamp the input); for an
    expression typed on the command line the remedy is to choose other values.
    """
    try:
        yield
    except GateError as error:
        raise error.with_remedy("choose other values with --at") from None
    except GradientError as error:
        problem = str(error).partition(" all gradients were restored.")[0]
        raise GradientError(
            f"{problem} a float cannot hold it. Remedy: choose other values with --at"
        ) from None


def _at_text(assignments: list[tuple[str, float]], gap: str = "") -> str:
    """'   at x = -2, y = 5' (empty when there are no variables)."""
    if not assignments:
        return ""
    return f"{gap}at " + ", ".join(f"{name} = {value:g}" for name, value in assignments)


def run_gradcheck(args: argparse.Namespace) -> int:
    from .expr import parse
    from .gradcheck import gradcheck

    text = args.expression.strip()  # (an expression starting with "-" got a leading space)
    expression = parse(text)
    values = _values(args.at)
    with _remedies_for_expressions():
        expression.evaluate(values)  # reports a missing or extra variable, pointing at it
        inputs = [Value(values[name], label=name) for name in expression.variables]
        report = gradcheck(expression.function(), inputs, eps=args.eps)
    print(f"{expression.root_name()} = {text}")
    print(report)
    return 0 if report else 1


def run_train(args: argparse.Namespace) -> int:
    from .outputs import write_training_plots
    from .train import recipe, run_recipe

    changes = {
        option: getattr(args, option)
        for option in TRAIN_OPTIONS
        if getattr(args, option) is not None
    }
    if args.hidden is not None:
        if args.layers is not None:
            raise UsageError(
                "give --hidden (two hidden layers of that width) or --layers, not both"
            )
        changes["layers"] = (args.hidden, args.hidden)
    elif args.layers is not None:
        changes["layers"] = tuple(args.layers)
    try:
        chosen = recipe(args.dataset, **changes)
    except ValueError as error:  # e.g. --loss mse on a classification dataset
        raise UsageError(str(error)) from None
    run = run_recipe(chosen, progress=not args.quiet)
    print(run.summary())
    if args.plot:
        print_written(write_training_plots(run, Path(args.plot), args.dataset))
    problem = run.diagnose()
    if problem is not None:
        print(f"{PROG} train: {problem.message}", file=sys.stderr)
    return 1 if problem is not None and problem.died else 0


def run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo as demo

    missing: list[str] = []
    demo(Path(args.out), args.epochs, missing=missing)
    if missing:
        print(f"{PROG} demo: not written: {', '.join(missing)} (see above)", file=sys.stderr)
        return 1
    return 0


def run_worksheet(args: argparse.Namespace) -> int:
    from .practice import MAX_STUDENTS
    from .worksheets import write_worksheets

    if args.students > MAX_STUDENTS:
        raise UsageError(f"--students: at most {MAX_STUDENTS}, got {args.students}")
    t = Translator(args.lang)
    seed = _seed(args.seed)
    out = Path(args.out)
    write_worksheets(out, students=args.students, seed=seed, level=args.level, lang=t.lang)
    print(
        t(
            "cli.worksheets_written",
            students=args.students,
            level=args.level,
            seed=seed,
            out=out,
            summary=out / "summary.html",
        )
    )
    return 0


def run_quiz(args: argparse.Namespace) -> int:
    from .quiz import run_quiz as quiz

    def ask(prompt: str) -> str:
        answer = input(prompt)
        if not sys.stdin.isatty():  # answers piped in: show them, so the output reads as a dialogue
            print(answer)
        return answer

    quiz(level=args.level, seed=_seed(args.seed), lang=args.lang, ask=ask)
    return 0


def _seed(seed: int | None) -> int:
    """The seed given, or a new one (printed by the command, so the same run can be repeated)."""
    import random

    return seed if seed is not None else random.SystemRandom().randrange(1, 100_000)


def run_exercise(args: argparse.Namespace) -> int:
    from .expr import parse
    from .steps.exercise import exercise_page

    t = Translator(args.lang)
    args.source = args.source.strip()  # (an expression starting with "-" got a leading space)
    if args.source in EXAMPLES:
        if args.at:
            raise UsageError(f"{args.source} is a worked example: it has its own values, no --at")
        example = get_example(args.source)
        root, description = example.build(), example.teaches
    else:
        root = parse(args.source).evaluate(_values(args.at))
        description = _at_text(args.at).strip()
    if args.digits > 6:
        raise UsageError(f"--digits: an exercise shows at most 6 decimals, got {args.digits}")
    path = exercise_page(
        root, args.out, digits=args.digits, order=args.order, lang=t.lang, description=description
    )
    print(t("cli.exercise_written", path=path))
    return 0
