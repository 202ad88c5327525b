// "Use my location" when no map is drawn: fills in the coordinates fields from the
// browser's position. An enhancement only; the address field works without it.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.querySelector("[data-locate-only]");
    if (!box || !("geolocation" in navigator)) {
      return;
    }
    var button = box.querySelector("button");
    var status = box.querySelector("[data-locate-status]");
    box.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(
        function (position) {
          document.querySelector("[data-map-latitude]").value =
            position.coords.latitude.toFixed(6);
          document.querySelector("[data-map-longitude]").value =
            position.coords.longitude.toFixed(6);
          var details = document.querySelector("[data-map-coordinates]");
          if (details) {
            details.open = true;
          }
          status.textContent = box.dataset.doneMessage;
        },
        function () {
          status.textContent = box.dataset.failedMessage;
        },
        { enableHighAccuracy: true, timeout: 10000 }
      );
    });
  });
})();
