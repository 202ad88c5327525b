import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cases import services
from cases.exceptions import (
    ActionForbidden,
    InvalidAssignee,
    TransitionForbidden,
    TransitionNotAllowed,
)
from cases.models import Case, CaseEvent, CaseMessage, CaseStatus
from cases.service_levels import business_days_add
from cases.workflow import APPLICANT, STAFF, SYSTEM
from notifications.models import Notification
from tests.accounts.factories import StaffFactory
from tests.cases.workflows import TEST_PERMIT

pytestmark = pytest.mark.django_db

S = CaseStatus


def _notifications(case, template_key):
    return Notification.objects.filter(
        template_key=template_key, context__reference=case.reference
    ).order_by("channel")


# --- case_create ---------------------------------------------------------------------------


def test_case_create_gives_a_reference_due_date_event_and_notice(resident, department):
    # given
    today = timezone.localdate()

    # when
    case = services.case_create(kind="test_permit", applicant=resident)

    # then
    assert re.fullmatch(rf"TST-{today.year}-\d{{6}}", case.reference)
    assert case.status == S.SUBMITTED
    assert case.department == department
    assert case.submitted_at is not None
    assert case.due_date == business_days_add(start=today, days=30)  # business days
    assert case.closed_at is None
    event = CaseEvent.objects.get(case=case)
    assert (event.kind, event.audience, event.actor, event.to_status) == (
        "submitted",
        "participants",
        resident,
        "submitted",
    )
    rows = list(_notifications(case, "cases/submitted"))
    assert [(n.channel, n.recipient_id) for n in rows] == [
        ("email", resident.pk),
        ("in_app", resident.pk),
    ]
    in_app = rows[1]
    assert case.reference in in_app.subject
    assert in_app.context["status_label"] == "Received"
    assert in_app.context["case_url"].endswith(f"/cases/{case.reference}/")
    assert in_app.link_url == in_app.context["case_url"]


def test_case_urls_in_notifications_are_absolute(settings, resident):
    # given
    settings.SITE_URL = "https://portal.example.gov"

    # when
    case = services.case_create(kind="test_permit", applicant=resident)

    # then
    row = _notifications(case, "cases/submitted").get(channel="in_app")
    assert row.context["case_url"] == f"https://portal.example.gov/cases/{case.reference}/"


def test_references_count_up_per_prefix_and_restart_each_year(resident):
    # given
    first = services.case_create(kind="test_permit", applicant=resident)
    year = timezone.localdate().year

    # when
    second = services.case_create(kind="test_permit", applicant=resident)
    other_prefix = services.case_create(kind="test_report", applicant=resident)

    # then
    number = int(first.reference.rsplit("-", 1)[1])
    assert second.reference == f"TST-{year}-{number + 1:06d}"
    assert other_prefix.reference == f"TRP-{year}-000001"


def test_reference_allocation_rolled_back_with_its_case(resident):
    # given
    first = services.case_create(kind="test_permit", applicant=resident)

    # when: a submission fails after taking a number
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_create(kind="test_permit", applicant=resident)
        raise RuntimeError("payment provider down")
    after = services.case_create(kind="test_permit", applicant=resident)

    # then: the number was handed back, not skipped
    assert int(after.reference[-6:]) == int(first.reference[-6:]) + 1


def test_guest_case_notifies_the_guest_by_email_and_sms():
    # when
    case = services.case_create(
        kind="test_permit",
        guest_name="Ana Guest",
        guest_email="ana@example.org",
        guest_phone="+12025550143",
    )

    # then
    rows = list(_notifications(case, "cases/submitted"))
    assert [(n.channel, n.to_address, n.recipient_id) for n in rows] == [
        ("email", "ana@example.org", None),
        ("sms", "+12025550143", None),
    ]
    assert "/cases/track/" in rows[0].context["case_url"]
    assert rows[0].context["guest_name"] == "Ana Guest"


