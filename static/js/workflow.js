// Workflow action pages (no inline scripts under the CSP).
(function () {
  "use strict";
  // Answer forms: when an outcome is chosen and the ground is still empty, offer the outcome's usual basis.
  var form = document.querySelector("form[data-bases]");
  if (!form) { return; }
  var bases = JSON.parse(form.getAttribute("data-bases") || "{}");
  var outcome = form.querySelector("[name=outcome]");
  var ground = form.querySelector("[name=legal_ground]");
  if (!outcome || !ground) { return; }
  var filled = "";
  outcome.addEventListener("change", function () {
    var basis = bases[outcome.value] || "";
    if (ground.value === "" || ground.value === filled) {
      ground.value = basis;
      filled = basis;
    }
  });
})();
