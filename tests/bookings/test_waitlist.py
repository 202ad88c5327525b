"""Waitlists: people wait in order, once each; a freed slot is offered to the first, with a
hold and a deadline; a lapsed offer moves on to the next; never two offers at once."""

import datetime
import threading
import zoneinfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from bookings.availability import days_availability
from bookings.exceptions import SlotTaken
from bookings.models import (
    Booking,
    BookingStatus,
    Lottery,
    SlotMode,
    WaitlistEntry,
    WaitlistStatus,
)
from bookings.selectors_release import waitlist_position
from bookings.services import cancel as cancelling
from bookings.services.holds import booking_hold
from bookings.services.waitlist import (
    WaitlistRefused,
    waitlist_join,
    waitlist_leave,
    waitlist_offer_next,
    waitlist_offers_sweep,
)
from bookings.tasks import waitlist_sweep
from notifications.models import Notification
from tests.accounts.factories import StaffFactory, UserFactory
from tests.bookings.checkout_support import confirmed, guest_checkout, pavilion, pay_locally
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2030, 6, 10, 12, 0, tzinfo=TZ)  # Monday noon
THURSDAY = datetime.date(2030, 6, 13)
HOUR = datetime.timedelta(hours=1)


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


SLOT = at(THURSDAY, 10)  # 70 hours after NOW


def join(facility, who: str = "ana", start=SLOT, now=NOW, **kwargs):
    if "user" not in kwargs:
        kwargs.setdefault("name", who.title())
        kwargs.setdefault("email", f"{who}@example.com")
    return waitlist_join(facility=facility, start=start, minutes=60, now=now, **kwargs)


@pytest.fixture
def facility():
    """Hour slots 08:00-20:00 every day, booked at least an hour ahead, offers for 24 hours."""
    return FacilityFactory()


@pytest.fixture
def taken(facility):
    return booking_row(facility=facility, start=SLOT)


def free(booking):
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)


def test_people_wait_in_the_order_they_joined_and_are_told_their_place(facility, taken):
    # given
    entries = [join(facility, who) for who in ("ana", "ben", "cleo")]

    # then
    assert [waitlist_position(entry=e) for e in entries] == [1, 2, 3]
    notice = Notification.objects.get(
        template_key="bookings/waitlist_joined", to_address="ben@example.com"
    )
    assert notice.context["position"] == 2
    assert "/bookings/waitlist/w/" in notice.link_url


def test_one_entry_per_person_per_slot(facility, taken):
    # given
    user = UserFactory()
    join(facility, "ana")
    join(facility, user=user)

    # when / then: the same address in other letters, and the same account
    with pytest.raises(WaitlistRefused, match=r"^You are already on the waitlist for this time\.$"):
        join(facility, name="Ana P", email="ANA@example.com")
    with pytest.raises(WaitlistRefused, match="already on the waitlist"):
        join(facility, user=user)
    assert WaitlistEntry.objects.count() == 2


def test_the_database_keeps_one_live_entry_per_person(facility, taken):
    entry = join(facility, "ana")

    with pytest.raises(IntegrityError), transaction.atomic():
        WaitlistEntry.objects.create(
            facility=facility,
            period=entry.period,
            guest_name="Ana",
            guest_email="ana@example.com",
            household_key=entry.household_key,
        )


def test_someone_who_left_may_join_again(facility, taken):
    entry = join(facility, "ana")
    assert waitlist_leave(entry=entry, now=NOW) is True
    assert waitlist_leave(entry=entry, now=NOW) is False  # a second click changes nothing

    again = join(facility, "ana")

    assert again.status == WaitlistStatus.WAITING and waitlist_position(entry=again) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": datetime.datetime(2030, 6, 13, 10)}, "Choose a start time from the list."),
        ({"minutes": 0}, "Choose a length from the list."),
        ({"minutes": "60"}, "Choose a length from the list."),
        ({"minutes": True}, "Choose a length from the list."),
        ({"minutes": 90}, "This facility is booked in slots of 60 minutes."),
        ({"start": at(THURSDAY, 21)}, "That time is outside the opening hours."),
        ({"start": NOW - HOUR}, "That time has passed. Choose a time from the list."),
        ({"start": at(THURSDAY, 12)}, "This time is free: you can book it now."),
        ({"name": "  "}, "Enter your name."),
        ({"email": "not-an-address"}, "Enter a valid e-mail address."),
    ],
)
def test_arbitrary_input_is_refused_with_a_clear_message(facility, taken, change, message):
    values = {"start": SLOT, "minutes": 60, "name": "Ana", "email": "ana@example.com"}
    values.update(change)

    with pytest.raises(WaitlistRefused) as refused:
        waitlist_join(facility=facility, now=NOW, **values)

    assert str(refused.value) == message
    assert not WaitlistEntry.objects.exists()


