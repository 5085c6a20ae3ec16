"""Save a model to a small JSON file and load it back, without losing a bit.

    >>> import microgradpp, tempfile, os
    >>> from microgradpp.nn import MLP
    >>> model = MLP(2, [4, 1], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
    >>> microgradpp.save(model, path)
    >>> microgradpp.load(path).state_dict() == model.state_dict()
    True

The file (format version 1) is readable JSON::

    {"format": "microgradpp-model", "version": 1, "class": "MLP",
     "config": {"nin": 2, "nouts": [4, 1], ...},
     "state": {"layer1.neuron1.w0": 0.6888437030500962, ...},
     "checksum": "sha256 of config and state"}

Guarantees:

* **Bit for bit.** Floats are written with ``repr``, the shortest text that reads back as exactly
  the same float (``float(repr(x)) == x`` for every finite float, -0.0 and subnormals included).
* **Atomic.** The text goes to a temporary file in the same folder, is flushed to disk, and then
  replaces the target with ``os.replace`` — one step — so a crash or a full disk mid-write leaves
  the previous file as it was (``microgradpp.files.atomic_write``). A symbolic link stays a link
  (the file it points to is replaced) and an existing file keeps its permissions.
* **Checked before anything is built.** A file that is truncated, not JSON, from a newer version,
  for another architecture, or changed after it was written (the checksum) raises
  ``SerializationError`` naming the file and the field; the model you are loading into is left
  unchanged. The whole file is checked against the architecture it names *before* a single
  Value is made, so a 300-byte file claiming a 1000×1000 network is refused at once (the checksum
  is no defence against that: anyone can recompute it). Sizes are bounded: at most
  ``MAX_FILE_BYTES`` of text and ``MAX_PARAMETERS`` numbers.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import nn
from .errors import MicrogradppError
from .files import NotRegularFile, TooBig, atomic_write, os_reason, read_at_most
from .i18n import Listed, Words, error, message
from .nn import ACTIVATIONS, MLP, BatchNorm, Dropout, Layer, Module, Neuron
from .validation import is_integer, is_real

FORMAT = "microgradpp-model"
VERSION = 1
MODEL_CLASSES: dict[str, type[Module]] = {
    "MLP": MLP,
    "Layer": Layer,
    "Neuron": Neuron,
    "BatchNorm": BatchNorm,
    "Dropout": Dropout,
}
"""The classes a file may name; each rebuilds itself from its ``config()``."""

MAX_FILE_BYTES = 128 * 1024 * 1024
"""The largest model file ``load`` reads (128 MiB: about two million parameters)."""
MAX_PARAMETERS = nn.MAX_PARAMETERS
"""The most numbers (parameters and running statistics) a model file may hold: as many as a
network may have (2,000,000)."""
MAX_LAYERS = nn.MAX_LAYERS
"""The most layers an MLP in a file may have (as an MLP may have: 1000)."""
MAX_INT_DIGITS = 310
"""The longest integer a model file may hold (the largest float, 1.8e308, has 309 digits)."""


class SerializationError(MicrogradppError, ValueError):
    """A model file could not be read or does not fit; nothing was changed."""


def _checksum(config: dict[str, Any], state: dict[str, float]) -> str:
    canonical = json.dumps({"config": config, "state": state}, sort_keys=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save(model: Module, path: str | os.PathLike) -> None:
    """Write ``model``'s architecture and every parameter to ``path`` (JSON, atomically)."""
    kind = type(model).__name__
    if MODEL_CLASSES.get(kind) is not type(model):
        raise error(TypeError, "save.kind", names=Listed(tuple(MODEL_CLASSES)), kind=kind)
    config, state = model.config(), model.state_dict()
    for name, value in state.items():
        if not math.isfinite(value):
            raise error(ValueError, "save.not_finite", name=name, value=repr(value))
    document = {
        "format": FORMAT,
        "version": VERSION,
        "class": kind,
        "config": config,
        "state": state,
        "checksum": _checksum(config, state),
    }
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    atomic_write(path, text)


