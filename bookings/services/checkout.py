"""Checkout of a held slot: the booker's details and answers, the invoice, confirmation on
payment, and the refund of a payment that arrived after the hold had ended.

The journey: bcore's `holds` service holds a slot (a `held` booking with `hold_expires_at`);
`booking_checkout` records who books it (an account, or a guest's name, e-mail address and
phone) with the facility's answers and issues its invoice, once; the payments app takes the
money (Stripe, or the local gateway on a fresh machine) and announces the paid invoice;
`bookings.receivers` answers with `booking_confirm_paid`, which confirms the booking in the
same transaction as the payment, or, if the hold had ended and the slot was let go, refunds
the payment in full after commit (`refund_late_payment`) and tells the visitor. No money is
kept for a booking that does not exist.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings import ics, workflow
from bookings.models import Booking, BookingStatus, PriceUnit
from bookings.services.offers import offer_ended_after_commit
from cases import events
from cases.links import LinkScope, issue_link
from cases.models import CaseEvent
from cases.questions import rules
from cases.questions.selectors import questions_of
from cases.services import case_create, case_record_event, transition
from notifications.attachments import Attachment
from notifications.services import notification_send
from payments.models import Invoice, InvoiceStatus
from payments.services import LineItem, invoice_create, invoice_lock
from portal.localized import localized

logger = logging.getLogger("bookings")

PURPOSE = "bookings.booking"
PURPOSE_CHANGE = "bookings.change"
POLICY_LATE = "bookings.hold_ended"
MANAGE_PAGE = "bookings:guest_booking"

# Why a checkout cannot go on with a hold whose time ran out (or which is gone: the expiry
# sweep deletes a lapsed hold that never reached checkout).
ENDED = gettext_lazy("Your hold on this time has ended. Please choose it again.")

# A booking that stands: paid, confirmed or waiting for staff approval.
LIVE = (BookingStatus.CONFIRMED, BookingStatus.PENDING_APPROVAL)


class CheckoutRefused(Exception):
    """The checkout cannot go on (the hold ended, the booking is not this visitor's...)."""


class AnswersInvalid(Exception):
    """The booker's details or answers do not stand; `errors` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def booking_invoice(booking: Booking, *, purpose: str = PURPOSE) -> Invoice | None:
    """The booking's invoice for `purpose` (its latest, for a change), or None."""
    return (
        Invoice.objects.filter(
            subject_type=ContentType.objects.get_for_model(Booking),
            subject_id=booking.pk,
            purpose=purpose,
        )
        .order_by("-pk")
        .first()
    )


def _lock_booking(booking_id: int) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("facility")
        .get(pk=booking_id)
    )


