"""A clerk works the morning's queue in the staff workbench, on a laptop and on a phone:
opens "My work" from the workbench's start page, assigns two unassigned cases to themselves
in one go, sends both residents a templated message (each in their language), downloads
the queue as CSV, and approves one application from its case page. axe-core checks every
page the clerk sees."""

import csv
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.models import Case, CaseMessage
from cases.workbench.models import MessageTemplate, MessageTemplateText
from tests.accounts.factories import StaffFactory, UserFactory
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.cases.factories import CaseFactory, DepartmentFactory
from tests.cases.workflows import TEST_PERMIT, register_test_workflows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _workflows():
    register_test_workflows()


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_a_clerk_bulk_assigns_sends_a_template_and_exports_the_queue(
    page: Page, live_server, axe, viewport
):
    # given: two unassigned permit applications, one from a Spanish-speaking resident, and a
    # message template written in English and Spanish
    permits = DepartmentFactory(code=TEST_PERMIT.department_code, name="Permits")
    clerk = StaffFactory(roles=[("clerk", permits)], full_name="Casey Clerk")
    TOTP.activate(clerk, generate_totp_secret())
    english = CaseFactory(applicant=UserFactory(preferred_language="en"))
    spanish = CaseFactory(applicant=UserFactory(preferred_language="es"))
    template = MessageTemplate.objects.create(name="Documents received")
    MessageTemplateText.objects.create(
        template=template, language="en", body="We received your documents."
    )
    MessageTemplateText.objects.create(
        template=template, language="es", body="Recibimos sus documentos."
    )
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in_browser(page, user=clerk, base_url=live_server.url)

    # when: the clerk opens the workbench and its queue of unassigned cases
    page.goto(live_server.url + reverse("workbench:home"))
    expect(page.locator("#queue-counts")).to_contain_text("2 Unassigned")
    assert_accessible(axe, page)
    page.get_by_role("link", name="My work").first.click()
    page.locator("#queue-views").get_by_role("link", name="Unassigned (2)").click()
    expect(page.locator("#queue-table")).to_contain_text(english.reference)
    assert_accessible(axe, page)

    # and assigns both to themselves
    for case in (english, spanish):
        page.locator(f"label[for=select-{case.pk}]").click()
    page.get_by_role("button", name="Assign to me").click()

    # then: the summary says both were assigned
    expect(page.get_by_role("heading", name="What was done")).to_be_visible()
    expect(page.get_by_text("2 cases assigned.")).to_be_visible()
    assert_accessible(axe, page)
    assert set(Case.objects.values_list("assignee", flat=True)) == {clerk.pk}

    # when: back in the queue, the clerk sends both residents the template
    page.get_by_role("link", name="Back to the queue").click()
    page.locator("#queue-views").get_by_role("link", name="Assigned to me (2)").click()
    for case in (english, spanish):
        page.locator(f"label[for=select-{case.pk}]").click()
    page.get_by_label("Message", exact=True).select_option(label="Documents received")
    page.get_by_role("button", name="Send the message").click()

    # then: each resident has it in their language
    expect(page.get_by_text("The message was sent on 2 cases.")).to_be_visible()
    assert_accessible(axe, page)
    assert dict(CaseMessage.objects.values_list("case_id", "body")) == {
        english.pk: "We received your documents.",
        spanish.pk: "Recibimos sus documentos.",
    }

    # when: the clerk downloads the queue as CSV
    page.get_by_role("link", name="Back to the queue").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download all of these cases as CSV").click()
    download = download_info.value

    # then: the file lists both cases with their service and status in words
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["Reference", "Service", "Status", "Department"]
    assert sorted(row[0] for row in rows[1:]) == sorted([english.reference, spanish.reference])
    assert {row[1] for row in rows[1:]} == {"Test permit"}
    assert {row[4] for row in rows[1:]} == {"Casey Clerk"}

    # when: the clerk opens one case from the queue, starts its review and approves it,
    # each status change checked on its confirmation page
    page.get_by_role("link", name=english.reference).click()
    expect(page.get_by_role("heading", name=english.reference)).to_be_visible()
    assert_accessible(axe, page)

    # and its keyboard shortcuts move to the note form and the status form, but a letter
    # typed in a field stays in the field
    expect(page.locator("#shortcuts-help")).to_be_visible()  # shown by the script
    note = page.locator("form[data-shortcut=n] textarea")
    expect(note).to_have_attribute("aria-keyshortcuts", "n")  # announced where it lands
    page.keyboard.press("n")
    expect(note).to_be_focused()
    page.keyboard.press("s")
    expect(note).to_have_value("s")
    note.fill("")
    note.blur()
    page.keyboard.press("s")
    expect(page.locator("form[data-shortcut=s] select")).to_be_focused()
    for move in ("Start review", "Approve"):
        page.get_by_label("New status").select_option(label=move)
        page.get_by_role("button", name="Change the status").click()
        expect(page.get_by_role("heading", name="Check before you confirm")).to_be_visible()
        assert_accessible(axe, page)
        page.get_by_role("button", name="Confirm the status change").click()

    # then: the application is approved
    expect(page.get_by_text("Status changed to: Approved.")).to_be_visible()
    assert_accessible(axe, page)
    assert Case.objects.get(pk=english.pk).status == "approved"
