// The dashboard's map of concern reports: an enhancement only. One circle per category and
// area, its size by the number of reports, its colour by the category and its tooltip
// saying both; each circle is reached with Tab and opens a popup saying the same with Enter
// or Space. The table beside the map holds the same figures.
(function () {
  "use strict";

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // A circle is reached with Tab like a button, named by its category and count, and
  // Enter or Space opens the same words in a popup (Escape closes it).
  function makeFocusable(circle, path, label) {
    path.setAttribute("tabindex", "0");
    path.setAttribute("role", "button");
    path.setAttribute("aria-label", label);
    path.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
        event.preventDefault();
        circle.openPopup();
      } else if (event.key === "Escape" && circle.isPopupOpen()) {
        event.preventDefault();
        circle.closePopup();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var settings = readJSON("analytics-map-settings");
    var cells = readJSON("analytics-map-cells") || [];
    var element = document.getElementById("analytics-map");
    if (!settings || !element || typeof window.L === "undefined") {
      return;
    }
    var L = window.L;
    element.closest("[data-map-wrapper]").hidden = false;

    var map = L.map(element, {
      center: settings.center,
      zoom: settings.zoom,
      maxBounds: L.latLngBounds(settings.bounds).pad(0.5),
      keyboard: true,
    });
    L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: 19 }).addTo(map);
    element.setAttribute("tabindex", "0");

    var most = cells.reduce(function (top, cell) {
      return Math.max(top, cell.count);
    }, 1);
    var circles = cells.map(function (cell) {
      var colour = settings.colours[cell.colour % settings.colours.length];
      var circle = L.circleMarker([cell.lat, cell.lon], {
        // The area of the circle grows with the count: 6 px for one report, 26 for the most.
        radius: 6 + 20 * Math.sqrt(cell.count / most),
        color: "#1b1b1b",
        weight: 1,
        fillColor: colour,
        fillOpacity: 0.7,
      });
      circle.bindTooltip(cell.label);
      circle.bindPopup(document.createTextNode(cell.label));
      circle.addTo(map);
      var path = circle.getElement();
      if (path) {
        makeFocusable(circle, path, cell.label);
      }
      return circle;
    });
    if (circles.length) {
      map.fitBounds(L.featureGroup(circles).getBounds().pad(0.2), { maxZoom: 16 });
    }
  });
})();
