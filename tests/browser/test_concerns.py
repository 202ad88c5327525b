"""Concern reports in a real browser on a 375 px phone: a guest reports with the map (tiles
served from nowhere), a signed-in resident reports by address with JavaScript off (a photo
is kept when the form comes back with an error), the duplicate prompt appears for a nearby
open report (followed instead, once the address is confirmed), staff close with a reason
the reporter then reads, and the reporter says "not fixed". axe-core checks every page, the
map's too."""

from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.tokens import guest_token, participant_confirm_token
from concerns.models import ConcernReport
from concerns.services import report_close
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.concerns.factories import CITY_HALL, jpeg_bytes, make_report, pothole_category

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A tile server nobody answers at: the map must work without a single tile.
NOWHERE_TILES = "http://127.0.0.1:9/{z}/{x}/{y}.png"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(VIEWPORTS["mobile"])
    return page


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], "\n".join(violations)


def test_a_guest_reports_with_the_map_using_the_keyboard(phone: Page, live_server, axe, settings):
    # given: a map with a tile server that never answers
    settings.MAP_TILE_URL = NOWHERE_TILES
    pothole_category()
    phone.goto(live_server.url + reverse("concerns:report_start"))
    assert_accessible(axe, phone)

    # when: they choose the category and put the pin with the keyboard
    phone.get_by_role("link", name="Pothole").click()
    expect(phone.locator("#concerns-map")).to_be_visible()
    assert_accessible(axe, phone)
    phone.locator("#concerns-map").focus()
    phone.keyboard.press("Enter")

    # then: the coordinates are filled in from the map's center and announced
    latitude = Decimal(phone.input_value("input[name=latitude]"))
    longitude = Decimal(phone.input_value("input[name=longitude]"))
    assert abs(latitude - Decimal("39.785")) < Decimal("0.01")
    assert abs(longitude - Decimal("-89.665")) < Decimal("0.01")
    expect(phone.locator("[data-map-status]")).to_contain_text("Pin placed at")

    # when: they continue and describe the problem
    phone.get_by_role("button", name="Continue").click()
    assert_accessible(axe, phone)
    phone.fill("textarea[name=description]", "A deep pothole in the bike lane.")
    phone.locator("label", has_text="Large").click()
    phone.fill("input[name=guest_email]", "guest@example.org")
    phone.get_by_role("button", name="Send report").click()

    # then
    expect(phone.locator("h1")).to_have_text("Report sent")
    assert_accessible(axe, phone)
    report = ConcernReport.objects.get()
    assert (report.latitude, report.longitude, report.case.guest_email) == (
        latitude,
        longitude,
        "guest@example.org",
    )


def test_a_signed_in_resident_reports_by_address_without_javascript(browser, live_server):
    # given
    pothole_category()
    resident = UserFactory()
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["mobile"])
    page = context.new_page()
    log_in_browser(page, user=resident, base_url=live_server.url)

    # when: the place is an address, and a first try with a photo misses the required question
    page.goto(live_server.url + reverse("concerns:report_location", args=["pothole"]))
    page.fill("input[name=address]", "42 Elm Street")
    page.get_by_role("button", name="Continue").click()
    page.fill("textarea[name=description]", "Pothole outside number 42.")
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "hole.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    page.get_by_role("button", name="Send report").click()

    # then: the error is shown with the description and the photo kept
    expect(page.locator(".usa-alert--error")).to_contain_text("How big is it?")
    expect(page.locator("textarea[name=description]")).to_have_value("Pothole outside number 42.")
    expect(page.locator("[data-held-photos]")).to_contain_text("hole.jpg")
    expect(page.get_by_role("checkbox", name="hole.jpg")).to_be_checked()

    # when
    page.locator("label", has_text="Small").click()
    page.get_by_role("button", name="Send report").click()

    # then
    expect(page.locator("h1")).to_have_text("Report sent")
    report = ConcernReport.objects.get()
    assert (report.case.applicant, report.address, report.latitude) == (
        resident,
        "42 Elm Street",
        None,
    )
    assert report.photos.count() == 1
    context.close()


