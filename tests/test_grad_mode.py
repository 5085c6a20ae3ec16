"""microgradpp/grad_mode.py: the switches that say whether gates build a graph (no_grad's tests
of behaviour are in test_engine.py, beside the gates they switch off)."""

from __future__ import annotations

import pytest

import microgradpp as mg
from microgradpp import engine, grad_mode
from microgradpp.errors import CompiledError, NoGradError
from microgradpp.i18n import translated


def test_the_names_read_from_the_engine_and_the_package_are_grad_modes_own():
    assert mg.no_grad is engine.no_grad is grad_mode.no_grad
    assert mg.is_grad_enabled is engine.is_grad_enabled is grad_mode.is_grad_enabled
    assert engine.create_graph_refused is grad_mode.create_graph_refused


def test_the_count_of_open_blocks_goes_up_and_back_down():
    before = grad_mode.no_grad_blocks
    with mg.no_grad():
        assert grad_mode.no_grad_blocks == before + 1
        with mg.no_grad():
            assert grad_mode.no_grad_blocks == before + 2
        assert grad_mode.no_grad_blocks == before + 1
    assert grad_mode.no_grad_blocks == before


def test_enable_grad_builds_a_graph_inside_no_grad_and_then_switches_back():
    x = mg.Value(3.0)
    with mg.no_grad():
        cut = x * 2.0
        with grad_mode.enable_grad():
            assert mg.is_grad_enabled()
            built = x * 2.0
        assert not mg.is_grad_enabled()
    assert cut.parents == () and cut.first_local_grad == grad_mode.COMPUTED_IN_NO_GRAD
    assert built.parents[0] is x and built.local_grads == (2.0, 3.0)
    built.backward()
    assert x.grad == 2.0
    with pytest.raises(
        NoGradError, match=r"^backward\(\) on the Value 6\.0, which a gate computed"
    ):
        cut.backward()


def test_create_graph_refusal_is_said_inside_and_forgotten_outside():
    assert grad_mode.create_graph_refusal() == ""
    with grad_mode.create_graph_refused("compiled.create_graph"):
        assert grad_mode.create_graph_refusal() == "compiled.create_graph"
        with pytest.raises(CompiledError) as caught:
            (mg.Value(2.0) * mg.Value(3.0)).backward(create_graph=True)
    assert grad_mode.create_graph_refusal() == ""
    assert str(caught.value).startswith(
        "backward(create_graph=True): compiled mode cannot differentiate a gradient"
    )
    assert translated(caught.value, "zh-Hant") == (
        "backward(create_graph=True)：編譯模式不能對梯度再求梯度（create_graph=True）：它的梯度是"
        "整個批次的 numpy 陣列，不是 Value；而從一個樣本追蹤出來的梯度計算圖，形狀取決於那個樣本的數值"
        "（每個 relu 和 max 把梯度往哪邊送），拿去給其他樣本重播就會算錯。用到梯度的損失函數"
        "（梯度懲罰項、曲率項）請用 compiled=False 訓練"
    )
    assert translated(caught.value, "zh-Hans").startswith(
        "backward(create_graph=True)：编译模式不能对梯度再求梯度（create_graph=True）：它的梯度是"
        "整个批量的 numpy 数组"
    )


def test_a_no_grad_result_is_refused_in_the_language():
    x = mg.Value(2.0, label="x")
    with mg.no_grad():
        y = x * x
        y.label = "y"
    with pytest.raises(NoGradError) as by_backward:
        y.backward()
    with pytest.raises(NoGradError) as by_grad:
        mg.grad([x * 3, y], [x])
    tail = (
        "是在 no_grad() 裡面由閘算出來的值，沒有記下輸入，所以梯度無法往回傳（每一個都會是 0）。"
        "請在 `with no_grad():` 外面計算它"
    )
    assert (
        translated(by_backward.value, "zh-Hant")
        == "不能對 Value y = 4.0 呼叫 backward()：它" + tail
    )
    assert translated(by_grad.value, "zh-Hant") == (
        "grad(create_graph=False)：outputs[1]（y = 4.0）" + tail
    )
    assert translated(by_backward.value, "zh-Hans") == (
        "不能对 Value y = 4.0 调用 backward()：它是在 no_grad() 里面由门算出来的值，没有记下输入，"
        "所以梯度无法往回传（每一个都会是 0）。请在 `with no_grad():` 外面计算它"
    )
    assert str(by_grad.value).startswith("grad(create_graph=False): outputs[1], y = 4.0, which")
