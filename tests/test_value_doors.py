"""What a Value accepts at the door, and how it is copied (issue 13).

Labels are checked when they are set; bool() follows PyTorch's one-element tensor; pickle,
copy.copy and copy.deepcopy work on graphs of any depth, keeping shared nodes shared.
"""

from __future__ import annotations

import copy
import os
import pickle
import sys

import pytest

from microgradpp import Value, grad
from microgradpp import sum as mg_sum
from microgradpp.engine import MAX_LABEL_LENGTH, linear, topological_order
from microgradpp.gates import GATES
from microgradpp.i18n import translated

# -- labels ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label, error, message",
    [
        (123, TypeError, r"a label must be a str, got int: 123"),
        (1.5, TypeError, r"a label must be a str, got float"),
        (None, TypeError, r"a label must be a str, got NoneType"),
        (b"x", TypeError, r"got bytes: b'x' \(decode it first: label.decode\(\)\)"),
        (["x"], TypeError, r"got list"),
        ("\ud800", ValueError, r"a lone surrogate .* U\+D800 at position 0"),
        ("ab\udfff", ValueError, r"a lone surrogate .* U\+DFFF at position 2"),
        ("\ufffe", ValueError, r"a Unicode noncharacter .* U\+FFFE"),
        ("x\uffff", ValueError, r"a Unicode noncharacter .* U\+FFFF at position 1"),
        ("\ufdd0", ValueError, r"a Unicode noncharacter .* U\+FDD0"),
        ("\U0010fffe", ValueError, r"a Unicode noncharacter .* U\+10FFFE"),
        ("a\rb", ValueError, r"a control character .* U\+000D at position 1"),
        ("\x1b[31m", ValueError, r"a control character .* U\+001B at position 0"),
        ("\x00", ValueError, r"a control character .* U\+0000"),
        ("tab\there", ValueError, r"a control character .* U\+0009"),
        ("\x85", ValueError, r"a control character .* U\+0085"),
        ("a" * 100_000, ValueError, r"at most 100 characters .* got 100,000"),
        ("é" * (MAX_LABEL_LENGTH + 1), ValueError, r"at most 100 characters"),
    ],
)
def test_a_bad_label_is_refused_at_the_door(label, error, message):
    with pytest.raises(error, match=message):
        Value(1.0, label=label)
    node = Value(1.0, label="kept")
    with pytest.raises(error, match=message):
        node.label = label
    assert node.label == "kept"


@pytest.mark.parametrize(
    "label",
    [
        "",
        "x",
        "layer12.neuron128.w127",
        "é中文",
        "σ(z)",
        "x₁",
        "\u202e",
        "a" * 100,
        "😀",
        "two\nlines",
    ],
)
def test_good_labels_pass(label):
    assert Value(1.0, label=label).label == label
    node = Value(2.0)
    node.label = label
    assert node.label == label


def test_a_str_subclass_label_is_kept_as_plain_text():
    class Name(str):
        pass

    label = Value(1.0, label=Name("w")).label
    assert label == "w" and type(label) is str


def test_the_label_check_is_cheap_on_the_hot_path():
    import timeit

    def best(make) -> float:  # the fastest of several runs: least disturbed by other processes
        return min(timeit.repeat(make, number=5_000, repeat=7))

    plain = best(lambda: Value(1.0))
    labelled = best(lambda: Value(1.0, label="layer1.neuron3.w0"))
    assert labelled < 4 * plain  # one C-level isascii/isprintable for the usual label


def test_every_writer_gets_only_checked_labels():
    x = Value(1.0, label="x")
    f = x * 2.0 + x
    assert all(isinstance(node.label, str) for node in topological_order(f))


# -- bool ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, truth", [(0.0, False), (-0.0, False), (0, False), (1e-300, True), (-2.0, True)]
)
def test_bool_is_pytorchs_one_element_rule(data, truth):
    assert bool(Value(data)) is truth
    assert (Value(data) or "other") == ("other" if not truth else Value(data)) or truth


# -- linear and foreign numbers ------------------------------------------------------------------