def load(path: str | os.PathLike, model: Module | None = None) -> Module:
    """Read a file written by ``save`` and return the model.

    Without ``model`` a new one is built from the file's architecture. With ``model`` the numbers
    are loaded into it (its architecture must match the file's) and it is returned.
    The whole file is checked — format, version, every config field, every parameter name and
    number against the architecture, the checksum — before anything is built or changed.
    Every problem raises :class:`SerializationError` naming the file and the field.
    """
    path = Path(path)
    document = _read(path)
    kind, config, state = _validated(document, path)
    if model is None:
        model = MODEL_CLASSES[kind](**config)  # cannot fail: every field was checked above
    else:
        if type(model).__name__ != kind:
            raise error(
                SerializationError,
                "load.other_kind",
                path=path,
                kind=kind,
                into=type(model).__name__,
            )
        mismatched = {
            key: (value, config.get(key))
            for key, value in model.config().items()
            if config.get(key) != value
        }
        if mismatched:
            details = Listed(
                tuple(
                    Words("load.architecture.field", fields={
                        "key": key, "ours": repr(ours), "theirs": repr(theirs)
                    })
                    for key, (ours, theirs) in mismatched.items()
                ),
                "clauses",
            )  # fmt: skip
            raise error(SerializationError, "load.architecture", path=path, details=details)
    try:
        model.load_state_dict(state)
    except (TypeError, ValueError) as problem:  # checked above already; kept as a second guard
        raise error(
            SerializationError, "load.in_file", path=path, problem=_words(problem)
        ) from None
    return model


# ------------------------------------------------------------------------------------------------
# Reading: bytes -> JSON, with every failure turned into a SerializationError
# ------------------------------------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    """The file's JSON object, read no further than ``MAX_FILE_BYTES`` (``files.read_at_most``)."""
    try:
        data = read_at_most(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise error(FileNotFoundError, "load.missing", path=path) from None
    except IsADirectoryError:
        raise error(SerializationError, "load.folder", path=path) from None
    except NotRegularFile:  # a pipe or a device could block or never end
        raise error(SerializationError, "load.not_regular", path=path) from None
    except TooBig as big:
        if big.grew:  # within the limit when its size was read
            raise error(SerializationError, "load.grew", path=path, most=MAX_FILE_BYTES) from None
        raise error(
            SerializationError, "load.too_big", path=path, size=big.size, most=MAX_FILE_BYTES
        ) from None
    except OSError as problem:  # permission denied, an I/O error ...
        reason = os_reason(problem)
        raise error(SerializationError, "load.unreadable", path=path, reason=reason) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise error(SerializationError, "load.not_text", path=path) from None
    if not text.strip():
        raise error(SerializationError, "load.empty", path=path)
    try:
        document = json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_nan,
            parse_int=_small_int,
        )
    except json.JSONDecodeError as problem:
        truncated = problem.pos >= len(text.rstrip())
        hint = Words("load.truncated" if truncated else "load.corrupt")
        raise error(
            SerializationError, "load.not_json", path=path, hint=hint, msg=_json_reason(problem.msg),
            line=problem.lineno, column=problem.colno,
        ) from None  # fmt: skip
    except _DuplicateKey as problem:
        raise error(
            SerializationError, "load.duplicate", path=path, key=repr(problem.args[0])
        ) from None
    except RecursionError:
        raise error(SerializationError, "load.too_deep", path=path) from None
    except ValueError as problem:  # e.g. an integer of more than 4300 digits, or NaN/Infinity
        raise error(
            SerializationError, "load.json_number", path=path, problem=_words(problem)
        ) from None
    if not isinstance(document, dict):
        raise error(SerializationError, "load.not_object", path=path, got=type(document).__name__)
    return document


_JSON_REASONS = {message(f"load.json.{name}", "en"): f"load.json.{name}" for name in (
    "value", "comma", "colon", "name", "string", "control", "extra", "comma_object",
    "comma_array",
)}  # fmt: skip
"""What Python's json says (its English) -> the catalogs' id that says it in any language."""


def _json_reason(said: str) -> str | Words:
    """json's reason ("Expecting value") in any language when the catalogs have it."""
    key = _JSON_REASONS.get(said)
    return said if key is None else Words(key)


