import dataclasses

import pytest
from django.core.exceptions import ImproperlyConfigured

from cases.events import EventKind
from cases.models import CaseStatus as S
from cases.workflow import STAFF, State, Transition, Workflow, get_workflow, register, unregister
from tests.cases.workflows import TEST_PERMIT


def _workflow(**changes):
    base = Workflow(
        kind="sample",
        name="Sample",
        prefix="SMP",
        target_days=10,
        states={S.SUBMITTED: State(label="Received"), S.CLOSED: State(label="Done", final=True)},
        transitions=[Transition(S.SUBMITTED, S.CLOSED, actors={STAFF})],
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def registry_cleanup():
    yield
    unregister("sample")
    unregister("sample_two")


def test_register_and_get(registry_cleanup):
    workflow = register(_workflow())
    assert get_workflow("sample") is workflow
    assert register(workflow) is workflow  # the same object again is harmless


def test_get_unknown_kind():
    with pytest.raises(LookupError, match="nope"):
        get_workflow("nope")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "Bad Kind"}, "lower-case slug"),
        ({"prefix": "lic"}, "2 to 8 capital letters"),
        ({"prefix": "TOOLONGPREFIX"}, "2 to 8 capital letters"),
        ({"target_days": -1}, "cannot be negative"),
        ({"states": {"Limbo!": State(label="?")}}, "unknown statuses"),
        ({"states": {"limbo_" * 4: State(label="?")}}, "unknown statuses"),
        (
            {"states": {S.SUBMITTED: State(label="?", final=True, waiting=True)}},
            "cannot be final and waiting",
        ),
        (
            {"states": {S.SUBMITTED: State(label="?", target_days=-2)}},
            "target of 'submitted' cannot be negative",
        ),
        (
            {
                "states": {
                    S.SUBMITTED: State(label="?"),
                    S.CLOSED: State(label="Done", final=True, target_days=3),
                }
            },
            "only an open status has a target; 'closed' is final",
        ),
        (
            {
                "states": {
                    S.SUBMITTED: State(label="?"),
                    S.AWAITING_INFO: State(label="Tell us", waiting=True, target_days=3),
                }
            },
            "only an open status has a target; 'awaiting_info' is waiting",
        ),
        ({"event_kinds": {"note": EventKind(label="Note")}}, "engine's own"),
        ({"event_kinds": {"Bad Kind": EventKind(label="?")}}, "lower-case slug"),
        ({"event_kinds": {"odd": EventKind(label="?", audiences={"mayor"})}}, "needs audiences"),
        ({"initial_status": S.DRAFT}, "initial status"),
        (
            {"transitions": [Transition(S.SUBMITTED, S.APPROVED)]},
            "leaves the states",
        ),
        (
            {"transitions": [Transition(S.SUBMITTED, S.SUBMITTED)]},
            "goes nowhere",
        ),
        (
            {"transitions": [Transition(S.SUBMITTED, S.CLOSED)] * 2},
            "declared twice",
        ),
        (
            {"transitions": [Transition(S.SUBMITTED, S.CLOSED, actors={"mayor"})]},
            "needs actors",
        ),
    ],
)
def test_inconsistent_workflows_fail_at_registration(changes, message, registry_cleanup):
    with pytest.raises(ImproperlyConfigured, match=message):
        register(_workflow(**changes))
    with pytest.raises(LookupError):
        get_workflow("sample")


def test_kind_and_prefix_are_unique(registry_cleanup):
    register(_workflow())
    with pytest.raises(ImproperlyConfigured, match="is registered"):
        register(_workflow(prefix="OTH"))
    with pytest.raises(ImproperlyConfigured, match="already used"):
        register(_workflow(kind="sample_two", prefix=TEST_PERMIT.prefix))


def test_transitions_from_by_role():
    assert [t.target for t in TEST_PERMIT.transitions_from(S.IN_REVIEW, actor_role=STAFF)] == [
        S.AWAITING_INFO,
        S.APPROVED,
        S.DENIED,
    ]
    assert [t.target for t in TEST_PERMIT.transitions_from(S.IN_REVIEW)] == [
        S.AWAITING_INFO,
        S.APPROVED,
        S.DENIED,
        S.WITHDRAWN,
    ]
