// Keeps the inspector's day on the phone: every page and file the inspector's pages fetch is
// asked of the network first and kept; when the network fails, the kept copy answers.
// Results recorded without a connection are queued by the pages' own script
// (static/permits/js/inspector_offline.js), not here.
"use strict";

const CACHE = "inspector-day-v1";
const SCOPE = new URL("{{ scope|escapejs }}", self.location).pathname;
const LOGIN = new URL("{{ login_url|escapejs }}", self.location).pathname;

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith("inspector-day-") && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function keepable(response) {
  return response.ok && response.type === "basic" && !response.redirected;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  let response;
  try {
    response = await fetch(request);
  } catch (offline) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) {
      return kept;
    }
    throw offline;
  }
  if (keepable(response)) {
    await cache.put(request, response.clone());
  } else if (request.mode === "navigate" && new URL(response.url).pathname.startsWith(LOGIN)) {
    // Signed out, or the session ended: the kept pages are no longer this person's to see.
    await caches.delete(CACHE);
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return; // posts (results, route moves) always go to the server
  }
  if (request.mode === "navigate" && !url.pathname.startsWith(SCOPE)) {
    return;
  }
  event.respondWith(networkFirst(request));
});
