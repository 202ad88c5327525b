"""Lotteries: requests during the window, a fair seeded draw that never gives a household
more than its limit, holds for the winners, and a draw that runs once however often asked."""

import collections
import datetime
import zoneinfo

import pytest

from bookings.exceptions import HoldRefused
from bookings.models import (
    Booking,
    BookingStatus,
    Lottery,
    LotteryRequest,
    LotteryRequestStatus,
)
from bookings.services.holds import booking_hold, holds_release_others
from bookings.services.lottery import (
    MAX_REQUESTS,
    LotteryRefused,
    allocate,
    draw_order,
    lotteries_draw_due,
    lottery_draw,
    lottery_request,
    lottery_request_withdraw,
)
from bookings.services.waitlist import offer_claim
from bookings.tasks import draw_lotteries
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.bookings.factories import FacilityFactory, booking_row

pytestmark = pytest.mark.django_db

TZ = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2030, 6, 10, 12, 0, tzinfo=TZ)  # Monday noon: the window is open
CLOSES = NOW + datetime.timedelta(hours=1)
DRAW = CLOSES + datetime.timedelta(minutes=5)
DAY = datetime.date(2030, 6, 20)  # the day the lottery releases
HOUR = datetime.timedelta(hours=1)


def at(hour: int, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


def new_lottery(**kwargs) -> Lottery:
    """A day of hour slots (08:00-20:00) released by lottery, one slot per household."""
    facility = kwargs.pop("facility", None) or FacilityFactory()
    values = {
        "facility": facility,
        "first_day": DAY,
        "last_day": DAY,
        "opens_at": NOW - HOUR,
        "closes_at": CLOSES,
    }
    return Lottery.objects.create(**{**values, **kwargs})


def request(lottery, who: str, hour: int = 10, now=NOW, **kwargs):
    if "user" not in kwargs:
        kwargs.setdefault("name", who.title())
        kwargs.setdefault("email", f"{who}@example.com")
    return lottery_request(lottery=lottery, start=at(hour), minutes=60, now=now, **kwargs)


@pytest.fixture
def lottery():
    return new_lottery()


def test_the_days_cannot_be_held_first_come_until_the_draw(lottery):
    # when / then
    with pytest.raises(HoldRefused, match="This day is released by lottery"):
        booking_hold(facility=lottery.facility, start=at(10), minutes=60, holder_key="k", now=NOW)
    lottery_draw(lottery=lottery, now=DRAW)
    assert booking_hold(
        facility=lottery.facility, start=at(10), minutes=60, holder_key="k", now=DRAW
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"now": NOW - 2 * HOUR}, "Requests for this lottery are not open yet."),
        ({"now": CLOSES}, "Requests for this lottery are closed."),
        (
            {"start": at(10, DAY + datetime.timedelta(days=1))},
            "This lottery does not release that day.",
        ),
        ({"start": at(21)}, "That time is outside the opening hours."),
        ({"start": at(10).replace(tzinfo=None)}, "Choose a start time from the list."),
        ({"minutes": 90}, "This facility is booked in slots of 60 minutes."),
        ({"minutes": -60}, "Choose a length from the list."),
        ({"minutes": "60"}, "Choose a length from the list."),
        ({"name": ""}, "Enter your name."),
        ({"email": "ana@"}, "Enter a valid e-mail address."),
    ],
)
def test_arbitrary_requests_are_refused_with_a_clear_message(lottery, change, message):
    values = {"start": at(10), "minutes": 60, "name": "Ana", "email": "ana@example.com", "now": NOW}
    values.update(change)

    with pytest.raises(LotteryRefused) as refused:
        lottery_request(lottery=lottery, **values)

    assert str(refused.value) == message
    assert not LotteryRequest.objects.exists()


def test_a_household_requests_a_time_once_and_a_bounded_number_of_times(lottery):
    request(lottery, "ana", hour=8)
    with pytest.raises(LotteryRefused, match="already requested this time"):
        request(lottery, "ana", hour=8, name="Ana P", email="ANA@example.com")
    for hour in range(9, 8 + MAX_REQUESTS):
        request(lottery, "ana", hour=hour)

    with pytest.raises(LotteryRefused, match=f"at most {MAX_REQUESTS} times"):
        request(lottery, "ana", hour=19)

    prefs = list(LotteryRequest.objects.order_by("pk").values_list("preference", flat=True))
    assert prefs == list(range(1, MAX_REQUESTS + 1))


