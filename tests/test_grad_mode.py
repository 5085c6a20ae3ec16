"""microgradpp/grad_mode.py: the switches that say whether gates build a graph (no_grad's tests
of behaviour are in test_engine.py, beside the gates they switch off)."""

from __future__ import annotations

import pytest

import microgradpp as mg
from microgradpp import engine, grad_mode
from microgradpp.errors import CompiledError, NoGradError


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
    with grad_mode.create_graph_refused("traced"):
        assert grad_mode.create_graph_refusal() == "traced"
        with pytest.raises(CompiledError, match=r"^backward\(create_graph=True\): traced$"):
            (mg.Value(2.0) * mg.Value(3.0)).backward(create_graph=True)
    assert grad_mode.create_graph_refusal() == ""
