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


# --- staff hear of what the resident does ---------------------------------------------------


@pytest.fixture
def department_staff(department):
    """The department's staff by role, an agency-wide clerk and another department's clerk."""
    from cases.models import Department
    from tests.accounts.factories import StaffFactory

    library = Department.objects.create(code="LIBRARY", name="Library")
    people = {
        role: StaffFactory(roles=[(role, department)])
        for role in ["clerk", "reviewer", "inspector", "cashier", "supervisor"]
    }
    people["agency_clerk"] = StaffFactory(roles=["clerk"])
    people["library_clerk"] = StaffFactory(roles=[("clerk", library)])
    people["quiet_reviewer"] = StaffFactory(roles=[("reviewer", department)], notify_by_email=False)
    return people


def _told(template_key):
    return sorted(
        Notification.objects.filter(template_key=template_key).values_list(
            "recipient__email", "channel"
        )
    )


def test_a_reply_on_an_unassigned_case_tells_the_departments_staff(make_case, department_staff):
    # given
    case = make_case()
    assert case.department is not None and case.assignee_id is None

    # when
    services.case_reply(case=case, author=case.applicant, body="Here it is")

    # then: who works the department's cases, each by their preference; not its inspector or
    # cashier, nor staff of other departments or of the whole agency
    people = department_staff
    expected = [
        (people[role].email, channel)
        for role in ["clerk", "reviewer", "supervisor"]
        for channel in ["email", "in_app"]
    ] + [(people["quiet_reviewer"].email, "in_app")]
    assert _told("cases/reply_received") == sorted(expected)
    email = render(
        Notification.objects.get(
            template_key="cases/reply_received", channel="email", recipient=people["clerk"]
        ),
        unsubscribe_url="",
    )
    assert "nobody in your department holds yet" in email.body
    assert f"/admin/cases/case/{case.pk}/change/" in email.body


def test_once_assigned_only_the_assignee_is_told(make_case, department_staff):
    # given
    case = make_case()
    inspector = department_staff["inspector"]
    services.case_assign(case=case, assignee=inspector, actor=department_staff["clerk"])

    # when
    services.case_reply(case=case, author=case.applicant, body="Here it is")

    # then
    assert _told("cases/reply_received") == [
        (inspector.email, "email"),
        (inspector.email, "in_app"),
    ]
    email = _rendered("cases/reply_received", "email")
    assert "which is assigned to you" in email.body


def test_a_document_from_the_resident_tells_staff_once_the_case_is_sent(
    make_case, department_staff
):
    from django.core.files.base import ContentFile

    from tests.cases.factories import PDF_BYTES

    # given: a draft and a sent case of the same resident
    draft = make_case(submit=False)
    sent = make_case(applicant=draft.applicant)
    clerk = department_staff["clerk"]
    services.case_assign(case=sent, assignee=clerk, actor=clerk)

    # when
    for case in (draft, sent):
        services.document_add(
            case=case, uploaded_by=case.applicant, upload=ContentFile(PDF_BYTES, "lease.pdf")
        )
    services.document_add(case=sent, uploaded_by=clerk, upload=ContentFile(PDF_BYTES, "memo.pdf"))

    # then: only the resident's upload on the sent case, to its assignee
    assert _told("cases/document_received") == [(clerk.email, "email"), (clerk.email, "in_app")]
    row = Notification.objects.get(template_key="cases/document_received", channel="in_app")
    assert row.subject == f"The resident added a document to {sent.reference}"
    assert sent.reference in row.body


def test_sending_a_case_back_tells_staff_and_withdrawing_does_not(make_case, department_staff):
    # given: a case waiting for the resident, assigned to the reviewer
    case = make_case()
    reviewer = department_staff["reviewer"]
    services.case_assign(case=case, assignee=reviewer, actor=department_staff["clerk"])
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=reviewer)
    services.transition(case=case, to_status=CaseStatus.AWAITING_INFO, actor=reviewer)

    # when: the resident sends it back, then withdraws it
    services.transition(case=case, to_status=CaseStatus.IN_REVIEW, actor=case.applicant)
    services.transition(case=case, to_status=CaseStatus.WITHDRAWN, actor=case.applicant)

    # then: one message, about the sending back
    assert _told("cases/sent_back") == [(reviewer.email, "email"), (reviewer.email, "in_app")]
    email = _rendered("cases/sent_back", "email")
    assert email.subject == f"The resident sent {case.reference} back to you"
    assert "Its status is now: Being reviewed." in email.body


def test_staff_are_told_in_their_own_language(make_case, department_staff):
    # given: the assignee reads Spanish
    case = make_case()
    clerk = department_staff["clerk"]
    clerk.preferred_language = "es"
    clerk.save(update_fields=["preferred_language"])
    services.case_assign(case=case, assignee=clerk, actor=clerk)

    # when
    services.case_reply(case=case, author=case.applicant, body="Aquí está")

    # then
    row = Notification.objects.get(template_key="cases/reply_received", channel="email")
    assert row.language == "es"
