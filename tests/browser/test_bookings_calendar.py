"""With JavaScript, the availability page adds a month calendar above its list of free
times: a visitor books a pavilion from it with the keyboard alone, on a phone and on a
laptop (one week at a time or the whole month; arrow keys to a day three weeks ahead,
crossing into the next month if need be; Page Down and Page Up change the month and say
which; Enter shows the day's free times and moves there; Tab and Enter hold the first).
axe-core checks the page with the calendar and a day's times open; the page's
Content-Security-Policy blocks nothing the calendar does."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import Page, expect

from bookings.models import Booking, BookingStatus
from tests.browser.pages import VIEWPORTS, axe_violations
from tests.browser.test_bookings_guest import riverside_pavilion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def focused_date(page: Page) -> str:
    return page.evaluate("document.activeElement.getAttribute('data-date') || ''")


def press_until_focused(page: Page, key: str, date: datetime.date) -> None:
    page.keyboard.press(key)
    page.wait_for_function(
        "date => document.activeElement?.getAttribute('data-date') === date",
        arg=date.isoformat(),
    )


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_guest_books_from_the_calendar_with_the_keyboard(page: Page, live_server, axe, viewport):
    # given
    page.set_viewport_size(VIEWPORTS[viewport])
    facility = riverside_pavilion()
    day = timezone.localdate() + datetime.timedelta(days=21)
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    # From tomorrow: late in the day, today's times have all begun and its list is empty.
    first = timezone.localdate() + datetime.timedelta(days=1)
    url = reverse("bookings:availability", kwargs={"code": facility.code})
    page.goto(f"{live_server.url}{url}?day={first.isoformat()}")

    # the calendar appears above the list, which stays
    grid = page.get_by_role("grid")
    expect(grid).to_be_visible()
    this_month = first.replace(day=1)
    expect(page.locator(".portal-cal__title")).to_have_text(date_format(this_month, "F Y"))
    expect(page.locator('ul.portal-slots[aria-labelledby^="day-"]').first).to_be_visible()
    assert_accessible(axe, page)

    # Tab from "Next month" past the week toggle into the grid: one day takes focus (a
    # roving tab stop)
    toggle = page.get_by_role("button", name="One week at a time")
    page.get_by_role("button", name="Next month").focus()
    page.keyboard.press("Tab")
    expect(toggle).to_be_focused()
    page.keyboard.press("Tab")
    start = datetime.date.fromisoformat(focused_date(page))
    assert start >= timezone.localdate()

    # one week at a time: only the focused day's week shows, and back to the month
    weeks = page.locator(".portal-cal__grid tbody tr")
    month_rows = weeks.count()
    toggle.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".portal-cal__grid tbody tr:visible")).to_have_count(1)
    expect(page.locator(f'tr:visible td[data-date="{start.isoformat()}"]')).to_have_count(1)
    toggle.press("Enter")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".portal-cal__grid tbody tr:visible")).to_have_count(month_rows)
    page.keyboard.press("Tab")
    expect(page.locator(f'td[data-date="{start.isoformat()}"]')).to_be_focused()

    # Page Down shows the next month and says so; Page Up comes back
    next_month = (this_month + datetime.timedelta(days=32)).replace(day=1)
    page.keyboard.press("PageDown")
    expect(page.locator(".portal-cal__title")).to_have_text(date_format(next_month, "F Y"))
    expect(page.locator("[data-calendar-status]")).to_have_text(date_format(next_month, "F Y"))
    page.wait_for_function("() => document.activeElement.getAttribute('data-date')")
    page.keyboard.press("PageUp")
    expect(page.locator(".portal-cal__title")).to_have_text(date_format(this_month, "F Y"))
    page.wait_for_function(
        "date => document.activeElement.getAttribute('data-date') === date",
        arg=start.isoformat(),
    )

    # arrow keys to the day three weeks ahead: a week down at a time, then day by day
    current = start
    while (day - current).days >= 7:
        current += datetime.timedelta(days=7)
        press_until_focused(page, "ArrowDown", current)
    while current < day:
        current += datetime.timedelta(days=1)
        press_until_focused(page, "ArrowRight", current)
    expect(page.locator(f'td[data-date="{day.isoformat()}"]')).to_be_focused()

    # Enter: the day's free times, focus on their title
    page.keyboard.press("Enter")
    title = page.locator(f"#cal-times-{day.isoformat()}")
    expect(title).to_be_focused()
    expect(title).to_contain_text("2 free times")
    expect(page.locator(f'td[data-date="{day.isoformat()}"]')).to_have_attribute(
        "aria-selected", "true"
    )
    assert_accessible(axe, page)

    # Tab to the first time, Enter: held, and on to checkout
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "8 a.m. to noon" in focused
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details and payment")
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.HELD
    assert timezone.localtime(booking.starts_at).date() == day
    assert timezone.localtime(booking.starts_at).hour == 8
    assert blocked == []
