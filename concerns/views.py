"""Residents' pages: report a problem in three steps (category, place, details), follow
reports, say "not fixed", rate us; and the public map, list and CSV.

Every page works without JavaScript: the map only fills in the latitude and longitude
fields that are on the page anyway.
"""

from __future__ import annotations

import csv
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.exceptions import ActionForbidden, SubmissionKeyTaken
from cases.links import LinkError
from cases.selectors import published_timeline, resident_timeline
from cases.views import link_problem
from concerns import selectors, services
from concerns.forms import (
    CategorySearchForm,
    FollowForm,
    LocationForm,
    NotFixedForm,
    PublicFilterForm,
    RatingForm,
    ReportForm,
)
from concerns.geo import agency_area
from concerns.models import MAX_PHOTOS
from concerns.photos import PhotoRejected
from concerns.ratelimit import photo_hold_allowed, report_allowed
from concerns.validators import clean_location
from portal.localized import localized
from portal.permissions_policy import permissions_allowed

LIST_PAGE_SIZE = 25


def map_settings() -> dict:
    """What the map script needs; `enabled` is False without a tile server."""
    area = agency_area()
    return {
        "enabled": bool(settings.MAP_TILE_URL),
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "zoom": settings.MAP_DEFAULT_ZOOM,
        "center": list(area.center),
        "bounds": [[float(area.south), float(area.west)], [float(area.north), float(area.east)]],
        "icons": static("vendor/leaflet/images/"),
    }


@require_GET
def report_start(request: HttpRequest) -> HttpResponse:
    """Step 1: choose a category, grouped, with a search that works without JavaScript."""
    form = CategorySearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    groups: dict[str, list] = {}
    for category in selectors.categories_matching(query):
        groups.setdefault(localized(category, "group") or _("Other"), []).append(category)
    return render(
        request, "concerns/report_start.html", {"form": form, "groups": groups, "query": query}
    )


