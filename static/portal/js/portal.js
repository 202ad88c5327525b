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

  // Signing out, from any page, clears what the inspector's pages kept on this phone (the
  // day's pages, static/permits/js/inspector_offline.js), so the next person to use it does
  // not find them. Results saved on the phone and not sent yet are never dropped: the
  // sign-out waits, and says where they are sent from. On the inspector's pages their own
  // script sends them first, then clears the day with `portal.clearKeptDay` below.
  var RESULTS_DB = "inspector-results";
  var RESULTS_STORE = "queue";
  var CACHE_PREFIX = "inspector-day-";

  function unsentResults() {
    var exists = indexedDB.databases
      ? indexedDB.databases().then(function (databases) {
          return databases.some(function (database) {
            return database.name === RESULTS_DB;
          });
        })
      : Promise.resolve(true);
    return exists.then(function (found) {
      if (!found) {
        return 0;
      }
      return new Promise(function (resolve, reject) {
        var open = indexedDB.open(RESULTS_DB);
        open.onsuccess = function () {
          var db = open.result;
          if (!db.objectStoreNames.contains(RESULTS_STORE)) {
            db.close();
            resolve(0);
            return;
          }
          var count = db.transaction(RESULTS_STORE).objectStore(RESULTS_STORE).count();
          count.onsuccess = function () {
            db.close();
            resolve(count.result);
          };
          count.onerror = function () {
            db.close();
            reject(count.error);
          };
        };
        open.onerror = function () {
          reject(open.error);
        };
      });
    });
  }

  // Delete the kept pages and the results' database; resolves once both are gone (or the
  // database is held open elsewhere: it is deleted when that page closes).
  function clearKeptDay() {
    return caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.startsWith(CACHE_PREFIX);
            })
            .map(function (name) {
              return caches.delete(name);
            }),
        );
      })
      .then(function () {
        return new Promise(function (resolve) {
          var request = indexedDB.deleteDatabase(RESULTS_DB);
          request.onsuccess = request.onerror = request.onblocked = resolve;
        });
      });
  }

  window.portal = window.portal || {};
  window.portal.clearKeptDay = clearKeptDay;

  function warnUnsent(form) {
    // Close the small screens' menu the button was in, so the warning is seen.
    var close = document.querySelector(".usa-nav.is-visible .usa-nav__close");
    if (close) {
      close.click();
    }
    var alert = document.querySelector("[data-unsent-results]");
    if (!alert) {
      alert = document.createElement("div");
      alert.className = "usa-alert usa-alert--warning usa-alert--slim margin-bottom-3";
      alert.setAttribute("role", "alert");
      alert.tabIndex = -1;
      alert.dataset.unsentResults = "";
      var body = document.createElement("div");
      body.className = "usa-alert__body";
      var paragraph = document.createElement("p");
      paragraph.className = "usa-alert__text";
      var link = document.createElement("a");
      link.href = form.dataset.routeUrl;
      link.textContent = form.dataset.routeText;
      paragraph.append(form.dataset.unsent, " ", link);
      body.append(paragraph);
      alert.append(body);
      var main = document.querySelector("#main-content .grid-container") || document.body;
      main.prepend(alert);
    }
    alert.focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (
      !form.matches("form[data-sign-out]") ||
      form.dataset.keptDayCleared ||
      document.documentElement.dataset.offlineQueue ||
      !("caches" in window) ||
      !("indexedDB" in window)
    ) {
      return;
    }
    event.preventDefault();
    function signOut() {
      form.dataset.keptDayCleared = "true";
      form.submit();
    }
    unsentResults().then(
      function (unsent) {
        if (unsent) {
          warnUnsent(form);
        } else {
          clearKeptDay().then(signOut, signOut);
        }
      },
      // The phone's storage cannot be read: nothing of it can be cleared either.
      signOut,
    );
  });
})();
