"""Which ``dot`` draws (microgradpp.viz.dot): the system's Graphviz, else the graphviz-pure that
``pip install microgradpp[viz]`` brings, else none; and the two draw the same pictures."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import types
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from microgradpp import Value
from microgradpp.engine import topological_order
from microgradpp.examples import EXAMPLES, get_example
from microgradpp.steps.exercise import exercise_html
from microgradpp.steps.page import _any_frames, frame_pictures
from microgradpp.viz import GraphvizNotFoundError, render, to_svg
from microgradpp.viz import dot as dot_module
from microgradpp.viz.dot import find_dot, have_dot, split_graphs

pytest.importorskip("graphviz", reason="the graphviz Python package is not installed")
SYSTEM = shutil.which("dot")
BUNDLED = dot_module._bundled_program()
needs_both = pytest.mark.skipif(
    SYSTEM is None or BUNDLED is None,
    reason="needs the system's dot and the bundled graphviz-pure (pip install microgradpp[viz])",
)
needs_bundled = pytest.mark.skipif(BUNDLED is None, reason="graphviz-pure is not installed")

POSITION_TOLERANCE = 0.06
"""How far a box's centre may move between the two programs, as a share of the picture's width
or height (measured: 0.005 or less for the worked examples, 0.047 for xor's 40 boxes, where the
two order one rank's boxes differently)."""
SIZE_TOLERANCE = 0.05
"""How much the two pictures' widths and heights may differ, as a share (measured: ≤ 2.8 %)."""

SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Drawn:
    """What a picture shows: its size, and each node's and edge's texts and bounding box."""

    width: float
    height: float
    nodes: dict[str, tuple[tuple[str, ...], tuple[float, float, float, float]]]
    edges: dict[str, tuple[str, ...]]


def _numbers(text: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", text)]


def drawn(svg: str | bytes) -> Drawn:
    """Read a Graphviz SVG: every ``<g class="node|edge">`` by its title."""
    root = ET.fromstring(svg.encode("utf-8") if isinstance(svg, str) else svg)
    _, _, width, height = _numbers(root.get("viewBox", ""))
    nodes, edges = {}, {}
    for group in root.iter(f"{SVG}g"):
        kind = group.get("class")
        if kind not in ("node", "edge"):
            continue
        title = group.findtext(f"{SVG}title", "")
        texts = tuple(" ".join("".join(t.itertext()).split()) for t in group.iter(f"{SVG}text"))
        if kind == "edge":
            edges[title] = texts
            continue
        xs, ys = [], []
        for shape in group.iter():
            if shape.tag == f"{SVG}polygon":
                points = _numbers(shape.get("points", ""))
                xs += points[0::2]
                ys += points[1::2]
            elif shape.tag == f"{SVG}ellipse":
                cx, cy, rx, ry = (float(shape.get(k, "0")) for k in ("cx", "cy", "rx", "ry"))
                xs += [cx - rx, cx + rx]
                ys += [cy - ry, cy + ry]
        nodes[title] = (texts, (min(xs), min(ys), max(xs), max(ys)))
    return Drawn(width, height, nodes, edges)


def assert_same_picture(system_svg: str | bytes, bundled_svg: str | bytes) -> None:
    """Same nodes, edges and texts; sizes within SIZE_TOLERANCE; every node's centre within
    POSITION_TOLERANCE of the picture's size."""
    a, b = drawn(system_svg), drawn(bundled_svg)
    assert a.nodes.keys() == b.nodes.keys()
    assert a.edges == b.edges  # same wires, same labels on them
    for title, (texts, _) in a.nodes.items():
        assert b.nodes[title][0] == texts, title
    assert abs(b.width / a.width - 1) <= SIZE_TOLERANCE, (a.width, b.width)
    assert abs(b.height / a.height - 1) <= SIZE_TOLERANCE, (a.height, b.height)
    for title, (_, (x0, y0, x1, y1)) in a.nodes.items():
        u0, v0, u1, v1 = b.nodes[title][1]
        dx = abs((x0 + x1) / 2 / a.width - (u0 + u1) / 2 / b.width)
        dy = abs((y0 + y1) / 2 / a.height - (v0 + v1) / 2 / b.height)
        assert max(dx, dy) <= POSITION_TOLERANCE, (title, dx, dy)


def both_ways(monkeypatch: pytest.MonkeyPatch, draw, *args, **options) -> tuple:
    """What ``draw(*args, **options)`` returns with the system's dot, then with the bundled one."""
    results = []
    for choice in ("system", "bundled"):
        monkeypatch.setenv("MICROGRADPP_DOT", choice)
        assert find_dot()[1] == choice
        results.append(draw(*args, **options))
    return tuple(results)


def chinese_graph() -> Value:
    """A graph whose names are Chinese (a teacher's own labels)."""
    weight, given = Value(2.0, label="權重甲"), Value(-3.0, label="輸入乙")
    product = weight * given
    product.label = "乘積"
    out = product + weight
    out.label = "輸出值"
    out.backward()
    return out


# ------------------------------------------------------------------------------------------------
# The order: system, bundled, none
# ------------------------------------------------------------------------------------------------


def test_the_system_dot_comes_first_then_the_bundled_one(monkeypatch, tmp_path):
    monkeypatch.delenv("MICROGRADPP_DOT", raising=False)
    if SYSTEM is not None:
        assert find_dot() == (SYSTEM, "system")
    monkeypatch.setenv("PATH", str(tmp_path))  # no system dot on PATH
    if BUNDLED is not None:  # found beside this Python even with PATH empty
        assert find_dot() == (BUNDLED, "bundled")
        assert have_dot()
    monkeypatch.setattr(dot_module, "_bundled_program", lambda: None)
    assert find_dot() is None and not have_dot()
    with pytest.raises(GraphvizNotFoundError, match=r"pip install 'microgradpp\[viz\]'"):
        to_svg(Value(1.0) + 2.0)


def test_microgradpp_dot_chooses_one_and_refuses_other_words(monkeypatch, tmp_path):
    monkeypatch.setenv("MICROGRADPP_DOT", "none")
    assert find_dot() is None
    f = Value(1.0) * 3.0
    with pytest.raises(GraphvizNotFoundError, match="winget install graphviz"):
        render(f, tmp_path / "f.svg")
    assert not (tmp_path / "f.svg").exists()
    assert render(f, tmp_path / "f.dot").read_text(encoding="utf-8").startswith("digraph")
    for word in ("graphviz", "pure", "yes"):
        monkeypatch.setenv("MICROGRADPP_DOT", word)
        with pytest.raises(
            GraphvizNotFoundError, match=f"MICROGRADPP_DOT='{word}' is not one of system, bundled"
        ):
            find_dot()
        assert not have_dot()


@needs_bundled
def test_the_bundled_dot_refuses_pdf_and_chinese_png_with_the_way_out(monkeypatch, tmp_path):
    monkeypatch.setenv("MICROGRADPP_DOT", "bundled")
    f = get_example("add-mul").run()
    with pytest.raises(GraphvizNotFoundError, match="PDF needs Graphviz's own dot") as info:
        render(f, tmp_path / "f.pdf")
    assert "brew install graphviz" in str(info.value)
    for lang in ("zh-Hant", "zh-Hans"):
        with pytest.raises(GraphvizNotFoundError, match="a PNG with Chinese text needs") as info:
            render(f, tmp_path / "f.png", mode="backward", lang=lang)
        assert "Write .svg instead" in str(info.value)
    assert not (tmp_path / "f.pdf").exists() and not (tmp_path / "f.png").exists()
    png = render(f, tmp_path / "f.png", mode="backward", lang="en").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    svg = render(f, tmp_path / "z.svg", mode="backward", lang="zh-Hant")
    assert "上游梯度" in svg.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------------------
# The two draw the same pictures
# ------------------------------------------------------------------------------------------------


@needs_both
@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_worked_example_and_mode_is_the_same_picture_with_either_dot(name, monkeypatch):
    root = get_example(name).run()
    for mode in ("forward", "backward", "both"):
        for lang in ("en", "zh-Hant", "zh-Hans"):
            system, bundled = both_ways(monkeypatch, to_svg, root, mode=mode, lang=lang)
            assert_same_picture(system, bundled)


@needs_both
@pytest.mark.parametrize("collapse", ["neuron", "layer"])
def test_collapsed_pictures_are_the_same_with_either_dot(collapse, monkeypatch):
    root = get_example("xor").run()
    system, bundled = both_ways(
        monkeypatch, to_svg, root, mode="both", collapse=collapse, lang="zh-Hant"
    )
    assert_same_picture(system, bundled)


@needs_both
@pytest.mark.parametrize("name", ["add-mul", "sigmoid-neuron"])
def test_step_page_frames_and_the_exercise_are_the_same_with_either_dot(name, monkeypatch):
    """A step page is many graphs in one dot run: the bundled one draws one SVG for each."""
    root = get_example(name).run()
    for lang in ("en", "zh-Hant"):
        frames = _any_frames(root, topological_order(root), 4, lang, "none", "LR")
        system, bundled = both_ways(monkeypatch, frame_pictures, frames)
        assert len(system) == len(bundled) == len(frames)
        for one, other in zip(system, bundled, strict=True):
            assert_same_picture(one, other)
        pages = both_ways(monkeypatch, exercise_html, root, lang=lang)
        svgs = [page[page.index("<svg") : page.index("</svg>") + 6] for page in pages]
        assert_same_picture(*svgs)


@needs_both
def test_chinese_names_fit_their_boxes_with_the_bundled_dot(monkeypatch):
    """graphviz-pure counts a Chinese character as a space; the name cell's least width makes
    the box as wide as the system's Graphviz, which measures the font, draws it."""
    root = chinese_graph()
    for mode in ("forward", "backward", "both"):
        system, bundled = both_ways(monkeypatch, to_svg, root, mode=mode, lang="zh-Hant")
        assert_same_picture(system, bundled)
        a, b = drawn(system), drawn(bundled)
        for title, (texts, (x0, _, x1, _)) in a.nodes.items():
            if any(name in texts for name in ("權重甲", "輸入乙", "乘積", "輸出值")):
                u0, _, u1, _ = b.nodes[title][1]
                assert u1 - u0 >= 0.95 * (x1 - x0), (texts, x1 - x0, u1 - u0)


# ------------------------------------------------------------------------------------------------
# In a browser: the page's Graphviz (WebAssembly), one graph per call
# ------------------------------------------------------------------------------------------------


def test_split_graphs_gives_each_graph_of_a_page_its_own_text():
    one = "digraph {\n  a -> b\n}\n"
    two = 'digraph "x" {\n  label="digraph in a label"\n}\n'
    assert split_graphs(one + two) == [one, two]
    assert split_graphs(one) == [one]
    assert split_graphs("") == [""]


@pytest.fixture
def browser_dot(monkeypatch):
    """Python as in Pyodide: sys.platform 'emscripten' and a ``js`` module whose
    microgradppDot draws one graph (here with the system's dot), counting its calls."""
    calls = []

    def layout(source: str, format: str) -> str:
        calls.append(source)
        assert source.count("digraph") == 1, "the browser's Graphviz draws one graph per call"
        done = subprocess.run(
            [SYSTEM or BUNDLED, f"-T{format}"], input=source.encode(), capture_output=True
        )
        return done.stdout.decode("utf-8")

    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setitem(sys.modules, "js", types.SimpleNamespace(microgradppDot=layout))
    return calls


@pytest.mark.skipif(SYSTEM is None and BUNDLED is None, reason="no dot program")
def test_in_a_browser_the_pages_graphviz_draws_one_frame_per_call(browser_dot):
    assert find_dot() == ("microgradppDot", "browser") and have_dot()
    root = get_example("add-mul").run()
    frames = _any_frames(root, topological_order(root), 4, "en", "none", "LR")
    pictures = frame_pictures(frames)
    assert len(pictures) == len(browser_dot) == len(frames) == 6
    assert all(picture.startswith("<?xml") and "</svg>" in picture for picture in pictures)
    with pytest.raises(GraphvizNotFoundError, match="in the browser pictures are SVG"):
        render(root, "/tmp/never-written.png")
    assert len(browser_dot) == 6  # refused before Graphviz was asked


def test_in_a_browser_without_the_pages_graphviz_there_is_no_dot(monkeypatch):
    monkeypatch.setattr(sys, "platform", "emscripten")
    monkeypatch.setitem(sys.modules, "js", types.SimpleNamespace())
    assert find_dot() is None and not have_dot()
    with pytest.raises(GraphvizNotFoundError, match="Graphviz's `dot` program is not installed"):
        to_svg(Value(1.0) + 1.0)


# Labels are drawn as written: no Graphviz escape sequence is expanded
# ------------------------------------------------------------------------------------------------

ESCAPES = ["\\Gamma", "\\N_y", "\\T", "\\E", "\\H", "\\L", "\\l", "\\r", "\\n", "tail\\"]
"""Names Graphviz would expand (\\G the graph's name, \\N the node's, \\E the edge's, …) or take
as a line break (\\l \\r \\n), and a backslash at the end."""


def escape_graph() -> Value:
    """A graph whose every name is one of ESCAPES (the root's, shown in the legend too)."""
    a, b, c, d = (Value(v, label=name) for v, name in zip((2.0, -3.0, 0.5, 4.0), ESCAPES))
    nodes = [a * b, None, None, None, None, None]
    nodes[1] = nodes[0] + c
    nodes[2] = nodes[1].tanh()
    nodes[3] = nodes[2] * d
    nodes[4] = nodes[3].exp()
    nodes[5] = nodes[4] + a
    for node, name in zip(nodes, ESCAPES[4:]):
        node.label = name
    nodes[5].backward()
    return nodes[5]


def svg_texts(svg: str | bytes) -> list[str]:
    """Every text an SVG draws, as it reads (entities decoded)."""
    root = ET.fromstring(svg.encode("utf-8") if isinstance(svg, str) else svg)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def assert_drawn_as_written(texts: list[str], names: list[str]) -> None:
    joined = "\n".join(texts)
    assert "computational_graph" not in joined and "picture-" not in joined
    for name in names:
        assert any(name in text.split() or text == name for text in texts), (name, texts)
    assert "\\\\" not in joined  # a doubled backslash means the escape showed through


@pytest.mark.parametrize("choice", ["system", "bundled"])
def test_every_label_caption_and_title_reaches_dot_literally(choice, monkeypatch) -> None:
    """Pictures in each mode, collapsed pictures, step-page frames, the exercise page and the
    worksheets: each name in ESCAPES is drawn exactly (it was 'computational_graphamma', 'v3')."""
    if (SYSTEM if choice == "system" else BUNDLED) is None:
        pytest.skip(f"the {choice} dot is not installed")
    monkeypatch.setenv("MICROGRADPP_DOT", choice)
    from microgradpp.nn import MLP
    from microgradpp.practice import make_problem
    from microgradpp.worksheets import worksheet_svg

    root = escape_graph()
    for mode in ("forward", "backward", "both"):
        texts = svg_texts(to_svg(root, mode=mode))
        assert_drawn_as_written(texts, ESCAPES)
        if mode != "forward":  # the legend under the picture names f
            assert any("∂tail\\/∂name" in text for text in texts), texts
    frames = _any_frames(root, topological_order(root), 4, "en", "none", "LR")
    for picture in frame_pictures(frames):
        assert_drawn_as_written(svg_texts(picture), ESCAPES)
    page = exercise_html(root)
    assert_drawn_as_written(svg_texts(page[page.index("<svg") : page.index("</svg>") + 6]), ESCAPES)
    model = MLP(2, [2, 1], seed=0)
    x = [Value(1.0, label="\\G0"), Value(-1.0, label="\\N1")]
    out = model(x)
    out.backward()
    for collapse in ("neuron", "layer"):
        assert_drawn_as_written(svg_texts(to_svg(out, collapse=collapse)), ["\\G0", "\\N1"])
    problem = make_problem(1, seed=3)
    names = ESCAPES[: len(problem.order)]
    for node, name in zip(problem.order, names):
        if node.label:
            node.label = name
    drawn_names = [node.label for node in problem.order if node.label]
    for answers in (False, True):
        assert_drawn_as_written(svg_texts(worksheet_svg(problem, answers)), drawn_names)


def test_escape_doubles_backslashes_and_keeps_entities_line_breaks_and_unicode() -> None:
    assert dot_module.escape("\\Gamma <x> & 'y'\n∂f/∂x\\") == (
        "\\\\Gamma &lt;x&gt; &amp; &#x27;y&#x27;<BR/>∂f/∂x\\\\"
    )
    assert dot_module.escape("a\x07b") == "a\\\\x07b"  # a control character, drawn as \x07


# ------------------------------------------------------------------------------------------------
# In the class's language
# ------------------------------------------------------------------------------------------------


def test_no_dot_and_a_wrong_choice_are_said_in_chinese(monkeypatch, tmp_path):
    from microgradpp.i18n import set_language, translated

    monkeypatch.setenv("MICROGRADPP_DOT", "none")
    with pytest.raises(GraphvizNotFoundError) as caught:
        render(Value(1.0) * 3.0, tmp_path / "f.svg")
    assert translated(caught.value, "en") == str(caught.value) == dot_module.INSTALL_HELP
    assert translated(caught.value, "zh-Hant") == (
        "沒有安裝 Graphviz 的 `dot` 程式（或它不在 PATH 上）。`pip install 'microgradpp[viz]'` 會在 "
        "Windows、macOS 和 Linux（x86-64 與 ARM）上裝好一個（graphviz-pure），不需要系統管理員權限。"
        "或者安裝 Graphviz 本身：\n"
        "  Debian/Ubuntu:  sudo apt-get install graphviz\n"
        "  Fedora:         sudo dnf install graphviz\n"
        "  macOS:          brew install graphviz\n"
        "  Windows:        winget install graphviz（或：choco install graphviz），然後開一個新的終端機視窗\n"
        "  conda:          conda install -c conda-forge graphviz\n"
        "只寫出 DOT 原始碼則什麼都不需要：render(f, 'graph.dot')。"
    )
    assert "然后打开一个新的终端窗口" in translated(caught.value, "zh-Hans")
    set_language("zh-Hant")  # a Chinese notebook: what Jupyter shows instead of the picture
    shown = dot_module.picture_class()()._repr_mimebundle_()["text/plain"]
    assert shown.startswith("沒有圖：沒有安裝 Graphviz 的 `dot` 程式（或它不在 PATH 上）。")
    assert "\n\nDOT 原始碼：\ndigraph {" in shown
    monkeypatch.setenv("MICROGRADPP_DOT", "pure")
    with pytest.raises(GraphvizNotFoundError) as caught:
        find_dot()
    assert translated(caught.value, "zh-Hant") == (
        "MICROGRADPP_DOT='pure' 不是 system、bundled、none 之一"
        "（不設定時：先用系統的 dot，沒有的話用隨附的那一個）"
    )


def test_a_bundled_dots_refusal_is_said_in_chinese(monkeypatch):

    monkeypatch.setattr(dot_module, "find_dot", lambda: ("graphviz-pure", "bundled"))
    refusal = dot_module.cannot_draw("png", "梯度")
    assert refusal is not None and refusal.reason("zh-Hant").startswith(
        "含中文的 PNG 需要 Graphviz 自己的 dot：pip 隨附的 graphviz-pure 的字型沒有中文字"
        "（會顯示成空白方框）。請改寫 .svg（文字由瀏覽器來畫），或安裝 Graphviz：\n  Debian/Ubuntu:"
    )
    refusal = dot_module.cannot_draw("pdf")
    assert refusal is not None and str(refusal).startswith(
        "PDF needs Graphviz's own dot: the graphviz-pure that came with pip draws svg, png only."
    )
    assert refusal.reason("zh-Hans").startswith(
        "PDF 需要 Graphviz 自己的 dot：pip 附带的 graphviz-pure 只能画 svg、png。请改写 .svg（或 .png）"
    )
