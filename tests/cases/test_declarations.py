"""Each workflow owns its statuses and event kinds; the database refuses anything else.

A throw-away booking workflow with statuses no other service has (held, confirmed) is
declared, synced into the database the way `migrate` does it, and used through the real
services; then the database is asked, past the services, to take what it must refuse.
"""

import dataclasses

import pytest
from django.core import checks
from django.db import IntegrityError, connection, transaction

from cases import events, services
from cases.checks import declarations_check, workflow_prefixes_check
from cases.declarations import declarations_diff, declarations_sync
from cases.models import Case, CaseEvent, DeclaredEventKind, DeclaredStatus
from cases.workflow import OPEN, STAFF, WAITING, State, Transition, Workflow, register, unregister
from tests.cases.workflows import TEST_PERMIT, TEST_REPORT

pytestmark = pytest.mark.django_db

BOOKING = Workflow(
    kind="test_booking",
    name="Test booking",
    prefix="TBK",
    target_days=2,
    initial_status="held",
    states={
        "held": State(label="Held for you", staff_label="Held (unpaid)", waiting=True),
        "confirmed": State(label="Booked", final=True),
        "released": State(label="Released", final=True),
    },
    transitions=[
        Transition("held", "confirmed", actors={STAFF}),
        Transition("held", "released", actors={STAFF}),
    ],
    event_kinds={"key_handed_over": events.EventKind(label="Key handed over", audiences={"staff"})},
)


@pytest.fixture
def booking_workflow():
    register(BOOKING)
    declarations_sync(workflows=[BOOKING])
    yield BOOKING
    unregister(BOOKING.kind)


def _set_status(case: Case, status: str) -> None:
    """Write a status past the services, as a careless UPDATE would."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET status = %s WHERE id = %s", [status, case.pk])


def test_a_new_workflows_own_statuses_are_accepted_without_a_migration(
    booking_workflow, resident, clerk
):
    # when
    case = services.case_create(kind="test_booking", applicant=resident)
    services.transition(case=case, to_status="confirmed", actor=clerk)

    # then
    case.refresh_from_db()
    assert case.status == "confirmed"
    assert case.status_label == "Booked"
    assert DeclaredStatus.objects.get(case_kind="test_booking", code="held").phase == WAITING


@pytest.mark.parametrize(
    "status",
    [
        "corrections_required",  # nobody declares it
        "in_review",  # another workflow's status, not the booking's
    ],
)
def test_the_database_refuses_a_status_the_cases_workflow_does_not_declare(
    booking_workflow, resident, status
):
    case = services.case_create(kind="test_booking", applicant=resident)

    with pytest.raises(IntegrityError, match="cases_case_status_declared"), transaction.atomic():
        _set_status(case, status)


def test_the_database_refuses_a_new_case_in_an_undeclared_status(resident):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            reference="TRP-2026-999999", kind=TEST_REPORT.kind, status="approved", anonymous=True
        )


def test_a_workflows_own_event_kind_is_accepted_on_its_cases_only(booking_workflow, resident):
    # given
    booking = services.case_create(kind="test_booking", applicant=resident)
    permit = services.case_create(kind="test_permit", applicant=resident)

    # when
    event = services.case_record_event(
        case=booking, kind="key_handed_over", body="Key 12", audience="staff"
    )

    # then: the database copied the case's kind onto the event, and refuses the kind elsewhere
    assert CaseEvent.objects.get(pk=event.pk).case_kind == "test_booking"
    with pytest.raises(IntegrityError, match="cases_caseevent_kind_declared"), transaction.atomic():
        CaseEvent.objects.create(case=permit, kind="key_handed_over", audience="staff")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.create(case=booking, kind="key_handed_over", audience="participants")


def test_an_events_case_kind_is_the_cases_whatever_the_caller_passes(resident):
    permit = services.case_create(kind="test_permit", applicant=resident)

    event = CaseEvent.objects.create(
        case=permit, case_kind="test_booking", kind="inspection", audience="public", body="x"
    )

    assert CaseEvent.objects.get(pk=event.pk).case_kind == "test_permit"


def test_inspection_is_a_kind_the_test_permit_declares_not_the_engine(resident):
    report = services.case_create(kind="test_report", guest_email="a@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        CaseEvent.objects.create(case=report, kind="inspection", audience="staff", body="x")


def test_sync_follows_the_code_and_keeps_what_cases_still_use(booking_workflow, resident):
    # given: a booking held, then the code drops "held" and "released" and adds "waitlisted"
    services.case_create(kind="test_booking", applicant=resident)
    changed = dataclasses.replace(
        BOOKING,
        initial_status="confirmed",
        states={
            "confirmed": State(label="Booked", final=True),
            "waitlisted": State(label="On the waiting list"),
        },
        transitions=[],
        event_kinds={},
    )

    # when
    before = declarations_sync(workflows=[changed])

    # then: what a case uses stays (and is reported); what nothing uses goes
    assert ("test_booking", "waitlisted", OPEN) in before.missing_statuses
    assert set(
        DeclaredStatus.objects.filter(case_kind="test_booking").values_list("code", flat=True)
    ) == {"confirmed", "waitlisted", "held"}
    assert not DeclaredEventKind.objects.filter(code="key_handed_over").exists()
    after = declarations_diff(workflows=[changed])
    assert {code for _kind, code, _phase in after.extra_statuses} == {"held"}
    assert not after.missing_statuses and not after.missing_event_kinds


def test_sync_twice_changes_nothing_the_second_time(booking_workflow):
    assert not declarations_sync(workflows=[BOOKING, TEST_PERMIT, TEST_REPORT])


def test_the_check_reports_a_workflow_the_database_does_not_accept_yet():
    # given: registered, never synced
    late = dataclasses.replace(BOOKING, kind="test_late", prefix="TLT")
    register(late)
    try:
        # when
        messages = declarations_check(databases=["default"])
    finally:
        unregister(late.kind)

    # then
    assert [m.id for m in messages if "test_late:held" in m.msg] == ["cases.W001"]
    assert all(m.level == checks.WARNING for m in messages)


def test_the_check_is_silent_when_the_database_matches_the_code():
    from cases.workflow import registered_workflows

    declarations_sync(workflows=registered_workflows())

    messages = declarations_check(databases=["default"])

    assert [m for m in messages if "does not accept" in m.msg] == []


@pytest.mark.parametrize("prefix", ["INV", "RCT"])
def test_a_workflow_may_not_take_a_reserved_reference_prefix(prefix):
    register(dataclasses.replace(BOOKING, kind="test_invoiceish", prefix=prefix))
    try:
        errors = workflow_prefixes_check()
    finally:
        unregister("test_invoiceish")

    assert [(e.id, e.obj) for e in errors] == [("cases.E001", "test_invoiceish")]


def test_every_registered_workflow_has_its_own_prefix():
    assert workflow_prefixes_check() == []
