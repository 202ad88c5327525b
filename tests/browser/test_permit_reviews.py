"""Plan review in the browser: the applicant's review page passes axe-core in both languages
on a phone and a laptop, and on a phone the applicant uploads a revised sheet and sends the
plans back, without JavaScript doing anything the form would not."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from permits import workflow as wf
from permits.services import reviews as services
from tests.browser.pages import VIEWPORTS, log_in_browser
from tests.browser.test_accessibility import describe, violations_in_every_combination
from tests.cases.factories import pdf_bytes
from tests.permits.reviews import approve, ask_corrections, review_of, reviewer_of, submitted_permit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_applicant_answers_a_correction_letter_on_a_phone(
    page: Page, live_server, axe, settings, tmp_path
):
    # given: zoning asked for corrections, fire approved with conditions
    settings.MEDIA_ROOT = tmp_path / "media"
    permit = submitted_permit("ZONING", "FIRE")
    services.review_start(permit=permit, actor=None)
    ask_corrections(permit, "ZONING", reviewer_of("ZONING"), text="Show the side setback.")
    approve(permit, "FIRE", reviewer_of("FIRE"), conditions="Smoke alarms in every bedroom.")
    log_in_browser(page, user=permit.case.applicant, base_url=live_server.url)
    url = live_server.url + reverse("permits:review", args=[permit.case.reference])

    # then: the page passes axe everywhere
    found = violations_in_every_combination(page, axe, url=url, base_url=live_server.url)
    assert found == {}, describe(found)

    # when: on a phone, in English, the applicant uploads the revised sheet and sends it back
    page.context.clear_cookies(name="django_language")
    page.set_viewport_size(VIEWPORTS["mobile"])
    page.goto(url)
    expect(page.get_by_text("Show the side setback.")).to_be_visible()
    page.get_by_label("Sheet number").fill("A1.0")
    page.locator("input[name=sheet-file]").set_input_files(
        files=[{"name": "a1-rev.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}]
    )
    page.get_by_role("button", name="Upload sheet").click()
    expect(page.get_by_text("Sheet A1.0, version 2")).to_be_visible()
    page.get_by_role("button", name="Send revised plans for review").click()

    # then
    expect(page.get_by_text("Your revised plans were sent for review.")).to_be_visible()
    permit.case.refresh_from_db()
    assert permit.case.status == wf.IN_REVIEW
    assert review_of(permit, "ZONING").work_item.round == 2
