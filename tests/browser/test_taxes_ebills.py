"""A resident links two parcels, enrols them in paperless bills, names an accountant, and
finds the tax-due reminder in the inbox and on the bill's timeline: on a phone (375 px) and
on a desktop, with axe-core on every page."""

import datetime
import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from notifications.models import ReminderRule
from notifications.services import notifications_dispatch, reminders_run
from taxes.models import BillRecipient, ParcelLink
from taxes.reminders import SOURCE_KEY
from tests.accounts.factories import UserFactory
from tests.browser.pages import axe_violations, log_in_browser
from tests.taxes.factories import OwnerFactory, TaxBillFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 900}}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_link_two_parcels_go_paperless_and_see_a_reminder(page: Page, live_server, axe, viewport):
    # given: two bills of the resident's parcels, due March 31 and September 30
    page.set_viewport_size(VIEWPORTS[viewport])
    resident = UserFactory(full_name="Pat Rivera")
    bills = [TaxBillFactory(), TaxBillFactory()]
    for bill in bills:
        OwnerFactory(parcel=bill.parcel)
    log_in_browser(page, user=resident, base_url=live_server.url)
    problems = {}

    def check(name: str) -> None:
        found = axe_violations(axe, page)
        if found:
            problems[name] = found

    # when: both parcels are linked with their bills' access codes (one typed wrong first)
    page.goto(live_server.url + reverse("taxes:my_parcels"))
    check("my parcels, none yet")
    for index, bill in enumerate(bills):
        page.get_by_role("link", name="Link a parcel").click()
        page.get_by_label("Parcel number").fill(bill.parcel.number)
        if index == 0:
            page.get_by_label("Access code").fill("0000-0000-0000")
            page.get_by_role("button", name="Link the parcel").click()
            expect(page.locator("#id_access_code_error")).to_contain_text(
                "That access code is not on any bill"
            )
            check("link, wrong code")
        page.get_by_label("Access code").fill(bill.access_code_printed)
        page.get_by_role("button", name="Link the parcel").click()
        expect(page.get_by_text(f"Parcel {bill.parcel.number} is linked.")).to_be_visible()
    check("my parcels, two linked")

    # ...both are enrolled in paperless bills...
    for bill in bills:
        # USWDS draws the box on the label; the input itself is visually hidden.
        page.locator("label", has_text=f"Parcel {bill.parcel.number},").click()
    page.get_by_role("button", name="Save paperless choices").click()
    expect(page.get_by_text("Parcels with paperless bills: 2.")).to_be_visible()

    # ...and an accountant gets the first one's bills too
    page.get_by_role("link", name=f"Parcel {bills[0].parcel.number}").click()
    check("parcel")
    page.get_by_label("E-mail address").fill("books@example.net")
    page.locator("label", has_text="An accountant or tax preparer").click()
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_text("We sent books@example.net a message to confirm")).to_be_visible()
    expect(page.get_by_text("Waiting for confirmation")).to_be_visible()

    # ...then the reminder job runs 14 days before the first instalment (the rule the
    # migration makes, again: a transactional test's flush removed it)
    ReminderRule.objects.get_or_create(
        source=SOURCE_KEY,
        days=14,
        defaults={
            "name": "Property tax: instalment due in 14 days",
            "template_key": "taxes/instalment_reminder",
            "channels": ["email", "sms", "in_app"],
        },
    )
    reminders_run(today=datetime.date(2026, 3, 17), source=SOURCE_KEY)
    notifications_dispatch()

    # then: the reminder is in the inbox, on the dashboard and on the bill's timeline
    page.goto(live_server.url + reverse("notifications:inbox"))
    reminder = f"Property tax instalment 1 for parcel {bills[0].parcel.number} is due on"
    expect(page.get_by_role("link", name=re.compile(re.escape(reminder)))).to_be_visible()
    check("inbox")
    page.goto(live_server.url + reverse("portal:dashboard"))
    section = page.get_by_role("region", name="My property taxes")
    expect(section.get_by_text("Paperless", exact=True)).to_have_count(2)
    check("dashboard")
    section.get_by_role("link", name=f"Bill {bills[0].number}").click()
    expect(page.locator("#bill-timeline")).to_contain_text("Reminder sent")
    expect(page.locator("#bill-timeline")).to_contain_text("reminder 14 days before")
    check("bill timeline")

    assert ParcelLink.objects.filter(user=resident, paperless_since__isnull=False).count() == 2
    assert BillRecipient.objects.get().email == "books@example.net"
    assert problems == {}
