"""A guest books a park pavilion in a real browser, on a phone and on a laptop: finds it in
the facility list, chooses a free time about three weeks ahead from the list that needs no
JavaScript (from the keyboard: Tab to the time, Enter), gives a name and an e-mail address,
pays on the local test gateway, gets the reference and the calendar file, then cancels
through their guest link after seeing half the fee and the deposit come back. axe-core
checks every page they see. With JavaScript off, a time taken meanwhile is refused with the
nearest free times, and one of those goes on to checkout; and the whole journey (choose,
pay, calendar file, cancel with half the fee back) works on a phone."""

import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings import ics
from bookings.models import Booking, BookingStatus, CancellationTier, FacilityKind, PriceUnit
from portal.celery import app as celery_app
from tests.bookings.factories import FacilityFactory, booking_row
from tests.browser.pages import VIEWPORTS, axe_violations

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


def riverside_pavilion():
    """Half days 8-12 and 13-17, $120 a slot for non-residents, a $100 deposit, the usual
    tiers (30 days: all back, 11 to 29: half, less: nothing)."""
    facility = FacilityFactory(
        code="riverside-pavilion",
        name="Riverside Park pavilion",
        kind=FacilityKind.PAVILION,
        description="A covered pavilion by the river with eight picnic tables.",
        accessibility="Paved, step-free path from the accessible parking spaces.",
        location="Riverside Park, 200 River Road",
        capacity=80,
        slot_minutes=240,
        min_minutes=240,
        max_minutes=240,
        buffer_minutes=60,
        price_unit=PriceUnit.SLOT,
        resident_price_cents=7500,
        nonresident_price_cents=12000,
        deposit_cents=10000,
        closed_on_holidays=False,
        open_hours=[(day, datetime.time(8), datetime.time(18)) for day in range(7)],
    )
    CancellationTier.objects.bulk_create(
        CancellationTier(facility=facility, days_before=days, percent=percent)
        for days, percent in [(30, 100), (11, 50), (0, 0)]
    )
    FacilityFactory(code="memorial-field", name="Memorial sports field", kind=FacilityKind.FIELD)
    return facility


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_guest_books_a_pavilion_pays_gets_the_calendar_file_and_cancels(
    page: Page, live_server, axe, tmp_path, viewport
):
    # given
    page.set_viewport_size(VIEWPORTS[viewport])
    riverside_pavilion()
    day = timezone.localdate() + datetime.timedelta(days=20)

    # the facility list, then the pavilion's page
    page.goto(live_server.url + reverse("bookings:facilities"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a facility")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Riverside Park pavilion", exact=True).click()
    expect(page.locator("main")).to_contain_text("11 to 29 days before")
    expect(page.locator("main")).to_contain_text("Paved, step-free path")
    assert_accessible(axe, page)
    page.get_by_role("link", name="See free times and book").click()

    # the free times, from a day about three weeks ahead
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Free times at Riverside Park pavilion"
    )
    assert_accessible(axe, page)
    page.get_by_label("Show free times from").fill(day.isoformat())
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(str(day.day))
    times = page.locator(f'ul[aria-labelledby="day-{day.isoformat()}"]')
    expect(times.get_by_role("button")).to_have_count(2)
    assert_accessible(axe, page)

    # from the keyboard: Tab from the "Show" button to the first free time, then Enter
    page.get_by_role("button", name="Show", exact=True).focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.portal-slots') !== null"):
            break
    focused = page.evaluate("document.activeElement.textContent")
    assert "Book" in focused and "8 a.m." in focused
    page.keyboard.press("Enter")

    # checkout as a guest
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details and payment")
    expect(page.locator("main")).to_contain_text("We are holding this time for you")
    assert_accessible(axe, page)
    page.get_by_label("Full name").fill("Ana Pérez")
    page.get_by_label("E-mail address").fill("ana@example.org")
    page.get_by_role("button", name="Continue to payment").click()

    # the local test gateway
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment page: no money moves")
    expect(page.locator("main")).to_contain_text("$220.00")
    assert_accessible(axe, page)
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()

    # the confirmation with the reference
    booking = Booking.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Booking confirmed")
    expect(page.locator("main")).to_contain_text(booking.reference)
    assert_accessible(axe, page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.guest_email == "ana@example.org"

    # the calendar file: an invitation with the booking's UID
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add it to your calendar (.ics file)").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == ics.booking_uid(booking.reference)
    assert event.decoded("DTSTART") == booking.starts_at

    # cancel through the guest link: half the fee and the whole deposit come back
    page.get_by_role("link", name="See, change or cancel your booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Booking {booking.reference}")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Cancel booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your booking")
    main = page.locator("main")
    expect(main).to_contain_text("Fee refunded (50%)")
    expect(main).to_contain_text("$60.00")
    expect(main).to_contain_text("$160.00")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Cancel my booking and refund $160.00").click()

    # then: cancelled, and the slot free again
    expect(page.locator(".usa-alert--success")).to_contain_text("Your booking is cancelled.")
    expect(page.locator("main")).to_contain_text("Cancelled")
    assert_accessible(axe, page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.refunded_cents == 16000


def test_without_javascript_a_guest_chooses_a_time_or_is_offered_the_nearest(browser, live_server):
    # given: the afternoon of the day is taken while the guest looks at the list
    facility = riverside_pavilion()
    day = timezone.localdate() + datetime.timedelta(days=20)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    url = live_server.url + reverse("bookings:availability", kwargs={"code": facility.code})
    page.goto(f"{url}?day={day.isoformat()}")
    afternoon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(13)))
    booking_row(facility=facility, start=afternoon, minutes=240)

    # when: they choose the afternoon
    page.get_by_role("button", name="1 p.m. to 5 p.m.").click()

    # then: the day again, with why and the nearest free times, the morning first
    expect(page.get_by_role("alert")).to_contain_text("just taken by someone else")
    nearby = page.get_by_role("list", name="Free times nearby")
    expect(nearby.get_by_role("button").first).to_contain_text("8 a.m. to noon")

    # when: they choose the morning from there
    nearby.get_by_role("button").first.click()

    # then: checkout, holding it
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details and payment")
    assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1
    context.close()


