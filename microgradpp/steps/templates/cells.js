// A page's answer inputs, shared by the exercise page (exercise.js) and the graded page
// (graded.js): a gradient box's grey cell in Graphviz's SVG, its input, laid exactly over it.
var MicrogradppCells = (function () {
  "use strict";
  // The grey gradient cell of a box: the box's SVG group is titled with its DOT name ('v3'), the
  // cell is its polygon filled with `unknownFill` (null when the picture has no such cell).
  function cellOf(svg, box, unknownFill) {
    var groups = svg.querySelectorAll("g.node");
    for (var i = 0; i < groups.length; i++) {
      var title = groups[i].querySelector("title");
      if (title === null || title.textContent !== box) continue;
      var shapes = groups[i].querySelectorAll("polygon");
      for (var j = 0; j < shapes.length; j++) {
        if ((shapes[j].getAttribute("fill") || "").toLowerCase() === unknownFill) return shapes[j];
      }
    }
    return null;
  }
  // The text input for box's gradient (a decimal keyboard on phones, no autofill), named for
  // screen readers by `label` (∂f/∂x); the caller appends it to the picture's figure.
  function answerInput(box, label) {
    var input = document.createElement("input");
    input.type = "text";
    input.inputMode = "decimal";
    input.autocomplete = "off";
    input.className = "answer";
    input.dataset.box = box;
    input.setAttribute("aria-label", label);
    return input;
  }
  // Put an input exactly over its cell (hidden if there is none). `figure` is the scrolling
  // element both are drawn in, `frame` its getBoundingClientRect(), read once by the caller.
  function cover(input, cell, figure, frame) {
    if (cell === null) { input.hidden = true; return; }
    var r = cell.getBoundingClientRect();
    var style = input.style;
    style.left = (r.left - frame.left + figure.scrollLeft) + "px";
    style.top = (r.top - frame.top + figure.scrollTop) + "px";
    style.width = r.width + "px";
    style.height = r.height + "px";
    style.fontSize = Math.max(12, r.height * 0.62) + "px";
  }
  return {cellOf: cellOf, answerInput: answerInput, cover: cover};
})();
