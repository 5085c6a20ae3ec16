"""microgradpp.gradcheck: central differences, the per-input report, the random-direction check."""

from __future__ import annotations

import math

import pytest

import microgradpp as mg
from microgradpp import GateError, Value
from microgradpp.engine import _apply
from microgradpp.gates import Gate
from microgradpp.gradcheck import (
    central_difference,
    directional_gradcheck,
    gradcheck,
    gradgradcheck,
)


class WrongSquare(Gate):
    """out = x²;  the true derivative is 2x, but this gate claims ∂out/∂x = x (a planted bug)."""

    name, symbol = "wrong_square", "x²?"

    def forward(self, x: float) -> float:
        return x * x

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (x,)


def wrong_square(x: Value) -> Value:
    return _apply(WrongSquare(), (x,))


# ------------------------------------------------------------------------------------------------
# central_difference
# ------------------------------------------------------------------------------------------------


def test_central_difference_of_a_square():
    assert math.isclose(central_difference(lambda x: x * x, 3.0), 6.0, rel_tol=1e-9)


def test_central_difference_picks_the_argument():
    f = lambda x, y: x * y * y  # noqa: E731   ∂f/∂x = y², ∂f/∂y = 2xy
    assert math.isclose(central_difference(f, 2.0, 5.0, arg=0), 25.0, rel_tol=1e-9)
    assert math.isclose(central_difference(f, 2.0, 5.0, arg=1), 20.0, rel_tol=1e-9)


def test_central_difference_is_second_order():
    # (e^h − e^−h) / 2h = sinh(h)/h = 1 + h²/6 + …: the error shrinks with the square of the step
    for eps in (1e-1, 1e-2, 1e-3):
        numeric = central_difference(math.exp, 0.0, eps=eps)
        assert math.isclose(numeric, math.sinh(eps) / eps, rel_tol=1e-12)
        assert math.isclose(numeric - 1.0, eps * eps / 6, rel_tol=1e-2)


def test_central_difference_accepts_values_as_inputs_and_results():
    x = Value(3.0)
    assert math.isclose(central_difference(lambda t: Value(t) * t, x), 6.0, rel_tol=1e-9)
    assert x.grad == 0.0 and x.data == 3.0


def test_central_difference_of_a_value_method_says_how_to_wrap_it():
    with pytest.raises(TypeError, match=r"pass lambda x: f\(Value\(x\)\)$"):
        central_difference(lambda x: x.tanh(), 0.5)
    assert math.isclose(
        central_difference(lambda x: Value(x).tanh(), 0.5), 1 - math.tanh(0.5) ** 2, rel_tol=1e-9
    )


def test_central_difference_rejects_bad_input():
    with pytest.raises(ValueError, match=r"^central_difference needs at least one input"):
        central_difference(math.exp)
    with pytest.raises(
        ValueError, match=r"^arg must be the index of an input, 0 <= arg < 2, got arg = 2$"
    ):
        central_difference(lambda x, y: x, 1.0, 2.0, arg=2)
    with pytest.raises(ValueError, match=r"^eps must be > 0 and finite, got 0.0$"):
        central_difference(math.exp, 1.0, eps=0)
    with pytest.raises(TypeError, match=r"^input 0 must be a number or a Value, got str: '1'$"):
        central_difference(math.exp, "1")
    with pytest.raises(ValueError, match=r"^input 0 must be finite, got nan$"):
        central_difference(math.exp, math.nan)
    with pytest.raises(TypeError, match=r"^f must return a number or a Value, got str$"):
        central_difference(lambda x: "y", 1.0)
    with pytest.raises(ValueError, match=r"is not finite: check at a point where f is defined"):
        central_difference(lambda x: 1 / x if x > 0 else math.inf, 0.0)


# ------------------------------------------------------------------------------------------------
# gradcheck
# ------------------------------------------------------------------------------------------------


def test_gradcheck_of_the_first_worked_example_prints_a_table():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    report = gradcheck(lambda x, y, z: (x + y) * z, [x, y, z])
    assert report and report.ok and len(report) == 3
    assert [(row.name, row.analytic) for row in report] == [("x", -4.0), ("y", -4.0), ("z", 3.0)]
    for row in report:
        assert row.ok and row.error == abs(row.analytic - row.numeric) < 1e-9
    assert str(report) == (
        "gradcheck: all 3 inputs ok  (eps=1e-06, pass if |analytic - numeric| <= 1e-05 + 0.0001*|numeric|)\n"
        "input  analytic       numeric  abs error  ok\n"
        "x            -4  -4.000000001    5.6e-10  ok\n"
        "y            -4  -4.000000001    5.6e-10  ok\n"
        "z             3             3    4.7e-10  ok"
    )
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)  # the Values passed in are not touched


