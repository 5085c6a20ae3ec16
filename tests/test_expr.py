"""The safe expression parser: grammar, graphs, gradients, and errors that point at the spot."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradpp import GateError, MicrogradppError, Value, topological_order
from microgradpp.expr import (
    MAX_DEPTH,
    Expression,
    ExpressionError,
    evaluate,
    parse,
    parse_number,
    plain,
    tokenize,
)


def value_of(text: str, **values: float) -> float:
    return evaluate(text, values).data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2+3*4", 14.0),
        ("(2+3)*4", 20.0),
        ("2*3-4/8", 5.5),
        ("10-4-3", 3.0),  # left-associative
        ("2**3**2", 512.0),  # right-associative, as in Python
        ("2^3", 8.0),
        ("-2**2", -4.0),  # -(2**2), as in Python
        ("2**-1", 0.5),
        ("--3", 3.0),
        ("+3", 3.0),
        ("1.5e2 + .5", 150.5),
        ("max(2, 7) + relu(-3) + relu(2)", 9.0),
        ("exp(0) + log(1)", 1.0),
        ("tanh(0) + sigmoid(0)", 0.5),
    ],
)
def test_arithmetic_follows_the_usual_rules(text, expected):
    assert value_of(text) == expected


def test_add_mul_example_from_the_command_line():
    f = evaluate("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    f.backward()
    leaves = {n.label: n for n in topological_order(f) if not n.parents}
    assert (f.data, f.label) == (-12.0, "f")
    assert (leaves["x"].grad, leaves["y"].grad, leaves["z"].grad) == (-4.0, -4.0, 3.0)
    assert [n.label for n in topological_order(f)] == ["x", "y", "x+y", "z", "f"]


def test_typed_sigmoid_neuron_gives_the_textbook_gradients():
    f = evaluate("1/(1+exp(-(w0*x0+w1*x1+w2)))", {"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})
    f.backward()
    grads = {
        n.label: n.grad for n in topological_order(f) if n.label in ("w0", "x0", "w1", "x1", "w2")
    }
    s = 1 / (1 + math.exp(-1.0))
    assert f.data == pytest.approx(0.7310585786300049, abs=1e-15)
    assert grads == pytest.approx(
        {
            "w0": -s * (1 - s),
            "x0": 2 * s * (1 - s),
            "w1": -2 * s * (1 - s),
            "x1": -3 * s * (1 - s),
            "w2": s * (1 - s),
        },  # fmt: skip
        abs=1e-15,
    )
    assert f.gate.name == "reciprocal"  # 1/(...) is one 1/x gate, not 1 · (1/x)


def test_gradients_of_every_function():
    f = evaluate("x**3 + 2**x - y/x + max(x, y) + tanh(y) + sigmoid(x) + log(x) + relu(y)",
                 {"x": 2.0, "y": 0.5})  # fmt: skip
    f.backward()
    x, y = (n for n in topological_order(f) if n.label in ("x", "y"))
    if x.label != "x":
        x, y = y, x
    s = 1 / (1 + math.exp(-2.0))
    assert x.grad == pytest.approx(3 * 4 + 4 * math.log(2) + 0.5 / 4 + 1 + s * (1 - s) + 0.5)
    assert y.grad == pytest.approx(-0.5 + 0 + (1 - math.tanh(0.5) ** 2) + 1)


def test_a_variable_used_twice_is_one_leaf():
    f = evaluate("x*x + x", {"x": 3.0})
    f.backward()
    (x,) = (n for n in topological_order(f) if n.label == "x")
    assert x.grad == 7.0


def test_values_may_be_given_as_values():
    w = Value(2.0, label="w")
    f = evaluate("w*w", {"w": w})
    f.backward()
    assert w.grad == 4.0


def test_nodes_are_labelled_with_their_piece_of_the_text():
    f = evaluate("a - b / c", {"a": 1, "b": 2, "c": 4})
    labels = [n.label for n in topological_order(f) if n.parents]
    assert labels == ["1/c", "b/c", "-(b/c)", "f"]


def test_variables_in_order_of_appearance_and_function():
    e = parse("z * (y + x) + z")
    assert e.variables == ("z", "y", "x")
    assert e.function()(1.0, 2.0, 3.0).data == 6.0
    with pytest.raises(TypeError, match=r"takes 3 arguments \(z, y, x\), got 1"):
        e.function()(1.0)
    assert repr(e) == "Expression('z * (y + x) + z')"
    assert isinstance(e, Expression)


def test_long_expressions_need_no_recursion():
    f = evaluate("+".join(["x"] * 5000), {"x": 1.0})  # far deeper than the recursion limit
    f.backward()
    assert f.data == 5000.0


def test_constant_exponent_may_be_an_expression():
    assert value_of("x**(1/2)", x=9.0) == 3.0
    assert value_of("(1+1)**x", x=3.0) == pytest.approx(8.0)


def test_tokens():
    assert [(t.kind, t.text, t.position) for t in tokenize("x1**2.5e1 ")] == [
        ("name", "x1", 0), ("**", "**", 2), ("number", "2.5e1", 4), ("end", "", 10),
    ]  # fmt: skip


# ------------------------------------------------------------------------------------------------
# Errors: a clear message with a caret under the bad spot
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("(x+y", "expected ')' to close the '(' at column 1", 4),
        ("x+", "the expression ends too early: a number, name or '(' is missing", 2),
        ("x $ y", "unexpected character '$'", 2),
        ("x ① y", "unexpected character '①' (numbers are written with the digits 0-9)", 2),
        ("x ⊗ y", "unexpected character '⊗'", 2),
        ("x⁻ + 1", "a power written as a superscript needs its digits, e.g. x² or x⁻¹", 1),
        ("²x", "expected a number, a name or '(' but found '²'", 0),
        ("σ + 1", "σ is a function: write σ(...)", 0),
        ("ln(x, y)", "ln takes 1 argument, got 2", 0),
        ("x y²", "expected an operator (+ - * / **) before 'y'", 2),
        ("foo(x)", "unknown function 'foo' (known: exp, log, relu, tanh, sigmoid, max)", 0),
        ("__import__(os)", "unknown function '__import__'", 0),
        ("open('f')", 'unexpected character "\'"', 5),
        ("max(x)", "max takes 2 arguments, got 1", 0),
        ("exp(x, y)", "exp takes 1 argument, got 2", 0),
        ("x y", "expected an operator (+ - * / **) before 'y'", 2),
        ("x)", "this ')' has no matching '('", 1),
        ("", "the expression is empty: type one, e.g. (x+y)*z", 0),
        ("exp + 1", "exp is a function: write exp(...)", 0),
        ("x * * y", "expected a number, a name or '(' but found '*'", 4),
        ("max(x,)", "expected a number, a name or '(' but found ')'", 6),
    ],
)
def test_syntax_errors_point_at_the_bad_character(text, message, position):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    error = caught.value
    assert error.reason.startswith(message)
    assert error.position == position
    assert str(error) == f"{error.reason}\n    {text}\n    {' ' * position}^"


def test_nesting_has_a_limit_with_a_clear_error():
    deep = "(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5)
    with pytest.raises(
        ExpressionError, match=f"the expression nests more than {MAX_DEPTH} levels deep"
    ):
        parse(deep)
    ok = "(" * 50 + "x" + ")" * 50
    assert value_of(ok, x=2.0) == 2.0


def test_missing_and_unused_values():
    e = parse("x*y")
    with pytest.raises(
        ExpressionError, match=r"no value given for y \(give every variable"
    ) as caught:
        e.evaluate({"x": 1.0})
    assert caught.value.position == 2
    with pytest.raises(
        ExpressionError, match="a value was given for w, which the expression does not use"
    ):
        e.evaluate({"x": 1.0, "y": 2.0, "w": 3.0})


def test_variable_base_and_exponent_is_refused():
    with pytest.raises(
        ExpressionError, match=r"a \*\* b needs a constant exponent or a constant base"
    ) as caught:
        evaluate("x**y", {"x": 2.0, "y": 3.0})
    assert caught.value.position == 3


def test_math_errors_come_from_the_gates():
    with pytest.raises(GateError, match="log gate"):
        evaluate("log(x)", {"x": -1.0})
    with pytest.raises(GateError, match="reciprocal gate"):
        evaluate("1/(x-x)", {"x": 1.0})


# ------------------------------------------------------------------------------------------------
# Operators as microgradpp prints them (− × · ÷ ², σ) and as Chinese input methods type them
# ------------------------------------------------------------------------------------------------


def gradients(text: str, **values: float) -> tuple[float, list[tuple[str, float]], list[str]]:
    """f's value, every variable's gradient, and the labels of the graph's nodes."""
    used = parse(text).variables
    f = evaluate(text, {name: value for name, value in values.items() if name in used})
    f.backward()
    nodes = topological_order(f)
    grads = [(node.label, node.grad) for node in nodes if node.is_leaf and node.label]
    return f.data, grads, [node.label for node in nodes]


