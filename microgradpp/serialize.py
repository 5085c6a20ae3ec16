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
  replaces the target with ``os.replace`` — one step — so a crash mid-write leaves the previous
  file as it was.
* **Checked.** A file that is truncated, not JSON, from a newer version, for another architecture,
  or changed after it was written (the checksum) raises ``SerializationError`` saying what is
  wrong; the model you are loading into is left unchanged.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import MicrogradppError
from .nn import MLP, BatchNorm, Dropout, Layer, Module, Neuron
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


class SerializationError(MicrogradppError, ValueError):
    """A model file could not be read or does not fit; nothing was changed."""


def _checksum(config: dict[str, Any], state: dict[str, float]) -> str:
    canonical = json.dumps({"config": config, "state": state}, sort_keys=True, allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save(model: Module, path: str | os.PathLike) -> None:
    """Write ``model``'s architecture and every parameter to ``path`` (JSON, atomically)."""
    kind = type(model).__name__
    if MODEL_CLASSES.get(kind) is not type(model):
        raise TypeError(
            f"save() knows how to rebuild {', '.join(MODEL_CLASSES)}, not {kind}; "
            "for other modules save model.state_dict() yourself"
        )
    config, state = model.config(), model.state_dict()
    for name, value in state.items():
        if not math.isfinite(value):
            raise ValueError(f"cannot save: {name} is {value!r} (JSON has no inf or nan)")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "class": kind,
        "config": config,
        "state": state,
        "checksum": _checksum(config, state),
    }
    text = json.dumps(document, indent=1, allow_nan=False) + "\n"
    _atomic_write(Path(path), text)


def _atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file next to ``path``, then swap it in with one ``os.replace``."""
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def load(path: str | os.PathLike, model: Module | None = None) -> Module:
    """Read a file written by ``save`` and return the model.

    Without ``model`` a new one is built from the file's architecture. With ``model`` the numbers
    are loaded into it (its architecture must match the file's) and it is returned.
    Everything is checked before anything is changed.
    """
    path = Path(path)
    document = _read(path)
    kind, config, state = _validated(document, path)
    if model is None:
        try:
            model = MODEL_CLASSES[kind](**config)
        except (TypeError, ValueError) as error:
            raise SerializationError(
                f"{path}: its config does not build a {kind}: {error}"
            ) from None
    else:
        if type(model).__name__ != kind:
            raise SerializationError(
                f"{path} holds a {kind}, but you are loading it into a {type(model).__name__}; "
                "nothing was changed"
            )
        mismatched = {
            key: (value, config.get(key))
            for key, value in model.config().items()
            if config.get(key) != value
        }
        if mismatched:
            details = "; ".join(
                f"{key}: model has {ours!r}, file has {theirs!r}"
                for key, (ours, theirs) in mismatched.items()
            )
            raise SerializationError(
                f"{path} is for a different architecture ({details}); nothing was changed"
            )
    try:
        model.load_state_dict(state)
    except (TypeError, ValueError) as error:
        raise SerializationError(f"{path}: {error}") from None
    return model


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"no model file at {path}") from None
    except UnicodeDecodeError:
        raise SerializationError(
            f"{path} is not a text file (not UTF-8): not a model file"
        ) from None
    if not text.strip():
        raise SerializationError(f"{path} is empty: not a model file (was the write interrupted?)")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        hint = "the file is truncated" if error.pos >= len(text.rstrip()) else "the file is corrupt"
        raise SerializationError(
            f"{path} is not valid JSON ({hint}): {error.msg} at line {error.lineno}, "
            f"column {error.colno}"
        ) from None
    if not isinstance(document, dict):
        raise SerializationError(f"{path} holds a JSON {type(document).__name__}, not a model")
    return document


def _validated(document: dict[str, Any], path: Path) -> tuple[str, dict, dict]:
    if document.get("format") != FORMAT:
        raise SerializationError(
            f"{path} is not a microgradpp model file (its format field is "
            f"{document.get('format')!r}, expected {FORMAT!r})"
        )
    version = document.get("version")
    if not is_integer(version):
        raise SerializationError(f"{path}: the version field is missing or not an int: {version!r}")
    if version > VERSION:
        raise SerializationError(
            f"{path} has format version {version}, newer than this microgradpp reads "
            f"({VERSION}); upgrade microgradpp"
        )
    if version < 1:
        raise SerializationError(f"{path}: unknown format version {version}")
    missing = [key for key in ("class", "config", "state", "checksum") if key not in document]
    if missing:
        raise SerializationError(f"{path} is missing the field(s) {', '.join(missing)}")
    kind, config, state = document["class"], document["config"], document["state"]
    if kind not in MODEL_CLASSES:
        raise SerializationError(
            f"{path} holds a {kind!r}; this microgradpp can load {', '.join(MODEL_CLASSES)}"
        )
    if not isinstance(config, dict) or not isinstance(state, dict):
        raise SerializationError(f"{path}: config and state must be JSON objects")
    for name, value in state.items():
        if not is_real(value):
            raise SerializationError(f"{path}: {name} is not a number: {value!r}")
    try:
        expected = _checksum(config, state)
    except ValueError as error:
        raise SerializationError(f"{path}: {error}") from None
    if document["checksum"] != expected:
        raise SerializationError(
            f"{path}: checksum mismatch — the numbers were changed or damaged after the file "
            "was written; nothing was loaded"
        )
    return kind, config, state
