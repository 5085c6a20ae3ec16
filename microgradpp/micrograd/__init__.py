"""micrograd's API on microgradpp's engine: run micrograd code and Karpathy's lecture unchanged.

Change only the import line::

    from micrograd.engine import Value              ->  from microgradpp.micrograd.engine import Value
    from micrograd.nn import Neuron, Layer, MLP     ->  from microgradpp.micrograd.nn import Neuron, Layer, MLP

and micrograd's README example, its ``test/test_engine.py``, its ``demo.ipynb`` and the lecture's
manual steps (``o.grad = 1.0; o._backward(); n._backward(); …``, ``draw_dot(o)``) run as they do
with micrograd. The package mirrors micrograd's layout:

* ``microgradpp.micrograd.engine.Value`` — ``Value(data, _children=(), _op='', label='')`` with
  ``_prev``, ``_op`` and ``_backward()``; every operation is microgradpp's gate underneath.
* ``microgradpp.micrograd.nn`` — ``Module``, ``Neuron(nin, nonlin=True)``, ``Layer``, ``MLP``,
  line for line micrograd's (same random draws, so the same seed gives the same network).
* ``microgradpp.micrograd.draw_dot(root)`` — the lecture's picture (a ``graphviz.Digraph``), drawn
  in the same order every run.

What still differs from micrograd, and why, is in ``engine.py``'s docstring and the README.
"""

from __future__ import annotations

from .draw import draw_dot, trace
from .engine import Value

__all__ = ["Value", "draw_dot", "trace"]