@pytest.mark.parametrize(
    ("typed", "ascii"),
    [
        ("x−y", "x-y"),
        ("−x*y", "-x*y"),
        ("x*−2", "x*-2"),
        ("exp(−x)", "exp(-x)"),
        ("x − −y", "x - -y"),
        ("x–y", "x-y"),  # an en dash, as a word processor makes of "-"
        ("x×y", "x*y"),
        ("x·y + 2⋅x", "x*y + 2*x"),
        ("x÷y", "x/y"),
        ("x ÷ 2", "x / 2"),
        ("1e−3·x", "1e-3*x"),
        ("（ｘ＋ｙ）＊ｙ", "(x+y)*y"),  # full width, as a Chinese input method types
        ("max（x，y）－２", "max(x,y)-2"),
        ("x\u3000*\u3000y", "x * y"),  # the ideographic space
    ],
)
def test_typographic_operators_read_as_their_ascii_twins(typed, ascii):
    assert gradients(typed, x=1.5, y=-0.5) == gradients(ascii, x=1.5, y=-0.5)
    assert parse(typed).variables == parse(ascii).variables


@pytest.mark.parametrize(
    ("typed", "ascii"),
    [
        ("x²", "x**2"),
        ("x³ + y⁻¹", "x**3 + y**-1"),
        ("−x²", "-x**2"),  # a power binds tighter than the sign, as x**2
        ("(x+y)²", "(x+y)**2"),
        ("x²**3", "(x**2)**3"),  # (x²)³ = x⁶
        ("2¹⁰·x", "2**10*x"),
        ("σ(x·y)", "sigmoid(x*y)"),
        ("ln(x)", "log(x)"),
    ],
)
def test_superscript_powers_and_the_textbooks_function_names(typed, ascii):
    value, grads, _ = gradients(typed, x=1.5, y=-0.5)
    assert (value, grads) == gradients(ascii, x=1.5, y=-0.5)[:2]


