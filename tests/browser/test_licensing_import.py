"""The legacy import in a real browser: a clerk opens the license register, uploads a CSV,
reads the preview (with a refused row), imports, and finds the licenses; then a clerk opens an
application's page in the queue and views its PDF in a new tab. axe-core checks each page."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Page, expect

from licensing import services
from licensing.models import License
from payments.services import payment_record_counter
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.cases.factories import PDF_BYTES
from tests.licensing.factories import (
    ApplicationFactory,
    LicenseTypeFactory,
    RequiredDocumentFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "legacy_number,type_code,holder_name,holder_email,issued_on,expires_on,status\n"
    "B-1,barber,Ada Lovelace,ada@example.org,2025-03-01,2027-03-01,active\n"
    "B-2,barber,Grace Hopper,grace@example,2025-03-01,2027-03-01,active\n"
)


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def test_a_clerk_previews_and_imports_a_legacy_file(page: Page, live_server, axe, tmp_path):
    # given
    LicenseTypeFactory(code="barber", number_prefix="BRB", name="Barber license")
    clerk = StaffFactory(full_name="Casey Clerk")
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="licensing", codename__in=["view_license", "add_license"]
        )
    )
    TOTP.activate(clerk, generate_totp_secret())
    page.set_viewport_size(VIEWPORTS["desktop"])
    log_in_browser(page, user=clerk, base_url=live_server.url)
    legacy = tmp_path / "legacy.csv"
    legacy.write_text(CSV, encoding="utf-8-sig")

    # when: from the register to the import page
    page.goto(live_server.url + reverse("admin:licensing_license_changelist"))
    page.get_by_role("link", name="Import licenses from CSV").click()
    expect(page.locator("#import-columns")).to_contain_text("legacy_number")
    assert_accessible(axe, page)

    # the preview: one row to create, one refused, nothing saved yet
    page.get_by_label("CSV file of licenses").set_input_files(str(legacy))
    page.get_by_role("button", name="Check the file (nothing is saved)").click()
    expect(page.locator("#import-errors")).to_contain_text("“grace@example” is not a valid")
    assert License.objects.count() == 0
    assert_accessible(axe, page)

    # import
    page.get_by_role("button", name="Import 1 license").click()

    # then
    expect(page.locator(".messagelist")).to_contain_text("1 licenses created")
    expect(page.locator("#result_list")).to_contain_text("Ada Lovelace")
    license = License.objects.get()
    assert (license.legacy_reference, license.holder) == ("B-1", None)


def test_a_clerk_reads_an_application_and_opens_its_pdf_in_a_new_tab(page: Page, live_server, axe):
    # given: an application sent to the clerks with its document
    license_type = LicenseTypeFactory(name="Barber license")
    RequiredDocumentFactory(license_type=license_type, name="Photo ID")
    resident = UserFactory(full_name="Robin Reyes")
    application = ApplicationFactory(license_type=license_type, applicant=resident)
    services.application_save_about(
        application=application, actor=resident, holder_name="Robin Reyes", email="r@example.org"
    )
    services.application_add_document(
        application=application,
        actor=resident,
        requirement=license_type.documents.get(),
        upload=SimpleUploadedFile("id.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    invoice = services.application_request_payment(application=application, actor=resident)
    payment_record_counter(
        invoice=invoice, method="cash", amount_cents=invoice.total_cents, actor=StaffFactory()
    )
    clerk = StaffFactory(full_name="Casey Clerk")
    clerk.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_application", "change_application", "view_casedocument"]
        )
    )
    TOTP.activate(clerk, generate_totp_secret())
    page.set_viewport_size(VIEWPORTS["desktop"])
    log_in_browser(page, user=clerk, base_url=live_server.url)

    # when: from the queue to the application, assigned to the clerk
    page.goto(live_server.url + reverse("admin:licensing_application_changelist"))
    page.get_by_role("link", name=application.case.reference).click()
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator(".messagelist")).to_contain_text("Assignment saved.")
    assert_accessible(axe, page)
    with page.expect_popup() as opened:
        page.get_by_role("link", name="id.pdf").click()
    pdf_tab = opened.value

    # then
    assert "/documents/" in pdf_tab.url
    response = page.request.get(pdf_tab.url)
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="id.pdf"'
