// Workflow action pages (no inline scripts under the CSP).
(function () {
  "use strict";
  // Answer forms: show the chosen outcome's legal basis, which the letter cites by itself. The reason is
  // never filled in for the user (issue 18: an empty required reason must be refused, not defaulted).
  var form = document.querySelector("form[data-bases]");
  if (!form) { return; }
  var bases = JSON.parse(form.getAttribute("data-bases") || "{}");
  var outcome = form.querySelector("[name=outcome]");
  var ground = form.querySelector("[name=legal_ground]");
  if (!outcome || !ground) { return; }
  var hint = document.createElement("div");
  hint.className = "form-text";
  hint.id = "legal-basis-hint";
  ground.parentNode.appendChild(hint);
  function show() {
    var basis = bases[outcome.value] || "";
    hint.textContent = basis ? "答复书将自动引用的法律依据：" + basis + "。请在上面写明具体理由。" : "";
  }
  outcome.addEventListener("change", show);
  show();
})();
