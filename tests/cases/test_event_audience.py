"""Who sees which timeline event: a signed-out visitor, the case's resident, and staff.

Every event kind a service can write is written once through its real service on a concern
report (whose status history is public), then each reader's actual page is read back.
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from cases import selectors, services
from cases.models import CaseEvent, CaseStatus
from concerns import services as concern_services
from tests.accounts.factories import UserFactory
from tests.cases.factories import PDF_BYTES
from tests.concerns.factories import make_report, pothole_category

pytestmark = pytest.mark.django_db

Audience = CaseEvent.Audience


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def report(db):
    resident = UserFactory(full_name="Jordan Lee")
    return make_report(category=pothole_category(), answers={"size": "small"}, reporter=resident)


def test_a_clerks_message_to_the_resident_is_not_on_the_public_report_page(client, report, clerk):
    # given
    services.case_message_resident(case=report.case, author=clerk, body="Hello Jordan, call us.")

    # when
    page = _text(client.get(report.get_absolute_url()))

    # then
    assert "Hello Jordan" not in page
    assert "Message from staff" not in page


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def _write_every_event(report, clerk):
    """Each event a service can write, each with a body that names it."""
    case = report.case
    resident = case.applicant
    concern_services.report_start_work(report=report, actor=clerk, public_note="PUBLIC-NOTE")
    services.case_assign(case=case, assignee=clerk, actor=clerk)
    services.case_add_note(case=case, author=clerk, body="STAFF-NOTE")
    services.case_message_resident(case=case, author=clerk, body="STAFF-MESSAGE")
    services.case_reply(case=case, author=resident, body="RESIDENT-REPLY")
    services.document_add(case=case, uploaded_by=clerk, upload=_pdf("shared.pdf"))
    services.document_add(case=case, uploaded_by=clerk, upload=_pdf("internal.pdf"), public=False)
    for kind, declared in sorted(services.recordable_event_kinds(case.workflow).items()):
        for audience in Audience.values:
            if audience in declared.audiences:
                services.case_record_event(
                    case=case,
                    kind=kind,
                    body=f"{kind.upper()}-{audience.upper()}",
                    audience=audience,
                )


# What each reader sees, by the body text each event carries.
EXPECTED = {
    "PUBLIC-NOTE": {"public", "resident", "staff"},
    "STAFF-NOTE": {"staff"},
    "STAFF-MESSAGE": {"resident", "staff"},
    "RESIDENT-REPLY": {"resident", "staff"},
    "shared.pdf": {"resident", "staff"},
    "internal.pdf": {"staff"},
    "UPDATE-PUBLIC": {"public", "resident", "staff"},
    "UPDATE-PARTICIPANTS": {"resident", "staff"},
    "UPDATE-STAFF": {"staff"},
    "NOTE-STAFF": {"staff"},
}


def test_each_event_kind_reaches_exactly_its_readers(client, report, case_clerk):
    # given
    _write_every_event(report, case_clerk)
    case = report.case

    # when
    seen = {
        "public": " ".join(e.body for e in selectors.published_timeline(case=case)),
        "resident": " ".join(e.body for e in selectors.resident_timeline(case=case)),
        "staff": " ".join(e.body for e in selectors.staff_timeline(case=case)),
    }
    public_page = _text(client.get(report.get_absolute_url()))
    client.force_login(case.applicant)
    resident_page = _text(client.get(case.get_absolute_url()))
    resident_report_page = _text(client.get(report.get_absolute_url()))

    # then: every event written is accounted for (the clerk's own note of the move and the
    # assignment name the clerk, so they are checked in the timelines, not on the pages)
    by_staff = {f"Work started by {case_clerk}.": {"staff"}, str(case_clerk): {"staff"}}
    assert {e.body for e in case.events.exclude(body="")} == set(EXPECTED) | set(by_staff)
    for body, readers in {**EXPECTED, **by_staff}.items():
        for reader, timeline in seen.items():
            assert (body in timeline) == (reader in readers), (body, reader)
    for body, readers in EXPECTED.items():
        assert (body in public_page) == ("public" in readers), body
        # The resident's pages show their timeline (documents are listed by name too).
        if not body.endswith(".pdf"):
            assert (body in resident_page) == ("resident" in readers), body
            assert (body in resident_report_page) == ("resident" in readers), body


def test_a_follower_sees_only_the_public_timeline(client, report, clerk):
    # given
    follower = UserFactory()
    concern_services.report_follow(report=report, user=follower)
    services.case_message_resident(case=report.case, author=clerk, body="For the reporter only")

    # when
    client.force_login(follower)
    page = _text(client.get(report.get_absolute_url()))

    # then
    assert "For the reporter only" not in page


def test_a_workflow_whose_history_is_not_published_writes_no_public_event(resident, clerk):
    # given: a license-style workflow (tests/cases/workflows.py), not published
    from tests.cases.factories import CaseFactory

    case = CaseFactory(applicant=resident)

    # when
    services.transition(
        case=case, to_status=CaseStatus.IN_REVIEW, actor=clerk, public_note="We are on it"
    )

    # then
    assert not case.events.filter(audience=Audience.PUBLIC).exists()
    assert case.events.filter(audience=Audience.PARTICIPANTS, body="We are on it").exists()


@pytest.mark.parametrize(
    ("kind", "audience"),
    [
        (CaseEvent.Kind.MESSAGE, Audience.PUBLIC),
        (CaseEvent.Kind.REPLY, Audience.PUBLIC),
        (CaseEvent.Kind.DOCUMENT_ADDED, Audience.PUBLIC),
        (CaseEvent.Kind.PAYMENT, Audience.PUBLIC),
        (CaseEvent.Kind.REMINDER_SENT, Audience.PUBLIC),
        (CaseEvent.Kind.NOTE, Audience.PUBLIC),
        (CaseEvent.Kind.NOTE, Audience.PARTICIPANTS),
        (CaseEvent.Kind.ASSIGNED, Audience.PARTICIPANTS),
    ],
)
def test_the_database_refuses_a_private_kind_of_event_for_a_wider_audience(report, kind, audience):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.create(case=report.case, kind=kind, audience=audience, body="x")


@pytest.mark.parametrize(
    ("kind", "audience"),
    [(CaseEvent.Kind.PAYMENT, Audience.PUBLIC), (CaseEvent.Kind.REMINDER_SENT, Audience.PUBLIC)],
)
def test_the_database_refuses_a_public_payment_where_payments_are_declared(
    resident, kind, audience
):
    # given: a license-style workflow that declares payments and reminders, never public
    from tests.cases.factories import CaseFactory

    case = CaseFactory(applicant=resident)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.create(case=case, kind=kind, audience=audience, body="x")
    CaseEvent.objects.create(case=case, kind=kind, audience=Audience.PARTICIPANTS, body="x")


def test_recording_an_event_for_an_audience_its_kind_never_has_is_refused(report, resident):
    from tests.cases.factories import CaseFactory

    for case in (report.case, CaseFactory(applicant=resident)):
        for kind, declared in services.recordable_event_kinds(case.workflow).items():
            for audience in set(Audience.values) - declared.audiences:
                with pytest.raises(ValueError, match="cannot be shown to"):
                    services.case_record_event(case=case, kind=kind, body="x", audience=audience)


def test_recording_a_kind_the_workflow_does_not_declare_is_refused(report):
    with pytest.raises(ValueError, match="cannot be recorded on a concern_report case"):
        services.case_record_event(
            case=report.case, kind=CaseEvent.Kind.PAYMENT, body="x", audience=Audience.STAFF
        )


def test_the_staff_case_page_shows_every_event(client, report, case_clerk):
    # given
    _write_every_event(report, case_clerk)

    # when
    client.force_login(case_clerk)
    page = _text(client.get(reverse("admin:cases_case_change", args=[report.case.pk])))

    # then
    for body in EXPECTED:
        assert body in page, body
