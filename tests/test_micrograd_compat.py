"""micrograd code runs on ``microgradpp.micrograd`` with only the import line changed.

Checked here: micrograd's own ``test/test_engine.py`` (copied below with its import changed,
against PyTorch), its README example (24.7041, 138.8338, 645.5773), its ``nn`` (same network as
the real micrograd 0.1.0 after the same ``random.seed``), its ``demo.ipynb`` training loop, and the
manual steps of Karpathy's lecture (``o.grad = 1.0; o._backward(); n._backward(); …``) with the
lecture's ``draw_dot``. The real micrograd package (a test dependency) and the lecture's own Value
class (copied below) are the references.
"""

from __future__ import annotations

import math
import random
import re

import micrograd.engine
import micrograd.nn
import pytest

from microgradpp import GateError, GradientError
from microgradpp import Value as CoreValue
from microgradpp.micrograd import draw_dot, trace
from microgradpp.micrograd.engine import Value
from microgradpp.micrograd.nn import MLP, Layer, Neuron

# ------------------------------------------------------------------------------------------------
# micrograd/test/test_engine.py, verbatim but for the import line
# ------------------------------------------------------------------------------------------------


def test_sanity_check():
    torch = pytest.importorskip("torch")

    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xmg, ymg = x, y

    x = torch.Tensor([-4.0]).double()
    x.requires_grad = True
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    xpt, ypt = x, y

    # forward pass went well
    assert ymg.data == ypt.data.item()
    # backward pass went well
    assert xmg.grad == xpt.grad.item()


def test_more_ops():
    torch = pytest.importorskip("torch")

    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    amg, bmg, gmg = a, b, g

    a = torch.Tensor([-4.0]).double()
    b = torch.Tensor([2.0]).double()
    a.requires_grad = True
    b.requires_grad = True
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    apt, bpt, gpt = a, b, g

    tol = 1e-6
    # forward pass went well
    assert abs(gmg.data - gpt.data.item()) < tol
    # backward pass went well
    assert abs(amg.grad - apt.grad.item()) < tol
    assert abs(bmg.grad - bpt.grad.item()) < tol


# ------------------------------------------------------------------------------------------------
# micrograd's README example
# ------------------------------------------------------------------------------------------------


def readme_example(Value):  # noqa: N803 - the class under test, micrograd's or ours
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g


def test_readme_example_prints_micrograds_numbers():
    a, b, g = readme_example(Value)
    assert f"{g.data:.4f}" == "24.7041"
    g.backward()
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"
    ma, mb, mg = readme_example(micrograd.engine.Value)
    mg.backward()
    assert g.data == mg.data == 24.70408163265306
    # micrograd sums in its set's order, which changes from run to run: the last bit may differ
    assert a.grad == pytest.approx(ma.grad, rel=1e-15)
    assert b.grad == pytest.approx(mb.grad, rel=1e-15)
    assert b.grad == 645.5772594752186  # ours: the same on every run


def test_readme_graph_has_micrograds_ops_and_shape():
    a, b, g = readme_example(Value)
    ma, mb, mg = readme_example(micrograd.engine.Value)

    def ops(root):
        nodes, seen = [root], {root}
        for v in nodes:
            for child in v._prev:
                if child not in seen:
                    seen.add(child)
                    nodes.append(child)
        return sorted(v._op for v in nodes), len(nodes)

    assert ops(g) == ops(mg)
    assert g._op == "+" and sorted(p._op for p in g._prev) == ["*", "*"]  # f·0.5 and 10·f**-1


def test_second_backward_gives_the_same_gradients_where_micrograd_doubles_them():
    a, b, g = readme_example(Value)
    g.backward()
    g.backward()  # leaves accumulate (2 × 138.83…), intermediate nodes start again from zero
    assert a.grad == pytest.approx(2 * 138.83381924198252, rel=1e-15)
    assert g._prev and all(p.grad == 1.0 for p in g._prev)
    ma, mb, mg = readme_example(micrograd.engine.Value)
    mg.backward()
    mg.backward()
    assert ma.grad == pytest.approx(1852.2653061224491)  # what micrograd gives: not 2 × 138.83


# ------------------------------------------------------------------------------------------------
# micrograd's Value API: constructor, _prev, _op, _backward, repr
# ------------------------------------------------------------------------------------------------


