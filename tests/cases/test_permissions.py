"""Each staff role walked across each service: what it may see and do, through the real
services and selectors of licensing, concerns and payments (cases/permissions.py)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile

from cases import permissions, selectors
from cases import services as case_services
from cases.exceptions import ActionForbidden, InvalidAssignee
from cases.models import Case, CaseStatus, Department, StaffRole
from cases.staffing import staff_membership_grant, staff_membership_revoke
from concerns import selectors as concern_selectors
from concerns import services as concern_services
from licensing import services as licensing_services
from licensing.exceptions import DecisionForbidden
from payments import services as payment_services
from payments.exceptions import PaymentRefused, RefundRefused
from tests.accounts.factories import StaffFactory, UserFactory
from tests.cases.factories import PDF_BYTES
from tests.concerns.factories import CategoryFactory, make_report
from tests.licensing.factories import ApplicationFactory, LicenseTypeFactory
from tests.payments.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

R = StaffRole
CASE_ACTIONS = ["view", "assign", "move", "message", "documents"]
# What each role may do to a case of its own department (not assigned to it), and with money.
ALLOWED = {
    R.CLERK: {"view", "assign", "move", "message", "documents", "take_payment"},
    R.REVIEWER: {"view", "move", "message", "documents"},
    R.INSPECTOR: set(),
    R.CASHIER: {"take_payment", "refund"},
    R.SUPERVISOR: {*CASE_ACTIONS, "take_payment", "refund"},
    R.ADMINISTRATOR: {*CASE_ACTIONS, "take_payment", "refund"},
}


def _licensing_case() -> Case:
    """A paid license application with the resident's document, with the licensing clerks."""
    Department.objects.get_or_create(code="LICENSING", defaults={"name": "Licensing"})
    resident = UserFactory()
    application = ApplicationFactory(applicant=resident, license_type=LicenseTypeFactory())
    licensing_services.application_save_about(
        application=application,
        actor=resident,
        holder_name="Robin Barber",
        email=resident.email,
        address="1 Main St",
    )
    invoice = licensing_services.application_request_payment(
        application=application, actor=resident
    )
    cashier = StaffFactory(roles=["cashier"])
    payment_services.payment_record_counter(
        invoice=invoice, method="cash", amount_cents=invoice.total_cents, actor=cashier
    )
    case = Case.objects.get(pk=application.case_id)
    case_services.document_add(
        case=case, uploaded_by=resident, upload=ContentFile(PDF_BYTES, name="proof.pdf")
    )
    assert case.status == CaseStatus.SUBMITTED and case.department.code == "LICENSING"
    return case


def _concerns_case() -> Case:
    """A signed-in resident's pothole report, routed to Public Works, with a document."""
    resident = UserFactory()
    report = make_report(category=CategoryFactory(), reporter=resident)
    case = Case.objects.get(pk=report.case_id)
    case_services.document_add(
        case=case, uploaded_by=resident, upload=ContentFile(PDF_BYTES, name="map.pdf")
    )
    assert case.department.code == "PUBLIC_WORKS"
    return case


SERVICES = {"licensing": _licensing_case, "concerns": _concerns_case}


def _visible(user, case: Case, service: str) -> bool:
    seen = case in selectors.cases_visible_to(user=user)
    if service == "concerns":
        queue = concern_selectors.triage_queue(user=user)
        assert seen == queue.filter(case=case).exists()
    return seen


def _try(action: str, user, case: Case, service: str) -> bool:
    """Do `action` to `case` as `user` through the service; True if it was allowed."""
    try:
        if action == "view":
            return _visible(user, case, service)
        if action == "documents":
            return selectors.documents_visible_to(user=user, case=case).exists()
        if action == "assign":
            case_services.case_assign(case=case, assignee=user, actor=user)
        elif action == "message":
            case_services.case_message_resident(case=case, author=user, body="Please call us.")
        elif action == "move" and service == "licensing":
            licensing_services.application_request_info(
                application=case.license_application, actor=user, message="Send your lease."
            )
        elif action == "move":
            concern_services.report_start_work(report=case.concern, actor=user)
    except (ActionForbidden, DecisionForbidden, InvalidAssignee):
        return False
    return True


