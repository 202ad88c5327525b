"""Bulk actions of the "My work" queue, through its URL: assign, change status, send a
templated message, export; refusals case by case, a stale page, and roles refused."""

import csv
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from cases import services
from cases.models import Case, CaseEvent, CaseMessage
from cases.workbench.models import MessageTemplate, MessageTemplateText
from cases.workbench.queue import case_version
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import CaseFactory, DepartmentFactory
from tests.cases.workflows import TEST_PERMIT, TEST_REPORT
from tests.hostile import VALUES, fuzz, no_server_error, params

pytestmark = pytest.mark.django_db

BULK = reverse("workbench:queue_bulk")


def staff(roles, **kwargs):
    person = StaffFactory(roles=roles, **kwargs)
    TOTP.activate(person, generate_totp_secret())
    return person


@pytest.fixture
def permits():
    return DepartmentFactory(code=TEST_PERMIT.department_code, name="Permits")


def ticked(*cases) -> list[str]:
    return [f"{case.pk}:{case_version(Case.objects.get(pk=case.pk))}" for case in cases]


def post(client, action, cases, **data):
    return client.post(BULK, {"action": action, "cases": ticked(*cases), **data})


def test_a_clerk_assigns_cases_to_themselves(client, permits):
    clerk = staff([("clerk", permits)])
    first, second = CaseFactory(), CaseFactory()
    client.force_login(clerk)

    response = post(client, "assign_me", [first, second])

    assert response.status_code == 200
    assert response.context["outcome"].done == sorted([first.reference, second.reference])
    assert response.context["outcome"].refused == []
    assert set(Case.objects.values_list("assignee", flat=True)) == {clerk.pk}


def test_a_clerk_assigns_to_a_member_of_staff_of_the_department_only(client, permits):
    roads = DepartmentFactory(code="ROADS", name="Roads")
    clerk = staff(["clerk"])
    reviewer = staff([("reviewer", permits)])
    permit = CaseFactory()
    road_report = CaseFactory(kind=TEST_REPORT.kind, department=roads)
    client.force_login(clerk)

    response = post(client, "assign", [permit, road_report], assignee=reviewer.pk)

    outcome = response.context["outcome"]
    assert outcome.done == [permit.reference]
    assert [(r.reference, r.reason) for r in outcome.refused] == [
        (road_report.reference, "That person does not work cases of its department.")
    ]
    assert Case.objects.get(pk=permit.pk).assignee == reviewer
    assert Case.objects.get(pk=road_report.pk).assignee is None


def test_a_status_change_moves_the_cases_that_may_and_says_why_not_for_the_others(client, permits):
    clerk = staff(["clerk"])
    ready, also_ready = CaseFactory(), CaseFactory()
    approved = CaseFactory()
    services.transition(case=approved, to_status="in_review", actor=clerk)
    services.transition(case=approved, to_status="approved", actor=clerk)
    other_service = CaseFactory(kind=TEST_REPORT.kind)
    client.force_login(clerk)

    response = post(
        client,
        "move",
        [ready, also_ready, approved, other_service],
        kind=TEST_PERMIT.kind,
        to_status="in_review",
        note="Batch of the morning",
    )

    outcome = response.context["outcome"]
    assert outcome.done == sorted([ready.reference, also_ready.reference])
    reasons = {r.reference: (r.reason, r.status) for r in outcome.refused}
    assert reasons == {
        approved.reference: (
            "Its service does not allow that status change from its status.",
            "Approved",
        ),
        other_service.reference: ("It belongs to another service.", "Reported"),
    }
    statuses = dict(Case.objects.values_list("reference", "status"))
    assert statuses[ready.reference] == statuses[also_ready.reference] == "in_review"
    assert statuses[approved.reference] == "approved"
    # Each moved case has its move and its note; the refused ones nothing new.
    assert CaseEvent.objects.filter(case=ready, kind="note", body="Batch of the morning").exists()
    assert not CaseEvent.objects.filter(case=approved, kind="note").exists()
    page = response.content.decode()
    assert "2 cases changed status." in page
    assert "2 cases were not changed." in page


def test_a_move_the_role_may_not_make_is_refused_with_the_reason(client, permits):
    clerk = staff(["clerk"])
    case = CaseFactory()
    client.force_login(clerk)

    # Withdrawing is the applicant's move only.
    response = post(client, "move", [case], kind=TEST_PERMIT.kind, to_status="withdrawn")

    assert response.context["outcome"].done == []
    assert response.context["outcome"].refused[0].reason == (
        "Your staff role does not allow that status change on it."
    )
    assert Case.objects.get(pk=case.pk).status == "submitted"


