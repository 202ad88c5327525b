"""Waitlists of taken slots: join, leave, and the offer of a slot that comes free.

One person (an account, or a guest's e-mail address) waits once per slot (the database's
`bookings_waitlist_once_per_person`). When the slot comes free (its booking cancelled by the
booker, a hold or an offer lapsing), the first person waiting is **offered** it: a hold is
made for them through `booking_hold` (so the exclusion constraint decides, as for anyone)
that lasts the facility's `waitlist_offer_hours` (never past the latest time the slot may be
booked), and they get an e-mail with a link to the checkout of that hold. One offer per slot
at a time (`bookings_waitlist_one_offer`, and the entries of a slot are locked while an offer
is made). An offer not taken in time lapses and the next person is offered.

`waitlist_offers_sweep` (a beat task) does the set-based work: offers taken are marked
accepted, lapsed offers lapsed, entries of slots that passed closed, and every slot that is
free with people waiting offered; it touches only rows still in the state it looks for, so
running it twice, or concurrently, changes nothing more. It is the safety net: whatever
frees a waited-for time or ends an offer (a booker's cancellation, a booking moved away, an
offer declined, given back or lapsed) asks for the offers of that time right after commit
(`slot_freed_after_commit`, `bookings.services.offers`), so no one waits for the sweep.
"""

from __future__ import annotations

import datetime
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.availability import MINUTE, calendar_for, rule_refusal
from bookings.exceptions import HoldRefused, SlotTaken
from bookings.households import household_refusal
from bookings.models import (
    WAITLIST_LIVE,
    Booking,
    BookingKind,
    BookingStatus,
    Facility,
    WaitlistEntry,
    WaitlistStatus,
    household_key,
)
from bookings.selectors_release import lottery_refusal, waited_for_needs, waitlist_position
from bookings.services.checkout import LIVE
from bookings.services.holds import booking_hold
from bookings.services.offers import offer_after_commit
from cases.links import LinkScope, issue_link
from notifications.services import notification_send
from portal.localized import localized

logger = logging.getLogger("bookings")

OFFER_PAGE = "bookings:offer"
LEAVE_PAGE = "bookings:guest_waitlist_leave"
# How many free slots one sweep offers at most (the next run takes the rest).
SWEEP_BATCH = 500


class WaitlistRefused(Exception):
    """The person cannot join (or leave) this waitlist; the message says why."""


def _slot_refusal(*, facility: Facility, start, minutes: int, now) -> str:
    day = timezone.localtime(start, facility.time_zone).date()
    return rule_refusal(
        facility=facility,
        start=start,
        minutes=minutes,
        now=now,
        calendar=calendar_for(facility=facility, first=day, last=day),
    )


def _buffered(facility: Facility, start, end) -> DateTimeTZRange:
    return DateTimeTZRange(start, end + facility.buffer_minutes * MINUTE, "[)")


def waitlist_join(
    *,
    facility: Facility,
    start: datetime.datetime,
    minutes: int,
    user=None,
    name: str = "",
    email: str = "",
    now: datetime.datetime | None = None,
) -> WaitlistEntry:
    """Put an account (`user`) or a guest (`name`, `email`) on the waitlist of a taken slot.

    The slot must be one the facility's rules allow and taken now (a free slot is booked,
    not waited for). Raises WaitlistRefused with the reason (bad input, slot free or not
    allowed, already waiting); writes nothing then. The person is told by e-mail, with the
    link to leave the waitlist.
    """
    now = now or timezone.now()
    if not isinstance(start, datetime.datetime) or start.tzinfo is None:
        raise WaitlistRefused(_("Choose a start time from the list."))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise WaitlistRefused(_("Choose a length from the list."))
    if not facility.published:
        raise WaitlistRefused(_("This facility cannot be booked online."))
    if user is None:
        name, email = (name or "").strip(), (email or "").strip()
        if not name:
            raise WaitlistRefused(_("Enter your name."))
        try:
            validate_email(email)
        except ValidationError:
            raise WaitlistRefused(_("Enter a valid e-mail address.")) from None
    refusal = _slot_refusal(
        facility=facility, start=start, minutes=minutes, now=now
    ) or lottery_refusal(facility=facility, start=start)
    if refusal:
        raise WaitlistRefused(refusal)
    end = start + minutes * MINUTE
    kinds = set(
        Booking.objects.occupying(now=now)
        .filter(facility=facility, buffered__overlap=_buffered(facility, start, end))
        .values_list("kind", flat=True)
    )
    if not kinds:
        raise WaitlistRefused(_("This time is free: you can book it now."))
    if kinds == {BookingKind.BLOCK}:
        # Staff keep it free of bookings (maintenance, a city event): nothing to wait for.
        raise WaitlistRefused(_("This time is closed to bookings."))
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                facility=facility,
                period=DateTimeTZRange(start, end, "[)"),
                user=user,
                guest_name=name if user is None else "",
                guest_email=email if user is None else "",
                household_key=household_key(user=user, email=email),
            )
            _notify_joined(entry)
    except IntegrityError:
        raise WaitlistRefused(_("You are already on the waitlist for this time.")) from None
    return entry


