"""The step-by-step page in a real browser: Debian's headless chromium loads it, the keys, buttons,
slider and #step-N links move between frames, and nothing is reported on the console.

A copy of the page gets two extra scripts: one at the top that records every error, one at the
bottom that presses keys and writes what it saw into the page, which ``--dump-dom`` prints.
"""

from __future__ import annotations

import json
import re
import shutil
import struct

import pytest
from browsers import CHROMIUM, chromium

from microgradpp.examples import get_example
from microgradpp.steps import render_steps

pytestmark = [
    pytest.mark.slow,  # a browser per test: `pytest -m "not slow"` skips them
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed"),
]

RECORD_ERRORS = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push(Array.prototype.join.call(arguments, " "));
    original.apply(console, arguments);
  };
})();
</script>"""

DRIVE_THE_PAGE = """<script>
(function () {
  var seen = {};
  function current() {
    var frame = document.querySelector(".frame.current");
    return frame ? frame.id : null;
  }
  function press(key) {
    document.dispatchEvent(new KeyboardEvent("keydown", {key: key, bubbles: true}));
    return current();
  }
  seen.initial = current();
  seen.zoomed_at_start = document.querySelector(".frame.current figure").className;
  press("z");  // back to the fitted picture
  seen.right = press("ArrowRight");
  seen.left = press("ArrowLeft");
  seen.left_again = press("ArrowLeft");
  seen.home = press("Home");
  seen.left_at_start = press("ArrowLeft");
  seen.end = press("End");
  seen.right_at_end = press("ArrowRight");
  document.getElementById("prev").click();
  seen.prev_button = current();
  document.getElementById("next").click();
  seen.next_button = current();
  var slider = document.getElementById("slider");
  slider.value = "3";
  slider.dispatchEvent(new Event("input"));
  seen.slider = current();
  seen.address = location.hash;
  seen.visible = Array.prototype.filter.call(document.querySelectorAll(".frame"), function (f) {
    return getComputedStyle(f).display !== "none";
  }).map(function (f) { return f.id; });
  seen.picture_width = document.querySelector(".frame.current svg").getBoundingClientRect().width;
  location.hash = "#step-2";
  setTimeout(function () {
    seen.after_link = current();
    seen.position = document.getElementById("position").textContent;
    seen.zoom_key = press("z") && document.querySelector(".frame.current figure").className;
    slider.value = "10";
    slider.dispatchEvent(new Event("input"));
    var figure = document.querySelector(".frame.current figure");
    seen.zoomed_frame = current();
    seen.zoomed_scroll = figure.scrollLeft;
    seen.zoomed_overflows = figure.scrollWidth > figure.clientWidth;
    press("z");
    seen.fit_again = figure.className;
    seen.errors = window.__errors;
    var out = document.createElement("pre");
    out.id = "test-results";
    out.textContent = JSON.stringify(seen);
    document.body.appendChild(out);
  }, 200);
})();
</script>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
    folder = tmp_path_factory.mktemp("browser")
    # left to right, one long row (auto would turn the chain once): a page too wide to fit
    path = render_steps(
        get_example("sigmoid-neuron").build(), folder / "sigmoid-neuron.html", rankdir="LR"
    )
    return path


def test_keys_buttons_slider_and_links_step_through_the_page(page, tmp_path):
    html = page.read_text(encoding="utf-8")
    test_copy = page.with_name("driven.html")
    test_copy.write_text(
        html.replace("<head>", "<head>\n" + RECORD_ERRORS, 1).replace(
            "</body>", DRIVE_THE_PAGE + "\n</body>", 1
        ),
        encoding="utf-8",
    )
    finished = chromium(
        "--virtual-time-budget=5000",
        "--dump-dom",
        test_copy.as_uri() + "#step-5",
        user_data_dir=tmp_path / "profile",
    )
    match = re.search(r'<pre id="test-results">(.*?)</pre>', finished.stdout, flags=re.DOTALL)
    assert match, f"the page did not report; chromium said:\n{finished.stderr[-2000:]}"
    seen = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert seen["errors"] == []
    assert seen["initial"] == "step-5"  # the link page.html#step-5 opens step 5
    assert seen["zoomed_at_start"] == "picture zoomed"  # 800 px is too narrow to fit it readably
    assert (seen["right"], seen["left"], seen["left_again"]) == ("step-6", "step-5", "step-4")
    assert (seen["home"], seen["left_at_start"]) == ("forward-0", "forward-0")
    assert (seen["end"], seen["right_at_end"]) == ("step-8", "step-8")
    assert (seen["prev_button"], seen["next_button"]) == ("step-7", "step-8")
    assert seen["slider"] == "forward-3"
    assert seen["address"] == "#forward-3"  # the address follows, so it can be shared
    assert seen["visible"] == ["forward-3"]  # one frame on screen at a time
    assert seen["picture_width"] > 300
    assert seen["after_link"] == "step-2"
    assert seen["zoom_key"] == "picture zoomed" and seen["fit_again"] == "picture"
    assert seen["zoomed_frame"] == "step-1" and seen["zoomed_overflows"]
    assert seen["zoomed_scroll"] > 500  # step 1 is at the far right: the picture follows it
    assert seen["position"] == "12 / 18: Backward: step 2 of 8"
    console = [line for line in finished.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Uncaught" in line or "Error" in line], console


def test_screenshot_of_a_step(page, tmp_path):
    screenshot = tmp_path / "step-3.png"
    chromium(
        "--window-size=1400,800",
        "--hide-scrollbars",
        f"--screenshot={screenshot}",
        page.as_uri() + "#step-3",
        user_data_dir=tmp_path / "profile",
    )
    data = screenshot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 800)
    assert len(data) > 20_000  # a picture, not a blank page


