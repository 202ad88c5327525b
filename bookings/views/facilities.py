"""Public facility pages: the list, a facility's page, and its free times, which work without
JavaScript: each free time is a button in its own small form, and choosing one holds it
(`booking_hold`) and goes on to checkout. Anyone may look and choose; a guest's hold is
known by a random key in their browser session (bookings.selectors_checkout), a resident's
by their account too. Thin: parse, call one service, render or redirect."""

from __future__ import annotations

import datetime
import secrets

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bookings import facility_facts
from bookings import selectors_public as selectors
from bookings.availability import days_availability
from bookings.exceptions import HoldRefused, SlotTaken
from bookings.forms_checkout import HoldForm
from bookings.models import Facility, FacilityPhoto
from bookings.selectors_checkout import SESSION_HOLDER_KEY, session_holder_key
from bookings.selectors_release import release_links
from bookings.services import holds
from bookings.windows import availability_window, choices_of, month_window, nearest_choices


@require_GET
def facility_list(request: HttpRequest) -> HttpResponse:
    facilities = [
        (facility, facility_facts.price_from_cents(facility))
        for facility in selectors.facilities_published()
    ]
    return render(request, "bookings/facility_list.html", {"facilities": facilities})


def _facility(loader, code: str) -> Facility:
    try:
        return loader(code=code)
    except Facility.DoesNotExist:
        raise Http404 from None


@require_GET
def facility_detail(request: HttpRequest, code: str) -> HttpResponse:
    facility = _facility(selectors.facility_published, code)
    return render(request, "bookings/facility_detail.html", _detail_context(facility))


def _detail_context(facility: Facility) -> dict:
    return {
        "facility": facility,
        "hours": facility_facts.weekly_hours(facility),
        "policy": facility_facts.cancellation_policy(facility),
        "unit": facility_facts.price_unit_words(facility),
    }


def facility_preview(request: HttpRequest, *, facility: Facility, language: str) -> HttpResponse:
    """The visitor's page of `facility`, draft or published, in `language`: what the
    administrator previews from the facility's admin page (the admin checks who may)."""
    with translation.override(language):
        context = {**_detail_context(facility), "preview": True}
        response = render(request, "bookings/facility_detail.html", context)
        response["Content-Language"] = language
    return response


@require_GET
def facility_photo(request: HttpRequest, code: str, photo_id: int) -> FileResponse:
    """A published facility's photo, streamed through storage (never from MEDIA_URL)."""
    # Staff who may see facilities see a draft's photos too (its preview shows them).
    drafts = request.user.has_perm("bookings.view_facility")
    try:
        photo = selectors.facility_photo(code=code, photo_id=photo_id, drafts=drafts)
    except FacilityPhoto.DoesNotExist:
        raise Http404 from None
    response = FileResponse(photo.image.open("rb"))
    response["X-Content-Type-Options"] = "nosniff"
    published = photo.facility.published_at is not None
    response["Cache-Control"] = "public, max-age=3600" if published else "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def facility_availability(request: HttpRequest, code: str) -> HttpResponse:
    """Free times of a day or a week; POST holds the chosen one and goes to checkout."""
    facility = _facility(selectors.facility_for_booking, code)
    form = HoldForm(request.POST or None)
    query, refusal, nearest, status = request.GET.dict(), "", [], 200
    release: dict = {}  # where a refused visitor may go instead: a waitlist, a lottery
    if request.method == "POST":
        if form.is_valid():
            start, minutes = form.cleaned_data["start"], form.cleaned_data["minutes"]
            try:
                booking = _hold(request, facility, start, minutes)
            except SlotTaken as error:
                refusal, nearest, status = str(error), error.nearest, 409
                release = release_links(facility=facility, start=start, minutes=minutes)
            except HoldRefused as error:
                refusal, status = str(error), 400
                release = release_links(facility=facility, start=start, minutes=minutes)
                release.pop("waitlist_url", None)  # a time the rules refuse has no waitlist
            else:
                return redirect("bookings:checkout", reference=booking.reference)
            local = timezone.localtime(start, facility.time_zone)
            query.update(day=local.date().isoformat(), length=str(minutes))
        else:
            refusal, status = _("Choose a start time from the list."), 400
    window = availability_window(facility=facility, query=query)
    days = days_availability(facility=facility, first=window.first, days=window.days)
    context = {
        "facility": facility,
        "window": window,
        "days": choices_of(days, length=window.length),
        "refusal": refusal,
        "nearest": nearest_choices(nearest, length=window.length),
        "release": release,
    }
    return render(request, "bookings/facility_availability.html", context, status=status)


def _hold(request: HttpRequest, facility: Facility, start, minutes: int):
    key = session_holder_key(request.session)
    if not key:
        key = secrets.token_urlsafe(24)
        request.session[SESSION_HOLDER_KEY] = key
    booking = holds.booking_hold(
        facility=facility,
        start=start,
        minutes=minutes,
        holder_key=key,
        user=request.user if request.user.is_authenticated else None,
    )
    holds.holds_release_others(holder_key=key, keep=booking)
    return booking


@require_GET
def facility_availability_month(request: HttpRequest, code: str) -> HttpResponse:
    """A month of free times (``?month=YYYY-MM&length=N``), as the HTML the availability
    page's calendar (static/bookings/calendar.js) puts on the page: every day with its free
    times as the same small forms the list has, so choosing one holds it the same way."""
    facility = _facility(selectors.facility_for_booking, code)
    first_weekday = int(formats.get_format("FIRST_DAY_OF_WEEK"))
    month = month_window(facility=facility, query=request.GET.dict(), first_weekday=first_weekday)
    days = days_availability(facility=facility, first=month.first, days=month.days)
    by_day = {entry.day: entry for entry in choices_of(days, length=month.length)}
    context = {
        "facility": facility,
        "month": month,
        "weeks": [[by_day.get(day) if day else None for day in week] for week in month.weeks],
        "days": list(by_day.values()),
        "weekdays": _weekdays(first_weekday),
        "window": availability_window(
            facility=facility, query={"day": month.first.isoformat(), "length": month.length}
        ),
    }
    response = render(request, "bookings/_availability_month.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


def _weekdays(first_weekday: int) -> list:
    """Seven dates of one week from `first_weekday`, for the calendar's column headers."""
    sunday = datetime.date(2024, 1, 7)
    return [sunday + datetime.timedelta(days=(first_weekday + n) % 7) for n in range(7)]
