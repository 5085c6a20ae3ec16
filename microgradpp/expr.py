"""A safe parser for the expressions students type: ``"(x+y)*z"`` → a graph of Values.

No ``eval``: the text is split into tokens, and a recursive-descent parser turns them into a small
tree, following the grammar (lowest precedence first)::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | power
    power      := atom superscript? (("**" | "^") unary)?   right-associative: 2**3**2 = 2**9
    atom       := number | name | function "(" expression ("," expression)* ")" | "(" expression ")"

The operators may also be written as microgradpp prints them, so a formula copied from a table,
a caption or a title reads back: − for -, × and · for *, ÷ for /, a superscript for a power
(x², e⁻¹), σ(z) for sigmoid(z) and ln(x) for log(x); full-width characters typed with a Chinese
input method (（ｘ＋ｙ）＊ｚ) are read as their ASCII twins.

Functions: exp, log, relu, tanh, sigmoid (one argument) and max (two). Long sums and products are
loops, not recursion; parentheses may nest up to ``MAX_DEPTH`` levels. A bad character or a missing
parenthesis raises :class:`ExpressionError`, whose message shows the text with a caret under the
place where it went wrong.

    >>> f = evaluate("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    >>> f.backward()
    >>> f.data, f.label
    (-12.0, 'f')
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from .engine import Value
from .errors import MicrogradppError
from .i18n import Listed, error, message
from .tables import display_width

MAX_DEPTH = 100
"""How deeply parentheses, unary minus signs and powers may nest."""
MAX_LENGTH = 50_000
"""The longest expression, in characters (about 10,000 terms: evaluating it takes seconds and
tens of MB; a longer one is no expression to work through by hand), refused before parsing."""

LABEL_WIDTH = 12
"""A gate node is labelled with its piece of the text when that is at most this long."""

FUNCTIONS: dict[str, tuple[int, Callable[..., Value]]] = {
    "exp": (1, Value.exp),
    "log": (1, Value.log),
    "relu": (1, Value.relu),
    "tanh": (1, Value.tanh),
    "sigmoid": (1, Value.sigmoid),
    "max": (2, Value.max),
}
"""Function name -> (number of arguments, the Value method that applies it)."""

TYPOGRAPHIC_OPERATORS = {
    "\u2212": "-",  # − minus sign: how every table, caption and page of microgradpp prints a minus
    "\u2013": "-",  # – en dash: what word processors make of a typed "-"
    "\u00d7": "*",  # × multiplication sign: the mul gate in pictures, captions and tables
    "\u00b7": "*",  # · middle dot: products in captions and titles (w0·x0)
    "\u22c5": "*",  # ⋅ dot operator
    "\u00f7": "/",  # ÷ division sign
}
"""The operators as they are printed (and as a student copies them back) -> the ASCII operator.

