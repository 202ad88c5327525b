"""Holding a slot: every rule at its boundary, the database deciding who gets a slot, and
holds that expire by themselves."""

import datetime
import threading
import time
import zoneinfo

import pytest
from django.db import connection, transaction

from bookings.exceptions import HoldRefused, SlotTaken
from bookings.models import Blackout, Booking, BookingStatus, SlotMode, WaitlistStatus
from bookings.services import holds as holds_module
from bookings.services.holds import booking_hold, holds_expire, holds_release_others
from bookings.services.waitlist import waitlist_join, waitlist_offers_sweep
from bookings.tasks import expire_holds
from tests.accounts.factories import UserFactory
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2030, 6, 10, 12, 0, tzinfo=TZ)  # Monday noon
TUESDAY = datetime.date(2030, 6, 11)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def hold(facility, start, minutes=60, now=NOW, **kwargs):
    return booking_hold(
        facility=facility, start=start, minutes=minutes, holder_key="k", now=now, **kwargs
    )


def free_facility(**kwargs):
    defaults = {
        "slot_mode": SlotMode.FREE,
        "slot_minutes": 30,
        "min_minutes": 60,
        "max_minutes": 180,
        "lead_minutes": 60,
        "book_ahead_days": 30,
        "open_hours": [(d, datetime.time(9), datetime.time(17)) for d in range(7)],
    }
    return FacilityFactory(**{**defaults, **kwargs})


def test_a_hold_keeps_the_slot_for_the_hold_minutes_and_prices_it():
    # given
    facility = free_facility(
        hold_minutes=15,
        resident_price_cents=2500,
        nonresident_price_cents=4000,
        deposit_cents=10000,
    )

    # when
    booking = hold(facility, at(TUESDAY, 10), minutes=90)

    # then
    assert booking.status == BookingStatus.HELD
    assert booking.hold_expires_at == NOW + datetime.timedelta(minutes=15)
    assert booking.period.lower == at(TUESDAY, 10)
    assert booking.period.upper == at(TUESDAY, 11, 30)
    assert booking.price_cents == 3750 and booking.deposit_cents == 10000
    assert booking.reference.startswith("BK-") and len(booking.reference) == 11


def test_a_non_resident_pays_the_other_rate_and_slots_price_by_the_slot():
    facility = free_facility(
        price_unit="slot", resident_price_cents=1000, nonresident_price_cents=1500
    )

    booking = hold(facility, at(TUESDAY, 10), minutes=120, resident=False)

    assert booking.price_cents == 4 * 1500


@pytest.mark.parametrize(
    ("start", "minutes", "message"),
    [
        (at(TUESDAY, 9), 60, None),
        (at(TUESDAY, 16), 60, None),  # ends at closing time
        (at(TUESDAY, 16, 30), 60, "That time is outside the opening hours."),
        (at(TUESDAY, 8, 30), 60, "That time is outside the opening hours."),
        (at(TUESDAY, 9, 15), 60, "Choose a start time from the list."),
        (at(TUESDAY, 10), 180, None),
        (at(TUESDAY, 10), 210, "A booking here lasts at most 180 minutes."),
        (at(TUESDAY, 10), 30, "A booking here lasts at least 60 minutes."),
        (at(TUESDAY, 10), 75, "Choose a length in steps of 30 minutes."),
        (NOW + datetime.timedelta(minutes=60), 60, None),
        (
            NOW + datetime.timedelta(minutes=30),
            60,
            "It is too late to book this time: book at least 60 minutes ahead.",
        ),
        (
            NOW - datetime.timedelta(minutes=60),
            60,
            "That time has passed. Choose a time from the list.",
        ),
        (at(NOW.date() + datetime.timedelta(days=30), 10), 60, None),
        (at(NOW.date() + datetime.timedelta(days=31), 10), 60, "Bookings open 30 days ahead."),
    ],
)
def test_rules_at_their_boundaries(start, minutes, message):
    facility = free_facility()

    if message is None:
        assert hold(facility, start, minutes).status == BookingStatus.HELD
    else:
        with pytest.raises(HoldRefused, match=f"^{message}$".replace(".", r"\.")):
            hold(facility, start, minutes)
        assert not Booking.objects.exists()


def test_fixed_slots_are_held_whole():
    facility = FacilityFactory(
        slot_mode=SlotMode.FIXED,
        slot_minutes=120,
        min_minutes=120,
        max_minutes=120,
        buffer_minutes=30,
        open_hours=[(1, datetime.time(9), datetime.time(17))],
    )

    assert hold(facility, at(TUESDAY, 11, 30), minutes=120)
    with pytest.raises(HoldRefused, match="slots of 120 minutes"):
        hold(facility, at(TUESDAY, 14), minutes=60)
    with pytest.raises(HoldRefused, match=r"Choose a start time from the list\."):
        hold(facility, at(TUESDAY, 11), minutes=120)


