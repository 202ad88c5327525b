"""An inspector on a phone loses the connection: the day and its inspections still open from
the phone, a result recorded meanwhile is kept on the phone and sent, once, when the
connection returns. axe-core checks every page on the way."""

import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from cases.models import CaseEvent, SubmissionKey
from permits import inspection_events as ev
from permits.models import Inspection, Permit
from permits.services.inspections import inspection_book
from tests.browser.pages import VIEWPORTS, axe_violations, log_in_browser
from tests.permits.inspection_factories import NOW, WEDNESDAY, inspector, issued_permit, open_slots

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


def test_the_day_opens_offline_and_a_result_recorded_offline_is_sent_once(
    page: Page, live_server, axe
):
    # given: an inspector with one inspection today
    person = inspector(capacity=2)
    open_slots()
    permit = issued_permit(address="1 Oak St")
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    Inspection.objects.filter(pk=inspection.pk).update(day=timezone.localdate())
    day_url = live_server.url + reverse("permits:inspector_day")

    # when: on a phone, the inspector opens the day, and the phone keeps it and its inspection
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in_browser(page, user=person, base_url=live_server.url)
    page.goto(day_url)
    page.wait_for_selector("html[data-offline-ready]")
    assert_accessible(axe, page)
    # (a change after the visit shows whether a page came from the phone or the server)
    Permit.objects.filter(pk=permit.pk).update(address="9 Elm St")

    # and the connection drops
    page.context.set_offline(True)
    page.reload()

    # then: the day opens as it was kept
    expect(page.get_by_text("1 Oak St", exact=False).first).to_be_visible()
    expect(page.get_by_text("9 Elm St", exact=False)).to_have_count(0)
    assert_accessible(axe, page)

    # when: the inspector opens the inspection (never opened before) and records a pass
    page.get_by_role("link", name="Open and record the result").click()
    expect(page.get_by_role("button", name="Record the result")).to_be_visible()
    page.wait_for_selector("html[data-offline-queue]")
    page.locator("label.usa-radio__label:text-is('Passed')").click()
    page.get_by_label("Comments").fill("All in order.")
    page.get_by_role("button", name="Record the result").click()

    # then: it is kept on the phone, and said so
    expect(page.get_by_role("status")).to_contain_text(SAVED)
    assert queue_length(page) == 1
    assert Inspection.objects.get(pk=inspection.pk).result == ""
    assert_accessible(axe, page)

    # when: the connection returns
    page.context.set_offline(False)

    # then: the result is sent, once, and the phone's queue is empty
    expect(page.get_by_role("status")).to_contain_text(
        "The results saved on this phone were sent and recorded.", timeout=15_000
    )
    assert queue_length(page) == 0
    recorded = Inspection.objects.get(pk=inspection.pk)
    assert recorded.result == "passed"
    assert CaseEvent.objects.filter(case=permit.case, kind=ev.INSPECTION_RESULT).count() == 1
    assert_accessible(axe, page)

    # and a later visit sends nothing again
    page.goto(day_url)
    page.wait_for_selector("html[data-offline-ready]")
    assert CaseEvent.objects.filter(case=permit.case, kind=ev.INSPECTION_RESULT).count() == 1


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("button", name="Sign out").click()


def test_a_refused_result_is_shown_and_signing_out_clears_the_phone(page: Page, live_server, axe):
    # given: the inspector opened today's inspection, then lost the connection
    person = inspector(capacity=2)
    open_slots()
    permit = issued_permit(address="1 Oak St")
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    Inspection.objects.filter(pk=inspection.pk).update(day=timezone.localdate())
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in_browser(page, user=person, base_url=live_server.url)
    page.goto(live_server.url + reverse("permits:inspection_result", args=[inspection.pk]))
    page.wait_for_selector("html[data-offline-ready]")
    page.context.set_offline(True)

    # when: a failure is recorded without saying why (the server refuses that)
    page.locator("label.usa-radio__label:text-is('Failed')").click()
    page.get_by_role("button", name="Record the result").click()
    expect(page.get_by_role("status")).to_contain_text(SAVED)

    # and the inspector tries to sign out before it is sent
    sign_out(page)

    # then: the phone does not sign out and lose it
    expect(page.get_by_role("status")).to_contain_text("Some results saved on this phone")
    assert "/inspector/" in page.url
    assert queue_length(page) == 1

    # when: the connection returns
    page.context.set_offline(False)

    # then: the refusal is shown, with the server's reason and the way back to the form
    status = page.get_by_role("status")
    expect(status).to_contain_text("A result saved on this phone was not recorded:", timeout=15_000)
    expect(status).to_contain_text("Say why: list the deficiencies")
    expect(
        status.get_by_role("link", name="Open it and record the result again")
    ).to_have_attribute("href", re.compile(rf"/permits/inspector/{inspection.pk}/$"))
    assert queue_length(page) == 0
    assert Inspection.objects.get(pk=inspection.pk).result == ""
    assert_accessible(axe, page)

    # when: the inspector signs out
    sign_out(page)
    page.wait_for_url(lambda url: "/inspector/" not in url)

    # then: nothing of the day is left on the phone
    left = page.evaluate(
        """async () => ({
          caches: (await caches.keys()).filter((name) => name.startsWith("kept-day-")),
          databases: (await indexedDB.databases()).map((db) => db.name),
        })"""
    )
    assert left == {"caches": [], "databases": []}


