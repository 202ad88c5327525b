"""A signed-in resident enters a facility's lottery in a real browser, on a phone and on a
laptop, from the keyboard: chooses a time on a day the lottery releases, is told the day is
released by lottery and follows the link to request it, ticks the resident rate, sends the
request, sees it confirmed and listed on their dashboard, and withdraws it from there
through the withdraw page and its confirmation. axe-core checks every page they see.
Without JavaScript the same journey works by clicking."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import FacilityKind, Lottery, LotteryRequest, LotteryRequestStatus
from tests.accounts.factories import UserFactory
from tests.bookings.factories import FacilityFactory
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def tennis_lottery() -> Lottery:
    """Courts open 8-20 in hour slots; a lottery taking requests since an hour ago, until
    tomorrow, for the day ten days ahead."""
    facility = FacilityFactory(
        code="westside-tennis-courts",
        name="Westside tennis courts",
        kind=FacilityKind.FIELD,
        slot_minutes=60,
        min_minutes=60,
        max_minutes=60,
    )
    day = timezone.localdate() + datetime.timedelta(days=10)
    now = timezone.now()
    return Lottery.objects.create(
        facility=facility,
        first_day=day,
        last_day=day,
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
    )


def tab_to(page: Page, locator, *, most: int = 40) -> None:
    """Press Tab until `locator` has the focus (at most `most` times)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def availability_of_day(page: Page, base_url: str, lottery: Lottery) -> str:
    url = base_url + reverse("bookings:availability", kwargs={"code": lottery.facility.code})
    return f"{url}?day={lottery.first_day.isoformat()}"


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_resident_requests_a_time_in_the_lottery_and_withdraws_it_with_the_keyboard(
    page: Page, live_server, axe, viewport
):
    # given
    page.set_viewport_size(VIEWPORTS[viewport])
    lottery = tennis_lottery()
    resident = UserFactory()
    log_in_browser(page, user=resident, base_url=live_server.url)
    day = lottery.first_day
    page.goto(availability_of_day(page, live_server.url, lottery))

    # the day's first time, from the keyboard: refused, with the way into the lottery
    times = page.locator(f'ul[aria-labelledby="day-{day.isoformat()}"]')
    first = times.get_by_role("button").first
    expect(first).to_contain_text("8 a.m. to 9 a.m.")
    first.focus()
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("This day is released by lottery")
    link = alert.get_by_role("link", name="Request this time in the lottery")
    tab_to(page, link)
    page.keyboard.press("Enter")

    # the lottery's entry page: the time, how the draw works, the form
    expect(page.get_by_role("heading", level=1)).to_have_text("Request this time in the lottery")
    main = page.locator("main")
    expect(main).to_contain_text("Westside tennis courts")
    expect(main).to_contain_text("a fair draw puts every household in a random order")
    assert_accessible(axe, page)
    resident_rate = page.get_by_label("I live in the city (resident rate)")
    tab_to(page, resident_rate)
    page.keyboard.press("Space")
    expect(resident_rate).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Request this time"))
    page.keyboard.press("Enter")

    # the confirmation lists the request
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request is in the lottery")
    made = LotteryRequest.objects.get()
    assert made.user == resident and made.resident is True
    assert made.status == LotteryRequestStatus.REQUESTED
    assert timezone.localtime(made.starts_at).date() == day
    assert timezone.localtime(made.starts_at).hour == 8
    summary = page.locator(".portal-summary")
    expect(summary).to_contain_text("Westside tennis courts")
    expect(summary).to_contain_text("8 a.m.")
    assert_accessible(axe, page)
    expect(page.get_by_role("link", name="Withdraw this request")).to_be_visible()

    # the dashboard lists it, with the way to withdraw it
    page.goto(live_server.url + reverse("portal:dashboard"))
    listed = page.get_by_role("region", name="My lottery requests")
    expect(listed.get_by_role("listitem")).to_have_count(1)
    expect(listed).to_contain_text("Westside tennis courts")
    expect(listed).to_contain_text("Drawn after")
    assert_accessible(axe, page)
    withdraw = listed.get_by_role(
        "link", name=re.compile(r"^Withdraw your request for Westside tennis courts, .* 8 a\.m\.$")
    )
    tab_to(page, withdraw, most=80)
    page.keyboard.press("Enter")

    # the withdraw page, then its confirmation
    expect(page.get_by_role("heading", level=1)).to_have_text("Withdraw your lottery request")
    expect(page.locator(".portal-summary")).to_contain_text("8 a.m.")
    assert_accessible(axe, page)
    tab_to(page, page.get_by_role("button", name="Withdraw my request"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text(
        "Your request is withdrawn. It will not be in the draw."
    )
    expect(page.get_by_role("button", name="Withdraw my request")).to_have_count(0)
    assert_accessible(axe, page)

    # then: withdrawn, and no longer listed
    made.refresh_from_db()
    assert made.status == LotteryRequestStatus.WITHDRAWN
    page.goto(live_server.url + reverse("portal:dashboard"))
    expect(page.get_by_role("heading", name="My lottery requests")).to_have_count(0)


def test_without_javascript_a_resident_requests_and_withdraws(browser, live_server):
    # given
    lottery = tennis_lottery()
    resident = UserFactory()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in_browser(page, user=resident, base_url=live_server.url)
    page.goto(availability_of_day(page, live_server.url, lottery))

    # when
    times = page.locator(f'ul[aria-labelledby="day-{lottery.first_day.isoformat()}"]')
    times.get_by_role("button").first.click()
    page.get_by_role("link", name="Request this time in the lottery").click()
    page.get_by_role("button", name="Request this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request is in the lottery")
    page.get_by_role("link", name="Withdraw this request").click()
    page.get_by_role("button", name="Withdraw my request").click()

    # then
    expect(page.locator("main")).to_contain_text("Your request is withdrawn.")
    made = LotteryRequest.objects.get()
    assert made.user == resident and made.resident is False
    assert made.status == LotteryRequestStatus.WITHDRAWN
    context.close()