@permissions_allowed("geolocation")  # "Use my location" reads the position.
@require_GET
def report_location(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: where it is: an address, or a pin on the map (which fills in coordinates)."""
    category = selectors.category_for_reporting(code=code)
    form = LocationForm(
        request.GET or None,
        location_required=category.location_required,
        map_enabled=bool(settings.MAP_TILE_URL),
    )
    if request.GET and form.is_valid():
        try:
            clean_location(required=category.location_required, **form.cleaned_data)
        except ValidationError as error:
            for field, field_errors in error.error_dict.items():
                form.add_error(field, field_errors)
        else:
            query = urlencode({k: v for k, v in form.cleaned_data.items() if v})
            return redirect(f"{reverse('concerns:report_details', args=[code])}?{query}")
    return render(
        request,
        "concerns/report_location.html",
        {"category": category, "form": form, "map": map_settings()},
    )


def _location_from(data) -> tuple[str, object, object] | None:
    try:
        return clean_location(
            address=data.get("address", ""),
            latitude=data.get("latitude", ""),
            longitude=data.get("longitude", ""),
            required=False,
        )
    except ValidationError:
        return None


def _held_photos(request: HttpRequest, form: ReportForm) -> list[services.HeldPhoto]:
    """The photos this send carries: those kept from an earlier send of the form (ticked
    boxes), then each new upload, checked and held so a form that comes back keeps it. A
    problem with one goes on the photos field; the others are kept."""
    held, problems = [], []
    for token in dict.fromkeys(request.POST.getlist("keep_photo")):
        try:
            held.append(services.held_photo_from_token(token))
        except ValidationError as error:
            problems.extend(error.messages)
    keep_location = bool(request.POST.get("use_photo_location"))
    for upload in request.FILES.getlist("photos"):
        if len(held) >= MAX_PHOTOS:
            problems.append(_("Choose at most %(count)d photos.") % {"count": MAX_PHOTOS})
            break
        if not photo_hold_allowed(request):
            problems.append(
                _(
                    "You have sent many photos from this connection lately. Wait an hour and "
                    "choose them again, or call us."
                )
            )
            break
        try:
            held.append(services.photo_hold(upload=upload, keep_location=keep_location))
        except PhotoRejected as error:
            problems.extend(error.messages)
    known = form.errors.get("photos", [])
    for problem in dict.fromkeys(problems):
        if problem not in known:
            form.add_error("photos", problem)
    return held


@require_http_methods(["GET", "POST"])
def report_details(request: HttpRequest, code: str) -> HttpResponse:
    """Step 3: what is wrong, the category's questions, photos, contact; with the open
    reports nearby offered first ("is this it? follow it instead")."""
    category = selectors.category_for_reporting(code=code)
    data = request.POST if request.method == "POST" else request.GET
    location = _location_from(data)
    if location is None or (category.location_required and not (location[0] or location[1])):
        # The place page explains what is wrong with it.
        fields = {k: data.get(k, "") for k in ("address", "latitude", "longitude") if data.get(k)}
        return redirect(f"{reverse('concerns:report_location', args=[code])}?{urlencode(fields)}")
    address, latitude, longitude = location
    signed_in = request.user.is_authenticated
    initial = {"address": address, "latitude": latitude or "", "longitude": longitude or ""}
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        category=category,
        signed_in=signed_in,
        has_point=latitude is not None,
        has_kept_photos=bool(request.POST.getlist("keep_photo")),
    )
    if request.method == "POST":
        # Sent twice (a double click, a reload): the first send made the report. Before the
        # held photos, which that send used up.
        sent = selectors.report_for_submission(
            category=category, submission=request.POST.get("submission", "")
        )
        if sent is not None:
            return redirect("concerns:report_sent", reference=sent.case.reference)
    held = _held_photos(request, form) if request.method == "POST" else []
    status = 200
    if request.method == "POST" and form.is_valid() and not report_allowed(request):
        form.add_error(
            None,
            _(
                "You have sent many reports from this connection lately. Wait an hour and "
                "send it again, or call us."
            ),
        )
        status = 429
    elif request.method == "POST" and form.is_valid():
        try:
            report = services.report_submit(
                category=category,
                description=form.cleaned_data["description"],
                address=address,
                latitude=latitude,
                longitude=longitude,
                answers=form.answers,
                held_photos=held,
                use_photo_location=form.cleaned_data.get("use_photo_location", False),
                reporter=request.user if signed_in else None,
                guest_name=form.cleaned_data.get("guest_name", ""),
                guest_email=form.cleaned_data.get("guest_email", ""),
                guest_phone=str(form.cleaned_data.get("guest_phone") or ""),
                submission=form.cleaned_data.get("submission"),
            )
        except services.ReportRejected as error:
            for field, field_errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, field_errors)
        except SubmissionKeyTaken:
            form.add_error(
                None,
                _(
                    "This form was sent for another report: nothing was sent. "
                    "Check it and send it again."
                ),
            )
            # A fresh key, so the form sent again is a report of its own.
            form.data = form.data.copy()
            form.data["submission"] = str(uuid.uuid4())
            status = 400
        else:
            return redirect("concerns:report_sent", reference=report.case.reference)
    if latitude is not None:
        nearby = selectors.nearby_open_reports(
            category=category, latitude=latitude, longitude=longitude
        )
    else:
        nearby = selectors.open_reports_at_address(category=category, address=address)
    context = {
        "category": category,
        "form": form,
        "address": address,
        "latitude": latitude,
        "longitude": longitude,
        "nearby": nearby,
        "change_location_url": (
            f"{reverse('concerns:report_location', args=[code])}?"
            + urlencode({k: v for k, v in initial.items() if v})
        ),
        "held_photos": [{"token": photo.token, "label": photo.label} for photo in held],
    }
    return render(request, "concerns/report_details.html", context, status=status)


@require_GET
def report_sent(request: HttpRequest, reference: str) -> HttpResponse:
    """The confirmation: the reference and what happens next (public facts only)."""
    report = selectors.report_public(reference=reference)
    return render(
        request,
        "concerns/report_sent.html",
        {"report": report, "is_reporter": selectors.is_reporter(report=report, user=request.user)},
    )


def _point(report) -> dict:
    return {
        "reference": report.case.reference,
        "lat": float(report.latitude),
        "lon": float(report.longitude),
        "label": f"{report.case.reference}: {localized(report.category, 'name')}",
        "url": report.get_absolute_url(),
    }


def _detail_context(request, report, *, guest_token: str = "", **forms) -> dict:
    is_reporter = bool(guest_token) or selectors.is_reporter(report=report, user=request.user)
    closed = report.case.closed_at is not None
    return {
        "report": report,
        "case": report.case,
        # Anyone reads the published history; the reporter also what is addressed to them.
        "timeline": (resident_timeline if is_reporter else published_timeline)(case=report.case),
        "photos": selectors.photos_public(report=report),
        "answers": selectors.report_answers(report=report),
        "map": map_settings(),
        "map_points": [_point(report)] if report.has_point else [],
        "guest_token": guest_token,
        "is_reporter": is_reporter,
        "is_following": selectors.is_following(report=report, user=request.user),
        "can_follow": not closed and not is_reporter,
        "can_say_not_fixed": is_reporter and services.can_say_not_fixed(report),
        "can_rate": is_reporter and closed and report.rating is None,
        "follow_form": forms.get("follow_form") or FollowForm(),
        "not_fixed_form": forms.get("not_fixed_form") or NotFixedForm(),
        "rating_form": forms.get("rating_form") or RatingForm(),
        "has_errors": any(form.errors for form in forms.values() if form is not None),
    }


@require_GET
def report_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """A report's public page: no personal data; the reporter's actions when it is theirs."""
    report = selectors.report_public(reference=reference)
    return render(request, "concerns/report_detail.html", _detail_context(request, report))


@require_GET
def report_guest(request: HttpRequest, token: str) -> HttpResponse:
    """The guest reporter's page, reached by the signed link we sent them."""
    try:
        report = selectors.report_for_guest_token(token=token)
    except LinkError as error:
        return link_problem(request, error, token=token)
    response = render(
        request, "concerns/report_detail.html", _detail_context(request, report, guest_token=token)
    )
    # The token is a credential: keep it out of other sites' Referer headers and shared
    # caches. Not "no-referrer": the browser would then send "Origin: null" with the page's
    # own forms ("not fixed", the rating), and the CSRF check refuses that.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _following_message(request, follower, *, typed_email: str | None = None) -> None:
    """Say what happens next. A guest's follower row may be someone else's (found by the
    phone number they typed, with an e-mail address they did not): name only the address
    this visitor typed (`typed_email`), never one read from the row."""
    if follower is None or follower.confirmed_at is not None:
        messages.success(request, _("You are following this report. We will tell you about it."))
        return
    if typed_email is not None:
        address = typed_email
    else:
        address = follower.email or (follower.user.email if follower.user_id else "")
    if address:
        messages.info(
            request,
            _(
                "Check your e-mail: open the link we sent to %(address)s to get updates. "
                "We send nothing more until then."
            )
            % {"address": address},
        )
    else:
        messages.info(
            request,
            _(
                "Check your text messages: open the link we sent to get updates. "
                "We send nothing more until then."
            ),
        )


@require_POST
def report_follow(request: HttpRequest, reference: str) -> HttpResponse:
    report = selectors.report_public(reference=reference)
    if report.case.closed_at is not None:
        messages.error(request, _("This report is closed: there will be no more updates."))
        return redirect(report)
    if request.user.is_authenticated:
        follower = services.report_follow(report=report, user=request.user)
        _following_message(request, follower)
        return redirect(report)
    form = FollowForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, report, follow_form=form)
        return render(request, "concerns/report_detail.html", context, status=400)
    follower = services.report_follow(
        report=report, email=form.cleaned_data["email"], phone=str(form.cleaned_data["phone"] or "")
    )
    _following_message(request, follower, typed_email=form.cleaned_data["email"].strip())
    return redirect(report)


