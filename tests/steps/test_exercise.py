"""The exercise page: every gradient box an input, checked in the page (Chromium drives it)."""

from __future__ import annotations

import html
import json
import re
import shutil

import pytest
from browsers import CHROMIUM, Browser, chromium

from microgradpp.examples import get_example
from microgradpp.expr import evaluate
from microgradpp.steps.exercise import ExerciseError, exercise_html, exercise_page

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
browser = pytest.mark.slow  # a browser per test: `pytest -m "not slow"` skips them


def _data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="exercise-data">(.*?)</script>', html)
    assert match
    return json.loads(match.group(1))


@needs_dot
def test_the_questions_follow_backward_with_answers_judging_data_and_hints():
    data = _data(exercise_html(get_example("add-mul").build(), lang="en"))
    assert data["order"] == "backward"
    assert [(q["name"], q["shown"], q["answer"]) for q in data["questions"]] == [
        ("q", "−4", -4.0),
        ("z", "3", 3.0),
        ("x", "−4", -4.0),
        ("y", "−4", -4.0),
    ]
    assert data["half"] == pytest.approx(0.005)  # half the last shown digit
    q = data["questions"][0]["judging"]  # f = q × z: one wire into f, upstream 1 (the root)
    assert (q["exact"], q["rounded"], q["careful"]) == (-4.0, -4.0, -4.0)
    assert q["wires"] == [{"up": -1, "local": [-4.0, -4.0], "wrong": {"mul_own_value": [3.0, 3.0]}}]
    assert [m["id"] for m in q["mistakes"]] == ["mul_own_value", "upstream_only", "sign_flip"]
    assert data["questions"][0]["hint"] == (
        "f = q × z: a × gate swaps its inputs, so ∂f/∂q = z · ∂f/∂f."
    )
    assert data["messages"]["right"] == "Right: ∂f/∂{node} = {answer}."


@needs_dot
def test_rounded_numbers_are_judged_by_the_rounded_chain_with_chinese_hints():
    html = exercise_html(get_example("sigmoid-neuron").build(), lang="zh-Hans")
    data = _data(html)
    d = next(q for q in data["questions"] if q["name"] == "d")
    assert d["shown"] == "−0.53" and d["judging"]["careful"] == -0.53
    e = next(q for q in data["questions"] if q["name"] == "e")  # 1 × ∂f/∂d: the shown d counts
    assert e["judging"]["wires"][0]["up"] == data["questions"].index(d)
    assert d["hint"] == "f = 1/d：d/dx (1/x) = −1/x²，所以 ∂f/∂d = −1/d² · ∂f/∂f。"
    assert '<html lang="zh-Hans">' in html and "练习：手算反向传播，f" in html
    assert "相差 ±0.005 以内，或与用画面上四舍五入后的数字" in html


@needs_dot
def test_the_page_is_offline_and_safe_from_names_that_look_like_html(tmp_path):
    root = evaluate("x*y + exp(x)", {"x": 1.0, "y": 2.0})
    path = exercise_page(root, tmp_path / "e.html", title="</script><b>x</b>")
    html = path.read_text("utf-8")
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "<title>&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;</title>" in html
    assert "<script src" not in html and "<link" not in html


def test_bad_settings_are_one_clear_error():
    root = get_example("add-mul").build()
    with pytest.raises(ExerciseError, match="order must be 'backward' or 'any', got 'random'"):
        exercise_html(root, order="random")
    with pytest.raises(ExerciseError, match="digits must be a whole number from 0 to 6, got 9"):
        exercise_html(root, digits=9)
    from microgradpp import Value

    with pytest.raises(ExerciseError, match="at least one gate"):
        exercise_html(Value(2.0, label="x"))