def test_closed_dates_and_drafts_are_refused():
    facility = free_facility()
    Blackout.objects.create(facility=facility, starts_on=TUESDAY, ends_on=TUESDAY, reason="Concert")
    with pytest.raises(HoldRefused, match=r"^Concert$"):
        hold(facility, at(TUESDAY, 10))
    with pytest.raises(HoldRefused, match=r"Closed for a public holiday\."):
        hold(facility, at(datetime.date(2030, 6, 19), 10))

    draft = free_facility(published_at=None)
    with pytest.raises(HoldRefused, match="cannot be booked online"):
        hold(draft, at(TUESDAY, 10))


def test_a_taken_slot_is_refused_with_the_nearest_free_times():
    # given: 10:00-11:00 taken, buffer 30 minutes
    facility = free_facility(buffer_minutes=30)
    booking_row(facility=facility, start=at(TUESDAY, 10))

    # when
    with pytest.raises(SlotTaken) as taken:
        hold(facility, at(TUESDAY, 10, 30))

    # then: the nearest starts that fit an hour and its buffer (09:00 would end in 10:00's way)
    nearest = [slot.start.astimezone(TZ).strftime("%H:%M") for slot in taken.value.nearest]
    assert nearest == ["11:30", "12:00", "12:30"]
    assert "just taken" in str(taken.value)
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "taken"), [(at(TUESDAY, 11, 15), True), (at(TUESDAY, 11, 30), False)]
)
def test_the_buffer_after_a_booking_is_kept(start, taken):
    facility = free_facility(slot_minutes=15, min_minutes=60, buffer_minutes=30)
    booking_row(facility=facility, start=at(TUESDAY, 10))

    if taken:
        with pytest.raises(SlotTaken):
            hold(facility, start)
    else:
        assert hold(facility, start)


def test_an_abandoned_lapsed_hold_in_the_way_is_deleted_and_the_slot_held():
    facility = free_facility()
    old = hold(facility, at(TUESDAY, 10), now=NOW - datetime.timedelta(minutes=20))

    new = hold(facility, at(TUESDAY, 10))

    assert not Booking.objects.filter(pk=old.pk).exists()
    assert new.status == BookingStatus.HELD


def test_a_lapsed_hold_in_the_way_that_reached_checkout_is_expired_and_the_slot_held():
    # given: a guest gave their details for 10:00 and let the hold lapse
    facility = free_facility()
    old = booking_row(
        facility=facility,
        start=at(TUESDAY, 10),
        status=BookingStatus.HELD,
        hold_expires_at=NOW - datetime.timedelta(minutes=5),
    )

    # when
    new = hold(facility, at(TUESDAY, 10))

    # then: its record is kept, marked expired
    old.refresh_from_db()
    assert old.status == BookingStatus.EXPIRED
    assert new.status == BookingStatus.HELD


def test_a_live_hold_keeps_the_slot_until_its_last_second():
    facility = free_facility(hold_minutes=15)
    hold(
        facility,
        at(TUESDAY, 10),
        now=NOW - datetime.timedelta(minutes=15) + datetime.timedelta(seconds=1),
    )

    with pytest.raises(SlotTaken):
        hold(facility, at(TUESDAY, 10))


def test_expiry_ends_only_lapsed_holds_and_is_safe_twice():
    # given: an abandoned lapsed hold, one whose guest gave their details, a live hold and a
    # confirmed booking
    facility = free_facility()
    abandoned = hold(facility, at(TUESDAY, 10), now=NOW - datetime.timedelta(minutes=15))
    checked_out = booking_row(
        facility=facility,
        start=at(TUESDAY, 11),
        status=BookingStatus.HELD,
        hold_expires_at=NOW - datetime.timedelta(minutes=1),
    )
    live = hold(facility, at(TUESDAY, 12), now=NOW)
    confirmed = booking_row(facility=facility, start=at(TUESDAY, 14))

    # when / then
    assert holds_expire(now=NOW) == 2
    assert holds_expire(now=NOW) == 0

    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert abandoned.pk not in statuses
    assert statuses == {
        checked_out.pk: BookingStatus.EXPIRED,
        live.pk: BookingStatus.HELD,
        confirmed.pk: BookingStatus.CONFIRMED,
    }