@require_http_methods(["GET", "POST"])
def report_follow_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link a new follower was sent: a button that confirms (mail scanners open links,
    so opening it changes nothing)."""
    follower = selectors.follower_for_confirm_token(token=token)
    report = follower.case.concern
    if request.method == "POST":
        if report.case.closed_at is not None:
            messages.error(request, _("This report is closed: there will be no more updates."))
        else:
            services.report_follow_confirm(follower=follower)
            _following_message(request, follower)
        return redirect(report)
    response = render(
        request, "concerns/follow_confirm.html", {"report": report, "follower": follower}
    )
    # The token is a credential: keep it out of other sites' Referer headers and shared
    # caches. Not "no-referrer": the browser would then send "Origin: null" with the button's
    # POST, which the CSRF check refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def report_unfollow(request: HttpRequest, reference: str) -> HttpResponse:
    report = selectors.report_public(reference=reference)
    services.report_unfollow(report=report, user=request.user)
    messages.success(request, _("You no longer follow this report."))
    return redirect(report)


def _reporter_action(request, report, *, token: str, form_class, form_key: str, act):
    """Run a reporter's action (not fixed, rating) from their page or a guest link."""
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except ActionForbidden:
            messages.error(request, _("That is no longer possible for this report."))
            return None
        else:
            return None
    context = _detail_context(request, report, guest_token=token, **{form_key: form})
    return render(request, "concerns/report_detail.html", context, status=400)


