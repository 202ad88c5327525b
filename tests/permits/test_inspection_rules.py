"""The booking rules at their boundaries: cut-off, weekends, holidays, days ahead, changes."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from permits.inspection_rules import (
    BookingRules,
    bookable_days,
    change_deadline,
    day_refusal,
    may_change,
    reminder_day,
)

TZ = ZoneInfo("America/New_York")
RULES = BookingRules(
    cutoff=datetime.time(12, 0), days_ahead=5, change_deadline=datetime.time(6, 30)
)
# Tuesday 8 December 2026 .. a week with Christmas Day (Friday 25) closed in the next.
TUESDAY = datetime.date(2026, 12, 8)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def d(day: int) -> datetime.date:
    return datetime.date(2026, 12, day)


@pytest.mark.parametrize(
    ("now", "first"),
    [
        (at(TUESDAY, 11, 59), d(9)),  # before noon: tomorrow is open
        (at(TUESDAY, 12, 0), d(10)),  # at noon: tomorrow has closed
        (at(d(11), 11, 0), d(14)),  # Friday morning: Monday is open
        (at(d(11), 13, 0), d(15)),  # Friday afternoon: Monday has closed
        (at(d(12), 9, 0), d(15)),  # Saturday: Friday's cut-off closed Monday
    ],
)
def test_the_first_bookable_day_follows_the_cutoff_of_the_working_day_before(now, first):
    # when
    days = bookable_days(now, RULES, closed=set())

    # then
    assert days[0] == first


def test_weekends_and_holidays_are_never_offered_and_days_ahead_count_working_days():
    # given: Christmas Day closed
    closed = {d(25)}

    # when: Monday 21 December, 9 a.m., five working days ahead
    days = bookable_days(at(d(21), 9), RULES, closed)

    # then: 22, 23, 24, (25 closed, 26-27 weekend) 28, 29
    assert days == [d(22), d(23), d(24), d(28), d(29)]


def test_the_cutoff_before_a_holiday_is_on_the_last_working_day_before_it():
    # given: Monday 28 closed; Tuesday 29's cut-off is Friday 25's noon
    closed = {d(28)}

    # then
    assert d(29) in bookable_days(at(d(25), 11, 59), RULES, closed)
    assert d(29) not in bookable_days(at(d(25), 12), RULES, closed)


@pytest.mark.parametrize(
    ("day", "now", "code"),
    [
        (TUESDAY, at(TUESDAY, 8), "past"),
        (d(12), at(TUESDAY, 8), "weekend"),
        (d(25), at(d(21), 8), "closed"),
        (d(15), at(TUESDAY, 8), ""),  # the fifth working day ahead
        (d(16), at(TUESDAY, 8), "too_far"),  # the sixth
        (d(9), at(TUESDAY, 12), "cutoff"),
        (d(9), at(TUESDAY, 11, 59), ""),
    ],
)
def test_a_refused_day_says_why(day, now, code):
    assert day_refusal(day, now, RULES, closed={d(25)}) == code


def test_changes_are_allowed_until_the_deadline_on_the_day():
    # then
    assert change_deadline(d(9), RULES, TZ) == at(d(9), 6, 30)
    assert may_change(at(d(9), 6, 29), d(9), RULES)
    assert not may_change(at(d(9), 6, 30), d(9), RULES)
    assert may_change(at(d(8), 23, 0), d(9), RULES)


def test_the_reminder_goes_out_the_working_day_before():
    assert reminder_day(d(14), closed=set()) == d(11)  # Monday: the Friday before
    assert reminder_day(d(29), closed={d(25), d(28)}) == d(24)  # over two holidays


def test_naive_times_and_no_days_ahead_are_refused():
    with pytest.raises(ValueError):
        bookable_days(datetime.datetime(2026, 12, 8, 9), RULES, closed=set())
    with pytest.raises(ValueError):
        BookingRules(days_ahead=0)