class _DuplicateKey(Exception):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads keeps the last of two equal keys silently; a model file never has any."""
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return document


def _small_int(text: str) -> int:
    """Integers as JSON reads them, refusing hundreds of digits (no float is that long)."""
    if len(text) > MAX_INT_DIGITS:
        raise error(ValueError, "load.int_digits", digits=f"{len(text):,}", most=MAX_INT_DIGITS)
    return int(text)


def _no_nan(constant: str) -> float:
    raise error(ValueError, "load.constant", constant=constant)


def _words(problem: BaseException) -> object:
    """What ``problem`` says, in any language when it has catalog words (else its English)."""
    words = getattr(problem, "words", None)
    return words if words is not None else str(problem)


# ------------------------------------------------------------------------------------------------
# Checking: the whole document against the architecture it names, before building anything
# ------------------------------------------------------------------------------------------------


def _validated(document: dict[str, Any], path: Path) -> tuple[str, dict, dict]:
    format_field = document.get("format")
    if format_field != FORMAT:
        raise error(
            SerializationError,
            "load.format",
            path=path,
            got=_short(format_field),
            want=repr(FORMAT),
        )
    version = document.get("version")
    if not is_integer(version):
        raise error(SerializationError, "load.version_type", path=path, got=_short(version))
    if version > VERSION:
        raise error(
            SerializationError, "load.version_newer", path=path, got=_short(version), most=VERSION
        )
    if version < 1:
        raise error(SerializationError, "load.version_unknown", path=path, got=_short(version))
    missing = [key for key in ("class", "config", "state", "checksum") if key not in document]
    if missing:
        raise error(
            SerializationError, "load.fields_missing", path=path, names=Listed(tuple(missing))
        )
    kind, config, state = document["class"], document["config"], document["state"]
    if not isinstance(kind, str) or kind not in MODEL_CLASSES:
        raise error(
            SerializationError, "load.class", path=path, got=_short(kind),
            names=Listed(tuple(MODEL_CLASSES)),
        )  # fmt: skip
    if not isinstance(config, dict):
        raise error(SerializationError, "load.object_field", path=path, field="config")
    if not isinstance(state, dict):
        raise error(SerializationError, "load.object_field", path=path, field="state")
    if not isinstance(document["checksum"], str):
        raise error(SerializationError, "load.checksum_type", path=path)
    _check_config(kind, config, path)
    _check_state(kind, config, state, path)
    expected = _checksum(config, state)  # safe now: plain ints, floats, strings and bools
    if document["checksum"] != expected:
        raise error(SerializationError, "load.checksum", path=path)
    return kind, config, state


def _check_config(kind: str, config: dict[str, Any], path: Path) -> None:
    """Every field the class's constructor needs, of the right type and in range; no others."""
    fields = CONFIG_FIELDS[kind]
    missing = [name for name in fields if name not in config]
    unknown = [name for name in config if name not in fields]
    if missing or unknown:
        parts = [Words("load.config.missing", fields={"names": Listed(tuple(missing))})]
        parts = parts if missing else []
        if unknown:
            names = Listed(tuple(_short(name) for name in unknown[:5]))
            parts.append(Words("load.config.unknown", fields={"names": names}))
        raise error(
            SerializationError, "load.config_fields", path=path, kind=kind,
            fields=Listed(tuple(fields)), parts=Listed(tuple(parts), "and"),
        )  # fmt: skip
    for name, check in fields.items():
        problem = check(config[name])
        if problem:
            raise error(
                SerializationError, "load.config_field", path=path, name=name, problem=problem,
                got=_short(config[name]),
            )  # fmt: skip


# Each check returns None, or what is wrong ("must be a whole number") in the catalogs' words.


def _size(value: Any) -> Words | None:
    if not is_integer(value):
        return Words("load.config.whole")
    if not 1 <= value <= MAX_PARAMETERS:
        return Words("load.config.from_1", fields={"most": f"{MAX_PARAMETERS:,}"})
    return None


def _widths(value: Any) -> Words | None:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LAYERS:
        return Words("load.config.widths", fields={"most": MAX_LAYERS})
    problems = (_size(width) for width in value)
    return next(
        (Words("load.config.each_width", fields={"problem": p}) for p in problems if p), None
    )


def _activation(value: Any) -> Words | None:
    if not isinstance(value, str) or value not in ACTIVATIONS:
        return Words("load.config.one_of", fields={"names": Listed(tuple(ACTIVATIONS))})
    return None


def _flag(value: Any) -> Words | None:
    return None if isinstance(value, bool) else Words("load.config.flag")


def _number(value: Any) -> bool:
    return is_real(value) and _finite(value)


def _probability(value: Any) -> Words | None:
    if _number(value) and 0.0 <= value < 1.0:
        return None
    return Words("load.config.interval", fields={"interval": "[0, 1)"})


def _momentum(value: Any) -> Words | None:
    if _number(value) and 0.0 <= value <= 1.0:
        return None
    return Words("load.config.interval", fields={"interval": "[0, 1]"})


def _epsilon(value: Any) -> Words | None:
    return None if _number(value) and value > 0.0 else Words("load.config.epsilon")


