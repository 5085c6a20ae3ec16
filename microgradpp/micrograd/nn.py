"""micrograd's ``nn.py``, line for line, on ``microgradpp.micrograd.engine.Value``.

``Neuron(nin, nonlin=True)`` computes ``relu(b + Σ wᵢxᵢ)`` (or no relu with ``nonlin=False``) as a
chain of ``*`` and ``+`` nodes, exactly micrograd's graph; ``Layer`` returns a single Value when it
has one neuron and a list otherwise; ``MLP(nin, nouts)`` uses relu on every layer but the last.
Weights are drawn with ``random.uniform(-1, 1)`` from Python's global ``random``, in micrograd's
order, so after the same ``random.seed(…)`` you get the very same network as micrograd.

For microgradpp's own networks (named parameters, fused neurons, other activations, state_dict,
optimizers) use ``microgradpp.nn``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from .engine import Value


class Module:
    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | float]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)  # b + w0·x0 + w1·x1 + …
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    def __init__(self, nin: int, nouts: list[int]) -> None:
        sz = [nin] + nouts
        self.layers = [
            Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]

    def __call__(self, x: Any) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
