"""``microgradpp.grad``: gradients returned instead of stored, as ``torch.autograd.grad``.

    >>> from microgradpp import Value, grad
    >>> x = Value(3.0, label="x")
    >>> f = x ** 3
    >>> (df,) = grad(f, x, create_graph=True)     # df/dx = 3x², as a Value: a graph of its own
    >>> df.data
    27.0
    >>> (d2f,) = grad(df, x, create_graph=True)   # d²f/dx² = 6x
    >>> d2f.data
    18.0
    >>> grad(d2f, x)                              # d³f/dx³ = 6, as a float
    (6.0,)

``grad(outputs, inputs)`` is ∂(Σₖ vₖ·outputₖ)/∂input for each input, where v are the
``grad_outputs`` (1 for each output unless given). Unlike ``backward()`` it writes no ``.grad``:
the gradients are returned, one per input, in a tuple. With ``create_graph=True`` each is a Value
built from the same gates (see ``gradient_graph.py``), so it can be differentiated again, to any
order; without it, a float.

PyTorch's rules, kept: an input no output was computed from is an error (``UnusedInputError``),
unless ``allow_unused=True`` (its gradient is then None) or ``materialize_grads=True`` (0); a
``grad_outputs`` entry may be None (1) or, with ``create_graph``, a Value that joins the graph.
``retain_graph`` is accepted and changes nothing: our graphs keep their local gradients, so they
can be differentiated any number of times.
"""

from __future__ import annotations

from collections.abc import Sequence

from .diagnosis import describe
from .engine import Value
from .errors import GradientError, UnusedInputError
from .gradient_graph import gradients
from .i18n import Words, error
from .value_checks import check_flags, checked_float

__all__ = ["grad"]


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: float | Value | Sequence[float | Value | None] | None = None,
    create_graph: bool = False,
    *,
    retain_graph: bool | None = None,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple[float | Value | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, returned (no ``.grad`` is written).

    Args:
        outputs: a Value or a sequence of Values: what is differentiated (their weighted sum).
        inputs: a Value or a sequence of Values (leaves or intermediate nodes).
        grad_outputs: the weight vₖ of each output (the "upstream" gradient): None for 1 each;
            a number or a Value for one output; or a sequence, one entry (None for 1) per output.
        create_graph: True to get Values that can be differentiated again; False for floats.
        retain_graph: accepted for PyTorch's sake; it changes nothing here.
        allow_unused: True to get None for an input no output depends on (instead of an error);
            defaults to ``materialize_grads``.
        materialize_grads: True to get 0 (a float, or a constant Value) for such an input.

    Returns:
        A tuple with one gradient per input, in the same order.

    Raises:
        TypeError: an output or input is not a Value, a flag is not a bool.
        ValueError: no outputs or no inputs, a ``grad_outputs`` of another length than
            ``outputs``, a non-finite weight, ``materialize_grads=True`` with ``allow_unused=False``.
        UnusedInputError: an input no output depends on, without ``allow_unused``.
        GradientError: a gradient came out infinite or nan (nothing is changed).
        NotDifferentiableError: ``create_graph=True`` through a gate with no ``local_grads_graph``.
    """
    check_flags(
        create_graph=create_graph,
        retain_graph=retain_graph,
        allow_unused=allow_unused,
        materialize_grads=materialize_grads,
    )
    if materialize_grads and allow_unused is False:
        raise error(ValueError, "autograd.materialize_forbidden")
    if allow_unused is None:
        allow_unused = materialize_grads
    output_list = _values(outputs, "outputs")
    input_list = _values(inputs, "inputs")
    seeds = _seeds(grad_outputs, len(output_list), create_graph)
    found = gradients(output_list, seeds, create_graph, f"grad(create_graph={create_graph})")
    result: list[float | Value | None] = []
    for index, node in enumerate(input_list):
        if node in found:
            result.append(found[node])
        elif materialize_grads:
            result.append(Value(0.0) if create_graph else 0.0)
        elif allow_unused:
            result.append(None)
        else:
            raise error(
                UnusedInputError, "autograd.unused", index, index=index, node=describe(node)
            )
    if not create_graph:
        for node, gradient in zip(input_list, result):
            if gradient is not None and not -_INF < gradient < _INF:
                raise error(
                    GradientError,
                    "autograd.not_finite",
                    True,
                    describe(node),
                    repr(gradient),
                    node=describe(node),
                    value=repr(gradient),
                    explanation=Words("engine.gradient_overflow"),
                )
    return tuple(result)


_INF = float("inf")


def _values(items: object, what: str) -> list[Value]:
    """A Value or a sequence of Values as a non-empty list; a clear TypeError / ValueError else."""
    if isinstance(items, Value):
        return [items]
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise error(TypeError, "autograd.values_type", what=what, got=type(items).__name__)
    listed = list(items)
    if not listed:
        raise error(ValueError, "autograd.values_empty", what=what)
    for index, item in enumerate(listed):
        if not isinstance(item, Value):
            got = f"{type(item).__name__}: {item!r}"
            raise error(TypeError, "autograd.value_item", what=what, index=index, got=got)
    return listed


def _seeds(grad_outputs: object, count: int, create_graph: bool) -> list[float] | list[Value]:
    """One weight per output: 1 for None; a Value kept as it is with create_graph (it joins the
    graph), its number without; a number checked (finite, real) and, with create_graph, a
    constant Value."""
    if grad_outputs is None:
        given: list[object] = [None] * count
    elif isinstance(grad_outputs, (Value, int, float)) and not isinstance(grad_outputs, bool):
        given = [grad_outputs]
    elif isinstance(grad_outputs, Sequence) and not isinstance(grad_outputs, (str, bytes)):
        given = list(grad_outputs)
    else:
        raise error(TypeError, "autograd.grad_outputs_type", got=type(grad_outputs).__name__)
    if len(given) != count:
        key = "autograd.grad_outputs_count." + ("one" if count == 1 else "many")
        raise error(ValueError, key, given=len(given), count=count)
    weights: list[float | Value] = []
    for index, weight in enumerate(given):
        if weight is None:
            weight = 1.0
        if isinstance(weight, Value):
            weights.append(weight if create_graph else weight.data)
        else:
            number = checked_float(weight, f"grad: grad_outputs[{index}]")
            weights.append(Value(number) if create_graph else number)
    return weights  # type: ignore[return-value]
