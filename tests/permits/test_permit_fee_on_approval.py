"""The permit fee is invoiced in the transaction that closes the last plan review: never a
permit approved without its invoice, and one invoice per permit however the reviews close."""

import pytest
from django.db import IntegrityError, transaction

from payments.models import Invoice, InvoiceStatus
from permits import workflow as wf
from permits.models import Permit, PermitIssuance
from permits.services import reviews as services
from permits.services.issuance import PURPOSE_PERMIT_FEE, permits_invoice_approved
from permits.tasks import invoice_approved
from tests.concurrency import run_together
from tests.permits.factories import PermitFactory
from tests.permits.reviews import approve, review_of, reviewer_of, submitted_permit

pytestmark = pytest.mark.django_db


def _fee_invoices(permit) -> list[Invoice]:
    return list(Invoice.objects.filter(purpose=PURPOSE_PERMIT_FEE, permit_issuance__permit=permit))


def test_the_last_review_approving_invoices_the_permit_fee_at_once():
    # given: zoning approved, fire still reviewing
    permit = submitted_permit("ZONING", "FIRE", permit_fee_cents=45000, plan_review_fee_cents=15000)
    services.review_start(permit=permit, actor=None)
    approve(permit, "ZONING", reviewer_of("ZONING"))
    assert not PermitIssuance.objects.filter(permit=permit).exists()

    # when: fire approves with conditions
    approve(permit, "FIRE", reviewer_of("FIRE"), conditions="Smoke alarms in every bedroom.")

    # then: approved, invoiced for the rest of the fee, the conditions kept for the card
    permit = Permit.objects.select_related("case").get(pk=permit.pk)
    assert permit.case.status == wf.APPROVED
    [invoice] = _fee_invoices(permit)
    assert (invoice.status, invoice.total_cents) == (InvoiceStatus.OPEN, 30000)
    assert invoice.payer == permit.case.applicant
    assert permit.issuance.conditions.endswith(": Smoke alarms in every bedroom.")
    # and the periodic task, a safety net only, finds nothing left to do
    assert permits_invoice_approved() == 0


def test_approval_with_nothing_left_to_pay_issues_the_permit_at_once():
    # given: the plan-review share paid when applying was the whole permit fee
    permit = submitted_permit("ZONING", permit_fee_cents=10000, plan_review_fee_cents=10000)
    services.review_start(permit=permit, actor=None)

    # when
    approve(permit, "ZONING", reviewer_of("ZONING"))

    # then
    permit = Permit.objects.select_related("case").get(pk=permit.pk)
    assert permit.case.status == wf.ISSUED
    assert permit.permit_number
    assert _fee_invoices(permit) == []


def test_a_type_without_reviewing_departments_is_invoiced_when_sent_for_review():
    permit = PermitFactory(submit=True, permit_fee_cents=20000, plan_review_fee_cents=5000)

    services.review_start(permit=permit, actor=None)

    [invoice] = _fee_invoices(permit)
    assert invoice.total_cents == 15000


def test_corrections_required_invoices_nothing():
    permit = submitted_permit("ZONING")
    services.review_start(permit=permit, actor=None)
    reviewer = reviewer_of("ZONING")
    review = review_of(permit, "ZONING")
    services.review_comment_add(
        review=review, sheet=permit.plan_sheets.first(), text="Show the setback.", actor=reviewer
    )

    services.review_decide(review=review, decision="corrections", actor=reviewer)

    permit.case.refresh_from_db()
    assert permit.case.status == wf.CORRECTIONS_REQUIRED
    assert not PermitIssuance.objects.filter(permit=permit).exists()