def test_printing_gives_one_frame_per_page(page, tmp_path):
    pdf = tmp_path / "handout.pdf"
    chromium(
        f"--print-to-pdf={pdf}",
        "--no-pdf-header-footer",
        page.as_uri(),
        user_data_dir=tmp_path / "profile",
    )
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    frames = page.read_text(encoding="utf-8").count('<section class="frame"')
    # the sigmoid neuron is too wide for labels of 8 pt on one page: each frame prints in 2 pieces
    assert (pages, frames) == (36, 18)


CHECK_A_BAD_ADDRESS = """<script>
(function () {
  var seen = {errors: window.__errors};
  function current() {
    var frame = document.querySelector(".frame.current");
    return frame ? frame.id : null;
  }
  seen.initial = current();
  seen.visible = Array.prototype.filter.call(document.querySelectorAll(".frame"), function (f) {
    return getComputedStyle(f).display !== "none";
  }).length;
  document.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
  seen.after_key = current();
  document.getElementById("next").click();
  seen.after_button = current();
  var out = document.createElement("pre");
  out.id = "test-results";
  out.textContent = JSON.stringify(seen);
  document.body.appendChild(out);
})();
</script>"""


@pytest.mark.parametrize("fragment", ["#%", "#%E0%A4%A", "#step-999", "#%00", "#"])
def test_a_bad_address_is_ignored_and_the_controls_keep_working(page, tmp_path, fragment):
    html = page.read_text(encoding="utf-8")
    test_copy = page.with_name("bad-address.html")
    test_copy.write_text(
        html.replace("<head>", "<head>\n" + RECORD_ERRORS, 1).replace(
            "</body>", CHECK_A_BAD_ADDRESS + "\n</body>", 1
        ),
        encoding="utf-8",
    )
    finished = chromium(
        "--virtual-time-budget=3000",
        "--dump-dom",
        test_copy.as_uri() + fragment,
        user_data_dir=tmp_path / "profile",
    )
    match = re.search(r'<pre id="test-results">(.*?)</pre>', finished.stdout, flags=re.DOTALL)
    assert match, f"the page did not report; chromium said:\n{finished.stderr[-2000:]}"
    seen = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert seen["errors"] == []
    assert (seen["initial"], seen["visible"]) == ("forward-0", 1)  # the first frame, shown
    assert (seen["after_key"], seen["after_button"]) == ("forward-1", "forward-2")


PREDICT = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var seen = {};
  function frame() { return document.getElementById(document.body.dataset.frame); }
  function predict(text) {
    var input = frame().querySelector("input.prediction");
    input.value = text;
    input.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
    return frame().querySelector(".predict-message").textContent;
  }
  seen.first = [frame().id, frame().className];
  seen.asked = frame().querySelector(".predict label").textContent;
  seen.focused = document.activeElement === frame().querySelector("input.prediction");
  seen.caption_hidden = getComputedStyle(frame().querySelector(".caption")).display;
  seen.wrong = predict("0.53");
  seen.still = frame().className;
  seen.right = predict("\\u22120.53");
  seen.after = [frame().className, getComputedStyle(frame().querySelector(".caption")).display];
  document.getElementById("next").click();
  setTimeout(function () {  // the page reacts to the new frame once the click has been handled
    seen.next = [frame().id, frame().className];
    var out = document.createElement("pre"); out.id = "test-results";
    out.textContent = JSON.stringify(seen); document.body.appendChild(out);
  }, 50);
}, 200); });
</script>"""


def test_a_predicting_step_page_asks_before_it_shows(tmp_path):
    from microgradpp.steps import Steps

    page = Steps(get_example("sigmoid-neuron").build(), predict=True).html
    path = tmp_path / "predict.html"
    path.write_text(page.replace("</body>", PREDICT + "</body>", 1), encoding="utf-8")
    run = chromium(
        "--window-size=1920,1080", "--virtual-time-budget=5000", "--dump-dom",
        path.as_uri() + "#step-1", user_data_dir=tmp_path / "profile",
    )  # fmt: skip
    match = re.search(r'<pre id="test-results">(.*?)</pre>', run.stdout, flags=re.DOTALL)
    assert match, run.stderr[-2000:]
    seen = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert seen["first"] == ["step-1", "frame current predicting"]
    assert seen["asked"] == "∂f/∂d = " and seen["caption_hidden"] == "none"
    assert seen["wrong"].startswith("Not quite. The size is right but the sign is not")
    assert seen["still"] == "frame current predicting"
    assert seen["right"] == "Right. Here is the step."
    assert seen["after"] == ["frame current", "block"]
    assert seen["next"] == ["step-2", "frame current predicting"]  # ∂f/∂e is asked next
