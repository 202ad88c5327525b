"""The service worker that keeps the inspector's day on the phone when the connection drops.

It is served from under the inspector's pages (not from /static/), so its scope covers them
and only them. It is the same code for everybody and holds no data, so it is served without
signing in: browsers fetch it on their own to look for updates, and an update check that got
a login page instead (once the session has expired) would leave an old worker running. What
it keeps is decided in the worker: it stores only answers the server gave in full (200, not
redirected), which the inspector's pages give to a signed-in inspector only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET


@require_GET
def inspector_service_worker(request: HttpRequest) -> HttpResponse:
    scope = reverse("permits:inspector_day")
    script = render_to_string(
        "permits/inspector_service_worker.js",
        {"scope": scope, "login_url": reverse("account_login")},
    )
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    # The worker controls the inspector's pages only, whatever address serves it.
    response["Service-Worker-Allowed"] = scope
    # Revalidated on every update check, so a fix reaches phones on their next visit.
    response["Cache-Control"] = "no-cache"
    return response
