"""Cancelling and moving a booking, with refunds under the facility's policy.

Before cancelling, the visitor sees `booking_cancel_quote`: what the policy gives back on
that day (days counted in the agency's time zone, the deposit always returned; see
`bookings.refund_policy`). The facility's tiers are for confirmed bookings: a booking still
waiting for staff's approval was never accepted by the agency, so cancelling it gives back
everything paid, as staff declining it does (`cancelled_before_approval`). Confirming calls
`booking_cancel` with the amount they saw: if the day turned or staff approved the booking
meanwhile and the figure changed, nothing happens and they are shown the new one. The
booking is cancelled and its slot freed in one transaction (the exclusion constraint only
counts live bookings), its calendar sequence raised; after commit the refund goes through
the gateway (`payments.services.refund_by_policy`), whose receipt and announcement follow,
and the booker gets the cancellation with its `METHOD:CANCEL` invitation.

Staff cancel for the agency (weather, an emergency) with `booking_cancel_by_agency`: all of
it back, deposit included, and the booker told with the staff's message.

Moving (`booking_move`) keeps what was paid: a dearer time adds an invoice for the
difference, a cheaper one refunds it; the calendar sequence is raised so the booker's
calendar moves the event it has. A booking never moves into a time people wait for (it goes
to the first of them, `bookings.services.waitlist`): their entries are locked and read in
the move's transaction.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings import workflow
from bookings.models import Booking, BookingStatus
from bookings.refund_policy import RefundQuote, refund_quote
from bookings.services.checkout import (
    LIVE,
    PURPOSE,
    PURPOSE_CHANGE,
    _case_move,
    _lock_booking,
    _notify,
    _pending_refunds,
    booking_price_lines,
    lines_total,
)
from bookings.services.waitlist import (
    slot_freed_after_commit,
    waitlist_waiting_locked,
    waitlists_close_for_agency,
)
from cases import events, permissions
from cases.models import CaseEvent
from cases.services import case_record_event
from payments.models import Invoice, InvoiceStatus
from payments.services import invoice_create, invoice_lock, invoice_void

logger = logging.getLogger("bookings")

POLICY_CANCELLED = "bookings.cancelled_by_booker"
POLICY_AGENCY = "bookings.cancelled_by_agency"
POLICY_MOVED = "bookings.moved_cheaper"

LIVE_STATUSES = LIVE


class CancelRefused(Exception):
    """The booking cannot be cancelled or moved now; the message says why."""


class QuoteChanged(CancelRefused):
    """What the policy gives back changed since the visitor saw it (the day turned)."""

    def __init__(self, quote: RefundQuote):
        super().__init__(_("The refund has changed since you looked. Please check it again."))
        self.quote = quote


def _invoices(booking: Booking) -> list[Invoice]:
    """The booking's invoices (its booking and any change's), newest first."""
    return list(
        Invoice.objects.filter(
            subject_type=ContentType.objects.get_for_model(Booking),
            subject_id=booking.pk,
            purpose__in=(PURPOSE, PURPOSE_CHANGE),
        ).order_by("-pk")
    )


def paid_cents(booking: Booking) -> int:
    """What is paid on the booking and not refunded (nor being refunded)."""
    return sum(
        invoice.refundable_cents - _pending_refunds(invoice) for invoice in _invoices(booking)
    )


def cancelled_before_approval(booking: Booking) -> bool:
    """Whether cancelling `booking` now gives back everything paid because the agency has
    not approved it yet (the tiers are for confirmed bookings)."""
    return booking.status == BookingStatus.PENDING_APPROVAL


def booking_cancel_quote(
    *, booking: Booking, now: datetime.datetime | None = None, full: bool = False
) -> RefundQuote:
    """What cancelling `booking` at `now` gives back: everything paid with `full` (the
    agency's own cancellation) or while it waits for approval; otherwise what its
    facility's tiers give back on that day."""
    tiers = (
        [(0, 100)]
        if full or cancelled_before_approval(booking)
        else [
            (tier.days_before, tier.percent) for tier in booking.facility.cancellation_tiers.all()
        ]
    )
    return refund_quote(
        tiers=tiers,
        starts_at=booking.starts_at,
        now=now or timezone.now(),
        paid_cents=paid_cents(booking),
        deposit_cents=booking.deposit_cents,
    )


def _refund_after_commit(booking_id: int, amount_cents: int, *, reason: str, policy: str):
    """Have the refund task give `amount_cents` back once this transaction commits.

    The request's key is made here, when the refund is decided, and travels in the task's
    message: a message delivered again (its worker died) or retried carries the same key,
    so the payments app finishes that request instead of refunding again."""
    if amount_cents <= 0:
        return
    request_key = str(uuid.uuid4())

    def enqueue() -> None:
        from bookings.refund_tasks import refund_booking

        refund_booking.delay(booking_id, amount_cents, reason, policy, request_key)

    transaction.on_commit(enqueue)


def booking_refund(
    *, booking_id: int, amount_cents: int, reason: str, policy: str, request_key: uuid.UUID
) -> int:
    """Refund `amount_cents` of what is paid on the booking through the gateway, newest
    invoice first, once per `request_key`; return what the request gave back or is giving
    back.

    Called again with the same key (the task delivered again, or retried after a refusal)
    it finishes that request: a part already made or waiting for the gateway is never asked
    for again, a part refused is. Raises GatewayError when the gateway refuses a part,
    RefundRefused when less is left to refund than the request asks (the payments app's
    `refund_by_policy`)."""
    from payments.services import refund_by_policy

    booking = Booking.objects.get(pk=booking_id)
    refunds = refund_by_policy(
        invoices=_invoices(booking),
        amount_cents=amount_cents,
        reason=reason,
        policy=policy,
        idempotency_key=request_key,
    )
    return sum(refund.amount_cents for refund in refunds)


def _close_open_invoices(booking: Booking) -> None:
    for invoice in _invoices(booking):
        if invoice.status == InvoiceStatus.OPEN:
            invoice_void(invoice=invoice)


def _lock_for_change(booking: Booking) -> Booking:
    # Invoices before the booking, as the payments app locks them when money arrives, so a
    # payment and a cancellation never wait on each other crosswise (primary-key order).
    for invoice_id in sorted(invoice.pk for invoice in _invoices(booking)):
        invoice_lock(invoice_id=invoice_id)
    return _lock_booking(booking.pk)


def booking_cancel(
    *,
    booking: Booking,
    expected_refund_cents: int,
    actor=None,
    now: datetime.datetime | None = None,
) -> RefundQuote:
    """Cancel `booking` for its booker and refund what the policy gives back today.

    `expected_refund_cents` is the figure the booker confirmed; if the policy now gives
    something else, QuoteChanged is raised (with the new quote) and nothing changes. Raises
    CancelRefused for a booking that is not live or has started.
    """
    now = now or timezone.now()
    with transaction.atomic():
        booking = _lock_for_change(booking)
        if booking.status not in LIVE_STATUSES:
            raise CancelRefused(_("This booking is not active, so it cannot be cancelled."))
        if booking.starts_at <= now:
            raise CancelRefused(_("This booking has started and can no longer be cancelled."))
        quote = booking_cancel_quote(booking=booking, now=now)
        if quote.refund_cents != expected_refund_cents:
            raise QuoteChanged(quote)
        before_approval = cancelled_before_approval(booking)
        _cancel_locked(
            booking, actor=actor, by_agency=False, quote=quote, before_approval=before_approval
        )
        # The freed time goes to the first person waiting for it (bookings.services.waitlist);
        # the agency's own cancellations close its waitlists instead.
        slot_freed_after_commit(booking)
        _refund_after_commit(
            booking.pk,
            quote.refund_cents,
            reason=(
                _("Booking %(reference)s cancelled before staff approval")
                if before_approval
                else ngettext(
                    "Booking %(reference)s cancelled %(days)s day ahead",
                    "Booking %(reference)s cancelled %(days)s days ahead",
                    quote.days_before,
                )
            )
            % {"reference": booking.reference, "days": quote.days_before},
            policy=POLICY_CANCELLED,
        )
        _notify(
            booking,
            template="bookings/cancelled",
            key="cancelled",
            extra={"refund_cents": quote.refund_cents, "currency": _currency(booking)},
            invitation=True,
        )
    return quote


def booking_cancel_by_agency(*, booking: Booking, actor, message: str) -> RefundQuote:
    """Cancel `booking` for the agency (weather, an emergency): everything paid back, the
    booker told with `message`. Raises CancelRefused for someone who may not, or a booking
    that is not live."""
    message = (message or "").strip()
    if not message:
        raise CancelRefused(_("Tell the booker why their booking is cancelled."))
    with transaction.atomic():
        booking = _lock_for_change(booking)
        if booking.case is None or not permissions.can(actor, permissions.MOVE, booking.case):
            raise CancelRefused(_("You may not cancel bookings of this facility."))
        if booking.status not in LIVE_STATUSES:
            raise CancelRefused(_("This booking is not active, so it cannot be cancelled."))
        if booking.deposit_settled_at is not None:
            # Its event is over and its case closed (bookings.services.deposits).
            raise CancelRefused(_("This booking is closed: its deposit is settled."))
        quote = booking_cancel_quote(booking=booking, full=True)
        _cancel_locked(booking, actor=actor, by_agency=True, quote=quote, message=message)
        # The place cannot be used then: nobody waiting is offered it, and they are told why.
        waitlists_close_for_agency(booking=booking, message=message)
        _refund_after_commit(
            booking.pk,
            quote.refund_cents,
            reason=_("Booking %(reference)s cancelled by the agency")
            % {"reference": booking.reference},
            policy=POLICY_AGENCY,
        )
        _notify(
            booking,
            template="bookings/cancelled_by_agency",
            key="cancelled",
            extra={
                "refund_cents": quote.refund_cents,
                "currency": _currency(booking),
                "message": message,
            },
            invitation=True,
        )
    return quote


def _currency(booking: Booking) -> str:
    from django.conf import settings

    return settings.AGENCY["currency"].upper()


def _cancel_locked(
    booking: Booking,
    *,
    actor,
    by_agency: bool,
    quote: RefundQuote,
    message="",
    before_approval: bool = False,
):
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.ics_sequence += 1
    booking.save(update_fields=["status", "cancelled_at", "ics_sequence", "updated_at"])
    _close_open_invoices(booking)
    _case_move(
        booking,
        workflow.CANCELLED,
        # The booker acts as the applicant; a guest through their link, by this service.
        actor=actor if actor is not None and actor.is_authenticated else None,
        public_note=message,
    )
    case_record_event(
        case=booking.case,
        kind=events.UPDATE,
        payload={
            "what": "cancelled",
            "by": "agency" if by_agency else "booker",
            # Everything paid comes back because staff had not approved it yet.
            "before_approval": before_approval,
            "days_before": quote.days_before,
            "percent": quote.percent,
            "refund_cents": quote.refund_cents,
        },
        audience=CaseEvent.Audience.PARTICIPANTS,
    )


@dataclass(frozen=True)
class MoveOutcome:
    booking: Booking
    difference_cents: int  # above zero: owed (a new invoice); below: refunded
    invoice: Invoice | None  # the invoice for the difference, if any


def booking_move(
    *,
    booking: Booking,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    actor=None,
    now: datetime.datetime | None = None,
) -> MoveOutcome:
    """Move `booking` to another free time of its facility, keeping what was paid.

    The new time must pass the facility's slot rules, be free (the exclusion constraint
    decides at the last moment) and, beyond the time the booking already has, be waited for
    by nobody. The difference in price is invoiced (dearer) or refunded (cheaper, after
    commit); the calendar sequence is raised and the booker told. Raises CancelRefused when
    the booking cannot move or the time is not free, waited for or not allowed.
    """
    now = now or timezone.now()
    refusal = move_refusal(booking=booking, starts_at=starts_at, ends_at=ends_at, now=now)
    if refusal:
        raise CancelRefused(refusal)
    try:
        with transaction.atomic():
            booking = _lock_for_change(booking)
            if booking.status not in LIVE_STATUSES:
                raise CancelRefused(_("This booking is not active, so it cannot be moved."))
            if booking.starts_at <= now:
                raise CancelRefused(_("This booking has started and can no longer be moved."))
            old_price, old_buffered = booking.price_cents, booking.buffered
            old_starts_at, old_ends_at = booking.starts_at, booking.ends_at
            buffer = datetime.timedelta(minutes=booking.facility.buffer_minutes)
            # A time people wait for is theirs (the first of them is offered it): the
            # booking keeps the time it has, but takes none of theirs.
            new_buffered = DateTimeTZRange(starts_at, ends_at + buffer, "[)")
            if waitlist_waiting_locked(
                facility=booking.facility,
                ranges=_outside(new_buffered, old_buffered),
                now=now,
            ):
                raise CancelRefused(
                    _(
                        "People are waiting for this time. Choose another time, or join the "
                        "waitlist."
                    )
                )
            booking.period = DateTimeTZRange(starts_at, ends_at, "[)")
            # As the hold writes it (bookings.models.bookings): the buffer after the booking.
            booking.buffered = new_buffered
            booking.price_cents = _fee(booking)
            booking.ics_sequence += 1
            booking.save(
                update_fields=["period", "buffered", "price_cents", "ics_sequence", "updated_at"]
            )
            difference = booking.price_cents - old_price
            # The time it leaves goes to the first person waiting for it, at once.
            slot_freed_after_commit(booking, buffered=old_buffered)
            case_record_event(
                case=booking.case,
                kind=events.UPDATE,
                payload={
                    "what": "moved",
                    # The time it left, for the timeline (bookings.workflow).
                    "from_starts_at": old_starts_at.isoformat(),
                    "from_ends_at": old_ends_at.isoformat(),
                    "starts_at": starts_at.isoformat(),
                    "ends_at": ends_at.isoformat(),
                    "difference_cents": difference,
                },
                audience=CaseEvent.Audience.PARTICIPANTS,
            )
            invoice = None
            if difference > 0:
                invoice = invoice_create(
                    purpose=PURPOSE_CHANGE,
                    description=_("Booking %(reference)s: new time")
                    % {"reference": booking.reference},
                    lines=[_difference_line(difference)],
                    payer=booking.user,
                    guest_name=booking.guest_name if booking.user_id is None else "",
                    guest_email=booking.guest_email if booking.user_id is None else "",
                    subject=booking,
                    due_date=booking.starts_at.date(),
                    notify=False,
                )
            elif difference < 0:
                _refund_after_commit(
                    booking.pk,
                    -difference,
                    reason=_("Booking %(reference)s moved to a cheaper time")
                    % {"reference": booking.reference},
                    policy=POLICY_MOVED,
                )
            _notify(
                booking,
                template="bookings/changed",
                key="changed",
                extra={
                    "difference_cents": difference,
                    "refund_cents": max(-difference, 0),
                    "currency": _currency(booking),
                },
                # Only a confirmed booking is in the booker's calendar to update; one that
                # waits for approval gets its invitation when staff approve it.
                invitation=booking.status == BookingStatus.CONFIRMED,
            )
    except IntegrityError:
        raise CancelRefused(_("That time is no longer free. Please choose another.")) from None
    return MoveOutcome(booking=booking, difference_cents=difference, invoice=invoice)


def _outside(new: DateTimeTZRange, old: DateTimeTZRange) -> list[DateTimeTZRange]:
    """The parts of `new` that are not in `old` (none, one or two ranges)."""
    before = DateTimeTZRange(new.lower, min(new.upper, old.lower), "[)")
    after = DateTimeTZRange(max(new.lower, old.upper), new.upper, "[)")
    return [part for part in (before, after) if part.lower < part.upper]


def _fee(booking: Booking) -> int:
    """The booking's fee (without the deposit) at its current time."""
    lines = booking_price_lines(booking, resident=booking.resident)
    return lines_total(lines) - (booking.facility.deposit_cents or 0)


def _difference_line(amount: int):
    from payments.services import LineItem

    return LineItem(_("Difference for the new time"), amount)


def booking_invoices(booking: Booking) -> list[Invoice]:
    """The booking's invoices, newest first (for its page)."""
    return _invoices(booking)


def booking_for_staff(*, user, reference: str) -> Booking:
    """A booking whose case `user` may move (staff of its department); DoesNotExist else."""
    return (
        Booking.objects.select_related("facility", "case", "user")
        .filter(permissions.case_scope(user, permissions.MOVE, prefix="case__"))
        .get(reference=reference)
    )


def move_refusal(
    *, booking: Booking, starts_at: datetime.datetime, ends_at: datetime.datetime, now
) -> str:
    """Why `booking` cannot move to `starts_at`-`ends_at` ("" if it may): the facility's slot
    rules (bookings.availability); whether the time is free is the database's say."""
    from bookings.availability import calendar_for, rule_refusal

    if booking.case is None:
        return _("This booking cannot be changed online.")
    day = timezone.localtime(starts_at, booking.facility.time_zone).date()
    return rule_refusal(
        facility=booking.facility,
        start=starts_at,
        minutes=int((ends_at - starts_at).total_seconds() // 60),
        now=now,
        calendar=calendar_for(facility=booking.facility, first=day, last=day),
    )


@dataclass(frozen=True)
class MoveChoice:
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    difference_cents: int

    @property
    def refund_cents(self) -> int:
        return max(-self.difference_cents, 0)

    @property
    def value(self) -> str:
        return f"{self.starts_at.isoformat()}/{self.ends_at.isoformat()}"


def move_choices(
    *, booking: Booking, day: datetime.date | None = None, now=None
) -> list[MoveChoice]:
    """The free times of `booking`'s length on `day` (its own day by default), with what
    each costs more or less."""
    from bookings.availability import days_availability

    minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    length = datetime.timedelta(minutes=minutes)
    day = day or timezone.localtime(booking.starts_at, booking.facility.time_zone).date()
    choices = []
    for entry in days_availability(facility=booking.facility, first=day, days=1, now=now):
        for slot in entry.slots:
            if minutes not in slot.lengths:
                continue
            probe = Booking(
                facility=booking.facility,
                resident=booking.resident,
                period=DateTimeTZRange(slot.start, slot.start + length, "[)"),
            )
            difference = _fee(probe) - booking.price_cents
            choices.append(MoveChoice(slot.start, slot.start + length, difference))
    return choices