def test_a_worked_examples_title_typed_back_gives_its_numbers():
    from microgradpp.examples import get_example

    values = {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}
    for name in ("sigmoid-neuron", "sigmoid-neuron-fused"):
        title = get_example(name).title  # "… f = 1 / (1 + exp(−(w0·x0 + w1·x1 + w2)))"
        formula = title.split("f = ", 1)[1]
        f = evaluate(formula, values)
        f.backward()
        assert f.data == pytest.approx(0.7310585786300049, abs=1e-15)
        example = get_example(name).run()
        leaves = {n.label: n.grad for n in topological_order(example) if n.label in values}
        typed = {n.label: n.grad for n in topological_order(f) if n.label in values}
        assert typed == pytest.approx(leaves, abs=1e-15)
    f = evaluate(
        get_example("add-mul").title.split(" at ")[0].split("= ")[1], dict(x=-2, y=5, z=-4)
    )
    assert f.data == -12.0


def test_plain_keeps_every_position():
    text = "−x·y ÷ （２×z）"
    assert plain(text) == "-x*y / (2*z)"
    assert len(plain(text)) == len(text)
    with pytest.raises(ExpressionError) as caught:
        parse("−x·y ÷ （２×z） @")
    assert caught.value.position == len(text) + 1
    assert str(caught.value).endswith(f"\n    {' ' * (len(text) + 3 + 1)}^")  # （２） are wide


def test_the_caret_counts_full_width_characters_as_two_columns():
    with pytest.raises(
        ExpressionError, match="expected '\\)' to close the '\\(' at column 1"
    ) as caught:
        parse("（x＋y")
    assert caught.value.position == 4
    assert str(caught.value).endswith("\n    （x＋y\n          ^")  # （ and ＋ are two columns wide


def test_labels_use_the_ascii_operators():
    f = evaluate("(x−y)·z", {"x": 1.0, "y": 2.0, "z": 3.0})
    assert f.label == "f" and f.parents[0].label == "x-y"


@pytest.mark.parametrize(
    ("text", "value"),
    [("-2", -2.0), ("−2", -2.0), ("－２", -2.0), ("+4", 4.0), (" 0.5 ", 0.5), ("1e−3", 0.001)],
)
def test_parse_number_reads_a_number_as_an_expression_writes_it(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["x", "1/2", "inf", "nan", "2 2", "", "--2", "٣", "1_000"])
def test_parse_number_refuses_anything_else(text):
    with pytest.raises(ValueError, match="not a number|unexpected character"):
        parse_number(text)


def test_parse_number_refuses_a_number_beyond_a_float():
    with pytest.raises(OverflowError, match=r"1e999 is too large for a float"):
        parse_number("1e999")


_LEAVES = st.sampled_from([("x", "x"), ("y", "y"), ("2", "2"), ("0.5", "0.5")])
_OPERATORS = st.sampled_from(
    [("+", "+"), ("-", "−"), ("-", "–"), ("*", "×"), ("*", "·"), ("/", "÷"), ("*", "＊")]
)


