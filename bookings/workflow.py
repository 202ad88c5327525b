"""The statuses of a booking's case, as data for the case engine.

A hold is not a case: holds are made and dropped by the hundred when a popular slot opens,
expire by the thousand in one statement, and carry nothing a clerk works on. A booking
becomes a case when the visitor goes on with it (checkout): from then on it has work for
staff (approval, deposit release, cancellation for the agency) and a timeline for the booker,
which is what the engine gives every service. `Booking.status` keeps the slot's state (what
the exclusion constraint reads; the database cannot read the case's status from another
table in a constraint); the booking services move both in one transaction.
"""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases import events
from cases.areas.locating import CaseLocation
from cases.models import CaseStatus as S
from cases.participation import Participation
from cases.workflow import APPLICANT, STAFF, SYSTEM, State, Transition, Workflow

KIND = "facility_booking"
PREFIX = "BKG"
DEPARTMENT_CODE = "PARKS"

PENDING_PAYMENT = "pending_payment"
PENDING_APPROVAL = "pending_approval"
CONFIRMED = "confirmed"
CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
COMPLETED = "completed"
CANCELLED = S.CANCELLED
DECLINED = "declined"
EXPIRED = "expired"

# The booker hears of each step from the booking services' own messages (confirmed, received,
# approved, declined, cancelled, moved, deposit settled: bookings.services.checkout._notify),
# which carry the facility, the times, the calendar file and a guest's link; the engine's
# generic "received" and "status changed" messages would only repeat them.
PARTICIPATION = Participation(notices={events.SUBMITTED: {}, events.STATUS_CHANGED: {}})


def _period(starts_at, ends_at) -> str:
    """An ISO start and end as the booker reads them, in the agency's time zone: "March 10,
    2027, 10 a.m.\N{EN DASH}noon" ("" if either is missing)."""
    starts, ends = parse_datetime(starts_at or ""), parse_datetime(ends_at or "")
    if starts is None or ends is None:
        return ""
    starts, ends = timezone.localtime(starts), timezone.localtime(ends)
    until = time_format(ends, "TIME_FORMAT")
    if ends.date() != starts.date():
        until = f"{date_format(ends, 'DATE_FORMAT')}, {until}"
    return (
        f"{date_format(starts, 'DATE_FORMAT')}, {time_format(starts, 'TIME_FORMAT')}"
        f"\N{EN DASH}{until}"
    )


def _moved_text(payload) -> str:
    """A move: from which time to which, and the difference in price charged or refunded
    (payload: from_starts_at, from_ends_at, starts_at, ends_at, difference_cents; a move
    recorded before the time it left was kept has no from_ times)."""
    values = {
        "old": _period(payload.get("from_starts_at"), payload.get("from_ends_at")),
        "new": _period(payload.get("starts_at"), payload.get("ends_at")),
        "amount": events.money(abs(payload.get("difference_cents") or 0)),
    }
    difference = payload.get("difference_cents") or 0
    # The times end in "a.m."/"p.m.": a sentence ending in one takes no second period.
    if not values["old"]:
        return gettext("Moved to %(new)s") % values
    if difference > 0:
        return gettext("Moved from %(old)s to %(new)s, with more to pay: %(amount)s.") % values
    if difference < 0:
        return gettext("Moved from %(old)s to %(new)s: %(amount)s refunded.") % values
    return gettext("Moved from %(old)s to %(new)s") % values


def _update_text(payload) -> str:
    """The words of a booking's update: a move says from which time to which
    (`_moved_text`); a cancellation says who cancelled and why what came back came back
    (payload: what, by, before_approval, days_before, refund_cents)."""
    if payload.get("what") == "moved":
        return _moved_text(payload)
    if payload.get("what") == "refund_failed":
        # Staff's only (bookings.services.refunds): the gateway's own words follow. A refund
        # given up with no answer may have been made: giving it back another way unchecked
        # could pay it twice. (Entries from before `unanswered` was recorded read as refused.)
        values = {
            "amount": events.money(payload.get("refund_cents") or 0),
            "failure": payload.get("failure") or "",
        }
        if payload.get("unanswered"):
            return (
                gettext(
                    "The payment service did not answer a refund of %(amount)s: %(failure)s. "
                    "It may have been given back: check with the payment service before "
                    "giving it back another way."
                )
                % values
            )
        return (
            gettext(
                "The payment service refused a refund of %(amount)s: %(failure)s. It was not "
                "given back; give it back another way."
            )
            % values
        )
    if payload.get("what") == "refund_again":
        # Staff's only (bookings.services.refunds.booking_refund_again): what came of it.
        amount = {"amount": events.money(payload.get("refund_cents") or 0)}
        if payload.get("outcome") == "made":
            return gettext("Refund of %(amount)s asked for again: given back.") % amount
        if payload.get("outcome") == "refused":
            return gettext("Refund of %(amount)s asked for again: refused again.") % amount
        return (
            gettext("Refund of %(amount)s asked for again: waiting for the payment service.")
            % amount
        )
    if payload.get("what") != "cancelled":
        return ""
    refund_cents = payload.get("refund_cents") or 0
    values = {"amount": events.money(refund_cents), "days": payload.get("days_before", 0)}
    if payload.get("by") == "agency":
        if not refund_cents:
            return gettext("Cancelled by the agency.")
        return gettext("Cancelled by the agency: everything paid is refunded, %(amount)s.") % values
    if payload.get("before_approval"):
        # The tiers are for confirmed bookings (bookings.services.cancel).
        if not refund_cents:
            return gettext("Cancelled by the booker before staff approval.")
        return (
            gettext(
                "Cancelled by the booker before staff approval: everything paid is refunded, "
                "%(amount)s."
            )
            % values
        )
    if not refund_cents:
        return (
            ngettext(
                "Cancelled by the booker %(days)s day ahead: nothing refunded under the "
                "cancellation policy.",
                "Cancelled by the booker %(days)s days ahead: nothing refunded under the "
                "cancellation policy.",
                values["days"],
            )
            % values
        )
    return (
        ngettext(
            "Cancelled by the booker %(days)s day ahead: %(amount)s refunded under the "
            "cancellation policy.",
            "Cancelled by the booker %(days)s days ahead: %(amount)s refunded under the "
            "cancellation policy.",
            values["days"],
        )
        % values
    )


