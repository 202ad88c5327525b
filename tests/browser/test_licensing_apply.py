"""A license from application to verification in a real browser: a resident applies (with a
conditional question and a document), pays with the local test gateway, a clerk asks for more
information, the resident answers, the clerk approves, the resident downloads the certificate,
its QR code opens the verification page, and the lookup finds the license. axe-core checks
every page the resident sees."""

import subprocess
from pathlib import Path

import pytest
import zxingcpp
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, expect

from licensing.models import Application, License
from portal.celery import app as celery_app
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.cases.factories import PDF_BYTES
from tests.licensing.factories import LicenseTypeFactory, QuestionFactory, RequiredDocumentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _local_gateway_uploads_and_links(settings, live_server, tmp_path):
    settings.PAYMENTS_GATEWAY = "local"
    settings.MEDIA_ROOT = tmp_path / "media"
    # The certificate's QR code points at this test server.
    settings.SITE_URL = live_server.url
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def barber_license_type():
    license_type = LicenseTypeFactory(
        code="barber", name="Barber license", category="Personal care", application_fee_cents=5000
    )
    elsewhere = QuestionFactory(
        license_type=license_type,
        code="elsewhere",
        label="Are you licensed as a barber in another state?",
        kind="yes_no",
        order=1,
    )
    QuestionFactory(
        license_type=license_type,
        code="state",
        label="Which state?",
        condition_question=elsewhere,
        condition_value="yes",
        order=2,
    )
    RequiredDocumentFactory(license_type=license_type, name="Proof of barber training")
    return license_type


def clerk_with_two_factor():
    clerk = StaffFactory(full_name="Casey Clerk")
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="licensing",
            codename__in=["view_application", "change_application", "view_license"],
        )
    )
    TOTP.activate(clerk, generate_totp_secret())
    return clerk