def _back(report, token: str):
    if token:
        return redirect("concerns:guest", token=token)
    return redirect(report)


def _not_fixed(request, report, token: str) -> HttpResponse:
    def act(data):
        services.report_not_fixed(
            report=report,
            reporter=None if token else request.user,
            guest=bool(token),
            comment=data["comment"],
        )
        messages.success(request, _("Thank you. The report is open again and staff will look."))

    response = _reporter_action(
        request, report, token=token, form_class=NotFixedForm, form_key="not_fixed_form", act=act
    )
    return response or _back(report, token)


def _rate(request, report, token: str) -> HttpResponse:
    def act(data):
        services.report_rate(
            report=report,
            rating=data["rating"],
            comment=data["comment"],
            reporter=None if token else request.user,
            guest=bool(token),
        )
        messages.success(request, _("Thank you for rating our service."))

    response = _reporter_action(
        request, report, token=token, form_class=RatingForm, form_key="rating_form", act=act
    )
    return response or _back(report, token)


@login_required
@require_POST
def report_not_fixed(request: HttpRequest, reference: str) -> HttpResponse:
    return _not_fixed(request, selectors.report_public(reference=reference), "")


@login_required
@require_POST
def report_rate(request: HttpRequest, reference: str) -> HttpResponse:
    return _rate(request, selectors.report_public(reference=reference), "")


@require_POST
def guest_not_fixed(request: HttpRequest, token: str) -> HttpResponse:
    try:
        report = selectors.report_for_guest_token(token=token)
    except LinkError as error:
        return link_problem(request, error, token=token)
    return _not_fixed(request, report, token)


@require_POST
def guest_rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        report = selectors.report_for_guest_token(token=token)
    except LinkError as error:
        return link_problem(request, error, token=token)
    return _rate(request, report, token)


@require_GET
def held_photo(request: HttpRequest, token: str) -> FileResponse:
    """A photo held for a report form, shown back to the person who chose it (by its signed
    token: nobody else has it)."""
    try:
        held = services.held_photo_from_token(token)
    except ValidationError:
        raise Http404 from None
    response = FileResponse(services.held_photo_open(held), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def photo(request: HttpRequest, reference: str, position: int) -> FileResponse:
    """A public photo, streamed through storage (uploads are never served from MEDIA_URL)."""
    concern_photo = selectors.photo_public(reference=reference, position=position)
    response = FileResponse(concern_photo.image.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _filtered(request):
    form = PublicFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    reports = selectors.reports_public(
        category=filters.get("category"),
        status=filters.get("status", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    return form, reports


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """Recent reports as a list (and, with a tile server, a map of the same page)."""
    form, reports = _filtered(request)
    page = Paginator(reports, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    points = [_point(report) for report in page.object_list if report.has_point]
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "points": points,
        "map": map_settings(),
    }
    return render(request, "concerns/report_list.html", context)


class _Echo:
    def write(self, value):
        return value


CSV_COLUMNS = [
    "reference",
    "category_code",
    "category",
    "status",
    "reported_at",
    "closed_at",
    "close_reason",
    "public_reason",
    "address",
    "latitude",
    "longitude",
    "description",
]


def _csv_safe(value) -> str:
    """Neutralise spreadsheet formulas (=, +, -, @ at the start of a cell)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@require_GET
def report_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV open data: public fields only, streamed in batches."""
    _form, reports = _filtered(request)
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for report in reports.iterator(chunk_size=2000):
            case = report.case
            yield writer.writerow(
                [
                    case.reference,
                    report.category.code,
                    _csv_safe(report.category.name),
                    "closed" if case.closed_at else "open",
                    timezone.localtime(report.requested_at).isoformat(timespec="seconds"),
                    timezone.localtime(case.closed_at).isoformat(timespec="seconds")
                    if case.closed_at
                    else "",
                    report.close_reason,
                    _csv_safe(report.public_reason),
                    _csv_safe(report.address),
                    report.latitude if report.latitude is not None else "",
                    report.longitude if report.longitude is not None else "",
                    _csv_safe(report.description),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="concern-reports.csv"'
    return response