def test_choosing_another_time_gives_back_only_the_visitors_live_holds():
    # given: one browser holds 10:00 (live), held 12:00 until a second ago (lapsed, not yet
    # marked) and now chooses 14:00; another browser holds 16:00
    facility = free_facility(hold_minutes=15)
    live = hold(facility, at(TUESDAY, 10))
    lapsed = hold(facility, at(TUESDAY, 12), now=NOW - datetime.timedelta(minutes=15, seconds=1))
    chosen = hold(facility, at(TUESDAY, 14))
    someone_elses = booking_hold(
        facility=facility, start=at(TUESDAY, 16), minutes=60, holder_key="other", now=NOW
    )

    # when
    released = holds_release_others(holder_key="k", keep=chosen, now=NOW)

    # then: only the live hold is given back (ended now); the lapsed one keeps the deadline
    # it had, for the expiry sweep to end (it never reached checkout: deleted)
    assert released == 1
    rows = {b.pk: (b.status, b.hold_expires_at) for b in Booking.objects.all()}
    assert rows == {
        live.pk: (BookingStatus.EXPIRED, NOW),
        lapsed.pk: (BookingStatus.HELD, lapsed.hold_expires_at),
        chosen.pk: (BookingStatus.HELD, chosen.hold_expires_at),
        someone_elses.pk: (BookingStatus.HELD, someone_elses.hold_expires_at),
    }
    assert holds_expire(now=NOW) == 1
    assert not Booking.objects.filter(pk=lapsed.pk).exists()


def test_the_beat_task_expires_holds():
    facility = free_facility()
    booking_row(
        facility=facility,
        start=at(TUESDAY, 10),
        status=BookingStatus.HELD,
        hold_expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
    )

    assert expire_holds.apply().get() == 1


@pytest.mark.parametrize(("limit", "refused"), [(2, False), (1, True)])
def test_household_limit_of_upcoming_bookings(limit, refused):
    facility = free_facility(household_max_active=limit)
    user = UserFactory()
    hold(facility, at(TUESDAY, 10), user=user)

    if refused:
        with pytest.raises(HoldRefused, match="the most one household may have"):
            hold(facility, at(TUESDAY, 14), user=user)
    else:
        assert hold(facility, at(TUESDAY, 14), user=user)


@pytest.mark.parametrize(("limit", "refused"), [(120, False), (119, True)])
def test_household_limit_of_minutes_per_month(limit, refused):
    facility = free_facility(household_max_minutes_per_month=limit)
    user = UserFactory()
    hold(facility, at(TUESDAY, 10), user=user)

    if refused:
        with pytest.raises(HoldRefused, match="over 119 minutes"):
            hold(facility, at(TUESDAY, 14), user=user)
    else:
        assert hold(facility, at(TUESDAY, 14), user=user)


@pytest.mark.django_db(transaction=True)
def test_two_visitors_holding_one_slot_at_once_one_wins():
    # given
    facility = free_facility()
    barrier = threading.Barrier(2)
    outcomes = []

    def visitor(key):
        try:
            barrier.wait(timeout=10)
            try:
                booking_hold(
                    facility=facility, start=at(TUESDAY, 10), minutes=60, holder_key=key, now=NOW
                )
                outcomes.append("held")
            except SlotTaken:
                outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=visitor, args=(key,)) for key in ("a", "b")]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert sorted(outcomes) == ["held", "taken"]
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1


def _waiting_on_a_lock(pid: int) -> bool:
    """Whether the database session `pid` waits for a row lock (poll up to ten seconds)."""
    for _ in range(200):
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_hold_made_while_a_waited_for_time_is_freed_leaves_it_to_the_person_waiting():
    # given: 10:00-11:00 is booked and 11:00-12:00 has a lapsed hold, which a checkout keeps
    # locked; a visitor asks for 10:00-12:00, so the hold waits to expire the lapsed one
    facility = free_facility()
    taken = booking_row(facility=facility, start=at(TUESDAY, 10))
    lapsed = booking_row(
        facility=facility,
        start=at(TUESDAY, 11),
        status=BookingStatus.HELD,
        hold_expires_at=NOW - datetime.timedelta(minutes=1),
    )
    locked, release = threading.Event(), threading.Event()
    visitor_pid, outcome = [], []

    def checkout():
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=lapsed.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    def visitor():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                visitor_pid.append(cursor.fetchone()[0])
            outcome.append(hold(facility, at(TUESDAY, 10), minutes=120))
        except SlotTaken as error:
            outcome.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout), threading.Thread(target=visitor)]
    threads[0].start()
    assert locked.wait(timeout=10)
    threads[1].start()
    try:
        while not visitor_pid:
            time.sleep(0.01)
        assert _waiting_on_a_lock(visitor_pid[0])

        # when: meanwhile Ana joins the waitlist of 10:00 and its booking is cancelled
        ana = waitlist_join(
            facility=facility,
            start=at(TUESDAY, 10),
            minutes=60,
            name="Ana",
            email="ana@example.com",
            now=NOW,
        )
        Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)
    finally:
        release.set()
        for thread in threads:
            thread.join(timeout=30)

    # then: the visitor is refused, nothing is held, and Ana is offered the time
    (refused,) = outcome
    assert isinstance(refused, SlotTaken)
    assert str(refused).startswith("People are waiting for this time")
    assert not Booking.objects.filter(status=BookingStatus.HELD, holder_key="k").exists()
    waitlist_offers_sweep(now=NOW)
    ana.refresh_from_db()
    assert ana.status == WaitlistStatus.OFFERED


