// Keeps a day's work on the phone (portal/offline.py serves it under each day's pages, with
// that day's scope): every page and file the day's pages fetch is asked of the network first
// and kept; when the network fails, the kept copy answers. Results recorded without a
// connection are queued by the pages' own script (static/portal/js/offline_day.js), not here.
// Every day's worker shares one cache, so signing out (or a sign-in page met by any of them)
// clears all of them at once.
"use strict";

const CACHE = "kept-day-v1";
// Before the day's machinery was shared, the inspector's worker kept its own cache.
const RETIRED = /^(kept-day-|inspector-day-)/;
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
            .filter((name) => RETIRED.test(name) && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function keepable(response) {
  // Pages that say "do not store" (one carrying a message shown once, such as "Result
  // recorded.") are not kept: offline, the kept copy would say it again.
  return (
    response.ok &&
    response.type === "basic" &&
    !response.redirected &&
    !/no-store/i.test(response.headers.get("Cache-Control") || "")
  );
}

async function keptCopy(request) {
  try {
    const cache = await caches.open(CACHE);
    return await cache.match(request, { ignoreVary: true });
  } catch (refused) {
    return undefined;
  }
}

async function keep(request, response) {
  // Keeping is a bonus, never a condition of the answer: a phone whose storage is full, or an
  // answer whose body breaks off, still shows the page and its stylesheet from the network.
  try {
    const cache = await caches.open(CACHE);
    await cache.put(request, response);
  } catch (refused) {
    // Nothing kept this time; the next visit tries again.
  }
}

async function forget() {
  try {
    await caches.delete(CACHE);
  } catch (refused) {
    // The next sign-out, or the pages' own script, clears it.
  }
}

// Answers from the network, falling back to the kept copy; what it keeps meanwhile is pushed
// onto `keeping`, which the fetch event waits for after answering.
async function networkFirst(request, keeping) {
  const navigation = request.mode === "navigate";
  let response;
  try {
    response = await fetch(request);
  } catch (offline) {
    const kept = await keptCopy(request);
    if (kept) {
      return kept;
    }
    throw offline;
  }
  if (keepable(response)) {
    keeping.push(keep(request, response.clone()));
  } else if (navigation && new URL(response.url).pathname.startsWith(LOGIN)) {
    // Signed out, or the session ended: the kept pages are no longer this person's to see.
    keeping.push(forget());
  } else if (!navigation && response.status >= 500) {
    // A file the server failed to give (a proxy's 502 on a bad connection): the kept copy
    // is better than a page without its stylesheet. A page's error is shown as it is.
    return (await keptCopy(request)) || response;
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
  const keeping = [];
  const answer = networkFirst(request, keeping);
  event.respondWith(answer);
  event.waitUntil(answer.then(() => Promise.all(keeping)).catch(() => {}));
});
