"""Staff's calendar of a facility (a day or a week: bookings and blocked time) and the form
that blocks time for maintenance. Wired into the admin by `bookings.admin.staff`; plain links
and forms, so it works without JavaScript."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import selectors_staff as selectors
from bookings.exceptions import StaffActionRefused
from bookings.forms_staff import BlockForm
from bookings.models import Booking, BookingKind, BookingStatus, Facility
from bookings.services import blocks
from bookings.staff_permissions import may_work_facilities
from cases import permissions
from portal.query_days import query_day

WEEK = "week"


def _facility(request: HttpRequest, facility_id: int) -> Facility:
    facility = selectors.facilities_for_staff(user=request.user).filter(pk=facility_id).first()
    if facility is None:
        raise Http404
    return facility


def _first_day(request: HttpRequest, facility: Facility, span: str) -> datetime.date:
    day = query_day(request.GET.get("day")) or (
        timezone.localtime(timezone.now(), facility.time_zone).date()
    )
    return day - datetime.timedelta(days=day.weekday()) if span == WEEK else day


def calendar_url(facility: Facility, day: datetime.date, span: str = "") -> str:
    url = reverse("admin:bookings_booking_calendar", args=[facility.pk])
    return f"{url}?day={day.isoformat()}" + (f"&span={span}" if span else "")


def facility_list(request: HttpRequest, model_admin) -> HttpResponse:
    if not may_work_facilities(request.user):
        raise PermissionDenied
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Facility calendars"),
        "facilities": selectors.facilities_for_staff(user=request.user),
    }
    return render(request, "bookings/staff/facilities.html", context)


def facility_calendar(
    request: HttpRequest, model_admin, facility_id: int, *, form=None, error: str = ""
) -> HttpResponse:
    """A day (or, with ?span=week, the week from its Monday) of the facility."""
    facility = _facility(request, facility_id)
    span = WEEK if request.GET.get("span") == WEEK else ""
    first = _first_day(request, facility, span)
    days = 7 if span == WEEK else 1
    step = datetime.timedelta(days=days)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Calendar of %(facility)s") % {"facility": facility.name},
        "facility": facility,
        "span": span,
        "calendar": selectors.staff_calendar(facility=facility, first=first, days=days),
        "previous_url": calendar_url(facility, first - step, span),
        "next_url": calendar_url(facility, first + step, span),
        "day_url": calendar_url(facility, first),
        "week_url": calendar_url(facility, first, WEEK),
        "may_block": may_work_facilities(request.user, permissions.MOVE),
        "block_form": form or BlockForm(initial={"day": first}),
        "error": error,
        "block_kind": BookingKind.BLOCK,
    }
    status = 400 if form is not None or error else 200
    return render(request, "bookings/staff/calendar.html", context, status=status)


def block_add(request: HttpRequest, model_admin, facility_id: int) -> HttpResponse:
    facility = _facility(request, facility_id)
    form = BlockForm(request.POST)
    if not form.is_valid():
        return facility_calendar(request, model_admin, facility_id, form=form)
    starts_at, ends_at = form.period(facility.time_zone)
    try:
        blocks.block_create(
            facility=facility,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            booker_message=form.cleaned_data["booker_message"],
        )
    except (StaffActionRefused, PermissionDenied) as refused:
        form.add_error(None, str(refused))
        return facility_calendar(request, model_admin, facility_id, form=form)
    messages.success(request, _("The time is blocked: visitors see it as unavailable."))
    if form.cleaned_data["booker_message"]:
        messages.info(
            request,
            _("Any booking in that time is cancelled with a full refund, and its booker told."),
        )
    return HttpResponseRedirect(calendar_url(facility, form.cleaned_data["day"]))


def block_remove(request: HttpRequest, model_admin, block_id: int) -> HttpResponse:
    block = (
        Booking.objects.filter(pk=block_id, kind=BookingKind.BLOCK, status=BookingStatus.CONFIRMED)
        .select_related("facility")
        .first()
    )
    if block is None or not may_work_facilities(request.user):
        raise Http404
    try:
        blocks.block_remove(block=block, actor=request.user)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The time is open to bookings again."))
    day = timezone.localtime(block.starts_at, block.facility.time_zone).date()
    return HttpResponseRedirect(calendar_url(block.facility, day))
