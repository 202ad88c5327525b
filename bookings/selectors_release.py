"""Reads of waitlists and lotteries, each scoped to who asks."""

from __future__ import annotations

import datetime

from django.contrib.postgres.fields import DateTimeRangeField
from django.db.models import (
    BooleanField,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    Q,
    Value,
)
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from bookings.models import (
    WAITLIST_LIVE,
    Facility,
    Lottery,
    LotteryRequest,
    LotteryRequestStatus,
    WaitlistEntry,
)
from cases.links import resolve_link


def lottery_for_slot(*, facility: Facility, start: datetime.datetime) -> Lottery | None:
    """The lottery not yet drawn that releases the day of `start` at `facility`, if any."""
    day = timezone.localtime(start, facility.time_zone).date()
    return (
        Lottery.objects.filter(
            facility=facility, drawn_at__isnull=True, first_day__lte=day, last_day__gte=day
        )
        .order_by("opens_at")
        .first()
    )


def lottery_refusal(*, facility: Facility, start: datetime.datetime) -> str:
    """Why `start` cannot be held first-come: its day is released by a lottery not yet drawn
    (from its window's opening until the draw), or ""."""
    lottery = lottery_for_slot(facility=facility, start=start)
    if lottery is None:
        return ""
    return _("This day is released by lottery: request it between %(opens)s and %(closes)s.") % {
        "opens": date_format(timezone.localtime(lottery.opens_at), "DATETIME_FORMAT"),
        "closes": date_format(timezone.localtime(lottery.closes_at), "DATETIME_FORMAT"),
    }


def waitlist_waiting(*, facility: Facility, within, now: datetime.datetime) -> bool:
    """Whether people wait for a time of `facility` that has not started and that, with
    the buffer after it, overlaps `within` (a booking's buffered range): such a time goes to
    them first (see `booking_hold`)."""
    return (
        WaitlistEntry.objects.alias(needs=waited_for_needs(facility.buffer_minutes))
        .filter(
            facility=facility,
            status__in=WAITLIST_LIVE,
            needs__overlap=within,
            period__startswith__gt=now,
        )
        .exists()
    )


def waited_for_needs(buffer_minutes: int | None = None) -> Func:
    """SQL: the time a waited-for time (a waitlist entry's `period`) needs, the `buffered`
    range its offer's hold would have: the period and the facility's buffer after it.

    One rule for everyone who compares waited-for times with bookings: the hold service and
    moving (is a time people wait for in the way?), and the offers (is the time free?).
    `buffer_minutes` is the facility's, when the query reads one facility (no join, so a
    `select_for_update` locks only the entries); else each entry's facility's."""
    minutes = F("facility__buffer_minutes") if buffer_minutes is None else Value(buffer_minutes)
    return Func(
        Func(F("period"), function="lower", output_field=DateTimeField()),
        Func(F("period"), function="upper", output_field=DateTimeField())
        + ExpressionWrapper(
            minutes * Value(datetime.timedelta(minutes=1)), output_field=DurationField()
        ),
        Value("[)"),
        function="tstzrange",
        output_field=DateTimeRangeField(),
    )


def release_links(*, facility: Facility, start: datetime.datetime, minutes: int) -> dict:
    """Where a visitor refused a slot may go instead: its waitlist, or the lottery that
    releases its day (for the availability page's refusal)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = urlencode({"start": start.isoformat(), "minutes": minutes})
    lottery = lottery_for_slot(facility=facility, start=start)
    if lottery is not None:
        url = reverse("bookings:lottery_request", kwargs={"pk": lottery.pk})
        return {"lottery_url": f"{url}?{query}"}
    url = reverse("bookings:waitlist_join", kwargs={"code": facility.code})
    return {"waitlist_url": f"{url}?{query}"}


def waitlist_position(*, entry: WaitlistEntry) -> int:
    """Where `entry` stands in its slot's queue (1 is next), or 0 once it left the queue."""
    if entry.status not in WAITLIST_LIVE:
        return 0
    ahead = WaitlistEntry.objects.filter(
        facility_id=entry.facility_id, period=entry.period, status__in=WAITLIST_LIVE
    ).filter(Q(created_at__lt=entry.created_at) | Q(created_at=entry.created_at, pk__lt=entry.pk))
    return ahead.count() + 1


def waitlist_entry_for_user(*, user, pk: int) -> WaitlistEntry:
    """`user`'s own waitlist entry; WaitlistEntry.DoesNotExist for anyone else's."""
    return WaitlistEntry.objects.select_related("facility").get(pk=pk, user=user)


def waitlist_entry_for_guest_token(*, token: str, scope: str) -> WaitlistEntry:
    """The entry a guest link opens for `scope`; raises cases.links.LinkError."""
    resolved = resolve_link(token, scope, model=WaitlistEntry)
    return WaitlistEntry.objects.select_related("facility").get(pk=resolved.target.pk)


def waitlist_entries_for_dashboard(*, user, limit: int):
    """The resident's entries still in a queue for times to come, soonest first (one
    query), or None: the dashboard's "My waitlists"."""
    rows = list(
        WaitlistEntry.objects.select_related("facility", "offer")
        .filter(user=user, status__in=WAITLIST_LIVE, period__startswith__gt=timezone.now())
        .order_by("period")[:limit]
    )
    return rows or None


def lottery_open(*, pk: int, now=None) -> Lottery:
    """A lottery of a published facility taking requests at `now`; DoesNotExist else."""
    now = now or timezone.now()
    return Lottery.objects.select_related("facility").get(
        pk=pk,
        facility__published_at__isnull=False,
        opens_at__lte=now,
        closes_at__gt=now,
        drawn_at__isnull=True,
    )


def lottery_requests_for_dashboard(*, user, limit: int):
    """The resident's requests in lotteries not yet drawn, soonest time first (one query),
    or None: the dashboard's "My lottery requests". Each is `withdrawable` while its
    lottery's window is open (as `lottery_request_withdraw` allows)."""
    rows = list(
        LotteryRequest.objects.select_related("lottery__facility")
        # By the database's clock, as the section's stamp reads it
        # (bookings.release_setup.lottery_dashboard_stamp), never later than the stamp's
        # read: a copy cached as "open" never shows the way to withdraw once it has closed.
        .annotate(
            withdrawable=ExpressionWrapper(
                Q(lottery__closes_at__gt=Now()), output_field=BooleanField()
            )
        )
        .filter(
            user=user,
            status=LotteryRequestStatus.REQUESTED,
            lottery__drawn_at__isnull=True,
        )
        .order_by("period", "pk")[:limit]
    )
    return rows or None


def lottery_requests_for_user(*, user, lottery: Lottery):
    return LotteryRequest.objects.filter(user=user, lottery=lottery).order_by("preference")


def lottery_request_for_user(*, user, pk: int) -> LotteryRequest:
    """`user`'s own lottery request; LotteryRequest.DoesNotExist for anyone else's."""
    return LotteryRequest.objects.select_related("lottery__facility").get(pk=pk, user=user)


def lottery_request_for_guest_token(*, token: str, scope: str) -> LotteryRequest:
    """The lottery request a guest link opens for `scope`; raises cases.links.LinkError."""
    resolved = resolve_link(token, scope, model=LotteryRequest)
    return LotteryRequest.objects.select_related("lottery__facility").get(pk=resolved.target.pk)
