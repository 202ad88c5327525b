"""Waitlist offers whose hold ended before the sweep looked: the next person is offered at once.

A waitlist offer is a hold (`bookings.services.waitlist`). When that hold ends other than by
being booked (the person chose another time and so gave it back, it lapsed and the expiry
sweep or the payment's expiry marked it, its person left the waitlist) or a booking moves
away from a time people wait for, the next person waiting is offered the time right after
the commit of that change (a task per slot), not at the next minute's waitlist sweep.

The sweep (`waitlist_offers_sweep`) stays as the safety net for a task that was lost: both
do the same idempotent work (lapse only offers still open whose hold no longer keeps the
slot, offer only under the slot's row locks), so whichever runs first does it and the other
finds nothing to do. This module imports no other service, so the hold service can use it.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import WaitlistEntry, WaitlistStatus


def offer_after_commit(facility_id: int, within: DateTimeTZRange) -> None:
    """After this transaction commits, lapse the ended offers of `facility_id` within
    `within` and offer its free waited-for times to the next person (bookings.tasks)."""
    lower, upper = within.lower.isoformat(), within.upper.isoformat()

    def enqueue() -> None:
        from bookings.tasks import waitlist_offer_freed

        waitlist_offer_freed.delay(facility_id, lower, upper)

    transaction.on_commit(enqueue)


def offers_given_back(*, booking_ids: list[int], now: datetime.datetime | None = None) -> int:
    """The people whose offered holds (`booking_ids`, among any holds) they gave back by
    choosing another time leave those waitlists; the next person is offered after commit.
    Call in the transaction that releases the holds. Returns how many entries left."""
    if not booking_ids:
        return 0
    now = now or timezone.now()
    rows = list(
        WaitlistEntry.objects.select_for_update(of=("self",))
        .filter(status=WaitlistStatus.OFFERED, offer_id__in=booking_ids)
        .order_by("pk")
        .only("pk", "facility_id", "period")
    )
    WaitlistEntry.objects.filter(pk__in=[entry.pk for entry in rows]).update(
        status=WaitlistStatus.LEFT, note=_("You chose another time."), updated_at=now
    )
    for entry in rows:
        offer_after_commit(entry.facility_id, entry.period)
    return len(rows)


def offer_ended_after_commit(*, booking_id: int) -> None:
    """If the hold `booking_id` is an open offer that just ended (its payment expired),
    offer its time to the next person after commit."""
    entry = (
        WaitlistEntry.objects.filter(offer_id=booking_id, status=WaitlistStatus.OFFERED)
        .only("facility_id", "period")
        .first()
    )
    if entry is not None:
        offer_after_commit(entry.facility_id, entry.period)