def test_the_duplicate_prompt_appears_for_a_nearby_open_report(phone: Page, live_server, axe):
    # given: an open pothole about 20 m from where the guest is
    category = pothole_category()
    existing = make_report(
        category=category,
        answers={"size": "large"},
        latitude=CITY_HALL[0] + Decimal("0.00018"),
        longitude=CITY_HALL[1],
    )

    # when: they give the coordinates by hand
    phone.goto(live_server.url + reverse("concerns:report_location", args=["pothole"]))
    phone.locator("details[data-map-coordinates] summary").click()
    phone.fill("input[name=latitude]", str(CITY_HALL[0]))
    phone.fill("input[name=longitude]", str(CITY_HALL[1]))
    phone.get_by_role("button", name="Continue").click()

    # then
    prompt = phone.locator("[data-nearby]")
    expect(prompt).to_contain_text("Is this it? It may already be reported")
    expect(prompt).to_contain_text(existing.case.reference)
    assert_accessible(axe, phone)

    # when: they follow it instead, with their e-mail address
    prompt.get_by_role("link", name=f"Follow {existing.case.reference} instead").click()
    phone.fill("#follow input[name=email]", "neighbor@example.org")
    phone.locator("#follow").get_by_role("button", name="Follow this report").click()

    # then: nothing is sent to the address but a link to confirm it
    expect(phone.locator(".usa-alert")).to_contain_text(
        "Check your e-mail: open the link we sent to neighbor@example.org"
    )
    follower = existing.followers.get()
    assert (follower.email, follower.confirmed_at) == ("neighbor@example.org", None)
    assert ConcernReport.objects.count() == 1

    # when: the owner of the address opens the link and confirms
    token = participant_confirm_token(follower)
    phone.goto(live_server.url + reverse("concerns:follow_confirm", args=[token]))
    assert_accessible(axe, phone)
    phone.get_by_role("button", name="Yes, send me updates").click()

    # then
    expect(phone.locator(".usa-alert--success")).to_contain_text("You are following this report")
    follower.refresh_from_db()
    assert follower.confirmed_at is not None


def test_staff_close_with_a_reason_the_reporter_sees_and_says_not_fixed(
    phone: Page, live_server, axe, browser
):
    # given: a resident's report, and a clerk with two-factor authentication
    reporter = UserFactory()
    report = make_report(category=pothole_category(), answers={"size": "large"}, reporter=reporter)
    clerk = StaffFactory()
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_case", "change_case"]),
        *Permission.objects.filter(
            codename__in=["view_concernreport", "change_concernreport", "view_concernphoto"]
        ),
    )
    TOTP.activate(clerk, generate_totp_secret())
    staff_context = browser.new_context(viewport=VIEWPORTS["desktop"])
    staff = staff_context.new_page()
    log_in_browser(staff, user=clerk, base_url=live_server.url)

    # when: the clerk closes it as not the agency's responsibility
    staff.goto(live_server.url + reverse("admin:concerns_concernreport_change", args=[report.pk]))
    staff.select_option("select[name=close-reason]", "not_responsible")
    staff.fill("textarea[name=close-public_reason]", "This road belongs to the state.")
    staff.fill("input[name=close-redirect_contact]", "State DOT, (555) 010-0199")
    staff.get_by_role("button", name="Close report").click()
    expect(staff.locator(".messagelist")).to_contain_text("Report closed")
    staff_context.close()

    # then: the reporter sees why, and who to contact instead
    log_in_browser(phone, user=reporter, base_url=live_server.url)
    phone.goto(live_server.url + report.get_absolute_url())
    reason = phone.locator("[data-close-reason]")
    expect(reason).to_contain_text("Not our responsibility")
    expect(reason).to_contain_text("This road belongs to the state.")
    expect(reason).to_contain_text("State DOT, (555) 010-0199")
    assert_accessible(axe, phone)

    # when: they say it is not fixed
    phone.fill("textarea[name=comment]", "The state says it is the city's road.")
    phone.get_by_role("button", name="It is not fixed").click()

    # then: it is open again for staff
    expect(phone.locator("[data-status]")).to_have_text("Reopened")
    report.case.refresh_from_db()
    assert report.case.status == "reopened"
    assert_accessible(axe, phone)


def test_the_public_list_and_map_pass_axe(phone: Page, live_server, axe, settings):
    # given
    settings.MAP_TILE_URL = NOWHERE_TILES
    make_report(category=pothole_category(), answers={"size": "large"})

    # when
    phone.goto(live_server.url + reverse("concerns:list"))

    # then
    expect(phone.locator("#concerns-map")).to_be_visible()
    expect(phone.locator(".leaflet-marker-icon")).to_have_count(1)
    assert_accessible(axe, phone)


def test_a_guest_says_not_fixed_from_the_link_in_their_e_mail(phone: Page, live_server):
    # given: a guest's report, closed by staff
    report = make_report(
        category=pothole_category(), answers={"size": "large"}, guest_email="guest@example.org"
    )
    clerk = StaffFactory()
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["change_case"]))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    report_close(report=report, actor=clerk, reason="fixed", public_reason="Filled it.")

    # when: they open the page their e-mail links to, and say it is not fixed
    phone.goto(live_server.url + reverse("concerns:guest", args=[guest_token(case=report.case)]))
    phone.fill("textarea[name=comment]", "Still a hole.")
    phone.get_by_role("button", name="It is not fixed").click()

    # then: the form was accepted (a page whose links hide the token must still let its own
    # forms through the CSRF origin check)
    expect(phone.locator("[data-status]")).to_have_text("Reopened")
    report.case.refresh_from_db()
    assert report.case.status == "reopened"