DRIVE = """<script>
window.__errors = window.__errors || [];
window.addEventListener("load", function () {
  var seen = {};
  function input(name) {
    return Array.prototype.find.call(document.querySelectorAll("input.answer"), function (i) {
      return i.getAttribute("aria-label") === "\\u2202/\\u2202" + name;
    });
  }
  function answer(name, text) {
    var box = input(name);
    box.value = text;
    box.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
    return box.className;
  }
  function state() {
    return ["q", "z", "x", "y"].map(function (n) {
      var box = input(n);
      return n + ":" + (box.disabled ? "off" : "on") + ":" + box.className;
    }).join(" ");
  }
  function message() { return document.getElementById("message").textContent; }
  seen.start = state();
  seen.start_message = message();
  // Each input sits on its grey box in the picture.
  seen.on_boxes = ["q", "z", "x", "y"].every(function (n) {
    var box = input(n).getBoundingClientRect();
    var cells = Array.prototype.filter.call(document.querySelectorAll("g.node polygon"), function (p) {
      return p.getAttribute("fill") === "#e6e6e6";
    });
    return cells.some(function (c) {
      var r = c.getBoundingClientRect();
      return Math.abs(r.left - box.left) < 1.5 && Math.abs(r.top - box.top) < 1.5 &&
             Math.abs(r.width - box.width) < 1.5;
    });
  });
  seen.font_px = parseFloat(getComputedStyle(input("q")).fontSize);
  seen.wrong = answer("q", "3");
  seen.wrong_message = message();
  seen.show_visible = !document.getElementById("show").hidden;
  seen.right = answer("q", "\\u22124");
  seen.right_message = message();
  seen.after_q = state();
  answer("z", "1");
  document.getElementById("show").click();
  seen.revealed = input("z").value + " " + input("z").className;
  seen.revealed_message = message();
  seen.not_a_number = (answer("x", "minus four"), message());
  answer("x", "-4");
  answer("y", "-4.004");
  seen.done_message = message();
  seen.progress = document.getElementById("progress").textContent;
  document.getElementById("restart").click();
  seen.restarted = state();
  var order = document.getElementById("order");
  order.value = "any";
  order.dispatchEvent(new Event("change"));
  seen.any_order = state();
  seen.out_of_order = answer("y", "-4");
  document.getElementById("reveal").click();
  seen.reveal_all = state();
  seen.reveal_progress = document.getElementById("progress").textContent;
  document.dispatchEvent(new KeyboardEvent("keydown", {key: "p", bubbles: true}));
  seen.projector = document.body.className;
  seen.errors = window.__errors;
  var out = document.createElement("pre");
  out.id = "test-results";
  out.textContent = JSON.stringify(seen);
  document.body.appendChild(out);
});
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
</script>"""


def _drive(path, tmp_path, script: str, query: str = "") -> dict:
    html = path.read_text(encoding="utf-8")
    driven = path.with_name("driven.html")
    driven.write_text(html.replace("</body>", script + "\n</body>", 1), encoding="utf-8")
    finished = chromium(
        "--window-size=1920,1080",
        "--virtual-time-budget=5000",
        "--dump-dom",
        driven.as_uri() + query,
        user_data_dir=tmp_path / "profile",
    )
    match = re.search(r'<pre id="test-results">(.*?)</pre>', finished.stdout, flags=re.DOTALL)
    assert match, f"the page did not report; chromium said:\n{finished.stderr[-2000:]}"
    console = [line for line in finished.stderr.splitlines() if "CONSOLE" in line]
    assert not [line for line in console if "Uncaught" in line or "Error" in line], console
    return json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@needs_dot
@needs_chromium
@browser
def test_answers_are_checked_in_the_page_with_hints_answers_on_request_and_a_score(tmp_path):
    path = exercise_page(get_example("add-mul").build(), tmp_path / "add-mul.html", lang="en")
    seen = _drive(path, tmp_path, DRIVE)
    assert seen["errors"] == []
    # backward order: only ∂f/∂q is open at first
    assert seen["start"] == "q:on:answer current z:off:answer x:off:answer y:off:answer"
    assert seen["start_message"] == "Next: ∂f/∂q."
    assert seen["on_boxes"] and seen["font_px"] >= 16
    assert seen["wrong"] == "answer current wrong"
    assert seen["wrong_message"] == (  # 3 is q's own value: the mistake is named, then the rule
        "Not quite. A × gate swaps its inputs: ∂f/∂q is the other input (−4), not q's own value. "
        "Hint: f = q × z: a × gate swaps its inputs, so ∂f/∂q = z · ∂f/∂f."
    )
    assert seen["show_visible"]
    assert seen["right"] == "answer right"
    assert seen["right_message"] == "Right: ∂f/∂q = −4. Next: ∂f/∂z."
    assert seen["after_q"] == "q:on:answer right z:on:answer current x:off:answer y:off:answer"
    assert seen["revealed"] == "3 answer revealed"
    assert seen["revealed_message"] == "∂f/∂z = 3 (answer shown). Next: ∂f/∂x."
    assert seen["not_a_number"] == "Type a number, such as −0.5 or 1/2."
    assert seen["done_message"] == (
        "Done. Score: 2 of 4 right at the first try (hints: 2, answers shown: 1)."
    )  # q needed a hint, z was shown, x took a second try (text is not a try), y within ±0.005
    assert seen["progress"] == "4 of 4 done, 2 right at the first try"
    assert seen["restarted"] == "q:on:answer current z:off:answer x:off:answer y:off:answer"
    assert seen["any_order"] == "q:on:answer z:on:answer x:on:answer y:on:answer"
    assert seen["out_of_order"] == "answer right"
    assert seen["reveal_all"] == (
        "q:on:answer revealed z:on:answer revealed x:on:answer revealed y:on:answer right"
    )
    assert seen["reveal_progress"] == "4 of 4 done, 1 right at the first try"
    assert seen["projector"] == "exercise big"


