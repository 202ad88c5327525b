"""Plan review in the browser: the applicant's review page passes axe-core in both languages
on a phone and a laptop, and on a phone the applicant uploads a revised sheet and sends the
plans back, without JavaScript doing anything the form would not. Two departments review in
the back office, one asks for corrections and both approve the next round; axe-core checks
each reviewer's page on the way."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from permits import workflow as wf
from permits.services import reviews as services
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.browser.test_accessibility import describe, violations_in_every_combination
from tests.cases.factories import pdf_bytes
from tests.permits.reviews import approve, ask_corrections, review_of, reviewer_of, submitted_permit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


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


def test_two_departments_review_one_asks_for_corrections_then_both_approve(
    page: Page, live_server, axe, settings, tmp_path
):
    # given: a sent permit reviewed by zoning and fire, each with a reviewer (MFA enrolled)
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.files.base import ContentFile

    from permits.models.reviews import CorrectionLetter

    settings.MEDIA_ROOT = tmp_path / "media"
    permit = submitted_permit("ZONING", "FIRE")
    services.review_start(permit=permit, actor=None)
    zoning, fire = reviewer_of("ZONING"), reviewer_of("FIRE")
    for reviewer in (zoning, fire):
        TOTP.activate(reviewer, generate_totp_secret())

    def review_page(code):
        review = review_of(permit, code)
        return live_server.url + reverse("admin:permits_planreview_change", args=[review.pk])

    # when: zoning comments on A1.0 and asks for corrections
    log_in_browser(page, user=zoning, base_url=live_server.url)
    page.goto(review_page("ZONING"))
    assert_accessible(axe, page)
    page.get_by_role("button", name="Take this review").click()
    page.get_by_label("Sheet").select_option(label="A1.0 Sheet A1.0 (v1)")
    page.locator("textarea[name=comment-text]").fill("Show the 5 ft side setback.")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_text("Comment 1 added.")).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_label("Corrections required").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    assert_accessible(axe, page)

    # and fire approves with conditions
    page.context.clear_cookies()
    log_in_browser(page, user=fire, base_url=live_server.url)
    page.goto(review_page("FIRE"))
    assert_accessible(axe, page)
    page.get_by_label("Approved with conditions").check()
    page.locator("textarea[name=decision-conditions]").fill("Smoke alarms in every bedroom.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    assert_accessible(axe, page)

    # then: one letter from both departments
    permit.case.refresh_from_db()
    assert permit.case.status == wf.CORRECTIONS_REQUIRED
    assert CorrectionLetter.objects.filter(permit=permit).count() == 1

    # when: the applicant sends a revised A1.0, and zoning resolves its comment and approves
    services.plan_sheet_revise(
        permit=permit,
        sheet="A1.0",
        upload=ContentFile(pdf_bytes(), name="a1.pdf"),
        actor=permit.case.applicant,
    )
    services.review_resubmit(permit=permit, actor=permit.case.applicant)
    page.context.clear_cookies()
    log_in_browser(page, user=zoning, base_url=live_server.url)
    page.goto(review_page("ZONING"))
    expect(page.locator("#sheets").get_by_text("Changed", exact=True)).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Mark resolved").click()
    expect(page.get_by_text("Comment 1 resolved.")).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_label("Approved", exact=True).check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded.")).to_be_visible()
    assert_accessible(axe, page)

    # then
    permit.case.refresh_from_db()
    assert permit.case.status == wf.APPROVED