def test_guest_in_spanish_is_written_to_in_spanish_later(clerk):
    # given: a guest who applied in Spanish
    from django.utils import translation

    with translation.override("es"):
        case = services.case_create(kind="test_permit", guest_email="ana@example.org")
    services.transition(case=case, to_status=S.IN_REVIEW, actor=clerk)

    # then: the clerk's later change reaches her in Spanish
    row = _notifications(case, "cases/status_changed").get()
    assert case.language == "es"
    assert row.language == "es"


def test_case_without_anybody_to_tell_is_refused_unless_anonymous_allowed():
    # when / then
    with pytest.raises(ValueError, match="needs an applicant"):
        services.case_create(kind="test_permit")
    assert Case.objects.count() == 0

    report = services.case_create(kind="test_report")
    assert report.anonymous is True
    assert Notification.objects.count() == 0


def test_database_refuses_a_case_without_contact(resident):
    # given
    case = services.case_create(kind="test_permit", applicant=resident)

    # when / then
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(applicant=None)


def test_database_refuses_an_unknown_status(resident):
    case = services.case_create(kind="test_permit", applicant=resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="lost")


def test_unknown_kind_is_refused(resident):
    with pytest.raises(LookupError):
        services.case_create(kind="no_such_service", applicant=resident)


def test_draft_has_a_reference_but_no_submission_until_sent(resident):
    # given
    draft = services.case_create(kind="test_permit", applicant=resident, submit=False)
    assert (draft.status, draft.submitted_at, draft.due_date) == (S.DRAFT, None, None)
    assert draft.events.count() == 0
    assert Notification.objects.count() == 0

    # when
    services.transition(case=draft, to_status=S.SUBMITTED, actor=resident)

    # then
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    assert draft.submitted_at is not None
    assert draft.due_date == business_days_add(start=timezone.localdate(), days=30)
    event = draft.events.get()
    assert (event.kind, event.from_status, event.to_status) == ("submitted", "draft", "submitted")
    assert _notifications(draft, "cases/submitted").count() == 2


def test_draft_refused_for_a_workflow_without_drafts(resident):
    with pytest.raises(ValueError, match="no 'draft' state"):
        services.case_create(kind="test_report", applicant=resident, submit=False)


# --- transition ----------------------------------------------------------------------------

ALL_STATUSES = list(TEST_PERMIT.states)


def _case_in(status, *, applicant):
    """A test_permit case put in `status` by a straight walk through allowed moves."""
    clerk = StaffFactory()
    paths = {
        S.DRAFT: [],
        S.SUBMITTED: [S.SUBMITTED],
        S.IN_REVIEW: [S.SUBMITTED, S.IN_REVIEW],
        S.AWAITING_INFO: [S.SUBMITTED, S.IN_REVIEW, S.AWAITING_INFO],
        S.APPROVED: [S.SUBMITTED, S.IN_REVIEW, S.APPROVED],
        S.DENIED: [S.SUBMITTED, S.IN_REVIEW, S.DENIED],
        S.WITHDRAWN: [S.SUBMITTED, S.WITHDRAWN],
        S.CANCELLED: [S.SUBMITTED, S.CANCELLED],
        S.REOPENED: [S.SUBMITTED, S.IN_REVIEW, S.DENIED, S.REOPENED],
    }
    case = services.case_create(kind="test_permit", applicant=applicant, submit=False)
    for step in paths[status]:
        move = TEST_PERMIT.find_transition(case.status, step)
        actor = {STAFF: clerk, APPLICANT: applicant, SYSTEM: None}[sorted(move.actors)[0]]
        if STAFF in move.actors:
            actor = clerk
        services.transition(case=case, to_status=step, actor=actor)
    assert case.status == status
    return case