@needs_dot
@needs_chromium
@browser
def test_the_address_can_ask_for_any_order_and_the_projector(tmp_path):
    path = exercise_page(get_example("add-mul").build(), tmp_path / "e.html", lang="zh-Hant")
    script = """<script>
window.addEventListener("load", function () {
  var out = document.createElement("pre");
  out.id = "test-results";
  out.textContent = JSON.stringify({
    order: document.getElementById("order").value,
    disabled: document.querySelectorAll("input.answer:disabled").length,
    body: document.body.className,
    message: document.getElementById("message").textContent
  });
  document.body.appendChild(out);
});
</script>"""
    seen = _drive(path, tmp_path, script, "?order=any&big")
    assert seen == {
        "order": "any",
        "disabled": 0,
        "body": "exercise big",
        "message": "下一個：∂f/∂q。",
    }


# -- inline in a notebook ------------------------------------------------------------------------


@needs_dot
def test_steps_and_exercise_show_inline_as_a_sandboxed_iframe(tmp_path):
    from microgradpp.steps import Exercise, Steps

    f = get_example("add-mul").build()
    steps = Steps(f)
    html = steps._repr_html_()
    assert re.match(r'<iframe id="microgradpp-\d+-\d+" srcdoc="&lt;!DOCTYPE html&gt;', html)
    assert 'sandbox="allow-scripts allow-forms"' in html and "height: 640px" in html
    assert "box-sizing: border-box; width: 100%" in html  # no sideways scrollbar in JupyterLab
    start = html.index(' srcdoc="') + len(' srcdoc="')
    assert '"' not in html[start : html.index('" style=')]  # one attribute
    assert "microgradppHeight" in html  # the page reports its height, the iframe follows it
    assert steps.save(tmp_path / "s.html").read_text("utf-8") == steps.html
    exercise = Exercise(f, lang="zh-Hant", height=500)
    assert "height: 500px" in exercise._repr_html_() and 'lang="zh-Hant"' in exercise.html
    with pytest.raises(ValueError, match="height must be a whole number of pixels"):
        Exercise(f, height=10)


@needs_dot
@needs_chromium
@browser
def test_the_inline_pages_run_their_scripts_inside_the_iframe(tmp_path):
    """A notebook shows the iframe; its page must work there (no same-origin rights)."""
    from microgradpp.steps import Exercise, Steps
    from microgradpp.steps.notebook import InlinePage

    report = """<script>window.addEventListener("load", function () {
      var current = document.querySelector(".frame.current");
      var inputs = document.querySelectorAll("input.answer");
      parent.postMessage(JSON.stringify({
        kind: current ? "steps" : "exercise",
        frame: current ? current.id : null,
        inputs: inputs.length,
        open: document.querySelectorAll("input.answer:not(:disabled)").length
      }), "*");
    });</script></body>"""
    f = get_example("add-mul").build()
    frames = [
        InlinePage(page.html.replace("</body>", report, 1), 400)._repr_html_()
        for page in (Steps(f), Exercise(f))
    ]
    notebook = tmp_path / "notebook.html"
    notebook.write_text(
        "<!DOCTYPE html><html><body>"
        + "".join(frames)
        + """
<script>var seen = [];
window.addEventListener("message", function (event) {
  if (typeof event.data !== "string") return;  // the pages' heights (the iframe follows them)
  seen.push(JSON.parse(event.data));
  if (seen.length === 2) {
    var out = document.createElement("pre"); out.id = "test-results";
    seen.sort(function (a, b) { return a.kind < b.kind ? -1 : 1; });
    out.textContent = JSON.stringify(seen); document.body.appendChild(out);
  }
});</script></body></html>""",
        encoding="utf-8",
    )
    finished = chromium(
        "--virtual-time-budget=8000",
        "--dump-dom",
        notebook.as_uri(),
        user_data_dir=tmp_path / "profile",
    )
    match = re.search(r'<pre id="test-results">(.*?)</pre>', finished.stdout, flags=re.DOTALL)
    assert match, f"the pages did not report; chromium said:\n{finished.stderr[-2000:]}"
    seen = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert seen == [
        {"kind": "exercise", "frame": None, "inputs": 4, "open": 1},
        {"kind": "steps", "frame": "forward-0", "inputs": 0, "open": 0},
    ]


