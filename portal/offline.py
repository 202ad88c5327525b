"""The service worker that keeps a member of staff's day on the phone when the connection
drops: the inspector's route (permits) and the field staff's reports (concerns) alike.

One worker script, served once under each day's pages with that day's scope: it is served
from under the pages (not from /static/), so its scope covers them and only them. A service
mounts it in its urls with the name of its day's page::

    path("field/service-worker.js", offline_service_worker,
         {"scope_url_name": "concerns:field_day"}, name="field_service_worker")

and its pages include ``portal/_offline_day.html`` (with ``worker`` and ``scope``) and load
``portal/js/offline_day.js``, which queues the result forms marked ``data-offline-result``.
A queued result carries a key the form was given; the service that records it stores the key
with a unique constraint (`cases.services.submission_key_claim`), so a result sent twice is
applied once.

The worker is the same code for everybody and holds no data, so it is served without
signing in: browsers fetch it on their own to look for updates, and an update check that got
a login page instead (once the session has expired) would leave an old worker running. What
it keeps is decided in the worker: it stores only answers the server gave in full (200, not
redirected), which the day's pages give to signed-in staff only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET


@require_GET
def offline_service_worker(request: HttpRequest, *, scope_url_name: str) -> HttpResponse:
    scope = reverse(scope_url_name)
    script = render_to_string(
        "portal/offline_service_worker.js",
        {"scope": scope, "login_url": reverse("account_login")},
    )
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    # The worker controls its day's pages only, whatever address serves it.
    response["Service-Worker-Allowed"] = scope
    # Revalidated on every update check, so a fix reaches phones on their next visit.
    response["Cache-Control"] = "no-cache"
    return response
