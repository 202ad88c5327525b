"""Renewing a license without an account, in a real browser: the daily job e-mails the
reminder, the holder opens its signed link, confirms their details (a refused page first),
answers the renewal attestation, pays with the local test gateway and sees the new expiry,
with the offer of an account. axe-core checks every page on the way."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import Page, expect

from licensing.models import Application
from notifications.services import reminders_run
from portal.celery import app as celery_app
from tests.browser.pages import axe_violations
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory, QuestionFactory
from tests.notifications.factories import reminder_rules

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _local_gateway_and_links(settings, live_server):
    settings.PAYMENTS_GATEWAY = "local"
    # The reminder's link points at this test server.
    settings.SITE_URL = live_server.url
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def test_a_holder_without_an_account_renews_from_the_reminder_link(page: Page, live_server, axe):
    # given: an imported license (no account) whose 30-day reminder is due today
    license_type = LicenseTypeFactory(
        name="Barber license",
        renewal_fee_cents=5000,
        late_fee_cents=2500,
        term_months=24,
        auto_approve_renewals=True,
    )
    QuestionFactory(
        license_type=license_type,
        code="changed",
        label="Has anything about your business changed since your last application?",
        kind="yes_no",
        for_renewal=True,
        review_answer="yes",
    )
    old_expiry = timezone.localdate() + datetime.timedelta(days=28)
    license = LicenseFactory(
        license_type=license_type,
        holder=None,
        holder_name="Pat Holder",
        holder_email="pat@example.net",
        business_name="Pat's Cuts",
        expires_on=old_expiry,
    )
    reminder_rules(30)
    reminders_run()  # the dispatcher runs after commit (eager here)
    [message] = mail.outbox
    assert message.to == ["pat@example.net"]
    link = re.search(r"http://\S+/licenses/renew/link/\S+/", message.body).group(0)

    # when: the holder opens the link from the e-mail
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Renew your Barber license")
    expect(page.locator("main")).to_contain_text("$50.00")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Start your renewal").click()

    # confirm the details: a cleared address is refused and the rest is kept
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your details")
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Pat Holder")
    assert_accessible(axe, page)
    page.get_by_label("Address", exact=True).fill("")
    # (USWDS draws its own radio button over the input, so the label takes the click)
    page.locator("label[for=id_changed_1]").click()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".usa-error-summary, [role=alert]").first).to_be_visible()
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Pat Holder")
    expect(page.get_by_label("No")).to_be_checked()
    assert_accessible(axe, page)
    page.get_by_label("Address", exact=True).fill("2 Elm St, Springfield")
    page.get_by_role("button", name="Save and continue").click()

    # check, then pay on the test gateway
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your renewal before paying")
    expect(page.locator("main")).to_contain_text("2 Elm St, Springfield")
    assert_accessible(axe, page)
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test payment page: no money moves")
    assert_accessible(axe, page)
    page.get_by_label("Approve the payment").check()
    page.get_by_role("button", name="Continue").click()

    # then: renewed on payment, from the old expiry, and an account is offered
    new_expiry = old_expiry.replace(year=old_expiry.year + 2)
    expect(page.get_by_role("heading", level=1)).to_have_text("License renewed")
    expect(page.locator("main")).to_contain_text(date_format(new_expiry, "DATE_FORMAT"))
    expect(page.locator("main").get_by_role("link", name="Create an account")).to_be_visible()
    assert_accessible(axe, page)
    license.refresh_from_db()
    assert (license.status, license.expires_on) == ("active", new_expiry)
    renewal = Application.objects.select_related("case").get(renews=license)
    assert renewal.case.status == "approved"

    # and the old link now says plainly that it no longer works
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")
    assert_accessible(axe, page)