def test_value_has_micrograds_constructor_and_fields():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    v = Value(5.0, (a, b), "+", label="v")
    assert (v.data, v.grad, v._op, v.label, v._prev) == (5.0, 0.0, "+", "v", {a, b})
    assert Value(1.0)._prev == set() and Value(1.0)._op == ""
    assert isinstance(a * b, Value) and isinstance(a * b, CoreValue)
    assert (a + a)._prev == {a}  # a set, as in micrograd
    assert repr(a * b) == "Value(data=-6.0, grad=0.0)"


@pytest.mark.parametrize(
    ("build", "op"),
    [
        (lambda x: x + 1, "+"),
        (lambda x: 2 * x, "*"),
        (lambda x: x**3, "**3"),
        (lambda x: x**-1, "**-1"),
        (lambda x: x.relu(), "ReLU"),
        (lambda x: x.tanh(), "tanh"),
        (lambda x: x.exp(), "exp"),
        (lambda x: x.log(), "log"),
        (lambda x: -x, "*"),
        (lambda x: x - 1, "+"),
        (lambda x: 1 - x, "+"),
        (lambda x: x / 2, "*"),
        (lambda x: 2 / x, "*"),
    ],
)
def test_every_operation_returns_this_class_with_micrograds_op(build, op):
    out = build(Value(3.0))
    assert type(out) is Value and out._op == op
    assert all(type(child) is Value for child in out._prev)  # constants too: they have _prev


def test_a_node_applies_its_own_chain_rule_with_backward_():
    a, b = Value(2.0), Value(-3.0)
    e = a * b
    e.grad = -2.0
    e._backward()  # a.grad += b · e.grad,  b.grad += a · e.grad
    assert (a.grad, b.grad) == (6.0, -4.0)
    a._backward()  # a leaf: nothing to do (micrograd's `lambda: None`)
    assert (a.grad, b.grad) == (6.0, -4.0)


def test_an_operation_written_the_lecture_way_with_children_and_a_closure():
    def tanh(self):  # the lecture's own tanh, added from outside as a student would
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    x = Value(0.5)
    y = tanh(x * 2) + 1
    y.backward()
    assert x.grad == pytest.approx(2 * (1 - math.tanh(1.0) ** 2), rel=1e-15)
    y.backward()  # the closure's node is zeroed first too: same answer for it
    assert x.grad == pytest.approx(4 * (1 - math.tanh(1.0) ** 2), rel=1e-15)
    nodes, edges = trace(y)
    assert [v._op for v in nodes] == ["", "", "*", "tanh", "", "+"]
    assert len(edges) == 5


def test_errors_are_microgradpps():
    with pytest.raises(GateError, match=r"0 \*\* -1.0 is a division by zero"):
        Value(0.0) ** -1
    with pytest.raises(GateError, match="1/x is undefined at x = 0"):
        Value(1.0) / 0
    with pytest.raises(GateError, match="log is only defined for x > 0"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="Value data must be a real number"):
        Value("3")
    with pytest.raises(GradientError, match="came out inf; all gradients were restored"):
        a, c = Value(1e200), Value(1e-300)
        ((a * c) * 1e200).backward()  # value 1e100, but ∂/∂c = 1e200 · 1e200 overflows


def test_deep_graph_has_no_recursion_limit():
    x = Value(1.0)
    y = x
    for _ in range(5000):  # micrograd's recursive build_topo fails near depth 1000
        y = y + 1
    y.backward()
    assert (y.data, x.grad) == (5001.0, 1.0)


def test_zero_grad_and_no_grad():
    from microgradpp import no_grad

    a = Value(2.0)
    y = a * a
    y.backward()
    y.zero_grad()
    assert (a.grad, y.grad) == (0.0, 0.0)
    with no_grad():
        z = a * 3
    assert type(z) is Value and z._prev == set() and z._op == ""


# ------------------------------------------------------------------------------------------------
# micrograd.nn: same network, same numbers
# ------------------------------------------------------------------------------------------------


def test_nn_builds_micrograds_network_from_the_same_seed():
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    random.seed(1337)
    theirs = micrograd.nn.MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert len(ours.parameters()) == 337
    assert repr(ours) == repr(theirs)
    x = [Value(1.0), Value(-2.0)]
    out, ref = ours(x), theirs([micrograd.engine.Value(1.0), micrograd.engine.Value(-2.0)])
    assert isinstance(out, Value) and out.data == ref.data  # one output: a Value, not a list
    out.backward()
    ref.backward()
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-15)
    ours.zero_grad()
    assert all(p.grad == 0.0 for p in ours.parameters())