# The booking services' updates (a cancellation, a move), in the reader's language.
UPDATE_KIND = events.EventKind(label=_("Update"), text=_update_text)


def _reminder_text(payload) -> str:
    """A reminder of the booking's day (bookings.reminders; payload: on_date)."""
    return gettext("Reminder of this booking sent on %(date)s.") % {
        "date": events.display_value("on_date", payload.get("on_date"))
    }


REMINDER_SENT_KIND = events.EventKind(
    label=events.REMINDER_SENT_KIND.label,
    audiences=events.REMINDER_SENT_KIND.audiences,
    text=_reminder_text,
)

EVENT_KINDS = {
    events.PAYMENT: events.PAYMENT_KIND,
    events.UPDATE: UPDATE_KIND,
    events.REMINDER_SENT: REMINDER_SENT_KIND,
}

BOOKING = Workflow(
    kind=KIND,
    name=_("Facility booking"),
    prefix=PREFIX,
    target_days=None,
    department_code=DEPARTMENT_CODE,
    initial_status=PENDING_PAYMENT,
    event_kinds=EVENT_KINDS,
    participation=PARTICIPATION,
    # The facility's point on the map.
    location=CaseLocation(
        "bookings.Booking", latitude="facility__latitude", longitude="facility__longitude"
    ),
    states={
        PENDING_PAYMENT: State(
            label=_("Waiting for payment"),
            next_steps=_("Pay to keep your booking."),
            waiting=True,
        ),
        PENDING_APPROVAL: State(
            label=_("Waiting for approval"),
            next_steps=_("Our staff will review your booking and tell you their decision."),
            target_days=3,
        ),
        CONFIRMED: State(
            label=_("Confirmed"),
            next_steps=_("Your booking is confirmed. You can change or cancel it from this page."),
        ),
        # On the day (bookings.services.staff_attendance): staff's history, not a message.
        CHECKED_IN: State(
            label=_("Checked in"),
            next_steps=_("Enjoy your event. Staff will settle your deposit afterwards."),
        ),
        NO_SHOW: State(
            label=_("Not attended"),
            staff_label=_("No-show"),
            next_steps=_("Staff will settle your deposit."),
        ),
        # After the event, once staff have settled the deposit (bookings.services.staff_deposits).
        COMPLETED: State(
            label=_("Completed"), next_steps=_("Thank you for booking with us."), final=True
        ),
        CANCELLED: State(
            label=_("Cancelled"), next_steps=_("This booking was cancelled."), final=True
        ),
        DECLINED: State(
            label=_("Declined"), next_steps=_("Our staff declined this booking."), final=True
        ),
        EXPIRED: State(
            label=_("Expired"),
            next_steps=_("The booking was not paid in time and the slot was released."),
            final=True,
        ),
    },
    transitions=[
        Transition(PENDING_PAYMENT, PENDING_APPROVAL, actors={SYSTEM}, service_only=True),
        Transition(PENDING_PAYMENT, CONFIRMED, actors={SYSTEM}, service_only=True),
        Transition(PENDING_PAYMENT, EXPIRED, actors={SYSTEM}, service_only=True),
        Transition(PENDING_PAYMENT, CANCELLED, actors={APPLICANT, STAFF}, service_only=True),
        Transition(PENDING_APPROVAL, CONFIRMED, actors={STAFF}, service_only=True),
        Transition(PENDING_APPROVAL, DECLINED, actors={STAFF}, service_only=True),
        # SYSTEM: a guest cancels through their link, by the cancellation service.
        Transition(
            PENDING_APPROVAL, CANCELLED, actors={APPLICANT, STAFF, SYSTEM}, service_only=True
        ),
        Transition(CONFIRMED, CANCELLED, actors={APPLICANT, STAFF, SYSTEM}, service_only=True),
        Transition(CONFIRMED, COMPLETED, actors={STAFF, SYSTEM}, service_only=True),
        # Attendance is the clerk's record, not news for the booker: private moves.
        Transition(CONFIRMED, CHECKED_IN, actors={STAFF}, service_only=True, public=False),
        Transition(CONFIRMED, NO_SHOW, actors={STAFF}, service_only=True, public=False),
        # A late arrival: the no-show is corrected by checking them in.
        Transition(NO_SHOW, CHECKED_IN, actors={STAFF}, service_only=True, public=False),
        Transition(CHECKED_IN, COMPLETED, actors={STAFF, SYSTEM}, service_only=True),
        Transition(NO_SHOW, COMPLETED, actors={STAFF, SYSTEM}, service_only=True),
        # The agency cancels a booking already checked in (an emergency on the day).
        Transition(CHECKED_IN, CANCELLED, actors={STAFF}, service_only=True),
        Transition(NO_SHOW, CANCELLED, actors={STAFF}, service_only=True),
    ],
)