def todays_inspection(address: str = "1 Oak St"):
    """An inspector with one inspection booked for today."""
    person = inspector(capacity=2)
    open_slots()
    permit = issued_permit(address=address)
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    Inspection.objects.filter(pk=inspection.pk).update(day=timezone.localdate())
    return person, permit, inspection


def styled(page: Page) -> bool:
    """Whether the USWDS stylesheet applies: unstyled, the header's language button is grey."""
    background = page.locator(".portal-language-button").first.evaluate(
        "(button) => getComputedStyle(button).backgroundColor"
    )
    return background == "rgba(0, 0, 0, 0)"


def test_a_phone_that_cannot_keep_files_still_shows_the_pages_styled(page: Page, live_server, axe):
    # given: the inspector's day was kept on the phone once
    person, _, _ = todays_inspection()
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in_browser(page, user=person, base_url=live_server.url)
    page.goto(live_server.url + reverse("permits:inspector_day"))
    page.wait_for_selector("html[data-offline-ready]")

    # and then the phone's storage is full: it refuses to keep anything more
    (worker,) = page.context.service_workers
    worker.evaluate(
        """() => {
          self.refusedToKeep = 0;
          Cache.prototype.put = function () {
            self.refusedToKeep += 1;
            return Promise.reject(new DOMException("The phone is full.", "QuotaExceededError"));
          };
        }"""
    )

    # when: the inspector opens the inspection (its page and files come from the network)
    page.get_by_role("link", name="Open and record the result").click()

    # then: the page still has its stylesheet
    expect(page.get_by_role("button", name="Record the result")).to_be_visible()
    assert worker.evaluate("self.refusedToKeep") > 0
    assert styled(page)
    assert_accessible(axe, page)


def kept_on_phone(page: Page) -> dict:
    return page.evaluate(
        """async () => ({
          caches: (await caches.keys()).filter((name) => name.startsWith("kept-day-")),
          databases: (await indexedDB.databases()).map((db) => db.name),
        })"""
    )


def test_signing_out_from_a_page_outside_the_route_clears_the_phone(page: Page, live_server):
    # given: the inspector's day is kept on the phone
    person, _, _ = todays_inspection()
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in_browser(page, user=person, base_url=live_server.url)
    page.goto(live_server.url + reverse("permits:inspector_day"))
    page.wait_for_selector("html[data-offline-ready]")
    assert kept_on_phone(page)["caches"] == ["kept-day-v1"]

    # when: the inspector signs out from the home page
    page.goto(live_server.url + reverse("portal:home"))
    with page.expect_navigation():
        sign_out(page)

    # then: signed out, and nothing of the day is left on the phone
    expect(page.locator("form[data-sign-out]")).to_have_count(0)
    assert kept_on_phone(page) == {"caches": [], "databases": []}


