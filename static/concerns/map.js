// The report map: an enhancement only. Every page works without it; the map fills in the
// latitude and longitude fields that are on the page anyway ("pick" mode), or shows pins
// for the reports listed below it ("show" mode).
(function () {
  "use strict";

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var settings = readJSON("concerns-map-settings");
    var element = document.getElementById("concerns-map");
    if (!settings || !element || typeof window.L === "undefined") {
      return;
    }
    var L = window.L;
    var wrapper = element.closest("[data-map-wrapper]");
    wrapper.hidden = false;
    L.Icon.Default.imagePath = settings.icons;

    var bounds = L.latLngBounds(settings.bounds);
    var map = L.map(element, {
      center: settings.center,
      zoom: settings.zoom,
      maxBounds: bounds.pad(0.5),
      keyboard: true,
    });
    L.tileLayer(settings.tiles, {
      attribution: settings.attribution,
      maxZoom: 19,
    }).addTo(map);
    element.setAttribute("tabindex", "0");

    if (element.dataset.mapMode === "pick") {
      setUpPicking(L, map, element, bounds, wrapper);
    } else {
      showPoints(L, map, readJSON("concerns-map-points") || []);
    }
  });

  function setUpPicking(L, map, element, bounds, wrapper) {
    var latitude = document.querySelector("[data-map-latitude]");
    var longitude = document.querySelector("[data-map-longitude]");
    var status = wrapper.querySelector("[data-map-status]");
    var details = document.querySelector("[data-map-coordinates]");
    var marker = null;

    function place(latlng, announce) {
      if (!bounds.contains(latlng)) {
        status.textContent = element.dataset.outsideMessage || "";
        return;
      }
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { draggable: true, keyboard: false, alt: "" }).addTo(map);
        marker.on("dragend", function () {
          place(marker.getLatLng(), true);
        });
      }
      latitude.value = latlng.lat.toFixed(6);
      longitude.value = latlng.lng.toFixed(6);
      if (details) {
        details.open = true;
      }
      if (announce) {
        status.textContent =
          (wrapper.dataset.placedMessage || "Pin placed at") +
          " " + latitude.value + ", " + longitude.value;
      }
    }

    var lat = parseFloat(latitude.value);
    var lng = parseFloat(longitude.value);
    if (!isNaN(lat) && !isNaN(lng)) {
      place(L.latLng(lat, lng), false);
      map.setView([lat, lng], Math.max(map.getZoom(), 17));
    }

    map.on("click", function (event) {
      place(event.latlng, true);
    });
    element.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        place(map.getCenter(), true);
      }
    });
    wrapper.querySelector("[data-map-drop-center]").addEventListener("click", function () {
      place(map.getCenter(), true);
    });

    var locate = wrapper.querySelector("[data-map-locate]");
    if (locate && "geolocation" in navigator) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(
          function (position) {
            var here = L.latLng(position.coords.latitude, position.coords.longitude);
            map.setView(here, 18);
            place(here, true);
          },
          function () {
            status.textContent = locate.dataset.failedMessage || "";
          },
          { enableHighAccuracy: true, timeout: 10000 }
        );
      });
    }
  }

  function showPoints(L, map, points) {
    var markers = points.map(function (point) {
      var marker = L.marker([point.lat, point.lon], { title: point.label, alt: point.label });
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.label;
      marker.bindPopup(link);
      return marker.addTo(map);
    });
    if (markers.length === 1) {
      map.setView(markers[0].getLatLng(), 17);
    } else if (markers.length > 1) {
      map.fitBounds(L.featureGroup(markers).getBounds().pad(0.2));
    }
  }
})();
