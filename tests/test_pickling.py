"""microgradpp/pickling.py: pickle and copy of a Value (the deep chains, shared nodes and copies
are in test_value_doors.py, beside the other ways a Value comes in and goes out).

A pickle names the function that rebuilds a node, ``microgradpp.engine._restored_value``, and
holds each node's slots in the order pickling.py writes them. So a pickle saved by an older
version must keep loading, and the same graph must keep being saved as the same bytes.
"""

from __future__ import annotations

import base64
import pickle

import pytest

from microgradpp import Value, no_grad
from microgradpp.engine import linear, sum_values, topological_order
from microgradpp.errors import NoGradError
from microgradpp.gates import GATES

MADE_BY_58876AF = base64.b64decode(
    "gASVJAUAAAAAAAAojBJtaWNyb2dyYWRwcC5lbmdpbmWUjA9fcmVzdG9yZWRfdmFsdWWUk5RHQCoYQuSgP/lHP/AAAAAA"
    "AACMAWaUh5RSlF2UKGgCR0AAAAAAAAAAR0AbF2E6fEJtjAF4lIeUUpQpKE5OTk5OdJROh5RiaAJHwAgAAAAAAABHQBAu"
    "LYv7TGKMAXmUh5RSlCkoTk5OTk50lE6HlGJoAkfAGAAAAAAAAEc////Vg1XnB4wAlIeUUpQpKGgJaA5HwAgAAAAAAABH"
    "QAAAAAAAAACMA211bJR0lE6HlGJoAkfAKAAAAAAAAEc/8AAAAAAAAGgRh5RSlCkoaBNoE0c/8AAAAAAAAEc/8AAAAAAA"
    "AIwDYWRklHSUToeUYmgCRz/QAAAAAAAAR78VPlUMfImTjAFilIeUUpQpKE5OTk5OdJROh5RiaAJHP+AAAAAAAABHPz/d"
    "f5K6zlyMAncwlIeUUpQpKE5OTk5OdJROh5RiaAJHv/gAAAAAAABHvyU+VQx8iZOMAncxlIeUUpQpKE5OTk5OdJROh5Ri"
    "aAJHwBcAAAAAAABHvxU+VQx8iZNoEYeUUpQpKChoHmgjaBNoKGgJdJROKEc/8AAAAAAAAEfAGAAAAAAAAEc/4AAAAAAA"
    "AEdAAAAAAAAAAEe/+AAAAAAAAHSUTowGbGluZWFylHSUToeUYmgCR7/v/9WDAUglR7///9WDAUglaBGHlFKUKShoLE5H"
    "PwU+cUFsQABOjAR0YW5olHSUToeUYmgCRz/v/6sGOvpPRz/wAAAAAAAAaBGHlFKUKShoM05Hv///1YMBSCVOjANwb3eU"
    "R0AAAAAAAAAAhpR0lE6HlGJoAkdAEAAAAAAAAEc/8AAAAAAAAGgRh5RSlCkoaAlOR0AGLkL++jnvTowRbWljcm9ncmFk"
    "cHAuZ2F0ZXOUjAdCYXNlUG93lJOUKYGUfZQojARiYXNllEdAAAAAAAAAAIwIbG9nX2Jhc2WURz/mLkL++jnvjAZzeW1i"
    "b2yUjAMyy6OUdWJ0lE6HlGJoAkcAAAAAAAAAAEc/8AAAAAAAAGgRh5RSlCkoaBNORwAAAAAAAAAATowEcmVsdZR0lE6H"
    "lGJoAkdAAAAAAAAAAEc/8AAAAAAAAGgRh5RSlCkoaAloDkc/8AAAAAAAAEcAAAAAAAAAAIwDbWF4lHSUToeUYmgCR0Ad"
    "jmS41N2uRz/BUqqjv4HMaBGHlFKUKShoCU5HQB2OZLjU3a5OjANleHCUdJROh5RiaAJHQAAAAAAAAABHP/AAAAAAAABo"
    "EYeUUpQpKGhVTkc/wVKqo7+BzE6MA2xvZ5R0lE6HlGJoAkc/qEg0PJBURkc/8AAAAAAAAGgRh5RSlCkoaA5ORz+nIWUo"
    "LG90TowHc2lnbW9pZJR0lE6HlGJoAkdAIAAAAAAAAEdAAAAAAAAAAGgRh5RSlCkoTk6MFWNvbXB1dGVkIGluIG5vX2dy"
    "YWQoKZROTnSUToeUYmgCR0AwAAAAAAAARz/wAAAAAAAAaBGHlFKUKShoZGgJR0AAAAAAAAAAR0AgAAAAAAAAaBR0lE6H"
    "lGJlKChoGGg4aD5oS2hQaFpoX2hpdJROKEc/8AAAAAAAAEc/8AAAAAAAAEc/8AAAAAAAAEc/8AAAAAAAAEc/8AAAAAAA"
    "AEc/8AAAAAAAAEc/8AAAAAAAAEc/8AAAAAAAAHSUTowDc3VtlHSUjAhidWlsdGluc5SMBHR5cGWUk5ROhZRSlClSlIeU"
    "YmgJXZQoaCNoKGVoZHSULg=="
)
"""``pickle.dumps((f, x, w, c), protocol=4)`` of :func:`graph`, made by main at 58876af (the
engine before its pickle hooks moved into pickling.py)."""


