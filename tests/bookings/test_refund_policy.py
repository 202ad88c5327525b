"""The cancellation policy's tiers, on their boundary days in the agency's time zone."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from bookings.refund_policy import Tier, days_before, refund_quote, tier_percent, tiers_clean

NEW_YORK = ZoneInfo("America/New_York")
# 30 days or more: 100%; 11 to 29 days: 50%; 10 days or fewer: nothing (the deposit only).
TIERS = [Tier(30, 100), Tier(11, 50), Tier(0, 0)]
# 9 a.m. on Monday 14 June 2027 in New York.
STARTS_AT = datetime.datetime(2027, 6, 14, 9, 0, tzinfo=NEW_YORK)


@pytest.fixture(autouse=True)
def _agency(settings):
    settings.TIME_ZONE = "America/New_York"


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("days", "percent"),
    [(45, 100), (30, 100), (29, 50), (11, 50), (10, 0), (1, 0), (0, 0), (-1, 0)],
)
def test_each_tier_on_its_boundary_day(days, percent):
    # given: the last minute of the day `days` before the booking's day, in New York
    now = at(STARTS_AT.date() - datetime.timedelta(days=days), 23, 59)

    # when
    quote = refund_quote(
        tiers=TIERS, starts_at=STARTS_AT, now=now, paid_cents=20_000, deposit_cents=5_000
    )

    # then
    assert quote.days_before == days
    assert quote.percent == percent
    assert quote.deposit_cents == 5_000
    assert quote.fee_refund_cents == 15_000 * percent // 100
    assert quote.refund_cents == 5_000 + 15_000 * percent // 100
    assert quote.refund_cents + quote.kept_cents == 20_000


def test_days_are_counted_in_the_agency_time_zone_not_utc():
    # given: 11:30 p.m. on 15 May in New York is already 16 May in UTC
    late_evening = at(datetime.date(2027, 5, 15), 23, 30)
    assert late_evening.astimezone(datetime.UTC).date() == datetime.date(2027, 5, 16)

    # then: still 30 days ahead for the agency, so the full refund
    assert days_before(starts_at=STARTS_AT, now=late_evening) == 30
    assert tier_percent(TIERS, days=30) == 100
    # and at 12:05 a.m. on 16 May, 29 days: half
    assert days_before(starts_at=STARTS_AT, now=at(datetime.date(2027, 5, 16), 0, 5)) == 29


def test_a_booking_after_midnight_utc_counts_from_its_local_day():
    # given: 8 p.m. on 14 June in New York is 15 June in UTC
    evening = datetime.datetime(2027, 6, 14, 20, 0, tzinfo=NEW_YORK)

    # then: cancelled at noon on 4 June, 10 days ahead (nothing back), not 11
    assert days_before(starts_at=evening, now=at(datetime.date(2027, 6, 4), 12)) == 10


def test_clock_change_does_not_shift_the_count():
    # given: clocks go back on 7 November 2027 in New York
    starts = datetime.datetime(2027, 11, 8, 0, 30, tzinfo=NEW_YORK)

    # then
    assert days_before(starts_at=starts, now=at(datetime.date(2027, 11, 7), 0, 30)) == 1


def test_deposit_always_returned_even_on_the_day():
    quote = refund_quote(
        tiers=TIERS,
        starts_at=STARTS_AT,
        now=at(STARTS_AT.date(), 8),
        paid_cents=12_345,
        deposit_cents=2_000,
    )
    assert (quote.refund_cents, quote.kept_cents) == (2_000, 10_345)


def test_fee_rounded_down_to_the_cent():
    quote = refund_quote(
        tiers=[Tier(0, 50)],
        starts_at=STARTS_AT,
        now=at(datetime.date(2027, 6, 1), 9),
        paid_cents=1_001,
        deposit_cents=0,
    )
    assert quote.fee_refund_cents == 500


def test_deposit_larger_than_what_was_paid_returns_what_was_paid():
    quote = refund_quote(
        tiers=TIERS,
        starts_at=STARTS_AT,
        now=at(STARTS_AT.date(), 8),
        paid_cents=300,
        deposit_cents=5_000,
    )
    assert (quote.deposit_cents, quote.fee_paid_cents, quote.refund_cents) == (300, 0, 300)


def test_no_tiers_means_only_the_deposit():
    quote = refund_quote(
        tiers=[],
        starts_at=STARTS_AT,
        now=at(datetime.date(2027, 1, 1), 9),
        paid_cents=10_000,
        deposit_cents=1_000,
    )
    assert quote.refund_cents == 1_000


def test_tiers_accept_pairs_and_mappings_in_any_order():
    assert tiers_clean([(0, 0), {"min_days": 30, "percent": 100}, (11, 50)]) == TIERS


@pytest.mark.parametrize(
    "tiers",
    [
        [(-1, 50)],
        [(10, 101)],
        [(10, -5)],
        [(10, 50), (10, 60)],
        [(30, 50), (10, 100)],
        [(10.5, 50)],
    ],
)
def test_tiers_that_cannot_stand_are_refused(tiers):
    with pytest.raises(ValueError):
        tiers_clean(tiers)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        days_before(starts_at=STARTS_AT, now=datetime.datetime(2027, 6, 1, 9))