@needs_dot
@needs_chromium
@browser
@pytest.mark.parametrize(
    "hidden, shown",
    [
        ('style="display: none; width: 700px"', 'style.display = "block"'),
        (  # JupyterLab skips drawing the cells out of view
            'style="content-visibility: hidden; contain-intrinsic-size: 700px 900px; width: 700px"',
            'style.contentVisibility = "visible"',
        ),
    ],
    ids=["display-none", "content-visibility"],
)
def test_inline_pages_loaded_in_a_hidden_iframe_fit_once_shown(tmp_path, hidden, shown):
    """A notebook may load an output's iframe before it is laid out (off screen or hidden): every
    size is 0 then. Once shown, a wide step page and exercise page must start at full size, with
    the answer boxes on their cells, as when loaded in view. Driven in real time: a virtual-time
    budget draws no frames, so nothing that waits for layout would ever run."""
    from microgradpp.steps import Exercise, Steps
    from microgradpp.steps.notebook import InlinePage

    report = """<script>window.addEventListener("message", function () {
      var current = document.querySelector(".frame.current");
      var misplaced = Array.prototype.filter.call(document.querySelectorAll("input.answer"),
        function (input) {
          var r = input.getBoundingClientRect();
          return !input.hidden && !(r.width > 10 && r.height > 10);
        }).length;
      parent.postMessage(JSON.stringify({
        kind: current ? "steps" : "exercise",
        zoomed: document.querySelector("figure").classList.contains("zoomed"),
        misplaced_inputs: misplaced
      }), "*");
    });</script></body>"""
    f = get_example("sigmoid-neuron").build()
    frames = [
        InlinePage(page.html.replace("</body>", report, 1), 400)._repr_html_()
        for page in (Steps(f), Exercise(f))
    ]
    notebook = tmp_path / "notebook.html"
    notebook.write_text(
        f'<!DOCTYPE html><html><body><div id="cells" {hidden}>'
        + "".join(frames)
        + """</div>
<script>var latest = {};
window.addEventListener("load", function () {
  setTimeout(function () {
    document.getElementById("cells").SHOWN;  // scrolled into view at last
    setInterval(function () {  // ask again and again: a loaded machine lays out late
      document.querySelectorAll("iframe").forEach(function (f) { f.contentWindow.postMessage("report", "*"); });
    }, 200);
  }, 300);
});
window.addEventListener("message", function (event) {
  var report = JSON.parse(event.data);
  latest[report.kind] = report;
});
function seen() { return JSON.stringify([latest.exercise || null, latest.steps || null]); }
</script></body></html>""".replace("SHOWN", shown),
        encoding="utf-8",
    )
    expected = [
        {"kind": "exercise", "zoomed": True, "misplaced_inputs": 0},
        {"kind": "steps", "zoomed": True, "misplaced_inputs": 0},
    ]
    with Browser(CHROMIUM, tmp_path / "profile") as tab:
        tab.open(notebook.as_uri())
        try:
            tab.wait_for(f"seen() === {json.dumps(json.dumps(expected, separators=(',', ':')))}")
        except TimeoutError:
            pass  # the assertion below shows what the pages said last
        assert json.loads(tab.evaluate("seen()")) == expected


