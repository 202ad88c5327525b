"""What bookings do when a refund fails after it was asked for.

The refund task (`bookings.refund_tasks.refund_booking`) hands a refund to the payments app
and returns; when the gateway later refuses it (the payments app's retry task made the call
again), or never answers it and the retry task gives it up (the gateway may have made it all
the same), the payments app announces it (`failed_refund_id`, `refund_failure`) and
`bookings.receivers` calls `booking_refund_failed`: the booking's timeline says so, for
staff, and the staff booking page lists the refund as money still to give back
(`payments.selectors.refunds_refused_unmade`) until something makes up for it.

From that list staff ask for it again (`booking_refund_again`, the page's "Refund again"):
the payments app asks the gateway once more for exactly that amount, once however often the
form is sent (`payments.services.refund_retry`), and the timeline says what came of it. A
refund given up with no answer is looked up at the gateway first, and asked for only if the
gateway did not make it.
"""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils.translation import gettext as _

from bookings.exceptions import StaffActionRefused
from bookings.models import Booking
from bookings.services.checkout import PURPOSE, PURPOSE_CHANGE
from bookings.staff_permissions import require_booking_staff
from cases import events
from cases.models import CaseEvent
from cases.services import case_record_event
from payments.gateways import GatewayError
from payments.models import Invoice, Refund, RefundStatus
from payments.services import RefundRetry, refund_retry
from payments.services.intents import REFUND_UNANSWERED

logger = logging.getLogger("bookings")

REFUND_FAILED = "refund_failed"
REFUND_AGAIN = "refund_again"

# What came of a refund asked for again, as its timeline entry says.
MADE = "made"
WAITING = "waiting"
REFUSED = "refused"


def booking_refund_failed(*, booking_id: int, refund_id: int, failure: str) -> None:
    """Record on the booking's timeline, for staff, that a refund of it failed after it was
    asked for, with why: the gateway refused it (nothing was given back), or never answered
    and was given up (`unanswered`: it may have been given back all the same).

    Runs in the payments app's transaction (its announcement is sent once per failure); a
    booking without a case (a bare hold) has no timeline and is left as it is."""
    booking = Booking.objects.select_related("case").get(pk=booking_id)
    if booking.case is None:
        return
    refund = Refund.objects.only("amount_cents", "provider_status").get(pk=refund_id)
    unanswered = refund.provider_status == REFUND_UNANSWERED
    case_record_event(
        case=booking.case,
        kind=events.UPDATE,
        audience=CaseEvent.Audience.STAFF,
        payload={
            "what": REFUND_FAILED,
            "refund_id": refund_id,
            "refund_cents": refund.amount_cents,
            "failure": (failure or "")[:255],
            "unanswered": unanswered,
        },
    )
    logger.warning(
        "Booking %s: refund %s %s",
        booking_id,
        refund_id,
        "given up unanswered by the gateway" if unanswered else "refused by the gateway",
    )


def booking_refund_again(*, booking: Booking, refund_id: int, actor) -> RefundRetry:
    """Ask the gateway again, for staff, for the refund `refund_id` of `booking` that failed,
    for exactly its amount; return what the payments app answered (`RefundRetry`).

    Staff who decide the booking's case (as for its other actions that give money back) and
    whose role refunds (the payments app checks) may. Once per failed refund, however often
    it is asked (`payments.services.refund_retry`): asked again already, nothing more is
    done nor written. Otherwise the timeline says, for staff, who asked and what came of it
    (given back, waiting for the gateway's answer, or refused again: the refusal's own entry
    and the page's list say why).

    Must run outside a transaction (the gateway is asked). Raises PermissionDenied for other
    staff, StaffActionRefused for a refund that is not of this booking, RefundRefused from
    the payments app (see `refund_retry`), and GatewayError when the gateway refuses again.
    """
    require_booking_staff(actor, booking)
    refund = (
        Refund.objects.filter(pk=refund_id, payment__invoice__in=_booking_invoices(booking))
        .only("pk", "amount_cents")
        .first()
    )
    if refund is None:
        raise StaffActionRefused(_("This refund is not one of this booking's."))
    try:
        outcome = refund_retry(refund_id=refund.pk, actor=actor)
    except GatewayError:
        _asked_again(booking, refund, actor=actor, outcome=REFUSED)
        raise
    if not outcome.repeated:
        made = outcome.refund.status == RefundStatus.SUCCEEDED
        _asked_again(booking, outcome.refund, actor=actor, outcome=MADE if made else WAITING)
    return outcome


def _booking_invoices(booking: Booking):
    return Invoice.objects.filter(
        subject_type=ContentType.objects.get_for_model(Booking),
        subject_id=booking.pk,
        purpose__in=(PURPOSE, PURPOSE_CHANGE),
    )


def _asked_again(booking: Booking, refund: Refund, *, actor, outcome: str) -> None:
    with transaction.atomic():
        case_record_event(
            case=booking.case,
            kind=events.UPDATE,
            audience=CaseEvent.Audience.STAFF,
            actor=actor,
            payload={
                "what": REFUND_AGAIN,
                "refund_id": refund.pk,
                "refund_cents": refund.amount_cents,
                "outcome": outcome,
            },
        )
    logger.info("Booking %s: refund %s asked for again (%s)", booking.pk, refund.pk, outcome)