def waitlist_leave(*, entry: WaitlistEntry, now: datetime.datetime | None = None) -> bool:
    """Take `entry` off its waitlist; returns whether it was still in the queue.

    An open offer is given back (its hold released) and the next person offered after
    commit. Safe to repeat: an entry that already left changes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        entry = _entry_lock_with_offer(entry.pk)
        if entry.status not in WAITLIST_LIVE:
            return False
        offered = entry.status == WaitlistStatus.OFFERED
        entry.status = WaitlistStatus.LEFT
        entry.save(update_fields=["status", "updated_at"])
        if offered and entry.offer_id is not None:
            Booking.objects.filter(pk=entry.offer_id, status=BookingStatus.HELD).update(
                status=BookingStatus.EXPIRED, hold_expires_at=now, updated_at=now
            )
            offer_after_commit(entry.facility_id, entry.period)
    return True


class _OfferedMeanwhile(Exception):
    """The entry was offered a hold between reading it and locking it."""


def _entry_lock_with_offer(pk: int) -> WaitlistEntry:
    """Lock the waitlist entry `pk` and its offer's hold, if it has one, until the
    transaction ends: the hold first, as every change of a hold does (the one lock order,
    bookings.services.holds), so a person declining an offer while choosing another time
    (which gives the offer back, `holds_release_others`) never deadlocks.

    The hold is known only from the entry, so the entry is read first without a lock; if
    it was offered a hold between that read and its lock (an entry is offered once, so this
    happens at most once), the entry's lock is let go (its savepoint rolled back) and both
    are taken again in order."""
    while True:
        offer_id = WaitlistEntry.objects.filter(pk=pk).values_list("offer_id", flat=True).get()
        try:
            with transaction.atomic():
                if offer_id is not None:
                    list(Booking.objects.select_for_update().filter(pk=offer_id).values("pk"))
                entry = WaitlistEntry.objects.select_for_update().get(pk=pk)
                if entry.offer_id != offer_id:
                    raise _OfferedMeanwhile
                return entry
        except _OfferedMeanwhile:
            continue


def waitlist_offer_next(
    *, facility_id: int, period: DateTimeTZRange, now: datetime.datetime | None = None
) -> WaitlistEntry | None:
    """Offer the slot `period` of the facility to the first person waiting, if it is free
    and no offer for it is open; returns the entry offered, or None.

    The slot's live entries are locked (primary-key order) for the whole decision, so two
    callers never offer one slot twice. A person the facility's household limits refuse is
    passed over (and told why); a slot that can no longer be booked closes its waitlist.
    """
    now = now or timezone.now()
    with transaction.atomic():
        live = list(
            WaitlistEntry.objects.select_for_update()
            .filter(facility_id=facility_id, period=period, status__in=WAITLIST_LIVE)
            .order_by("pk")
        )
        if not live or any(e.status == WaitlistStatus.OFFERED for e in live):
            return None
        facility = Facility.objects.get(pk=facility_id)
        start, minutes = period.lower, int((period.upper - period.lower) / MINUTE)
        deadline = min(
            now + facility.waitlist_offer_hours * 60 * MINUTE,
            start - facility.lead_minutes * MINUTE,
        )
        if not facility.published or lottery_refusal(facility=facility, start=start):
            # Not bookable for now (a draft, a day a lottery releases): everyone keeps waiting.
            return None
        slot_refusal = _slot_refusal(facility=facility, start=start, minutes=minutes, now=now)
        if slot_refusal or deadline <= now:
            _close(live, note=slot_refusal or _("This time can no longer be booked."))
            return None
        for entry in sorted(live, key=lambda e: (e.created_at, e.pk)):
            refusal = household_refusal(
                facility=facility,
                user=entry.user,
                email=entry.guest_email,
                start=start,
                minutes=minutes,
                now=now,
            )
            if not refusal:
                try:
                    booking = booking_hold(
                        facility=facility,
                        start=start,
                        minutes=minutes,
                        holder_key=secrets.token_urlsafe(24),
                        user=entry.user,
                        now=now,
                        hold_until=deadline,
                    )
                except SlotTaken:
                    return None  # still taken (or taken again): wait for it to come free
                except HoldRefused as error:
                    refusal = str(error)
            if refusal:
                entry.status, entry.note = WaitlistStatus.PASSED, refusal[:300]
                entry.save(update_fields=["status", "note", "updated_at"])
                _notify(entry, template="bookings/waitlist_passed", extra={"reason": refusal})
                continue
            if entry.user_id is None:
                booking.guest_name, booking.guest_email = entry.guest_name, entry.guest_email
                booking.save(update_fields=["guest_name", "guest_email", "updated_at"])
            entry.status = WaitlistStatus.OFFERED
            entry.offer, entry.offer_expires_at, entry.offered_at = booking, deadline, now
            entry.save(
                update_fields=["status", "offer", "offer_expires_at", "offered_at", "updated_at"]
            )
            _notify_offer(entry, booking)
            return entry
    return None


def _close(entries: list[WaitlistEntry], *, note: str) -> None:
    WaitlistEntry.objects.filter(
        pk__in=[e.pk for e in entries], status=WaitlistStatus.WAITING
    ).update(status=WaitlistStatus.CLOSED, note=note[:300], updated_at=timezone.now())


def waitlist_offers_make(
    *,
    now: datetime.datetime | None = None,
    facility_id: int | None = None,
    within: DateTimeTZRange | None = None,
    limit: int = SWEEP_BATCH,
) -> int:
    """Offer every free slot with people waiting and no open offer (of one facility and time
    range, if given); returns how many offers were made.

    Free means as the offer's hold needs it: no occupying booking overlaps the time with the
    facility's buffer after it (`waited_for_needs`, the rule of the hold service), so no
    hold is tried that the database would refuse, and a time freed by a booking in that
    buffer (`within`) is offered at once."""
    now = now or timezone.now()
    occupied = Booking.objects.occupying(now=now).filter(
        facility_id=OuterRef("facility_id"), buffered__overlap=OuterRef("needs")
    )
    offered = WaitlistEntry.objects.filter(
        facility_id=OuterRef("facility_id"),
        period=OuterRef("period"),
        status=WaitlistStatus.OFFERED,
    )
    slots = WaitlistEntry.objects.alias(needs=waited_for_needs()).filter(
        status=WaitlistStatus.WAITING, period__startswith__gt=now
    )
    if facility_id is not None:
        slots = slots.filter(facility_id=facility_id)
    if within is not None:
        slots = slots.filter(needs__overlap=within)
    slots = (
        slots.filter(~Exists(offered), ~Exists(occupied))
        .order_by("facility_id", "period")
        .values_list("facility_id", "period")
        .distinct()[:limit]
    )
    made = 0
    for slot_facility, period in list(slots):
        if waitlist_offer_next(facility_id=slot_facility, period=period, now=now) is not None:
            made += 1
    return made


def waitlist_slot_freed(
    *, facility_id: int, within: DateTimeTZRange, now: datetime.datetime | None = None
) -> int:
    """Right after a change that may free a waited-for time of the facility within `within`
    or end its offer: lapse the offers there whose hold ended, then offer the free times to
    the next person waiting; returns how many offers were made. Idempotent, as the sweep."""
    now = now or timezone.now()
    _offers_lapse(now=now, facility_id=facility_id, within=within)
    return waitlist_offers_make(now=now, facility_id=facility_id, within=within)


def waitlist_offers_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """The beat's pass over waitlists; returns how many entries moved, by what happened.

    Idempotent and safe to run concurrently: each step changes only rows still in the state
    it looks for (offers still open, entries still waiting), and offers are made under the
    slot's row locks.
    """
    now = now or timezone.now()
    accepted = WaitlistEntry.objects.filter(
        status=WaitlistStatus.OFFERED, offer__status__in=LIVE
    ).update(status=WaitlistStatus.ACCEPTED, updated_at=now)
    lapsed = _offers_lapse(now=now)
    closed = WaitlistEntry.objects.filter(
        status=WaitlistStatus.WAITING, period__startswith__lte=now
    ).update(status=WaitlistStatus.CLOSED, note=_("This time has passed."), updated_at=now)
    return {
        "accepted": accepted,
        "lapsed": lapsed,
        "closed": closed,
        "offered": waitlist_offers_make(now=now),
    }


def _offers_lapse(*, now, facility_id: int | None = None, within=None) -> int:
    """Lapse the open offers (of one facility and time range, if given) whose hold no longer
    keeps the slot (its time ran out, or it ended some other way), releasing their holds;
    each person told once.

    The holds are locked first, then their entries (the one lock order,
    bookings.services.holds): choosing another time (`holds_release_others`, hold then
    entry) gives back only holds still live by its clock, and a hold may run out between
    that clock and this one's. Both locks skip rows another transaction holds: that offer
    is left to whoever holds it, or to the next run."""
    offers = WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED)
    if facility_id is not None:
        offers = offers.filter(facility_id=facility_id)
    if within is not None:
        offers = offers.filter(period__overlap=within)
    ended = ~Q(status__in=LIVE) & ~Q(status=BookingStatus.HELD, hold_expires_at__gt=now)
    with transaction.atomic():
        holds = list(
            Booking.objects.select_for_update(skip_locked=True)
            .filter(ended, Exists(offers.filter(offer_id=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", flat=True)[:SWEEP_BATCH]
        )
        if not holds:
            return 0
        rows = list(
            offers.select_for_update(skip_locked=True, of=("self",))
            .select_related("facility", "user")
            .filter(offer_id__in=holds)
            .order_by("pk")
        )
        if not rows:
            return 0
        WaitlistEntry.objects.filter(pk__in=[e.pk for e in rows]).update(
            status=WaitlistStatus.LAPSED, updated_at=now
        )
        Booking.objects.filter(pk__in=[e.offer_id for e in rows], status=BookingStatus.HELD).update(
            status=BookingStatus.EXPIRED, updated_at=now
        )
        for entry in rows:
            _notify(entry, template="bookings/waitlist_lapsed")
    return len(rows)


def waitlists_close_for_agency(*, booking: Booking, message: str) -> int:
    """Close the waitlists of `booking`'s time, which the agency cancelled (weather, an
    emergency: the place cannot be used), telling each person waiting why; returns how many
    entries closed. Call in the cancellation's transaction; the sweep then offers nothing."""
    now = timezone.now()
    rows = list(
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("facility", "user")
        .filter(
            facility_id=booking.facility_id,
            status=WaitlistStatus.WAITING,
            period__overlap=booking.buffered,
        )
        .order_by("pk")
    )
    WaitlistEntry.objects.filter(pk__in=[e.pk for e in rows]).update(
        status=WaitlistStatus.CLOSED, note=message[:300], updated_at=now
    )
    for entry in rows:
        _notify(entry, template="bookings/waitlist_closed", extra={"reason": message})
    return len(rows)


