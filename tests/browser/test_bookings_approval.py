"""A resident books a community room that needs staff approval, and a Parks clerk approves it
in the back office, on a phone and on a laptop: the resident chooses a free time, pays on the
local test gateway and is told the booking waits for staff; the clerk finds it in the queue
and approves it with a condition; the resident's booking page then says it is confirmed, with
the condition. axe-core checks every page the resident sees. The same journey works with
JavaScript off."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Booking, BookingStatus, FacilityKind, PriceUnit
from portal.celery import app as celery_app
from tests.accounts.factories import UserFactory
from tests.bookings.factories import FacilityFactory
from tests.bookings.staff_support import parks, parks_staff
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _local_gateway_and_links(settings, live_server):
    settings.PAYMENTS_GATEWAY = "local"
    settings.SITE_URL = live_server.url
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def oak_room():
    """Bookable 9 a.m. to 1 p.m. or 1 p.m. to 5 p.m., $60 a slot, each booking approved."""
    parks()
    return FacilityFactory(
        code="oak-room",
        name="Oak Street community room",
        kind=FacilityKind.ROOM,
        slot_minutes=240,
        min_minutes=240,
        max_minutes=240,
        price_unit=PriceUnit.SLOT,
        resident_price_cents=6000,
        nonresident_price_cents=6000,
        needs_approval=True,
        closed_on_holidays=False,
        open_hours=[(day, datetime.time(9), datetime.time(17)) for day in range(7)],
    )


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_resident_books_a_room_that_needs_approval_and_a_clerk_approves_it(
    page: Page, live_server, axe, viewport
):
    page.set_viewport_size(VIEWPORTS[viewport])
    book_and_approve(page, live_server, check=lambda page: assert_accessible(axe, page))


def test_without_javascript_a_resident_books_a_room_and_a_clerk_approves_it(browser, live_server):
    # axe-core needs JavaScript: the journey itself is what this one proves.
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["mobile"])
    book_and_approve(context.new_page(), live_server, check=lambda page: None)
    context.close()


def book_and_approve(page: Page, live_server, *, check) -> None:
    """The resident books and pays, the clerk approves with a condition, the resident reads
    it; `check(page)` runs on every page the resident sees."""
    # given
    facility = oak_room()
    resident = UserFactory(full_name="Rosa Díaz")
    clerk = parks_staff()
    TOTP.activate(clerk, generate_totp_secret())
    day = timezone.localdate() + datetime.timedelta(days=14)

    # the resident chooses the morning and pays
    log_in_browser(page, user=resident, base_url=live_server.url)
    url = live_server.url + reverse("bookings:availability", kwargs={"code": facility.code})
    page.goto(f"{url}?day={day.isoformat()}")
    check(page)
    page.get_by_role("button", name="9 a.m. to 1 p.m.").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details and payment")
    check(page)
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()

    # then: told it waits for staff
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Booking received: staff will approve it"
    )
    check(page)
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.PENDING_APPROVAL

    # when: the clerk approves it from the queue, with a condition
    page.context.clear_cookies()
    log_in_browser(page, user=clerk, base_url=live_server.url)
    page.goto(live_server.url + reverse("admin:bookings_booking_approvals"))
    page.get_by_role("link", name=booking.reference).click()
    page.get_by_label("Conditions (optional)").fill("Chairs stacked by 1 p.m.")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("Approved. The booker has been told.")).to_be_visible()

    # then: the resident's booking page says so, with the condition
    page.context.clear_cookies()
    log_in_browser(page, user=resident, base_url=live_server.url)
    page.goto(
        live_server.url + reverse("bookings:booking", kwargs={"reference": booking.reference})
    )
    main = page.locator("main")
    expect(main).to_contain_text("Confirmed")
    expect(main).to_contain_text("Chairs stacked by 1 p.m.")
    check(page)
    booking.refresh_from_db()
    assert (booking.status, booking.case.status) == ("confirmed", "confirmed")
