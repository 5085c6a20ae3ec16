(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll(".frame"));
  var slider = document.getElementById("slider");
  var position = document.getElementById("position");
  var prev = document.getElementById("prev"), next = document.getElementById("next");
  var play = document.getElementById("play"), first = document.getElementById("first");
  var zoomButton = document.getElementById("zoom");
  var current = -1, timer = null, zoomed = false;

  function show(index, updateAddress) {
    index = Math.max(0, Math.min(frames.length - 1, index));
    if (current >= 0) frames[current].classList.remove("current");
    frames[index].classList.add("current");
    current = index;
    slider.value = String(index);
    position.textContent = (index + 1) + " / " + frames.length + ": " + frames[index].dataset.title;
    prev.disabled = first.disabled = index === 0;
    next.disabled = index === frames.length - 1;
    if (updateAddress && location.hash !== "#" + frames[index].id) {
      try { history.replaceState(null, "", "#" + frames[index].id); }
      catch (error) { location.hash = frames[index].id; }
    }
    document.body.dataset.frame = frames[index].id;
    if (zoomed) follow();
  }
  // At full size, scroll so that this step's boxes are in view, sideways (the picture) and up or
  // down (the page): a tall graph's step may be below the screen.
  function follow() {
    var figure = frames[current].querySelector("figure");
    var names = frames[current].dataset.lit.split(" ");  // the step's boxes, by DOT name
    var lit = Array.prototype.filter.call(frames[current].querySelectorAll("g.node"), function (g) {
      var title = g.querySelector("title");
      return title !== null && names.indexOf(title.textContent) >= 0;
    });
    if (!lit.length) return;
    var left = Infinity, right = -Infinity, top = Infinity, bottom = -Infinity;
    var box = figure.getBoundingClientRect();
    Array.prototype.forEach.call(lit, function (node) {
      var r = node.getBoundingClientRect();
      left = Math.min(left, r.left);
      right = Math.max(right, r.right);
      top = Math.min(top, r.top);
      bottom = Math.max(bottom, r.bottom);
    });
    figure.scrollLeft += (left + right) / 2 - (box.left + box.width / 2);
    var controls = document.querySelector("nav.controls").getBoundingClientRect().bottom;
    var room = window.innerHeight - controls;
    if (top < controls || bottom > window.innerHeight) {
      window.scrollBy(0, (top + bottom) / 2 - (controls + room / 2));
    }
  }
  function go(delta) { stop(); show(current + delta, true); }
  function fromAddress() {
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (error) { /* a bad address (#%): ignore it */ }
    var index = frames.findIndex(function (frame) { return frame.id === id; });
    show(index >= 0 ? index : 0, false);
    window.scrollTo(0, 0);  // the browser jumped to the frame's anchor: show the controls
    if (zoomed) follow();  // ... and then the step, if the picture is larger than the screen
  }
  function stop() { if (timer !== null) { clearInterval(timer); timer = null; play.textContent = play.dataset.play; } }
  function toggle() {
    if (timer !== null) { stop(); return; }
    if (current === frames.length - 1) show(0, true);
    play.textContent = play.dataset.pause;
    timer = setInterval(function () {
      if (current >= frames.length - 1) { stop(); return; }
      show(current + 1, true);
    }, 1600);
  }

  function zoom() {
    zoomed = !zoomed;
    frames.forEach(function (frame) {
      frame.querySelector("figure").classList.toggle("zoomed", zoomed);
    });
    zoomButton.textContent = zoomed ? zoomButton.dataset.fit : zoomButton.dataset.zoom;
    size();
    if (zoomed) follow();
  }
  // The picture's size. Fitted (the default): as large as the room under the caption allows,
  // up to GROW times its own size (in projector mode, p or ?big: no limit). Zoomed (a picture
  // too large to fit with readable labels): its own size (projector mode: BIG times), and the
  // page follows the step. (Filling the room's height instead was tried: a wide, shallow graph
  // then shows only three boxes of the step and little of what surrounds it.) Every frame has
  // the same layout, so one scale fits them all.
  var GROW = 1.5, fit = MicrogradppFit;  // fit.js: READABLE, BIG, ownSize, projector mode
  function ownSize(frame) { return fit.ownSize(frame.querySelector("figure svg")); }
  // Every caption as tall as the tallest, so the picture starts at the same height in every
  // frame and the room measured in one frame is the room in all of them.
  function evenCaptions() {
    var captions = frames.map(function (frame) { return frame.querySelector(".caption"); });
    document.body.classList.add("measuring");  /* pictures hidden while measuring */
    var tallest = 0;
    frames.forEach(function (frame, index) {
      captions[index].style.minHeight = "";
      var shown = frame.classList.contains("current");
      if (!shown) frame.classList.add("current");  // a hidden caption has no height
      tallest = Math.max(tallest, captions[index].getBoundingClientRect().height);
      if (!shown) frame.classList.remove("current");
    });
    document.body.classList.remove("measuring");
    captions.forEach(function (caption) { caption.style.minHeight = tallest + "px"; });
  }
  // The scale at which the whole picture fills the room: the page's width, and the window's
  // height below the caption.
  function fittedScale() {
    var own = ownSize(frames[current]);
    if (!own) return 1;
    var figure = frames[current].querySelector("figure");
    var top = figure.getBoundingClientRect().top + window.scrollY;
    var room = {width: figure.clientWidth, height: window.innerHeight - top - 12};
    return Math.max(0.05, Math.min(room.width / own.width, room.height / own.height));
  }
  function size() {
    evenCaptions();
    var big = fit.isBig();
    var scale = zoomed ? (big ? fit.BIG : 1) : Math.min(fittedScale(), big ? Infinity : GROW);
    frames.forEach(function (frame) {
      var own = ownSize(frame), svg = frame.querySelector("figure svg");
      if (!own) return;
      svg.style.width = own.width * scale + "px";
      svg.style.height = own.height * scale + "px";
    });
  }
  function projector() {
    fit.toggleBig();
    size();
    if (zoomed) follow();
  }
  zoomButton.addEventListener("click", zoom);
  prev.addEventListener("click", function () { go(-1); });
  next.addEventListener("click", function () { go(1); });
  first.addEventListener("click", function () { stop(); show(0, true); });
  play.addEventListener("click", toggle);
  slider.addEventListener("input", function () { stop(); show(Number(slider.value), true); });
  window.addEventListener("hashchange", fromAddress);
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target instanceof HTMLInputElement) return;  // typing a prediction, not moving
    var key = event.key;
    if (key === "ArrowRight" || key === "PageDown" || key === " " || key === "ArrowDown") go(1);
    else if (key === "ArrowLeft" || key === "PageUp" || key === "ArrowUp") go(-1);
    else if (key === "Home") { stop(); show(0, true); }
    else if (key === "End") { stop(); show(frames.length - 1, true); }
    else if (key === "k") toggle();
    else if (key === "p") projector();
    else if (key === "z") zoom();
    else return;
    event.preventDefault();
  });
  window.addEventListener("load", function () { window.scrollTo(0, 0); if (zoomed) follow(); });
  fromAddress();
  fit.bigFromAddress();
  evenCaptions();
  // Fitted, unless that is too small to read: then at full size, following the step.
  fit.whenLaidOut(
    function () { return frames[current].querySelector("figure").clientWidth > 0; },
    document.documentElement,
    function () { if (fittedScale() < fit.READABLE) zoom(); else size(); }
  );
  window.addEventListener("resize", function () { size(); if (zoomed) follow(); });
})();