def test_gradcheck_finds_a_wrong_local_gradient():
    report = gradcheck(lambda x, y: wrong_square(x) * y, [3.0, 2.0])
    assert not report and not report.ok
    wrong, right = report
    assert (wrong.name, wrong.analytic, wrong.ok) == ("inputs[0]", 6.0, False)  # x·y, not 2x·y
    assert math.isclose(wrong.numeric, 12.0, rel_tol=1e-8)
    assert right.ok and math.isclose(right.numeric, 9.0, rel_tol=1e-8)
    text = str(report)
    assert text.startswith("gradcheck: 1 of 2 FAILED")
    assert text.splitlines()[2].endswith("FAIL") and text.splitlines()[3].endswith("ok")


def test_gradcheck_at_a_kink_shows_the_convention_differs_from_the_difference():
    (row,) = gradcheck(lambda x: x.relu(), 0.0)  # one number is accepted as one input
    assert row.analytic == 0.0  # relu'(0) = 0 by convention
    assert math.isclose(row.numeric, 0.5, rel_tol=1e-9)  # (ε − 0) / 2ε
    assert not row.ok


@pytest.mark.parametrize(
    "f",
    [
        lambda x, y: (x * y).tanh() + x.exp() / y,
        lambda x, y: mg.max(x, y) * x.sigmoid() - (y * y).log(),
        lambda x, y: mg.linear([x, y], [y, 2.0], x) ** 2 + mg.sum([x, y, x * y]),
    ],
)
def test_gradcheck_passes_on_correct_gradients(f):
    assert gradcheck(f, [0.7, -1.3])


def test_gradcheck_tolerances_are_absolute_plus_relative():
    # numeric ≈ 6 + 1e-10; analytic 6: passes any sensible tolerance, fails with none at all
    assert gradcheck(lambda x: x * x, [3.0])
    assert not gradcheck(lambda x: x * x, [3.0], atol=0.0, rtol=0.0)


def test_gradcheck_rejects_bad_input():
    with pytest.raises(ValueError, match=r"^gradcheck needs at least one input"):
        gradcheck(lambda: Value(1.0), [])
    with pytest.raises(TypeError, match=r"^gradcheck: f must return a Value .* got float: 9\.0$"):
        gradcheck(lambda x: x.data**2, [3.0])
    with pytest.raises(TypeError, match=r"^input 1 must be a number or a Value, got NoneType"):
        gradcheck(lambda x, y: x, [1.0, None])
    with pytest.raises(ValueError, match=r"^atol must be >= 0 and finite, got -1.0"):
        gradcheck(lambda x: x, [1.0], atol=-1)
    with pytest.raises(GateError, match=r"^log gate"):
        gradcheck(lambda x: x.log(), [0.0])


# ------------------------------------------------------------------------------------------------
# directional_gradcheck
# ------------------------------------------------------------------------------------------------


def small_network(n_inputs: int = 4, hidden: int = 6) -> tuple[list[Value], callable]:
    """A 4-6-1 tanh network's squared output on one input: 37 parameters."""
    weights = [
        [Value(0.1 * ((i * 7 + j * 3) % 11 - 5)) for j in range(n_inputs)] for i in range(hidden)
    ]
    biases = [Value(0.05 * i) for i in range(hidden)]
    out_w = [Value(0.2 * ((i % 3) - 1) + 0.1) for i in range(hidden)]
    out_b = Value(-0.3)
    x = [0.5, -1.0, 2.0, 0.25]

    def loss() -> Value:
        h = [mg.linear(w, x, b).tanh() for w, b in zip(weights, biases)]
        return (mg.linear(out_w, h, out_b) - 1.0) ** 2

    params = [p for row in weights for p in row] + biases + out_w + [out_b]
    return params, loss


def test_directional_gradcheck_passes_on_a_network_and_restores_everything():
    params, loss = small_network()
    for i, p in enumerate(params):
        p.grad = 0.01 * i  # gradients left from earlier work must survive the check
    before = [(p.data, p.grad) for p in params]
    report = directional_gradcheck(loss, params)
    assert report and report.ok
    assert report.n_params == 37 and report.seed == 0
    assert report.error == abs(report.analytic - report.numeric) < 1e-8
    assert [(p.data, p.grad) for p in params] == before
    text = str(report)
    assert text.startswith("directional gradcheck: ok  (37 parameters, random unit direction v")
    assert text.splitlines()[1].split() == ["analytic", "∇f·v", "numeric", "abs", "error", "ok"]