def test_a_draft_facility_has_no_waitlist(facility, taken):
    facility.published_at = None
    facility.save()

    with pytest.raises(WaitlistRefused, match="cannot be booked online"):
        join(facility)


def test_a_freed_slot_is_offered_to_the_first_person_waiting_with_a_hold(facility, taken):
    # given
    first, second = join(facility, "ana"), join(facility, "ben")
    free(taken)

    # when
    moved = waitlist_offers_sweep(now=NOW)

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert moved["offered"] == 1
    assert (first.status, second.status) == (WaitlistStatus.OFFERED, WaitlistStatus.WAITING)
    hold = first.offer
    assert hold.status == BookingStatus.HELD
    assert hold.period == first.period
    assert hold.hold_expires_at == first.offer_expires_at == NOW + 24 * HOUR
    assert (hold.guest_name, hold.guest_email) == ("Ana", "ana@example.com")
    notice = Notification.objects.get(template_key="bookings/waitlist_offer", channel="email")
    assert notice.to_address == "ana@example.com"
    assert "/bookings/offer/" in notice.link_url
    assert notice.context["deadline"] == (NOW + 24 * HOUR).isoformat()


def test_the_sweep_is_safe_to_run_twice(facility, taken):
    join(facility, "ana")
    join(facility, "ben")
    free(taken)
    waitlist_offers_sweep(now=NOW)

    again = waitlist_offers_sweep(now=NOW)

    assert again == {"accepted": 0, "lapsed": 0, "closed": 0, "offered": 0}
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1
    assert Notification.objects.filter(template_key="bookings/waitlist_offer").count() == 1


def test_an_offer_not_taken_in_time_lapses_and_goes_to_the_next(facility, taken):
    # given
    first, second = join(facility, "ana"), join(facility, "ben")
    free(taken)
    waitlist_offers_sweep(now=NOW)
    later = NOW + 24 * HOUR + datetime.timedelta(minutes=1)

    # when
    moved = waitlist_offers_sweep(now=later)

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (moved["lapsed"], moved["offered"]) == (1, 1)
    assert first.status == WaitlistStatus.LAPSED
    assert first.offer.status == BookingStatus.EXPIRED
    assert second.status == WaitlistStatus.OFFERED
    assert second.offer.hold_expires_at == later + 24 * HOUR
    assert Notification.objects.filter(
        template_key="bookings/waitlist_lapsed", to_address="ana@example.com"
    ).exists()


def test_an_offer_is_open_until_its_last_second(facility, taken):
    first = join(facility, "ana")
    join(facility, "ben")
    free(taken)
    waitlist_offers_sweep(now=NOW)

    waitlist_offers_sweep(now=NOW + 24 * HOUR - datetime.timedelta(seconds=1))

    first.refresh_from_db()
    assert first.status == WaitlistStatus.OFFERED


def test_the_deadline_is_the_facilitys_and_never_past_the_latest_booking_time(facility):
    # given: 2-hour offers; a slot tomorrow at 10:00, bookable until 09:00
    facility.waitlist_offer_hours = 2
    facility.save()
    soon = at(THURSDAY, 10)
    near = at(datetime.date(2030, 6, 11), 10)
    taken_soon = booking_row(facility=facility, start=soon)
    taken_near = booking_row(facility=facility, start=near)
    a, b = join(facility, "ana", start=soon), join(facility, "ben", start=near)
    free(taken_soon)
    free(taken_near)
    late = at(datetime.date(2030, 6, 11), 8) - datetime.timedelta(minutes=30)

    # when
    waitlist_offers_sweep(now=late)

    # then
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.offer_expires_at == late + 2 * HOUR
    assert b.offer_expires_at == near - HOUR


def test_two_offers_never_at_once(facility, taken):
    # given
    first, second = join(facility, "ana"), join(facility, "ben")
    free(taken)

    # when: asked twice, the second finds the offer open
    assert waitlist_offer_next(facility_id=facility.pk, period=first.period, now=NOW) == first
    assert waitlist_offer_next(facility_id=facility.pk, period=first.period, now=NOW) is None

    # then: and the database refuses a second offer for the slot whatever the code does
    second.refresh_from_db()
    assert second.status == WaitlistStatus.WAITING
    other_hold = booking_row(facility=facility, start=at(THURSDAY, 14))
    with pytest.raises(IntegrityError), transaction.atomic():
        WaitlistEntry.objects.filter(pk=second.pk).update(
            status=WaitlistStatus.OFFERED, offer=other_hold, offer_expires_at=NOW + HOUR
        )


