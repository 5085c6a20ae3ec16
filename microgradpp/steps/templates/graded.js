(function () {
  "use strict";
  // A graded page records; it never checks. Its data has no answers to check against.
  var data = JSON.parse(document.getElementById("graded-data").textContent);
  var texts = data.messages;
  var message = document.getElementById("message");
  var progress = document.getElementById("progress");
  var selected = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }
  function say(text) { message.textContent = text; }
  // The number a student typed, read by judging.js's parse, as the exercise page and the grader
  // (judging.parse_answer) read it: a format check only, whether it is right is decided when the
  // teacher grades.
  function readable(text) {
    return !isNaN(MicrogradppJudging.parse(text));
  }

  // The work so far: what the submission carries, kept in the browser between visits.
  function emptyState() {
    return {revision: 0, saved: "", problems: data.problems.map(function () {
      return {answers: {}, attempts: {}, hints: {}};
    })};
  }
  function loadState() {
    try {
      var kept = JSON.parse(window.localStorage.getItem(data.storageKey) || "null");
      if (kept && Array.isArray(kept.problems) && kept.problems.length === data.problems.length) {
        return kept;
      }
    } catch (error) { /* storage blocked or damaged: start afresh */ }
    return null;
  }
  var restored = loadState();
  var state = restored || emptyState();
  function save() {
    try {
      window.localStorage.setItem(data.storageKey, JSON.stringify(state));
    } catch (error) {
      // storage blocked (some private windows): the work stays on the page until it is closed
    }
  }

  // One input over every grey gradient cell, as on the exercise page.
  var items = [];
  data.problems.forEach(function (problem, p) {
    var figure = document.getElementById("figure-" + (p + 1));
    var svg = figure.querySelector("svg");
    problem.questions.forEach(function (question) {
      var label = "\u2202" + problem.root + "/\u2202" + question.name;
      var input = MicrogradppCells.answerInput(question.box, label);
      input.maxLength = data.submission.max_answer;  // what grading keeps of an answer
      input.dataset.node = question.name;
      input.dataset.problem = String(p + 1);
      figure.appendChild(input);
      items.push({problem: p, question: question, input: input, figure: figure,
                  cell: cellOf(svg, question.box)});
    });
  });
  // Each input exactly over its box's grey cell (cells.js), a problem's figure scrolling its own.
  function cellOf(svg, box) { return MicrogradppCells.cellOf(svg, box, data.unknownFill); }
  function place() {
    items.forEach(function (item) {
      var frame = item.figure.getBoundingClientRect();
      MicrogradppCells.cover(item.input, item.cell, item.figure, frame);
    });
  }
  // A graph too wide to read fitted is shown at full size and scrolls sideways (fit.js's rule,
  // as on the exercise page); the inputs follow the picture whenever it changes size.
  function fit() {
    document.querySelectorAll("figure.picture").forEach(function (figure) {
      var svg = figure.querySelector("svg"), own = MicrogradppFit.ownSize(svg);
      var width = svg.getBoundingClientRect().width;
      if (own && width / own.width < MicrogradppFit.READABLE) figure.classList.add("zoomed");
    });
    place();
  }
  function hasRoom() {
    var svg = document.querySelector("figure.picture svg");
    return svg !== null && svg.getBoundingClientRect().width > 0;
  }

  // The box's look for its text: entered (a number) or unreadable. Its value is left alone while
  // the student types (setting it would move the caret); show() fills it in from the saved work.
  function mark(item, text) {
    item.input.classList.toggle("entered", text !== "" && readable(text));
    item.input.classList.toggle("unreadable", text !== "" && !readable(text));
  }
  function show(item) {
    var text = state.problems[item.problem].answers[item.question.name] || "";
    item.input.value = text;
    mark(item, text);
  }
  function update() {
    var filled = items.filter(function (item) {
      return (state.problems[item.problem].answers[item.question.name] || "") !== "";
    }).length;
    progress.textContent = fill(texts.progress, {filled: filled, total: items.length});
    document.body.dataset.filled = String(filled);
  }
  function record(item, final) {
    var problem = state.problems[item.problem], name = item.question.name;
    var text = item.input.value.trim();
    problem.answers[name] = text;
    if (final && text !== "") {
      var tried = problem.attempts[name] || (problem.attempts[name] = []);
      if (tried[tried.length - 1] !== text) tried.push(text);
      if (tried.length > data.submission.max_attempts) tried.shift();  // the latest are kept
      say(readable(text) ? fill(texts.saved, {node: name}) : texts.not_a_number);
    }
    save();
    mark(item, text);
    update();
  }
  items.forEach(function (item) {
    item.input.addEventListener("input", function () { record(item, false); });
    item.input.addEventListener("change", function () { record(item, true); });
    item.input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); record(item, true); next(item); }
    });
    item.input.addEventListener("focus", function () {
      if (selected !== null) selected.input.classList.remove("selected");
      selected = item;
      item.input.classList.add("selected");
    });
  });
  function next(item) {
    var i = items.indexOf(item);
    if (i + 1 < items.length) items[i + 1].input.focus();
  }

  document.getElementById("hint").addEventListener("click", function () {
    if (selected === null) { say(texts.choose_box); return; }
    var problem = state.problems[selected.problem], name = selected.question.name;
    problem.hints[name] = (problem.hints[name] || 0) + 1;
    save();
    say(fill(texts.hint_for, {node: name}) + " " + fill(texts.hint, {hint: selected.question.hint}));
    selected.input.focus();
  });

  // The submission: one object, given as a file and as a paste code (the same bytes, deflated).
  function submission() {
    return {
      format: data.submission.format, version: data.submission.version,
      assignment: data.assignment, student: data.student, name: data.name,
      fingerprint: data.fingerprint, revision: state.revision, saved: state.saved,
      problems: state.problems
    };
  }
  function base64url(bytes) {
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function pasteCode(json) {
    var bytes = new TextEncoder().encode(json);
    var prefix = data.submission.prefix;
    if (!window.CompressionStream) return Promise.resolve(prefix + "j." + base64url(bytes) + ".");
    var stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buffer) {
      return prefix + "z." + base64url(new Uint8Array(buffer)) + ".";
    });
  }
  var section = document.getElementById("submission");
  document.getElementById("submit").addEventListener("click", function () {
    items.forEach(function (item) { record(item, true); });
    state.revision += 1;
    state.saved = new Date().toISOString();
    save();
    var json = JSON.stringify(submission());
    var link = document.getElementById("download");
    link.href = "data:application/json;charset=utf-8," + encodeURIComponent(json);
    link.download = data.fileName;
    pasteCode(json).then(function (code) {
      document.getElementById("code").value = code;
      var empty = items.length - Number(document.body.dataset.filled);
      document.getElementById("submitted").textContent =
        fill(texts.submitted, {revision: state.revision}) +
        (empty ? " " + fill(texts.empty_boxes, {count: empty}) : "");
      section.hidden = false;
      document.getElementById("another").hidden = false;
      document.body.dataset.submitted = String(state.revision);
      section.scrollIntoView({block: "nearest"});
    });
  });
  document.getElementById("copy").addEventListener("click", function () {
    var area = document.getElementById("code"), copied = document.getElementById("copied");
    area.select();
    var done = function () { copied.textContent = texts.copied; };
    var failed = function () { copied.textContent = texts.copy_failed; };
    if (navigator.clipboard) navigator.clipboard.writeText(area.value).then(done, function () {
      (document.execCommand && document.execCommand("copy")) ? done() : failed();
    });
    else (document.execCommand && document.execCommand("copy")) ? done() : failed();
  });
  document.getElementById("another").addEventListener("click", function () {
    var frame = document.getElementById("practice");
    if (frame) { frame.hidden = false; frame.scrollIntoView({block: "start"}); }
  });

  items.forEach(show);
  update();
  if (restored) say(fill(texts.restored, {revision: state.revision}));
  window.addEventListener("resize", place);
  MicrogradppFit.whenLaidOut(hasRoom, document.body, fit, place);
})();