@pytest.mark.parametrize(
    "transition",
    TEST_PERMIT.transitions,
    ids=[f"{t.source}->{t.target}" for t in TEST_PERMIT.transitions],
)
@pytest.mark.parametrize("role", [STAFF, APPLICANT, SYSTEM])
def test_every_move_of_the_table_is_allowed_exactly_to_its_actors(transition, role, resident):
    # given
    case = _case_in(transition.source, applicant=resident)
    actor = {STAFF: StaffFactory(), APPLICANT: resident, SYSTEM: None}[role]
    events_before = case.events.count()

    # when / then
    if role in transition.actors:
        services.transition(case=case, to_status=transition.target, actor=actor)
        case.refresh_from_db()
        assert case.status == transition.target
        assert case.events.count() == events_before + 1
        assert (case.closed_at is not None) == TEST_PERMIT.is_final(transition.target)
    else:
        with pytest.raises(TransitionForbidden):
            services.transition(case=case, to_status=transition.target, actor=actor)
        case.refresh_from_db()
        assert case.status == transition.source
        assert case.events.count() == events_before


MOVES_OUTSIDE_THE_TABLE = [
    (source, target)
    for source in ALL_STATUSES
    for target in ALL_STATUSES
    if TEST_PERMIT.find_transition(source, target) is None
]


@pytest.mark.parametrize(
    ("source", "target"),
    MOVES_OUTSIDE_THE_TABLE,
    ids=[f"{s}->{t}" for s, t in MOVES_OUTSIDE_THE_TABLE],
)
def test_moves_outside_the_table_are_not_allowed(source, target, resident):
    # given
    case = _case_in(source, applicant=resident)
    events_before = case.events.count()

    # when / then
    with pytest.raises(TransitionNotAllowed):
        services.transition(case=case, to_status=target, actor=StaffFactory())
    case.refresh_from_db()
    assert case.status == source
    assert case.events.count() == events_before


def test_status_outside_every_workflow_is_not_allowed(resident, clerk):
    case = services.case_create(kind="test_permit", applicant=resident)
    with pytest.raises(TransitionNotAllowed):
        services.transition(case=case, to_status="teleported", actor=clerk)


def test_a_stranger_may_not_make_an_applicant_move(resident, other_resident):
    # given
    case = services.case_create(kind="test_permit", applicant=resident)

    # when / then
    with pytest.raises(TransitionForbidden):
        services.transition(case=case, to_status=S.WITHDRAWN, actor=other_resident)
    case.refresh_from_db()
    assert case.status == S.SUBMITTED


def test_staff_applicant_cannot_review_their_own_case():
    # given: a clerk who applied for a permit themselves
    clerk = StaffFactory()
    case = services.case_create(kind="test_permit", applicant=clerk)

    # when / then
    with pytest.raises(TransitionForbidden):
        services.transition(case=case, to_status=S.IN_REVIEW, actor=clerk)


def test_inactive_staff_cannot_move_cases(resident):
    clerk = StaffFactory(is_active=False)
    case = services.case_create(kind="test_permit", applicant=resident)
    with pytest.raises(TransitionForbidden):
        services.transition(case=case, to_status=S.IN_REVIEW, actor=clerk)


def test_public_transition_writes_event_note_and_notifies(resident, clerk):
    # given
    case = _case_in(S.IN_REVIEW, applicant=resident)

    # when
    services.transition(
        case=case,
        to_status=S.APPROVED,
        actor=clerk,
        note="Checked the insurance certificate.",
        public_note="Your permit is approved. Print it from this page.",
    )

    # then
    status_event, note_event = case.events.order_by("-id")[:2][::-1]
    assert (status_event.kind, status_event.audience, status_event.actor) == (
        "status_changed",
        "participants",
        clerk,
    )
    assert (status_event.from_status, status_event.to_status) == ("in_review", "approved")
    assert status_event.body == "Your permit is approved. Print it from this page."
    assert status_event.title == "Status: Approved"
    assert (note_event.kind, note_event.audience, note_event.body) == (
        "note",
        "staff",
        "Checked the insurance certificate.",
    )
    rows = _notifications(case, "cases/status_changed").filter(context__status="approved")
    assert [n.channel for n in rows] == ["email", "in_app"]
    in_app = rows.get(channel="in_app")
    assert in_app.context["note"] == "Your permit is approved. Print it from this page."
    assert in_app.body == (
        f"Your request {case.reference} is now: Approved. "
        "Your permit is approved. Print it from this page."
    )
    assert case.closed_at is not None


