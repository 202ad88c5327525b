"""A guest applicant (no account) books, moves and cancels the permit's inspections through a
scoped link to its case: a view link reads, a book link (sent only to the case's address)
changes."""

import datetime

import pytest
from django.urls import reverse

from cases.links import GuestLink, LinkScope, issue_link, links_revoke
from cases.services import case_create
from cases.tokens import case_guest_link
from notifications.models import Notification
from notifications.rendering import render
from notifications.services import reminders_run
from permits import workflow as wf
from permits.models import InspectionStatus
from permits.services.guest_links import PAGE, inspection_link_send
from permits.services.inspections import (
    inspection_book,
    inspection_record_result,
    inspection_reschedule,
)
from tests.accounts.factories import StaffFactory
from tests.permits.factories import department
from tests.permits.inspection_factories import (
    NOW,
    THURSDAY,
    WEDNESDAY,
    at,
    inspector,
    issued_permit,
    open_slots,
)
from tests.permits.test_inspection_photos import jpeg

pytestmark = pytest.mark.django_db

GUEST = "ana.guest@example.org"


@pytest.fixture
def guest_permit():
    inspector(capacity=2)
    open_slots()
    case = case_create(kind=wf.KIND, guest_name="Ana Guest", guest_email=GUEST)
    return issued_permit(case=case)


def book_link(permit) -> str:
    case = permit.case
    return issue_link(case, LinkScope.BOOK, page=PAGE, email=case.guest_email).token


def page_url(token: str) -> str:
    return reverse("permits:guest_inspections", args=[token])


def slot_value(choice) -> str:
    return f"{choice.day.isoformat()}:{choice.period}"


def test_the_messages_link_opens_the_inspections_page_to_read(client, guest_permit):
    # given: the view link every message about the case carries
    link = case_guest_link(case=guest_permit.case)

    # when
    page = client.get(link.path)

    # then
    assert link.path == page_url(link.token)
    assert page.status_code == 200
    assert page.templates[0].name == "permits/inspections.html"
    assert page["Referrer-Policy"] == "same-origin"
    assert b"How booking works" in page.content
    assert b'value="send_link"' in page.content
    assert b'value="book"' not in page.content


def test_a_view_link_cannot_book(client, guest_permit):
    # given
    token = case_guest_link(case=guest_permit.case).token
    choice = client.get(page_url(token)).context["half_days"][0]

    # when
    response = client.post(page_url(token), {"action": "book", "slot": slot_value(choice)})

    # then
    assert response.status_code == 400
    assert b"Nothing was changed" in response.content
    assert not guest_permit.inspections.exists()


def test_a_book_link_goes_only_to_the_address_on_the_case(client, guest_permit):
    # given
    token = case_guest_link(case=guest_permit.case).token

    # when: asked for twice in a row
    first = client.post(page_url(token), {"action": "send_link", "email": "thief@example.org"})
    client.post(page_url(token), {"action": "send_link"})

    # then: one link, to the guest's address, opening the inspections page
    assert first.status_code == 302
    sent = Notification.objects.get(template_key="permits/inspection_link", channel="email")
    assert sent.to_address == GUEST
    assert "/permits/guest/" in sent.context["link"]
    assert GuestLink.objects.filter(scope=LinkScope.BOOK).count() == 1
    assert not Notification.objects.filter(to_address="thief@example.org").exists()


def test_an_account_holders_permit_gets_no_book_link():
    permit = issued_permit()
    assert inspection_link_send(permit=permit) is False
    assert not GuestLink.objects.filter(scope=LinkScope.BOOK).exists()


def test_a_guest_books_moves_and_cancels_with_the_book_link(client, guest_permit):
    # given
    url = page_url(book_link(guest_permit))
    first, second = client.get(url).context["half_days"][:2]

    # when: booked
    booked = client.post(url, {"action": "book", "slot": slot_value(first)})

    # then
    assert booked.status_code == 302
    inspection = guest_permit.inspections.get()
    assert (inspection.day, inspection.period, inspection.booked_by) == (
        first.day,
        first.period,
        None,
    )

    # when: moved
    moved = client.post(url, {"action": "reschedule", "slot": slot_value(second)})

    # then
    assert moved.status_code == 302
    inspection.refresh_from_db()
    assert (inspection.day, inspection.period) == (second.day, second.period)

    # when: cancelled
    cancelled = client.post(url, {"action": "cancel"})

    # then
    assert cancelled.status_code == 302
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.CANCELLED


def test_a_withdrawn_book_link_changes_nothing(client, guest_permit):
    # given
    token = book_link(guest_permit)
    links_revoke(target=guest_permit.case, reason=GuestLink.RevokedReason.OWNER)

    # when
    response = client.post(page_url(token), {"action": "cancel"})

    # then
    assert response.status_code == 410
    assert not guest_permit.inspections.exists()


def test_staff_moving_a_guests_inspection_tells_the_guest_at_once(guest_permit):
    # given
    inspection = inspection_book(
        permit=guest_permit, day=WEDNESDAY, period="am", actor=None, now=NOW
    )
    clerk = StaffFactory(roles=[("clerk", department(wf.DEPARTMENT_CODE))])
    told_before = set(Notification.objects.filter(to_address=GUEST).values_list("pk", flat=True))

    # when
    inspection_reschedule(
        inspection=inspection,
        day=THURSDAY,
        period="pm",
        actor=clerk,
        reason="Inspector off sick",
        now=at(WEDNESDAY, 7),
    )

    # then: an e-mail to the guest is queued in the same transaction, with their link
    told = Notification.objects.filter(to_address=GUEST, channel="email").exclude(
        pk__in=told_before
    )
    assert told.count() == 1
    assert "/permits/guest/" in told.get().link_url


def test_a_guest_sees_photos_of_their_own_permit_only(client, guest_permit):
    # given
    inspection = inspection_book(
        permit=guest_permit, day=WEDNESDAY, period="am", actor=None, now=NOW
    )
    inspection_record_result(
        inspection=inspection,
        actor=inspection.inspector,
        result="passed",
        photos=[jpeg()],
        now=at(WEDNESDAY, 10),
    )
    photo = inspection.photos.get()
    token = case_guest_link(case=guest_permit.case).token
    other = case_guest_link(case=case_create(kind=wf.KIND, guest_email="someone@example.org")).token

    # when
    page = client.get(page_url(token))
    own = client.get(reverse("permits:guest_inspection_photo_thumbnail", args=[token, photo.pk]))
    full = client.get(reverse("permits:guest_inspection_photo", args=[token, photo.pk]))
    theirs = client.get(reverse("permits:guest_inspection_photo", args=[other, photo.pk]))

    # then
    thumbnail = reverse("permits:guest_inspection_photo_thumbnail", args=[token, photo.pk])
    assert f'src="{thumbnail}"' in page.content.decode()
    assert own.status_code == 200
    assert own["Content-Type"] == "image/jpeg"
    with photo.image.open("rb") as stored:
        assert b"".join(full.streaming_content) == stored.read()
    assert theirs.status_code == 404


def test_a_guest_is_reminded_the_working_day_before_without_a_sign_in_link(guest_permit):
    # given
    inspection_book(permit=guest_permit, day=WEDNESDAY, period="am", actor=None, now=NOW)

    # when
    reminders_run(today=WEDNESDAY - datetime.timedelta(days=1), source="permits.inspection_day")

    # then
    sent = Notification.objects.get(
        template_key="permits/inspection_reminder", to_address=GUEST, channel="email"
    )
    body = render(sent).body
    assert "open the link in our last message about your permit" in body
    assert "/accounts/login" not in body
