"""Open311 GeoReport v2 at /open311/v2/, in XML and JSON.

Errors follow the spec: a list of {code, description}; 404 for an unknown service, request,
token or jurisdiction, 403 for a missing or bad api_key, 400 for anything else wrong with
the parameters, plus 429 when a key goes over its rate limit and 405 for a wrong method.
A request posted here becomes the same concern case as one made on the web.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from concerns import selectors, services
from concerns.models import ConcernCategory, ReportSource
from concerns.open311 import representation
from concerns.open311.formats import error_response, respond
from concerns.open311.params import ApiError, check_jurisdiction, new_request, request_query, value
from concerns.open311.ratelimit import over_limit
from portal.paths import answers_nul_paths

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-01-01T00:00:00Z"


def _api(methods: tuple[str, ...]):
    """Turn ApiError into the spec's error document; refuse other methods with 405."""

    def decorate(view):
        def wrapped(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in methods:
                return error_response(
                    fmt,
                    405,
                    f"Use {' or '.join(methods)} here.",
                    Allow=", ".join(methods),
                )
            try:
                if any("\x00" in str(part) for part in (*args, *kwargs.values())):
                    raise ApiError(404, "No such item: its id holds a NUL character.")
                return view(request, *args, fmt=fmt, **kwargs)
            except ApiError as error:
                return error_response(fmt, error.status, error.description)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return answers_nul_paths(csrf_exempt(wrapped))

    return decorate


def _base_url(request: HttpRequest) -> str:
    return (
        settings.SITE_URL + reverse("open311:discovery", kwargs={"fmt": "json"}).rsplit("/", 1)[0]
    )


@_api(("GET", "HEAD"))
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Service discovery: where the endpoint is and which formats it speaks."""
    body = {
        "changeset": CHANGESET,
        "contact": f"{settings.AGENCY['name']}, {settings.AGENCY['email']}, "
        f"{settings.AGENCY['phone']}",
        "key_service": settings.AGENCY["email"],
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": _base_url(request),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", body)


@_api(("GET", "HEAD"))
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    check_jurisdiction(request.GET)
    categories = selectors.categories_active().order_by("group", "order", "name")
    return respond(fmt, "services", [representation.service(c) for c in categories])


def _category(code: str) -> ConcernCategory:
    category = (
        selectors.categories_active().filter(code=code).first() if "\x00" not in code else None
    )
    if category is None:
        raise ApiError(404, f"service_code {code[:64]!r} was not found.")
    return category


@_api(("GET", "HEAD"))
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    check_jurisdiction(request.GET)
    category = _category(code)
    return respond(fmt, "service_definition", representation.service_definition(category))


@_api(("GET", "HEAD", "POST"))
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    check_jurisdiction(request.GET)
    query = request_query(request.GET)
    if query.service_codes:
        # Inactive categories keep their reports; a draft is no service yet.
        known = set(
            ConcernCategory.objects.filter(published_at__isnull=False).values_list(
                "code", flat=True
            )
        )
        missing = [code for code in query.service_codes if code not in known]
        if missing:
            raise ApiError(404, f"service_code {missing[0][:64]!r} was not found.")
    reports = selectors.reports_for_open311(
        references=query.references,
        service_codes=query.service_codes,
        start=query.start,
        end=query.end,
        statuses=query.statuses,
        limit=settings.OPEN311_MAX_RESULTS,
    )
    return _service_requests(fmt, reports)


def _service_requests(fmt: str, reports) -> HttpResponse:
    departments = selectors.department_names()
    body = [representation.service_request(r, departments=departments) for r in reports]
    return respond(fmt, "service_requests", body)


@_api(("GET", "HEAD"))
def request_detail(request: HttpRequest, reference: str, fmt: str) -> HttpResponse:
    check_jurisdiction(request.GET)
    reports = selectors.reports_for_open311(references=[reference.upper()], limit=1)
    if not reports or "\x00" in reference:
        raise ApiError(404, f"service_request_id {reference[:24]!r} was not found.")
    return _service_requests(fmt, reports)


@_api(("GET", "HEAD"))
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    check_jurisdiction(request.GET)
    report = selectors.report_for_api_token(token=token)
    if report is None:
        raise ApiError(404, f"token {token[:64]!r} was not found.")
    body = [{"service_request_id": report.case.reference, "token": str(report.token)}]
    return respond(fmt, "service_requests", body)


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    raw_key = value(data, "api_key")
    if not raw_key:
        raise ApiError(403, "api_key was not provided.")
    api_key = selectors.api_key_active(digest=services.api_key_digest(raw_key))
    if api_key is None:
        raise ApiError(403, "api_key is not valid.")
    retry_after = over_limit(api_key)
    if retry_after:
        return error_response(
            fmt,
            429,
            "Too many requests for this api_key: try again later.",
            Retry_After=retry_after,
        )
    check_jurisdiction(data)
    parsed = new_request(data)
    category = _category(parsed.service_code)
    try:
        report = services.report_submit(
            category=category,
            description=parsed.description,
            address=parsed.address,
            latitude=parsed.latitude or None,
            longitude=parsed.longitude or None,
            answers=parsed.answers,
            photos=request.FILES.getlist("media")[:5],
            guest_name=parsed.name,
            guest_email=parsed.email,
            guest_phone=parsed.phone,
            source=ReportSource.API,
            api_key=api_key,
            device_id=parsed.device_id,
            account_id=parsed.account_id,
            media_url=parsed.media_url,
        )
    except services.ReportRejected as error:
        raise ApiError(400, _describe(error)) from None
    transaction.on_commit(lambda: services.api_key_record_use(api_key=api_key))
    body = [
        {
            "service_request_id": report.case.reference,
            "service_notice": "",
            "account_id": report.account_id,
        }
    ]
    return respond(fmt, "service_requests", body)


# The Open311 parameter each of the report's fields came from.
_PARAMETERS = {
    "description": "description",
    "address": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "photos": "media",
    "guest_name": "first_name",
    "name": "first_name",
    "device_id": "device_id",
    "account_id": "account_id",
    "category": "service_code",
}


def _describe(error: services.ReportRejected) -> str:
    parts = []
    for field, messages in error.message_dict.items():
        if field.startswith("attribute_"):
            parameter = f"attribute[{field.removeprefix('attribute_')}]"
        else:
            parameter = _PARAMETERS.get(field, field)
        parts.extend(f"{parameter}: {message}" for message in messages)
    return " ".join(parts)
