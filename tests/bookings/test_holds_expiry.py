"""The hold-expiry sweep: a lapsed hold nobody went on with is deleted, one with something
attached (a case, the booker's details, an invoice, a waitlist offer, a lottery grant) keeps
its record, marked expired; and a checkout at the same moment never loses its booking."""

import datetime
import threading
import time
import zoneinfo

import pytest
from django.db import IntegrityError, connection, transaction

from bookings import workflow
from bookings.models import (
    Booking,
    BookingStatus,
    Lottery,
    LotteryRequest,
    LotteryRequestStatus,
    WaitlistEntry,
    WaitlistStatus,
    household_key,
)
from bookings.services import holds as holds_module
from bookings.services.checkout import PURPOSE, CheckoutRefused, booking_checkout
from bookings.services.holds import holds_expire
from cases.services import case_create
from payments.models import Invoice
from payments.services import LineItem, invoice_create
from tests.accounts.factories import UserFactory
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2030, 6, 10, 12, 0, tzinfo=TZ)
TUESDAY = datetime.date(2030, 6, 11)
GUEST = {"guest_name": "Ana", "guest_email": "ana@example.com"}


def at(hour: int) -> datetime.datetime:
    return datetime.datetime.combine(TUESDAY, datetime.time(hour), tzinfo=TZ)


def lapsed_hold(facility, hour: int) -> Booking:
    """A hold that lapsed a minute ago without reaching checkout (no details, no case)."""
    booking = booking_row(
        facility=facility,
        start=at(hour),
        status=BookingStatus.HELD,
        hold_expires_at=NOW - datetime.timedelta(minutes=1),
    )
    Booking.objects.filter(pk=booking.pk).update(guest_name="", guest_email="")
    booking.refresh_from_db()
    return booking


def with_case(booking: Booking) -> None:
    case = case_create(kind=workflow.KIND, **GUEST)
    Booking.objects.filter(pk=booking.pk).update(case=case)


def with_details(booking: Booking) -> None:
    Booking.objects.filter(pk=booking.pk).update(**GUEST)


def with_invoice(booking: Booking) -> None:
    invoice_create(
        purpose=PURPOSE,
        description="Booking",
        lines=[LineItem("Pavilion", 2500)],
        subject=booking,
        notify=False,
        **GUEST,
    )


def with_offer(booking: Booking) -> None:
    WaitlistEntry.objects.create(
        facility=booking.facility,
        period=booking.period,
        status=WaitlistStatus.OFFERED,
        user=booking.user,
        household_key=household_key(user=booking.user),
        offer=booking,
        offer_expires_at=booking.hold_expires_at,
        offered_at=NOW - datetime.timedelta(hours=1),
    )


def with_grant(booking: Booking) -> None:
    lottery = Lottery.objects.create(
        facility=booking.facility,
        first_day=TUESDAY,
        last_day=TUESDAY,
        opens_at=NOW - datetime.timedelta(days=3),
        closes_at=NOW - datetime.timedelta(days=2),
        seed="seed",
        drawn_at=NOW - datetime.timedelta(days=2),
    )
    LotteryRequest.objects.create(
        lottery=lottery,
        period=booking.period,
        status=LotteryRequestStatus.GRANTED,
        user=booking.user,
        household_key=household_key(user=booking.user),
        booking=booking,
    )


@pytest.mark.parametrize(
    "attach",
    [with_case, with_details, with_invoice, with_offer, with_grant],
    ids=lambda attach: attach.__name__,
)
def test_a_lapsed_hold_with_something_attached_is_kept_and_marked_expired(attach):
    # given: two lapsed holds of an account, one with something pointing at it or recorded
    # on it; a live hold
    facility = FacilityFactory()
    user = UserFactory()
    abandoned, attached = lapsed_hold(facility, 10), lapsed_hold(facility, 12)
    Booking.objects.filter(pk__in=[abandoned.pk, attached.pk]).update(user=user)
    attached.refresh_from_db()
    attach(attached)
    live = booking_row(
        facility=facility,
        start=at(14),
        status=BookingStatus.HELD,
        hold_expires_at=NOW + datetime.timedelta(minutes=10),
    )

    # when
    ended = holds_expire(now=NOW)

    # then: the abandoned hold is gone, the other kept as expired, the live one untouched
    assert ended == 2
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert statuses == {attached.pk: BookingStatus.EXPIRED, live.pk: BookingStatus.HELD}
    assert holds_expire(now=NOW) == 0