def test_a_slot_taken_again_is_not_offered(facility, taken):
    join(facility, "ana")
    free(taken)
    booking_row(facility=facility, start=SLOT)  # someone booked it first

    assert waitlist_offers_sweep(now=NOW)["offered"] == 0
    assert WaitlistEntry.objects.get().status == WaitlistStatus.WAITING


def test_someone_over_the_household_limit_is_passed_over(facility, taken):
    # given: one upcoming booking per household; the first waiting already has one
    facility.household_max_active = 1
    facility.save()
    user = UserFactory()
    mine = booking_row(facility=facility, start=at(THURSDAY, 15))
    Booking.objects.filter(pk=mine.pk).update(user=user)
    first, second = join(facility, user=user), join(facility, "ben")
    free(taken)

    # when
    waitlist_offers_sweep(now=NOW)

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.PASSED
    assert "the most one household may have" in first.note
    assert second.status == WaitlistStatus.OFFERED
    assert Notification.objects.filter(
        template_key="bookings/waitlist_passed", recipient=user, channel="email"
    ).exists()


def test_leaving_with_an_offer_gives_it_to_the_next(facility, taken):
    first, second = join(facility, "ana"), join(facility, "ben")
    free(taken)
    waitlist_offers_sweep(now=NOW)
    first.refresh_from_db()

    assert waitlist_leave(entry=first, now=NOW) is True
    waitlist_offers_sweep(now=NOW)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistStatus.LEFT
    assert first.offer.status == BookingStatus.EXPIRED
    assert second.status == WaitlistStatus.OFFERED


def test_waiting_ends_when_the_slot_passes(facility, taken):
    entry = join(facility, "ana")

    waitlist_offers_sweep(now=SLOT)

    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.CLOSED


def test_an_offer_paid_for_is_marked_booked(facility, taken):
    # given
    entry = join(facility, "ana")
    free(taken)
    waitlist_offers_sweep(now=NOW)
    entry.refresh_from_db()

    # when: the guest checks out the offered hold and pays
    pay_locally(guest_checkout(entry.offer))
    waitlist_sweep.apply().get()

    # then
    entry.refresh_from_db()
    assert entry.offer.status == BookingStatus.CONFIRMED
    assert entry.status == WaitlistStatus.ACCEPTED


@pytest.mark.django_db(transaction=True)
def test_a_cancelled_booking_is_offered_to_the_first_person_waiting_after_commit(settings):
    # given: a paid booking 40 days ahead, and a guest waiting for its time
    settings.TIME_ZONE = "America/New_York"
    booking, _invoice = confirmed(pavilion())
    minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    entry = waitlist_join(
        facility=booking.facility,
        start=booking.starts_at,
        minutes=minutes,
        name="Ben",
        email="ben@example.com",
    )

    # when
    quote = cancelling.booking_cancel_quote(booking=booking)
    cancelling.booking_cancel(booking=booking, expected_refund_cents=quote.refund_cents)

    # then
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED
    assert entry.offer.period == DateTimeTZRange(booking.starts_at, booking.ends_at, "[)")
    assert entry.offer.status == BookingStatus.HELD


def test_a_time_people_wait_for_goes_to_them_not_to_whoever_sees_it_free(facility, taken):
    # given: Ana waits; the booking is cancelled, but the sweep has not offered it yet
    entry = join(facility, "ana")
    free(taken)

    # when: a visitor chooses it on the availability page
    with pytest.raises(SlotTaken) as refused:
        booking_hold(facility=facility, start=SLOT, minutes=60, holder_key="v", now=NOW)

    # then
    assert str(refused.value) == (
        "People are waiting for this time, so it goes to them first. You can join the waitlist."
    )
    assert all(slot.start != SLOT for slot in refused.value.nearest)
    waitlist_offers_sweep(now=NOW)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED


def test_a_time_nobody_waits_for_any_more_is_free_to_all(facility, taken):
    entry = join(facility, "ana")
    free(taken)
    waitlist_leave(entry=entry, now=NOW)

    assert booking_hold(facility=facility, start=SLOT, minutes=60, holder_key="v", now=NOW)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_make_one_offer(facility, taken):
    # given: two people wait for a time that came free
    join(facility, "ana")
    join(facility, "ben")
    free(taken)
    barrier = threading.Barrier(2)
    made = []

    def sweep():
        try:
            barrier.wait(timeout=10)
            made.append(waitlist_offers_sweep(now=NOW)["offered"])
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then
    assert sorted(made) == [0, 1]
    assert WaitlistEntry.objects.filter(status=WaitlistStatus.OFFERED).count() == 1
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1


