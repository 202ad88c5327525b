// Keyboard shortcuts on the workbench's case page: S, A, N and M move to the status,
// assignment, note and message forms (their first field), unless a field has the focus or
// a modifier key is held. Every form works the same without this script.
(function () {
  "use strict";
  var forms = {};
  document.querySelectorAll("form[data-shortcut]").forEach(function (form) {
    forms[form.getAttribute("data-shortcut")] = form;
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    var form = forms[event.key.toLowerCase()];
    if (!form) return;
    var field = form.querySelector("select, textarea, input:not([type=hidden])");
    if (!field) return;
    event.preventDefault();
    field.focus();
    field.scrollIntoView({ block: "center" });
  });
})();