def test_a_result_sent_on_a_connection_that_fails_is_kept_and_sent_once(
    page: Page, live_server, axe
):
    # given: the inspector opened today's inspection; the phone says it is online
    person, permit, inspection = todays_inspection()
    result_url = live_server.url + reverse("permits:inspection_result", args=[inspection.pk])
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in_browser(page, user=person, base_url=live_server.url)
    page.goto(result_url)
    page.wait_for_selector("html[data-offline-ready]")

    # when: the connection fails the post of a pass, without the phone noticing
    def fail(route):
        if route.request.method == "POST":
            route.abort("connectionfailed")
        else:
            route.continue_()

    page.route(result_url, fail)
    page.locator("label.usa-radio__label:text-is('Passed')").click()
    page.get_by_role("button", name="Record the result").click()

    # then: it is kept on the phone, and said so
    expect(page.get_by_role("status")).to_contain_text(SAVED)
    assert queue_length(page) == 1
    assert Inspection.objects.get(pk=inspection.pk).result == ""
    assert_accessible(axe, page)

    # when: the inspector tries to sign out from another page
    page.unroute(result_url)
    page.goto(live_server.url + reverse("portal:home"))
    sign_out(page)

    # then: the phone does not sign out and lose it, and says where it is sent from
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("Some results saved on this phone are not sent yet.")
    expect(page.locator("form[data-sign-out]")).to_have_count(1)
    assert queue_length(page) == 1
    assert_accessible(axe, page)

    # when: the inspector opens the route, on a connection that works again
    warning.get_by_role("link", name="Open your route to send them").click()

    # then: the result is sent, once
    expect(page.get_by_role("status")).to_contain_text(
        "The results saved on this phone were sent and recorded.", timeout=15_000
    )
    assert queue_length(page) == 0
    assert Inspection.objects.get(pk=inspection.pk).result == "passed"
    assert CaseEvent.objects.filter(case=permit.case, kind=ev.INSPECTION_RESULT).count() == 1


def test_a_result_recorded_online_is_said_once_and_not_again_offline(page: Page, live_server):
    # given: the inspector's day is kept on the phone
    person, permit, _ = todays_inspection()
    day_url = live_server.url + reverse("permits:inspector_day")
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in_browser(page, user=person, base_url=live_server.url)
    page.goto(day_url)
    page.wait_for_selector("html[data-offline-ready]")

    # when: the inspector records a pass online
    page.get_by_role("link", name="Open and record the result").click()
    page.wait_for_selector("html[data-offline-queue]")
    page.locator("label.usa-radio__label:text-is('Passed')").click()
    page.get_by_role("button", name="Record the result").click()

    # then: the route says so, once
    expect(page.get_by_text("Result recorded.")).to_be_visible()
    page.wait_for_selector("html[data-offline-ready]")
    wait_for_queue_length(page, 0)
    assert CaseEvent.objects.filter(case=permit.case, kind=ev.INSPECTION_RESULT).count() == 1

    # when: the connection drops and the route is opened again
    page.context.set_offline(True)
    page.reload()

    # then: the kept route shows the result, without the message said before
    expect(page.get_by_role("link", name="Passed")).to_be_visible()
    expect(page.get_by_text("Result recorded.")).to_have_count(0)


def test_results_kept_under_the_inspectors_old_queue_are_sent_not_dropped(page: Page, live_server):
    # given: a phone kept a result in the queue the inspector's pages used before the offline
    # day was shared between services
    person, permit, inspection = todays_inspection()
    page.set_viewport_size(VIEWPORTS["mobile"])
    log_in_browser(page, user=person, base_url=live_server.url)
    page.goto(live_server.url + reverse("portal:home"))
    key = "6f1c1f4e-3a55-4f43-9d1e-3e0b8d1b2a10"
    action = live_server.url + reverse("permits:inspection_result", args=[inspection.pk])
    page.evaluate(
        """([key, action]) => new Promise((resolve, reject) => {
          const open = indexedDB.open("inspector-results", 1);
          open.onupgradeneeded = () => open.result.createObjectStore("queue", {keyPath: "key"});
          open.onsuccess = () => {
            const tx = open.result.transaction("queue", "readwrite");
            tx.objectStore("queue").put({
              key, action, title: "Inspection", savedAt: new Date().toISOString(),
              entries: [["csrfmiddlewaretoken", "old"], ["result_key", key],
                        ["result", "passed"], ["comments", "Kept before the update."]],
            });
            tx.oncomplete = () => { open.result.close(); resolve(); };
            tx.onerror = () => reject(tx.error);
          };
          open.onerror = () => reject(open.error);
        })""",
        [key, action],
    )

    # when: the inspector opens the day
    page.goto(live_server.url + reverse("permits:inspector_day"))

    # then: the result is sent and recorded, once, and the old queue is gone
    expect(page.get_by_role("status")).to_contain_text(
        "The results saved on this phone were sent and recorded.", timeout=15_000
    )
    wait_for_queue_length(page, 0)
    assert Inspection.objects.get(pk=inspection.pk).result == "passed"
    assert SubmissionKey.objects.get(key=key).case_id == permit.case_id
    assert CaseEvent.objects.filter(case=permit.case, kind=ev.INSPECTION_RESULT).count() == 1
    names = page.evaluate("async () => (await indexedDB.databases()).map((db) => db.name)")
    assert "inspector-results" not in names
