(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("exercise-data").textContent);
  var figure = document.getElementById("figure");
  var svg = figure.querySelector("svg");
  var orderSelect = document.getElementById("order");
  var feedback = document.getElementById("feedback");
  var message = document.getElementById("message");
  var showButton = document.getElementById("show");
  var progress = document.getElementById("progress");
  var texts = data.messages;
  var order = /[?&]order=any\b/.test(location.search) ? "any" : data.order;
  var selected = null;  // the question the feedback is about
  var items = data.questions.map(function (question) {
    var input = MicrogradppCells.answerInput(question.box, "\u2202/\u2202" + question.name);
    figure.appendChild(input);
    return {question: question, input: input, cell: cellOf(question.box), state: "open",
            tries: 0, hinted: false};
  });
  // A faded worked example: the first `worked` gradients (in backward's order, from the root)
  // are worked out on the page, the student does the rest (the leaves' end).
  function work() {
    items.slice(0, data.worked).forEach(function (item) {
      item.state = "worked";
      item.input.value = item.question.shown;
      item.input.className = "answer worked";
    });
  }
  work();

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }
  var parse = MicrogradppJudging.parse;  // one reading of a typed number, as the quiz's
  // The grey gradient cell of a box (cells.js).
  function cellOf(box) { return MicrogradppCells.cellOf(svg, box, data.unknownFill); }
  // Put each input exactly over its grey cell (again whenever the picture changes size).
  function place() {
    var frame = figure.getBoundingClientRect();
    items.forEach(function (item) {
      MicrogradppCells.cover(item.input, item.cell, figure, frame);
    });
  }
  function nextOpen() {
    for (var i = 0; i < items.length; i++) if (items[i].state === "open") return items[i];
    return null;
  }
  function update() {
    var next = nextOpen();
    items.forEach(function (item) {
      var open = item.state === "open";
      item.input.readOnly = !open;
      item.input.disabled = open && order === "backward" && item !== next;
      item.input.classList.toggle("current", open && order === "backward" && item === next);
    });
    var asked = items.filter(function (item) { return item.state !== "worked"; });
    var done = asked.filter(function (item) { return item.state !== "open"; }).length;
    var right = asked.filter(function (item) { return item.state === "right" && item.tries === 0; }).length;
    var hints = asked.filter(function (item) { return item.hinted; }).length;
    var shown = asked.filter(function (item) { return item.state === "revealed"; }).length;
    progress.textContent = fill(texts.progress, {done: done, total: asked.length, right: right});
    document.body.dataset.done = String(done);
    document.body.dataset.right = String(right);
    if (next === null) {
      say(fill(texts.score, {right: right, total: asked.length, hints: hints, shown: shown}), "done");
      showButton.hidden = true;
      solveWires();
    }
    return next;
  }
  function say(text, kind) {
    message.textContent = text;
    feedback.className = "feedback " + (kind || "");
  }
  // What the student has in front of them from each question so far: their accepted answer, or
  // the answer shown to them (null where there is none yet).
  function earlierAnswers() {
    return items.map(function (item) {
      if (item.state === "right") return item.value;
      if (item.state === "revealed" || item.state === "worked") return item.question.judging.rounded;
      return null;
    });
  }
  function check(item) {
    if (item.state !== "open" || item.input.disabled) return;
    var value = parse(item.input.value);
    selected = item;
    if (isNaN(value)) { say(texts.not_a_number, "wrong"); return; }
    var question = item.question;
    var verdict = MicrogradppJudging.judge(
      items.map(function (other) { return other.question.judging; }),
      items.indexOf(item), value, earlierAnswers(), data.half);
    if (verdict.right) {
      item.state = "right";
      item.value = value;
      item.input.classList.remove("wrong");
      item.input.classList.add("right");
      showButton.hidden = true;
      var next = update();
      if (next !== null) {
        say(fill(texts.right, {node: question.name, answer: question.shown}) + " " +
            fill(texts.next, {node: next.question.name}), "right");
        focus(next);
      }
      return;
    }
    item.tries += 1;
    item.hinted = true;
    item.input.classList.add("wrong");
    document.body.dataset.mistake = verdict.mistake || "";
    say(verdict.mistake ? fill(texts.wrong_mistake, {mistake: verdict.text, hint: question.hint}) :
        fill(texts.wrong, {hint: question.hint}), "wrong");
    showButton.hidden = false;
    update();
  }
  function reveal(item) {
    if (item.state !== "open") return;
    item.state = "revealed";
    item.input.value = item.question.shown;
    item.input.classList.remove("wrong");
    item.input.classList.add("revealed");
  }
  var quiet = false;  // focus moved by the page itself: keep the message it just gave
  var announced = null;  // the box the opening message names (its focus may come later)
  function focus(item) {
    if (item.input.disabled) return;
    quiet = true;
    item.input.focus();
    quiet = false;
    selected = item;
  }
  items.forEach(function (item) {
    item.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); check(item); }
    });
    item.input.addEventListener("change", function () { check(item); });
    item.input.addEventListener("focus", function () {
      selected = item;
      if (!quiet && item !== announced && item.state === "open" && item.tries === 0) {
        say(fill(texts.your_turn, {node: item.question.name}), "");
      }
    });
  });
  showButton.addEventListener("click", function () {
    if (selected === null) return;
    reveal(selected);
    var text = fill(texts.revealed, {node: selected.question.name, answer: selected.question.shown});
    showButton.hidden = true;
    var next = update();
    if (next !== null) {
      say(text + " " + fill(texts.next, {node: next.question.name}), "");
      focus(next);
    }
  });
  document.getElementById("reveal").addEventListener("click", function () {
    items.forEach(reveal);
    update();
  });
  // Once every gradient is known, the wires show theirs too (they said "?" so far): their
  // labels are copied from the solved picture, drawn with the same layout.
  var solved = document.getElementById("solved");
  var unsolved = {};
  function solveWires() {
    if (solved === null) return;
    var finished = solved.content.querySelectorAll("g.edge");
    Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (edge) {
      var title = edge.querySelector("title");
      for (var i = 0; title !== null && i < finished.length; i++) {
        var other = finished[i].querySelector("title");
        if (other === null || other.textContent !== title.textContent) continue;
        if (!(title.textContent in unsolved)) unsolved[title.textContent] = edge.innerHTML;
        edge.innerHTML = finished[i].innerHTML;
      }
    });
  }
  function unsolveWires() {
    Array.prototype.forEach.call(svg.querySelectorAll("g.edge"), function (edge) {
      var title = edge.querySelector("title");
      if (title !== null && title.textContent in unsolved) edge.innerHTML = unsolved[title.textContent];
    });
  }
  document.getElementById("restart").addEventListener("click", function () {
    items.forEach(function (item) {
      item.state = "open"; item.tries = 0; item.hinted = false; item.input.value = "";
      item.input.className = "answer";
    });
    work();
    unsolveWires();
    showButton.hidden = true;
    var next = update();
    if (next !== null) {
      say(fill(texts.next, {node: next.question.name}), "");
      focus(next);
    }
  });
  orderSelect.value = order;
  orderSelect.addEventListener("change", function () { order = orderSelect.value; update(); });
  // A wide graph fitted to the window would be too small to read (fit.js): it is shown at full
  // size and scrolls sideways (the inputs scroll with it).
  var fit = MicrogradppFit;
  function size() {
    var own = fit.ownSize(svg), zoomed = figure.classList.contains("zoomed");
    svg.style.width = fit.isBig() && zoomed && own ? own.width * fit.BIG + "px" : "";
    place();
  }
  function projector() { fit.toggleBig(); size(); }
  function fitOrZoom() {
    var own = fit.ownSize(svg);
    if (own && svg.getBoundingClientRect().width / own.width < fit.READABLE) {
      figure.classList.add("zoomed");
    }
    size();
    opening();
  }
  // A picture wider than the screen opens at the leaves' end (its start: where a faded
  // example's questions are) if the first box to fill is in view there; else at that box, with
  // the window's left edge moved back to the first box it would cut in half.
  function opening() {
    figure.scrollLeft = 0;
    figure.scrollTop = 0;
    var next = nextOpen();
    if (next === null) return;
    var box = figure.getBoundingClientRect(), r = next.input.getBoundingClientRect();
    if (r.right <= box.right && r.bottom <= box.bottom) return;
    inView(next);
    var edge = figure.getBoundingClientRect().left, cut = edge;
    Array.prototype.forEach.call(svg.querySelectorAll("g.node"), function (node) {
      var b = node.getBoundingClientRect();
      if (b.left < edge && b.right > edge) cut = Math.min(cut, b.left);
    });
    figure.scrollLeft -= edge - cut + (cut < edge ? 8 : 0);
  }
  // Scroll the picture (not the page around it: a notebook keeps its place) to show item's box.
  function inView(item) {
    var box = figure.getBoundingClientRect(), r = item.input.getBoundingClientRect();
    if (r.left < box.left || r.right > box.right) {
      figure.scrollLeft += (r.left + r.right) / 2 - (box.left + box.width / 2);
    }
    if (r.top < box.top || r.bottom > box.bottom) {
      figure.scrollTop += (r.top + r.bottom) / 2 - (box.top + box.height / 2);
    }
  }
  document.getElementById("projector").addEventListener("click", projector);
  document.addEventListener("keydown", function (event) {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "p") { projector(); event.preventDefault(); }
  });
  fit.bigFromAddress();
  window.addEventListener("resize", place);
  window.addEventListener("load", place);
  size();
  // The inputs sit over the picture's cells: move them whenever the picture changes size, which
  // includes the moment a page loaded in a hidden iframe is first shown.
  fit.whenLaidOut(function () { return svg.getBoundingClientRect().width > 0; }, svg, fitOrZoom, place);
  var first = update();
  if (first !== null) {
    say(fill(texts.next, {node: first.question.name}), "");
    // typing goes to the current box at once (without scrolling the page or the picture)
    announced = first;
    if (!first.input.disabled) first.input.focus({preventScroll: true});
  }
})();
