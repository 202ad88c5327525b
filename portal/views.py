import logging
import sys

import psycopg
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.http import condition, require_GET

from portal import services_catalogue
from portal.context_processors import layout_keys
from portal.dashboard import sections_for
from portal.selectors import services_matching
from portal.theme import current_theme

logger = logging.getLogger(__name__)

SEARCH_QUERY_MAX_LENGTH = 200


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        # Read only when the cached service cards are missing (see home.html).
        "entries": SimpleLazyObject(services_catalogue.entries),
        "catalogue_version": services_catalogue.version(),
    }
    return render(request, "portal/home.html", context)


@require_GET
def service_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:SEARCH_QUERY_MAX_LENGTH]
    if not query:
        context = {"query": query, "results": services_catalogue.entries(), "groups": []}
        return render(request, "portal/search.html", context)
    groups = services_matching(query=query)
    results = [result for group in groups for result in group.results]
    context = {"query": query, "results": results, "groups": groups}
    return render(request, "portal/search.html", context)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The resident's account page: each service's section (portal/dashboard.py), then the
    account settings."""
    context = {"sections": sections_for(user=request.user)}
    return render(request, "portal/dashboard.html", context)


@require_GET
@condition(etag_func=lambda request: current_theme().version)
def theme_css(request: HttpRequest) -> HttpResponse:
    """The agency's colors as CSS (inline styles are forbidden by the CSP)."""
    response = render(
        request, "portal/theme.css", {"theme": current_theme()}, content_type="text/css"
    )
    # base.html links it with ?v=<version>, so a color change gives a new URL.
    patch_cache_control(response, public=True, max_age=60 * 60 * 24 * 30)
    return response


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    """The database and Redis both answer; 503 if either does not."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        logger.exception("Readiness check: database unreachable")
        checks["database"] = "unavailable"
    try:
        cache.set("readyz", "1", timeout=5)
        checks["redis"] = "ok" if cache.get("readyz") == "1" else "unavailable"
    except Exception:
        logger.exception("Readiness check: Redis unreachable")
        checks["redis"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status=200 if ready else 503,
    )


def _error_page(request, status: int, template: str, **context) -> HttpResponse:
    return render(request, template, context, status=status)


def bad_request(request, exception=None):
    return _error_page(request, 400, "400.html")


def permission_denied(request, exception=None):
    """The 403 page, with the refusal's reason when it gives one (services and selectors
    raise PermissionDenied with words written for the person, e.g. "Only staff of the tax
    collector's office may."; the text is escaped like any other)."""
    reason = str(exception) if exception is not None and exception.args else ""
    return _error_page(request, 403, "403.html", reason=reason)


def page_not_found(request, exception=None):
    return _error_page(request, 404, "404.html")


# Seconds a visitor is asked to wait when the database is unreachable (a restart, a
# fail-over): the Retry-After of the 503 page.
DATABASE_RETRY_AFTER_SECONDS = 30
# A lost or refused connection: Django's wrappers of the driver's errors, and the driver's
# own, which reach the handler unwrapped where Django closes a server-side cursor (a form's
# choices are read with .iterator()) on a connection the server has dropped.
DATABASE_LOST = (
    OperationalError,
    InterfaceError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
)


def server_error(request):
    """The 500 page, or the 503 "temporarily unavailable" page when the database is down.

    Django calls this handler inside its `except` block, so the exception is at hand. A lost
    or refused database connection is not a bug of the page: the visitor is told to try
    again shortly, with Retry-After for clients and load balancers.
    """
    error = sys.exc_info()[1]
    unavailable = isinstance(error, DATABASE_LOST)
    # Rendered without the request's context processors: the failure may lie there.
    template = loader.get_template("503.html" if unavailable else "500.html")
    context = {
        "agency": settings.AGENCY,
        "theme_version": current_theme().version,
        **layout_keys(),
    }
    response = HttpResponse(template.render(context), status=503 if unavailable else 500)
    if unavailable:
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