def decide(browser, live_server, clerk, application, *, decision: str, message: str) -> str:
    """The clerk records a decision on the back office's decision page; returns its message."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    staff = context.new_page()
    log_in_browser(staff, user=clerk, base_url=live_server.url)
    staff.goto(
        live_server.url + reverse("admin:licensing_application_decide", args=[application.pk])
    )
    staff.get_by_label(decision).check()
    staff.get_by_label("Message or reason for the applicant").fill(message)
    staff.get_by_role("button", name="Record the decision").click()
    text = staff.locator(".messagelist").inner_text()
    context.close()
    return text


def read_certificate(path: Path) -> tuple[str, list[str]]:
    """The certificate's text and the QR codes on its page, as a phone's camera reads them."""
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(path.with_suffix(""))],
        check=True,
    )
    with Image.open(path.with_suffix(".png")) as image:
        codes = [code.text for code in zxingcpp.read_barcodes(image)]
    return text, codes


def test_a_resident_applies_is_asked_for_more_is_licensed_and_the_certificate_verifies(
    page: Page, live_server, axe, browser, tmp_path
):
    # given: a license type with a conditional question and a required document
    barber_license_type()
    resident = UserFactory(full_name="Robin Barber", email="robin@example.org")
    clerk = clerk_with_two_factor()
    log_in_browser(page, user=resident, base_url=live_server.url)

    # when: the resident finds the type and starts
    page.goto(live_server.url + reverse("licensing:types"))
    assert_accessible(axe, page)
    page.get_by_role("link", name="Barber license").click()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Start your application").click()

    # about you (name and e-mail prefilled from the account)
    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Robin Barber")
    page.get_by_label("Address", exact=True).fill("12 Elm Street, Springfield")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Save and continue").click()

    # the questions: "Which state?" becomes required once the answer is yes
    # (USWDS draws its own radio button over the input, so the label is what takes the click)
    expect(page.locator("label[for=id_state]")).to_have_text("Which state?")
    page.locator("label[for=id_elsewhere_0]").click()

    # the resident stops here: what was typed is saved, unfinished as it is
    page.get_by_role("button", name="Save and come back later").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your applications and licenses")
    expect(page.locator(".usa-alert--success")).to_contain_text("is saved")
    assert_accessible(axe, page)

    # and starting again from the type page offers the same draft
    page.goto(live_server.url + reverse("licensing:type", args=["barber"]))
    expect(page.get_by_role("button", name="Start your application")).to_have_count(0)
    page.get_by_role("link", name="Continue your application").click()
    expect(page.locator(".usa-alert--error")).to_contain_text("Which state? Answer this question.")
    expect(page.get_by_label("Yes")).to_be_checked()
    assert_accessible(axe, page)
    page.get_by_label("Which state?").fill("Vermont")
    page.get_by_role("button", name="Save and continue").click()

    # the documents
    proof = tmp_path / "training-certificate.pdf"
    proof.write_bytes(PDF_BYTES)
    page.get_by_label("File").set_input_files(str(proof))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".usa-alert--success")).to_contain_text("Proof of barber training")
    assert_accessible(axe, page)
    page.get_by_role("link", name="Continue to check your answers").click()

    # discarding asks first; going back keeps the application
    page.get_by_role("link", name="Discard this application").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Are you sure you want to discard this application?"
    )
    assert_accessible(axe, page)
    page.get_by_role("link", name="No, go back to my application").click()

    # check your answers, then pay on the test gateway
    expect(page.locator("main")).to_contain_text("Vermont")
    expect(page.locator("main")).to_contain_text("training-certificate.pdf")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Continue to payment").click()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Pay $50.00").click()
    assert_accessible(axe, page)
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payment received")
    assert_accessible(axe, page)

    # then: the application is with the clerks
    application = Application.objects.select_related("case").get()
    assert application.case.status == "submitted"
    assert application.answers == {"elsewhere": "yes", "state": "Vermont"}
    page.goto(live_server.url + application.get_absolute_url())
    expect(page.locator("main")).to_contain_text(application.case.reference)
    assert_accessible(axe, page)

    # when: the clerk asks for more, and the resident answers on the case page
    asked = decide(
        browser,
        live_server,
        clerk,
        application,
        decision="Ask the applicant for more information",
        message="Which school did you train at?",
    )
    assert "asked for more information" in asked
    page.goto(live_server.url + application.case.get_absolute_url())
    expect(page.locator("#messages")).to_contain_text("Which school did you train at?")
    assert_accessible(axe, page)
    page.get_by_label("Your message").fill("The Springfield Barber Academy, 2019.")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator("#messages")).to_contain_text("The Springfield Barber Academy, 2019.")
    page.get_by_role("button", name="Send back to the clerk").click()
    application.case.refresh_from_db()
    assert application.case.status == "in_review"
    assert_accessible(axe, page)

    # and the clerk approves
    approved = decide(
        browser,
        live_server,
        clerk,
        application,
        decision="Approve and issue the license",
        message="Welcome to the register.",
    )
    license = License.objects.get()
    assert f"License {license.number} issued." in approved

    # then: the resident downloads the certificate from their license page
    page.goto(live_server.url + reverse("licensing:mine"))
    assert_accessible(axe, page)
    page.get_by_role("link", name=f"Barber license {license.number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Barber license")
    assert_accessible(axe, page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the certificate (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"license-{license.number}.pdf"
    certificate = tmp_path / download.suggested_filename
    download.save_as(certificate)
    text, codes = read_certificate(certificate)
    for expected in ("Robin Barber", "Barber license", license.number, "Active"):
        assert expected in text, expected

    # and its QR code opens the verification page, which says the license is valid
    [verify_url] = codes
    assert verify_url.startswith(live_server.url + "/licenses/verify/")
    page.goto(verify_url)
    expect(page.locator(".usa-alert--success")).to_contain_text("This license is valid")
    expect(page.locator("main")).to_contain_text(license.number)
    assert_accessible(axe, page)

    # and the public lookup finds it
    page.goto(live_server.url + reverse("licensing:lookup"))
    page.get_by_label("Holder's name, business, license number or type").fill(license.number)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("table")).to_contain_text("Robin Barber")
    expect(page.locator("table")).to_contain_text(license.number)
    assert_accessible(axe, page)


def test_a_guest_complains_from_the_verification_page(page: Page, live_server, axe):
    # given: a license, reached by its certificate's link
    from cases.models import Department
    from licensing.models import Complaint
    from licensing.verification import verify_url
    from tests.licensing.license_factory import LicenseFactory

    Department.objects.get_or_create(code="LICENSING", defaults={"name": "Licensing"})
    license = LicenseFactory(license_type__name="Plumber license", holder__full_name="Sam Pipes")
    page.set_viewport_size(VIEWPORTS["mobile"])
    page.goto(verify_url(license=license))
    page.get_by_role("link", name="Make a complaint").click()
    assert_accessible(axe, page)

    # when: a first try without an e-mail address
    page.get_by_label("Your name").fill("Ann Lee")
    page.get_by_label("What happened?").fill("Left the water running all weekend.")
    page.get_by_role("button", name="Send the complaint").click()

    # then: the error is summarised at the top and what was typed is kept
    expect(page.locator(".usa-alert--error")).to_contain_text("Enter your e-mail address.")
    expect(page.get_by_label("Your name")).to_have_value("Ann Lee")
    expect(page.get_by_label("What happened?")).to_have_value("Left the water running all weekend.")
    assert_accessible(axe, page)

    # when: corrected
    page.get_by_label("Your e-mail address").fill("ann@example.org")
    page.get_by_role("button", name="Send the complaint").click()

    # then: the guest follows the complaint by its link
    complaint = Complaint.objects.select_related("case").get()
    expect(page.locator("main")).to_contain_text(complaint.case.reference)
    assert_accessible(axe, page)

    # and an altered verification link says it is not valid
    page.goto(verify_url(license=license)[:-2] + "x/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not valid")
    assert_accessible(axe, page)