@pytest.mark.parametrize("attach", [with_offer, with_grant], ids=lambda attach: attach.__name__)
def test_the_database_refuses_deleting_a_hold_an_offer_or_grant_points_at_at_once(attach):
    # given: a lapsed hold an offer or a grant points at
    hold = lapsed_hold(FacilityFactory(), 10)
    Booking.objects.filter(pk=hold.pk).update(user=UserFactory())
    hold.refresh_from_db()
    attach(hold)

    # when: deleted behind the sweep's back, in SQL (the ORM's PROTECT is Python's)
    # then: the foreign key refuses it at the statement, not at the commit: RESTRICT, the
    # action the sweep's cost depends on (bookings 0009), still in place
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM bookings_booking WHERE id = %s", [hold.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.conrelid::regclass::text, c.confdeltype, c.condeferrable
                 FROM pg_constraint AS c
                WHERE c.contype = 'f' AND c.confrelid = 'bookings_booking'::regclass
                ORDER BY 1"""
        )
        keys = cursor.fetchall()
    assert keys == [
        ("bookings_lotteryrequest", "r", True),
        ("bookings_waitlistentry", "r", True),
    ]
    assert Booking.objects.filter(pk=hold.pk).exists()


def test_a_checkout_of_a_hold_the_sweep_deleted_is_refused_with_a_clear_message():
    # given: the visitor's page still has the hold the sweep has just deleted
    facility = FacilityFactory()
    stale = lapsed_hold(facility, 10)
    assert holds_expire(now=NOW) == 1

    # when / then
    with pytest.raises(CheckoutRefused, match=r"^Your hold on this time has ended"):
        booking_checkout(booking=stale, name="Ana", email="ana@example.com", answers={})
    assert not Invoice.objects.exists()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


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
def test_a_hold_checked_out_while_the_sweep_waits_for_it_is_never_deleted(monkeypatch):
    # given: three abandoned lapsed holds; a checkout has the middle one locked and is about
    # to give it its case, the guest's details and its invoice (the sweep's clock a little
    # ahead of the checkout's)
    monkeypatch.setattr(holds_module, "EXPIRE_LOCK_WAIT", "20s")
    facility = FacilityFactory()
    first, checked_out, last = (lapsed_hold(facility, hour) for hour in (9, 11, 13))
    locked, release = threading.Event(), threading.Event()

    def checkout():
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=checked_out.pk)
                locked.set()
                release.wait(timeout=30)
                with_case(checked_out)
                with_details(checked_out)
                with_invoice(checked_out)
        finally:
            connection.close()

    sweep_pid, outcome = [], []

    def sweep():
        try:
            sweep_pid.append(_backend_pid())
            outcome.append(holds_expire(now=NOW))
        except Exception as error:
            outcome.append(error)
        finally:
            connection.close()

    buyer, sweeper = threading.Thread(target=checkout), threading.Thread(target=sweep)
    buyer.start()
    assert locked.wait(timeout=10)
    sweeper.start()
    try:
        while not sweep_pid:
            time.sleep(0.01)
        # when: the sweep's DELETE waits for the locked row, and the checkout commits
        assert _waiting_on_a_lock(sweep_pid[0])
    finally:
        release.set()
        buyer.join(timeout=30)
        sweeper.join(timeout=30)

    # then: the checked-out hold is kept (marked expired, with its case), its invoice points
    # at it; the two abandoned ones are gone
    assert outcome == [3]
    kept = Booking.objects.get()
    assert (kept.pk, kept.status) == (checked_out.pk, BookingStatus.EXPIRED)
    assert kept.case_id is not None
    assert Invoice.objects.get().subject_id == kept.pk
    assert not Booking.objects.filter(pk__in=[first.pk, last.pk]).exists()


@pytest.mark.django_db(transaction=True)
def test_an_abandoned_hold_a_checkout_keeps_locked_is_left_to_the_next_run():
    # given: three abandoned lapsed holds, one kept locked for as long as the sweep runs
    facility = FacilityFactory()
    _first, kept, _last = (lapsed_hold(facility, hour) for hour in (9, 11, 13))
    locked, release = threading.Event(), threading.Event()

    def checkout():
        try:
            with transaction.atomic():
                Booking.objects.select_for_update().get(pk=kept.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=checkout)
    thread.start()
    assert locked.wait(timeout=10)

    # when: the sweep gives up on the locked row and skips it
    try:
        ended = holds_expire(now=NOW)
    finally:
        release.set()
        thread.join(timeout=30)

    # then: the two others are deleted, the locked one still held; the next run deletes it
    assert ended == 2
    assert list(Booking.objects.values_list("pk", "status")) == [(kept.pk, BookingStatus.HELD)]
    assert holds_expire(now=NOW) == 1
    assert not Booking.objects.exists()