@pytest.mark.django_db(transaction=True)
def test_the_last_two_reviews_closing_at_the_same_moment_make_one_invoice():
    # given: two departments, each with a review open and a reviewer ready to approve
    permit = submitted_permit("ZONING", "FIRE")
    services.review_start(permit=permit, actor=None)
    codes = ["ZONING", "FIRE"]
    reviewers = [reviewer_of(code) for code in codes]

    # when: both approve at once, each in its own transaction
    run_together(2, lambda i: approve(permit, codes[i], reviewers[i]))

    # then: one joined the round and invoiced; the other's close saw it done
    permit.case.refresh_from_db()
    assert permit.case.status == wf.APPROVED
    assert PermitIssuance.objects.filter(permit=permit).count() == 1
    [invoice] = _fee_invoices(permit)
    assert invoice.total_cents == 20000
    assert Invoice.objects.filter(purpose=PURPOSE_PERMIT_FEE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_review_decided_twice_at_once_makes_one_invoice():
    # given: one department, its review open, its reviewer deciding from two tabs
    permit = submitted_permit("ZONING", permit_fee_cents=45000, plan_review_fee_cents=15000)
    services.review_start(permit=permit, actor=None)
    reviewer = reviewer_of("ZONING")

    def decide(_):
        try:
            approve(permit, "ZONING", reviewer)
        except services.ReviewRefused as refused:
            return str(refused)
        return "approved"

    # when: both decisions reach the server at the same moment
    outcomes = run_together(2, decide)

    # then: one closed the review and invoiced; the other was told it was decided already
    assert sorted(outcomes) == ["This review is decided already.", "approved"]
    [invoice] = _fee_invoices(permit)
    assert (invoice.status, invoice.total_cents) == (InvoiceStatus.OPEN, 30000)
    assert Invoice.objects.filter(purpose=PURPOSE_PERMIT_FEE).count() == 1


def test_the_periodic_task_after_the_approval_leaves_the_invoice_alone():
    # given: the last review approved, its permit fee invoiced at once
    permit = submitted_permit("ZONING", permit_fee_cents=45000, plan_review_fee_cents=15000)
    services.review_start(permit=permit, actor=None)
    approve(permit, "ZONING", reviewer_of("ZONING"))
    [invoiced] = _fee_invoices(permit)

    # when: the safety net runs, twice
    first, second = invoice_approved.apply().get(), invoice_approved.apply().get()

    # then: nothing left for it to do, and still the one invoice, open
    assert (first, second) == (0, 0)
    [invoice] = _fee_invoices(permit)
    assert (invoice.pk, invoice.status) == (invoiced.pk, InvoiceStatus.OPEN)


@pytest.mark.django_db(transaction=True)
def test_the_periodic_task_running_while_the_last_review_closes_makes_one_invoice():
    # given: the last review about to approve, and the safety net about to run
    permit = submitted_permit("ZONING")
    services.review_start(permit=permit, actor=None)
    reviewer = reviewer_of("ZONING")

    def work(i):
        if i == 0:
            approve(permit, "ZONING", reviewer)
        else:
            permits_invoice_approved()

    # when: both at the same moment
    run_together(2, work)

    # then: the approval's own invoice; the task found the permit not yet approved, or
    # approved with its invoice already
    permit.case.refresh_from_db()
    assert permit.case.status == wf.APPROVED
    [invoice] = _fee_invoices(permit)
    assert invoice.status == InvoiceStatus.OPEN
    assert permits_invoice_approved() == 0


def test_the_database_refuses_a_second_permit_fee_invoice_for_the_issuance():
    # given: an approved permit with its permit-fee invoice
    permit = submitted_permit("ZONING", permit_fee_cents=45000, plan_review_fee_cents=15000)
    services.review_start(permit=permit, actor=None)
    approve(permit, "ZONING", reviewer_of("ZONING"))
    [invoice] = _fee_invoices(permit)

    # when / then: a second invoice of the purpose for the same issuance, past the service
    with (
        pytest.raises(IntegrityError, match="payments_invoice_one_per_subject"),
        transaction.atomic(),
    ):
        Invoice.objects.create(
            reference="INV-TEST-SECOND",
            purpose=PURPOSE_PERMIT_FEE,
            description="Permit fee again",
            subject_type=invoice.subject_type,
            subject_id=invoice.subject_id,
            payer=invoice.payer,
            currency=invoice.currency,
            total_cents=invoice.total_cents,
            one_per_subject=True,
        )


def test_an_issuance_that_lost_its_invoice_link_gets_the_same_invoice_back():
    # given: an approved permit invoiced, then its issuance's link cleared by a repair by hand
    permit = submitted_permit("ZONING", permit_fee_cents=45000, plan_review_fee_cents=15000)
    services.review_start(permit=permit, actor=None)
    approve(permit, "ZONING", reviewer_of("ZONING"))
    [invoice] = _fee_invoices(permit)
    PermitIssuance.objects.filter(permit=permit).update(invoice=None)

    # when: the safety net finds it approved without an invoice
    done = permits_invoice_approved()

    # then: the database refused a second invoice, and the issuance links the first again
    assert done == 1
    assert Invoice.objects.filter(purpose=PURPOSE_PERMIT_FEE).count() == 1
    issuance = PermitIssuance.objects.get(permit=permit)
    assert issuance.invoice_id == invoice.pk
    assert permits_invoice_approved() == 0
