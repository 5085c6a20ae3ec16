// The fair checking rule of microgradpp/judging.py (read its docstring), for the exercise page.
// An answer is right within half the last shown digit (data.half) of the exact answer, or of the
// rounded chain: the sum over the node's wires of local x upstream, where the local gradient spans
// what the shown numbers give and the upstream is the student's own earlier answer (or, not known
// yet, the careful or the exact answer as shown). A wrong answer is compared with what each mistake
// gives, in the order Python lists them. Python writes every number this needs into the page
// (Work.page_data); this file only adds and multiplies them, exactly as judging.py does, and
// tests/test_judging.py runs both over one table of answers.
var MicrogradppJudging = (function () {
  "use strict";
  function times(a, b) {
    var products = [a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]];
    return [Math.min.apply(null, products), Math.max.apply(null, products)];
  }
  // dF/d(out) as the student has it: 1 at the root, their own answer, else careful or exact shown.
  function upstream(questions, wire, earlier) {
    if (wire.up < 0) return [1, 1];
    var known = earlier[wire.up];
    if (typeof known === "number") return [known, known];
    var q = questions[wire.up];
    return [Math.min(q.careful, q.rounded), Math.max(q.careful, q.rounded)];
  }
  // Sum over the wires of local x upstream (how: only one wire, a mistake's local, one factor).
  function span(questions, question, earlier, how) {
    var lo = 0, hi = 0;
    question.wires.forEach(function (wire, i) {
      if (how.only !== undefined && how.only !== i) return;
      var local = how.mistake && wire.wrong[how.mistake] ? wire.wrong[how.mistake] : wire.local;
      var up = upstream(questions, wire, earlier);
      var term = how.withoutLocal ? up : how.withoutUpstream ? local : times(local, up);
      lo += term[0];
      hi += term[1];
    });
    return [lo, hi];
  }
  function inside(x, lo, hi, h) { return lo - h <= x && x <= hi + h; }
  // questions: every question's judging data; index: the one answered; earlier[i]: the student's
  // answer to question i so far (a number) or null. Returns {right, mistake (id or null), text}.
  function judge(questions, index, answer, earlier, half) {
    var question = questions[index];
    var mine = earlier.slice();
    mine[index] = null;
    var right = span(questions, question, mine, {});
    if (inside(answer, question.exact, question.exact, half) || inside(answer, right[0], right[1], half)) {
      return {right: true, mistake: null, text: ""};
    }
    for (var i = 0; i < question.mistakes.length; i++) {
      var m = question.mistakes[i], spans;
      if (m.id === "local_only") spans = [span(questions, question, mine, {withoutUpstream: true})];
      else if (m.id === "upstream_only") spans = [span(questions, question, mine, {withoutLocal: true})];
      else if (m.id === "sign_flip") spans = [[-right[1], -right[0]]];
      else if (m.id === "one_path_only") spans = [span(questions, question, mine, {only: m.wire})];
      else spans = [span(questions, question, mine, {mistake: m.form})];
      spans.push([m.value, m.value]);  // the mistake made with the exact numbers
      for (var j = 0; j < spans.length; j++) {
        if (inside(answer, spans[j][0], spans[j][1], half)) {
          return {right: false, mistake: m.id, text: m.text};
        }
      }
    }
    return {right: false, mistake: null, text: ""};
  }
  // A number as a student types it, read as judging.py's parse_answer reads it: -4, −4, －４,
  // 0.5, .5, 0,5, 1e-3, 1/2, -3/4; NaN for anything else ('1 2', '1,000', 'abc', '1/0').
  var NUMBER = "[-+]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][-+]?\\d+)?";
  var ANSWER = new RegExp("^(" + NUMBER + ")(?:/(" + NUMBER + "))?$");
  var THOUSANDS = /^[-+]?[1-9]\d*,\d{3}$/;
  function parse(text) {
    var cleaned = text.normalize("NFKC").trim().replace(/[\u2212\u2013]/g, "-");
    cleaned = cleaned.replace(/([-+/])\s+/g, "$1").replace(/\s+\//g, "/");
    if (cleaned === "" || THOUSANDS.test(cleaned)) return NaN;
    var match = ANSWER.exec(cleaned.replace(/,/g, "."));
    if (match === null) return NaN;
    var value = match[2] === undefined ? Number(match[1]) :
      (Number(match[2]) === 0 ? NaN : Number(match[1]) / Number(match[2]));
    return isFinite(value) ? value : NaN;
  }
  return {judge: judge, parse: parse};
})();
