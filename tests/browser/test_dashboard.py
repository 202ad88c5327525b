"""The dashboard with requests and messages, and the page of all requests: axe-core in both
languages at both widths, and "Mark as read" without JavaScript."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page

from cases.services import case_create
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.browser.pages import log_in_browser
from tests.browser.test_accessibility import describe, violations_in_every_combination
from tests.cases.workflows import TEST_PERMIT, register_test_workflows
from tests.notifications.factories import InAppNotificationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The button's visually hidden part names the message; the browser may put a space before it.
MARK_FIRST = re.compile(r"^Mark as read\s*: Inspection booked$")
MARK_SECOND = re.compile(r"^Mark as read\s*: Permit approved$")


def test_dashboard_and_all_requests_have_no_accessibility_violations(page: Page, live_server, axe):
    # given: more requests than the dashboard shows, and unread and read messages
    register_test_workflows()
    resident = UserFactory(full_name="Maria Lopez")
    for _ in range(22):
        case_create(kind=TEST_PERMIT.kind, applicant=resident)
    InAppNotificationFactory(recipient=resident, subject="Your permit was approved")
    log_in_browser(page, user=resident, base_url=live_server.url)
    urls = [
        live_server.url + reverse("portal:dashboard"),
        live_server.url + reverse("cases:list"),
        live_server.url + reverse("cases:list") + "?page=2",
    ]

    # when
    found = {
        url: violations_in_every_combination(page, axe, url=url, base_url=live_server.url)
        for url in urls
    }

    # then
    assert {url: describe(lines) for url, lines in found.items() if lines} == {}


def test_mark_as_read_works_without_javascript(browser: Browser, live_server):
    # given
    resident = UserFactory()
    first = InAppNotificationFactory(recipient=resident, subject="Inspection booked")
    second = InAppNotificationFactory(recipient=resident, subject="Permit approved")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in_browser(page, user=resident, base_url=live_server.url)
    page.goto(live_server.url + reverse("portal:dashboard"))
    # when
    page.get_by_role("button", name=MARK_FIRST).click()

    # then
    assert page.url == live_server.url + reverse("portal:dashboard")
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert Notification.objects.get(pk=second.pk).read_at is None
    assert page.get_by_role("button", name=MARK_FIRST).count() == 0
    assert page.get_by_role("button", name=MARK_SECOND).count() == 1
    context.close()


def test_the_dashboards_permits_have_no_accessibility_violations(page: Page, live_server, axe):
    # given: a resident with a permit at every stage (reviews, corrections, fees due, an
    # inspection booked, one failed with its re-inspection fee)
    from tests.permits.inspection_factories import inspector, open_slots
    from tests.permits.test_dashboard import one_of_each

    staff = inspector(capacity=20)
    open_slots()
    resident = UserFactory(full_name="Jordan Lee")
    one_of_each(resident, staff)
    log_in_browser(page, user=resident, base_url=live_server.url)
    url = live_server.url + reverse("portal:dashboard")

    # when
    found = violations_in_every_combination(page, axe, url=url, base_url=live_server.url)

    # then
    assert page.locator("#my-permits").count() == 1
    assert found == {}, describe(found)
