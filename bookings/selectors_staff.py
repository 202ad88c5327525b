"""Staff's reads of bookings, each scoped to the cases the member of staff may see
(`cases.permissions.case_scope`), with what the page shows selected in the same query."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.backends.postgresql.psycopg_any import DateTimeTZRange, NumericRange
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.availability import calendar_for
from bookings.models import Booking, BookingKind, BookingStatus, Facility
from bookings.models.bookings import FACILITY_POINT
from bookings.staff_permissions import may_work_facilities
from cases import permissions


def bookings_for_staff(*, user, action: str = permissions.VIEW) -> QuerySet[Booking]:
    """The bookings (never blocks, never bare holds) whose case `user` may `action`."""
    return (
        Booking.objects.filter(kind=BookingKind.BOOKING, case__isnull=False)
        .filter(permissions.case_scope(user, action, prefix="case__"))
        .select_related("facility", "case", "user")
    )


def approval_queue(*, user) -> QuerySet[Booking]:
    """Bookings waiting for staff approval that `user` may decide, soonest first."""
    return (
        bookings_for_staff(user=user, action=permissions.MOVE)
        .filter(status=BookingStatus.PENDING_APPROVAL)
        .order_by("period", "pk")
    )


def booking_for_staff(*, user, pk: int) -> Booking:
    """One booking `user` may see on staff's pages; Booking.DoesNotExist for any other."""
    return bookings_for_staff(user=user).get(pk=pk)


def deposits_to_settle(*, user, now: datetime.datetime | None = None) -> QuerySet[Booking]:
    """Confirmed bookings whose event is over and whose deposit staff have not settled."""
    now = now or timezone.now()
    return (
        bookings_for_staff(user=user, action=permissions.MOVE)
        .filter(
            status=BookingStatus.CONFIRMED,
            deposit_settled_at__isnull=True,
            period__endswith__lte=now,
        )
        .order_by("period", "pk")
    )


def facilities_for_staff(*, user) -> QuerySet[Facility]:
    """Facilities whose calendar `user` may see: all of them for the department's staff."""
    if not may_work_facilities(user):
        return Facility.objects.none()
    return Facility.objects.order_by("name")


@dataclass
class CalendarDay:
    day: datetime.date
    entries: list[Booking] = field(default_factory=list)
    # The facility's opening periods that day, in its time zone; none when it is closed.
    hours: list[tuple[datetime.time, datetime.time]] = field(default_factory=list)
    # Why the facility is closed all day (a holiday, a closed date, the day of the week).
    closed: str = ""


def staff_calendar(
    *, facility: Facility, first: datetime.date, days: int, now: datetime.datetime | None = None
) -> list[CalendarDay]:
    """Bookings and blocks of `facility` on `days` days from `first`, by day and start time,
    with each day's opening hours, or why it is closed (a public holiday the facility keeps,
    a closed date, a weekday without hours).

    One query for the bookings whatever their number: the rows whose time overlaps the
    window, found through the exclusion constraint's GiST index; live holds are shown too
    (someone is booking that time now), lapsed ones, cancelled, declined and expired
    bookings are not. A row across midnight is listed on each day it touches. The hours and
    closed dates are the availability page's own (`availability.calendar_for`, a fixed few
    queries), so staff see the days as visitors do; past days keep their hours.
    """
    now = now or timezone.now()
    tz = facility.time_zone
    start = datetime.datetime.combine(first, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        first + datetime.timedelta(days=days), datetime.time.min, tzinfo=tz
    )
    rows = (
        Booking.objects.occupying(now=now)
        .alias(point=FACILITY_POINT)
        .filter(
            point__overlap=NumericRange(facility.pk, facility.pk, "[]"),
            buffered__overlap=DateTimeTZRange(start, end, "[)"),
            period__overlap=DateTimeTZRange(start, end, "[)"),
        )
        .select_related("user", "case")
        .order_by("period", "pk")
    )
    last = first + datetime.timedelta(days=days - 1)
    opening = calendar_for(facility=facility, first=first, last=last)
    calendar = []
    for n in range(days):
        day = first + datetime.timedelta(days=n)
        hours = opening.hours.get(day.weekday(), [])
        closed = opening.closed.get(day, "")
        if not closed and not hours:
            closed = _("Closed on this day of the week.")
        calendar.append(CalendarDay(day=day, hours=[] if closed else hours, closed=closed))
    for row in rows:
        for entry in calendar:
            day_start = datetime.datetime.combine(entry.day, datetime.time.min, tzinfo=tz)
            day_end = day_start + datetime.timedelta(days=1)
            if row.starts_at < day_end and row.ends_at > day_start:
                entry.entries.append(row)
    return calendar


def refunds_refused(*, booking: Booking) -> list:
    """The refunds of `booking` the gateway refused and nothing has made up for (payments'
    `refunds_refused_unmade`): money still to give back, shown on staff's booking page."""
    from django.contrib.contenttypes.models import ContentType

    from bookings.services.checkout import PURPOSE, PURPOSE_CHANGE
    from payments.models import Invoice
    from payments.selectors import refunds_refused_unmade

    return refunds_refused_unmade(
        invoice_ids=Invoice.objects.filter(
            subject_type=ContentType.objects.get_for_model(Booking),
            subject_id=booking.pk,
            purpose__in=(PURPOSE, PURPOSE_CHANGE),
        ).values_list("pk", flat=True)
    )
