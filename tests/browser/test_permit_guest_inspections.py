"""A guest applicant on a phone, in the browser: the link of their last message shows the
permit's inspections with the earlier result's photos; they ask for a link to book, open it,
book an exact time and then cancel it. axe-core checks every page on the way."""

import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import Page, expect

from cases.services import case_create
from cases.tokens import case_guest_link
from notifications.models import Notification
from permits import workflow as wf
from permits.models import InspectionStatus, InspectorShift
from permits.selectors_inspections import agency_now
from permits.services.inspections import (
    inspection_book,
    inspection_record_result,
    slots_open,
)
from tests.browser.pages import VIEWPORTS, axe_violations
from tests.permits.inspection_factories import inspector, issued_permit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_accessible(axe, page: Page) -> None:
    violations = axe_violations(axe, page)
    assert violations == [], f"{page.url}\n" + "\n".join(violations)


def jpeg() -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (1200, 900), (90, 120, 60)).save(output, format="JPEG")
    return SimpleUploadedFile("site.jpg", output.getvalue(), content_type="image/jpeg")


def last_week_failure(permit, person) -> None:
    """A failed inspection with a photo, booked and done a week ago."""
    now = agency_now() - datetime.timedelta(days=8)
    while now.weekday() != 0:  # booked on a Monday morning for the Wednesday
        now -= datetime.timedelta(days=1)
    now = now.replace(hour=9, minute=0)
    day = now.date() + datetime.timedelta(days=2)
    slots_open(start=day, end=day)
    done = inspection_book(permit=permit, day=day, starts_at=datetime.time(9), actor=None, now=now)
    inspection_record_result(
        inspection=done,
        actor=person,
        result="failed",
        deficiencies="Guard rail missing on the deck.",
        photos=[jpeg()],
        now=now + datetime.timedelta(days=2, hours=2),
    )


def test_a_guest_sees_photos_asks_for_a_link_and_books_an_exact_time(
    page: Page, live_server, axe, settings, tmp_path
):
    # given: a guest's issued permit, an inspector at exact times, last week's failure
    settings.MEDIA_ROOT = tmp_path / "media"
    person = inspector(capacity=4)
    InspectorShift.objects.filter(inspector=person).update(appointment_minutes=60)
    case = case_create(kind=wf.KIND, guest_name="Ana Guest", guest_email="ana@example.org")
    permit = issued_permit(case=case)
    last_week_failure(permit, person)
    view_link = case_guest_link(case=permit.case)

    # when: on a phone, the guest opens the link of their last message
    page.set_viewport_size(VIEWPORTS["mobile"])
    page.goto(live_server.url + view_link.path)

    # then: the result and its photo show, but no booking form
    expect(page.get_by_text("Guard rail missing on the deck.")).to_be_visible()
    photo = page.get_by_role("img", name=re.compile(r"^Photo 1 of 1, Step 1 inspection of"))
    expect(photo).to_be_visible()
    photo.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo.element_handle()
    )
    assert page.locator("input[name=slot]").count() == 0
    assert_accessible(axe, page)

    # when: they ask for a link to book, and open the one sent to their address
    page.get_by_role("button", name="Send me a link to book and change inspections").click()
    expect(page.get_by_text("We sent a link to book and change inspections")).to_be_visible()
    assert_accessible(axe, page)
    sent = Notification.objects.get(template_key="permits/inspection_link", channel="email")
    page.goto(live_server.url + urlsplit(sent.context["link"]).path)

    # then: the times on offer are listed, each with its exact time
    first_time = page.locator("label[for=slot-1]")
    expect(first_time).to_contain_text(", at 8")
    assert_accessible(axe, page)

    # when: the guest books the first time
    first_time.click()
    page.get_by_role("button", name="Book the inspection").click()

    # then
    expect(page.get_by_text("Your inspection is booked.")).to_be_visible()
    booked = permit.inspections.get(status=InspectionStatus.SCHEDULED)
    assert booked.starts_at == datetime.time(8)
    expect(page.get_by_text(re.compile(r"Step 1: .*, at 8"))).to_be_visible()
    assert_accessible(axe, page)

    # when: they cancel it
    page.get_by_role("button", name="Cancel this inspection").click()

    # then
    expect(page.get_by_text("Your inspection is cancelled.")).to_be_visible()
    booked.refresh_from_db()
    assert booked.status == InspectionStatus.CANCELLED
