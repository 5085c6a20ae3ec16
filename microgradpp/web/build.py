"""Building the playground: one folder, and one HTML file that holds everything.

``build_playground(out, cache)`` writes

* ``out/microgradpp-playground.html`` — the whole playground in one file (about 20 MB): Pyodide,
  Graphviz in WebAssembly, the graphviz Python package and microgradpp itself, each inlined as
  base64. Opened from a USB stick (``file://``) it works with no network at all: a page opened
  from a file may not read the files beside it, so it reads nothing but itself.
* ``out/index.html`` and ``out/assets/`` — the same page reading those files beside it, for a web
  server (the browser caches them; the page itself is small).
* ``out/LICENSES/`` — the licence of everything bundled, and ``README.txt`` saying which is which.

The page's own code is ``templates/playground.{html,css,js}``; what runs in the browser's Python is
``microgradpp.web.runner``. Every sentence on the page comes from the catalogs (``web.*`` keys).
"""

from __future__ import annotations

import base64
import io
import json
import re
import tarfile
import zipfile
from importlib import resources
from pathlib import Path
from string import Template

from .. import __version__
from ..errors import WebBuildError
from ..examples import get_example
from ..files import atomic_write
from ..i18n import LANGUAGES, Translator, error
from .packages import GRAPHVIZ_PYTHON, GRAPHVIZ_WASM, PINNED, PYODIDE, Pinned, fetch

SINGLE_FILE = "microgradpp-playground.html"
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
PYODIDE_LOCK = "pyodide-lock.json"
PACKAGE_ZIP = "microgradpp.zip"
PACKAGE_SUFFIXES = (".py", ".json", ".html", ".css", ".js", ".gz", ".md", ".typed")
"""What of microgradpp's own folder goes into the page (no caches, no licences twice)."""

EDITOR_EXAMPLES: dict[str, str] = {
    "add-mul": """\
from microgradpp import Value

x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
q = x + y
q.label = "q"
f = q * z
f.label = "f"
f.backward()
print(f.data, x.grad, y.grad, z.grad)
show(f)
""",
    "sigmoid-neuron": """\
from microgradpp import Value

w0, x0 = Value(2.0, label="w0"), Value(-1.0, label="x0")
w1, x1 = Value(-3.0, label="w1"), Value(-2.0, label="x1")
w2 = Value(-3.0, label="w2")
p0 = w0 * x0; p0.label = "p0"
p1 = w1 * x1; p1.label = "p1"
s = p0 + p1; s.label = "s"
z = s + w2; z.label = "z"
u = z * -1.0; u.label = "u"
e = u.exp(); e.label = "e"
d = e + 1.0; d.label = "d"
f = d.reciprocal(); f.label = "f"
f.backward()
print(round(f.data, 4), [round(v.grad, 4) for v in (w0, x0, w1, x1, w2)])
show(f)
""",
    "neuron": """\
from microgradpp import Value
from microgradpp.nn import Neuron

neuron = Neuron(2, activation="tanh")
neuron.w[0].data, neuron.w[1].data = -3.0, 1.0
neuron.b.data = 6.881373587019543
x = [Value(2.0, label="x0"), Value(0.0, label="x1")]
out = neuron(x)
out.label = "out"
out.backward()
print(round(out.data, 4), [round(w.grad, 4) for w in neuron.w], round(neuron.b.grad, 4))
show(out)
""",
    "exercise": """\
from microgradpp.practice import make_problem

problem = make_problem(level=2, seed=2026, number=1)
f = problem.root
print(f"f = {f.data:.2f}")
show(f)
""",
}
"""The editor's examples: the two worked examples, a neuron, and an exercise (its page opens)."""
OPENS_ON = {"exercise": "exercise"}
"""The tab an example opens on after it ran (default: the backward picture)."""


def build_playground(out: str | Path, cache: str | Path, lang: str = "en") -> list[Path]:
    """Build the playground in ``out`` from the pinned packages (downloaded into ``cache`` once,
    checked by SHA-256 every time). ``lang`` is the language it opens in. Returns the files."""
    out, cache = Path(out), Path(cache)
    t = Translator(lang)  # refuses a language with no catalog, before any download
    assets, licences = collect(cache)
    written = []
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for name, data in assets.items():
        atomic_write(out / "assets" / name, data)
    (out / "LICENSES").mkdir(exist_ok=True)
    for name, text in licences.items():
        written.append(atomic_write(out / "LICENSES" / name, text.encode("utf-8")))
    licence_list = licences["README.txt"]
    atomic_write(out / "index.html", page(t.lang, {}, licence_list).encode("utf-8"))
    atomic_write(out / SINGLE_FILE, page(t.lang, assets, licence_list).encode("utf-8"))
    return [out / SINGLE_FILE, out / "index.html", *(out / "assets" / n for n in assets), *written]