def test_internal_transition_is_hidden_and_silent(resident, clerk):
    # given
    case = _case_in(S.DENIED, applicant=resident)
    sent_before = Notification.objects.count()

    # when
    services.transition(case=case, to_status=S.REOPENED, actor=clerk)

    # then
    event = case.events.latest("id")
    assert (event.kind, event.audience) == ("status_changed", "staff")
    assert Notification.objects.count() == sent_before
    assert case.closed_at is None  # leaving a final state reopens the case


def test_public_note_on_an_internal_move_is_refused(resident, clerk):
    case = _case_in(S.DENIED, applicant=resident)
    with pytest.raises(ValueError, match="public note"):
        services.transition(case=case, to_status=S.REOPENED, actor=clerk, public_note="Hi")
    case.refresh_from_db()
    assert case.status == S.DENIED


def test_transition_judges_the_locked_row_not_a_stale_instance(resident, clerk):
    # given: two copies of the same case, one of them stale
    case = services.case_create(kind="test_permit", applicant=resident)
    stale = Case.objects.get(pk=case.pk)
    services.transition(case=case, to_status=S.WITHDRAWN, actor=resident)

    # when / then: the stale copy still says "submitted", but the row is withdrawn
    with pytest.raises(TransitionNotAllowed):
        services.transition(case=stale, to_status=S.IN_REVIEW, actor=clerk)


def test_events_are_append_only(resident):
    # given
    case = services.case_create(kind="test_permit", applicant=resident)
    event = case.events.get()

    # when / then
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(body="rewritten")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).delete()
    assert CaseEvent.objects.get(pk=event.pk).body == ""


# --- assignment, notes, messages, events ---------------------------------------------------


def test_case_assign_writes_an_internal_event_once(resident, clerk):
    # given
    case = services.case_create(kind="test_permit", applicant=resident)
    colleague = StaffFactory(full_name="Pat Inspector")

    # when
    services.case_assign(case=case, assignee=colleague, actor=clerk)
    services.case_assign(case=case, assignee=colleague, actor=clerk)

    # then
    case.refresh_from_db()
    assert case.assignee == colleague
    events = list(case.events.filter(kind="assigned"))
    assert [(e.audience, e.actor, e.body) for e in events] == [("staff", clerk, "Pat Inspector")]


def test_case_assign_refuses_residents_as_assignees_and_as_actors(resident, clerk):
    case = services.case_create(kind="test_permit", applicant=resident)
    with pytest.raises(InvalidAssignee):
        services.case_assign(case=case, assignee=resident, actor=clerk)
    with pytest.raises(ActionForbidden):
        services.case_assign(case=case, assignee=clerk, actor=resident)
    case.refresh_from_db()
    assert case.assignee is None


def test_case_add_note_is_internal_and_staff_only(resident, clerk):
    case = services.case_create(kind="test_permit", applicant=resident)

    note = services.case_add_note(case=case, author=clerk, body="  Called the applicant.  ")

    assert (note.kind, note.audience, note.body) == ("note", "staff", "Called the applicant.")
    with pytest.raises(ActionForbidden):
        services.case_add_note(case=case, author=resident, body="I am staff now")
    with pytest.raises(ValueError):
        services.case_add_note(case=case, author=clerk, body="   ")


