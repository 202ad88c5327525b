"""A clerk of the tax collector's office, on a laptop and on a phone, finds a parcel in the
staff workbench by the owner's name, records an abatement with its reason (and is told
first, with everything typed kept, when it is more than is unpaid), and opens the list of
bills past due. axe-core checks every page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from taxes.models import BillAdjustment
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory
from tests.taxes.staff_support import tax_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_clerk_finds_a_parcel_abates_a_bill_and_reads_the_bills_past_due(
    page: Page, live_server, axe, viewport
):
    # given: a bill whose first instalment fell due 40 days ago, unpaid
    page.set_viewport_size(VIEWPORTS[viewport])
    parcel = ParcelFactory(situs_address="48 MAPLE AVENUE")
    OwnerFactory(parcel=parcel, name="Jordan Okafor", last_name="Okafor")
    due = timezone.localdate() - datetime.timedelta(days=40)
    bill = TaxBillFactory(
        parcel=parcel, schedule=[(due, 60000), (due + datetime.timedelta(days=180), 60000)]
    )
    clerk = tax_staff()
    log_in_browser(page, user=clerk, base_url=live_server.url)

    # the clerk searches by the owner's name from the workbench
    page.goto(live_server.url + reverse("workbench:home"))
    assert_accessible(axe, page)
    page.get_by_role("link", name="Property taxes: parcels and bills").first.click()
    page.get_by_label("Parcel number, bill number, owner's name or property address").fill("okafor")
    page.get_by_role("button", name="Search").click()
    assert_accessible(axe, page)
    page.get_by_role("link", name=parcel.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Parcel {parcel.number}")
    assert_accessible(axe, page)

    # too large an abatement is refused, with what was typed kept
    page.get_by_text(f"Adjust or abate bill {bill.number}").click()
    page.locator("label", has_text="Abatement").first.click()
    expect(page.get_by_label("Abatement")).to_be_checked()
    page.get_by_label("Amount").fill("700")
    page.get_by_label("Reason").fill("Fire damage relief")
    page.get_by_role("button", name="Record the adjustment").click()
    expect(page.get_by_text("more than the principal still unpaid")).to_be_visible()
    expect(page.get_by_label("Reason")).to_have_value("Fire damage relief")
    assert_accessible(axe, page)

    # the right amount is recorded and listed with its reason
    page.get_by_label("Amount").fill("250")
    page.get_by_role("button", name="Record the adjustment").click()
    expect(page.get_by_text(f"Bill {bill.number} adjusted.")).to_be_visible()
    expect(page.get_by_role("cell", name="Fire damage relief").first).to_be_visible()
    assert BillAdjustment.objects.get().amount_cents == -25000
    assert_accessible(axe, page)

    # the bills past due list it with $350.00 of principal past due
    page.goto(live_server.url + reverse("taxes_staff:delinquent"))
    row = page.get_by_role("row").filter(has_text=parcel.number)
    expect(row).to_contain_text("$350.00")
    assert_accessible(axe, page)


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_clerk_settles_a_lender_conflict_on_the_parcel_page(
    page: Page, live_server, axe, viewport
):
    from taxes.models import TaxBill
    from tests.taxes.lender_support import conflicting_bill

    # given: the roll names Second Savings; First Mortgage Bank's escrow file declared the bill
    page.set_viewport_size(VIEWPORTS[viewport])
    bill, _conflict = conflicting_bill()
    log_in_browser(page, user=tax_staff(), base_url=live_server.url)
    page.goto(live_server.url + reverse("taxes_staff:parcel", args=[bill.parcel.number]))
    warning = page.locator(f"#lender-conflict-{bill.pk}")
    expect(warning).to_contain_text("The roll names Second Savings as the escrow lender")
    assert_accessible(axe, page)

    # not confirmed: told so, with the choice and the reason kept
    page.get_by_text(f"Settle the lender conflict on bill {bill.number}").click()
    form = page.locator(f"#settle-lender-{bill.pk}")
    form.locator("label", has_text="Take Second Savings, the lender the roll names").click()
    form.get_by_label("Reason").fill("The loan moved to Second Savings")
    form.get_by_role("button", name="Settle the conflict").click()
    form = page.locator(f"#settle-lender-{bill.pk}")
    expect(page.get_by_text("Confirm that you settled it with both lenders.").first).to_be_visible()
    expect(form.get_by_label("Reason")).to_have_value("The loan moved to Second Savings")
    expect(form.get_by_label("Take Second Savings, the lender the roll names")).to_be_checked()
    assert_accessible(axe, page)

    # confirmed: settled, the warning gone, the timeline says who and why
    form.locator("label", has_text="I have settled this with both lenders.").click()
    form.get_by_role("button", name="Settle the conflict").click()
    expect(page.get_by_text(f"Lender conflict on bill {bill.number} settled.")).to_be_visible()
    expect(page.locator(f"#lender-conflict-{bill.pk}")).to_have_count(0)
    expect(page.locator(f"#bill-timeline-{bill.pk}")).to_contain_text(
        "Reason: The loan moved to Second Savings"
    )
    assert TaxBill.objects.get(pk=bill.pk).escrow_lender == "Second Savings"
    assert_accessible(axe, page)
