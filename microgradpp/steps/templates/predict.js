// Predict, then see (Steps(f, predict=True)): before a backward step that completes a node's
// gradient is shown, the student types that gradient; the page judges it by the rule of
// judging.js (the same as the exercise page), then shows the step. "Show the step" skips.
(function () {
  "use strict";
  var source = document.getElementById("predict-data");
  if (source === null) return;
  var data = JSON.parse(source.textContent);
  var texts = data.messages;
  var answers = data.questions.map(function () { return null; });  // what the student has so far
  var done = {};  // frame id -> true once predicted or shown
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }
  function button(text) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    return b;
  }
  function reveal(frame) {
    frame.classList.remove("predicting");
    done[frame.id] = true;
  }
  function panel(frame, asks) {
    var box = document.createElement("div");
    box.className = "predict";
    var intro = document.createElement("p");
    intro.textContent = texts.intro;
    box.appendChild(intro);
    var inputs = asks.map(function (index) {
      var label = document.createElement("label");
      label.textContent = fill(texts.ask, {node: data.questions[index].name}) + " ";
      var input = document.createElement("input");
      input.type = "text";
      input.inputMode = "decimal";
      input.autocomplete = "off";
      input.className = "prediction";
      label.appendChild(input);
      box.appendChild(label);
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); check(); }
      });
      return input;
    });
    var checkButton = button(texts.check), showButton = button(texts.show);
    var message = document.createElement("p");
    message.className = "predict-message";
    box.appendChild(checkButton);
    box.appendChild(showButton);
    box.appendChild(message);
    // the picture before this step: what the student predicts from
    var previous = frame.previousElementSibling && frame.previousElementSibling.querySelector("figure");
    if (previous) box.appendChild(previous.cloneNode(true));
    function check() {
      for (var i = 0; i < asks.length; i++) {
        var value = MicrogradppJudging.parse(inputs[i].value);
        if (isNaN(value)) { message.textContent = texts.not_a_number; message.className = "predict-message wrong"; return; }
        var verdict = MicrogradppJudging.judge(data.questions, asks[i], value, answers, data.half);
        var question = data.questions[asks[i]];
        if (!verdict.right) {
          message.textContent = verdict.mistake ?
            fill(texts.wrong_mistake, {mistake: verdict.text, hint: question.hint}) :
            fill(texts.wrong, {hint: question.hint});
          message.className = "predict-message wrong";
          inputs[i].focus();
          return;
        }
        answers[asks[i]] = value;
      }
      message.textContent = texts.right;
      message.className = "predict-message right";
      reveal(frame);
    }
    checkButton.addEventListener("click", check);
    showButton.addEventListener("click", function () {
      asks.forEach(function (index) {
        if (answers[index] === null) answers[index] = data.questions[index].rounded;
      });
      reveal(frame);
    });
    frame.appendChild(box);  // after the frame's own figure: the page sizes that one
    return inputs;
  }
  function update() {
    var id = document.body.dataset.frame, frame = document.getElementById(id);
    if (frame === null || done[id] || !data.frames[id]) return;
    var inputs = frame.querySelector(".predict") ? frame.querySelectorAll("input.prediction") :
      panel(frame, data.frames[id]);
    frame.classList.add("predicting");
    if (inputs.length) inputs[0].focus({preventScroll: true});
  }
  new MutationObserver(update).observe(document.body, {attributes: true, attributeFilter: ["data-frame"]});
  update();
})();
