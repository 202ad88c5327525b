"""Holding a slot: what choosing a time does.

A hold is a booking in `held` that keeps its slot for the facility's `hold_minutes` while the
visitor answers the questions and pays. The database decides who gets a slot: two visitors
choosing it at the same instant both try to insert, the exclusion constraint lets exactly one
through and the other is told at once, with the nearest free slots. A hold expires by itself:
availability ignores it from `hold_expires_at` on, and `holds_expire` (a beat task) ends the
lapsed ones, a bounded batch per statement. A lapsed hold that never reached checkout and
that nothing points at (no case, no booker's details, no invoice, no waitlist offer, no
lottery grant) is not a booking and nobody needs its row: it is deleted. One with something
attached keeps its record, marked `expired`: a payment that arrives late is refunded against
it, an offer moves on to the next person, staff see its case. So an `expired` booking always
has something attached, whichever path ended it (the sweep, or a new hold clearing lapsed
holds in its way), and nothing lists or counts abandoned holds (docs/performance.md).

Waitlist offers and lottery grants hold through the same function, with their own deadline
(`hold_until`): the constraint arbitrates them like any visitor. Days released by a lottery
not yet drawn cannot be held first-come (`bookings.selectors_release.lottery_refusal`), nor
can a time people wait for: it goes to the first of them (`bookings.services.waitlist`),
not to whoever sees it free first.

Locks, in one order: a change takes the rows of the bookings it changes first (a move, a
cancellation, a checkout), then the waitlist entries of the time it would take (a move:
`waitlist_waiting_locked`). An offered hold given back takes the hold, then its entry,
whoever gives it back: the person choosing another time (`holds_release_others`,
`booking_hold_release`) or leaving the waitlist (`waitlist_leave`, which reads the entry
unlocked to find its hold); an offer that lapsed takes its hold, then its entry, too (the
offer task, skipping rows others hold; the expiry sweep locks no entry, and waits at most
`EXPIRE_LOCK_WAIT` for a hold others have locked before it skips such rows). An offer locks
the entries of its time, then inserts its hold, which waits for no row lock, only for another
transaction's uncommitted booking of an overlapping time. A visitor's hold locks no entry:
it reads the people waiting after its insert (locking them then would wait for an offer that
waits for this insert).
"""

from __future__ import annotations

import datetime
import secrets

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import errors as pg_errors

from bookings.availability import MINUTE, calendar_for, nearest_free, rule_refusal
from bookings.exceptions import HoldRefused, SlotTaken
from bookings.households import household_refusal
from bookings.models import (
    Booking,
    BookingStatus,
    Facility,
    LotteryRequest,
    WaitlistEntry,
    WaitlistStatus,
)
from bookings.prices import booking_price_cents
from bookings.selectors_release import lottery_refusal, waitlist_waiting
from bookings.services.offers import offer_after_commit, offers_given_back

# Unambiguous letters and digits (no 0/O, 1/I/L) for references read over the phone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class _PeopleWaiting(Exception):
    """The time held is one people wait for: the hold is undone (see `booking_hold`)."""


def reference_new() -> str:
    return "BK-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _lapsed_holds_expire(*, facility: Facility, buffered: DateTimeTZRange, now) -> None:
    """End the lapsed holds in the way of a new booking, so the constraint (which cannot read
    the clock) lets the new one in: delete the abandoned ones and mark the others `expired`,
    as the sweep does (`END_LAPSED_SQL`), so an expired hold always has something attached,
    whichever of the two ended it. Waits for a row another transaction has locked, as
    before: it runs in the new hold's short transaction, and the row is read again after."""
    with connection.cursor() as cursor:
        cursor.execute(
            IN_THE_WAY_SQL,
            {
                "facility": facility.pk,
                "lower": buffered.lower,
                "upper": buffered.upper,
                "bounds": buffered.bounds,
                "now": now,
                "booking_type": _booking_type_id(),
            },
        )