def booking_price_lines(booking: Booking, *, resident: bool) -> list[LineItem]:
    """What `booking` costs at the facility's rate for its time (resident or not), and the
    deposit, as invoice lines (a free facility has a line of nothing, never no line)."""
    facility = booking.facility
    rate = facility.resident_price_cents if resident else facility.nonresident_price_cents
    name = localized(facility, "name")
    if facility.price_unit == PriceUnit.HOUR:
        minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
        hours = max(1, -(-minutes // 60))  # a started hour counts
        lines = [LineItem(_("%(facility)s, per hour") % {"facility": name}, rate, hours)]
    else:
        lines = [LineItem(_("%(facility)s, one booking") % {"facility": name}, rate)]
    if facility.deposit_cents:
        lines.append(LineItem(_("Refundable deposit"), facility.deposit_cents))
    return lines


def lines_total(lines: list[LineItem]) -> int:
    return sum(line.unit_amount_cents * line.quantity for line in lines)


def booking_checkout(
    *,
    booking: Booking,
    user=None,
    name: str = "",
    email: str = "",
    phone: str = "",
    answers: dict,
    resident: bool = False,
    now: datetime.datetime | None = None,
) -> Invoice:
    """Record who books the held `booking` and their answers, open its case and issue its
    invoice, once.

    `user` books with their account; a guest gives `name` and `email` (and maybe `phone`).
    The answers are checked again against the facility's questions. The booking stays a hold
    (its slot is released when the hold ends, paid or not: a payment that comes later is
    refunded); the invoice expires with the hold, so paying cannot start after it. A second
    call while the invoice is open changes nothing and returns that invoice (a second click
    on "pay").

    Raises CheckoutRefused (no longer held, the hold ended, held by another account) and
    AnswersInvalid (a guest's missing name or e-mail address, answers that do not stand).
    """
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if user is None:
        name, email, phone = (name or "").strip(), (email or "").strip(), (phone or "").strip()
        if not name:
            errors["name"] = _("Enter your name.")
        if not email:
            errors["email"] = _("Enter your e-mail address.")
    kept, answer_errors = rules.answers_clean(questions_of(owner=booking.facility), answers)
    errors.update(answer_errors)
    if errors:
        raise AnswersInvalid(errors)
    with transaction.atomic():
        existing = booking_invoice(booking)
        if existing is not None:
            invoice_lock(invoice_id=existing.pk)  # the invoice first, as payments locks it
        try:
            booking = _lock_booking(booking.pk)
        except Booking.DoesNotExist:
            # The hold lapsed unused and the expiry sweep deleted it meanwhile.
            raise CheckoutRefused(ENDED) from None
        if booking.status != BookingStatus.HELD:
            raise CheckoutRefused(_("This booking is no longer waiting for payment."))
        if booking.hold_expires_at <= now:
            raise CheckoutRefused(ENDED)
        if booking.user_id is not None and (user is None or user.pk != booking.user_id):
            raise CheckoutRefused(_("This booking belongs to another account."))
        if existing is not None and existing.status == InvoiceStatus.OPEN:
            return existing  # already sent to payment: nothing changes
        lines = booking_price_lines(booking, resident=resident)
        booking.user = user
        booking.guest_name, booking.guest_email, booking.guest_phone = (
            ("", "", "") if user is not None else (name, email, phone)
        )
        booking.answers = kept
        booking.resident = resident
        booking.deposit_cents = booking.facility.deposit_cents
        booking.price_cents = lines_total(lines) - booking.deposit_cents
        if booking.case_id is None:
            booking.case = case_create(
                kind=workflow.KIND,
                applicant=user,
                guest_name=booking.guest_name,
                guest_email=booking.guest_email,
                guest_phone=booking.guest_phone,
            )
        booking.save()
        if lines_total(lines) == 0:
            # Nothing to pay: the booking stands at once.
            _confirm_locked(booking)
            return None
        invoice = invoice_create(
            purpose=PURPOSE,
            description=_("Booking %(reference)s: %(facility)s")
            % {"reference": booking.reference, "facility": localized(booking.facility, "name")},
            lines=lines,
            payer=user,
            guest_name=booking.guest_name,
            guest_email=booking.guest_email,
            subject=booking,
            expires_at=booking.hold_expires_at,
            notify=False,
        )
    return invoice


def booking_confirm_paid(*, booking_id: int, invoice_id: int, now=None) -> str:
    """Answer the booking's paid invoice (inside the payment's transaction, invoice locked).

    A booking still held becomes confirmed (or waits for staff approval, for a facility that
    needs it), with its case, and its booker gets the confirmation with the link to see,
    change or cancel it and the calendar invitation. A booking whose hold had ended is not
    revived (its slot may be someone else's): it is marked expired, the payment is refunded
    in full after commit and the visitor told. Returns "confirmed", "late" or "unchanged"
    (a repeat).
    """
    now = now or timezone.now()
    booking = _lock_booking(booking_id)
    if booking.status in LIVE:
        return "unchanged"
    if booking.status == BookingStatus.HELD and booking.hold_expires_at > now:
        _confirm_locked(booking, invoice_id=invoice_id)
        return "confirmed"
    if booking.status == BookingStatus.HELD:
        booking.status = BookingStatus.EXPIRED
        booking.save(update_fields=["status", "updated_at"])
    _case_move(booking, workflow.EXPIRED)
    transaction.on_commit(lambda: _enqueue_late_refund(booking.pk, invoice_id))
    logger.info("Booking %s paid after its hold ended: refunding", booking.pk)
    return "late"


def booking_payment_closed(*, booking_id: int) -> None:
    """The booking's invoice expired or was cancelled unpaid: close its case (the hold has
    ended, and bookings.tasks released the slot)."""
    booking = _lock_booking(booking_id)
    if booking.status == BookingStatus.HELD:
        booking.status = BookingStatus.EXPIRED
        booking.save(update_fields=["status", "updated_at"])
        # A waitlist offer not paid for in time: its time goes to the next person at once.
        offer_ended_after_commit(booking_id=booking.pk)
    if booking.status == BookingStatus.EXPIRED:
        _case_move(booking, workflow.EXPIRED)


def booking_refunds_changed(*, booking_id: int) -> None:
    """Keep `Booking.refunded_cents` the sum refunded on the booking's invoices."""
    total = (
        Invoice.objects.filter(
            subject_type=ContentType.objects.get_for_model(Booking),
            subject_id=booking_id,
            purpose__in=(PURPOSE, PURPOSE_CHANGE),
        ).aggregate(total=Sum("amount_refunded_cents"))["total"]
        or 0
    )
    Booking.objects.filter(pk=booking_id).update(refunded_cents=total, updated_at=timezone.now())


def _confirm_locked(booking: Booking, *, invoice_id: int | None = None) -> None:
    approval = booking.facility.needs_approval
    booking.status = BookingStatus.PENDING_APPROVAL if approval else BookingStatus.CONFIRMED
    booking.hold_expires_at = None
    booking.save(update_fields=["status", "hold_expires_at", "updated_at"])
    if invoice_id is not None:
        case_record_event(
            case=booking.case,
            kind=events.PAYMENT,
            payload={"amount_cents": booking.total_cents, "invoice_id": invoice_id},
            audience=CaseEvent.Audience.PARTICIPANTS,
        )
    _case_move(booking, workflow.PENDING_APPROVAL if approval else workflow.CONFIRMED)
    # A booking that waits for staff is not confirmed yet: the booker is told it was
    # received, and hears staff's decision (bookings.services.approval).
    if approval:
        _notify(booking, template="bookings/received", key="received")
    else:
        _notify(booking, template="bookings/confirmed", key="confirmed", invitation=True)


def _case_move(booking: Booking, status: str, *, actor=None, public_note: str = "") -> None:
    """Move the booking's case along with the booking (as the system unless `actor`)."""
    case = booking.case
    if case is None or case.status == status:
        return
    transition(case=case, to_status=status, actor=actor, public_note=public_note)


def _enqueue_late_refund(booking_id: int, invoice_id: int) -> None:
    from bookings.refund_tasks import refund_late_payment

    refund_late_payment.delay(booking_id, invoice_id)


def late_payment_refund(*, booking_id: int, invoice_id: int) -> int:
    """Refund everything paid on `invoice_id` for a booking that does not exist any more
    (its hold ended before the payment arrived), once, and tell the visitor once; return the
    cents the refund gave back (asked again, the same; 0 if nothing was left to refund).

    The request's key is named by the invoice, so the task delivered again (its worker
    died) finishes the same refund and never starts a second one."""
    from payments.exceptions import RefundRefused
    from payments.services import refund_by_policy, refund_key

    invoice = Invoice.objects.get(pk=invoice_id, subject_id=booking_id, purpose=PURPOSE)
    try:
        refunds = refund_by_policy(
            invoices=[invoice],
            reason=_("The hold on this time had ended before the payment arrived."),
            amount_cents=None,
            policy=POLICY_LATE,
            idempotency_key=refund_key(POLICY_LATE, invoice.pk),
        )
    except RefundRefused:
        # Nothing left to refund: staff gave it back already.
        logger.info("Late payment on invoice %s: nothing left to refund", invoice.pk)
        return 0
    refunded = sum(refund.amount_cents for refund in refunds)
    booking = Booking.objects.select_related("facility").get(pk=booking_id)
    with transaction.atomic():
        _notify(
            booking,
            template="bookings/late_payment_refunded",
            key=f"late:{invoice_id}",
            extra={"amount_cents": refunded, "currency": invoice.currency},
            with_link=False,
        )
    return refunded


def _pending_refunds(invoice: Invoice) -> int:
    return sum(invoice.payments.values_list("refund_pending_cents", flat=True))


# --- Messages and links -------------------------------------------------------------------


def manage_link(booking: Booking):
    """A fresh guest link to see, change or cancel `booking`, sent to the guest's address
    (None for a booking of an account: its booker signs in)."""
    if booking.user_id is not None or not booking.guest_email:
        return None
    return issue_link(
        booking,
        LinkScope.CANCEL,
        page=MANAGE_PAGE,
        email=booking.guest_email,
        phone=booking.guest_phone,
        ttl=_link_ttl(booking),
    )


def _link_ttl(booking: Booking) -> datetime.timedelta:
    # Until a month after the booking, so the booker can still see what happened.
    return max(booking.ends_at - timezone.now(), datetime.timedelta(0)) + datetime.timedelta(
        days=30
    )


def booking_urls(booking: Booking, *, link=None) -> dict[str, str]:
    """The absolute links of `booking`'s page and calendar file, for its booker."""
    from django.urls import reverse

    if link is not None:
        page = link.url
        calendar = settings.SITE_URL + reverse(
            "bookings:guest_booking_ics", kwargs={"token": link.token}
        )
    else:
        kwargs = {"reference": booking.reference}
        page = settings.SITE_URL + reverse("bookings:booking", kwargs=kwargs)
        calendar = settings.SITE_URL + reverse("bookings:booking_ics", kwargs=kwargs)
    return {"page": page, "calendar": calendar}


def _notify(
    booking: Booking,
    *,
    template: str,
    key: str,
    extra: dict | None = None,
    with_link=True,
    invitation=False,
) -> None:
    """Queue `template` to the booker; with `invitation`, the e-mail carries the booking's
    iCalendar file (`invitation_attachment`)."""
    link = manage_link(booking) if with_link else None
    urls = booking_urls(booking, link=link) if with_link else {"page": "", "calendar": ""}
    context = {
        "reference": booking.reference,
        "facility": localized(booking.facility, "name"),
        "starts_at": booking.starts_at.isoformat(),
        "ends_at": booking.ends_at.isoformat(),
        "guest_name": booking.guest_name,
        "calendar_url": urls["calendar"],
        "sequence": booking.ics_sequence,
        **(extra or {}),
    }
    notification_send(
        template_key=template,
        context=context,
        dedupe_key=f"bookings:{booking.pk}:{key}:{booking.ics_sequence}",
        user=booking.user,
        email=booking.guest_email if booking.user_id is None else "",
        phone=booking.guest_phone if booking.user_id is None else "",
        link_url=urls["page"],
        attachments=[invitation_attachment(booking)] if invitation else [],
    )


def invitation_attachment(booking: Booking) -> Attachment:
    """The booking's .ics as an e-mail attachment: `METHOD:REQUEST` for a booking that
    stands (its `SEQUENCE` raised by each change), `METHOD:CANCEL` once cancelled. The MIME
    type carries the method too, as RFC 6047 asks, so mail programs offer to add, update or
    remove the event."""
    method = ics.CANCEL if booking.status == BookingStatus.CANCELLED else ics.REQUEST
    return Attachment(
        filename=ics.filename(booking.reference),
        content=booking_calendar(booking, method=method).decode(),
        mimetype=f"text/calendar; method={method}; charset=utf-8",
    )


def booking_calendar(booking: Booking, *, method: str = ics.REQUEST) -> bytes:
    """The booking's iCalendar file: its invitation, or its cancellation."""
    if booking.status == BookingStatus.CANCELLED:
        method = ics.CANCEL
    entry = ics.CalendarEntry(
        uid=ics.booking_uid(booking.reference),
        sequence=booking.ics_sequence,
        start=booking.starts_at,
        end=booking.ends_at,
        summary=_("%(facility)s (booking %(reference)s)")
        % {"facility": localized(booking.facility, "name"), "reference": booking.reference},
        location=localized(booking.facility, "location"),
        attendee_email=booking.guest_email or (booking.user.email if booking.user else ""),
        attendee_name=booking.guest_name or (booking.user.full_name if booking.user else ""),
    )
    return ics.calendar_bytes(entry, method=method)