def _lapsed_holds(facility, count: int) -> list[Booking]:
    return [
        booking_row(
            facility=facility,
            start=at(TUESDAY, 9 + index),
            status=BookingStatus.HELD,
            hold_expires_at=NOW - datetime.timedelta(minutes=1),
        )
        for index in range(count)
    ]


def _checkout_keeping(
    booking: Booking, locked: threading.Event, release: threading.Event, then=None
):
    """A checkout's transaction: lock `booking`, wait for `release`, do `then`, commit."""

    def checkout():
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=booking.pk)
                locked.set()
                release.wait(timeout=30)
                if then is not None:
                    then()
        finally:
            connection.close()

    return threading.Thread(target=checkout)


@pytest.mark.django_db(transaction=True)
def test_the_sweep_waits_for_a_checkout_and_leaves_the_booking_it_confirmed(monkeypatch):
    # given: three lapsed holds; a payment's transaction has the middle one locked and is
    # about to confirm it (the sweep's clock is a little ahead of the checkout's)
    monkeypatch.setattr(holds_module, "EXPIRE_LOCK_WAIT", "20s")
    facility = free_facility()
    first, paid, last = _lapsed_holds(facility, 3)
    locked, release = threading.Event(), threading.Event()
    checkout = _checkout_keeping(
        paid,
        locked,
        release,
        then=lambda: Booking.objects.filter(pk=paid.pk).update(status=BookingStatus.CONFIRMED),
    )
    checkout.start()
    assert locked.wait(timeout=10)
    sweep_pid, outcome = [], []

    def sweep():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                sweep_pid.append(cursor.fetchone()[0])
            outcome.append(holds_expire(now=NOW))
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    sweeper = threading.Thread(target=sweep)
    sweeper.start()
    try:
        while not sweep_pid:
            time.sleep(0.01)
        # when: the sweep waits for the locked row, and the payment commits meanwhile
        assert _waiting_on_a_lock(sweep_pid[0])
    finally:
        release.set()
        checkout.join(timeout=30)
        sweeper.join(timeout=30)

    # then: no error; the confirmed booking stays confirmed, the other two expired
    assert outcome == [2]
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: BookingStatus.EXPIRED,
        paid.pk: BookingStatus.CONFIRMED,
        last.pk: BookingStatus.EXPIRED,
    }


@pytest.mark.django_db(transaction=True)
def test_the_sweep_does_not_wait_long_for_a_checkout_and_leaves_its_hold_to_the_next_run():
    # given: three lapsed holds, one kept locked by a checkout for as long as the sweep runs
    facility = free_facility()
    first, kept, last = _lapsed_holds(facility, 3)
    locked, release = threading.Event(), threading.Event()
    checkout = _checkout_keeping(kept, locked, release)
    checkout.start()
    assert locked.wait(timeout=10)

    # when
    try:
        started = time.monotonic()
        expired = holds_expire(now=NOW)
        waited = time.monotonic() - started
    finally:
        release.set()
        checkout.join(timeout=30)

    # then: no error, no long wait; the checkout's hold is still held, for the next run
    assert expired == 2
    assert waited < 5
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: BookingStatus.EXPIRED,
        kept.pk: BookingStatus.HELD,
        last.pk: BookingStatus.EXPIRED,
    }
    assert holds_expire(now=NOW) == 1


def test_the_sweep_leaves_the_callers_lock_timeout_as_it_was():
    # given
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout = '7s'")
    _lapsed_holds(free_facility(), 1)

    # when
    assert holds_expire(now=NOW) == 1

    # then
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "7s"