def test_message_to_resident_and_reply(resident, clerk):
    # given
    case = services.case_create(kind="test_permit", applicant=resident)
    services.case_assign(case=case, assignee=clerk, actor=clerk)

    # when
    message = services.case_message_resident(
        case=case, author=clerk, body="Please upload your insurance certificate."
    )
    reply = services.case_reply(case=case, author=resident, body="Done, see the PDF.")

    # then
    assert (message.from_staff, reply.from_staff) == (True, False)
    kinds = list(case.events.order_by("id").values_list("kind", "audience", "body"))[-2:]
    assert kinds == [
        ("message", "participants", "Please upload your insurance certificate."),
        ("reply", "participants", "Done, see the PDF."),
    ]
    to_resident = _notifications(case, "cases/message").get(channel="in_app")
    assert to_resident.recipient == resident
    assert to_resident.body == "Please upload your insurance certificate."
    to_clerk = _notifications(case, "cases/reply_received").get(channel="in_app")
    assert to_clerk.recipient == clerk
    assert to_clerk.context["case_url"].endswith(f"/admin/cases/case/{case.pk}/change/")


def test_only_the_applicant_may_reply(resident, other_resident, clerk):
    case = services.case_create(kind="test_permit", applicant=resident)
    for intruder in (other_resident, clerk):
        with pytest.raises(ActionForbidden):
            services.case_reply(case=case, author=intruder, body="Let me in")
    assert CaseMessage.objects.count() == 0


def test_residents_cannot_message_as_staff(resident, other_resident):
    case = services.case_create(kind="test_permit", applicant=resident)
    with pytest.raises(ActionForbidden):
        services.case_message_resident(case=case, author=other_resident, body="Hello")


def test_messages_mark_read_reads_only_the_other_side(resident, clerk):
    # given
    case = services.case_create(kind="test_permit", applicant=resident)
    services.case_message_resident(case=case, author=clerk, body="Question?")
    services.case_reply(case=case, author=resident, body="Answer.")

    # when
    count = services.case_messages_mark_read(case=case, reader=resident)
    again = services.case_messages_mark_read(case=case, reader=resident)

    # then
    assert (count, again) == (1, 0)
    read = dict(CaseMessage.objects.values_list("from_staff", "read_at"))
    assert read[True] is not None
    assert read[False] is None


def test_case_record_event_for_domain_apps(resident):
    case = services.case_create(kind="test_permit", applicant=resident)

    event = services.case_record_event(
        case=case, kind="payment", body="Fee of $50.00 paid.", audience="participants"
    )

    assert (event.kind, event.audience, event.actor, event.title) == (
        "payment",
        "participants",
        None,
        "Payment",
    )
    with pytest.raises(ValueError, match="cannot be recorded on a test_permit case"):
        services.case_record_event(
            case=case, kind="status_changed", body="x", audience="participants"
        )


def test_a_regional_language_is_stored_as_the_portal_language():
    from django.utils import translation

    with translation.override("es-mx"):
        case = services.case_create(kind="test_permit", guest_email="ana@example.org")
    assert case.language == "es"


@pytest.mark.parametrize("value", ["English", "", "es_MX", "es; drop"])
def test_database_refuses_what_is_not_a_language_tag(resident, value):
    case = services.case_create(kind="test_permit", applicant=resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(language=value)


def test_a_case_is_in_one_of_the_agencys_languages(resident):
    # given: a reader whose browser asks for a language the agency does not offer
    with translation.override("fr"):
        # when
        case = services.case_create(kind="test_permit", applicant=resident)

    # then
    assert case.language == "en"


def test_a_service_may_set_the_target_of_the_draft_it_submits(resident):
    # given
    draft = services.case_create(kind="test_permit", applicant=resident, submit=False)

    # when
    services.transition(case=draft, to_status=S.SUBMITTED, actor=resident, target_days=10)

    # then
    draft.refresh_from_db()
    assert draft.due_date == business_days_add(
        start=timezone.localdate(draft.submitted_at), days=10
    )
