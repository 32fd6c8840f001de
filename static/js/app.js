// Page behaviour without inline scripts (the CSP forbids them).
(function () {
  "use strict";
  // Intake form: show the Art. 31 receipt-date rule of the chosen channel.
  var box = document.getElementById("channel-rule");
  var channel = document.getElementById("channel");
  if (box && channel) {
    var rules = JSON.parse(box.getAttribute("data-rules") || "{}");
    var show = function () {
      if (rules[channel.value]) { box.textContent = rules[channel.value]; }
    };
    channel.addEventListener("change", show);
    show();
  }
  // Buttons and forms that ask before doing something that cannot be undone.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
})();