@pytest.mark.parametrize("service", sorted(SERVICES))
@pytest.mark.parametrize("action", CASE_ACTIONS)
@pytest.mark.parametrize("role", R.values)
def test_each_role_in_the_department_across_each_service(role, action, service):
    # given: a case of the service, and a member of staff with `role` in its department
    case = SERVICES[service]()
    staff = StaffFactory(roles=[(role, case.department)])

    # when
    allowed = _try(action, staff, case, service)

    # then
    assert allowed == (action in ALLOWED[role])
    assert permissions.can(staff, {"documents": "view_documents"}.get(action, action), case) == (
        action in ALLOWED[role]
    )


@pytest.mark.parametrize("service", sorted(SERVICES))
@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_a_role_in_another_department_reaches_nothing(action, service):
    # given: a supervisor, but of another department
    case = SERVICES[service]()
    elsewhere = Department.objects.create(code="LIBRARY", name="Library")
    staff = StaffFactory(roles=[(R.SUPERVISOR, elsewhere)])

    # then
    assert _try(action, staff, case, service) is False


@pytest.mark.parametrize("service", sorted(SERVICES))
@pytest.mark.parametrize("action", CASE_ACTIONS)
def test_superusers_and_staff_without_a_role(action, service):
    case = SERVICES[service]()
    superuser = StaffFactory(roles=[], is_superuser=True)
    no_role = StaffFactory(roles=[])

    assert _try(action, no_role, case, service) is False
    assert _try(action, superuser, case, service) is True


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_an_inspector_reaches_the_cases_assigned_to_them_only_to_view_and_note(service):
    # given: an inspector of the department, and a clerk who assigns them the case
    case = SERVICES[service]()
    inspector = StaffFactory(roles=[(R.INSPECTOR, case.department)])
    other_case = SERVICES[service]()
    clerk = StaffFactory(roles=[(R.CLERK, case.department)])

    # when
    case_services.case_assign(case=case, assignee=inspector, actor=clerk)
    case.refresh_from_db()

    # then: they see it and may note on it, but neither message, move, download nor
    # reassign it; the other cases of the department stay out of reach
    assert list(selectors.cases_visible_to(user=inspector)) == [case]
    case_services.case_add_note(case=case, author=inspector, body="Visited on Monday.")
    with pytest.raises(ActionForbidden):
        case_services.case_add_note(case=other_case, author=inspector, body="Not mine.")
    for action in ["move", "message", "documents", "assign"]:
        assert _try(action, inspector, case, service) is False, action


def test_nobody_messages_a_resident_about_a_draft(make_case):
    # given: a draft, a clerk and a superuser
    draft = make_case(submit=False)
    clerk = StaffFactory(roles=[R.CLERK])
    superuser = StaffFactory(roles=[], is_superuser=True)

    # then
    for author in (clerk, superuser):
        assert not permissions.can(author, permissions.MESSAGE, draft)
        with pytest.raises(ActionForbidden):
            case_services.case_message_resident(case=draft, author=author, body="Hello?")
    assert not draft.messages.exists()


def test_a_case_is_assigned_only_to_staff_who_work_its_department():
    # given: a licensing case, a licensing clerk and a cashier
    case = _licensing_case()
    clerk = StaffFactory(roles=[(R.CLERK, case.department)])
    cashier = StaffFactory(roles=[R.CASHIER])
    elsewhere = StaffFactory(roles=[(R.CLERK, Department.objects.create(code="LIBRARY"))])

    # then
    for assignee in (cashier, elsewhere, UserFactory()):
        with pytest.raises(InvalidAssignee):
            case_services.case_assign(case=case, assignee=assignee, actor=clerk)
    case_services.case_assign(case=case, assignee=clerk, actor=clerk)
    assert Case.objects.get(pk=case.pk).assignee == clerk