@needs_dot
@needs_chromium
@browser
def test_a_wide_exercise_starts_scrolled_to_its_first_question(tmp_path):
    """sigmoid-neuron was wider than 1920 px at a readable size; its chain turned once, the page
    opens showing it whole: the first box to fill (∂f/∂d) on screen, no box cut in half."""
    path = exercise_page(get_example("sigmoid-neuron").build(), tmp_path / "neuron.html")
    script = """<script>window.addEventListener("load", function () { setTimeout(function () {
      var open = document.querySelector("input.answer:not(:disabled):not([readonly])");
      var r = open.getBoundingClientRect(), f = document.querySelector("figure").getBoundingClientRect();
      var out = document.createElement("pre"); out.id = "test-results";
      out.textContent = JSON.stringify({
        zoomed: document.querySelector("figure").classList.contains("zoomed"),
        on_screen: r.left >= 0 && r.right <= window.innerWidth && r.left >= f.left && r.right <= f.right,
        width: Math.round(r.width) > 20,
        no_box_cut: Array.prototype.every.call(document.querySelectorAll("g.node"), function (g) {
          var b = g.getBoundingClientRect();  // the window's left edge cuts no box in half
          return !(b.left < f.left - 0.5 && b.right > f.left + 0.5);
        }),
        keeps_its_width: (function () {  // focused, a box does not grow over its neighbours
          var before = open.getBoundingClientRect().width;
          open.focus();
          return open.getBoundingClientRect().width === before;
        })()
      });
      document.body.appendChild(out);
    }, 100); });</script>"""
    assert _drive(path, tmp_path, script) == {
        "zoomed": False,
        "on_screen": True,
        "width": True,
        "no_box_cut": True,
        "keeps_its_width": True,
    }


FADED = """<script>
window.addEventListener("load", function () {
  var seen = {};
  function input(name) {
    return Array.prototype.find.call(document.querySelectorAll("input.answer"), function (i) {
      return i.getAttribute("aria-label") === "\\u2202/\\u2202" + name;
    });
  }
  function wires() {
    return Array.prototype.map.call(document.querySelectorAll("#figure g.edge text"),
      function (t) { return t.textContent; }).join("|");
  }
  seen.worked = [input("q").value, input("q").className, input("q").readOnly];
  seen.focused = document.activeElement === input("z");
  seen.progress = document.getElementById("progress").textContent;
  seen.scrolled = document.getElementById("figure").scrollLeft;
  seen.wires_before = wires();
  var z = input("z");
  z.value = "\\uff13";  // a full-width 3, as a Chinese input method types it
  z.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
  seen.z = z.className;
  document.getElementById("reveal").click();
  seen.done = document.getElementById("message").textContent;
  seen.wires_after = wires();
  document.getElementById("restart").click();
  seen.wires_restarted = wires() === seen.wires_before;
  seen.worked_again = input("q").className;
  var out = document.createElement("pre");
  out.id = "test-results";
  out.textContent = JSON.stringify(seen);
  document.body.appendChild(out);
});
</script>"""


@needs_dot
@needs_chromium
@browser
def test_a_faded_example_works_the_first_steps_and_the_wires_fill_in_at_the_end(tmp_path):
    path = exercise_page(get_example("add-mul").build(), tmp_path / "f.html", lang="en", worked=1)
    seen = _drive(path, tmp_path, FADED)
    assert seen["worked"] == ["−4", "answer worked", True]  # ∂f/∂q, the root's own step, worked
    assert seen["focused"]  # typing goes to the first box asked, without a click
    assert seen["progress"] == "0 of 3 done, 0 right at the first try"
    assert seen["scrolled"] == 0
    assert "?" in seen["wires_before"]
    assert seen["z"] == "answer right"  # full-width digits read as the quiz reads them
    assert seen["done"].startswith("Done. Score: 1 of 3")
    assert seen["wires_after"] == "-4|-4|-4|3"  # the solved picture's wire labels
    assert seen["wires_restarted"] and seen["worked_again"] == "answer worked"


def test_worked_is_checked_before_any_work():
    root = get_example("add-mul").build()
    with pytest.raises(ExerciseError, match="worked must be a whole number of steps, 0 or more"):
        exercise_html(root, worked=-1)
    with pytest.raises(ExerciseError, match="worked=4 would leave nothing to do: this graph has 4"):
        exercise_html(root, worked=4)


@needs_dot
def test_hints_for_a_typed_expression_keep_its_parentheses():
    data = _data(exercise_html(evaluate("(x+y)*z", {"x": -2.0, "y": 5.0, "z": -4.0}), lang="en"))
    hints = {q["name"]: q["hint"] for q in data["questions"]}
    assert hints["(x+y)"] == "f = (x+y) × z: a × gate swaps its inputs, so ∂f/∂(x+y) = z · ∂f/∂f."
    assert hints["z"] == "f = (x+y) × z: a × gate swaps its inputs, so ∂f/∂z = (x+y) · ∂f/∂f."


