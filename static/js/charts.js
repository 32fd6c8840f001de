// The charts of /stats, drawn from the page's JSON (the same figures are printed in the tables beneath).
(function () {
  "use strict";
  var root = document.getElementById("charts");
  if (!root || typeof Chart === "undefined") { return; }
  var colours = ["#0d6efd", "#adb5bd", "#198754", "#ffc107", "#dc3545", "#6f42c1", "#20c997"];
  function draw(id, config) {
    var el = document.getElementById(id);
    if (el) { return new Chart(el, config); }
  }
  // the page carries its figures (computed once, printed in the tables too); /stats/data.json serves others
  Promise.resolve(JSON.parse(root.getAttribute("data-figures")))
    .then(function (f) {
      var years = Object.keys(f.months.series).sort();
      draw("chart-months", {
        type: "line",
        data: {
          labels: f.months.labels,
          datasets: years.map(function (y, i) {
            return { label: y + "年", data: f.months.series[y], borderColor: colours[years.length - 1 - i], tension: 0.2 };
          })
        },
        options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
      draw("chart-groups", {
        type: "bar",
        data: { labels: f.groups.labels, datasets: [{ label: "件数", data: f.groups.values, backgroundColor: colours }] },
        options: { animation: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
      draw("chart-lateness", {
        type: "bar",
        data: {
          labels: f.lateness.labels,
          datasets: [
            { label: "在办已超期", data: f.lateness.open_late, backgroundColor: colours[4] },
            { label: "超期答复", data: f.lateness.answered_late, backgroundColor: colours[3] },
            { label: "晚于内部期限提交答复稿", data: f.lateness.draft_late, backgroundColor: colours[1] }
          ]
        },
        options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
      draw("chart-due", {
        type: "doughnut",
        data: { labels: f.due.labels, datasets: [{ data: f.due.values, backgroundColor: [colours[4], colours[3], colours[1], colours[2]] }] },
        options: { animation: false }
      });
      root.setAttribute("data-drawn", "1");
    });
})();
