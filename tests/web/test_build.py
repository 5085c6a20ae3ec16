"""Building the playground (microgradpp.web.build), and the playground itself in headless
Chromium with no network: opened as a file (a USB stick) and served on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from microgradpp.cli import WEB_CACHE, main
from microgradpp.web import SINGLE_FILE, build_playground
from microgradpp.web.build import EDITOR_EXAMPLES, licence_readme, package_zip, page, page_data
from microgradpp.web.packages import PINNED, sha256_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "steps"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from browsers import CHROMIUM, Browser  # noqa: E402
from offline import all_local, offline, requested, serving  # noqa: E402

CACHE = Path(os.environ.get("MICROGRADPP_WEB_CACHE", WEB_CACHE)).expanduser()
CACHED = all(
    (CACHE / pin.filename).exists() and sha256_of(CACHE / pin.filename) == pin.sha256
    for pin in PINNED
)
needs_packages = pytest.mark.skipif(
    not CACHED, reason=f"the playground's pinned packages are not in {CACHE}: run `make web`"
)
FIRST_EXAMPLE_PRINTS = "-12.0 -4.0 -4.0 3.0\n"

# ------------------------------------------------------------------------------------------------
# The page (no packages needed)
# ------------------------------------------------------------------------------------------------


def test_the_page_carries_its_words_in_every_language_and_inlines_what_it_is_given():
    data = page_data("zh-Hant")
    assert data["lang"] == "zh-Hant" and data["languages"] == ["en", "zh-Hant", "zh-Hans"]
    assert [example["name"] for example in data["examples"]] == list(EDITOR_EXAMPLES)
    assert data["examples"][3]["opens"] == "exercise"
    english, traditional = data["texts"]["en"], data["texts"]["zh-Hant"]
    assert english.keys() == traditional.keys() == data["texts"]["zh-Hans"].keys()
    assert traditional["web.run"] == "執行" and data["texts"]["zh-Hans"]["web.run"] == "运行"
    assert english["web.example.add-mul"] == "f = (x + y) · z at x = −2, y = 5, z = −4"
    single = page("en", {"graphviz.js": b"export const a = 1;"}, "LICENCES & <more>")
    assert (
        '<script type="application/octet-stream" data-asset="graphviz.js">ZXhwb3J0IGNvbnN0IGEgPSAxOw==</script>'
        in single
    )
    assert "LICENCES &amp; &lt;more&gt;" in single and '<html lang="en">' in single
    folder = page("zh-Hans", {}, "")
    assert "data-asset=" not in folder.split('<script type="module">')[0].split("</header>")[1]
    assert (
        json.loads(folder.split('id="playground-data">')[1].split("</script>")[0])["lang"]
        == "zh-Hans"
    )


def test_the_package_zip_holds_microgradpp_and_not_the_builders_own_files():
    with zipfile.ZipFile(BytesIO(package_zip())) as archive:
        names = archive.namelist()
    assert "microgradpp/engine.py" in names and "microgradpp/web/runner.py" in names
    assert (
        "microgradpp/locale/zh-Hant.json" in names
        and "microgradpp/steps/templates/stepper.js" in names
    )
    assert not [name for name in names if "__pycache__" in name or "/licenses/" in name]
    assert not [name for name in names if name.startswith("microgradpp/web/templates/")]


def test_the_licence_list_names_every_package_version_and_hash():
    text = licence_readme(PINNED)
    for pin in PINNED:
        assert f"- {pin.name} {pin.version} ({pin.registry})" in text and pin.sha256 in text
    assert "MPL-2.0 AND PSF-2.0" in text and "Apache-2.0 AND EPL-2.0" in text
    assert "CC BY-SA 3.0" in text


def test_an_unknown_language_is_refused_before_any_download(tmp_path, capsys):
    assert (
        main(
            ["web", "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "c"), "--lang", "fr"]
        )
        == 2
    )
    assert not (tmp_path / "c").exists() and not (tmp_path / "out").exists()


@needs_packages
def test_the_build_writes_the_single_file_the_folder_and_the_licences(tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["web", "--out", str(out), "--cache", str(CACHE)]) == 0
    assert f"Wrote {out / SINGLE_FILE}" in capsys.readouterr().out
    single = (out / SINGLE_FILE).read_text(encoding="utf-8")
    inlined = re.findall(r'<script type="application/octet-stream" data-asset="([^"]+)">', single)
    assert sorted(inlined) == sorted(path.name for path in (out / "assets").iterdir())
    assert len(inlined) == 8
    assert "sourceMappingURL" not in (out / "assets" / "graphviz.js").read_text(encoding="utf-8")
    assert sorted(path.name for path in (out / "LICENSES").iterdir()) == [
        "CPython-PSF-2.0.txt", "Graphviz-EPL-2.0.txt", "MNIST-subset-CC-BY-SA-3.0.md",
        "Pyodide-MPL-2.0.txt", "README.txt", "graphviz-python-MIT.txt",
        "hpcc-js-wasm-graphviz-Apache-2.0.txt", "microgradpp-MIT.txt",
    ]  # fmt: skip
    assert (
        "Mozilla Public License Version 2.0"
        in (out / "LICENSES" / "Pyodide-MPL-2.0.txt").read_text()
    )
    assert (out / "index.html").stat().st_size < 100_000  # the folder's page reads assets/


# ------------------------------------------------------------------------------------------------
# In the browser, with no network
# ------------------------------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def check_the_playground(tab: Browser, url: str) -> dict:
    """Open the playground, wait for the first example's pictures, check what it shows."""
    tab.send("Network.enable", session=True)
    tab.open(url, timeout=60)
    tab.wait_for("document.documentElement.dataset.firstPicture", timeout=240)
    tab.wait_for(  # the two pages load in their frames after the pictures are shown
        "['panel-steps', 'panel-exercise'].every((id) => "
        "document.getElementById(id).contentDocument.querySelector('svg'))",
        timeout=30,
    )
    state = tab.evaluate(
        """(() => {
        const frame = (id) => document.getElementById(id).contentDocument;
        const svg = document.querySelector('#panel-backward svg');
        return {
          output: document.getElementById('output').textContent,
          nodes: svg ? svg.querySelectorAll('g.node').length : 0,
          graphviz: svg ? svg.querySelector('g.graph') !== null : false,
          texts: svg ? [...svg.querySelectorAll('text')].map((t) => t.textContent) : [],
          frames: frame('panel-steps').querySelectorAll('section.frame').length,
          boxes: frame('panel-exercise').querySelectorAll('input').length,
          firstPicture: Number(document.documentElement.dataset.firstPicture),
          pythonReady: Number(document.documentElement.dataset.pythonReady),
        };
        })()"""
    )
    assert state["output"] == FIRST_EXAMPLE_PRINTS
    assert state["graphviz"] and state["nodes"] == 7  # x, y, z, q, f and the + and × gates
    assert "= -4" in state["texts"] and "1 × (-4)" in state["texts"]
    assert state["frames"] == 6  # inputs, 2 forward, seed, 2 backward steps
    assert state["boxes"] == 4  # ∂f/∂q, ∂f/∂z, ∂f/∂x, ∂f/∂y
    return state


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("playground")
    build_playground(out, CACHE)
    return out