def test_directional_gradcheck_is_deterministic_per_seed():
    params, loss = small_network()
    assert directional_gradcheck(loss, params, seed=3) == directional_gradcheck(
        loss, params, seed=3
    )
    assert (
        directional_gradcheck(loss, params, seed=3).analytic
        != directional_gradcheck(loss, params, seed=4).analytic
    )


def test_directional_gradcheck_uses_a_unit_direction():
    p = Value(2.0)
    report = directional_gradcheck(lambda: p * 1.0, [p])  # ∇f = 1, v = ±1
    assert abs(report.analytic) == 1.0


def test_directional_gradcheck_finds_a_wrong_gradient_among_many():
    params, loss = small_network()
    report = directional_gradcheck(lambda: loss() + wrong_square(params[5]), params)
    assert not report
    assert str(report).startswith("directional gradcheck: FAILED")


def test_directional_gradcheck_restores_the_parameters_when_f_fails():
    p = Value(1e-7)
    before = (p.data, p.grad)
    with pytest.raises(GateError, match=r"^log gate"):
        directional_gradcheck(lambda: p.log(), [p], eps=1e-6)  # p − ε·v < 0 for one of ±v
    assert (p.data, p.grad) == before


def test_directional_gradcheck_rejects_bad_input():
    p = Value(1.0)
    with pytest.raises(ValueError, match=r"^directional_gradcheck needs at least one parameter"):
        directional_gradcheck(lambda: p, [])
    with pytest.raises(TypeError, match=r"^params\[1\] must be a Value, got float: 2\.0$"):
        directional_gradcheck(lambda: p, [p, 2.0])
    with pytest.raises(
        ValueError, match=r"^params\[0\] was made by the mul gate; .* must be leaves"
    ):
        directional_gradcheck(lambda: p, [p * 2])
    with pytest.raises(TypeError, match=r"^directional_gradcheck: f must return a Value"):
        directional_gradcheck(lambda: 1.0, [p])
    assert (p.data, p.grad) == (1.0, 0.0)


def test_the_docstring_examples_run():
    import doctest

    import microgradpp.gradcheck

    result = doctest.testmod(microgradpp.gradcheck)
    assert result.attempted >= 3 and result.failed == 0


# ------------------------------------------------------------------------------------------------
# gradgradcheck: second derivatives against central differences of the first
# ------------------------------------------------------------------------------------------------


def test_gradgradcheck_passes_on_smooth_functions_with_the_hessian_in_its_rows():
    x, y = Value(0.7, label="x"), Value(-0.4, label="y")
    report = gradgradcheck(lambda a, b: (a * b).tanh() + a.log(), [x, y])
    assert report.ok and report.order == 2 and len(report) == 4
    assert [row.name for row in report] == ["∂²f/∂x²", "∂²f/∂x∂y", "∂²f/∂y∂x", "∂²f/∂y²"]
    t = math.tanh(0.7 * -0.4)
    s = 1 - t * t  # tanh' at xy
    assert report[0].analytic == pytest.approx(-2 * t * s * 0.16 - 1 / 0.49, rel=1e-12)
    assert report[1].analytic == report[2].analytic  # a symmetric Hessian, both halves checked
    assert report[3].analytic == pytest.approx(-2 * t * s * 0.49, rel=1e-12)
    assert str(report).splitlines()[0] == (
        "gradgradcheck: all 4 second derivatives ok  (second derivatives against central "
        "differences of the first; eps=1e-05, pass if |analytic - numeric| <= 1e-05 + "
        "0.0001*|numeric|)"
    )
    assert report.format("zh-Hant").startswith("gradgradcheck：4 個二階導數全部正確")


def test_gradgradcheck_fails_a_wrong_second_derivative_and_names_a_kink():
    class BadSquare(Gate):
        """x² whose local gradient as a graph is wrong (2x + x²): its second derivative too."""

        name, symbol = "bad_square", "sq"

        def forward(self, x):
            return x * x

        def local_grads(self, out, x):
            return (2 * x,)

        def local_grads_graph(self, out, x):
            return (2.0 * x + out * 0.0 + x * x * 1e-3,)

    report = gradgradcheck(lambda x: _apply(BadSquare(), (x,)), [1.5])
    assert not report.ok and report[0].numeric == pytest.approx(2.0, rel=1e-6)
    assert report[0].analytic == pytest.approx(2.0 + 2 * 1.5e-3, rel=1e-12)
    kink = gradgradcheck(lambda x: (x - 1.0).relu() * x, [1.0])
    assert not kink.ok and kink[0].note.startswith("relu's input (= 0) is at its kink at 0")


