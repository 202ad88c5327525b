"""A cashier refunds part of a booking from the workbench's case page, on a laptop and on a
phone: a first try without a reason is refused with the amount kept, the corrected one
is checked on its confirmation page, then made. axe-core checks the case page with its
panels, the refused page, the confirmation page and the case page after the refund."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from playwright.sync_api import Page, expect

from payments.models import Refund
from tests.accounts.factories import StaffFactory
from tests.bookings.checkout_support import confirmed, pavilion
from tests.bookings.staff_support import parks
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_cashier_refunds_a_booking_from_the_case_page(page: Page, live_server, axe, viewport):
    # given: a paid booking, and parks staff who work cases and take money
    cashier = StaffFactory(roles=[("clerk", parks()), ("cashier", parks())])
    TOTP.activate(cashier, generate_totp_secret())
    booking, invoice = confirmed(pavilion())
    payment = invoice.payments.get()
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in_browser(page, user=cashier, base_url=live_server.url)

    # when: the cashier opens the case page, with the booking's invoice and payment
    page.goto(
        live_server.url + reverse("workbench:case", kwargs={"reference": booking.case.reference})
    )
    expect(page.get_by_role("heading", name="Invoices and payments")).to_be_visible()
    expect(page.get_by_text(invoice.reference).first).to_be_visible()
    assert_accessible(axe, page)

    # and forgets the reason
    page.get_by_label("Amount to refund").fill("10.00")
    page.get_by_role("button", name="Check the refund").click()

    # then: refused, with the amount typed still there and the reason marked
    expect(page.get_by_text("Reason: This field is required.")).to_be_visible()
    expect(page.get_by_label("Amount to refund")).to_have_value("10.00")
    expect(page.get_by_label("Reason")).to_have_attribute("aria-invalid", "true")
    assert_accessible(axe, page)

    # when: corrected, checked on its confirmation page, then confirmed
    page.get_by_label("Reason").fill("Rained out")
    page.get_by_role("button", name="Check the refund").click()
    expect(page.get_by_role("heading", name="Check before you confirm")).to_be_visible()
    expect(page.get_by_text("Reason: Rained out")).to_be_visible()
    assert not Refund.objects.exists()
    assert_accessible(axe, page)
    page.get_by_role("button", name="Confirm the refund").click()

    # then: back on the case page, the refund shown
    expect(page.get_by_text("Refund issued; the payer is being told.")).to_be_visible()
    expect(page.get_by_text("Partially refunded").first).to_be_visible()
    assert_accessible(axe, page)
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount_cents) == (payment.pk, 1000)
