"""Withdrawing and cancelling a permit in the browser: both pages pass axe-core in both
languages on a phone and a laptop, and each does its job with plain form posts."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from playwright.sync_api import Page, expect

from permits import workflow as wf
from permits.models import Permit
from permits.services.issuance import permit_fee_invoice
from tests.accounts.factories import StaffFactory
from tests.browser.pages import VIEWPORTS, log_in_browser
from tests.browser.test_accessibility import describe, violations_in_every_combination
from tests.permits.factories import department
from tests.permits.inspection_factories import approved_permit, issued_permit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _status(permit) -> str:
    return Permit.objects.select_related("case").get(pk=permit.pk).case.status


def test_the_applicant_withdraws_an_application_on_a_phone(page: Page, live_server, axe):
    # given: an approved permit with its permit fee due
    permit = approved_permit()
    permit_fee_invoice(permit=permit)
    log_in_browser(page, user=permit.case.applicant, base_url=live_server.url)
    url = live_server.url + reverse("permits:withdraw", args=[permit.case.reference])

    # then: the page passes axe everywhere
    found = violations_in_every_combination(page, axe, url=url, base_url=live_server.url)
    assert found == {}, describe(found)

    # when: on a phone, in English, from the permit's page
    page.context.clear_cookies(name="django_language")
    page.set_viewport_size(VIEWPORTS["mobile"])
    page.goto(live_server.url + permit.get_absolute_url())
    page.get_by_role("link", name="Withdraw this application").click()
    page.get_by_label("Why are you withdrawing it? (optional)").fill("We changed our plans.")
    page.get_by_role("button", name="Withdraw the application").click()

    # then
    expect(page.get_by_text("Your application was withdrawn.")).to_be_visible()
    assert _status(permit) == wf.WITHDRAWN


def test_staff_cancel_a_permit_from_the_workbench(page: Page, live_server, axe):
    # given: an issued permit and a clerk of the building department with two-factor
    clerk = StaffFactory(roles=[("clerk", department(wf.DEPARTMENT_CODE))])
    TOTP.activate(clerk, generate_totp_secret())
    permit = issued_permit()
    log_in_browser(page, user=clerk, base_url=live_server.url)
    found_url = (
        live_server.url + reverse("permits_staff:cancel") + f"?reference={permit.case.reference}"
    )

    # then: the page, with the permit found, passes axe everywhere
    found = violations_in_every_combination(page, axe, url=found_url, base_url=live_server.url)
    assert found == {}, describe(found)

    # when: from the workbench, the clerk finds the permit by its number and cancels it
    page.context.clear_cookies(name="django_language")
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.goto(live_server.url + reverse("workbench:home"))
    page.get_by_role("navigation", name="Staff workbench").get_by_role(
        "link", name="Cancel a permit"
    ).click()
    page.get_by_label("Permit application reference or permit number").fill(permit.permit_number)
    page.get_by_role("button", name="Find the permit").click()
    page.get_by_label("Why is the permit cancelled?").fill("Issued for the wrong lot.")
    page.get_by_role("button", name="Cancel the permit").click()

    # then
    expect(page.get_by_text("was cancelled and the applicant told why")).to_be_visible()
    assert _status(permit) == wf.CANCELLED
