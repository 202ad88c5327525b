"""Field staff on a phone lose the connection: the reports assigned to them still open from
the phone, a result recorded meanwhile (with a photo) is kept on the phone and sent, once,
when the connection returns. axe-core checks every page on the way."""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from cases.models import CaseEvent, CaseStatus, SubmissionKey
from cases.services import case_assign
from concerns.models import ConcernReport
from tests.accounts.factories import StaffFactory
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.concerns.factories import jpeg_bytes, make_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVED = "Saved on this phone; it will be sent when you are back online."


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def queue_length(page: Page) -> int:
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
          const open = indexedDB.open("kept-results", 1);
          open.onupgradeneeded = () => open.result.createObjectStore("queue", {keyPath: "key"});
          open.onsuccess = () => {
            const count = open.result.transaction("queue").objectStore("queue").count();
            count.onsuccess = () => { open.result.close(); resolve(count.result); };
          };
          open.onerror = () => reject(open.error);
        })"""
    )


def wait_for_queue_length(page: Page, expected: int, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while queue_length(page) != expected and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert queue_length(page) == expected


def test_the_reports_open_offline_and_a_result_recorded_offline_is_sent_once(
    page: Page, live_server, axe, tmp_path
):
    # given: a member of the crew with one report assigned
    crew = StaffFactory(roles=["clerk"])
    report = make_report(address="1 Main Street")
    case_assign(case=report.case, assignee=crew, actor=None)
    day_url = live_server.url + reverse("concerns:field_day")

    # when: on a phone, they open their day, and the phone keeps it and the report's page
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in_browser(page, user=crew, base_url=live_server.url)
    page.goto(day_url)
    page.wait_for_selector("html[data-offline-ready]")
    expect(
        page.get_by_role("link", name=re.compile("Open 1 Main Street in your map app"))
    ).to_have_attribute("href", re.compile(r"^geo:"))
    assert_accessible(axe, page)
    # (a change after the visit shows whether a page came from the phone or the server)
    ConcernReport.objects.filter(pk=report.pk).update(address="9 Elm Street")

    # and the connection drops
    page.context.set_offline(True)
    page.reload()

    # then: the day opens as it was kept
    expect(page.get_by_text("1 Main Street", exact=False).first).to_be_visible()
    expect(page.get_by_text("9 Elm Street", exact=False)).to_have_count(0)
    assert_accessible(axe, page)

    # when: they open the report and record it resolved, with a photo from the camera
    page.get_by_role("link", name=re.compile("and record the result")).click()
    expect(page.get_by_role("button", name="Record the result")).to_be_visible()
    page.wait_for_selector("html[data-offline-queue]")
    page.locator("label.usa-radio__label", has_text="Resolved").click()
    page.get_by_label("What you found and did").fill("Filled the pothole with cold mix.")
    page.get_by_label("Message for the public").fill("The pothole was filled today.")
    photo = tmp_path / "pothole.jpg"
    photo.write_bytes(jpeg_bytes())
    page.locator("input[name=photos]").set_input_files(str(photo))
    page.get_by_role("button", name="Record the result").click()

    # then: it is kept on the phone, and said so; nothing reached the server
    expect(page.get_by_role("status")).to_contain_text(SAVED)
    assert queue_length(page) == 1
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.SUBMITTED
    assert_accessible(axe, page)

    # when: the connection returns
    page.context.set_offline(False)

    # then: the result is sent, once, with its photo, and the phone's queue is empty
    expect(page.get_by_role("status")).to_contain_text(
        "The results saved on this phone were sent and recorded.", timeout=15_000
    )
    wait_for_queue_length(page, 0)
    report.refresh_from_db()
    assert report.case.status == CaseStatus.CLOSED
    assert report.public_reason == "The pothole was filled today."
    assert report.case.documents.count() == 1
    closes = CaseEvent.objects.filter(case=report.case, kind="status_changed")
    assert closes.count() == 1
    assert SubmissionKey.objects.filter(case=report.case).count() == 1
    assert_accessible(axe, page)

    # and a later visit sends nothing again
    page.goto(day_url)
    page.wait_for_selector("html[data-offline-ready]")
    expect(page.get_by_text("No open reports are assigned to you.")).to_be_visible()
    assert CaseEvent.objects.filter(case=report.case, kind="status_changed").count() == 1
