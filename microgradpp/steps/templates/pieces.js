// A picture too wide to print with labels of at least 8 pt prints in pieces, a page each
// (steps/page.py's print_pieces says where they are): each piece is a small SVG showing a window
// (its viewBox) on the frame's own drawing through <use>, so nothing is drawn twice.
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll(".print-pieces"), function (holder) {
    var SVG = holder.previousElementSibling.querySelector("svg").namespaceURI;  // the picture's
    holder.dataset.pieces.split(";").forEach(function (piece) {
      var n = piece.split(" ");
      var svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("class", "piece");
      svg.setAttribute("width", n[0] + "pt");
      svg.setAttribute("height", n[1] + "pt");
      svg.setAttribute("viewBox", n.slice(2).join(" "));
      var use = document.createElementNS(SVG, "use");
      use.setAttribute("href", "#" + holder.dataset.target);
      svg.appendChild(use);
      holder.appendChild(svg);
    });
  });
})();
