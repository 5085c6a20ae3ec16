"""Text tables of nodes, and the number format shared with the captions."""

from __future__ import annotations

import doctest
import math

import pytest

import microgradpp.tables
from microgradpp import Value
from microgradpp.examples import get_example
from microgradpp.tables import format_number, format_table, node_names, node_table


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (-4.0, 4, "-4"),
        (0.7310585786, 4, "0.7311"),
        (0.7310585786, 2, "0.73"),
        (-0.19661193, 2, "-0.2"),
        (-0.0, 4, "0"),
        (-0.00001, 4, "-1.000e-05"),  # never shown as 0
        (3e9, 4, "3.000e+09"),
        (12.5, 0, "13"),  # half up (四捨五入), as a person rounds: not half to even
        (0.125, 2, "0.13"),  # from the decimal value, though the binary 0.125 is exact
        (2.675, 2, "2.68"),  # stored as 2.67499999…: format() would show 2.67
        (-0.125, 2, "-0.13"),  # half away from zero for negatives too
    ],
)
def test_format_number(x, digits, text):
    assert format_number(x, digits) == text


def test_format_number_significant_digits_minus_sign_and_specials():
    assert format_number(-4.000000000559112, 10, significant=True) == "-4.000000001"
    assert format_number(2.718281828459045, 10, significant=True) == "2.718281828"
    assert format_number(3.3e-16, 2, significant=True) == "3.3e-16"
    assert format_number(-0.5, unicode_minus=True) == "\u22120.5"
    assert format_number(-1e-7, unicode_minus=True) == "\u22121.000e\u221207"
    assert format_number(-0.0, unicode_minus=True) == "0"
    assert [format_number(x) for x in (math.inf, -math.inf, math.nan)] == ["inf", "-inf", "nan"]


def test_the_gates_and_gradcheck_write_numbers_the_same_way():
    from microgradpp.gates import Pow
    from microgradpp.gradcheck import gradcheck

    assert [Pow(n).symbol for n in (3, 2.0, 0.5, -1, 1 / 3)] == [
        "**3", "**2", "**0.5", "**-1", "**0.3333333333333333",
    ]  # fmt: skip
    report = str(gradcheck(lambda x: x * x, 1.5)).splitlines()
    assert report[1:] == ["input      analytic  numeric  abs error  ok",
                          "inputs[0]         3        3    2.5e-10  ok"]  # fmt: skip


def test_sigmoid_neuron_table():
    assert node_table(get_example("sigmoid-neuron").run()) == "\n".join(
        [
            " #  node  gate  inputs   value     grad",
            " 1  w0    leaf               2  -0.1966",
            " 2  x0    leaf              -1   0.3932",
            " 3  p0    ×     w0, x0      -2   0.1966",
            " 4  w1    leaf              -3  -0.3932",
            " 5  x1    leaf              -2  -0.5898",
            " 6  p1    ×     w1, x1       6   0.1966",
            " 7  s     +     p0, p1       4   0.1966",
            " 8  w2    leaf              -3   0.1966",
            " 9  z     +     s, w2        1   0.1966",
            "10  -1    leaf              -1  -0.1966",
            "11  u     ×     z, -1       -1  -0.1966",
            "12  e     exp   u       0.3679  -0.5344",
            "13  1     leaf               1  -0.5344",
            "14  d     +     e, 1    1.3679  -0.5344",
            "15  f     1/x   d       0.7311        1",
        ]
    )


def test_unlabelled_nodes_are_named_by_position_and_the_root_f():
    x = Value(2.0, label="x")
    f = (x * 3.0).exp() + x
    names = list(node_names(microgradpp.topological_order(f)).values())
    assert names == ["x", "3", "n3", "n4", "f"]
    g = x * 3.0
    g.label = ""
    h = Value(1.0, label="f") + g  # a node already called f: the root keeps its number
    assert list(node_names(microgradpp.topological_order(h)).values())[-1] == "n5"


def test_format_table_aligns_numbers_right():
    assert format_table(("a", "n"), [("xx", "1"), ("y", "-10")], numeric_columns=(1,)) == (
        "a     n\nxx    1\ny   -10"
    )


def test_module_docstring_example_runs():
    assert doctest.testmod(microgradpp.tables).failed == 0


def test_node_table_after_backward_with_create_graph_shows_the_gradients_numbers():
    from microgradpp import Value
    from microgradpp.tables import node_table

    x = Value(3.0, label="x")
    f = x * x
    f.label = "f"
    f.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    f.zero_grad()
    f.backward()
    plain = node_table(f)
    f.zero_grad()
    f.backward(create_graph=True)
    assert node_table(f) == plain  # the same numbers: 6 for x, 1 for f


def test_a_leaf_has_no_gate_in_any_language():
    from microgradpp.i18n import translated
    from microgradpp.tables import gate_of

    with pytest.raises(ValueError) as caught:
        gate_of(Value(2.0, label="x"))
    assert (
        str(caught.value) == "Value(data=2.0, grad=0.0, label='x') is a leaf: no gate computed it"
    )
    assert translated(caught.value, "zh-Hant") == (
        "Value(data=2.0, grad=0.0, label='x') 是葉節點：沒有閘計算它"
    )
