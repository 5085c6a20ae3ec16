"""Printed in Chromium (print to PDF, A4): one page per student for every worksheet and key, in
every level and language, nothing cut off; equation numbers whole."""

from __future__ import annotations

import base64
import re
import shutil

import pytest
from browsers import CHROMIUM, Browser

from microgradpp.worksheets import write_worksheets

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed"),
    pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed"),
]

A4_CONTENT_WIDTH_PX = 718  # 210 mm − 2 × 10 mm margins at 96 px per inch


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF Chromium wrote (its page objects are plain '/Type /Page' dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def printed(tab: Browser, url: str) -> tuple[int, list[int]]:
    """(pages printed on A4, each sheet's overflow in px: what its one page would cut off)."""
    tab.open(url)
    tab.send("Emulation.setEmulatedMedia", session=True, media="print")
    tab.send(
        "Emulation.setDeviceMetricsOverride",
        width=A4_CONTENT_WIDTH_PX, height=1000, deviceScaleFactor=1, mobile=False, session=True,
    )  # fmt: skip
    overflow = tab.evaluate(
        "Array.from(document.querySelectorAll('.sheet')).map(s => s.scrollHeight - s.clientHeight)"
    )
    pdf = tab.send(
        "Page.printToPDF", session=True, paperWidth=8.27, paperHeight=11.69,
        preferCSSPageSize=True, printBackground=True,
    )["data"]  # fmt: skip
    return pdf_pages(base64.b64decode(pdf)), overflow


@pytest.mark.parametrize("lang", ["en", "zh-Hant", "zh-Hans"])
def test_every_sheet_and_key_prints_on_exactly_one_a4_page(tmp_path, lang):
    students = 4
    with Browser(CHROMIUM, tmp_path / "profile") as tab:
        for level, seed in ((1, 2026), (2, 2026), (3, 5)):  # seed 5: level 3 has a network
            out = tmp_path / f"level{level}"
            write_worksheets(out, students=students, seed=seed, level=level, lang=lang)
            if level == 3:
                assert "o1 = v1 × h1" in (out / "all-keys.html").read_text("utf-8")
            for name in ("all-sheets.html", "all-keys.html"):
                pages, overflow = printed(tab, (out / name).as_uri())
                assert (level, name, pages) == (level, name, students)
                assert overflow == [0] * students, (level, name)
        # numbering inside the equations' columns, not outside markers the columns clip
        style = tab.evaluate(
            "getComputedStyle(document.querySelector('.equations li'), '::before').content"
        )
        assert style == 'counter(equation) ". "'


def test_a_wide_step_page_prints_in_pieces_with_labels_of_at_least_8_pt(tmp_path):
    from microgradpp.examples import get_example
    from microgradpp.steps import render_steps

    wide = render_steps(get_example("sigmoid-neuron").build(), tmp_path / "neuron.html")
    small = render_steps(get_example("add-mul").build(), tmp_path / "add-mul.html")
    with Browser(CHROMIUM, tmp_path / "profile") as tab:
        for path, pieces in ((wide, 2), (small, 0)):
            tab.open(path.as_uri())
            tab.send("Emulation.setEmulatedMedia", session=True, media="print")
            seen = tab.evaluate("""(function () {
              var frames = document.querySelectorAll(".frame");
              var smallest = Math.min.apply(null, Array.prototype.map.call(
                document.querySelectorAll("figure svg text"),
                function (t) { return parseFloat(t.getAttribute("font-size")); }));
              return Array.prototype.map.call(frames, function (frame) {
                var shown = Array.prototype.filter.call(frame.querySelectorAll("svg"),
                  function (svg) { return svg.getBoundingClientRect().width > 0; });
                return [shown.length, Math.min.apply(null, shown.map(function (svg) {
                  // points: a label's font size × the picture's scale (px), 0.75 pt per px
                  return smallest * svg.getScreenCTM().a * 0.75;
                }))];
              });
            })()""")
            frames = len(seen)
            assert {count for count, _ in seen} == {max(pieces, 1)}, path.name
            if pieces:  # the whole picture would print at 3 pt; each piece at 8 pt or more
                assert min(points for _, points in seen) >= 8.0
                pdf = tab.send("Page.printToPDF", session=True, preferCSSPageSize=True)["data"]
                assert pdf_pages(base64.b64decode(pdf)) == frames * pieces
