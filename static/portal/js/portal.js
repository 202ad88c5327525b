// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // After an invalid submission, move focus to the error summary so screen-reader and
  // keyboard users land on the list of problems (each item links to its field).
  document.addEventListener("DOMContentLoaded", function () {
    var heading = document.querySelector("[data-error-summary] .usa-alert__heading");
    if (heading) {
      heading.focus();
    }
  });
})();
