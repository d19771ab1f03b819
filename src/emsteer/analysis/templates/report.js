// Click-to-sort for every table.sortable, and the answers' filters (condition, question, EM, text). Reads only the DOM: no data
// is embedded in scripts, so nothing from the results file is ever evaluated as code.
(function () {
  "use strict";
  function cellKey(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return numeric ? null : "";
    if (numeric) {
      var v = cell.getAttribute("data-v");
      var x = v === null || v === "" ? NaN : parseFloat(v);
      return isNaN(x) ? null : x;
    }
    return cell.textContent.trim().toLowerCase();
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, index) {
      th.addEventListener("click", function () {
        var numeric = th.getAttribute("data-type") === "num";
        var dir = th.getAttribute("aria-sort") === "descending" ? 1 : (th.getAttribute("aria-sort") === "ascending" ? -1 : (numeric ? -1 : 1));
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellKey(a, index, numeric), y = cellKey(b, index, numeric);
          if (x === null && y === null) return 0;
          if (x === null) return 1;  // missing values last in both directions
          if (y === null) return -1;
          return x < y ? -dir : (x > y ? dir : 0);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  var filter = document.getElementById("answer-filter");
  var emOnly = document.getElementById("em-only");
  var count = document.getElementById("answer-count");
  var answers = document.getElementById("answers");
  var condition = document.getElementById("condition-filter");
  var question = document.getElementById("question-filter");
  if (!filter || !answers) return;
  var rows = Array.prototype.slice.call(answers.tBodies[0].rows);
  var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
  function apply() {
    var q = filter.value.trim().toLowerCase();
    var c = condition ? condition.value : "", k = question ? question.value : "";
    var shown = 0;
    rows.forEach(function (r, i) {
      var ok = (!q || texts[i].indexOf(q) !== -1) && (!emOnly.checked || r.getAttribute("data-em") === "1") &&
        (!c || r.getAttribute("data-condition") === c) && (!k || r.getAttribute("data-question") === k);
      r.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = shown + " of " + rows.length + " shown";
  }
  filter.addEventListener("input", apply);
  emOnly.addEventListener("change", apply);
  if (condition) condition.addEventListener("change", apply);
  if (question) question.addEventListener("change", apply);
  apply();
})();