def booking_hold(
    *,
    facility: Facility,
    start: datetime.datetime,
    minutes: int,
    holder_key: str,
    user=None,
    resident: bool = True,
    now: datetime.datetime | None = None,
    hold_until: datetime.datetime | None = None,
) -> Booking:
    """Hold `minutes` from `start` at `facility` for `facility.hold_minutes` (or until
    `hold_until`, for a waitlist offer or a lottery grant).

    Raises HoldRefused when the facility's rules refuse the slot, and SlotTaken (with the
    nearest free slots) when another booking or live hold keeps it; either way nothing is
    written.
    """
    now = now or timezone.now()
    if start.tzinfo is None:
        raise HoldRefused(_("Choose a start time from the list."))
    if not facility.published:
        raise HoldRefused(_("This facility cannot be booked online."))
    local_day = timezone.localtime(start, facility.time_zone).date()
    calendar = calendar_for(facility=facility, first=local_day, last=local_day)
    refusal = rule_refusal(
        facility=facility, start=start, minutes=minutes, now=now, calendar=calendar
    ) or household_refusal(facility=facility, user=user, start=start, minutes=minutes, now=now)
    refusal = refusal or lottery_refusal(facility=facility, start=start)
    if refusal:
        raise HoldRefused(refusal)

    end = start + minutes * MINUTE
    period = DateTimeTZRange(start, end, "[)")
    buffered = DateTimeTZRange(start, end + facility.buffer_minutes * MINUTE, "[)")
    try:
        with transaction.atomic():
            _lapsed_holds_expire(facility=facility, buffered=buffered, now=now)
            booking = Booking.objects.create(
                facility=facility,
                reference=reference_new(),
                status=BookingStatus.HELD,
                period=period,
                buffered=buffered,
                hold_expires_at=hold_until or now + facility.hold_minutes * MINUTE,
                holder_key=holder_key,
                user=user,
                resident=resident,
                price_cents=booking_price_cents(
                    facility=facility, minutes=minutes, resident=resident
                ),
                deposit_cents=facility.deposit_cents,
            )
            # A visitor's own hold (no `hold_until`) never takes a time someone waits for.
            # Asked after the insert, under the claim it makes on the time: the exclusion
            # constraint let the row in only once whatever occupied the time had let it go
            # (a cancellation, a move away) and committed, so this read sees everyone who
            # was waiting when it did; and an offer of the time, whose insert conflicts
            # with this row, waits until this transaction ends. Asked before, a time freed
            # meanwhile could go to this visitor instead of the first person waiting.
            if hold_until is None and waitlist_waiting(facility=facility, within=buffered, now=now):
                raise _PeopleWaiting
    except _PeopleWaiting:
        nearest = [
            slot
            for slot in nearest_free(facility=facility, around=start, minutes=minutes, now=now)
            if slot.start != start
        ]
        raise SlotTaken(
            _(
                "People are waiting for this time, so it goes to them first. You can join "
                "the waitlist."
            ),
            nearest=nearest,
        ) from None
    except IntegrityError as error:
        if not isinstance(error.__cause__, pg_errors.ExclusionViolation):
            raise
        nearest = nearest_free(facility=facility, around=start, minutes=minutes, now=now)
        raise SlotTaken(
            _("Sorry, this time was just taken by someone else. These times are free:")
            if nearest
            else _("Sorry, this time was just taken by someone else."),
            nearest=nearest,
        ) from None
    return booking


def booking_hold_release(*, booking: Booking, holder_key: str) -> bool:
    """Give a held slot back before it expires (the visitor chose another time).

    Returns whether a hold was released; a booking past `held`, or someone else's, is left.
    A waitlist offer given back goes to the next person waiting, after commit.
    """
    now = timezone.now()
    with transaction.atomic():
        released = bool(
            Booking.objects.filter(
                pk=booking.pk, status=BookingStatus.HELD, holder_key=holder_key
            ).update(status=BookingStatus.EXPIRED, hold_expires_at=now, updated_at=now)
        )
        if released:
            offers_given_back(booking_ids=[booking.pk], now=now)
    return released


# How many lapsed holds one statement of the sweep ends: each batch is its own short
# transaction, so the sweep never keeps many rows locked for long.
EXPIRE_BATCH = 10_000

# How long a batch waits for a row another transaction has locked (a checkout, a payment
# confirming, a visitor choosing another time) before it gives up and takes the batch again
# skipping locked rows. Well under `deadlock_timeout` (1 s by default): the sweep's plain
# DELETE and UPDATE cannot take their rows in primary-key order, so a transaction that locks
# two lapsed holds in another order (a hold ending the lapsed ones in its way, an account
# claiming guest bookings) could otherwise wait for the sweep while the sweep waits for it.
EXPIRE_LOCK_WAIT = "100ms"