def test_linear_names_a_numpy_weight_instead_of_memoryview():
    np = pytest.importorskip("numpy")
    for weights, bias in (([np.float64(1.0)], Value(0.0)), ([Value(1.0)], np.float32(0.0))):
        with pytest.raises(TypeError, match=r"linear needs the weights and the bias as Values"):
            linear(weights, [Value(2.0)], bias)
    assert linear([Value(1.0)], [np.float64(2.0)], Value(0.5)).data == 2.5  # inputs may be numbers


# -- pickle and deepcopy -----------------------------------------------------------------------------


def chain(n: int) -> tuple[Value, Value]:
    x = Value(0.5, label="x")
    f = x
    for i in range(n):
        f = f * 1.0001 + x if i % 2 else (f + 1).tanh()
    f.label = "f"
    return f, x


@pytest.mark.parametrize("n", [1, 10, 5_000, 20_000])
def test_pickle_and_deepcopy_of_a_deep_chain(n):
    assert sys.getrecursionlimit() <= 10_000
    f, x = chain(n)
    f.backward()
    copies = [pickle.loads(pickle.dumps([f, x], protocol)) for protocol in (2, 4, 5)]
    copies.append(copy.deepcopy([f, x]))
    for g, y in copies:
        order = topological_order(g)
        assert len(order) == len(topological_order(f)) and order[-1] is g
        assert y in order  # the leaf pickled beside the graph is the graph's own leaf
        assert (g.data, g.grad, g.label, y.grad) == (f.data, f.grad, "f", x.grad)
        for node in order:
            node.grad = 0.0
        g.backward()  # creation numbers were given parents first
        assert y.grad == x.grad
    from microgradpp.pickling import _listed

    assert _listed == {}  # every note "saved with a child" was cleared


@pytest.mark.skipif(
    not os.environ.get("MICROGRADPP_SLOW"), reason="about 10 s (a minute on a busy machine)"
)
def test_pickle_and_deepcopy_of_a_200_000_node_chain():
    f, x = chain(100_000)  # 200,001 Values
    for g in (pickle.loads(pickle.dumps(f)), copy.deepcopy(f)):
        assert g.data == f.data and len(topological_order(g)) == len(topological_order(f))


@pytest.mark.parametrize("n", [1, 1_000])
def test_pickle_and_deepcopy_after_create_graph_keep_the_gradient_graphs_shared(n):
    """After backward(create_graph=True) every .grad is a Value whose graph reaches back into
    the forward graph (the gradient of x·x is built on x itself). A copy must keep those links
    (not a second x, which would make the copy's second derivative "unused") and must not nest
    (it raised RecursionError from a chain of 3,000 nodes)."""
    f, x = chain(n)
    q = x * x
    f = f + q
    f.backward(create_graph=True)
    x.grad.backward(create_graph=True)  # gradients of the gradient's nodes are Values too
    expected = grad(f, x, create_graph=True)[0]
    second = grad(expected, x)[0]
    copies = [pickle.loads(pickle.dumps([f, x, q], protocol)) for protocol in (2, 5)]
    copies.append(copy.deepcopy([f, x, q]))
    for g, y, p in copies:
        assert p.parents == (y, y)  # one x, shared
        assert isinstance(y.grad, Value) and y.grad.data == x.grad.data
        assert y in topological_order(y.grad)  # the copy's gradient is built on the copy's x
        assert [node.data for node in topological_order(y.grad)] == [
            node.data for node in topological_order(x.grad)
        ]
        assert grad(grad(g, y, create_graph=True)[0], y) == (second,)
    from microgradpp.pickling import _listed

    assert _listed == {}


def test_copies_keep_shared_nodes_and_gates():
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    q = x * y
    f = (q + q) ** 3 + q.relu()
    f.backward()
    for g, p in [pickle.loads(pickle.dumps((f, q))), copy.deepcopy((f, q))]:
        nodes = topological_order(g)
        assert p in nodes and sum(node is p for node in nodes) == 1
        assert [n.gate for n in nodes] == [n.gate for n in topological_order(f)]  # same objects
        assert any(n.gate is GATES["relu"] for n in nodes)
        assert [n.data for n in nodes] == [n.data for n in topological_order(f)]
        assert [n.label for n in nodes] == [n.label for n in topological_order(f)]


