// Keyboard shortcuts on the workbench's case page: S, A, N and M move to the status,
// assignment, note and message forms (their first field), unless a field has the focus or
// a modifier key is held. Every form works the same without this script.
(function () {
  "use strict";
  var forms = {};
  function firstField(form) {
    return form.querySelector("select, textarea, input:not([type=hidden])");
  }
  document.querySelectorAll("form[data-shortcut]").forEach(function (form) {
    var key = form.getAttribute("data-shortcut");
    forms[key] = form;
    // Announced on the field the key moves to, and only when this script makes it work.
    var field = firstField(form);
    if (field) field.setAttribute("aria-keyshortcuts", key);
  });
  // The hint too: without this script the keys do nothing, so it stays hidden.
  var help = document.getElementById("shortcuts-help");
  if (help && Object.keys(forms).length) help.hidden = false;
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) return;
    var form = forms[event.key.toLowerCase()];
    if (!form) return;
    var field = firstField(form);
    if (!field) return;
    event.preventDefault();
    field.focus();
    field.scrollIntoView({ block: "center" });
  });
})();