def test_a_stale_page_is_refused_with_the_current_state(client, permits):
    clerk = staff(["clerk"])
    colleague = staff(["clerk"], full_name="Dana Colleague")
    case = CaseFactory()
    stale = ticked(case)
    services.case_assign(case=case, assignee=colleague, actor=colleague)
    services.transition(case=case, to_status="in_review", actor=colleague)
    client.force_login(clerk)

    response = client.post(BULK, {"action": "assign_me", "cases": stale})

    refusal = response.context["outcome"].refused[0]
    assert refusal.reason == "It changed after your page was shown; nothing was done."
    assert (refusal.status, refusal.assignee) == ("Being reviewed", "Dana Colleague")
    assert Case.objects.get(pk=case.pk).assignee == colleague
    assert "Dana Colleague" in response.content.decode()


def test_a_case_outside_the_persons_scope_is_never_touched(client, permits):
    roads = DepartmentFactory(code="ROADS", name="Roads")
    clerk = staff([("clerk", permits)])
    theirs = CaseFactory(kind=TEST_REPORT.kind, department=roads)
    client.force_login(clerk)

    response = post(client, "assign_me", [theirs])

    assert response.context["outcome"].done == []
    assert response.context["outcome"].refused[0].reference == "-"
    assert Case.objects.get(pk=theirs.pk).assignee is None


@pytest.fixture
def template():
    template = MessageTemplate.objects.create(name="Documents received")
    MessageTemplateText.objects.create(
        template=template, language="en", body="We received your documents."
    )
    MessageTemplateText.objects.create(
        template=template, language="es", body="Recibimos sus documentos."
    )
    return template


def test_a_templated_message_reaches_each_resident_in_their_language(client, permits, template):
    clerk = staff(["clerk"])
    english = CaseFactory(applicant=UserFactory(preferred_language="en"))
    spanish = CaseFactory(applicant=UserFactory(preferred_language="es"))
    anonymous = CaseFactory(kind=TEST_REPORT.kind, applicant=None)
    client.force_login(clerk)

    response = post(client, "message", [english, spanish, anonymous], template=template.pk)

    outcome = response.context["outcome"]
    assert outcome.done == sorted([english.reference, spanish.reference])
    assert outcome.refused[0].reason == "It was sent anonymously: there is nobody to write to."
    bodies = dict(CaseMessage.objects.values_list("case__reference", "body"))
    assert bodies == {
        english.reference: "We received your documents.",
        spanish.reference: "Recibimos sus documentos.",
    }
    assert CaseEvent.objects.filter(case=spanish, kind="message").count() == 1


def test_the_selected_cases_export_as_csv(client, permits):
    clerk = staff(["clerk"])
    chosen, _other = CaseFactory(), CaseFactory()
    client.force_login(clerk)

    response = post(client, "export", [chosen])

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row[0] for row in rows[1:]] == [chosen.reference]


def test_nothing_selected_is_an_error_and_changes_nothing(client, permits):
    clerk = staff(["clerk"])
    CaseFactory()
    client.force_login(clerk)

    response = client.post(
        BULK, {"action": "assign_me", "next": "/staff/work/?view=all"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/staff/work/?view=all"
    assert "Select at least one case." in response.content.decode()
    assert Case.objects.filter(assignee__isnull=False).count() == 0


@pytest.mark.parametrize(
    ("roles", "action", "extra", "message"),
    [
        (["reviewer"], "assign_me", {}, "Your staff role does not let you assign cases."),
        (
            ["inspector"],
            "move",
            {"kind": TEST_PERMIT.kind, "to_status": "in_review"},
            "Your staff role does not let you change the status of cases.",
        ),
        (["inspector"], "message", {}, "Your staff role does not let you write to residents."),
        (["cashier"], "export", {}, "Your staff role does not let you see cases."),
    ],
)
def test_a_role_that_may_not_act_gets_403_with_a_plain_message(
    client, permits, roles, action, extra, message
):
    person = staff(roles)
    case = CaseFactory()
    if "cashier" not in roles:
        services.case_assign(case=case, assignee=person, actor=None)
    client.force_login(person)

    response = post(client, action, [case], **extra)

    assert response.status_code == 403
    assert message in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == "submitted"
    assert not CaseMessage.objects.exists()


# Ids and versions as anyone may post them: the selection is refused or acted on within the
# person's scope, never a server error.
_SELECTED = st.one_of(
    VALUES,
    st.tuples(
        st.one_of(st.integers(min_value=0), st.text(max_size=12)), st.integers(min_value=0)
    ).map(lambda pair: f"{pair[0]}:{pair[1]}"),
)


@given(
    action=st.sampled_from(["assign_me", "assign", "move", "message", "export", "x"]),
    cases=st.lists(_SELECTED, max_size=4),
    extra=params(["assignee", "kind", "to_status", "template", "note", "next"]),
)
@fuzz(max_examples=60)
def test_any_bulk_post_is_refused_or_done_never_a_server_error(action, cases, extra):
    # given: a fresh clerk each time (the database is shared between examples)
    client = Client()
    client.force_login(staff(["clerk"]))

    # when
    response = client.post(BULK, {"action": action, "cases": cases, **extra})

    # then
    no_server_error(response)