@pytest.mark.slow
@needs_packages
@needs_chromium
def test_the_single_file_runs_offline_from_file_url(built, tmp_path):
    """From a USB stick: file://, no server, no network; every request the page made stayed in
    the file (blob: and data: addresses of its own)."""
    with Browser(CHROMIUM, tmp_path / "profile", wrapper=offline()) as tab:
        state = check_the_playground(tab, (built / SINGLE_FILE).as_uri())
        urls = requested(tab)
    assert urls[0] == (built / SINGLE_FILE).as_uri()
    assert all_local(urls) == []
    assert not [url for url in urls if url.startswith("file:") and not url.endswith(SINGLE_FILE)]
    print(
        f"file://: Python ready {state['pythonReady']} ms, first picture {state['firstPicture']} ms"
    )


@pytest.mark.slow
@needs_packages
@needs_chromium
def test_the_folder_runs_served_on_127_0_0_1(built, tmp_path):
    """Served by a web server on this machine: the page reads assets/ and nothing else."""
    with serving(built, tmp_path) as (wrapper, base):
        with Browser(CHROMIUM, tmp_path / "profile", wrapper=wrapper) as tab:
            check_the_playground(tab, f"{base}/index.html")
            urls = requested(tab)
    assert all_local(urls) == []
    assert f"{base}/assets/pyodide.asm.wasm" in urls
