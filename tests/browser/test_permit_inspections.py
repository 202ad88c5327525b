"""After plan review, in the browser: the applicant pays the permit fee on the local gateway
and the permit is issued; on a phone the applicant books the next required inspection; the
inspector (staff with MFA) records a failure with a deficiency on the mobile page, the
applicant pays the re-inspection fee and books again, the inspection passes, the final passes
and the certificate of occupancy downloads; the public page and the open data show the permit
finaled. A supervisor opens an inspector's day from the workbench's list of inspectors.
axe-core checks every page on the way."""

import csv
import datetime
import io
import re
import subprocess

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from playwright.sync_api import Page, expect

from permits import workflow as wf
from permits.models import Inspection, InspectionResult, Permit
from permits.selectors_inspections import agency_now
from permits.services.inspections import results as inspection_results
from permits.services.issuance import permit_fee_invoice
from portal.celery import app as celery_app
from tests.accounts.factories import StaffFactory
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.permits.factories import department
from tests.permits.inspection_factories import approved_permit, inspector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _local_gateway_and_inline_tasks(settings):
    settings.PAYMENTS_GATEWAY = "local"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def pay_from_the_inspections_page(page: Page, axe) -> None:
    """Follow 'Pay it now' from the blocker, pay on the test gateway, come back."""
    back = page.url
    page.get_by_role("link", name="Pay it now").click()
    expect(page.get_by_role("button", name=re.compile(r"^Pay \$"))).to_be_visible()
    assert_accessible(axe, page)
    page.get_by_role("button", name=re.compile(r"^Pay \$")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment page: no money moves")
    assert_accessible(axe, page)
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment received")
    assert_accessible(axe, page)
    page.goto(back)


def book_the_first_time(page: Page, axe) -> None:
    assert_accessible(axe, page)
    page.locator("label[for=slot-1]").click()  # the first time on offer
    page.get_by_role("button", name="Book the inspection").click()
    expect(page.get_by_text("Your inspection is booked.")).to_be_visible()
    assert_accessible(axe, page)


def record_result(page: Page, axe, monkeypatch, *, base_url, result, deficiencies=""):
    """The inspector opens the day of the booked inspection and records its result, on the
    inspection's day (the services' clock is set to that afternoon)."""
    booked = Inspection.objects.get(status="scheduled")
    afternoon = datetime.datetime.combine(booked.day, datetime.time(15), tzinfo=agency_now().tzinfo)
    page.goto(base_url + reverse("permits:inspector_day") + f"?day={booked.day.isoformat()}")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Open and record the result").click()
    page.wait_for_url(base_url + reverse("permits:inspection_result", args=[booked.pk]))
    assert_accessible(axe, page)
    page.locator(f"label.usa-radio__label:text-is('{result}')").click()
    page.locator("label.usa-checkbox__label", has_text="Permit card posted on site").click()
    if deficiencies:
        page.get_by_label("Deficiencies").fill(deficiencies)
    with monkeypatch.context() as clock:
        clock.setattr(inspection_results, "agency_now", lambda: afternoon)
        page.get_by_role("button", name="Record the result").click()
        expect(page.get_by_text("Result recorded.")).to_be_visible()
    assert_accessible(axe, page)
    return booked


def test_issued_booked_failed_rebooked_passed_finaled(
    page: Page, live_server, axe, monkeypatch, settings, tmp_path
):
    # given: a permit its reviews approved, invoiced for its permit fee; an inspector with MFA
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    settings.MEDIA_ROOT = tmp_path / "media"
    building_inspector = inspector(capacity=2)
    TOTP.activate(building_inspector, generate_totp_secret())
    permit = approved_permit(steps=2, fee={"fee_cents": 7500, "free_failures": 0})
    permit_fee_invoice(permit=permit)
    applicant = permit.case.applicant
    url = live_server.url + reverse("permits:inspections", args=[permit.case.reference])

    # when: on a phone, the applicant pays the permit fee from the inspections page
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in_browser(page, user=applicant, base_url=live_server.url)
    page.goto(url)
    assert_accessible(axe, page)
    pay_from_the_inspections_page(page, axe)

    # then: the permit is issued, with its number and card
    permit = Permit.objects.select_related("case").get(pk=permit.pk)
    assert permit.case.status == wf.ISSUED
    assert permit.permit_number
    expect(page.get_by_text(f"Permit {permit.permit_number}")).to_be_visible()

    # when: the applicant books the first inspection from the times on offer
    book_the_first_time(page, axe)

    # and the inspector fails it with a deficiency, on a phone
    page.context.clear_cookies()
    log_in_browser(page, user=building_inspector, base_url=live_server.url)
    first = record_result(
        page,
        axe,
        monkeypatch,
        base_url=live_server.url,
        result="Failed",
        deficiencies="Footing rebar not tied at the north corner.",
    )

    # then: the applicant is blocked until the re-inspection fee is paid
    first.refresh_from_db()
    assert first.result == InspectionResult.FAILED
    page.context.clear_cookies()
    log_in_browser(page, user=applicant, base_url=live_server.url)
    page.goto(url)
    expect(page.get_by_text("You cannot book an inspection now")).to_be_visible()
    expect(page.get_by_text("Footing rebar not tied at the north corner.")).to_be_visible()
    assert_accessible(axe, page)
    assert page.locator("input[name=slot]").count() == 0

    # when: the fee is paid, the applicant books again and the inspector passes it
    pay_from_the_inspections_page(page, axe)
    book_the_first_time(page, axe)
    page.context.clear_cookies()
    log_in_browser(page, user=building_inspector, base_url=live_server.url)
    second = record_result(page, axe, monkeypatch, base_url=live_server.url, result="Passed")

    # and the final inspection is booked and passes
    page.context.clear_cookies()
    log_in_browser(page, user=applicant, base_url=live_server.url)
    page.goto(url)
    expect(page.get_by_text("Choose a time for the Step 2 inspection")).to_be_visible()
    book_the_first_time(page, axe)
    page.context.clear_cookies()
    log_in_browser(page, user=building_inspector, base_url=live_server.url)
    final = record_result(page, axe, monkeypatch, base_url=live_server.url, result="Passed")

    # then: the permit is finaled and the applicant downloads the certificate of occupancy
    second.refresh_from_db()
    final.refresh_from_db()
    assert (second.step.code, second.result) == ("step-0", InspectionResult.PASSED)
    assert (final.step.code, final.result) == ("step-1", InspectionResult.PASSED)
    permit.case.refresh_from_db()
    assert permit.case.status == wf.FINALED
    page.context.clear_cookies()
    log_in_browser(page, user=applicant, base_url=live_server.url)
    page.goto(url)
    expect(page.get_by_text("The final inspection passed: the permit is complete.")).to_be_visible()
    assert_accessible(axe, page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate of occupancy (PDF)").click()
    path = tmp_path / "certificate.pdf"
    download_info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert permit.permit_number in text

    # and the public page, signed out, shows it finaled
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("permits:public", args=[permit.permit_number]))
    expect(page.get_by_text("Finaled").first).to_be_visible()
    assert_accessible(axe, page)

    # and so does the open data
    response = page.request.get(
        live_server.url + reverse("permits:open_data", args=["permits", "csv"])
    )
    assert response.ok
    rows = {row["PermitNum"]: row for row in csv.DictReader(io.StringIO(response.text()))}
    assert rows[permit.permit_number]["StatusCurrentMapped"] == "Permit Finaled"


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_supervisor_opens_an_inspectors_day_from_the_workbench(
    page: Page, live_server, axe, viewport
):
    # given: an inspector of the building department and its supervisor
    page.set_viewport_size(VIEWPORTS[viewport])
    person = inspector()
    person.full_name = "Ines Ortega"
    person.save(update_fields=["full_name"])
    boss = StaffFactory(roles=[("supervisor", department(wf.DEPARTMENT_CODE))])
    TOTP.activate(boss, generate_totp_secret())
    log_in_browser(page, user=boss, base_url=live_server.url)

    # when: from the workbench's start page to the inspectors' routes
    page.goto(live_server.url + "/staff/")
    page.get_by_role("link", name="Inspectors' routes").first.click()

    # then
    expect(page.get_by_role("heading", level=1, name="Inspectors' routes")).to_be_visible()
    assert_accessible(axe, page)

    # when: the inspector's route is opened
    page.get_by_role("link", name="Open the route of Ines Ortega").click()

    # then
    page.wait_for_url(re.compile(rf".*inspector={person.pk}"))
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Route of Ines Ortega"))
    ).to_be_visible()
    assert_accessible(axe, page)