def test_a_withdrawn_request_is_not_drawn_and_may_be_made_again(lottery):
    made = request(lottery, "ana")
    assert lottery_request_withdraw(request=made, now=NOW) is True

    again = request(lottery, "ana")

    assert again.status == LotteryRequestStatus.REQUESTED
    with pytest.raises(LotteryRefused, match="window has closed"):
        lottery_request_withdraw(request=again, now=CLOSES)


def test_the_draw_waits_for_the_window_to_close(lottery):
    request(lottery, "ana")

    with pytest.raises(LotteryRefused, match=r"^The lottery's window is still open\.$"):
        lottery_draw(lottery=lottery, now=CLOSES - datetime.timedelta(seconds=1))

    lottery.refresh_from_db()
    assert not lottery.drawn and lottery.seed == ""


def test_the_draw_grants_in_the_seeded_order_within_the_household_limit(lottery):
    # given: five households want the same two times; one slot each
    for who in ("ana", "ben", "cleo", "dan", "eva"):
        request(lottery, who, hour=10)
        request(lottery, who, hour=11)

    # when
    outcome = lottery_draw(lottery=lottery, seed="audit-seed", now=DRAW)

    # then: the order is the seed's, and the first two households get one time each
    order = draw_order(
        households=[f"email:{w}@example.com" for w in ["ana", "ben", "cleo", "dan", "eva"]],
        seed="audit-seed",
    )
    assert outcome.order == order and outcome.seed == "audit-seed"
    granted = LotteryRequest.objects.filter(status=LotteryRequestStatus.GRANTED)
    assert sorted(r.household_key for r in granted) == sorted(order[:2])
    assert len(outcome.granted) == 2 and len(outcome.not_drawn) == 8
    lottery.refresh_from_db()
    assert (lottery.seed, lottery.drawn_at) == ("audit-seed", DRAW)
    for made in granted:
        hold = made.booking
        assert hold.status == BookingStatus.HELD and hold.period == made.period
        assert hold.hold_expires_at == DRAW + 48 * HOUR
        assert hold.guest_email == made.guest_email
    positions = dict(LotteryRequest.objects.values_list("household_key", "draw_position"))
    assert positions == {key: index for index, key in enumerate(order, start=1)}


def test_winners_get_a_link_to_pay_and_the_others_are_told(lottery):
    for who in ("ana", "ben", "cleo"):
        request(lottery, who, hour=10)

    lottery_draw(lottery=lottery, seed="s", now=DRAW)

    granted = Notification.objects.filter(template_key="bookings/lottery_granted", channel="email")
    not_drawn = Notification.objects.filter(
        template_key="bookings/lottery_not_drawn", channel="email"
    )
    assert granted.count() == 1 and "/bookings/offer/" in granted.get().link_url
    assert not_drawn.count() == 2


def test_choosing_another_time_keeps_the_slot_a_household_won(lottery):
    # given: Ana won 10:00 and opened its link in her browser, which now holds it
    request(lottery, "ana", hour=10)
    lottery_draw(lottery=lottery, seed="s", now=DRAW)
    won = LotteryRequest.objects.get(status=LotteryRequestStatus.GRANTED)
    assert offer_claim(booking=won.booking, holder_key="ana-browser")
    elsewhere = FacilityFactory()
    Booking.objects.filter(pk=booking_row(facility=elsewhere, start=at(10)).pk).update(
        status=BookingStatus.HELD,
        hold_expires_at=won.booking.hold_expires_at,
        holder_key="ana-browser",
    )
    other = Booking.objects.get(facility=elsewhere)

    # when: she chooses a time of another facility in the same browser
    released = holds_release_others(holder_key="ana-browser", keep=other)

    # then: the slot she won stays hers until its own deadline
    assert released == 0
    won.refresh_from_db()
    assert won.status == LotteryRequestStatus.GRANTED
    assert won.booking.status == BookingStatus.HELD


def test_the_draw_runs_once_however_often_it_is_asked(lottery):
    # given
    for who in ("ana", "ben", "cleo"):
        request(lottery, who, hour=10)
    first = lottery_draw(lottery=lottery, now=DRAW)
    counts = (Booking.objects.count(), Notification.objects.count())

    # when
    again = lottery_draw(lottery=lottery, seed="another", now=DRAW + HOUR)
    assert lotteries_draw_due(now=DRAW + HOUR) == 0
    assert draw_lotteries.apply().get() == 0

    # then
    assert again == first
    assert (Booking.objects.count(), Notification.objects.count()) == counts
    lottery.refresh_from_db()
    assert lottery.seed == first.seed and lottery.drawn_at == DRAW