def test_copy_copy_is_a_new_node_over_the_same_parents():
    x = Value(2.0, label="x")
    f = x * x
    twin = copy.copy(f)
    assert twin is not f and twin.parents == f.parents and twin.parents[0] is x
    twin.backward()
    assert x.grad == 4.0


def test_a_model_pickles_with_its_parameters_shared():
    from microgradpp.nn import MLP

    model = MLP(2, [4, 1], seed=0)
    loss = model([0.5, -1.0])
    loaded_model, loaded_loss = pickle.loads(pickle.dumps((model, loss)))
    params = set(map(id, loaded_model.parameters()))
    leaves = [n for n in topological_order(loaded_loss) if not n.parents]
    assert sum(id(n) in params for n in leaves) == len(params)
    assert loaded_model.state_dict() == model.state_dict()


# -- the refusals in Chinese ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "hant"),
    [
        (lambda: Value(2.0) ** Value(2.0), "x ** y 的 y 必須是常數；指數是 Value 時請寫成 (y * x.log()).exp()"),
        (lambda: topological_order(3), "需要一個 microgradpp.Value（一次計算的結果），收到的是 int"),
        (lambda: mg_sum([Value(1.0), "a"]), "sum 需要一個 Value 或實數，收到的是 str: 'a'"),
        (lambda: linear([Value(1.0)], [1.0, 2.0], Value(0.0)), "linear：有 1 個權重，卻有 2 個輸入"),
        (
            lambda: linear([1.0], [Value(1.0)], 0.0),
            "linear 的權重和偏差必須是 Value（參數），收到的是 float；請把它們包成 Value："
            "Value(0.5, label='w0')",
        ),
        (lambda: Value("3"), "Value 的 data 必須是實數（int 或 float），收到的是 str: '3'"),
        (lambda: Value(10**400), "Value 的 data 必須是有限值，收到的整數太大，超出了浮點數的範圍"),
        (lambda: Value(1.0) ** float("nan"), "exponent 必須是有限值，收到的是 nan"),
        (
            lambda: Value(1.0, label=b"x"),
            "標籤（label）必須是 str，收到的是 bytes: b'x'（請先解碼：label.decode()）",
        ),
        (
            lambda: Value(1.0, label="w" * 101),
            "標籤最多只能有 100 個字元（它是圖中一個方塊的名字），收到 101 個：'"
            + "w" * 35 + "...'",
        ),
        (
            lambda: Value(1.0, label="a\x07b"),
            "標籤不能含有控制字元（會弄壞表格或圖）：'a\\x07b' 的位置 1 是 U+0007",
        ),
        (
            lambda: Value(1.0, label="a\ud800"),
            "標籤不能含有單獨的代理碼位（不是字元：無法寫成 UTF-8）：'a\\ud800' 的位置 1 是 U+D800",
        ),
        (
            lambda: Value(1.0).backward(create_graph="no"),
            "create_graph 必須是 True 或 False，收到的是 str: 'no'",
        ),
        (
            lambda: Value(1.0).backward(retain_graph=1),
            "retain_graph 必須是 None、True 或 False，收到的是 int: 1",
        ),
    ],
)  # fmt: skip
def test_what_a_value_refuses_is_said_in_traditional_chinese(make, hant):
    with pytest.raises((TypeError, ValueError)) as caught:
        make()
    assert translated(caught.value, "zh-Hant") == hant
    assert translated(caught.value, "en") == str(caught.value)


def test_what_a_value_refuses_is_said_in_simplified_chinese():
    with pytest.raises(ValueError) as caught:
        Value(1.0, label="\ufffe")
    assert translated(caught.value, "zh-Hans") == (
        "标签不能含有非字符码位（Unicode noncharacter；SVG 和 HTML 都不允许）：'\\ufffe' 的位置 0 是 U+FFFE"
    )
    with pytest.raises(TypeError) as caught:
        linear([Value(1.0)], [Value(1.0)], 0.5)
    assert str(caught.value) == (
        "linear needs the weights and the bias as Values (parameters), got float; wrap them: "
        "Value(0.5, label='w0')"
    )
    assert translated(caught.value, "zh-Hans") == (
        "linear 的权重和偏置必须是 Value（参数），收到的是 float；请把它们包成 Value：Value(0.5, label='w0')"
    )