def test_a_day_a_lottery_now_releases_keeps_its_waitlist_waiting(facility, taken):
    # given: people wait; then the administrator puts the day in a lottery not yet drawn
    first = join(facility, "ana")
    Lottery.objects.create(
        facility=facility,
        first_day=THURSDAY,
        last_day=THURSDAY,
        opens_at=NOW,
        closes_at=NOW + HOUR,
    )
    free(taken)

    # when
    waitlist_offers_sweep(now=NOW)

    # then: nobody is offered it nor passed over
    first.refresh_from_db()
    assert first.status == WaitlistStatus.WAITING


@pytest.mark.django_db(transaction=True)
def test_the_agencys_cancellation_closes_the_waitlist_and_says_why(settings):
    # given: a paid booking, and a guest waiting for its time
    settings.TIME_ZONE = "America/New_York"
    booking, _invoice = confirmed(pavilion())
    minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
    entry = waitlist_join(
        facility=booking.facility,
        start=booking.starts_at,
        minutes=minutes,
        name="Ben",
        email="ben@example.com",
    )

    # when: staff cancel it for the agency
    cancelling.booking_cancel_by_agency(
        booking=booking, actor=StaffFactory(roles=["clerk"]), message="The roof is repaired."
    )
    waitlist_offers_sweep()

    # then: nobody is offered the time, and Ben is told why
    entry.refresh_from_db()
    assert (entry.status, entry.note) == (WaitlistStatus.CLOSED, "The roof is repaired.")
    assert not Booking.objects.filter(status=BookingStatus.HELD).exists()
    notice = Notification.objects.get(template_key="bookings/waitlist_closed", channel="email")
    assert notice.to_address == "ben@example.com"
    assert notice.context["reason"] == "The roof is repaired."


def test_a_time_staff_blocked_has_no_waitlist(facility):
    block = booking_row(facility=facility, start=SLOT)
    Booking.objects.filter(pk=block.pk).update(kind="block", block_reason="Maintenance")

    with pytest.raises(WaitlistRefused, match=r"^This time is closed to bookings\.$"):
        join(facility, "ana")


def free_starts(facility, now=NOW) -> list[datetime.datetime]:
    (day,) = days_availability(facility=facility, first=THURSDAY, now=now)
    return [slot.start for slot in day.slots]


def test_a_time_people_wait_for_is_not_shown_free_until_the_waitlist_is_exhausted(facility, taken):
    # given: Ana and Ben wait; the booking is cancelled, nobody offered it yet
    first, second = join(facility, "ana"), join(facility, "ben")
    free(taken)

    # then: the page shows the hour to nobody, nor any start whose buffer would reach it
    assert SLOT not in free_starts(facility)
    assert at(THURSDAY, 9) in free_starts(facility)
    assert at(THURSDAY, 11) in free_starts(facility)

    # when: Ana is offered it (a hold for her), then lets the offer lapse
    waitlist_offers_sweep(now=NOW)
    assert SLOT not in free_starts(facility)
    later = NOW + 24 * HOUR + datetime.timedelta(minutes=1)
    waitlist_offers_sweep(now=later)

    # then: Ben holds it now, and it is still nobody else's
    second.refresh_from_db()
    assert second.status == WaitlistStatus.OFFERED
    assert SLOT not in free_starts(facility, now=later)

    # when: Ben leaves too, the waitlist is exhausted: the hour is free to all again
    waitlist_leave(entry=second, now=later)
    assert SLOT in free_starts(facility, now=later)
    first.refresh_from_db()
    assert first.status == WaitlistStatus.LAPSED


def test_a_longer_time_waited_for_over_a_booking_keeps_every_hour_it_covers(facility, taken):
    # given: free ranges of one to three hours; Ana waits for 10:00-12:00, over the booking
    facility.slot_mode, facility.min_minutes, facility.max_minutes = SlotMode.FREE, 60, 180
    facility.save()
    waitlist_join(
        facility=facility, start=SLOT, minutes=120, name="Ana", email="a@example.com", now=NOW
    )
    free(taken)

    # then: neither hour of her time is offered, nor a 9:00 start long enough to reach it
    (day,) = days_availability(facility=facility, first=THURSDAY, now=NOW)
    starts = {slot.start: slot.max_minutes for slot in day.slots}
    assert SLOT not in starts and at(THURSDAY, 11) not in starts
    assert starts[at(THURSDAY, 9)] == 60
    assert starts[at(THURSDAY, 12)] == 180
