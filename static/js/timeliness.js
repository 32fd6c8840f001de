// The charts of /stats/timeliness, drawn from the page's data-figures (the same figures are printed in the tables beneath).
(function () {
  "use strict";
  var root = document.getElementById("timeliness");
  if (!root || typeof Chart === "undefined") { return; }
  var f = JSON.parse(root.getAttribute("data-figures"));
  var colours = { median: "#0d6efd", p90: "#fd7e14", within: "#198754", limit: "#dc3545" };
  function draw(id, s, horizontal) {
    var el = document.getElementById(id);
    if (!el || !s.labels.length) { return; }
    var limit = s.labels.map(function () { return f.threshold; });
    // a fixed height (its box), not the canvas's aspect ratio: on a phone the ratio left the bars no room;
    // a horizontal chart grows with its rows so that each label stays readable
    if (horizontal) { el.parentNode.style.height = Math.max(220, 28 * s.labels.length + 80) + "px"; }
    new Chart(el, {
      type: "bar",
      data: {
        labels: s.labels,
        datasets: [
          { label: "用时中位数（工作日）", data: s.median, backgroundColor: colours.median },
          { label: "90%分位数（工作日）", data: s.p90, backgroundColor: colours.p90 },
          { type: "line", label: f.threshold + "个工作日", data: limit, borderColor: colours.limit, borderDash: [6, 4], pointRadius: 0, fill: false }
        ]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? { x: { beginAtZero: true, ticks: { precision: 0 } } } : { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }
  draw("chart-units", f.units, false);
  draw("chart-groups", f.groups, false);
  draw("chart-sections", f.sections, true);
  root.setAttribute("data-drawn", "1");
})();