def test_without_javascript_a_guest_books_pays_gets_the_calendar_file_and_cancels(
    browser, live_server, tmp_path
):
    # given: a phone with JavaScript off, the pavilion free 20 days ahead
    riverside_pavilion()
    day = timezone.localdate() + datetime.timedelta(days=20)
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["mobile"])
    page = context.new_page()
    url = live_server.url + reverse("bookings:availability", kwargs={"code": "riverside-pavilion"})

    # the day's free times, and the morning chosen
    page.goto(f"{url}?day={day.isoformat()}")
    page.get_by_role("button", name="8 a.m. to noon").first.click()

    # checkout as a guest, then the local test gateway
    expect(page.get_by_role("heading", level=1)).to_have_text("Your details and payment")
    page.get_by_label("Full name").fill("Ana Pérez")
    page.get_by_label("E-mail address").fill("ana@example.org")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment page: no money moves")
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()

    # the confirmation with the reference, and the calendar file
    booking = Booking.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Booking confirmed")
    expect(page.locator("main")).to_contain_text(booking.reference)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add it to your calendar (.ics file)").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    assert calendar["METHOD"] == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == ics.booking_uid(booking.reference)

    # cancel through the guest link: half the fee and the whole deposit come back
    page.get_by_role("link", name="See, change or cancel your booking").click()
    page.get_by_role("link", name="Cancel booking").click()
    expect(page.locator("main")).to_contain_text("Fee refunded (50%)")
    page.get_by_role("button", name="Cancel my booking and refund $160.00").click()

    # then
    expect(page.locator(".usa-alert--success")).to_contain_text("Your booking is cancelled.")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.refunded_cents == 16000
    context.close()
