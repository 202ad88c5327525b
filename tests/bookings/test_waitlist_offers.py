"""The next person waiting is offered a time at once when an offer ends or a waited-for time
is freed (a declined, given-back or lapsed offer, a booking moved away), right after the
commit of that change; the minute sweep stays as the safety net and finds nothing left to do.
These tests commit (on-commit work runs, Celery inline) and never call the waitlist sweep
before asserting."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import Booking, BookingStatus, SlotMode, WaitlistEntry, WaitlistStatus
from bookings.services import cancel as cancelling
from bookings.services.holds import booking_hold, holds_expire, holds_release_others
from bookings.services.waitlist import (
    waitlist_join,
    waitlist_leave,
    waitlist_offers_make,
    waitlist_offers_sweep,
)
from bookings.tasks import waitlist_offer_freed
from notifications.models import Notification
from tests.bookings.checkout_support import confirmed, local_start, pavilion
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db(transaction=True)

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def slot():
    """An hour five days ahead, taken; Ana then Ben wait for it; the booking is cancelled
    and Ana is offered it (the first offer, as the cancellation makes it)."""
    facility = FacilityFactory()
    start = local_start(timezone.localdate() + datetime.timedelta(days=5))
    taken = booking_row(facility=facility, start=start)
    ana, ben = (
        waitlist_join(
            facility=facility, start=start, minutes=60, name=who, email=f"{who.lower()}@example.com"
        )
        for who in ("Ana", "Ben")
    )
    Booking.objects.filter(pk=taken.pk).update(status=BookingStatus.CANCELLED)
    waitlist_offers_sweep()
    ana.refresh_from_db()
    assert ana.status == WaitlistStatus.OFFERED
    return facility, start, ana, ben


def offered(entry) -> bool:
    entry.refresh_from_db()
    return entry.status == WaitlistStatus.OFFERED and entry.offer.status == BookingStatus.HELD


def nothing_left_for_the_sweep():
    assert waitlist_offers_sweep() == {"accepted": 0, "lapsed": 0, "closed": 0, "offered": 0}
    assert WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED).count() == 1


def test_declining_an_offer_offers_the_next_person_at_once(slot):
    # given
    _facility, _start, ana, ben = slot

    # when: Ana leaves the waitlist from her offer
    assert waitlist_leave(entry=ana) is True

    # then: Ben holds it now, without the sweep
    ana.refresh_from_db()
    assert ana.status == WaitlistStatus.LEFT
    assert ana.offer.status == BookingStatus.EXPIRED
    assert offered(ben)
    assert Notification.objects.filter(
        template_key="bookings/waitlist_offer", to_address="ben@example.com", channel="email"
    ).exists()
    nothing_left_for_the_sweep()


def test_choosing_another_time_gives_the_offer_to_the_next_person_at_once(slot):
    # given: Ana's browser took over her offered hold (its link), then chose another hour
    facility, start, ana, ben = slot
    Booking.objects.filter(pk=ana.offer_id).update(holder_key="ana-browser")
    other = booking_hold(
        facility=facility, start=start + 3 * HOUR, minutes=60, holder_key="ana-browser"
    )

    # when
    assert holds_release_others(holder_key="ana-browser", keep=other) == 1

    # then
    ana.refresh_from_db()
    assert (ana.status, ana.note) == (WaitlistStatus.LEFT, "You chose another time.")
    assert ana.offer.status == BookingStatus.EXPIRED
    assert offered(ben)
    nothing_left_for_the_sweep()


def test_an_offer_that_lapses_goes_to_the_next_person_when_its_hold_is_expired(slot):
    # given: Ana's offer ran out (the hold's deadline has passed)
    _facility, _start, ana, ben = slot
    passed = timezone.now() - datetime.timedelta(seconds=1)
    Booking.objects.filter(pk=ana.offer_id).update(hold_expires_at=passed)
    WaitlistEntry.objects.filter(pk=ana.pk).update(offer_expires_at=passed)

    # when: the hold-expiry sweep marks it
    assert holds_expire() == 1

    # then: Ana is told her offer lapsed and Ben is offered the hour, without the sweep
    ana.refresh_from_db()
    assert ana.status == WaitlistStatus.LAPSED
    assert offered(ben)
    assert Notification.objects.filter(
        template_key="bookings/waitlist_lapsed", to_address="ana@example.com"
    ).exists()
    nothing_left_for_the_sweep()


def test_an_offer_whose_payment_expired_goes_to_the_next_person(slot):
    # given: Ana checked out her offer, then her invoice expired unpaid with the hold
    from bookings.services.checkout import booking_payment_closed

    _facility, _start, ana, ben = slot
    Booking.objects.filter(pk=ana.offer_id).update(
        hold_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    # when
    with transaction.atomic():
        booking_payment_closed(booking_id=ana.offer_id)

    # then
    ana.refresh_from_db()
    assert ana.status == WaitlistStatus.LAPSED
    assert offered(ben)


def test_a_booking_moved_away_from_a_time_people_wait_for_offers_it_at_once():
    # given: a paid booking 40 days ahead, and Ben waiting for its time
    facility = pavilion()
    booking, _invoice = confirmed(facility)
    ben = waitlist_join(
        facility=facility,
        start=booking.starts_at,
        minutes=120,
        name="Ben",
        email="ben@example.com",
    )

    # when: the booker moves it to the afternoon
    later = booking.starts_at + 5 * HOUR
    cancelling.booking_move(booking=booking, starts_at=later, ends_at=later + 2 * HOUR)

    # then: Ben holds the morning, without the sweep
    assert offered(ben)
    assert ben.offer.period.lower == booking.starts_at
    nothing_left_for_the_sweep()


def join(facility, start, who: str, minutes: int = 60):
    return waitlist_join(
        facility=facility,
        start=start,
        minutes=minutes,
        name=who,
        email=f"{who.lower()}@example.com",
    )


def test_the_sweep_tries_no_offer_the_buffer_after_the_time_would_refuse():
    # given: times by the hour with 30 minutes of buffer. Ana waits for 10:00, kept from her
    # by the booking at 11:00 (her offer would need 10:00-11:30); Ben waits for 14:00, whose
    # booking was cancelled
    facility = FacilityFactory(slot_mode=SlotMode.FREE, buffer_minutes=30)
    day = timezone.localdate() + datetime.timedelta(days=5)
    ten, two = local_start(day, 10), local_start(day, 14)
    booking_row(facility=facility, start=ten + HOUR)
    afternoon = booking_row(facility=facility, start=two)
    ana, ben = join(facility, ten, "Ana"), join(facility, two, "Ben")
    Booking.objects.filter(pk=afternoon.pk).update(status=BookingStatus.CANCELLED)

    # when: a sweep with room for one offer
    with CaptureQueriesContext(connection) as queries:
        made = waitlist_offers_make(limit=1)

    # then: no hold was tried for 10:00, and the one offer is Ben's
    holds_tried = [
        q for q in queries.captured_queries if 'INSERT INTO "bookings_booking"' in q["sql"]
    ]
    assert made == 1
    assert len(holds_tried) == 1
    assert offered(ben)
    ana.refresh_from_db()
    assert ana.status == WaitlistStatus.WAITING
    assert waitlist_offers_make() == 0


def test_cancelling_the_booking_in_the_buffer_after_a_waited_for_time_offers_it_at_once():
    # given: 30 minutes of buffer; a paid booking 10:00-12:00; Ana waits for 8:00-10:00, which
    # the booking keeps from her (her offer would need 8:00-10:30)
    facility = pavilion(buffer_minutes=30)
    booking, _invoice = confirmed(facility)
    ana = join(facility, booking.starts_at - 2 * HOUR, "Ana", minutes=120)

    # when: the booker cancels
    quote = cancelling.booking_cancel_quote(booking=booking)
    cancelling.booking_cancel(booking=booking, expected_refund_cents=quote.refund_cents)

    # then: Ana holds 8:00-10:00 with its buffer, without the sweep
    assert offered(ana)
    assert ana.offer.buffered.upper == booking.starts_at + datetime.timedelta(minutes=30)
    nothing_left_for_the_sweep()


def test_the_offer_task_is_idempotent(slot):
    # given: Ana declined, Ben got the offer at once
    facility, start, ana, ben = slot
    waitlist_leave(entry=ana)
    assert offered(ben)
    lower, upper = start.isoformat(), (start + HOUR).isoformat()

    # when: the task runs again (a retry, a second worker)
    again = waitlist_offer_freed.apply(args=(facility.pk, lower, upper)).get()

    # then
    assert again == 0
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1
    assert Notification.objects.filter(template_key="bookings/waitlist_offer").count() == 2


def test_the_expiry_sweep_works_in_batches_and_skips_a_hold_someone_has_locked():
    # given: five lapsed holds, one of them locked by a checkout in another transaction
    facility = FacilityFactory()
    first = local_start(timezone.localdate() + datetime.timedelta(days=3))
    lapsed = timezone.now() - datetime.timedelta(minutes=1)
    holds = [
        booking_row(
            facility=facility,
            start=first + index * HOUR,
            status=BookingStatus.HELD,
            hold_expires_at=lapsed,
        )
        for index in range(5)
    ]
    live = booking_row(facility=facility, start=first + 6 * HOUR, status=BookingStatus.HELD)
    locked, release = threading.Event(), threading.Event()

    def checkout():
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=holds[2].pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=checkout)
    thread.start()
    assert locked.wait(timeout=10)

    # when: batches of two, while the checkout keeps its row
    try:
        expired = holds_expire(batch=2)
    finally:
        release.set()
        thread.join()

    # then: the four free rows expired, the locked one is left for the next run
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert expired == 4
    assert statuses[holds[2].pk] == BookingStatus.HELD
    assert statuses[live.pk] == BookingStatus.HELD
    assert holds_expire(batch=2) == 1
    assert holds_expire(batch=2) == 0


def _backend_waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def _until(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the other connection never started to wait"
        time.sleep(0.01)


def test_declining_an_offer_while_choosing_another_time_never_deadlocks(slot):
    # given: Ana's browser holds her offer (its link) and another hour; a third connection
    # keeps her offered hold locked while both of her requests start, so that the one
    # choosing another time is first in line for the hold and the decline second
    facility, start, ana, ben = slot
    Booking.objects.filter(pk=ana.offer_id).update(holder_key="ana-browser")
    other = booking_hold(
        facility=facility, start=start + 3 * HOUR, minutes=60, holder_key="ana-browser"
    )
    held, let_go = threading.Event(), threading.Event()
    pids, failures, released, left = {}, [], [], []

    def blocker():
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=ana.offer_id)
                held.set()
                let_go.wait(timeout=30)
        finally:
            connection.close()

    def request(name, work):
        def run():
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    pids[name] = cursor.fetchone()[0]
                work()
            except Exception as error:  # reported by the test below
                failures.append(error)
            finally:
                connection.close()

        return threading.Thread(target=run)

    choosing = request(
        "choosing",
        lambda: released.append(holds_release_others(holder_key="ana-browser", keep=other)),
    )
    declining = request("declining", lambda: left.append(waitlist_leave(entry=ana)))
    locker = threading.Thread(target=blocker)
    locker.start()
    assert held.wait(timeout=10)

    # when: choosing another time waits for the hold, then the decline starts; the hold is
    # let go
    try:
        choosing.start()
        _until(lambda: "choosing" in pids and _backend_waits_for_a_lock(pids["choosing"]))
        declining.start()
        _until(lambda: "declining" in pids and _backend_waits_for_a_lock(pids["declining"]))
    finally:
        let_go.set()
        locker.join()
    choosing.join(timeout=30)
    declining.join(timeout=30)

    # then: both finish, neither is chosen as a deadlock's victim; Ana left once, Ben is
    # offered the hour
    assert failures == []
    assert released == [1]
    assert left == [False]
    ana.refresh_from_db()
    assert (ana.status, ana.note) == (WaitlistStatus.LEFT, "You chose another time.")
    assert ana.offer.status == BookingStatus.EXPIRED
    assert offered(ben)


def test_choosing_another_time_after_an_offer_lapsed_leaves_it_to_lapse(slot):
    # given: Ana's offer lapsed a minute ago and nothing has marked it yet; her browser holds
    # it and another hour
    facility, start, ana, ben = slot
    passed = timezone.now() - datetime.timedelta(minutes=1)
    Booking.objects.filter(pk=ana.offer_id).update(holder_key="ana-browser", hold_expires_at=passed)
    WaitlistEntry.objects.filter(pk=ana.pk).update(offer_expires_at=passed)
    other = booking_hold(
        facility=facility, start=start + 3 * HOUR, minutes=60, holder_key="ana-browser"
    )

    # when: choosing the other hour gives back her other live holds
    released = holds_release_others(holder_key="ana-browser", keep=other)

    # then: the lapsed offer was not hers to give back: it is not counted and keeps its own
    # deadline; it lapses (Ana is told it ran out, not that she chose another time) and Ben
    # is offered the hour at once
    assert released == 0
    ana.refresh_from_db()
    assert (ana.status, ana.note) == (WaitlistStatus.LAPSED, "")
    assert ana.offer.status == BookingStatus.EXPIRED
    assert ana.offer.hold_expires_at == passed
    assert Notification.objects.filter(
        template_key="bookings/waitlist_lapsed", to_address="ana@example.com"
    ).exists()
    assert offered(ben)
    nothing_left_for_the_sweep()