def waitlist_waiting_locked(
    *, facility: Facility, ranges: list[DateTimeTZRange], now: datetime.datetime
) -> bool:
    """Whether people wait for a time of `facility` that has not started and that, with the
    buffer after it, overlaps any of `ranges` (as `waitlist_waiting`), locking their entries
    (primary-key order, as the offers do) until the transaction ends, so no offer, lapse or
    leave changes the answer meanwhile. Call inside the transaction of the change that would
    take the time (a booking moved into it)."""
    ranges = [r for r in ranges if r.lower < r.upper]
    if not ranges:
        return False
    overlaps = Q()
    for within in ranges:
        overlaps |= Q(needs__overlap=within)
    entries = (
        WaitlistEntry.objects.select_for_update()
        .alias(needs=waited_for_needs(facility.buffer_minutes))
        .filter(overlaps, facility=facility, status__in=WAITLIST_LIVE)
        .filter(period__startswith__gt=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return bool(list(entries))


def slot_freed_after_commit(booking: Booking, *, buffered: DateTimeTZRange | None = None) -> None:
    """After this transaction commits, offer `booking`'s time (or the time it had,
    `buffered`, for a booking moved away) to whoever waits for it; call inside the
    transaction that frees the slot."""
    offer_after_commit(booking.facility_id, buffered or booking.buffered)


# --- Messages ------------------------------------------------------------------------------


def _context(entry: WaitlistEntry, extra: dict | None = None) -> dict:
    return {
        "facility": localized(entry.facility, "name"),
        "starts_at": entry.starts_at.isoformat(),
        "ends_at": entry.ends_at.isoformat(),
        "guest_name": entry.guest_name,
        **(extra or {}),
    }


def _notify(entry: WaitlistEntry, *, template: str, extra=None, link_url: str = "") -> None:
    notification_send(
        template_key=template,
        context=_context(entry, {"link": link_url, **(extra or {})}),
        dedupe_key=f"bookings.waitlist:{entry.pk}:{template}:{entry.offer_id or 0}",
        user=entry.user,
        email=entry.guest_email if entry.user_id is None else "",
        link_url=link_url,
    )


def leave_url(entry: WaitlistEntry) -> str:
    """The absolute link to leave the waitlist: the account's page, or a guest link."""
    if entry.user_id is not None:
        return settings.SITE_URL + reverse("bookings:waitlist_leave", kwargs={"pk": entry.pk})
    issued = issue_link(
        entry,
        LinkScope.CANCEL,
        page=LEAVE_PAGE,
        email=entry.guest_email,
        ttl=max(entry.ends_at - timezone.now(), datetime.timedelta(0)) + datetime.timedelta(days=1),
    )
    return issued.url


def _notify_joined(entry: WaitlistEntry) -> None:
    _notify(
        entry,
        template="bookings/waitlist_joined",
        extra={"position": waitlist_position(entry=entry)},
        link_url=leave_url(entry),
    )


def offer_url(booking: Booking, *, until: datetime.datetime) -> str:
    """The absolute link to the checkout of an offered (or granted) hold: by reference for
    an account, else a pay-scoped guest link that lasts as long as the hold."""
    if booking.user_id is not None:
        return settings.SITE_URL + reverse(
            "bookings:checkout", kwargs={"reference": booking.reference}
        )
    issued = issue_link(
        booking,
        LinkScope.PAY,
        page=OFFER_PAGE,
        email=booking.guest_email,
        ttl=max(until - timezone.now(), datetime.timedelta(minutes=1)),
    )
    return issued.url


def _notify_offer(entry: WaitlistEntry, booking: Booking) -> None:
    _notify(
        entry,
        template="bookings/waitlist_offer",
        extra={"deadline": entry.offer_expires_at.isoformat(), "reference": booking.reference},
        link_url=offer_url(booking, until=entry.offer_expires_at),
    )


def offer_claim(*, booking: Booking, holder_key: str) -> bool:
    """Let the browser that opened an offer's guest link check out its hold: the hold's
    holder key becomes the session's. Returns False if the hold is no longer open."""
    return bool(
        Booking.objects.filter(
            pk=booking.pk, status=BookingStatus.HELD, hold_expires_at__gt=timezone.now()
        ).update(holder_key=holder_key, updated_at=timezone.now())
    )
