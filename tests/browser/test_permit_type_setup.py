"""An administrator who has never seen the admin sets up a new permit type in one pass and
publishes it; a resident finds it at once through the site's service search.

The administrator signs in with two-factor authentication, creates "Solar panels" from an
empty form (fees typed in dollars in three ways, a reviewing department, the inspections in
order, a re-inspection fee), previews it in Spanish and publishes it. The test counts the
administrator's form submissions (at most 4) and checks that no amount was stored off by a
factor of 100. axe-core checks each page."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from playwright.sync_api import Page, expect

from permits.models import PermitType
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.pages import VIEWPORTS, choose_language, log_in_browser
from tests.browser.test_admin_service_setup import _row, assert_accessible
from tests.permits.factories import department

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _add_row(page: Page, prefix: str, index: int, name: str) -> None:
    """The inline has no blank row: add one with its "Add another" link."""
    if not _row(page, prefix, index, name).count():
        page.locator(f"#{prefix}-group .add-row a").click()


def test_an_administrator_sets_up_a_permit_type_in_one_pass_and_a_resident_finds_it(
    page: Page, live_server, axe, browser
):
    # given: an administrator with two-factor authentication
    administrator = StaffFactory(is_superuser=True, full_name="Ada Admin")
    TOTP.activate(administrator, generate_totp_secret())
    # (Made if missing: a browser test before this one may have emptied the tables.)
    building = department("BUILDING", "Building Safety")
    page.set_viewport_size(VIEWPORTS["desktop"])
    log_in_browser(page, user=administrator, base_url=live_server.url)
    submissions = []
    page.on(
        "request",
        lambda request: (
            submissions.append(request.url)
            if request.method == "POST" and request.resource_type == "document"
            else None
        ),
    )

    # when: the type from an empty form, in one pass, every amount typed in dollars
    page.goto(live_server.url + reverse("admin:permits_permittype_add"))
    assert_accessible(axe, page)
    page.locator("#id_name").fill("Solar panels")
    page.locator("#id_name_es").fill("Paneles solares")
    page.locator("#id_code").fill("")  # made from the name
    page.locator("#id_category").select_option("electrical")
    page.locator("#id_description").fill("Put solar panels on your roof or in your yard.")
    page.locator("#id_description_es").fill("Instalar paneles solares en su techo o su patio.")
    page.locator("#id_keywords").fill("photovoltaic, solar energy")
    page.locator("#id_keywords_es").fill("fotovoltaico, energía solar")
    page.locator("#id_application_fee_cents").fill("75.00")
    page.locator("#id_fee_method").select_option("flat")
    page.locator("#id_flat_fee_cents").fill("1,250.50")
    page.locator("#id_minimum_fee_cents").fill("$100")
    page.locator("#id_plans_required").uncheck()

    _add_row(page, "review_departments", 0, "department")
    _row(page, "review_departments", 0, "department").select_option(str(building.pk))
    _row(page, "review_departments", 0, "order").fill("10")
    for index, (code, name, name_es, kind) in enumerate(
        [
            ("rough", "Rough electrical", "Instalación eléctrica en bruto", "rough"),
            ("final", "Solar final", "Inspección final solar", "electrical_final"),
        ]
    ):
        _add_row(page, "inspection_steps", index, "code")
        _row(page, "inspection_steps", index, "order").fill(str((index + 1) * 10))
        _row(page, "inspection_steps", index, "code").fill(code)
        _row(page, "inspection_steps", index, "name").fill(name)
        _row(page, "inspection_steps", index, "name_es").fill(name_es)
        _row(page, "inspection_steps", index, "category").select_option(kind)
    _row(page, "inspection_steps", 1, "final").check()
    _add_row(page, "reinspection_fee", 0, "fee_cents")
    _row(page, "reinspection_fee", 0, "fee_cents").fill("75")
    _row(page, "reinspection_fee", 0, "free_failures").fill("1")
    page.get_by_role("button", name="Save", exact=True).click()

    # then: a draft, saved in one pass, every amount as typed
    expect(page.locator(".messagelist")).to_contain_text("is saved as a draft")
    assert_accessible(axe, page)
    permit_type = PermitType.objects.get()
    assert not permit_type.published
    assert (permit_type.code, permit_type.number_prefix) == ("solar-panels", "SP")
    assert [row.department for row in permit_type.review_departments.all()] == [building]
    assert [step.code for step in permit_type.inspection_steps.all()] == ["rough", "final"]

    # when: the preview in Spanish
    page.get_by_role("link", name="in Spanish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paneles solares")
    # Spanish writes amounts with a decimal comma.
    expect(page.locator("#preview-fees")).to_contain_text("$75,00")
    expect(page.locator("#reinspection-fee")).to_contain_text("$75,00")
    assert_accessible(axe, page)
    page.go_back()

    # and it is published
    page.get_by_role("button", name="Save and publish").click()
    expect(page.locator(".messagelist")).to_contain_text("is published")
    permit_type.refresh_from_db()
    assert permit_type.published
    admin_submissions = list(submissions)
    assert len(admin_submissions) <= 4, admin_submissions
    # No amount stored off by a factor of 100.
    assert (
        permit_type.application_fee_cents,
        permit_type.flat_fee_cents,
        permit_type.minimum_fee_cents,
        permit_type.reinspection_fee.fee_cents,
        permit_type.reinspection_fee.free_failures,
    ) == (7_500, 125_050, 10_000, 7_500, 1)

    # when: a resident looks for it by the service search, in English then in Spanish
    context = browser.new_context(viewport=VIEWPORTS["mobile"])
    resident_page = context.new_page()
    log_in_browser(resident_page, user=UserFactory(), base_url=live_server.url)
    resident_page.goto(live_server.url + reverse("portal:service_search") + "?q=photovoltaic")
    expect(resident_page.locator("main")).to_contain_text("Solar panels")
    assert_accessible(axe, resident_page)
    choose_language(resident_page, language="es", base_url=live_server.url)
    resident_page.goto(live_server.url + reverse("portal:service_search") + "?q=paneles solares")
    resident_page.get_by_role("link", name="Paneles solares").click()
    assert_accessible(axe, resident_page)
    choose_language(resident_page, language="en", base_url=live_server.url)
    resident_page.reload()

    # then: its page shows the fees the administrator typed, in dollars
    expect(resident_page.get_by_role("heading", level=1)).to_have_text("Solar panels")
    expect(resident_page.locator("main")).to_contain_text("Application fee: $75.00")
    expect(resident_page.locator("main")).to_contain_text("Permit fee: $1,250.50")
    expect(resident_page.locator("#reinspection-fee")).to_contain_text("$75.00")
    assert_accessible(axe, resident_page)
    context.close()