def test_gradgradcheck_says_when_a_step_leaves_the_domain_and_refuses_bad_arguments():
    report = gradgradcheck(lambda x: x.log() * x, [1e-6])
    assert not report.ok and math.isnan(report[0].numeric)
    assert report[0].note.startswith("moving inputs[0] by ±ε = ±1e-05 (to -9e-06 and 1.1e-05) ")
    with pytest.raises(ValueError, match=r"^gradgradcheck needs at least one input"):
        gradgradcheck(lambda: Value(1.0), [])
    with pytest.raises(ValueError, match=r"eps"):
        gradgradcheck(lambda x: x * x, [1.0], eps=0.0)


class _Step(Gate):
    """A gate of the tests' own, with a kink at 0 and no sentence for it."""

    name, symbol = "step_up", "step"

    def forward(self, x: float) -> float:
        return 2.0 * x if x > 0.0 else x

    def local_grads(self, out: float, x: float) -> tuple[float, ...]:
        return (2.0 if x > 0.0 else 1.0,)

    def well_conditioned(self, x: float) -> bool:
        return abs(x) > 1e-3


def test_the_kink_note_is_the_sentence_the_gate_names():
    # each gate says which sentence explains its kink; gradcheck tests no gate names
    assert (mg.GATES["relu"].kink_sentence, mg.GATES["max"].kink_sentence) == (
        "gradcheck.kink.relu",
        "gradcheck.kink.max",
    )
    (relu,) = gradcheck(lambda x: x.relu(), 0.0)
    assert relu.note.startswith("relu's input")
    (own,) = gradcheck(lambda x: _apply(_Step(), (x,)), 0.0)
    assert not own.ok
    assert own.note.startswith("the step_up gate is not smooth at its input")


def test_gradcheck_order_2_is_gradgradcheck_and_order_is_checked():
    f = lambda x, y: (x * y).tanh() + x.log()  # noqa: E731
    second = gradcheck(f, [0.7, -0.4], order=2)
    assert second == gradgradcheck(f, [0.7, -0.4]) and second.order == 2 and len(second) == 4
    assert gradcheck(f, [0.7, -0.4]).eps == 1e-6 and second.eps == 1e-5
    for bad in (0, 3, True, "2"):
        with pytest.raises(ValueError, match=r"^order must be 1 \(first derivatives\) or 2"):
            gradcheck(f, [0.7, -0.4], order=bad)


def test_the_checks_refusals_are_said_in_chinese():
    from microgradpp.gradcheck import central_difference, directional_gradcheck, gradcheck
    from microgradpp.i18n import translated

    x = Value(1.0, label="x")
    cases = [
        (lambda: central_difference(lambda a: a), "central_difference 至少需要一個輸入：central_difference(f, x)"),
        (lambda: central_difference(lambda a: a, 1.0, arg=3),
         "arg 必須是某個輸入的索引，0 <= arg < 1，收到的是 arg = 3"),
        (lambda: gradcheck(lambda a: a, [1.0], order=3), "order 必須是 1（一階導數）或 2（二階導數），收到的是 3"),
        (lambda: directional_gradcheck(lambda: x, []), "directional_gradcheck 的 params 裡至少要有一個參數"),
        (lambda: directional_gradcheck(lambda: x, [x * 2]),
         "params[0] 是 mul 閘算出來的；directional_gradcheck 會移動每個參數再呼叫一次 f()，"
         "所以 params 必須是葉節點（輸入、權重）"),
        (lambda: central_difference(lambda a: "y", 1.0), "f 必須傳回數字或 Value，收到的是 str"),
        (lambda: central_difference(lambda a: math.log(a) if a > 0 else math.inf, 0.0),
         "f(-1e-06,) = inf 不是有限值：請在 f 有定義的點檢查，或用小一點的 eps"),
        (lambda: gradcheck(lambda a: a, []), "gradcheck 至少需要一個輸入：gradcheck(f, [x0, x1, ...])"),
        (lambda: gradcheck(lambda a: 3.0, [1.0]),
         "gradcheck：f 必須傳回由它收到的 Value 算出來的 Value（backward() 要在它上面執行），"
         "收到的是 float: 3.0"),
        (lambda: gradcheck(lambda a: a, ["1"]), "輸入 0 必須是數字或 Value，收到的是 str: '1'"),
    ]  # fmt: skip
    for make, hant in cases:
        with pytest.raises((TypeError, ValueError)) as caught:
            make()
        assert translated(caught.value, "zh-Hant") == hant, translated(caught.value, "en")
        assert translated(caught.value, "en") == str(caught.value)
    assert translated(caught.value, "zh-Hans") == "输入 0 必须是数字或 Value，得到的是 str: '1'"
