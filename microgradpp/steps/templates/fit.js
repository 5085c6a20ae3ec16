// How a page sizes its picture, shared by the step page (stepper.js) and the exercise page
// (exercise.js): the picture's own size, when it is too small to read fitted, projector mode
// (key p, or ?big in the address), and waiting until the page has been laid out.
var MicrogradppFit = (function () {
  "use strict";
  // Graphviz draws text at 13 to 16 pt. Fitted to the room, a large graph would shrink it below
  // 16 px (13 pt × 4/3 × 0.93): such a picture is shown at full size instead ("zoomed").
  var READABLE = 0.93;
  var BIG = 1.35;  // projector mode: a zoomed picture this many times its own size
  var PIXELS_PER_POINT = 4 / 3;  // Graphviz's viewBox is in points; a point is 4/3 of a pixel

  // The picture's own size in pixels (null before Graphviz's SVG has a viewBox).
  function ownSize(svg) {
    var viewBox = svg && svg.viewBox.baseVal;
    if (!viewBox || !viewBox.width) return null;
    return {width: viewBox.width * PIXELS_PER_POINT, height: viewBox.height * PIXELS_PER_POINT};
  }
  function isBig() { return document.body.classList.contains("big"); }
  function toggleBig() { document.body.classList.toggle("big"); }
  function bigFromAddress() {
    if (/[?&]big\b/.test(location.search)) document.body.classList.add("big");
  }
  // Call decide() once, as soon as hasRoom() is true: a notebook may load the page in an iframe
  // that is not laid out yet (off screen or hidden), where every size is 0 until it is shown.
  // onResize(), if given, runs whenever the observed element changes size.
  function whenLaidOut(hasRoom, observed, decide, onResize) {
    var decided = false;
    function check() {
      if (decided || !hasRoom()) return;
      decided = true;
      decide();
    }
    check();
    if (window.ResizeObserver && (onResize || !decided)) {
      // (On the next frame: resizing inside the observer's callback would notify it again.)
      new ResizeObserver(function () {
        requestAnimationFrame(function () { check(); if (onResize) onResize(); });
      }).observe(observed);
    }
  }
  return {
    READABLE: READABLE,
    BIG: BIG,
    ownSize: ownSize,
    isBig: isBig,
    toggleBig: toggleBig,
    bigFromAddress: bigFromAddress,
    whenLaidOut: whenLaidOut
  };
})();
