"""A contractor applies for a permit in a real browser: finds the type, names the property
and the work, is refused for a suspended license and accepted with their own, uploads a plan
sheet, sees the fee before paying, pays with the local test gateway and gets the reference.
axe-core checks every page they see."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from licensing.models import LicenseStatus
from permits.models import ContractorTrade, FeeMethod, Permit
from portal.celery import app as celery_app
from tests.accounts.factories import UserFactory
from tests.browser.pages import axe_violations, log_in_browser
from tests.cases.factories import PDF_BYTES
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory
from tests.permits.factories import FeeTierFactory, PermitTypeFactory, review_departments

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _local_gateway_and_uploads(settings, tmp_path):
    settings.PAYMENTS_GATEWAY = "local"
    settings.MEDIA_ROOT = tmp_path / "media"
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def test_a_contractor_applies_with_plans_sees_the_fee_and_pays(
    page: Page, live_server, axe, tmp_path
):
    # given: an addition priced by valuation, reviewed by two departments
    builders = LicenseTypeFactory(name="General contractor")
    addition = PermitTypeFactory(
        code="addition",
        name="Residential addition",
        application_fee_cents=10_000,
        fee_method=FeeMethod.VALUATION,
        plan_review_percent=Decimal("65"),
        contractor_required=True,
        contractor_trade=ContractorTrade.GENERAL,
    )
    addition.contractor_license_types.add(builders)
    review_departments(addition, "BUILDING", "ZONING")
    FeeTierFactory(permit_type=addition, from_cents=0, base_cents=5_000)
    FeeTierFactory(
        permit_type=addition, from_cents=2_500_000, base_cents=40_000, per_thousand_cents=1_500
    )
    contractor = UserFactory(full_name="Dana Whitfield", email="dana@example.org")
    LicenseFactory(license_type=builders, holder=contractor, number="GC-2026-000101")
    LicenseFactory(license_type=builders, number="GC-2026-000102", status=LicenseStatus.SUSPENDED)
    log_in_browser(page, user=contractor, base_url=live_server.url)

    # the types, then the addition's page with its fee table
    page.goto(live_server.url + reverse("permits:types"))
    assert_accessible(axe, page)
    page.get_by_role("link", name="Residential addition").click()
    expect(page.locator("main")).to_contain_text("for each $1,000 or part of $1,000 above")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Start a new application").click()

    # the property: a missing address is refused with the error summary
    expect(page.get_by_role("heading", level=1)).to_have_text("Where is the work?")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".usa-alert--error")).to_contain_text(
        "Enter the address of the property, or its parcel number."
    )
    assert_accessible(axe, page)
    page.get_by_label("Property address").fill("12 Elm Street")
    page.get_by_label("Parcel number").fill("01-234-567")
    page.get_by_role("button", name="Save and continue").click()

    # the work
    expect(page.get_by_role("heading", level=1)).to_have_text("About the work")
    page.get_by_label("Description of the work").fill("Rear addition with a bedroom")
    page.get_by_label("Construction valuation").fill("45,000")
    page.get_by_label("Square footage").fill("400")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Save and continue").click()

    # the contractor: a suspended license is refused with the reason
    expect(page.get_by_role("heading", level=1)).to_have_text("Who will do the work?")
    page.get_by_label("Contractor's license number").fill("GC-2026-000102")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".usa-alert--error")).to_contain_text("is suspended")
    expect(page.get_by_label("Contractor's license number")).to_have_value("GC-2026-000102")
    assert_accessible(axe, page)
    page.get_by_label("Contractor's license number").fill("GC-2026-000101")
    page.get_by_role("button", name="Save and continue").click()

    # the plans: one sheet as a PDF
    expect(page.get_by_role("heading", level=1)).to_have_text("Your plans")
    plan = tmp_path / "site-plan.pdf"
    plan.write_bytes(PDF_BYTES)
    page.get_by_label("Sheet number").fill("A1.0")
    page.get_by_label("Sheet title").fill("Site plan")
    # (USWDS names the file input after its drop zone: found by its id)
    page.locator("#id_file").set_input_files(str(plan))
    page.get_by_role("button", name="Upload this sheet").click()
    expect(page.locator(".usa-alert--success")).to_contain_text("Sheet A1.0 uploaded.")
    expect(page.locator("table")).to_contain_text("site-plan.pdf")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Continue", exact=True).click()

    # no questions; then the fee, before paying
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your application before paying"
    )
    expect(page.locator("#fees")).to_contain_text("$455.00")
    expect(page.locator("#fees")).to_contain_text("$555.00")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("button", name="Pay $555.00").click()
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment received")

    # then: the application is sent, its plans in review, and its page gives the reference
    permit = Permit.objects.select_related("case").get()
    assert permit.case.status == "in_review"
    page.goto(live_server.url + permit.get_absolute_url())
    expect(page.locator("main")).to_contain_text("Application sent")
    expect(page.locator("main")).to_contain_text(permit.case.reference)
    assert_accessible(axe, page)
