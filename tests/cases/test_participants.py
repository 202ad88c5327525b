"""Participants: a case's people, each told what their workflow declares and nothing private
unless their role reads it."""

import datetime
from unittest import mock

import pytest
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from cases import events, services
from cases.checks import participation_check
from cases.claims import claims_for_verified_email, register_case_claims
from cases.participants import (
    CONFIRM_MAX_AGE,
    Participant,
    participant_add,
    participant_confirm,
    participant_remove,
    participants_of,
    participants_told,
)
from cases.participation import (
    APPLICANT,
    CONTRACTOR,
    CONTRACTOR_ROLE,
    FOLLOWER,
    Participation,
)
from cases.tokens import participant_confirm_token, participant_id_from_confirm_token
from cases.workflow import (
    STAFF,
    State,
    Transition,
    Workflow,
    register,
    registered_workflows,
    unregister,
)
from notifications.models import Notification
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import CaseFactory
from tests.cases.workflows import TEST_PERMIT

pytestmark = pytest.mark.django_db


def sent(**filters) -> list[tuple[str, str]]:
    return sorted(
        set(Notification.objects.filter(**filters).values_list("template_key", "channel"))
    )


def confirmed(case, role, **person) -> Participant:
    return participant_confirm(participant=participant_add(case=case, role=role, **person))


# --- Who is on a case --------------------------------------------------------------------------


def test_a_new_case_records_its_applicant_as_a_participant():
    # given
    resident = UserFactory()

    # when
    with_account = CaseFactory(applicant=resident)
    guest = CaseFactory(applicant=None, guest_email="guest@example.org", guest_phone="+12025550123")
    anonymous = CaseFactory(kind="test_report", applicant=None)

    # then
    [applicant] = participants_of(case=with_account)
    assert (applicant.role, applicant.user, applicant.email, applicant.confirmed) == (
        APPLICANT,
        resident,
        "",
        True,
    )
    [guest_applicant] = participants_of(case=guest)
    assert (guest_applicant.user, guest_applicant.email, str(guest_applicant.phone)) == (
        None,
        "guest@example.org",
        "+12025550123",
    )
    assert not participants_of(case=anonymous).exists()