def test_the_beat_task_draws_lotteries_whose_window_closed():
    due = new_lottery(opens_at=NOW - 3 * HOUR, closes_at=NOW - HOUR)
    new_lottery(closes_at=datetime.datetime(2999, 1, 1, tzinfo=TZ))

    assert lotteries_draw_due(now=NOW) == 1

    due.refresh_from_db()
    assert due.drawn and len(due.seed) == 32


def test_the_same_seed_draws_the_same_winners():
    outcomes = []
    for _round in range(2):
        lottery = new_lottery()
        for who in ("ana", "ben", "cleo", "dan"):
            request(lottery, who, hour=9)
            request(lottery, who, hour=14)
        lottery_draw(lottery=lottery, seed="replay-me", now=DRAW)
        outcomes.append(
            sorted(
                (r.household_key, r.starts_at)
                for r in lottery.requests.filter(status=LotteryRequestStatus.GRANTED)
            )
        )

    assert outcomes[0] == outcomes[1] and len(outcomes[0]) == 2


def test_a_guests_household_is_their_e_mail_address():
    lottery = new_lottery(household_limit=1)
    request(lottery, "ana", hour=9)
    request(lottery, "ana", hour=10, name="Ana Pérez", email="ANA@Example.com")

    lottery_draw(lottery=lottery, now=DRAW)

    assert LotteryRequest.objects.filter(status=LotteryRequestStatus.GRANTED).count() == 1


def test_the_facilitys_own_household_limits_hold_in_the_draw():
    # given: one upcoming booking per household, and this resident has one already
    facility = FacilityFactory(household_max_active=1)
    lottery = new_lottery(facility=facility, household_limit=3)
    user = UserFactory()
    mine = booking_row(facility=facility, start=at(10, DAY - datetime.timedelta(days=2)))
    Booking.objects.filter(pk=mine.pk).update(user=user)
    request(lottery, "", hour=9, user=user)

    # when
    lottery_draw(lottery=lottery, now=DRAW)

    # then
    made = LotteryRequest.objects.get()
    assert made.status == LotteryRequestStatus.NOT_DRAWN
    assert "the most one household may have" in made.note


def test_a_time_booked_before_the_draw_is_not_granted(lottery):
    booking_row(facility=lottery.facility, start=at(10))
    request(lottery, "ana", hour=10)

    lottery_draw(lottery=lottery, now=DRAW)

    assert LotteryRequest.objects.get().note == "Another household was drawn for this time."


# --- Fairness of the allocation, over many draws (no database needed) ---------------------


def simulate(*, households, wants, limit, seeds):
    """Per household, how many slots it won over `seeds` draws: each slot granted once."""
    wins = collections.Counter()
    for seed in seeds:
        taken = set()

        def grant(slot, taken=taken):
            if slot[1] in taken:
                return False
            taken.add(slot[1])
            return True

        order = draw_order(households=households, seed=seed)
        queues = {key: [(key, slot) for slot in wants[key]] for key in order}
        got = allocate(order=order, queues=queues, limit=limit, grant=grant)
        assert all(count <= limit for count in got.values())
        wins.update(got)
    return wins


def test_one_slot_among_many_households_goes_to_each_about_equally_often():
    households = [f"email:h{n}@example.com" for n in range(6)]
    wants = {key: ["10:00"] for key in households}

    wins = simulate(households=households, wants=wants, limit=1, seeds=range(6000))

    # each of six expects 1000 wins; a fair draw stays well within 15%
    assert sum(wins.values()) == 6000
    assert all(850 <= wins[key] <= 1150 for key in households), wins


def test_asking_for_every_slot_never_passes_the_limit_nor_changes_the_order():
    # given: "greedy" requests every slot; the others one each; two slots per household
    households = [f"user:{n}" for n in range(5)]
    slots = [f"{hour}:00" for hour in range(8, 12)]
    wants = {key: [slots[n % 4]] for n, key in enumerate(households)}
    wants["user:0"] = list(slots)

    wins = simulate(households=households, wants=wants, limit=2, seeds=range(3000))

    # the greedy household never passes the limit (checked per draw in `simulate`), all four
    # slots are granted every time, and each household is drawn first about as often
    assert sum(wins.values()) == 4 * 3000
    firsts = collections.Counter(draw_order(households=households, seed=s)[0] for s in range(3000))
    assert all(500 <= firsts[key] <= 700 for key in households), firsts


def test_the_snake_order_gives_the_last_household_the_second_round_first():
    order = ["a", "b", "c"]
    queues = {key: [f"{key}1", f"{key}2"] for key in order}
    granted = []

    allocate(order=order, queues=queues, limit=2, grant=lambda r: granted.append(r) or True)

    assert granted == ["a1", "b1", "c1", "c2", "b2", "a2"]
