"""The case engine's messages render in every channel, in English and Spanish."""

import pytest
from django.utils import translation

from cases import services
from cases.models import CaseStatus
from notifications.models import Notification
from notifications.rendering import render

pytestmark = pytest.mark.django_db


def _rendered(template_key, channel):
    row = Notification.objects.get(template_key=template_key, channel=channel)
    return render(row, unsubscribe_url="https://example.gov/u/x")


@pytest.fixture
def busy_case(make_case, clerk):
    """A guest case (e-mail and SMS) that received every kind of message."""
    case = make_case(
        applicant=None,
        guest_name="Ana O'Brien",
        guest_email="ana@example.org",
        guest_phone="+12025550143",
    )
    services.transition(
        case=case, to_status=CaseStatus.IN_REVIEW, actor=clerk, public_note="We started."
    )
    services.case_message_resident(case=case, author=clerk, body="Please send a photo.")
    return case


@pytest.mark.parametrize("key", ["cases/submitted", "cases/status_changed", "cases/message"])
def test_guest_emails_carry_reference_status_and_link(busy_case, key):
    message = _rendered(key, "email")

    assert busy_case.reference in message.subject
    assert "\n" not in message.subject
    assert message.body.startswith("Hello Ana O'Brien,")  # plain text: not HTML-escaped
    assert "/cases/track/" in message.body
    assert "https://example.gov/u/x" in message.body  # the notifications footer


def test_status_change_email_has_the_plain_language_status_and_note(busy_case):
    message = _rendered("cases/status_changed", "email")
    assert "Status: Being reviewed" in message.body
    assert "We started." in message.body
    assert "What happens next: We are reviewing it." in message.body


def test_message_email_quotes_the_message_and_tells_a_guest_how_to_answer(busy_case):
    body = _rendered("cases/message", "email").body
    assert "Please send a photo." in body
    assert "To answer, call (555) 010-0100 or write to help@springfield.example.gov" in body
    assert "reply here" not in body


def test_message_email_invites_a_resident_to_reply_online(settings, make_case, resident, clerk):
    case = make_case(applicant=resident)
    services.case_message_resident(case=case, author=clerk, body="Any news?")
    body = _rendered("cases/message", "email").body
    assert f"Read it and reply here: {settings.SITE_URL}/cases/{case.reference}/" in body


@pytest.mark.parametrize("key", ["cases/submitted", "cases/status_changed", "cases/message"])
def test_sms_is_short_and_carries_the_link(busy_case, key):
    message = _rendered(key, "sms")
    assert busy_case.reference in message.body
    assert "/cases/track/" in message.body
    assert len(message.body) <= 320  # two SMS parts at most, the link being most of it


def test_in_app_messages_for_residents(make_case, resident, clerk):
    case = make_case(applicant=resident)
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=clerk)

    submitted = Notification.objects.get(template_key="cases/submitted", channel="in_app")
    changed = Notification.objects.get(template_key="cases/status_changed", channel="in_app")

    assert submitted.subject == f"We received your request {case.reference}"
    assert submitted.body == (
        "We received your request: Test permit. Status: Received. "
        "A clerk will check it within 5 days."
    )
    assert changed.body == f"Your request {case.reference} is now: Being reviewed."


def test_reply_notice_reaches_the_assignee(make_case, clerk):
    case = make_case()
    services.case_assign(case=case, assignee=clerk, actor=clerk)
    services.case_reply(case=case, author=case.applicant, body="Here it is")

    email = _rendered("cases/reply_received", "email")

    assert email.subject == f"The resident replied on {case.reference}"
    assert f"/admin/cases/case/{case.pk}/change/" in email.body
    assert "Here it is" not in email.body  # the reply itself stays in the back office


def test_messages_render_in_spanish_for_a_spanish_guest(make_case):
    with translation.override("es"):
        make_case(applicant=None, guest_email="ana@example.org")

    row = Notification.objects.get(template_key="cases/submitted", channel="email")
    message = render(row)

    assert row.language == "es"
    with translation.override("es"):
        expected_greeting = translation.gettext("Hello,")
    assert message.body.startswith(expected_greeting)


@pytest.mark.parametrize("key", ["cases/submitted", "cases/status_changed", "cases/message"])
def test_applicant_emails_render_with_their_name(make_case, clerk, key):
    # given: a resident with an account who also accepts text messages
    case = make_case()
    applicant = case.applicant
    applicant.phone, applicant.notify_by_sms = "+12025550143", True
    applicant.save()
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=clerk)
    services.case_message_resident(case=case, author=clerk, body="Hello there")

    # when
    email = _rendered(key, "email")
    in_app = Notification.objects.get(template_key=key, channel="in_app")

    # then
    assert email.body.startswith(f"Hello {applicant.full_name},")
    assert f"/cases/{case.reference}/" in email.body
    assert in_app.body
    if key != "cases/submitted":  # the submission notice went out before SMS was turned on
        assert case.reference in _rendered(key, "sms").body
