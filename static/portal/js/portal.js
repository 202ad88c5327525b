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

  // Signing out, from any page, clears what a day's pages kept on this phone (the inspector's
  // route, the field staff's reports: static/portal/js/offline_day.js), so the next person
  // to use it does not find them. Results saved on the phone and not sent yet are never
  // dropped: the sign-out waits, and links to the day they are sent from. On a day's pages
  // their own script sends them first, then clears the day with `portal.clearKeptDay` below.
  // The inspector's queue and cache kept their own names before the machinery was shared.
  var RESULTS_DBS = ["kept-results", "inspector-results"];
  var RESULTS_STORE = "queue";
  var CACHE_PREFIXES = ["kept-day-", "inspector-day-"];

  function unsentIn(name) {
    // Resolves to the database's unsent results (an empty list when there is none).
    var exists = indexedDB.databases
      ? indexedDB.databases().then(function (databases) {
          return databases.some(function (database) {
            return database.name === name;
          });
        })
      : Promise.resolve(true);
    return exists.then(function (found) {
      if (!found) {
        return [];
      }
      return new Promise(function (resolve, reject) {
        var open = indexedDB.open(name);
        open.onsuccess = function () {
          var db = open.result;
          if (!db.objectStoreNames.contains(RESULTS_STORE)) {
            db.close();
            resolve([]);
            return;
          }
          var all = db.transaction(RESULTS_STORE).objectStore(RESULTS_STORE).getAll();
          all.onsuccess = function () {
            db.close();
            resolve(all.result);
          };
          all.onerror = function () {
            db.close();
            reject(all.error);
          };
        };
        open.onerror = function () {
          reject(open.error);
        };
      });
    });
  }

  function unsentResults() {
    return Promise.all(RESULTS_DBS.map(unsentIn)).then(function (lists) {
      return [].concat.apply([], lists);
    });
  }

  // Delete the kept pages and the results' databases; resolves once all are gone (or a
  // database is held open elsewhere: it is deleted when that page closes).
  function clearKeptDay() {
    return caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return CACHE_PREFIXES.some(function (prefix) {
                return name.startsWith(prefix);
              });
            })
            .map(function (name) {
              return caches.delete(name);
            }),
        );
      })
      .then(function () {
        return Promise.all(
          RESULTS_DBS.map(function (name) {
            return new Promise(function (resolve) {
              var request = indexedDB.deleteDatabase(name);
              request.onsuccess = request.onerror = request.onblocked = resolve;
            });
          }),
        );
      });
  }

  window.portal = window.portal || {};
  window.portal.clearKeptDay = clearKeptDay;

  function warnUnsent(form, unsent) {
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
      // The day the results were saved on (the inspector's route when they do not say).
      var route = unsent.filter(function (item) {
        return item.route;
      })[0];
      link.href = route ? route.route : form.dataset.routeUrl;
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
        if (unsent.length) {
          warnUnsent(form, unsent);
        } else {
          clearKeptDay().then(signOut, signOut);
        }
      },
      // The phone's storage cannot be read: nothing of it can be cleared either.
      signOut,
    );
  });
})();
