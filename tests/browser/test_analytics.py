"""A supervisor reads the analytics and downloads a chart's figures; anybody reads the
public performance page, in English and in Spanish. On a phone and on a laptop, axe-core on
every page; every chart image is drawn (it loads, under its own policy) and has its table."""

import csv
import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from portal.analytics.refresh import summaries_refresh
from tests.accounts.factories import StaffFactory
from tests.browser.pages import VIEWPORTS, axe_violations, choose_language, log_in_browser
from tests.cases.factories import CaseFactory
from tests.cases.workflows import register_test_workflows
from tests.concerns.factories import CategoryFactory, make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def assert_charts_drawn(page: Page) -> None:
    """Every chart image loads and is drawn (decode() refuses an image that was blocked or
    broken; a drawn one has a width)."""
    images = page.locator("img.analytics-chart__image")
    assert images.count() >= 1
    for index in range(images.count()):
        drawn = images.nth(index).evaluate(
            "image => image.decode().then(() => image.naturalWidth > 0, () => false)"
        )
        assert drawn, images.nth(index).get_attribute("src")


@pytest.fixture
def figures(db):
    """A few cases over the last weeks, some closed, and the summaries rebuilt."""
    register_test_workflows()
    now = timezone.now()
    for days in (1, 3, 10, 20, 40):
        case = CaseFactory()
        type(case).objects.filter(pk=case.pk).update(
            created_at=now - datetime.timedelta(days=days),
            submitted_at=now - datetime.timedelta(days=days),
            closed_at=now if days % 2 else None,
        )
    summaries_refresh()


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_supervisor_reads_the_dashboard_and_downloads_a_csv(
    page: Page, live_server, axe, viewport, figures, tmp_path
):
    # given
    page.set_viewport_size(VIEWPORTS[viewport])
    supervisor = StaffFactory(roles=["supervisor"])
    TOTP.activate(supervisor, generate_totp_secret())
    log_in_browser(page, user=supervisor, base_url=live_server.url)

    # when: from the workbench's start page to the analytics
    page.goto(live_server.url + "/staff/")
    page.get_by_role("link", name="Analytics").first.click()

    # then
    expect(page.get_by_role("heading", level=1)).to_have_text("Analytics")
    expect(page.get_by_role("table", name="Open cases by age")).to_be_visible()
    assert_charts_drawn(page)
    assert_accessible(axe, page)

    # when: a longer period, then the backlog's figures downloaded
    page.get_by_label("Period").select_option(label="Last 26 weeks")
    page.get_by_role("button", name="Show").click()
    # (an agency-wide supervisor's form also sends the department, left at "All departments")
    expect(page).to_have_url(f"{live_server.url}/staff/analytics/?weeks=26&department=")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download “Open cases by age” (CSV)").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)

    # then
    assert download_info.value.suggested_filename == "backlog-26-weeks.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][0] == "Service"
    assert rows[1][0] == "Test permit" and rows[1][-1] == "3"
    assert_accessible(axe, page)


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
@pytest.mark.parametrize("language", ["en", "es"])
def test_anybody_reads_the_public_performance_page(
    page: Page, live_server, axe, viewport, figures, language
):
    # The page's words as the catalogue of `language` has them.
    with translation.override(language):
        heading = gettext("How we are doing")
    page.set_viewport_size(VIEWPORTS[viewport])
    choose_language(page, language=language, base_url=live_server.url)

    page.goto(live_server.url + "/")
    page.locator("footer").get_by_role("link", name=heading).click()

    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("table")).to_contain_text("Test permit")
    assert_charts_drawn(page)
    assert_accessible(axe, page)


def test_the_dashboard_draws_the_reports_by_area_on_the_map(page: Page, live_server, axe, settings):
    # given: a tile server nobody answers at, and three reports in two areas
    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    pothole = CategoryFactory(name="Pothole")
    for latitude in ("39.798700", "39.791000", "39.751000"):
        make_report(category=pothole, latitude=latitude, longitude="-89.654300")
    summaries_refresh()  # the map reads the weekly summary, as the page does between refreshes
    page.set_viewport_size(VIEWPORTS["desktop"])
    supervisor = StaffFactory(roles=["supervisor"])
    TOTP.activate(supervisor, generate_totp_secret())
    log_in_browser(page, user=supervisor, base_url=live_server.url)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))

    # when
    page.goto(live_server.url + "/staff/analytics/")

    # then: one circle per area, its tooltip naming the category and the count
    expect(page.locator("#analytics-map")).to_be_visible()
    expect(page.locator("#analytics-map path.leaflet-interactive")).to_have_count(2)
    expect(page.locator('#analytics-map [aria-label="Pothole: 2 reports"]')).to_have_count(1)
    page.locator('#analytics-map [aria-label="Pothole: 1 report"]').hover()
    expect(page.locator(".leaflet-tooltip")).to_have_text("Pothole: 1 report")
    expect(page.get_by_role("list", name="Map legend")).to_contain_text("Pothole: 3 reports")
    table = page.get_by_role("table", name="Concern reports by category and area")
    expect(table).to_contain_text("39.795")

    # when: Tab from the period's button onwards, until a circle has the focus
    page.get_by_role("button", name="Show").focus()
    for _press in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#analytics-map path')"):
            break

    # then: the circle is a button named by its category and count; Enter opens its popup,
    # Escape closes it, and the next circle opens its own with Space
    circle = page.locator(":focus")
    expect(circle).to_have_role("button")
    expect(circle).to_have_accessible_name("Pothole: 2 reports")
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup-content")).to_have_text("Pothole: 2 reports")
    # (checked once it has faded in: halfway, its text is paler than it will be)
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")
    assert_accessible(axe, page)
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_accessible_name("Pothole: 1 report")
    page.keyboard.press(" ")
    expect(page.locator(".leaflet-popup-content")).to_have_text("Pothole: 1 report")
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")

    # Nothing refused but the tiles (whose origin the policy adds when the server starts).
    refused = [e for e in errors if "Content Security Policy" in e and "Loading the image" not in e]
    assert refused == []
    assert_accessible(axe, page)
