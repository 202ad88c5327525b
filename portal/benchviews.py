"""The baseline of `make bench`: the cheapest page Django can serve through this project.

The benchmarks report the portal's pages as a share of this view's throughput, measured by
the same gunicorn, settings and middleware in the same run, so the figures say what the
portal's own work costs whatever the machine. Its URLconf is used only by the benchmark's
settings (tests/perf/bench_settings.py); the portal's URLs never include it.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    """A constant, template-free response with no database or cache access."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/bare", bare, name="bench_bare"),
    path("", include("portal.urls")),
]

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