# Ends the lapsed holds `{chosen}` picks (a query of their ids): the abandoned ones are
# deleted, the others marked `expired`, in one statement that touches each row once.
# The UPDATE is driven by the chosen ids the DELETE left, so a batch of abandoned holds
# (the usual one) reads no row a second time.
#
# Abandoned: the hold never reached checkout and nothing points at it. Its own columns say
# the first (checkout gives it a case and the booker's details, in the transaction that
# issues its invoice); NOT EXISTS says the second (no waitlist offer, no lottery grant, no
# invoice). Why both: under READ COMMITTED, a row another transaction changed meanwhile
# (its lock waited for) is read again in its newest version and the conditions on its own
# columns are evaluated again on it, but subqueries keep the statement's snapshot. So what
# decides "abandoned" for a row a checkout is writing at that moment is the row's own
# `case_id` and details, never the invoice subquery: a hold that got its case while the
# DELETE waited is not deleted, and the UPDATE marks it expired instead. An offer or a grant
# is written in the same transaction as the hold it points at (the statement sees both or
# neither); and the database's foreign keys from both refuse the delete of a hold still
# pointed at, at the statement, whatever a subquery saw. They refuse with RESTRICT (bookings
# 0009): one index probe a deleted row, where NO ACTION's two, deferred to the commit, cost
# more than the whole delete (docs/performance.md).
END_LAPSED_SQL = """
WITH chosen AS (
    {chosen}
), removed AS (
    DELETE FROM bookings_booking AS booking
    WHERE booking.id IN (SELECT id FROM chosen)
      AND booking.status = 'held' AND booking.hold_expires_at <= %(now)s
      AND booking.case_id IS NULL
      AND booking.guest_name = '' AND booking.guest_email = '' AND booking.guest_phone = ''
      AND NOT EXISTS (
          SELECT 1 FROM bookings_waitlistentry AS entry WHERE entry.offer_id = booking.id
      )
      AND NOT EXISTS (
          SELECT 1 FROM bookings_lotteryrequest AS request
          WHERE request.booking_id = booking.id
      )
      AND NOT EXISTS (
          SELECT 1 FROM payments_invoice AS invoice
          WHERE invoice.subject_type_id = %(booking_type)s AND invoice.subject_id = booking.id
      )
    RETURNING booking.id
), expired AS (
    UPDATE bookings_booking AS booking
    SET status = 'expired', updated_at = %(now)s
    FROM (SELECT id FROM chosen EXCEPT SELECT id FROM removed) AS kept
    WHERE booking.id = kept.id
      AND booking.status = 'held' AND booking.hold_expires_at <= %(now)s
    RETURNING booking.id
)
{result}
"""

# One batch of the sweep: up to `limit` lapsed holds (oldest first, through the partial
# index `bookings_live_holds`), ended if still held once any transaction that had them
# locked has ended; how many were chosen, deleted and marked expired; and the waitlist
# offers among the expired (their entries still `offered`), so their times go to the next
# person waiting. `{lock}` is how the rows are chosen (below).
EXPIRE_SQL = END_LAPSED_SQL.format(
    chosen="""SELECT id FROM bookings_booking
    WHERE status = 'held' AND hold_expires_at <= %(now)s
    ORDER BY hold_expires_at
    LIMIT %(limit)s
    {lock}""",
    result="""SELECT (SELECT count(*) FROM chosen), (SELECT count(*) FROM removed),
       (SELECT count(*) FROM expired), entry.facility_id, entry.period
FROM (SELECT 1) AS one
LEFT JOIN bookings_waitlistentry AS entry
    ON entry.status = 'offered' AND entry.offer_id IN (SELECT id FROM expired)""",
)
# Writes once per row. A row another transaction has locked is waited for (up to
# EXPIRE_LOCK_WAIT) and read again once that transaction ends: a hold a checkout or a
# payment turned into a booking no longer matches `status = 'held'` and is left as it is.
EXPIRE_PLAIN = EXPIRE_SQL.format(lock="")
# Writes twice per row (the row lock is a heap write and a WAL record of its own before the
# DELETE or UPDATE writes again), but never waits: rows others have locked are left to the
# next run.
EXPIRE_SKIPPING = EXPIRE_SQL.format(lock="FOR UPDATE SKIP LOCKED")

# The lapsed holds of one facility whose time overlaps `buffered` (the way of a new hold or
# block), through the exclusion constraint's GiST index; how many were deleted and expired.
IN_THE_WAY_SQL = END_LAPSED_SQL.format(
    chosen="""SELECT id FROM bookings_booking
    WHERE int8range(facility_id, facility_id, '[]') && int8range(%(facility)s, %(facility)s, '[]')
      AND buffered && tstzrange(%(lower)s, %(upper)s, %(bounds)s)
      AND status = 'held' AND hold_expires_at <= %(now)s""",
    result="SELECT (SELECT count(*) FROM removed), (SELECT count(*) FROM expired)",
)


