"""Every main page passes axe-core with no violations, in English and Spanish, on a phone and
on a laptop. The page is loaded as a resident would, CSS and scripts included, so contrast,
landmarks and the collapsed mobile menu are checked as rendered.

Each test checks its page in all four combinations (each live-server test costs a database
flush, so one test per page keeps the suite quick); a failure names the combination.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from cases.services import case_create, case_message_resident
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.pages import VIEWPORTS, axe_violations, choose_language, log_in_browser
from tests.cases.workflows import TEST_PERMIT, register_test_workflows
from tests.concerns.factories import CategoryFactory
from tests.licensing.factories import LicenseTypeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["en", "es"]

PUBLIC_PAGES = {
    "home": "portal:home",
    "sign-up": "account_signup",
    "login": "account_login",
}


def violations_in_every_combination(page: Page, axe, *, url: str, base_url: str) -> dict:
    """Run axe on `url` in each language at each width; return the violations found, by
    combination (an empty dict when there are none)."""
    found = {}
    for language in LANGUAGES:
        choose_language(page, language=language, base_url=base_url)
        for viewport in VIEWPORTS:
            page.set_viewport_size(VIEWPORTS[viewport])
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            # The page is in the chosen language and its stylesheet has applied (USWDS sets
            # the body's font), so axe judges what a resident sees.
            assert page.locator("html").get_attribute("lang") == language
            font = page.evaluate("getComputedStyle(document.body).fontFamily")
            assert "Source Sans Pro" in font
            violations = axe_violations(axe, page)
            if violations:
                found[f"{language} {viewport}"] = violations
    return found


def describe(found: dict) -> str:
    return "\n".join(
        f"{combination}: {line}" for combination, lines in found.items() for line in lines
    )


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_has_no_accessibility_violations(page: Page, live_server, axe, name):
    # given
    url = live_server.url + reverse(PUBLIC_PAGES[name])

    # when
    found = violations_in_every_combination(page, axe, url=url, base_url=live_server.url)

    # then
    assert found == {}, describe(found)


def test_service_search_results_have_no_accessibility_violations(page: Page, live_server, axe):
    # given: results in two services
    LicenseTypeFactory(code="dog", name="Dog license", category="Pets", keywords_es="mascota")
    CategoryFactory(code="dead-animal", name="Dead animal", keywords="pet", keywords_es="mascota")
    url = live_server.url + reverse("portal:service_search") + "?q=mascota"

    # when
    found = violations_in_every_combination(page, axe, url=url, base_url=live_server.url)

    # then
    assert found == {}, describe(found)


def test_dashboard_has_no_accessibility_violations(page: Page, live_server, axe):
    # given
    resident = UserFactory(full_name="Maria Lopez")
    log_in_browser(page, user=resident, base_url=live_server.url)
    url = live_server.url + reverse("portal:dashboard")

    # when
    found = violations_in_every_combination(page, axe, url=url, base_url=live_server.url)

    # then
    assert found == {}, describe(found)


def test_case_page_has_no_accessibility_violations(page: Page, live_server, axe):
    # given: a resident's case with a timeline entry and a message from a clerk
    register_test_workflows()
    resident = UserFactory(full_name="Maria Lopez")
    case = case_create(kind=TEST_PERMIT.kind, applicant=resident)
    case_message_resident(
        case=case, author=StaffFactory(), body="Please send us a photo of the site plan."
    )
    log_in_browser(page, user=resident, base_url=live_server.url)
    url = live_server.url + case.get_absolute_url()

    # when
    found = violations_in_every_combination(page, axe, url=url, base_url=live_server.url)

    # then
    assert found == {}, describe(found)