def test_one_person_holds_one_role_once_per_case():
    # given: a follower by account, by e-mail address and by phone, and a case's applicant
    case = CaseFactory()
    person = UserFactory()
    now = timezone.now()
    Participant.objects.create(case=case, role=FOLLOWER, user=person, confirmed_at=now)
    Participant.objects.create(case=case, role=FOLLOWER, email="Ann@Example.org")
    Participant.objects.create(case=case, role=FOLLOWER, phone="+12025550111")

    # when / then: the same person again in the same role is refused by the database
    duplicates = [
        {"role": FOLLOWER, "user": person},
        {"role": FOLLOWER, "email": "ann@example.org"},
        {"role": FOLLOWER, "phone": "+12025550111"},
        {"role": APPLICANT, "user": UserFactory()},
    ]
    for fields in duplicates:
        with pytest.raises(IntegrityError), transaction.atomic():
            Participant.objects.create(case=case, **fields)
    # ... but the same person may hold another role
    Participant.objects.create(case=case, role=CONTRACTOR, user=person)
    # ... and a row is an account or guest addresses, and reachable
    for fields in ({"user": UserFactory(), "email": "x@example.org"}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Participant.objects.create(case=case, role="agent", **fields)


def test_adding_someone_twice_returns_their_row():
    # given
    case = CaseFactory()
    first = participant_add(case=case, role=FOLLOWER, email="n@example.org")

    # when
    again = participant_add(case=case, role=FOLLOWER, email="N@example.org ")

    # then
    assert again.pk == first.pk
    assert participants_of(case=case, role=FOLLOWER).count() == 1


def test_only_the_roles_a_workflow_has_can_be_given():
    # given: a report workflow without contractors, and a permit with them
    report = CaseFactory(kind="test_report")
    permit = CaseFactory()

    # when / then
    with pytest.raises(ValueError, match="not a role"):
        participant_add(case=report, role=CONTRACTOR, email="c@example.org")
    with pytest.raises(ValueError, match="not a role"):
        participant_add(case=permit, role=APPLICANT, user=UserFactory())
    with pytest.raises(ValueError, match="needs an account"):
        participant_add(case=permit, role=CONTRACTOR)
    contractor = participant_add(case=permit, role=CONTRACTOR, email="c@example.org")
    assert (contractor.role, contractor.confirmed) == (CONTRACTOR, False)


def test_removing_a_follower_keeps_the_applicant():
    # given
    case = CaseFactory()
    person = UserFactory()
    participant_add(case=case, role=FOLLOWER, user=person)

    # when
    removed = participant_remove(case=case, role=FOLLOWER, user=person)

    # then
    assert removed == 1
    assert [p.role for p in participants_of(case=case)] == [APPLICANT]
    with pytest.raises(ValueError):
        participant_remove(case=case, role=APPLICANT, user=case.applicant)


def test_a_claimed_guest_case_moves_its_applicant_to_the_account():
    # given: a guest's case, and the guest's new account verifying the address
    register_case_claims(kind=TEST_PERMIT.kind)
    case = CaseFactory(applicant=None, guest_email="guest@example.org")
    person = UserFactory(email="guest@example.org")

    # when
    claims_for_verified_email(user=person, email="guest@example.org")

    # then
    [applicant] = participants_of(case=case)
    assert (applicant.user, applicant.email, applicant.phone) == (person, "", "")


# --- Who is told of what -----------------------------------------------------------------------

# Every (event kind, audience) that tells anyone, for every registered workflow; anything
# not listed tells nobody. A workflow that declares a new notice fails here until it is
# listed, so nobody starts telling people something by accident.
TOLD = {
    ("*", events.SUBMITTED, events.PUBLIC): {APPLICANT},
    ("*", events.SUBMITTED, events.PARTICIPANTS): {APPLICANT},
    ("*", events.STATUS_CHANGED, events.PUBLIC): {APPLICANT, FOLLOWER},
    ("*", events.STATUS_CHANGED, events.PARTICIPANTS): {APPLICANT},
    ("*", events.MESSAGE, events.PARTICIPANTS): {APPLICANT},
    # Bookings: the booker hears of each step from the booking services' own messages, which
    # carry the times and the calendar file; the engine's generic ones tell nobody
    # (bookings/workflow.py).
    **{
        ("facility_booking", kind, audience): set()
        for kind in (events.SUBMITTED, events.STATUS_CHANGED)
        for audience in (events.PUBLIC, events.PARTICIPANTS)
    },
    ("test_permit", "inspection", events.PUBLIC): {APPLICANT, CONTRACTOR},
    ("test_permit", "inspection", events.PARTICIPANTS): {APPLICANT, CONTRACTOR},
    # Permits: the applicant and the contractor hear of every booking, move, cancellation,
    # result and extension decision at once (permits/inspection_events.py).
    **{
        ("permit", kind, audience): {APPLICANT, CONTRACTOR}
        for kind, audiences in {
            "inspection_booked": (events.PARTICIPANTS,),
            "inspection_moved": (events.PARTICIPANTS,),
            "inspection_cancelled": (events.PARTICIPANTS,),
            "inspection_result": (events.PARTICIPANTS, events.PUBLIC),
            "permit_extension": (events.PARTICIPANTS,),
        }.items()
        for audience in audiences
    },
}


def _expected(workflow_kind: str, kind: str, audience: str) -> set[str]:
    if (workflow_kind, kind, audience) in TOLD:
        return TOLD[(workflow_kind, kind, audience)]
    return TOLD.get(("*", kind, audience), set())


def test_every_declared_event_kind_tells_exactly_the_roles_listed():
    checked = 0
    for workflow in registered_workflows():
        # given: a case of the workflow with someone confirmed in every role, and someone
        # pending in every role that needs confirming (never told)
        case = CaseFactory(kind=workflow.kind)
        for role, declared in workflow.participation.all_roles.items():
            if role == APPLICANT:
                continue
            confirmed(case, role, user=UserFactory())
            if declared.confirm:
                participant_add(case=case, role=role, email=f"pending-{role}@example.org")
        for kind, declared in workflow.all_event_kinds.items():
            for audience in sorted(declared.audiences):
                # when
                told = participants_told(case=case, kind=kind, audience=audience)

                # then
                assert {p.role for p, _template in told} == _expected(
                    workflow.kind, kind, audience
                ), (workflow.kind, kind, audience)
                assert all(p.confirmed for p, _template in told)
                checked += 1
    assert checked > 50


def test_a_follower_never_receives_a_private_message():
    # given: a case with a confirmed follower by account and one by e-mail address
    case = CaseFactory()
    clerk = StaffFactory(roles=["clerk"])
    neighbour = UserFactory()
    confirmed(case, FOLLOWER, user=neighbour)
    confirmed(case, FOLLOWER, email="neighbour@example.org")
    Notification.objects.all().delete()

    # when: staff message the applicant, make a public move (on a case whose history is not
    # published: the people on the case read it, the public does not) and a private one
    services.case_message_resident(case=case, author=clerk, body="Please send the plan.")
    services.transition(case=case, to_status="in_review", actor=clerk)
    services.transition(case=case, to_status="denied", actor=clerk)
    services.transition(case=case, to_status="reopened", actor=clerk)
    services.case_record_event(
        case=case, kind=events.PAYMENT, audience=events.PARTICIPANTS, payload={"amount_cents": 5}
    )

    # then: the applicant heard of the message and the public moves; the followers nothing
    assert not Notification.objects.filter(recipient=neighbour).exists()
    assert not Notification.objects.filter(to_address="neighbour@example.org").exists()
    assert sent(recipient=case.applicant, channel="in_app") == [
        ("cases/message", "in_app"),
        ("cases/status_changed", "in_app"),
    ]


def test_a_contractor_hears_of_inspections_in_their_own_language():
    # given: a permit with a confirmed contractor who wrote in Spanish
    case = CaseFactory()
    contractor = confirmed(case, CONTRACTOR, email="crew@example.org", language="es")

    # when
    event = services.case_record_event(
        case=case,
        kind="inspection",
        audience=events.PARTICIPANTS,
        payload={"inspection_on": "2027-03-04"},
    )

    # then: the applicant and the contractor each get the inspection message
    to_contractor = Notification.objects.get(
        to_address="crew@example.org", template_key="cases/event"
    )
    assert to_contractor.template_key == "cases/event"
    assert to_contractor.language == "es"
    assert to_contractor.context["event_text"] == "Inspection on 4 de marzo de 2027."
    assert to_contractor.dedupe_key == (
        f"cases:{case.pk}:event:{event.pk}:participant:{contractor.pk}:email"
    )
    assert sent(recipient=case.applicant, template_key="cases/event") == [
        ("cases/event", "email"),
        ("cases/event", "in_app"),
    ]
    # ... and the contractor, not the applicant, is sent no link to the applicant's page
    assert to_contractor.context["case_url"] == ""


def test_someone_in_two_roles_is_told_once():
    # given: the applicant is their own contractor
    case = CaseFactory()
    confirmed(case, CONTRACTOR, user=case.applicant)

    # when
    services.case_record_event(
        case=case, kind="inspection", audience=events.PARTICIPANTS, payload={"inspection_on": ""}
    )

    # then: one message per channel, as the applicant
    messages = Notification.objects.filter(template_key="cases/event")
    channels = [n.channel for n in messages]
    assert sorted(channels) == sorted(set(channels)) == ["email", "in_app"]
    assert all(n.recipient_id == case.applicant_id for n in messages)
    assert not any(":participant:" in n.dedupe_key for n in messages)


def test_a_pending_participant_is_told_nothing_until_confirmed():
    # given: a contractor added by address, not confirmed yet
    case = CaseFactory()
    pending = participant_add(case=case, role=CONTRACTOR, email="crew@example.org")
    payload = {"inspection_on": "2027-03-04"}

    # when
    services.case_record_event(
        case=case, kind="inspection", audience=events.PARTICIPANTS, payload=payload
    )
    participant_confirm(participant=pending)
    services.case_record_event(
        case=case, kind="inspection", audience=events.PARTICIPANTS, payload=payload
    )

    # then: the link that confirms, then only the second inspection reached them
    assert [
        n.template_key
        for n in Notification.objects.filter(to_address="crew@example.org").order_by("pk")
    ] == ["cases/participant_confirm", "cases/event"]


# --- Declarations are checked at start-up ------------------------------------------------------


def _workflow(**participation) -> Workflow:
    return Workflow(
        kind="test_bad_participation",
        name="Bad",
        prefix="BAD",
        target_days=1,
        states={"submitted": State(label="Received"), "done": State(label="Done", final=True)},
        transitions=[Transition("submitted", "done", actors={STAFF})],
        participation=Participation(**participation),
    )


@pytest.mark.parametrize(
    ("participation", "message"),
    [
        ({"notices": {events.MESSAGE: {FOLLOWER: "cases/message"}}}, "never public"),
        ({"notices": {events.NOTE: {FOLLOWER: "x"}}}, "never public"),
        ({"notices": {events.MESSAGE: {CONTRACTOR: "cases/message"}}}, "not a participant role"),
        ({"notices": {"inspection": {APPLICANT: "x"}}}, "does not record"),
        ({"notices": {events.MESSAGE: {APPLICANT: ""}}}, "without a message template"),
        ({"roles": {FOLLOWER: CONTRACTOR_ROLE}}, "engine's own"),
        ({"roles": {"Crew": CONTRACTOR_ROLE}}, "lower-case slug"),
    ],
)
def test_a_workflow_cannot_tell_a_role_what_it_may_not_read(participation, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        _workflow(**participation).validate()


# --- Confirming by the link sent ---------------------------------------------------------------


def test_someone_added_by_e_mail_confirms_by_the_link_sent_there(client):
    # given: a contractor added by e-mail address, in Spanish
    case = CaseFactory()
    pending = participant_add(case=case, role=CONTRACTOR, email="crew@example.org", language="es")
    [message] = Notification.objects.filter(to_address="crew@example.org")
    token = participant_confirm_token(pending)
    url = reverse("cases:participant_confirm", args=[token])
    assert (message.template_key, message.language) == ("cases/participant_confirm", "es")
    assert message.context["confirm_url"].endswith(url)
    with translation.override("es"):
        assert message.context["role_label"] == str(CONTRACTOR_ROLE.label)
    assert message.context["case_url"] == ""  # nothing of the case before they confirm

    # when: the link is opened (a mail scanner does that too), then the button pressed
    page = client.get(url)
    pending.refresh_from_db()
    unconfirmed_after_get = pending.confirmed_at is None
    confirmed_page = client.post(url, follow=True)

    # then
    assert page.status_code == 200 and unconfirmed_after_get
    assert page["Referrer-Policy"] == "same-origin"
    pending.refresh_from_db()
    assert pending.confirmed
    assert "We will tell you about it" in confirmed_page.content.decode()
    # ... adding them again sends no second link
    participant_add(case=case, role=CONTRACTOR, email="crew@example.org")
    assert Notification.objects.filter(to_address="crew@example.org").count() == 1


def test_a_forged_or_expired_confirmation_link_opens_nothing(client):
    # given
    case = CaseFactory()
    pending = participant_add(case=case, role=CONTRACTOR, email="crew@example.org")
    token = participant_confirm_token(pending)

    # when / then
    assert (
        client.get(reverse("cases:participant_confirm", args=[token[:-2] + "xx"])).status_code
        == 404
    )
    later = timezone.now() + CONFIRM_MAX_AGE + datetime.timedelta(minutes=1)
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        assert client.post(reverse("cases:participant_confirm", args=[token])).status_code == 404
    pending.refresh_from_db()
    assert not pending.confirmed


@pytest.mark.parametrize("salt", ["cases.participant-confirm", "concerns.follow-confirm"])
def test_a_confirmation_link_names_its_participant_until_it_expires(salt):
    # given: the engine's link, or one concerns signed for a follower before it used the
    # engine's (accepted until those have all expired)
    case = CaseFactory()
    pending = participant_add(case=case, role=CONTRACTOR, email="crew@example.org")
    token = signing.dumps(pending.pk, salt=salt)
    later = timezone.now() + CONFIRM_MAX_AGE + datetime.timedelta(minutes=1)

    # when / then
    assert participant_id_from_confirm_token(token) == pending.pk
    with pytest.raises(signing.BadSignature):
        participant_id_from_confirm_token(token[:-2] + "xx")
    with pytest.raises(signing.BadSignature):
        participant_id_from_confirm_token(signing.dumps(pending.pk, salt="cases.guest-link"))
    with pytest.raises(signing.BadSignature):
        participant_id_from_confirm_token(signing.dumps("not an id", salt=salt))
    with (
        mock.patch("django.core.signing.time.time", return_value=later.timestamp()),
        pytest.raises(signing.SignatureExpired),
    ):
        participant_id_from_confirm_token(token)


def test_a_missing_message_template_or_public_page_is_an_error_at_start_up(settings):
    # given: a workflow telling its followers with a template nobody wrote, sending them to a
    # page that does not exist
    workflow = _workflow(
        notices={events.STATUS_CHANGED: {FOLLOWER: "cases/nobody_wrote_this"}},
        public_page="cases:no_such_page",
    )
    register(workflow)
    try:
        # when
        errors = participation_check()
    finally:
        unregister(workflow.kind)

    # then: one error per missing part, and one for the page; the real workflows have none
    assert [(e.id, e.obj) for e in errors] == [("cases.E004", workflow.kind)] * 4
    assert "has no subject.txt" in errors[0].msg
    assert "'cases:no_such_page'" in errors[3].msg
    assert participation_check() == []
