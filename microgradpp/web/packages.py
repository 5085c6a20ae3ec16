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
from ..i18n import error


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
"""What the playground bundles."""


def _kernel_wheel(name: str, version: str, filename: str, sha256: str, licence: str) -> Pinned:
    return Pinned(
        name, version, "pypi", filename, sha256, licence, "the notebooks' kernel (JupyterLite)"
    )


KERNEL_WHEELS = (
    _kernel_wheel("micropip", "0.11.1", "micropip-0.11.1-py3-none-any.whl",
                  "768de165adb8e66906039d8fec4127a57f522dfdf8e6fbff877a4616941ecfd3", "MPL-2.0"),
    _kernel_wheel("packaging", "26.1", "packaging-26.1-py3-none-any.whl",
                  "5d9c0669c6285e491e0ced2eee587eaf67b670d94a19e94e3984a481aba6802f", "Apache-2.0 OR BSD-2-Clause"),
    _kernel_wheel("comm", "0.2.3", "comm-0.2.3-py3-none-any.whl",
                  "c615d91d75f7f04f095b30d1c1711babd43bdc6419c1be9886a85f2f4e489417", "BSD-3-Clause"),
    _kernel_wheel("ipython", "9.12.0", "ipython-9.12.0-py3-none-any.whl",
                  "0f2701e8ee86e117e37f50563205d36feaa259d2e08d4a6bc6b6d74b18ce128d", "BSD-3-Clause"),
    _kernel_wheel("jedi", "0.19.2", "jedi-0.19.2-py2.py3-none-any.whl",
                  "a8ef22bde8490f57fe5c7681a3c83cb58874daf72b4784de3cce5b6ef6edb5b9", "MIT"),
    _kernel_wheel("parso", "0.8.6", "parso-0.8.6-py2.py3-none-any.whl",
                  "2c549f800b70a5c4952197248825584cb00f033b29c692671d3bf08bf380baff", "MIT"),
    _kernel_wheel("traitlets", "5.14.3", "traitlets-5.14.3-py3-none-any.whl",
                  "b74e89e397b1ed28cc831db7aea759ba6640cb3de13090ca145426688ff1ac4f", "BSD-3-Clause"),
    _kernel_wheel("decorator", "5.2.1", "decorator-5.2.1-py3-none-any.whl",
                  "d316bb415a2d9e2d2b3abcc4084c6502fc09240e292cd76a76afc106a1c8e04a", "BSD-2-Clause"),
    _kernel_wheel("pygments", "2.20.0", "pygments-2.20.0-py3-none-any.whl",
                  "81a9e26dd42fd28a23a2d169d86d7ac03b46e2f8b59ed4698fb4785f946d0176", "BSD-2-Clause"),
    _kernel_wheel("prompt-toolkit", "3.0.52", "prompt_toolkit-3.0.52-py3-none-any.whl",
                  "9aac639a3bbd33284347de5ad8d68ecc044b91a762dc39b7c21095fcd6a19955", "BSD-3-Clause"),
    _kernel_wheel("wcwidth", "0.6.0", "wcwidth-0.6.0-py3-none-any.whl",
                  "1a3a1e510b553315f8e146c54764f4fb6264ffad731b3d78088cdb1478ffbdad", "MIT"),
    _kernel_wheel("stack-data", "0.6.3", "stack_data-0.6.3-py3-none-any.whl",
                  "d5558e0c25a4cb0853cddad3d77da9891a08cb85dd9f9f91b9f8cd66e511e695", "MIT"),
    _kernel_wheel("asttokens", "3.0.1", "asttokens-3.0.1-py3-none-any.whl",
                  "15a3ebc0f43c2d0a50eeafea25e19046c68398e487b9f1f5b517f7c0f40f976a", "Apache-2.0"),
    _kernel_wheel("executing", "2.2.1", "executing-2.2.1-py2.py3-none-any.whl",
                  "760643d3452b4d777d295bb167ccc74c64a81df23fb5e08eff250c425a4b2017", "MIT"),
    _kernel_wheel("pure-eval", "0.2.3", "pure_eval-0.2.3-py3-none-any.whl",
                  "1db8e35b67b3d218d818ae653e27f06c3aa420901fa7b081ca98cbedc874e0d0", "MIT"),
    _kernel_wheel("six", "1.17.0", "six-1.17.0-py2.py3-none-any.whl",
                  "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274", "MIT"),
    _kernel_wheel("matplotlib-inline", "0.2.1", "matplotlib_inline-0.2.1-py3-none-any.whl",
                  "d56ce5156ba6085e00a9d54fead6ed29a9c47e215cd1bba2e976ef39f5710a76", "BSD-3-Clause"),
)  # fmt: skip
"""The pure-Python wheels a JupyterLite notebook kernel loads (micropip, IPython and what it
needs), at the versions of Pyodide's lock file: the npm package has the lock but not the files."""
PYODIDE_PYTHON = "3.14"
"""The Python of the pinned Pyodide: what the wheels are downloaded for (micropip needs ≥ 3.13)."""


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
        raise error(
            WebBuildError, "web.download_missing", name=package.name, version=package.version,
            filename=package.filename,
        )  # fmt: skip
    found = sha256_of(path)
    if found != package.sha256:
        path.unlink()
        raise error(
            WebBuildError, "web.checksum", filename=package.filename, found=found,
            pinned=package.sha256,
        )  # fmt: skip
    return path


def _download(package: Pinned, cache: Path) -> None:
    """npm pack / pip download into the cache (the registries' own clients, their settings)."""
    if package.registry == "npm":
        npm = shutil.which("npm")
        if npm is None:
            raise error(WebBuildError, "web.no_npm", name=package.name)
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
            "--python-version", PYODIDE_PYTHON, "--dest", str(cache),
            f"{package.name}=={package.version}",
        ]  # fmt: skip
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=DOWNLOAD_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as problem:
        raise error(
            WebBuildError, "web.download_failed", name=package.name, version=package.version,
            reason=problem,
        ) from None  # fmt: skip
    if finished.returncode != 0:
        tail = (finished.stderr or finished.stdout).strip().splitlines()[-3:]
        raise error(
            WebBuildError, "web.download_exit", name=package.name, version=package.version,
            code=finished.returncode, reason=" / ".join(tail),
        )  # fmt: skip