@needs_dot
@needs_chromium
@browser
def test_an_inline_page_grows_its_iframe_to_show_it_whole(tmp_path):
    """In real time (the page reports its height as it is laid out: ResizeObserver, which a
    --dump-dom run never calls), the notebook's iframe grows from 300 px to the whole page."""
    from browsers import Browser

    from microgradpp.steps import Exercise

    inline = Exercise(get_example("sigmoid-neuron").build(), height=300)._repr_html_()
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!DOCTYPE html><html><body>" + inline + "</body></html>", "utf-8")
    with Browser(CHROMIUM, tmp_path / "profile") as tab:
        tab.open(notebook.as_uri())
        height = tab.wait_for(
            "(function () { var h = parseFloat(document.querySelector('iframe').style.height);"
            " return h > 600 ? h : 0; })()",
            timeout=20,
        )
    assert 600 < height < 5000  # grew from 300 to the page's own height


@needs_dot
@needs_chromium
@browser
def test_projector_mode_enlarges_the_exercise_pages_words_and_buttons(tmp_path):
    from browsers import Browser

    path = exercise_page(get_example("add-mul").build(), tmp_path / "e.html")
    parts = ["header h1", "nav.controls button", "nav.controls label", "nav.controls select",
             "#progress", ".instructions", ".feedback", ".note"]  # fmt: skip
    sizes = {}
    with Browser(CHROMIUM, tmp_path / "profile") as tab:
        for query in ("", "?big"):
            tab.open(path.as_uri() + query)
            sizes[query] = tab.evaluate(
                f"{json.dumps(parts)}.map(function (s) {{"
                "return parseFloat(getComputedStyle(document.querySelector(s)).fontSize); })"
            )
    grown = [part for part, small, big in zip(parts, sizes[""], sizes["?big"]) if big > small]
    assert grown == parts and min(sizes["?big"]) >= 20


def test_impossible_settings_are_said_in_chinese():
    from microgradpp import Value
    from microgradpp.i18n import translated

    x = Value(2.0, label="x")
    f = x * x
    cases = [
        (lambda: exercise_html(x), "練習需要至少有一個閘的計算圖；這是一個葉節點"),
        (lambda: exercise_html(f, order="forward"), "order 必須是 'backward' 或 'any'，收到的是 'forward'"),
        (lambda: exercise_html(f, digits=9), "digits 必須是 0 到 6 之間的整數，收到的是 9"),
        (lambda: exercise_html(f, worked=-1), "worked 必須是 0 或更大的整數（步數），收到的是 -1"),
        (lambda: exercise_html(f, worked=5),
         "worked=5 會讓學生沒有東西可做：這張計算圖要找 1 個梯度，所以最多只能示範 0 個"),
    ]  # fmt: skip
    for make, hant in cases:
        with pytest.raises(ExerciseError) as caught:
            make()
        assert translated(caught.value, "zh-Hant") == hant
        assert translated(caught.value, "en") == str(caught.value)
    assert translated(caught.value, "zh-Hans") == (
        "worked=5 会让学生没有东西可做：这张计算图要找 1 个梯度，所以最多只能示范 0 个"
    )


@needs_dot
def test_the_pictures_tooltips_name_each_box_and_give_no_answer_away():
    """Hovering over a box shows what it is (not its DOT name 'v3'), and '?' for a gradient
    the student is asked for; the solved picture the wires are copied from is not shown."""
    page = exercise_html(get_example("add-mul").build(), lang="zh-Hant")
    shown = page[: page.index('id="solved"')]
    found = re.findall(r'<title>([vg]\d+)</title>\s*<g id="[^"]*"><a xlink:title="([^"]*)"', shown)
    assert {title: html.unescape(tip) for title, tip in found} == {
        "v0": "x\n值 -2\n梯度 ?",
        "v1": "y\n值 5\n梯度 ?",
        "g2": "+ 閘：q = x + y",
        "v2": "q\n值 3\n梯度 ?",
        "v3": "z\n值 -4\n梯度 ?",
        "g4": "× 閘：f = q × z",
        "v4": "f\n值 -12\n梯度 1",
    }
