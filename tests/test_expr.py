"""The safe expression parser: grammar, graphs, gradients, and errors that point at the spot."""

from __future__ import annotations

import math

import pytest

from microgradpp import GateError, Value, topological_order
from microgradpp.expr import MAX_DEPTH, Expression, ExpressionError, evaluate, parse, tokenize


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
        ("x × y", "unexpected character '×' (type * instead)", 2),
        ("x − y", "unexpected character '−' (type - instead)", 2),
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


def test_parse_needs_a_string():
    with pytest.raises(TypeError, match="parse needs the expression as a str, got int"):
        parse(3)


def test_expression_error_is_a_value_error():
    assert issubclass(ExpressionError, ValueError)


def test_module_docstring_examples_run():
    import doctest

    import microgradpp.expr

    assert doctest.testmod(microgradpp.expr).failed == 0
