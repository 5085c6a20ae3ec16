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
    microgradpp assignment --roster class.csv --name hw3 --seed 7   a graded page per student
    microgradpp grade submissions/ --assignment hw3 --out grades    grades.csv, report.html

``--lang en|zh-Hant|zh-Hans`` (anywhere on the line) chooses the language of everything the
command line says — help, errors, tables, lessons, pages, worksheets, quizzes (default: the
locale's, e.g. LANG=zh_TW.UTF-8 gives zh-Hant). Every text comes from the catalogs
(``microgradpp/locale/*.json``); argparse's own words too (``i18n.argparse_language``).

Exit codes: 0 success, 1 the command failed (the message says why), 2 the command line was wrong.
Errors go to stderr without a traceback (set MICROGRADPP_DEBUG=1 to see one).

This module only parses and dispatches: what a command does lives beside what it uses (training
recipes in ``train``, the demo in ``demo``, the files in ``outputs``), and the choices it offers
come from the registries (``data.DATASETS``, ``optim.OPTIMIZERS``, ``losses.LOSSES``).
"""

from __future__ import annotations

import argparse
import difflib
import errno
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .data import DATASETS
from .engine import Value
from .errors import GateError, GradientError, MicrogradppError
from .examples import EXAMPLES, Example, get_example
from .expr import ExpressionError
from .files import os_reason
from .i18n import (
    LANGUAGES,
    LanguageError,
    Listed,
    Translator,
    argparse_language,
    normalize_language,
    speaking,
    translated,
)
from .losses import LOSSES
from .nn import ACTIVATIONS
from .optim import OPTIMIZERS
from .outputs import GRAPH_FILES_SECONDS, print_written, write_graph_files
from .streams import BROKEN_PIPE, ascii_fallback, silence_stdout
from .tables import NO_LINE_START, node_table, wrap_wide

PROG = "microgradpp"
DEFAULT_OUT = "microgradpp-output"
DEMO_OUT = "demo-output"
WEB_OUT = "playground"
WEB_CACHE = "~/.cache/microgradpp-web"
WEB_NOTEBOOKS = "notebooks"
"""Where `microgradpp web` keeps the packages it downloads (checked by hash at every build)."""
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
    argv = list(sys.argv[1:] if argv is None else argv)
    t = _shown(Translator(_language_in(argv)), sys.stdout, sys.stderr)
    with argparse_language(t.lang):  # argparse's own words ("usage:", "error:") in it too
        return _run(build_parser(t.lang), argv, t)


def _shown(t: Translator, *streams: Any) -> Translator:
    """t, or English when a stream's encoding cannot write t's language: with
    ``PYTHONIOENCODING=ascii`` (or a latin-1 console) and ``LANG=zh_TW.UTF-8``, every Chinese
    character would come out as "?"; English comes out whole."""
    if t.lang == "en":
        return t
    sample = t("cli.description")  # a sentence in the language, in its own characters
    for stream in streams:
        encoding = getattr(stream, "encoding", None)
        if not encoding:
            continue
        try:
            sample.encode(encoding)
        except UnicodeEncodeError:
            return Translator("en")
        except LookupError:  # an encoding Python does not know: it cannot say either
            continue
    return t


def _language_in(argv: list[str]) -> str | None:
    """The language a ``--lang`` anywhere in argv asks for, so that help and errors that come
    before (or instead of) a successful parse are in it; None (the locale's) if there is none
    or it names no catalog (argparse then reports it, in the locale's language)."""
    found = None
    for previous, arg in zip(["", *argv], argv):
        value = arg.partition("=")[2] if arg.startswith("--lang=") else arg
        if previous == "--lang" or arg.startswith("--lang="):
            try:
                found = normalize_language(value)
            except LanguageError:
                pass
    return found


def _run(parser: argparse.ArgumentParser, argv: list[str], t: Translator) -> int:
    try:
        args = parser.parse_args(_protect_expressions(parser, argv))
    except SystemExit as exit:  # argparse: --help (0) or a usage error (2), already printed
        return exit.code if isinstance(exit.code, int) else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    args.lang_given = getattr(args, "lang", None)  # None: no --lang on the command line
    args.lang, args.t = t.lang, t  # (every command's texts follow the one language)
    try:
        return args.run(args)
    except (UsageError, ExpressionError) as error:  # a bad expression is a bad command line
        if isinstance(error, UsageError):  # an expression error points at the character instead
            args.subparser.print_usage(sys.stderr)
        message = _expression_error(t, error) if isinstance(error, ExpressionError) else error
        print(t("cli.error", prog=args.subparser.prog, message=message), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(t("cli.interrupted", prog=PROG), file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise  # not an error of the command: main() stops quietly
    except Exception as error:  # noqa: BLE001 - a command line reports, it does not crash
        if os.environ.get("MICROGRADPP_DEBUG"):
            raise
        prog = f"{PROG} {args.command}"
        print(t("cli.error", prog=prog, message=_describe(t, error)), file=sys.stderr)
        return 1


def _protect_expressions(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """argv with an expression that starts with a minus ("-x*y", "--x", "--x*y") marked as not
    being an option.

    argparse takes every argument that starts with "-" for an option (only negative numbers are
    let through), so ``expr "-x*y"`` would be refused. For a command that takes an expression
    (``_add_expression_argument``), such an argument gets a leading space, which argparse leaves
    alone and the expression parser skips, when it is not the value of an option before it and
    either starts with a single "-" and is none of the command's options (-h), or starts with
    "--", is none of its options, and no other argument can be the expression (so a mistyped
    option, ``--digts 3 x*y``, is still reported as one).
    """
    command = _subcommands(parser).get(argv[0]) if argv else None
    if command is None or not command.get_default("takes_expression"):
        return argv
    options = command._option_string_actions
    takes_a_value = {name for name, action in options.items() if action.nargs != 0}
    many_values = {name for name, action in options.items() if action.nargs in ("+", "*")}

    def is_option(arg: str) -> bool:
        return arg in options or arg.partition("=")[0] in options

    protected, positionals, long_dashes = argv[:1], 0, []
    values_of = ""  # the option whose values the arguments now are
    for index, arg in enumerate(argv[1:], 1):
        if is_option(arg):
            values_of = arg if arg in takes_a_value else ""
            protected.append(arg)
            continue
        if values_of and not (arg.startswith("-") and not _is_number(arg)):
            protected.append(arg)  # a value of the option before it
            values_of = values_of if values_of in many_values else ""
            continue
        values_of = ""
        if arg.startswith("--"):
            long_dashes.append(index)
        elif arg.startswith("-"):
            arg = " " + arg  # "-x*y": an expression
            positionals += 1
        else:
            positionals += 1
        protected.append(arg)
    if positionals == 0 and long_dashes:  # "--x": the only thing that can be the expression
        protected[long_dashes[0]] = " " + protected[long_dashes[0]]
    return protected


def _is_number(text: str) -> bool:
    """'-1', '-2.5e3': what argparse itself lets through as a negative number."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Each command's name -> its parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _describe(t: Translator, error: BaseException) -> str:
    """What went wrong, in t's language: an error made with ``i18n.error`` (or a gate's) by its
    catalog words, a file error by its errno, anything else as Python says it."""
    if isinstance(error, OSError) and error.filename is not None:
        name = errno.errorcode.get(error.errno or 0, "")
        key = f"files.error.{name}" if f"files.error.{name}" in t.catalog else "files.error.other"
        return t(key, path=error.filename, reason=os_reason(error))
    if isinstance(error, MicrogradppError) or getattr(error, "words", None) is not None:
        return translated(error, t.lang)
    if isinstance(error, (ValueError, TypeError, OSError, ImportError)):
        return str(error)
    return t("cli.error.unexpected", error=f"{type(error).__name__}: {error}")


def _expression_error(t: Translator, error: ExpressionError) -> str:
    """The expression error in t's language, with the caret under the spot."""
    return error.translated(t.lang)


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """The argparse parser of every command (each sub-command stores its function in ``run``).

    Every help text comes from the catalogs (``microgradpp/locale/*.json``, keys ``cli.*``) in
    ``lang`` (default: the locale's). argparse's own words come from the same catalogs through
    :func:`microgradpp.i18n.argparse_language`: those it writes while building ("options",
    "show this help message and exit") here, those it writes while parsing ("usage:",
    "error:") in :func:`main`, which parses inside it too.
    """
    t = Translator(lang)
    with argparse_language(t.lang):
        return _build_parser(t)


def _build_parser(t: Translator) -> argparse.ArgumentParser:
    types = ArgumentTypes(t)
    formatter = argparse.HelpFormatter if t.lang == "en" else WideCharacterHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=t("cli.description"),
        epilog=t("cli.epilog"),
        formatter_class=formatter,
    )
    _add_lang_option(parser, types)
    commands = parser.add_subparsers(dest="command", title=t("cli.commands"), metavar="COMMAND")

    def command(name: str, run: Command, epilog: str | None = None) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=t(f"cli.{name}.help"),
            description=t(f"cli.{name}.description"),
            epilog=epilog,
            formatter_class=formatter,
        )
        sub.set_defaults(run=run, subparser=sub)
        return sub

    sub = command("examples", run_examples)
    _add_lang_option(sub, types)

    sub = command("example", run_example)
    sub.add_argument("name", metavar="NAME", help=t("cli.example.name"))
    _add_output_options(sub, t, types)
    _add_lang_option(sub, types)

    sub = command("expr", run_expr)
    _add_expression_argument(sub, "expression", t("cli.expr.expression"))
    _add_at_option(sub, t, types)
    _add_output_options(sub, t, types)
    sub.add_argument("--name", type=types.file_stem, default="expr", help=t("cli.expr.name"))
    _add_lang_option(sub, types)

    sub = command("gradcheck", run_gradcheck)
    _add_expression_argument(sub, "expression", t("cli.gradcheck.expression"))
    _add_at_option(sub, t, types)
    sub.add_argument("--eps", type=types.positive_float, default=1e-6, help=t("cli.gradcheck.eps"))
    _add_lang_option(sub, types)

    datasets = "; ".join(f"{name}: {_dataset_description(t, name)}" for name in DATASETS)
    sub = command("train", run_train, epilog=t("cli.train.epilog", datasets=datasets))
    sub.add_argument(
        "dataset", choices=DATASETS, help=t("cli.train.dataset", names=", ".join(DATASETS))
    )
    sub.add_argument("--optimizer", choices=OPTIMIZERS, help=t("cli.train.optimizer"))
    sub.add_argument("--lr", type=types.positive_float, help=t("cli.train.lr"))
    sub.add_argument("--epochs", type=types.positive_int, help=t("cli.train.epochs"))
    sub.add_argument("--batch-size", type=types.positive_int, help=t("cli.train.batch_size"))
    sub.add_argument(
        "--loss", choices=LOSSES, metavar="LOSS", help=t("cli.train.loss", names=", ".join(LOSSES))
    )
    sub.add_argument(
        "--layers", type=types.positive_int, nargs="+", metavar="N", help=t("cli.train.layers")
    )
    sub.add_argument("--hidden", type=types.positive_int, metavar="N", help=t("cli.train.hidden"))
    sub.add_argument("--activation", choices=ACTIVATIONS, help=t("cli.train.activation"))
    sub.add_argument("--decay", type=types.non_negative_float, help=t("cli.train.decay"))
    sub.add_argument("--clip", type=types.positive_float, help=t("cli.train.clip"))
    sub.add_argument("--dropout", type=types.fraction, metavar="P", help=t("cli.train.dropout"))
    sub.add_argument(
        "--test-split", type=types.fraction, metavar="F", help=t("cli.train.test_split")
    )
    sub.add_argument("--samples", type=types.positive_int, help=t("cli.train.samples"))
    sub.add_argument("--seed", type=types.integer, help=t("cli.train.seed"))
    sub.add_argument("--plot", metavar="DIR", default=None, help=t("cli.train.plot"))
    sub.add_argument("--quiet", action="store_true", help=t("cli.train.quiet"))
    sub.add_argument("--compiled", action="store_true", default=None, help=t("cli.train.compiled"))
    _add_lang_option(sub, types)

    sub = command("demo", run_demo)
    sub.add_argument(
        "--out", metavar="DIR", default=DEMO_OUT, help=t("cli.option.default", default=DEMO_OUT)
    )
    sub.add_argument(
        "--epochs", type=types.positive_int, default=40, help=t("cli.demo.epochs", epochs=40)
    )
    _add_lang_option(sub, types)

    sub = command("web", run_web)
    sub.add_argument(
        "--out", metavar="DIR", default=WEB_OUT, help=t("cli.option.default", default=WEB_OUT)
    )
    sub.add_argument(
        "--cache", metavar="DIR", default=WEB_CACHE, help=t("cli.web.cache", default=WEB_CACHE)
    )
    sub.add_argument(
        "--notebooks",
        metavar="DIR",
        default=WEB_NOTEBOOKS,
        help=t("cli.web.notebooks", default=WEB_NOTEBOOKS),
    )
    _add_lang_option(sub, types)

    sub = command("worksheet", run_worksheet, epilog=t("cli.worksheet.epilog"))
    sub.add_argument(
        "--students", type=types.positive_int, default=30, help=t("cli.worksheet.students")
    )
    _add_level_options(sub, t, types)
    sub.add_argument(
        "--out",
        metavar="DIR",
        default=WORKSHEET_OUT,
        help=t("cli.worksheet.out", out=WORKSHEET_OUT),
    )
    _add_lang_option(sub, types)

    sub = command("quiz", run_quiz)
    _add_level_options(sub, t, types)
    _add_lang_option(sub, types)

    sub = command("exercise", run_exercise)
    _add_expression_argument(sub, "source", t("cli.exercise.source"), "EXAMPLE|EXPR")
    _add_at_option(sub, t, types)
    sub.add_argument("--out", metavar="FILE", default="exercise.html", help=t("cli.exercise.out"))
    sub.add_argument("--digits", type=types.digits, default=2, help=t("cli.exercise.digits"))
    sub.add_argument(
        "--order",
        choices=("backward", "any"),
        default="backward",
        help=t("cli.exercise.order"),
    )
    sub.add_argument(
        "--worked",
        type=types.non_negative_int,
        default=0,
        metavar="K",
        help=t("cli.exercise.worked"),
    )
    _add_lang_option(sub, types)

    sub = command("assignment", run_assignment, epilog=t("cli.worksheet.epilog"))
    sub.add_argument("--roster", metavar="CSV", required=True, help=t("cli.assignment.roster"))
    sub.add_argument("--name", metavar="NAME", required=True, help=t("cli.assignment.name"))
    sub.add_argument("--level", type=int, choices=(1, 2, 3), default=1, help=t("cli.option.level"))
    sub.add_argument(
        "--problems", type=types.positive_int, default=1, metavar="N",
        help=t("cli.assignment.problems"),
    )  # fmt: skip
    sub.add_argument(
        "--seed", type=types.non_negative_int, required=True, help=t("cli.assignment.seed")
    )
    sub.add_argument("--practice", action="store_true", help=t("cli.assignment.practice"))
    sub.add_argument("--out", metavar="DIR", help=t("cli.assignment.out"))
    _add_lang_option(sub, types)

    sub = command("grade", run_grade)
    sub.add_argument(
        "submissions", nargs="+", metavar="SUBMISSION", help=t("cli.grade.submissions")
    )
    sub.add_argument("--assignment", metavar="DIR", required=True, help=t("cli.grade.assignment"))
    sub.add_argument("--out", metavar="DIR", default="grades", help=t("cli.grade.out"))
    sub.add_argument(
        "--gradescope-metadata", metavar="FILE", help=t("cli.grade.gradescope_metadata")
    )
    sub.add_argument(
        "--gradescope-feedback",
        choices=("after-due-date", "immediate"),
        default="after-due-date",
        help=t("cli.grade.gradescope_feedback"),
    )
    _add_lang_option(sub, types)
    return parser


class WideCharacterHelpFormatter(argparse.HelpFormatter):
    """argparse's help layout for Chinese: lines wrapped by the columns a terminal gives each
    character (a Chinese character takes two), and between any two Chinese characters, since
    Chinese puts no spaces between words; closing punctuation (，。）) never starts a line.
    argparse's own formatter wraps at spaces and counts characters, which leaves Chinese lines
    twice as wide as the terminal."""

    def format_help(self) -> str:
        # argparse ends a section's title with an ASCII ":" of its own ("選項:"): use "："
        return re.sub(r"^(\S[^\n]*):$", r"\1：", super().format_help(), flags=re.MULTILINE)

    def _split_lines(self, text: str, width: int) -> list[str]:
        return wrap_wide(" ".join(text.split()), width, NO_LINE_START)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = wrap_wide(" ".join(text.split()), width - len(indent), NO_LINE_START)
        return "\n".join(indent + line for line in lines)


def _dataset_description(t: Translator, name: str) -> str:
    """A dataset's description in t's language (the registry's English if there is none)."""
    key = f"cli.dataset.{name}"
    return t(key) if key in t.catalog else DATASETS[name].description


def _add_expression_argument(
    sub: argparse.ArgumentParser, name: str, help: str, metavar: str | None = None
) -> None:
    """The command's positional argument ``name`` is an expression, which may start with a minus
    ("-x*y": see ``_protect_expressions``)."""
    sub.add_argument(name, metavar=metavar, help=help)
    sub.set_defaults(takes_expression=True)


def _add_level_options(sub: argparse.ArgumentParser, t: Translator, types: ArgumentTypes) -> None:
    sub.add_argument("--level", type=int, choices=(1, 2, 3), default=1, help=t("cli.option.level"))
    sub.add_argument("--seed", type=types.non_negative_int, help=t("cli.option.seed"))


def _add_lang_option(sub: argparse.ArgumentParser, types: ArgumentTypes) -> None:
    sub.add_argument(
        "--lang",
        type=types.language,
        metavar="LANG",
        help=types.t("cli.option.lang", languages=", ".join(LANGUAGES)),
    )


def _add_output_options(sub: argparse.ArgumentParser, t: Translator, types: ArgumentTypes) -> None:
    sub.add_argument(
        "--out", metavar="DIR", default=DEFAULT_OUT, help=t("cli.option.out", out=DEFAULT_OUT)
    )
    sub.add_argument("--format", choices=FORMATS, default="svg", help=t("cli.option.format"))
    sub.add_argument("--digits", type=types.digits, default=4, help=t("cli.option.digits"))
    sub.add_argument("--no-files", action="store_true", help=t("cli.option.no_files"))
    sub.add_argument("--full", action="store_true", help=t("cli.option.full"))
    sub.add_argument(
        "--mode",
        nargs="+",
        choices=PICTURE_MODES,
        default=["forward", "backward"],
        help=t("cli.option.mode"),
    )
    sub.add_argument(
        "--rankdir",
        choices=("auto", "LR", "TB", "wrap"),  # wrap: viz.graph.wrap_cut
        default="auto",
        help=t("cli.option.rankdir"),
    )


def _add_at_option(sub: argparse.ArgumentParser, t: Translator, types: ArgumentTypes) -> None:
    sub.add_argument(
        "--at",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        type=types.assignment,
        help=t("cli.option.at"),
    )


# ------------------------------------------------------------------------------------------------
# Argument types (argparse turns their errors into usage errors, exit code 2)
# ------------------------------------------------------------------------------------------------


class ArgumentTypes:
    """The ``type=`` functions of the arguments, saying what is wrong in t's language."""

    def __init__(self, t: Translator):
        self.t = t

    def error(self, key: str, **fields: object) -> argparse.ArgumentTypeError:
        return argparse.ArgumentTypeError(self.t(key, **fields))

    def assignment(self, text: str) -> tuple[str, float]:
        """NAME=VALUE; the value is read as a number inside an expression is (−2 as printed)."""
        from .expr import parse_number, plain

        name, equals, number = plain(text).partition("=")  # (full-width ＝ and ｘ are typed too)
        name = name.strip()
        if not equals or not name.isidentifier():
            raise self.error("cli.error.assignment", text=repr(text))
        number = text[len(text) - len(number) :]  # as typed, for the message
        try:
            value = parse_number(number)
        except OverflowError:
            raise self.error("cli.error.not_finite", name=name, number=repr(number)) from None
        except ValueError:
            raise self.error("cli.error.not_a_number", name=name, number=repr(number)) from None
        return name, value

    def file_stem(self, text: str) -> str:
        forbidden = '/\\:*?"<>|'
        if text in ("", ".", "..") or text != text.strip() or any(c in text for c in forbidden):
            raise self.error("cli.error.file_stem", text=repr(text))
        return text

    def language(self, text: str) -> str:
        try:
            return normalize_language(text)
        except LanguageError:
            raise self.error(
                "cli.error.language", lang=repr(text), languages=", ".join(LANGUAGES)
            ) from None

    def _number(
        self, text: str, convert: Callable[[str], float], accept: Callable[[float], bool], key: str
    ) -> Any:
        """``convert`` the text (int or float), then check it with ``accept``."""
        try:
            value = convert(text)
        except ValueError:
            kind = "cli.error.whole_number" if convert is int else "cli.error.number"
            raise self.error(kind, text=repr(text)) from None
        if not accept(value):
            raise self.error(key, text=repr(text))
        return value

    def integer(self, text: str) -> int:
        return int(self._number(text, int, lambda n: True, "cli.error.whole_number"))

    def positive_int(self, text: str) -> int:
        return int(self._number(text, int, lambda n: n >= 1, "cli.error.positive_int"))

    def non_negative_int(self, text: str) -> int:
        return int(self._number(text, int, lambda n: n >= 0, "cli.error.non_negative_int"))

    def positive_float(self, text: str) -> float:
        return self._number(text, float, lambda x: 0.0 < x < math.inf, "cli.error.positive")

    def non_negative_float(self, text: str) -> float:
        return self._number(text, float, lambda x: 0.0 <= x < math.inf, "cli.error.non_negative")

    def fraction(self, text: str) -> float:
        return self._number(text, float, lambda x: 0.0 <= x < 1.0, "cli.error.fraction")

    def digits(self, text: str) -> int:
        return int(self._number(text, int, lambda n: 0 <= n <= 12, "cli.error.digits"))


def _values(t: Translator, assignments: list[tuple[str, float]]) -> dict[str, float]:
    values: dict[str, float] = {}
    for name, value in assignments:
        if name in values:
            raise UsageError(t("cli.error.twice", name=name))
        values[name] = value
    return values


# ------------------------------------------------------------------------------------------------
# Commands
# ------------------------------------------------------------------------------------------------


def run_examples(args: argparse.Namespace) -> int:
    width = max(len(name) for name in EXAMPLES)
    for example in EXAMPLES.values():
        print(f"{example.name:<{width}}  {example.title_in(args.lang)}")
    print("\n" + args.t("cli.examples.more", prog=PROG))
    return 0


def run_example(args: argparse.Namespace) -> int:
    example = _example(args.t, args.name)
    root = example.run()
    title, teaches = example.title_in(args.lang), example.teaches_in(args.lang)
    print(f"{example.name}: {title}\n")
    print(_paragraph(args.lang, teaches) + "\n")
    print(node_table(root, args.digits, lang=args.lang))
    if example.explain is not None:
        print("\n" + example.explain_in(root, args.lang))
    if args.no_files:
        return 0
    return _write_graph_files(args, root, example.name, f"{example.name}: {title}", teaches)


def _paragraph(lang: str, text: str, width: int = 96) -> str:
    """A lesson for the terminal: English is written with its line breaks; Chinese is one line
    (a page must not show a space where a line ended), wrapped here by terminal columns."""
    if lang == "en":
        return text
    return "\n".join(wrap_wide(text, width, NO_LINE_START))


def _example(t: Translator, name: str) -> Example:
    """The worked example called name, or a usage error listing them (and a close match)."""
    try:
        return get_example(name)
    except ValueError:
        close = difflib.get_close_matches(name, EXAMPLES, n=1)
        hint = t("cli.error.did_you_mean", name=repr(close[0])) if close else ""
        raise UsageError(
            t("cli.error.no_example", name=repr(name), hint=hint, names=", ".join(EXAMPLES))
        ) from None


def run_expr(args: argparse.Namespace) -> int:
    from .expr import parse

    text = args.expression.strip()  # (an expression starting with "-" got a leading space)
    expression = parse(text)
    with _remedies_for_expressions(args.t):
        root = expression.evaluate(_values(args.t, args.at))
        root.backward()
    heading = f"{expression.root_name()} = {text}"
    print(f"{heading}{_at_text(args.t, args.at, '   ')}\n")
    print(node_table(root, args.digits, lang=args.lang))
    if args.no_files:
        return 0
    return _write_graph_files(args, root, args.name, heading, _at_text(args.t, args.at).strip())


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
        lang=args.lang,
        full=args.full,
        rankdir=args.rankdir,
    )
    print_written(paths, args.lang)
    return _report_missing(args, missing)


def _report_missing(args: argparse.Namespace, missing: list[str]) -> int:
    """0 when every promised file was written; else say which were not (why is above) and 1."""
    if not missing:
        return 0
    print(
        args.t(
            "cli.not_written_table",
            prog=f"{PROG} {args.command}",
            files=Listed(tuple(missing)).reason(args.t.lang),
        ),
        file=sys.stderr,
    )
    return 1


@contextmanager
def _remedies_for_expressions(t: Translator) -> Iterator[None]:
    """Errors of evaluating a typed expression, with advice that fits an expression.

    The engine's advice for a value or gradient too large for a float is training advice (lower
    the learning rate, clip gradients), and a gate's advice is for code (clamp the input); for an
    expression typed on the command line the remedy is to choose other values.
    """
    try:
        yield
    except GateError as error:
        raise error.with_remedy(t("cli.remedy.at")) from None
    except GradientError as error:
        raise GradientError(
            t("cli.gradient_error", node=error.node, value=error.value),
            error.overflow,
            error.node,
            error.value,
        ) from None


def _at_text(t: Translator, assignments: list[tuple[str, float]], gap: str = "") -> str:
    """'   at x = -2, y = 5' (empty when there are no variables)."""
    if not assignments:
        return ""
    values = ", ".join(f"{name} = {value:g}" for name, value in assignments)
    return gap + t("cli.at", values=values)


def run_gradcheck(args: argparse.Namespace) -> int:
    from .expr import parse
    from .gradcheck import gradcheck

    text = args.expression.strip()  # (an expression starting with "-" got a leading space)
    expression = parse(text)
    values = _values(args.t, args.at)
    with _remedies_for_expressions(args.t):
        expression.evaluate(values)  # reports a missing or extra variable, pointing at it
        inputs = [Value(values[name], label=name) for name in expression.variables]
        report = gradcheck(expression.function(), inputs, eps=args.eps)
    print(f"{expression.root_name()} = {text}")
    print(report.format(args.lang))
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
            raise UsageError(args.t("cli.error.hidden_and_layers"))
        changes["layers"] = (args.hidden, args.hidden)
    elif args.layers is not None:
        changes["layers"] = tuple(args.layers)
    try:
        chosen = recipe(args.dataset, **changes)
    except ValueError as error:  # e.g. --loss mse on a classification dataset
        words = getattr(error, "words", None)  # (a RecipeError says it in any language)
        raise UsageError(words.reason(args.lang) if words else str(error)) from None
    with speaking(args.lang):  # the progress bar in the command's language
        run = run_recipe(chosen, progress=not args.quiet)
    print(run.summary(args.lang))
    if args.plot:
        print_written(
            write_training_plots(run, Path(args.plot), args.dataset, args.lang), args.lang
        )
    problem = run.diagnose(args.lang)
    if problem is not None:
        print(args.t("cli.notice", prog=f"{PROG} train", message=problem.message), file=sys.stderr)
    return 1 if problem is not None and problem.died else 0


def run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo as demo
    from .train import recipe

    try:
        recipe("moons", epochs=args.epochs)  # --epochs is checked before any file is written
    except ValueError as error:
        raise UsageError(translated(error, args.lang)) from None
    missing: list[str] = []
    demo(Path(args.out), args.epochs, missing=missing, lang=args.lang)
    if missing:
        print(
            args.t("cli.not_written", prog=f"{PROG} demo", files=", ".join(missing)),
            file=sys.stderr,
        )
        return 1
    return 0


def run_web(args: argparse.Namespace) -> int:
    from .errors import WebBuildError
    from .web import SINGLE_FILE, build_playground
    from .web.lite import build_lite

    t, out, cache = args.t, Path(args.out), Path(args.cache).expanduser()
    build_playground(out, cache, lang=t.lang)
    print(t("cli.web.written", page=out / SINGLE_FILE, folder=out / "index.html"))
    notebooks = Path(args.notebooks)
    if not notebooks.is_dir():
        print(t("cli.web.no_lite", why=f"{notebooks}: no such folder"), file=sys.stderr)
        return 0 if args.notebooks == WEB_NOTEBOOKS else 1  # asked for by name: a failure
    try:
        report = build_lite(out / "lite", cache, notebooks, lang=t.lang)
    except WebBuildError as error:
        print(t("cli.web.no_lite", why=error), file=sys.stderr)
        return 1
    ready, needs = ", ".join(report["ready"]), ", ".join(report["needs"])
    print(t("cli.web.lite", site=out / "lite", folder=out / "lite", ready=ready, needs=needs))
    return 0


def run_worksheet(args: argparse.Namespace) -> int:
    from .practice import MAX_STUDENTS
    from .worksheets import write_worksheets

    if args.students > MAX_STUDENTS:
        raise UsageError(args.t("cli.error.students", most=MAX_STUDENTS, students=args.students))
    t = args.t
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
    from .outputs import GRAPH_FILES_SECONDS
    from .steps.exercise import exercise_page
    from .viz.dot import time_budget

    t = args.t
    args.source = args.source.strip()  # (an expression starting with "-" got a leading space)
    if args.source in EXAMPLES:
        if args.at:
            raise UsageError(t("cli.error.example_at", name=args.source))
        example = get_example(args.source)
        root, description = example.build(), example.teaches_in(t.lang)
    else:
        root = parse(args.source).evaluate(_values(t, args.at))
        description = _at_text(t, args.at).strip()
    if args.digits > 6:
        raise UsageError(t("cli.error.exercise_digits", digits=args.digits))
    with time_budget(GRAPH_FILES_SECONDS):  # the documented budget of a command's pictures
        path = exercise_page(
            root,
            args.out,
            digits=args.digits,
            order=args.order,
            lang=t.lang,
            description=description,
            worked=args.worked,
        )
    print(t("cli.exercise_written", path=path))
    return 0


def run_assignment(args: argparse.Namespace) -> int:
    from .assignments import AssignmentError, issue_assignment
    from .assignments.issue import check_settings

    t = args.t
    try:
        check_settings(args.name, args.level, args.problems, args.seed)
    except AssignmentError as error:  # an option out of range: a usage error
        raise UsageError(error.translated(t.lang)) from None
    out = Path(args.out if args.out is not None else args.name)
    try:
        issued = issue_assignment(
            args.roster, args.name, out, level=args.level, problems=args.problems,
            seed=args.seed, lang=t.lang, practice=args.practice,
        )  # fmt: skip
    except AssignmentError as error:
        print(t("cli.error", prog=f"{PROG} assignment", message=error.translated(t.lang)),
              file=sys.stderr)  # fmt: skip
        return 1
    key = "cli.assignment_practice_written" if args.practice else "cli.assignment_written"
    print(t(key, students=len(issued.manifest.issued), name=args.name, out=out,
            index=out / "index.html", manifest=out / "manifest.json"))  # fmt: skip
    return 0


def run_grade(args: argparse.Namespace) -> int:
    from .assignments import AssignmentError, grade

    t = args.t
    prog = f"{PROG} grade"
    try:
        # the report and Gradescope's texts are for the class: in the assignment's language
        # unless --lang says otherwise (not the locale's: a Gradescope container's is English)
        result = grade(
            args.submissions,
            args.assignment,
            args.out,
            lang=args.lang_given,
            gradescope_metadata=args.gradescope_metadata,
            gradescope_feedback=args.gradescope_feedback,
        )
    except AssignmentError as error:
        print(t("cli.error", prog=prog, message=error.translated(t.lang)), file=sys.stderr)
        return 1
    grading = result.grading
    for refusal in grading.refused:
        print(
            t("cli.grade.refused", prog=prog, message=refusal.translated(t.lang)), file=sys.stderr
        )
    for earlier, later in grading.replaced:
        print(
            t("cli.grade.replaced", prog=prog, id=later.student, later=later.source,
              earlier=earlier.source),
            file=sys.stderr,
        )  # fmt: skip
    graded = sum(grade.submitted for grade in grading.grades)
    print(t("cli.grade_written", graded=graded, students=len(grading.grades), out=args.out,
            refused=len(grading.refused)))  # fmt: skip
    return 1 if grading.refused else 0
