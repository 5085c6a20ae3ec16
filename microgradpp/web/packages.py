"""The packages the playground bundles: pinned versions, their SHA-256, and where they come from.

Nothing is committed to the repository and nothing is fetched by the page: ``microgradpp web``
downloads each package once with the registry's own client (``npm pack``, ``pip download``) into a
cache folder outside git, checks its SHA-256 against the pin below, and copies what the page needs
out of it. A file whose hash differs is deleted and the build stops (WebBuildError): a pin is
changed by editing this table, never by trusting what arrived.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import WebBuildError


@dataclass(frozen=True)
class Pinned:
    """One package: which registry, which version, the file it arrives as and its hash."""

    name: str
    version: str
    registry: str
    """'npm' or 'pypi'."""
    filename: str
    sha256: str
    licence: str
    """SPDX expression of what is bundled from it."""
    what: str
    """What the page uses it for (the licence list says it)."""


PYODIDE = Pinned(
    "pyodide",
    "314.0.7",
    "npm",
    "pyodide-314.0.7.tgz",
    "66b7949e5a0cba2250b586d7e368bf12fb482800748d182c4618254b685ffaa0",
    "MPL-2.0 AND PSF-2.0",
    "Python 3.14 compiled to WebAssembly, with its standard library (CPython: PSF licence)",
)
GRAPHVIZ_WASM = Pinned(
    "@hpcc-js/wasm-graphviz",
    "1.29.2",
    "npm",
    "hpcc-js-wasm-graphviz-1.29.2.tgz",
    "fbabf5f7a085f37009477d3585b2da1e4960f99dda54004e69c20553c8d172df",
    "Apache-2.0 AND EPL-2.0",
    "Graphviz compiled to WebAssembly (the wrapper: Apache-2.0; Graphviz: EPL-2.0)",
)
GRAPHVIZ_PYTHON = Pinned(
    "graphviz",
    "0.21",
    "pypi",
    "graphviz-0.21-py3-none-any.whl",
    "54f33de9f4f911d7e84e4191749cac8cc5653f815b06738c54db9a15ab8b1e42",
    "MIT",
    "the graphviz Python package (DOT text), pure Python",
)
PINNED = (PYODIDE, GRAPHVIZ_WASM, GRAPHVIZ_PYTHON)

DOWNLOAD_SECONDS = 300
"""The most one download may take before the build gives up."""


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(package: Pinned, cache: Path) -> Path:
    """The package's file in ``cache``: downloaded when it is not there yet, checked every time."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / package.filename
    if not path.exists():
        _download(package, cache)
    if not path.exists():
        raise WebBuildError(
            f"downloading {package.name} {package.version} did not give {package.filename}"
        )
    found = sha256_of(path)
    if found != package.sha256:
        path.unlink()
        raise WebBuildError(
            f"{package.filename} has SHA-256 {found}, not the pinned {package.sha256}: deleted. "
            "Someone changed the file, or the pin is wrong (microgradpp/web/packages.py)."
        )
    return path


def _download(package: Pinned, cache: Path) -> None:
    """npm pack / pip download into the cache (the registries' own clients, their settings)."""
    if package.registry == "npm":
        npm = shutil.which("npm")
        if npm is None:
            raise WebBuildError(
                f"{package.name} comes from the npm registry and npm is not installed "
                "(Debian: apt-get install npm; or put the file in the cache folder yourself)"
            )
        command = [
            npm,
            "pack",
            f"{package.name}@{package.version}",
            "--pack-destination",
            str(cache),
        ]
    else:
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--dest", str(cache), f"{package.name}=={package.version}",
        ]  # fmt: skip
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=DOWNLOAD_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise WebBuildError(
            f"downloading {package.name} {package.version} failed: {error}"
        ) from None
    if finished.returncode != 0:
        tail = (finished.stderr or finished.stdout).strip().splitlines()[-3:]
        raise WebBuildError(
            f"downloading {package.name} {package.version} failed (exit {finished.returncode}): "
            + " / ".join(tail)
        )
