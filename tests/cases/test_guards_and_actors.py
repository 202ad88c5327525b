"""Moves have guards, record the person who made them, and return the event they wrote."""

import dataclasses

import pytest

from cases import selectors, services
from cases.declarations import declarations_sync
from cases.exceptions import TransitionForbidden, TransitionRefused
from cases.models import CaseEvent
from cases.workflow import STAFF, State, Transition, Workflow, register, unregister

pytestmark = pytest.mark.django_db


def _no_open_review(*, case, actor):
    """A permit is not issued while a review is open (here: while a flag says so)."""
    if case.guest_name == "review open":
        return "A review is still open: close it before issuing the permit."
    return None


GUARDED = Workflow(
    kind="test_guarded",
    name="Guarded permit",
    prefix="TGD",
    target_days=10,
    states={
        "submitted": State(label="Received"),
        "issued": State(label="Issued", final=True),
        "refused": State(label="Refused", final=True),
    },
    transitions=[
        Transition("submitted", "issued", actors={STAFF}, guard=_no_open_review),
        Transition("submitted", "refused", actors={STAFF}, service_only=True),
    ],
)


@pytest.fixture
def guarded():
    register(GUARDED)
    declarations_sync(workflows=[GUARDED])
    yield GUARDED
    unregister(GUARDED.kind)


def test_a_guard_refuses_a_move_with_its_reason_and_nothing_changes(guarded, clerk):
    # given
    case = services.case_create(
        kind="test_guarded", guest_name="review open", guest_email="a@example.org"
    )
    events_before = case.events.count()

    # when / then
    with pytest.raises(TransitionRefused, match="A review is still open"):
        services.transition(case=case, to_status="issued", actor=clerk)
    case.refresh_from_db()
    assert case.status == "submitted"
    assert case.events.count() == events_before


def test_a_guard_that_allows_lets_the_move_through_and_returns_its_event(guarded, clerk):
    # given
    case = services.case_create(kind="test_guarded", guest_email="a@example.org")

    # when
    event = services.transition(case=case, to_status="issued", actor=clerk, public_note="Done")

    # then
    assert isinstance(event, CaseEvent)
    assert (event.kind, event.from_status, event.to_status, event.actor, event.body) == (
        "status_changed",
        "submitted",
        "issued",
        clerk,
        "Done",
    )
    assert event == case.events.latest("created_at", "id")
    assert case.status == "issued"


def test_a_guard_is_asked_with_the_locked_case_and_the_actor(guarded, clerk):
    seen = []

    def spy(*, case, actor):
        seen.append((case.status, actor))

    workflow = dataclasses.replace(
        GUARDED,
        kind="test_guarded_spy",
        prefix="TGS",
        transitions=[Transition("submitted", "issued", actors={STAFF}, guard=spy)],
    )
    register(workflow)
    declarations_sync(workflows=[workflow])
    try:
        case = services.case_create(kind="test_guarded_spy", guest_email="a@example.org")
        services.transition(case=case, to_status="issued", actor=clerk)
    finally:
        unregister(workflow.kind)

    assert seen == [("submitted", clerk)]


def test_a_service_only_move_is_never_offered_nor_made_from_a_generic_page(guarded, clerk):
    case = services.case_create(kind="test_guarded", guest_email="a@example.org")

    assert [t.target for t in selectors.transitions_for(case=case, user=clerk)] == ["issued"]
    with pytest.raises(TransitionForbidden, match="by its service only"):
        services.transition(case=case, to_status="refused", actor=clerk, offered=True)

    # The service itself makes it, as the clerk.
    event = services.transition(case=case, to_status="refused", actor=clerk)
    assert event.actor == clerk


def test_the_back_office_shows_the_guards_reason(client, guarded, case_clerk):
    # given
    case = services.case_create(
        kind="test_guarded", guest_name="review open", guest_email="a@example.org"
    )
    client.force_login(case_clerk)

    # when
    response = client.post(
        f"/admin/cases/case/{case.pk}/transition/", {"to_status": "issued"}, follow=True
    )

    # then
    assert "A review is still open: close it before issuing the permit." in (
        response.content.decode()
    )
    case.refresh_from_db()
    assert case.status == "submitted"


def test_a_guard_must_be_callable():
    from django.core.exceptions import ImproperlyConfigured

    broken = dataclasses.replace(
        GUARDED,
        kind="test_broken",
        prefix="TBR",
        transitions=[Transition("submitted", "issued", guard="not a function")],
    )
    with pytest.raises(ImproperlyConfigured, match="guard not callable"):
        register(broken)