Full-width characters, which Chinese and Japanese input methods type ("（ｘ＋ｙ）＊ｚ", "－２"),
are read as their ASCII twins too (see :func:`plain`). A superscript after an operand is a
power: ``x²`` is ``x**2``, ``x⁻¹`` is ``x**-1`` (captions print ``1.37²``)."""

LONG_DASHES = "\u2012\u2014\u2015"
"""‒ — ―: dashes that are no minus sign (a word processor turns a typed "--" into —); refused
with a message that says to type the minus signs (``expr.unexpected_dash``)."""

FUNCTION_ALIASES = {"σ": "sigmoid", "ln": "log"}
"""Function names as the textbook (and our captions) write them: σ(z), ln x."""

_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+"))
_FULL_WIDTH = range(0xFF01, 0xFF5F)
"""！ to ～: the full-width forms of the printable ASCII characters, 0xFEE0 above them."""
_SINGLE_CHARACTER_TOKENS = "+-*/^(),"
_DIGITS = "0123456789"
"""Only ASCII digits make numbers: str.isdigit() also accepts '①' and '٣', which a reader would
not take for digits of a formula (full-width '２' is read as 2: see :func:`plain`)."""


def plain(text: str) -> str:
    """text with every typographic operator and full-width character replaced by its ASCII twin,
    one character for one (so a position in it is the same position in text).

    >>> plain("−x·y ÷ （２×z）")
    '-x*y / (2*z)'
    """
    return "".join(_plain_character(c) for c in text)


def _plain_character(char: str) -> str:
    if char in TYPOGRAPHIC_OPERATORS:
        return TYPOGRAPHIC_OPERATORS[char]
    if ord(char) in _FULL_WIDTH:
        return chr(ord(char) - 0xFEE0)
    if char == "\u3000":  # the ideographic (full-width) space
        return " "
    return char


class ExpressionError(MicrogradppError, ValueError):
    """An expression that cannot be parsed or evaluated; ``str()`` shows where, with a caret.

    Attributes: ``reason`` (the message without the picture, in English), ``text`` and
    ``position`` (0-based index of the offending character, or None when no one place is to
    blame), and ``key`` and ``fields``: the message id in the catalogs
    (``microgradpp/locale/*.json``, ``expr.*``) and what fills it in, so that
    :meth:`translated` can say the same in another language (the command line does).
    """

    def __init__(self, key: str, text: str, position: int | None = None, **fields: object):
        self.key, self.fields = key, fields
        self.reason, self.text, self.position = message(key, "en", **fields), text, position
        super().__init__(self.translated("en"))

    def translated(self, lang: str | None = None) -> str:
        """The message in ``lang`` (None: the locale's), with the caret picture."""
        text = message(self.key, lang, **self.fields)
        if self.position is not None:
            shown, column = _window(self.text, self.position)
            indent = " " * display_width(shown[:column])  # a full-width （ takes two columns
            text += f"\n    {shown}\n    {indent}^"
        return text


# ------------------------------------------------------------------------------------------------
# Tokens
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str
    """'number', 'name', 'superscript' (a power written x²), 'end', or the operator itself:
    '+', '**', '(' ..."""
    text: str
    """What the parser reads, in ASCII: '-' for '−', '*' for '×', '-1' for the superscript '⁻¹'."""
    position: int

    @property
    def end(self) -> int:
        """Just past the token in the text (every character of the text stands for one of
        ``text``: see :func:`plain`)."""
        return self.position + len(self.text)


def tokenize(text: str) -> list[Token]:
    """Split text into tokens; the list always ends with an 'end' token.

    Operators as microgradpp prints them (− × · ÷) and full-width characters are read as their
    ASCII twins (:func:`plain`), so what a table or caption shows can be typed back.
    """
    source = plain(text)
    tokens = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char.isspace():
            i += 1
        elif char in _DIGITS or (char == "." and i + 1 < n and source[i + 1] in _DIGITS):
            end = _end_of_number(source, i)
            tokens.append(Token("number", source[i:end], i))
            i = end
        elif char.isascii() and (char.isalpha() or char == "_"):
            end = i + 1
            while (
                end < n and source[end].isascii() and (source[end].isalnum() or source[end] == "_")
            ):
                end += 1
            tokens.append(Token("name", source[i:end], i))
            i = end
        elif char in FUNCTION_ALIASES:  # σ(z)
            tokens.append(Token("name", char, i))
            i += 1
        elif char in _SUPERSCRIPTS:
            end = i
            while end < n and source[end] in _SUPERSCRIPTS:
                end += 1
            exponent = "".join(_SUPERSCRIPTS[c] for c in source[i:end])
            tokens.append(Token("superscript", exponent, i))
            i = end
        elif source.startswith("**", i):
            tokens.append(Token("**", "**", i))
            i += 2
        elif char in _SINGLE_CHARACTER_TOKENS:
            tokens.append(Token(char, char, i))
            i += 1
        else:
            digit = unicodedata.digit(char, None) is not None or char.isnumeric()
            key = "expr.unexpected_digit" if digit else "expr.unexpected_character"
            if char in LONG_DASHES:  # a word processor's "--": say which minus signs to type
                key = "expr.unexpected_dash"
            raise ExpressionError(key, text, i, char=repr(char))
    tokens.append(Token("end", "", n))
    return tokens


def _end_of_number(text: str, i: int) -> int:
    """Index just past the number starting at i: digits, an optional fraction and exponent."""
    n = len(text)
    while i < n and text[i] in _DIGITS:
        i += 1
    if i < n and text[i] == ".":
        i += 1
        while i < n and text[i] in _DIGITS:
            i += 1
    if i < n and text[i] in ("e", "E"):
        j = i + 1
        if j < n and text[j] in ("+", "-"):
            j += 1
        if j < n and text[j] in _DIGITS:
            while j < n and text[j] in _DIGITS:
                j += 1
            i = j
    return i


# ------------------------------------------------------------------------------------------------
# The tree
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Node:
    """A piece of the expression: ``kind`` is 'number', 'name', 'unary', a binary operator
    ('+', '-', '*', '/', '**') or 'call'; ``start:end`` is where it sits in the text."""

    kind: str
    start: int
    end: int
    children: tuple[Node, ...] = ()
    value: float = 0.0
    """The number, for kind 'number'."""
    name: str = ""
    """The variable or function name, for kinds 'name' and 'call'."""


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(self, key: str, position: int | None = None, **fields: object) -> ExpressionError:
        """The error ``key`` (a message id, ``expr.*``), at position (default: this token)."""
        where = self.token.position if position is None else position
        return ExpressionError(key, self.text, where, **fields)

    def expect_closing(self, opening: Token) -> Token:
        if self.token.kind != ")":
            raise self.error("expr.close_paren", column=opening.position + 1)
        return self.advance()

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise self.error("expr.empty")
        tree = self.expression()
        if self.token.kind != "end":
            if self.token.kind == ")":
                raise self.error("expr.unmatched_close")
            raise self.error("expr.operator_expected", token=repr(self.written(self.token)))
        return tree

    def nested(self, parse: Callable[[], Node]) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("expr.too_deep", depth=MAX_DEPTH)
        try:
            return parse()
        finally:
            self.depth -= 1

    def expression(self) -> Node:
        left = self.term()
        while self.token.kind in ("+", "-"):
            operator = self.advance().kind
            right = self.term()
            left = Node(operator, left.start, right.end, (left, right))
        return left

    def term(self) -> Node:
        left = self.unary()
        while self.token.kind in ("*", "/"):
            operator = self.advance().kind
            right = self.unary()
            left = Node(operator, left.start, right.end, (left, right))
        return left

    def unary(self) -> Node:
        if self.token.kind not in ("-", "+"):
            return self.power()
        sign = self.advance()
        operand = self.nested(self.unary)
        if sign.kind == "+":
            return operand
        if operand.kind == "number":  # -2 is the number -2, not the graph 2 · (-1)
            return Node("number", sign.position, operand.end, value=-operand.value)
        return Node("unary", sign.position, operand.end, (operand,))

    def power(self) -> Node:
        base = self.atom()
        if self.token.kind == "superscript":  # x² is x**2, and (x²)**3 is x**6
            base = self.superscript(base)
        if self.token.kind not in ("**", "^"):
            return base
        self.advance()
        exponent = self.nested(self.unary)
        return Node("**", base.start, exponent.end, (base, exponent))

    def superscript(self, base: Node) -> Node:
        token = self.advance()
        try:
            exponent = float(token.text)
        except ValueError:  # '⁻' alone, '⁻⁻2'
            raise self.error("expr.superscript", token.position) from None
        power = Node("number", token.position, token.end, value=exponent)
        return Node("**", base.start, token.end, (base, power))

    def atom(self) -> Node:
        token = self.token
        if token.kind == "number":
            value = float(token.text)  # only ASCII digits, '.', 'e' reach here: float() accepts it
            if math.isinf(value):
                raise self.error("expr.too_large", number=_clip(token.text))
            self.advance()
            return Node("number", token.position, token.end, value=value)
        if token.kind == "name":
            self.advance()
            if self.token.kind == "(":
                return self.call(token)
            if token.text in FUNCTIONS or token.text in FUNCTION_ALIASES:
                raise self.error("expr.is_function", token.position, name=token.text)
            return Node("name", token.position, token.end, name=token.text)
        if token.kind == "(":
            self.advance()
            inner = self.nested(self.expression)
            self.expect_closing(token)
            return inner
        if token.kind == "end":
            raise self.error("expr.ends_early")
        raise self.error("expr.operand_expected", token=repr(self.written(token)))

    def written(self, token: Token) -> str:
        """The token as it was typed ('²' rather than the '2' the parser reads)."""
        return self.text[token.position : token.end]

    def call(self, name: Token) -> Node:
        function = FUNCTION_ALIASES.get(name.text, name.text)
        if function not in FUNCTIONS:
            known = ", ".join(FUNCTIONS)
            raise self.error(
                "expr.unknown_function", name.position, name=repr(name.text), known=known
            )
        opening = self.advance()
        args = [self.nested(self.expression)]
        while self.token.kind == ",":
            self.advance()
            args.append(self.nested(self.expression))
        closing = self.expect_closing(opening)
        arity = FUNCTIONS[function][0]
        if len(args) != arity:
            key = "expr.arguments.one" if arity == 1 else "expr.arguments.many"
            raise self.error(key, name.position, name=name.text, arity=arity, count=len(args))
        return Node("call", name.position, closing.position + 1, tuple(args), name=function)


# ------------------------------------------------------------------------------------------------
# Expressions and their graphs
# ------------------------------------------------------------------------------------------------


class Expression:
    """A parsed expression: ``variables`` in order of first appearance, ``evaluate(values)``.

    >>> e = parse("x*y + max(z, w)")
    >>> e.variables
    ('x', 'y', 'z', 'w')
    >>> e.evaluate({"x": 3, "y": -4, "z": 2, "w": -1}).data
    -10.0
    """

    def __init__(self, text: str):
        if len(text) > MAX_LENGTH:  # before any work: the tokens, the tree, the Values
            raise ExpressionError(
                "expr.too_long", text, MAX_LENGTH, length=len(text), most=MAX_LENGTH
            )
        self.text = text
        self.plain = plain(text)
        """The text with ASCII operators (− × · ÷ and full-width forms replaced), for labels."""
        self.tree = _Parser(text).parse()
        first_seen: dict[str, Node] = {}
        for node in _postorder(self.tree):
            if node.kind == "name":
                first_seen.setdefault(node.name, node)
        self._first_seen = dict(sorted(first_seen.items(), key=lambda item: item[1].start))
        self.variables = tuple(self._first_seen)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, values: Mapping[str, float | Value], root_label: str = "f") -> Value:
        """Build the graph at these values; returns the root, labelled ``root_label`` (or, if a
        variable has that name, the first of g, h, out that is free: see ``root_name``).

        Each variable becomes a leaf labelled with its name (a Value given in ``values`` is used
        as it is); each gate node is labelled with its piece of the text when that is short.
        """
        missing = [name for name in self.variables if name not in values]
        if missing:
            node = self._first_seen[missing[0]]
            raise ExpressionError(
                "expr.missing_value",
                self.text,
                node.start,
                names=", ".join(missing),
                first=missing[0],
            )
        unused = [name for name in values if name not in self._first_seen]
        if unused:
            raise ExpressionError(
                "expr.unused_value" if self.variables else "expr.unused_value.none",
                self.text,
                names=", ".join(unused),
                variables=", ".join(self.variables),
            )
        leaves = {
            name: value if isinstance(value, Value) else Value(value, label=name)
            for name, value in values.items()
        }
        results: dict[Node, Value] = {}
        for node in _postorder(self.tree):
            results[node] = self._apply(node, results, leaves)
        root = results[self.tree]
        if root.parents:
            root.label = self.root_name(root_label)
        return root

    def root_name(self, preferred: str = "f") -> str:
        """The name of the result: ``preferred`` unless a variable has it ("f*2" gives g = f*2).

        A result and an input sharing one name would make two rows, boxes and derivatives
        (∂f/∂f?) that look alike.
        """
        for name in (preferred, "g", "h", "out"):
            if name not in self._first_seen:
                return name
        number = 1
        while f"out{number}" in self._first_seen:
            number += 1
        return f"out{number}"

    def function(self) -> Callable[..., Value]:
        """The expression as a Python function of its variables, in the order of ``variables``."""

        def f(*xs: float | Value) -> Value:
            if len(xs) != len(self.variables):
                raise error(
                    TypeError, "expr.error.arguments", text=repr(self.text),
                    count=len(self.variables), names=Listed(tuple(self.variables)), got=len(xs),
                )  # fmt: skip
            return self.evaluate(dict(zip(self.variables, xs)))

        f.__name__ = "expression"
        return f

    def _apply(self, node: Node, results: dict[Node, Value], leaves: dict[str, Value]) -> Value:
        kind = node.kind
        if kind == "number":
            return Value(node.value)
        if kind == "name":
            return leaves[node.name]
        args = [results[child] for child in node.children]
        if kind == "**":
            return self._power(node, args)
        if kind == "unary":
            out = args[0] * -1.0
        elif kind == "+":
            out = args[0] + args[1]
        elif kind == "*":
            out = args[0] * args[1]
        elif kind == "-":  # a - b = a + (-b)
            negative = args[1] * -1.0
            self._label(negative, node.children[1], prefix="-")
            out = args[0] + negative
        elif kind == "/" and node.children[0].kind == "number" and node.children[0].value == 1:
            out = args[1].reciprocal()  # 1/b is one gate
        elif kind == "/" and not _has_variables(node.children[1]):
            out = args[0] / _constant(args[1])  # x/2 is x × 0.5: no box for 2, no 1/x gate
        elif kind == "/":  # a / b = a · (1/b)
            reciprocal = args[1].reciprocal()
            self._label(reciprocal, node.children[1], prefix="1/")
            out = args[0] * reciprocal
        else:
            out = FUNCTIONS[node.name][1](*args)
        self._label(out, node)
        return out

    def _power(self, node: Node, args: list[Value]) -> Value:
        base, exponent = node.children
        if not _has_variables(exponent):
            out = args[0] ** _constant(args[1])
        elif not _has_variables(base):
            out = _constant(args[0]) ** args[1]
        else:
            raise ExpressionError("expr.variable_power", self.text, exponent.start)
        self._label(out, node)
        return out

    def _label(self, value: Value, node: Node, prefix: str = "") -> None:
        if value.label or not value.parents or node.end - node.start > 4 * LABEL_WIDTH:
            return  # (a long piece of text would not fit: skip it without copying it)
        text = "".join(self.plain[node.start : node.end].split())  # x·y is labelled x*y
        if prefix and not (node.kind in ("name", "number", "call") or _wrapped(text)):
            text = f"({text})"
        text = prefix + text
        if len(text) <= LABEL_WIDTH:
            value.label = text


def parse(text: str) -> Expression:
    """Parse text into an :class:`Expression` (raises :class:`ExpressionError` if it is not one)."""
    if not isinstance(text, str):
        raise error(TypeError, "expr.error.parse_type", got=type(text).__name__)
    return Expression(text)


def parse_number(text: str) -> float:
    """A number as an expression writes it, with an optional sign: '-2', '−2', '0.5', '1e-3',
    '－２' (full-width). A ValueError for anything else (names, 'inf', 'nan', '1/2'), an
    OverflowError for a number beyond the largest float ('1e999').

    The command line's ``--at x=−2`` reads its values with this, so a value is written the same
    way there as inside an expression.
    """
    tokens = tokenize(text) if isinstance(text, str) else []
    kinds = [token.kind for token in tokens]
    if kinds[:1] in (["-"], ["+"]):
        kinds = kinds[1:]
    if kinds != ["number", "end"]:
        raise error(ValueError, "expr.error.not_a_number", text=repr(text))
    value = float("".join(token.text for token in tokens))
    if math.isinf(value):
        raise error(OverflowError, "expr.error.too_large", text=_clip(text))
    return value


def evaluate(text: str, values: Mapping[str, float | Value]) -> Value:
    """Parse text and build its graph at these values: ``evaluate("x*y", {"x": 2, "y": 3})``."""
    return parse(text).evaluate(values)


def _postorder(tree: Node) -> Iterator[Node]:
    """Children before their parent, without recursion (a sum of 10,000 terms is fine)."""
    stack: list[tuple[Node, bool]] = [(tree, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done or not node.children:
            yield node
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.children))


def _has_variables(tree: Node) -> bool:
    return any(node.kind == "name" for node in _postorder(tree))


def _constant(value: Value) -> float:
    """The number a constant sub-expression came to (its little graph is not needed)."""
    return value.data


CONTEXT = 60
"""Characters of the expression shown on each side of the caret."""


def _window(text: str, position: int) -> tuple[str, int]:
    """The piece of text around position (at most CONTEXT characters each side, '…' where cut),
    with tabs, newlines and other invisible characters shown as spaces so the caret lines up;
    and the caret's column in it."""
    start = max(0, position - CONTEXT)
    end = min(len(text), position + CONTEXT)
    shown = "".join(c if c.isprintable() else " " for c in text[start:end])
    column = position - start
    if start > 0:
        shown, column = "…" + shown, column + 1
    if end < len(text):
        shown += "…"
    return shown, column


def _clip(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _wrapped(text: str) -> bool:
    """True for '(…)' where the outer parentheses match each other."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and i < len(text) - 1:
            return False
    return True