def _bigger(children: st.SearchStrategy) -> st.SearchStrategy:
    def binary(parts: tuple) -> tuple[str, str]:
        (a, a_typed), (op, op_typed), (b, b_typed) = parts
        return f"({a}{op}{b})", f"（{a_typed}{op_typed}{b_typed}）"

    def call(parts: tuple) -> tuple[str, str]:
        (name, name_typed), (a, a_typed) = parts
        return f"{name}({a})", f"{name_typed}({a_typed})"

    functions = st.sampled_from([("tanh", "tanh"), ("sigmoid", "σ"), ("exp", "exp")])
    return st.one_of(
        st.tuples(children, _OPERATORS, children).map(binary),
        children.map(lambda c: (f"-{c[0]}", f"−{c[1]}")),
        children.map(lambda c: (f"({c[0]})**2", f"({c[1]})²")),
        st.tuples(functions, children).map(call),
    )


_TWINS = st.recursive(_LEAVES, _bigger, max_leaves=8)
_NUMBERS = st.floats(-3.0, 3.0, allow_nan=False).map(lambda v: round(v, 2))


@given(_TWINS, _NUMBERS, _NUMBERS)
def test_an_expression_and_its_typographic_twin_give_the_same_value_and_gradients(twins, x, y):
    ascii, typed = twins
    values = {name: v for name, v in (("x", x), ("y", y)) if name in parse(ascii).variables}
    results = []
    for text in (ascii, typed):
        try:
            f = evaluate(text, values)
            f.backward()
        except MicrogradppError as error:  # 1/0, an overflow: the same error both ways
            results.append((type(error), getattr(error, "gate", None)))
            continue
        leaves = {n.label: n.grad for n in topological_order(f) if n.label in values}
        results.append((f.data, leaves))
    assert results[0] == results[1], (ascii, typed)
    assert parse(typed).variables == parse(ascii).variables


def test_parse_needs_a_string():
    with pytest.raises(TypeError, match="parse needs the expression as a str, got int"):
        parse(3)


def test_expression_error_is_a_value_error():
    assert issubclass(ExpressionError, ValueError)


def test_module_docstring_examples_run():
    import doctest

    import microgradpp.expr

    assert doctest.testmod(microgradpp.expr).failed == 0


def test_an_expression_longer_than_max_length_is_refused_before_parsing() -> None:
    from microgradpp.expr import MAX_LENGTH

    assert MAX_LENGTH == 50_000
    parse("x" + "+x" * 24_999)  # 49,999 characters: read
    with pytest.raises(ExpressionError) as raised:
        parse("x" + "+x" * 25_000)
    assert raised.value.reason == (
        "the expression is 50,001 characters long; at most 50,000 are read (about 10,000 terms: "
        "a longer one is no expression to work through by hand)"
    )
    assert raised.value.position == 50_000
    assert raised.value.translated("zh-Hant").startswith(
        "運算式長 50,001 個字元；最多只讀 50,000 個"
    )


@pytest.mark.parametrize("dash", ["\u2014", "\u2015", "\u2012"])
def test_a_long_dash_is_refused_with_the_minus_signs_to_type(dash) -> None:
    """A word processor turns a typed "--x" into "—x": the message says what to type instead
    (the en dash, what it makes of one "-", is read as a minus)."""
    with pytest.raises(ExpressionError) as raised:
        parse(f"{dash}x")
    assert raised.value.reason == (
        f"unexpected character {dash!r}, a long dash (a word processor makes one of a typed "
        '"--"): type each minus sign as - (e.g. --x or -(-x))'
    )
    assert raised.value.position == 0
    assert parse("\u2013x").evaluate({"x": 2.0}).data == -2.0


def test_calling_and_reading_numbers_is_refused_in_chinese():
    from microgradpp.expr import parse_number
    from microgradpp.i18n import translated

    cases = [
        (lambda: parse("x*y").function()(1.0), "'x*y' 需要 2 個引數（x、y），收到的是 1 個"),
        (lambda: parse(3), "parse 需要以 str 表示的運算式，收到的是 int"),
        (lambda: parse_number("x"), "不是數字：'x'"),
        (lambda: parse_number("1e999"), "1e999 超出了浮點數的範圍（最大大約是 1.8e308）"),
    ]
    for make, hant in cases:
        with pytest.raises((TypeError, ValueError, OverflowError)) as caught:
            make()
        assert translated(caught.value, "zh-Hant") == hant
        assert translated(caught.value, "en") == str(caught.value)
    assert translated(caught.value, "zh-Hans") == "1e999 超出了浮点数的范围（最大大约是 1.8e308）"
