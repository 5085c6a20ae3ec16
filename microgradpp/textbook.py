"""Backpropagation on one screen: microgradpp's textbook edition (``engine.py`` gives the same
numbers to the last bit, and adds checks, clear errors, pictures and speed).

A gate that makes a node also works out its *local gradients* ∂node/∂parent, and the node keeps
them. backward() is then the chain rule, local × upstream, for every node, newest first: a node is
always made after its parents, so by its turn every node that uses it has sent its gradient down.
"""

from __future__ import annotations

import math


class Value:
    made = 0  # Values made so far: each new one gets the next number, so parents come first

    def __init__(self, data: float, parents: tuple = (), local_grads: tuple = (), label: str = ""):
        self.data = float(data)
        self.grad = 0.0  # ∂(the output backward() starts from)/∂self
        self.parents = parents  # the Values this one was computed from
        self.local_grads = local_grads  # ∂self/∂parent for each parent, worked out now
        self.label = label
        Value.made += 1
        self.number = Value.made

    # -- the gates: each computes its value and its local gradients ------------------------------

    def __add__(self, other: Value | float) -> Value:  # a + b:  ∂/∂a = 1, ∂/∂b = 1
        other = lift(other)
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: Value | float) -> Value:  # a · b:  ∂/∂a = b, ∂/∂b = a
        other = lift(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    def exp(self) -> Value:  # eˣ:  d/dx = eˣ
        out = math.exp(self.data)
        return Value(out, (self,), (out,))

    def log(self) -> Value:  # ln x:  d/dx = 1/x
        return Value(math.log(self.data), (self,), (1.0 / self.data,))

    def reciprocal(self) -> Value:  # 1/x:  d/dx = -1/x²
        out = 1.0 / self.data
        return Value(out, (self,), (-out * out,))

    def max(self, other: Value | float) -> Value:  # the larger input gets it all; a tie, half each
        other = lift(other)
        a, b = self.data, other.data
        local_grads = (1.0, 0.0) if a > b else (0.0, 1.0) if a < b else (0.5, 0.5)
        return Value(a if a >= b else b, (self, other), local_grads)

    def __pow__(self, n: float) -> Value:  # xⁿ for a constant n:  d/dx = n·xⁿ⁻¹
        n, x = float(n), self.data
        return Value(float(x**n), (self,), (n * x ** (n - 1),))

    def __rpow__(self, b: float) -> Value:  # bˣ for a constant b > 0:  d/dx = bˣ·ln b
        out = float(float(b) ** self.data)
        return Value(out, (self,), (out * math.log(b),))

    def relu(self) -> Value:  # max(0, x):  d/dx = 1 if x > 0, else 0
        x = self.data
        return Value(x if x > 0.0 else 0.0, (self,), (1.0 if x > 0.0 else 0.0,))

    def tanh(self) -> Value:  # d/dx tanh x = 1 - tanh²x
        out = math.tanh(self.data)
        return Value(out, (self,), (1.0 - out * out,))

    def sigmoid(self) -> Value:  # σ(x) = 1/(1 + e⁻ˣ):  d/dx = σ(x)·(1 - σ(x))
        x = self.data  # (two forms, so that exp's argument is ≤ 0: nothing overflows)
        out = 1.0 / (1.0 + math.exp(-x)) if x >= 0.0 else math.exp(x) / (1.0 + math.exp(x))
        return Value(out, (self,), (out * (1.0 - out),))

    # -- built from the gates above; a plain number becomes a constant, first if written first ---

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        return self + (-other)

    def __truediv__(self, other: Value | float) -> Value:
        return self * (other.reciprocal() if isinstance(other, Value) else 1.0 / float(other))

    def __radd__(self, other: float) -> Value:
        return lift(other) + self

    def __rmul__(self, other: float) -> Value:
        return lift(other) * self

    # -- backward ---------------------------------------------------------------------------------

    def backward(self) -> None:
        nodes, to_visit = {self}, [self]  # every node self was computed from, once each
        while to_visit:
            for parent in to_visit.pop().parents:
                if parent not in nodes:
                    nodes.add(parent)
                    to_visit.append(parent)
        for node in nodes:
            if node.parents:  # a gate's node: its gradient is worked out afresh
                node.grad = 0.0  # (inputs and parameters add up until you reset them)
        self.grad += 1.0  # ∂self/∂self
        for node in sorted(nodes, key=lambda node: node.number, reverse=True):  # newest first
            for parent, local_grad in zip(node.parents, node.local_grads):
                parent.grad += local_grad * node.grad  # the chain rule


def lift(x: Value | float) -> Value:  # a plain number becomes a constant Value (a leaf)
    return x if isinstance(x, Value) else Value(x)


def sum_values(values: list) -> Value:  # x₁ + … + xₙ as one node:  ∂/∂xᵢ = 1
    parents, out = tuple(map(lift, values)), 0.0
    for x in parents:
        out += x.data
    return Value(out, parents, (1.0,) * len(parents))


def linear(weights: list, inputs: list, bias: Value) -> Value:  # b + Σ wᵢxᵢ as one node
    parents, local_grads, out = [bias], [1.0], bias.data  # ∂/∂b = 1, ∂/∂wᵢ = xᵢ, ∂/∂xᵢ = wᵢ
    for w, x in zip(weights, map(lift, inputs)):
        out += w.data * x.data
        parents += (w, x)
        local_grads += (x.data, w.data)
    return Value(out, tuple(parents), tuple(local_grads))
