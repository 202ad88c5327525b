// A member of staff's day without a connection: the inspector's route (permits), the field
// staff's reports (concerns). Progressive enhancement: without this file every page and form
// works as before, online. The page includes templates/portal/_offline_day.html, which names
// the day's service worker and scope and holds the texts.
//
// - Registers the service worker that keeps the visited pages, the day's pages it links to
//   (marked data-offline-stop) and their files on the phone (network first, kept copy when
//   offline).
// - A result form (data-offline-result) submitted is first kept in IndexedDB, under its
//   result key, then sent; when the phone is offline, or the connection says it is up but
//   fails (no answer, a 5xx, no answer in time), it stays kept and is sent when the
//   connection returns. An entry is removed only once the server answered: its refusal shown,
//   or a page of the server's showing the key recorded (data-answered-key). The server
//   records a key once (portal/offline.py), so sending it again is harmless.
// - One queue for every day: whichever day's page is open sends what is kept.
// - Signing out from these pages clears the kept pages and the queue (once it is empty).
(function () {
  "use strict";

  var region = document.querySelector("[data-offline-day]");
  if (!region || !("serviceWorker" in navigator) || !("indexedDB" in window)) {
    return;
  }
  var text = region.dataset;
  var DB = "kept-results";
  var STORE = "queue";
  // The inspector's queue, before the day's machinery was shared: adopted once, then deleted.
  var RETIRED_DB = "inspector-results";
  // A post with no answer by then is taken for a connection that fails; sent again later, it
  // is recorded once all the same.
  var TIMEOUT = 60000;

  // --- The queue ---------------------------------------------------------------------------

  function database() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "key" });
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
  }

  function transact(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = work(tx.objectStore(STORE));
        tx.oncomplete = function () {
          db.close();
          resolve(request && request.result);
        };
        tx.onerror = tx.onabort = function () {
          db.close();
          reject(tx.error);
        };
      });
    });
  }

  function adoptRetired() {
    // Results a phone kept under the old name are moved into the queue, never dropped.
    var listed = indexedDB.databases
      ? indexedDB.databases().then(function (databases) {
          return databases.some(function (database) {
            return database.name === RETIRED_DB;
          });
        })
      : Promise.resolve(false);
    return listed.then(function (found) {
      if (!found) {
        return;
      }
      return new Promise(function (resolve, reject) {
        var open = indexedDB.open(RETIRED_DB);
        open.onerror = function () {
          reject(open.error);
        };
        open.onsuccess = function () {
          var old = open.result;
          if (!old.objectStoreNames.contains(STORE)) {
            old.close();
            resolve([]);
            return;
          }
          var all = old.transaction(STORE).objectStore(STORE).getAll();
          all.onsuccess = function () {
            old.close();
            resolve(all.result);
          };
          all.onerror = function () {
            old.close();
            reject(all.error);
          };
        };
      })
        .then(function (items) {
          return transact("readwrite", function (store) {
            items.forEach(function (item) {
              store.put(item);
            });
          });
        })
        .then(function () {
          indexedDB.deleteDatabase(RETIRED_DB);
        });
    });
  }

  var adopted = adoptRetired().catch(function () {});

  function queued() {
    return adopted.then(function () {
      return transact("readonly", function (store) {
        return store.getAll();
      });
    });
  }

  function enqueue(item) {
    // Keyed by the form's result key: the same form saved twice is one entry.
    return transact("readwrite", function (store) {
      return store.put(item);
    });
  }

  function dequeue(key) {
    return transact("readwrite", function (store) {
      return store.delete(key);
    });
  }

  // --- What the member of staff is told ------------------------------------------------

  function say(message, kind, link) {
    var alert = document.createElement("div");
    alert.className = "usa-alert usa-alert--slim usa-alert--" + (kind || "info");
    var body = document.createElement("div");
    body.className = "usa-alert__body";
    var paragraph = document.createElement("p");
    paragraph.className = "usa-alert__text";
    paragraph.textContent = message;
    if (link) {
      var anchor = document.createElement("a");
      anchor.href = link;
      anchor.textContent = text.recordAgain;
      paragraph.append(" ", anchor);
    }
    body.append(paragraph);
    alert.append(body);
    region.replaceChildren(alert);
  }

  function markQueuedStops(items) {
    items.forEach(function (item) {
      var path = new URL(item.action, location.href).pathname;
      document.querySelectorAll('a[href="' + path + '"]').forEach(function (anchor) {
        if (anchor.parentElement.querySelector("[data-queued-tag]")) {
          return;
        }
        var tag = document.createElement("span");
        tag.className = "usa-tag margin-left-1";
        tag.dataset.queuedTag = "";
        tag.textContent = text.queued;
        anchor.after(tag);
      });
    });
  }

  // --- Keeping a result while offline -----------------------------------------------------

  function entriesOf(form) {
    var entries = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File && !value.name && !value.size) {
        return; // no photo chosen
      }
      entries.push([name, value]);
    });
    return entries;
  }

  function keptOnPhone() {
    say(text.saved, "info");
    region.scrollIntoView({ block: "center" });
  }

  function submitNatively(form) {
    form.dataset.offlineSubmitted = "true";
    form.submit();
  }

  // Online: the result is kept already, so a connection that fails loses nothing. A redirect
  // is not followed here, so the page it leads to still shows the server's message.
  function submitNow(form, item) {
    return post(item, "manual").then(
      function (response) {
        if (response.status >= 500) {
          keptOnPhone();
          retryLater();
        } else if (response.type === "opaqueredirect") {
          // Recorded (or signed out): the route shows the key recorded, which drops it from
          // the queue; otherwise it is sent from there.
          location.assign(form.dataset.recordedUrl);
        } else {
          // Answered without recording it (the form's errors): the server shows why.
          submitNatively(form);
        }
      },
      function () {
        keptOnPhone();
        retryLater();
      },
    );
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-offline-result]") || form.dataset.offlineSubmitted) {
      return;
    }
    var key = form.elements.result_key && form.elements.result_key.value;
    if (!key) {
      return;
    }
    event.preventDefault();
    var item = {
      key: key,
      action: form.action,
      title: document.title,
      route: text.scope,
      entries: entriesOf(form),
      savedAt: new Date().toISOString(),
    };
    enqueue(item).then(
      function () {
        if (navigator.onLine) {
          submitNow(form, item);
        } else {
          keptOnPhone();
        }
      },
      function () {
        // The phone would not keep it: let the browser try the post (and show its error)
        // rather than lose the result silently.
        submitNatively(form);
      },
    );
  });

  // --- Sending the queue ------------------------------------------------------------------

  function csrfToken() {
    // Signing in again gives a new token; the cookie holds the current one.
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : null;
  }

  function bodyOf(item) {
    var body = new FormData();
    var token = csrfToken();
    item.entries.forEach(function (entry) {
      if (entry[0] === "csrfmiddlewaretoken" && token) {
        body.append(entry[0], token);
      } else {
        body.append(entry[0], entry[1]);
      }
    });
    return body;
  }

  function refusal(response) {
    return response.text().then(
      function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var message = page.querySelector(".usa-alert--error .usa-alert__text");
        return (message && message.textContent.trim()) || text.refusedDefault;
      },
      function () {
        return text.refusedDefault;
      },
    );
  }

  function post(item, redirect) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller
      ? setTimeout(function () {
          controller.abort();
        }, TIMEOUT)
      : null;
    return fetch(item.action, {
      method: "POST",
      body: bodyOf(item),
      credentials: "same-origin",
      redirect: redirect,
      signal: controller ? controller.signal : undefined,
    }).finally(function () {
      clearTimeout(timer);
    });
  }

  // One item: resolves to "sent", "refused", or "kept" (try again later).
  function send(item) {
    return post(item, "follow")
      .then(function (response) {
        if (response.redirected && new URL(response.url).pathname.startsWith(text.loginUrl)) {
          say(text.signIn, "warning");
          return "signed-out";
        }
        if (response.status >= 500) {
          return "kept";
        }
        if (response.status < 400) {
          return dequeue(item.key).then(function () {
            return "sent";
          });
        }
        return refusal(response).then(function (message) {
          return dequeue(item.key).then(function () {
            say(text.refused + " " + message, "error", item.action);
            return "refused";
          });
        });
      })
      .catch(function () {
        return "kept"; // still no connection
      });
  }

  function sendAll() {
    return queued().then(function (items) {
      var sent = 0;
      var refused = false;
      var chain = Promise.resolve("sent");
      items.forEach(function (item) {
        chain = chain.then(function (previous) {
          if (previous === "kept" || previous === "signed-out") {
            return previous;
          }
          return send(item).then(function (outcome) {
            sent += outcome === "sent" ? 1 : 0;
            refused = refused || outcome === "refused";
            return outcome;
          });
        });
      });
      return chain.then(function () {
        if (sent && !refused) {
          say(text.sent, "success");
        }
        return queued();
      });
    });
  }

  var sending = null;
  var retry = null;
  function retryLater() {
    // A connection that says it is up but fails: try again in a while.
    if (!retry) {
      retry = setTimeout(function () {
        retry = null;
        replay();
      }, 30000);
    }
  }

  function replay() {
    if (!navigator.onLine) {
      return queued();
    }
    if (!sending) {
      // One sender per phone: other tabs of these pages wait for it.
      var run = navigator.locks
        ? function () {
            return navigator.locks.request(DB, sendAll);
          }
        : sendAll;
      sending = run()
        .then(function (left) {
          if (left.length) {
            retryLater();
          }
          return left;
        })
        .finally(function () {
          sending = null;
        });
    }
    return sending;
  }

  window.addEventListener("online", replay);
  // Results submitted from now on are kept when offline.
  document.documentElement.dataset.offlineQueue = "true";

  // --- Signing out ------------------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("action") !== text.logoutUrl || form.dataset.offlineCleared) {
      return;
    }
    event.preventDefault();
    replay().then(function (left) {
      if (left.length) {
        // Close the small screens' menu the button was in, so the warning is seen.
        var close = document.querySelector(".usa-nav.is-visible .usa-nav__close");
        if (close) {
          close.click();
        }
        say(text.unsent, "warning");
        return;
      }
      // One way to clear the day, the site script's (static/portal/js/portal.js); if it
      // failed to load, signing out still goes on.
      Promise.resolve()
        .then(function () {
          return window.portal.clearKeptDay();
        })
        .finally(function () {
          form.dataset.offlineCleared = "true";
          form.submit();
        });
    });
  });

  // --- Keeping the day on the phone -------------------------------------------------------

  function controlled() {
    if (navigator.serviceWorker.controller) {
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      navigator.serviceWorker.addEventListener("controllerchange", resolve, { once: true });
    });
  }

  function keep(urls, fresh) {
    // Fetched through the worker, which keeps each answer; one at a time, to go easy on a
    // slow connection. The `fresh` ones are asked again even if kept.
    return urls.reduce(function (chain, url) {
      return chain.then(function () {
        return caches.match(url, { ignoreVary: true }).then(function (kept) {
          if (kept && fresh.indexOf(url) === -1) {
            return kept;
          }
          return fetch(url, { credentials: "same-origin" }).catch(function () {});
        });
      });
    }, Promise.resolve());
  }

  function sameOrigin(urls) {
    return urls.filter(function (url) {
      return url && new URL(url, location.href).origin === location.origin;
    });
  }

  var wasControlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker
    .register(text.serviceWorker, { scope: text.scope })
    .then(controlled)
    .then(function () {
      // On the first visit the worker was not there yet to keep this page and its files.
      var files = sameOrigin(
        Array.prototype.map.call(
          document.querySelectorAll("link[rel=stylesheet], script[src], img[src]"),
          function (element) {
            return element.href || element.src;
          },
        ),
      );
      // Nor does it keep a page showing a message once ("Result recorded."): asked again,
      // the page comes without it, and is kept.
      var first =
        wasControlled && !document.querySelector("[data-message]") ? [] : [location.href];
      var stops = sameOrigin(
        Array.prototype.map.call(document.querySelectorAll("a[data-offline-stop]"), function (a) {
          return a.href;
        }),
      );
      return keep(first.concat(files, stops), first);
    })
    .then(function () {
      document.documentElement.dataset.offlineReady = "true";
    })
    .catch(function () {
      // No worker (private mode, or storage refused): the pages work online as before.
    });

  function answeredHere(items) {
    // This page is the server's answer for these keys (shown recorded, or the form sent back
    // with its errors): they are no longer the phone's to send.
    var answered = Array.prototype.map.call(
      document.querySelectorAll("[data-answered-key]"),
      function (element) {
        return element.dataset.answeredKey;
      },
    );
    var left = [];
    var drops = [];
    items.forEach(function (item) {
      if (answered.indexOf(item.key) === -1) {
        left.push(item);
      } else {
        drops.push(dequeue(item.key));
      }
    });
    return Promise.all(drops).then(function () {
      return left;
    });
  }

  queued()
    .then(answeredHere)
    .then(function (items) {
      markQueuedStops(items);
      if (items.length) {
        if (navigator.onLine) {
          replay();
        } else {
          say(text.waiting, "info");
        }
      }
    });
})();