CONFIG_FIELDS: dict[str, dict[str, Any]] = {
    "MLP": {
        "nin": _size,
        "nouts": _widths,
        "activation": _activation,
        "output_activation": _activation,
        "fused": _flag,
        "batchnorm": _flag,
        "dropout": _probability,
    },
    "Layer": {
        "nin": _size,
        "nout": _size,
        "activation": _activation,
        "fused": _flag,
        "batchnorm": _flag,
        "dropout": _probability,
    },
    "Neuron": {"nin": _size, "activation": _activation, "fused": _flag},
    "BatchNorm": {"num_features": _size, "eps": _epsilon, "momentum": _momentum},
    "Dropout": {"p": _probability},
}
"""Each class's config fields -> a check returning None or what is wrong (as the constructor's)."""


def _check_state(kind: str, config: dict[str, Any], state: dict[str, Any], path: Path) -> None:
    """The state holds exactly the names the architecture has, each a finite number.

    The count is compared first, by arithmetic alone, so a small file naming a huge network
    is refused before anything proportional to the network's size is done.
    """
    count = _state_size(kind, config)
    if count > MAX_PARAMETERS:
        raise error(
            SerializationError, "load.state_too_big", path=path, kind=kind, count=f"{count:,}",
            most=f"{MAX_PARAMETERS:,}",
        )  # fmt: skip
    if count != len(state):
        raise error(
            SerializationError, "load.state_count", path=path, kind=kind, count=f"{count:,}",
            held=f"{len(state):,}",
        )  # fmt: skip
    for name in _state_names(kind, config):
        if name not in state:
            stranger = next(key for key in state if key not in set(_state_names(kind, config)))
            raise error(
                SerializationError, "load.state_names", path=path, name=name,
                stranger=_short(stranger), kind=kind,
            )  # fmt: skip
        value = state[name]
        if not is_real(value):
            raise error(
                SerializationError, "load.state_not_number", path=path, name=name, got=_short(value)
            )
        if not _finite(value):
            raise error(
                SerializationError, "load.state_not_finite", path=path, name=name, got=_short(value)
            )
        if name.rpartition(".")[2].startswith("running_var") and value < 0:
            raise error(
                SerializationError, "load.state_variance", path=path, name=name, got=repr(value)
            )


def _finite(value: int | float) -> bool:
    """True for a number that is (or converts to) a finite float; ints beyond 1.8e308 are not."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _state_size(kind: str, config: dict[str, Any]) -> int:
    """How many numbers a module with this (checked) config has: parameters and statistics."""
    if kind == "Neuron":
        return config["nin"] + 1
    if kind == "BatchNorm":
        return 4 * config["num_features"]  # gamma, beta, running mean, running variance
    if kind == "Dropout":
        return 0
    if kind == "Layer":
        nin, nout = config["nin"], config["nout"]
        return nout * (nin + 1) + (4 * nout if config["batchnorm"] else 0)
    sizes = [config["nin"], *config["nouts"]]
    last = len(sizes) - 2
    return sum(
        sizes[i + 1] * (sizes[i] + 1)
        + (4 * sizes[i + 1] if config["batchnorm"] and i < last else 0)
        for i in range(len(sizes) - 1)
    )


def _state_names(kind: str, config: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """The names ``state_dict()`` of a module with this config has, without building it
    (tests check this against real modules of every kind)."""
    if kind == "Neuron":
        yield from (f"{prefix}w{i}" for i in range(config["nin"]))
        yield f"{prefix}b"
    elif kind == "BatchNorm":
        for field in ("gamma", "beta", "running_mean", "running_var"):
            yield from (f"{prefix}{field}{j}" for j in range(1, config["num_features"] + 1))
    elif kind == "Layer":
        for j in range(1, config["nout"] + 1):
            yield from _state_names("Neuron", config, f"{prefix}neuron{j}.")
        if config["batchnorm"]:
            bn = {"num_features": config["nout"]}
            yield from _state_names("BatchNorm", bn, f"{prefix}batchnorm.")
    elif kind == "MLP":
        sizes = [config["nin"], *config["nouts"]]
        for i in range(len(sizes) - 1):
            layer = {
                "nin": sizes[i],
                "nout": sizes[i + 1],
                "batchnorm": config["batchnorm"] and i < len(sizes) - 2,
            }
            yield from _state_names("Layer", layer, f"{prefix}layer{i + 1}.")


def _short(value: Any, limit: int = 60) -> str | Words:
    """repr(value) cut to ``limit`` characters (a hostile file may hold a megabyte string), and
    never failing (a 5000-digit int has no repr under Python's digit limit); a huge int, an
    array or an object in words (any language)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        digits = int(value.bit_length() * 0.30103)
        return Words("load.short.integer", fields={"digits": digits})
    if isinstance(value, (list, dict)):
        key = "load.short.array" if isinstance(value, list) else "load.short.object"
        return Words(key, fields={"count": len(value)})
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