def collect(cache: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """The page's files (name -> bytes) and the licences to ship beside it (name -> text)."""
    pyodide = _members(fetch(PYODIDE, cache), [*PYODIDE_FILES, PYODIDE_LOCK])
    graphviz_wasm = _members(fetch(GRAPHVIZ_WASM, cache), ["dist/index.js", "LICENSE"])
    wheel = fetch(GRAPHVIZ_PYTHON, cache).read_bytes()
    with zipfile.ZipFile(io.BytesIO(wheel)) as opened:
        wheel_licence = next(
            opened.read(name).decode("utf-8")
            for name in opened.namelist()
            if re.search(r"\.dist-info/(licenses/)?LICENSE", name)
        )
    # the source map comment would make a browser's developer tools ask for a file we do not ship
    module = re.sub(rb"\n//# sourceMappingURL=\S+\s*$", b"\n", graphviz_wasm["dist/index.js"])
    assets = {name: pyodide[name] for name in [*PYODIDE_FILES, PYODIDE_LOCK]}
    assets["graphviz.js"] = module
    assets[GRAPHVIZ_PYTHON.filename] = wheel
    assets[PACKAGE_ZIP] = package_zip()
    shipped = resources.files(__package__) / "licenses"
    licences = {
        "Pyodide-MPL-2.0.txt": (shipped / "MPL-2.0.txt").read_text("utf-8"),
        "CPython-PSF-2.0.txt": (shipped / "PSF-2.0.txt").read_text("utf-8"),
        "Graphviz-EPL-2.0.txt": (shipped / "EPL-2.0.txt").read_text("utf-8"),
        "hpcc-js-wasm-graphviz-Apache-2.0.txt": graphviz_wasm["LICENSE"].decode("utf-8"),
        "graphviz-python-MIT.txt": wheel_licence,
        "microgradpp-MIT.txt": (shipped / "microgradpp-MIT.txt").read_text("utf-8"),
        "MNIST-subset-CC-BY-SA-3.0.md": (
            resources.files("microgradpp") / "datasets" / "README.md"
        ).read_text("utf-8"),
    }
    licences["README.txt"] = licence_readme(PINNED)
    return assets, licences


def licence_readme(pinned: tuple[Pinned, ...]) -> str:
    """What the playground bundles, at which version, under which licence (LICENSES/README.txt)."""
    lines = ["The microgradpp playground bundles:", ""]
    for package in pinned:
        lines.append(f"- {package.name} {package.version} ({package.registry}): {package.what}.")
        lines.append(f"  Licence: {package.licence}. SHA-256 of {package.filename}:")
        lines.append(f"  {package.sha256}")
    lines += [
        f"- microgradpp {__version__}: MIT (microgradpp-MIT.txt); its MNIST digits subset:",
        "  CC BY-SA 3.0 (MNIST-subset-CC-BY-SA-3.0.md).",
        "",
        "The texts: Pyodide-MPL-2.0.txt, CPython-PSF-2.0.txt (Python's standard library inside",
        "Pyodide), Graphviz-EPL-2.0.txt (Graphviz inside the WebAssembly module),",
        "hpcc-js-wasm-graphviz-Apache-2.0.txt, graphviz-python-MIT.txt, microgradpp-MIT.txt.",
    ]
    return "\n".join(lines) + "\n"


def _members(archive: Path, names: list[str]) -> dict[str, bytes]:
    """Files of an npm tarball (under its ``package/`` folder), by their names inside it."""
    found = {}
    with tarfile.open(archive, "r:gz") as opened:
        for name in names:
            try:
                member = opened.extractfile(f"package/{name}")
            except KeyError:
                member = None
            if member is None:
                raise error(WebBuildError, "web.archive_lacks", archive=archive.name, name=name)
            found[name] = member.read()
    return found


def package_files() -> list[tuple[str, bytes]]:
    """microgradpp's own files as installed, (path in a zip or wheel, bytes), in a fixed order:
    what the browser's Python imports (no caches; not the builder's own templates and licences)."""
    root = Path(str(resources.files("microgradpp")))
    files = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if not path.is_file() or path.suffix not in PACKAGE_SUFFIXES or "__pycache__" in parts:
            continue
        if parts[:2] in (("web", "licenses"), ("web", "templates")):
            continue
        files.append(("/".join(("microgradpp", *parts)), path.read_bytes()))
    return files


def package_zip() -> bytes:
    """microgradpp's own files (a zip to unpack into the browser's site-packages)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in package_files():
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return buffer.getvalue()


def page_data(lang: str) -> dict[str, object]:
    """What the page's script reads: its sentences in every language, and the examples."""
    texts = {}
    for language in LANGUAGES:
        t = Translator(language)
        keys = [key for key in t.catalog if key.startswith("web.")]
        texts[language] = {key: t(key) for key in keys}
        for name in ("add-mul", "sigmoid-neuron"):
            texts[language][f"web.example.{name}"] = get_example(name).title_in(language)
    return {
        "lang": lang,
        "languages": list(LANGUAGES),
        "texts": texts,
        "examples": [
            {"name": name, "code": code, "opens": OPENS_ON.get(name, "backward")}
            for name, code in EDITOR_EXAMPLES.items()
        ],
        "assets": {"lock": PYODIDE_LOCK, "package": PACKAGE_ZIP, "wheel": GRAPHVIZ_PYTHON.filename},
    }


def _template(name: str) -> str:
    return (resources.files(__package__) / "templates" / name).read_text("utf-8")


def page(lang: str, inlined: dict[str, bytes], licence_list: str) -> str:
    """The playground page: with ``inlined`` assets, the single file; without, the folder's."""
    t = Translator(lang)
    data = json.dumps(page_data(lang), ensure_ascii=False).replace("</", "<\\/")
    blobs = "\n".join(
        f'<script type="application/octet-stream" data-asset="{name}">'
        f"{base64.b64encode(content).decode('ascii')}</script>"
        for name, content in inlined.items()
    )
    return Template(_template("playground.html")).substitute(
        lang=lang,
        title=_html(t("web.title")),
        style=_template("playground.css"),
        script=_template("playground.js"),
        data=data,
        assets=blobs,
        licences=_html(licence_list),
    )


def _html(text: str) -> str:
    from html import escape

    return escape(text, quote=True)
