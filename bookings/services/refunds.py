"""What bookings do when a refund fails after it was asked for.

The refund task (`bookings.refund_tasks.refund_booking`) hands a refund to the payments app
and returns; when the gateway later refuses it (the payments app's retry task made the call
again, or gave up), the payments app announces it (`failed_refund_id`, `refund_failure`) and
`bookings.receivers` calls `booking_refund_failed`: the booking's timeline says so, for
staff, and the staff booking page lists the refund as money still to give back
(`payments.selectors.refunds_refused_unmade`) until something makes up for it.
"""

from __future__ import annotations

import logging

from bookings.models import Booking
from cases import events
from cases.models import CaseEvent
from cases.services import case_record_event
from payments.models import Refund

logger = logging.getLogger("bookings")

REFUND_FAILED = "refund_failed"


def booking_refund_failed(*, booking_id: int, refund_id: int, failure: str) -> None:
    """Record on the booking's timeline, for staff, that the gateway refused a refund of it
    after it was asked for, with why.

    Runs in the payments app's transaction (its announcement is sent once per failure); a
    booking without a case (a bare hold) has no timeline and is left as it is."""
    booking = Booking.objects.select_related("case").get(pk=booking_id)
    if booking.case is None:
        return
    refund = Refund.objects.only("amount_cents").get(pk=refund_id)
    case_record_event(
        case=booking.case,
        kind=events.UPDATE,
        audience=CaseEvent.Audience.STAFF,
        payload={
            "what": REFUND_FAILED,
            "refund_id": refund_id,
            "refund_cents": refund.amount_cents,
            "failure": (failure or "")[:255],
        },
    )
    logger.warning("Booking %s: refund %s refused by the gateway", booking_id, refund_id)