# --- money ----------------------------------------------------------------------------------


def _paid_payment():
    invoice = InvoiceFactory()
    return payment_services.payment_record_counter(
        invoice=invoice,
        method="cash",
        amount_cents=invoice.total_cents,
        actor=StaffFactory(roles=[], is_superuser=True),
    )


@pytest.mark.parametrize("role", R.values)
def test_each_role_refunds_only_as_the_table_says(role):
    # given: a paid invoice, and a member of staff with `role` in some department
    payment = _paid_payment()
    staff = StaffFactory(roles=[(role, Department.objects.create(code="ANY", name="Any"))])

    # when
    try:
        payment_services.refund_issue(payment=payment, amount_cents=500, reason="x", actor=staff)
        refunded = True
    except RefundRefused:
        refunded = False

    # then
    assert refunded == ("refund" in ALLOWED[role])
    payment.refresh_from_db()
    assert payment.amount_refunded_cents == (500 if refunded else 0)


@pytest.mark.parametrize("role", R.values)
def test_each_role_takes_counter_payments_only_as_the_table_says(role):
    invoice = InvoiceFactory()
    staff = StaffFactory(roles=[role])
    try:
        payment_services.payment_record_counter(
            invoice=invoice, method="cash", amount_cents=invoice.total_cents, actor=staff
        )
        taken = True
    except PaymentRefused:
        taken = False
    assert taken == ("take_payment" in ALLOWED[role])


def test_a_clerk_who_is_also_the_cashier_refunds():
    # given: a clerk, refused a refund
    payment = _paid_payment()
    clerk = StaffFactory(roles=[R.CLERK])
    with pytest.raises(RefundRefused):
        payment_services.refund_issue(payment=payment, amount_cents=500, reason="x", actor=clerk)

    # when: they are given the cashier role too
    staff_membership_grant(user=clerk, role=R.CASHIER)

    # then
    refund = payment_services.refund_issue(
        payment=payment, amount_cents=500, reason="Fee reduced", actor=clerk
    )
    assert refund.issued_by == clerk
    staff_membership_revoke(user=clerk, role=R.CASHIER)
    with pytest.raises(RefundRefused):
        payment_services.refund_issue(payment=payment, amount_cents=500, reason="x", actor=clerk)


def test_an_inactive_or_resident_user_has_no_right():
    inactive = StaffFactory(roles=[R.ADMINISTRATOR], is_active=False)
    for user in (inactive, UserFactory(), None):
        assert not permissions.is_active_staff(user)
        for action in permissions.ACTIONS:
            assert not permissions.can(user, action)
        with pytest.raises(PermissionDenied):
            permissions.require(user, permissions.VIEW)
    with pytest.raises(ValueError, match="Unknown staff action"):
        permissions.can(inactive, "approve")


def test_the_assign_form_offers_only_staff_who_could_hold_the_case():
    from cases.forms import StaffAssignForm

    # given: a licensing case and staff of every kind
    case = _licensing_case()
    clerk = StaffFactory(roles=[(R.CLERK, case.department)])
    inspector = StaffFactory(roles=[(R.INSPECTOR, case.department)])
    agency_reviewer = StaffFactory(roles=[R.REVIEWER])
    superuser = StaffFactory(roles=[], is_superuser=True)
    cashier = StaffFactory(roles=[R.CASHIER])
    library_clerk = StaffFactory(roles=[(R.CLERK, Department.objects.create(code="LIBRARY"))])
    gone = StaffFactory(roles=[(R.CLERK, case.department)], is_active=False)

    # when
    offered = set(StaffAssignForm(case=case).fields["assignee"].queryset)

    # then
    assert {clerk, inspector, agency_reviewer, superuser} <= offered
    assert not {cashier, library_clerk, gone} & offered
    assert all(permissions.may_hold(person, case) for person in offered)