def graph() -> tuple[Value, Value, list[Value], Value]:
    """Every kind of node pickle meets: two inputs, one, n (sum, linear), a pow with its own
    exponent, 2 ** x, a node used twice, labels, gradients, and a leaf made inside no_grad()."""
    x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    w, b = [Value(0.5, label="w0"), Value(-1.5, label="w1")], Value(0.25, label="b")
    q = x * y
    h = linear(w, [q, x], b).tanh()
    with no_grad():
        c = x * 4.0
    f = sum_values([q + q, h**2, 2**x, q.relu(), x.max(y), x.exp().log(), y.sigmoid(), c * x])
    f.label = "f"
    f.backward()
    return f, x, w, c


def shape(root: Value) -> list[tuple]:
    """Each node of root's graph as numbers and names, its parents by position in the list."""
    order = topological_order(root)
    place = {node: i for i, node in enumerate(order)}
    return [
        (
            node.data.hex(),
            node.grad.hex(),
            node.label,
            node.gate.name if node.gate else None,
            [grad.hex() for grad in node.local_grads],
            [place[parent] for parent in node.parents],
        )
        for node in order
    ]


def test_a_pickle_saved_by_an_older_version_loads_as_the_same_graph():
    f, x, w, c = pickle.loads(MADE_BY_58876AF)
    fresh_f, *_ = graph()
    assert shape(f) == shape(fresh_f)
    order = topological_order(f)
    assert x in order and all(weight in order for weight in w)  # the graph's own leaves
    gates = {node.gate.name: node.gate for node in order if node.gate is not None}
    for name in ("add", "mul", "sum", "linear", "tanh", "relu", "max", "exp", "log", "sigmoid"):
        assert gates[name] is GATES[name]  # the registry's own objects
    assert gates["pow"].exponent == 2.0
    numbers = [node.number for node in order]
    assert numbers == sorted(numbers)  # renumbered parents first, so backward() works again
    before = [node.grad for node in order]
    for node in order:
        node.grad = 0.0
    f.backward()
    assert [node.grad for node in order] == before
    with pytest.raises(NoGradError, match="which a gate computed inside no_grad"):
        c.backward()
    from microgradpp.pickling import _listed

    assert _listed == {}


def test_the_same_graph_is_saved_as_the_same_bytes():
    assert pickle.dumps(graph(), protocol=4) == MADE_BY_58876AF