def test_neuron_and_layer_as_in_micrograd():
    random.seed(0)
    n = Neuron(2, nonlin=False)
    assert repr(n) == "LinearNeuron(2)" and len(n.parameters()) == 3 and n.b.data == 0.0
    y = n([1.0, -2.0])
    assert y.data == n.w[0].data - 2 * n.w[1].data and y._op == "+"
    assert repr(Neuron(3)) == "ReLUNeuron(3)"
    layer = Layer(3, 1)
    assert isinstance(layer([1.0, 2.0, 3.0]), Value)
    wide = Layer(3, 2, nonlin=False)
    assert [type(v) for v in wide([1.0, 2.0, 3.0])] == [Value, Value]
    assert repr(wide) == "Layer of [LinearNeuron(3), LinearNeuron(3)]"


def demo_losses(value_class, mlp_class, steps):
    """micrograd's demo.ipynb training loop (hinge loss, L2, SGD with decay) on fixed moons."""
    np = pytest.importorskip("numpy")
    from microgradpp.data import make_moons

    points, labels = make_moons(30, noise=0.1, seed=1337)
    X, y = np.array(points), np.array(labels) * 2 - 1
    random.seed(1337)
    model = mlp_class(2, [16, 16, 1])
    history = []
    for k in range(steps):
        inputs = [list(map(value_class, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, sum(accuracy) / len(accuracy)))
    return history


def test_demo_notebooks_training_loop_follows_micrograd():
    ours = demo_losses(Value, MLP, 5)
    theirs = demo_losses(micrograd.engine.Value, micrograd.nn.MLP, 5)
    assert [acc for _, acc in ours] == [acc for _, acc in theirs]
    assert [loss for loss, _ in ours] == pytest.approx([loss for loss, _ in theirs], rel=1e-9)
    assert ours[-1][0] < ours[0][0]


# ------------------------------------------------------------------------------------------------
# The lecture (nn-zero-to-hero, lectures/micrograd): its own Value class is the reference
# ------------------------------------------------------------------------------------------------


class LectureValue:
    """The lecture notebook's Value (second half, cell 7), copied as written."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other):
        other = other if isinstance(other, LectureValue) else LectureValue(other)
        out = LectureValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, LectureValue) else LectureValue(other)
        out = LectureValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        out = LectureValue(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * (self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __radd__(self, other):
        return self + other

    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = LectureValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = LectureValue(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)

        self.grad = 1.0
        for node in reversed(topo):
            node._backward()


def neuron(Value):  # noqa: N803 - cell 13 of the first half, as written
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return locals()


def test_lectures_manual_backward_steps():
    for Class in (Value, LectureValue):  # noqa: N806
        v = neuron(Class)
        v["o"].grad = 1.0  # cells 17-22 of the first half: one node at a time
        v["o"]._backward()
        v["n"]._backward()
        v["b"]._backward()
        v["x1w1x2w2"]._backward()
        v["x2w2"]._backward()
        v["x1w1"]._backward()
        grads = {k: v[k].grad for k in ("n", "b", "x1w1", "x2w2", "x1", "w1", "x2", "w2")}
        assert grads == pytest.approx(
            {
                "n": 0.5,
                "b": 0.5,
                "x1w1": 0.5,
                "x2w2": 0.5,
                "x1": -1.5,
                "w1": 1.0,
                "x2": 0.5,
                "w2": 0.0,
            },
            abs=1e-15,
        )
        assert v["o"].data == pytest.approx(0.7071067811865476, rel=1e-15)
        assert 1 - v["o"].data ** 2 == pytest.approx(0.5, abs=1e-15)  # cell 29


def test_lecture_backward_and_its_graphs_in_the_first_half():
    ours, theirs = neuron(Value), neuron(LectureValue)
    ours["o"].backward()
    theirs["o"].backward()
    for name in ("x1", "w1", "x2", "w2", "b"):
        assert ours[name].grad == pytest.approx(theirs[name].grad, abs=1e-15)
    a = Value(3.0, label="a")  # cell 31: the bug the lecture fixes with +=
    b = a + a
    b.backward()
    assert a.grad == 2.0
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")  # cell 32
    f = (a * b) * (a + b)
    f.backward()
    assert (f.data, a.grad, b.grad) == (-6.0, -3.0, -8.0)


def test_lecture_tanh_from_exp_in_the_second_half():
    for Class in (Value, LectureValue):  # noqa: N806
        v = neuron(Class)
        n = v["n"]
        e = (2 * n).exp()  # cell 11: tanh as a circuit
        o = (e - 1) / (e + 1)
        o.backward()
        assert o.data == pytest.approx(0.7071067811865476, rel=1e-12)
        assert (v["x1"].grad, v["w1"].grad) == pytest.approx((-1.5, 1.0), abs=1e-12)


LECTURE_NN = """
class Neuron:

  def __init__(self, nin):
    self.w = [Value(random.uniform(-1,1)) for _ in range(nin)]
    self.b = Value(random.uniform(-1,1))

  def __call__(self, x):
    # w * x + b
    act = sum((wi*xi for wi, xi in zip(self.w, x)), self.b)
    out = act.tanh()
    return out

  def parameters(self):
    return self.w + [self.b]

class Layer:

  def __init__(self, nin, nout):
    self.neurons = [Neuron(nin) for _ in range(nout)]

  def __call__(self, x):
    outs = [n(x) for n in self.neurons]
    return outs[0] if len(outs) == 1 else outs

  def parameters(self):
    return [p for neuron in self.neurons for p in neuron.parameters()]

class MLP:

  def __init__(self, nin, nouts):
    sz = [nin] + nouts
    self.layers = [Layer(sz[i], sz[i+1]) for i in range(len(nouts))]

  def __call__(self, x):
    for layer in self.layers:
      x = layer(x)
    return x

  def parameters(self):
    return [p for layer in self.layers for p in layer.parameters()]

random.seed(42)
n = MLP(3, [4, 4, 1])
xs = [
  [2.0, 3.0, -1.0],
  [3.0, -1.0, 0.5],
  [0.5, 1.0, 1.0],
  [1.0, 1.0, -1.0],
]
ys = [1.0, -1.0, -1.0, 1.0] # desired targets
losses = []
for k in range(20):

  # forward pass
  ypred = [n(x) for x in xs]
  loss = sum((yout - ygt)**2 for ygt, yout in zip(ys, ypred))

  # backward pass
  for p in n.parameters():
    p.grad = 0.0
  loss.backward()

  # update
  for p in n.parameters():
    p.data += -0.1 * p.grad

  losses.append(loss.data)
"""


def test_lectures_own_mlp_and_training_loop_run_on_our_value():
    def run(Class):  # noqa: N803
        space = {"Value": Class, "random": random}
        exec(LECTURE_NN, space)  # cells 14-17 of the second half, unchanged
        return space["losses"]

    ours, theirs = run(Value), run(LectureValue)
    assert ours == pytest.approx(theirs, rel=1e-9)
    assert ours[-1] < 0.1 < ours[0]


# ------------------------------------------------------------------------------------------------
# draw_dot: the lecture's own and ours
# ------------------------------------------------------------------------------------------------


def lectures_draw_dot(root):
    """Cell 8 of the lecture, as written (names from id(), so not the same file twice)."""
    from graphviz import Digraph

    def trace(root):
        nodes, edges = set(), set()

        def build(v):
            if v not in nodes:
                nodes.add(v)
                for child in v._prev:
                    edges.add((child, v))
                    build(child)

        build(root)
        return nodes, edges

    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})
    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        dot.node(
            name=uid,
            label="{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad),  # noqa: UP031
            shape="record",
        )
        if n._op:
            dot.node(name=uid + n._op, label=n._op)
            dot.edge(uid + n._op, uid)
    for n1, n2 in edges:
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)
    return dot


def test_lectures_draw_dot_runs_on_our_values():
    pytest.importorskip("graphviz")
    v = neuron(Value)
    v["o"].backward()
    source = lectures_draw_dot(v["o"]).source
    assert "{ o | data 0.7071 | grad 1.0000 }" in source
    assert "{ x1 | data 2.0000 | grad -1.5000 }" in source
    assert source.count("shape=record") == 10 and source.count("->") == 9 + 5


def test_draw_dot_is_the_lectures_picture_drawn_the_same_every_run():
    pytest.importorskip("graphviz")
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    e = a * b
    e.label = "e"
    L = e + Value(10.0, label="c")  # noqa: N806
    L.backward()
    dot = draw_dot(L)
    assert dot.format == "svg" and dot.graph_attr == {"rankdir": "LR"}
    assert dot.source == (
        "digraph {\n"
        "\tgraph [rankdir=LR]\n"
        '\tn0 [label="{ a | data 2.0000 | grad -3.0000 }" shape=record]\n'
        '\tn1 [label="{ b | data -3.0000 | grad 2.0000 }" shape=record]\n'
        '\tn2 [label="{ e | data -6.0000 | grad 1.0000 }" shape=record]\n'
        '\tn2_op [label="*"]\n'
        "\tn2_op -> n2\n"
        '\tn3 [label="{ c | data 10.0000 | grad 1.0000 }" shape=record]\n'
        '\tn4 [label="{ data 4.0000 | grad 1.0000 }" shape=record]\n'
        '\tn4_op [label="+"]\n'
        "\tn4_op -> n4\n"
        "\tn0 -> n2_op\n"
        "\tn1 -> n2_op\n"
        "\tn2 -> n4_op\n"
        "\tn3 -> n4_op\n"
        "}\n"
    )
    assert draw_dot(L, format="png", rankdir="TB").graph_attr == {"rankdir": "TB"}
    with pytest.raises(ValueError, match="rankdir must be 'LR' or 'TB', got 'XY'"):
        draw_dot(L, rankdir="XY")
    odd = Value(1.0, label="{x|y}")
    assert r"{ \{x\|y\} | data 1.0000" in draw_dot(odd).source


def test_micrograds_readme_neuron_picture():
    pytest.importorskip("graphviz")
    from microgradpp.micrograd import nn

    random.seed(1337)
    n = nn.Neuron(2)
    x = [Value(1.0), Value(-2.0)]
    y = n(x)
    y.backward()
    source = draw_dot(y).source
    # b, w0, x0, w0·x0, b + w0·x0, w1, x1, w1·x1, the sum, its relu: micrograd's gout.svg
    assert source.count("shape=record") == 10
    assert [line.split("label=")[1] for line in source.splitlines() if "_op [" in line] == [
        '"*"]',
        '"+"]',
        '"*"]',
        '"+"]',
        "ReLU]",
    ]


def test_draw_dot_draws_escape_sequences_in_labels_as_written() -> None:
    """A record label's backslash is escaped, so \\G, \\N and a trailing backslash are drawn as
    written by Graphviz (not the graph's or the node's name)."""
    pytest.importorskip("graphviz")
    from microgradpp.viz.dot import have_dot
    from microgradpp.viz.render import run_dot

    if not have_dot():
        pytest.skip("Graphviz's dot is not installed")
    a, b = Value(2.0, label="\\Gamma"), Value(3.0, label="tail\\")
    c = a * b
    c.label = "\\N\\E"
    svg = run_dot(draw_dot(c).source, "svg").decode("utf-8")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert ["\\Gamma", "tail\\", "\\N\\E"] == [t for t in texts if "\\" in t]


def test_draw_dot_shows_the_number_of_a_gradient_built_with_create_graph():
    pytest.importorskip("graphviz")
    x = CoreValue(2.0, label="x")
    f = x * x
    f.backward(create_graph=True)
    assert isinstance(x.grad, CoreValue)
    assert "grad 4.0000" in draw_dot(f).source


def test_micrograds_errors_are_said_in_chinese():
    from microgradpp.i18n import translated

    a, c = Value(1e200, label="a"), Value(1e-300, label="c")
    with pytest.raises(GradientError) as caught:
        ((a * c) * 1e200).backward()
    assert str(caught.value) == (
        "backward: the gradient of c = 1e-300 came out inf; all gradients were restored. Check the "
        "inputs for values that make an operation explode"
    )
    assert translated(caught.value, "zh-Hant") == (
        "backward：c = 1e-300 的梯度算出來是 inf；所有梯度都已還原。請檢查輸入，找出讓某個運算爆掉的值"
    )
    assert translated(caught.value, "zh-Hans") == (
        "backward：c = 1e-300 的梯度算出来是 inf；所有梯度都已还原。请检查输入，找出让某个运算爆掉的值"
    )
    with pytest.raises(ValueError) as caught:
        draw_dot(a, rankdir="XY")
    assert translated(caught.value, "zh-Hant") == "rankdir 必須是 'LR' 或 'TB'，收到的是 'XY'"