def _booking_type_id() -> int:
    """The content type invoices name a booking by (cached by Django after the first read)."""
    return ContentType.objects.get_for_model(Booking).pk


def holds_expire(*, now: datetime.datetime | None = None, batch: int = EXPIRE_BATCH) -> int:
    """End every lapsed hold, `batch` at a time: delete the abandoned ones, mark the others
    `expired`; returns how many were ended.

    Abandoned: no case, no booker's details, no invoice, no waitlist offer or lottery grant
    (END_LAPSED_SQL): a hold nobody went on with is not a booking and nobody needs its row.
    A hold with something attached keeps its record, marked expired (a late payment is
    refunded against it, an offer moves to the next person, staff see its case).

    Safe to run twice or concurrently: it touches only rows still `held` past their expiry,
    read again after any transaction that had them locked (a checkout, another sweep) ends,
    and never waits long for one: a batch that met a row locked for more than
    EXPIRE_LOCK_WAIT is taken again skipping locked rows, and those are left to the next run.
    A waitlist offer among them goes to the next person waiting right after its batch
    commits. Availability does not wait for it (a lapsed hold occupies nothing already).

    Plain statements first, which write each row once; after a batch gave up on a locked
    row, the rest of the run locks its rows first, skipping rows others hold
    (docs/performance.md).
    """
    now = now or timezone.now()
    total = 0
    skip_locked = False
    while True:
        try:
            rows = _expire_batch(now=now, limit=batch, skip_locked=skip_locked)
        except OperationalError as error:
            if skip_locked or not isinstance(error.__cause__, pg_errors.LockNotAvailable):
                raise
            skip_locked = True
            continue
        chosen, removed, expired = rows[0][0], rows[0][1], rows[0][2]
        total += removed + expired
        if chosen < batch:
            return total


def _expire_batch(*, now: datetime.datetime, limit: int, skip_locked: bool) -> list:
    """One batch in its own transaction (a savepoint inside a caller's); its waitlist offers
    are handed on after commit."""
    parameters = {"now": now, "limit": limit, "booking_type": _booking_type_id()}
    with transaction.atomic(), connection.cursor() as cursor:
        if skip_locked:
            cursor.execute(EXPIRE_SKIPPING, parameters)
            rows = cursor.fetchall()
        else:
            # For this statement only: inside a caller's transaction, a SET LOCAL would
            # outlast the batch.
            cursor.execute(
                "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
                [EXPIRE_LOCK_WAIT],
            )
            previous_wait = cursor.fetchone()[0]
            cursor.execute(EXPIRE_PLAIN, parameters)
            rows = cursor.fetchall()
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous_wait])
        for _chosen, _removed, _expired, facility_id, period in rows:
            if facility_id is not None:
                offer_after_commit(facility_id, period)
    return rows


def holds_release_others(
    *, holder_key: str, keep: Booking, now: datetime.datetime | None = None
) -> int:
    """Give back the visitor's other live holds once they hold `keep` (they went back and
    chose another time), so a slot they left is free for others at once; returns how many.
    A waitlist offer among them goes to the next person waiting, after commit.

    Touches only rows still `held` with this holder key (a checked-out booking stays), and
    of those only:

    - live ones. A hold whose time has run out occupies nothing and was not given back: it
      ended at its deadline, which it keeps, and the expiry sweep marks it. A waitlist offer
      among them lapses as such right after commit (the person is told it ran out, the
      next person is offered), not as an offer the person gave up.
    - holds that are not a lottery grant. A slot a household won in a draw is kept until
      its own deadline to pay: holding some other time does not give it up.
    """
    if not holder_key:
        return 0
    now = now or timezone.now()
    theirs = Booking.objects.filter(status=BookingStatus.HELD, holder_key=holder_key).exclude(
        pk=keep.pk
    )
    with transaction.atomic():
        released = list(
            theirs.select_for_update()
            .filter(hold_expires_at__gt=now)
            .exclude(Exists(LotteryRequest.objects.filter(booking=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        lapsed_offers = WaitlistEntry.objects.filter(
            status=WaitlistStatus.OFFERED, offer__in=theirs.filter(hold_expires_at__lte=now)
        ).values_list("facility_id", "period")
        for facility_id, period in lapsed_offers:
            offer_after_commit(facility_id, period)
        if not released:
            return 0
        Booking.objects.filter(pk__in=released).update(
            status=BookingStatus.EXPIRED, hold_expires_at=now, updated_at=now
        )
        offers_given_back(booking_ids=released, now=now)
    return len(released)
