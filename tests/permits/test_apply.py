"""The applying services: a draft page by page, the fee computed before paying, the invoice
for the application fee and plan-review share, the case sent when paid."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.participants import participants_of
from cases.participation import CONTRACTOR
from licensing.models import LicenseStatus
from payments.models import Invoice, InvoiceStatus
from payments.services import payment_attempt_start, payment_local_complete
from permits.exceptions import ContractorRefused, PermitIncomplete, PermitNotEditable
from permits.models import ContractorTrade, FeeMethod
from permits.services import apply
from permits.services.apply_plans import plan_sheet_add
from permits.workflow import APPROVED
from tests.accounts.factories import UserFactory
from tests.cases.factories import PDF_BYTES
from tests.licensing.factories import LicenseFactory, LicenseTypeFactory
from tests.permits.factories import FeeTierFactory, PermitTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def builders():
    return LicenseTypeFactory(name="General contractor")


@pytest.fixture
def addition(builders):
    """A valuation-priced type: $100 to apply, 65% of the permit fee for plan review."""
    permit_type = PermitTypeFactory(
        application_fee_cents=10_000,
        fee_method=FeeMethod.VALUATION,
        plan_review_percent=Decimal("65"),
        contractor_required=True,
        contractor_trade=ContractorTrade.GENERAL,
    )
    permit_type.contractor_license_types.add(builders)
    FeeTierFactory(permit_type=permit_type, from_cents=0, base_cents=5_000, per_thousand_cents=0)
    FeeTierFactory(
        permit_type=permit_type, from_cents=2_500_000, base_cents=40_000, per_thousand_cents=1_500
    )
    return permit_type


@pytest.fixture
def contractor(builders):
    return LicenseFactory(license_type=builders, number="GC-2026-000001", business_name="Oak Build")


def _complete(permit_type, contractor, *, valuation_cents=4_500_000):
    applicant = UserFactory()
    permit = apply.permit_start(permit_type=permit_type, applicant=applicant)
    apply.permit_save_property(permit=permit, actor=applicant, address="12 Elm Street")
    apply.permit_save_work(
        permit=permit,
        actor=applicant,
        work_description="Rear addition",
        valuation_cents=valuation_cents,
        square_feet=400,
        housing_units=0,
    )
    apply.permit_save_contractor(permit=permit, actor=applicant, license_number=contractor.number)
    plan_sheet_add(
        permit=permit,
        actor=applicant,
        sheet="A1",
        upload=SimpleUploadedFile("a1.pdf", PDF_BYTES, content_type="application/pdf"),
    )
    apply.permit_save_answers(permit=permit, actor=applicant, answers={})
    permit.refresh_from_db()
    return permit


def test_a_draft_is_a_case_waiting_for_its_pages(addition):
    applicant = UserFactory()
    permit = apply.permit_start(permit_type=addition, applicant=applicant)
    assert permit.case.status == "draft"
    assert [page for page, _message in apply.permit_problems(permit=permit)] == [
        "property",
        "work",
        "contractor",
        "plans",
    ]


def test_an_unpublished_type_cannot_be_applied_for():
    with pytest.raises(ValueError, match="not open for applications"):
        apply.permit_start(
            permit_type=PermitTypeFactory(published_at=None), applicant=UserFactory()
        )


def test_a_refused_contractor_changes_nothing(addition, contractor, builders):
    # given
    permit = _complete(addition, contractor)
    LicenseFactory(license_type=builders, number="GC-2026-000002", status=LicenseStatus.SUSPENDED)
    # when
    with pytest.raises(ContractorRefused) as refused:
        apply.permit_save_contractor(
            permit=permit, actor=permit.case.applicant, license_number="GC-2026-000002"
        )
    # then
    assert refused.value.code == "suspended"
    permit.refresh_from_db()
    assert permit.contractor_license == contractor


def test_owner_builder_only_where_no_contractor_is_required(addition):
    applicant = UserFactory()
    permit = apply.permit_start(permit_type=addition, applicant=applicant)
    with pytest.raises(ContractorRefused):
        apply.permit_save_contractor(permit=permit, actor=applicant, owner_builder=True)
    fence = apply.permit_start(permit_type=PermitTypeFactory(), applicant=applicant)
    apply.permit_save_contractor(permit=fence, actor=applicant, owner_builder=True)
    fence.refresh_from_db()
    assert fence.owner_builder and fence.contractor_license is None


def test_a_contractor_suspended_after_saving_stops_the_payment(addition, contractor):
    permit = _complete(addition, contractor)
    contractor.status = LicenseStatus.SUSPENDED
    contractor.save()
    with pytest.raises(PermitIncomplete):
        apply.permit_request_payment(permit=permit, actor=permit.case.applicant)
    assert [page for page, _m in apply.permit_problems(permit=permit)] == ["contractor"]


def test_the_invoice_charges_the_application_fee_and_plan_review_share(addition, contractor):
    # given: $45,000 of work: $400 + 20 x $15 = $700 permit fee, 65% of it is $455
    permit = _complete(addition, contractor)
    # when
    invoice = apply.permit_request_payment(permit=permit, actor=permit.case.applicant)
    # then
    assert [(line.amount_cents) for line in invoice.lines.all()] == [10_000, 45_500]
    assert invoice.total_cents == 55_500
    permit.refresh_from_db()
    assert (permit.permit_fee_cents, permit.plan_review_fee_cents) == (70_000, 45_500)
    assert permit.remaining_fee_cents == 24_500
    # asking again returns the same invoice
    assert apply.permit_request_payment(permit=permit, actor=permit.case.applicant) == invoice


def test_changed_work_replaces_the_open_invoice(addition, contractor):
    permit = _complete(addition, contractor)
    first = apply.permit_request_payment(permit=permit, actor=permit.case.applicant)
    apply.permit_save_work(
        permit=permit,
        actor=permit.case.applicant,
        work_description="Bigger addition",
        valuation_cents=10_000_000,
    )
    second = apply.permit_request_payment(permit=permit, actor=permit.case.applicant)
    first.refresh_from_db()
    assert first.status == InvoiceStatus.VOID
    # $100,000: $400 + 75 x $15 = $1,525 permit fee, 65% of it is $991.25
    assert second.total_cents == 10_000 + 99_125
    assert second != first


def test_payment_sends_the_application_with_the_contractor_on_the_case(addition, contractor):
    # given
    permit = _complete(addition, contractor)
    invoice = apply.permit_request_payment(permit=permit, actor=permit.case.applicant)
    # when
    payment = payment_attempt_start(invoice=invoice, success_url="/", cancel_url="/")
    payment_local_complete(payment=payment, approved=True)
    # then
    permit.refresh_from_db()
    permit.case.refresh_from_db()
    assert permit.paid_at is not None
    # A type without reviewing departments needs no plan review: sent, then approved at once
    # (permits.services.reviews.review_start; the reviews' tests cover the departments).
    assert permit.case.status == APPROVED
    assert permit.case.due_date is not None
    contractors = participants_of(case=permit.case, role=CONTRACTOR)
    assert [p.user for p in contractors] == [contractor.holder]
    # and the draft can no longer change
    with pytest.raises(PermitNotEditable):
        apply.permit_save_property(permit=permit, actor=permit.case.applicant, address="Elsewhere")
    # a second receipt of the payment changes nothing
    assert apply.permit_mark_paid(permit_id=permit.pk).paid_at == permit.paid_at


def test_another_resident_cannot_change_a_draft(addition, contractor):
    permit = _complete(addition, contractor)
    with pytest.raises(PermitNotEditable):
        apply.permit_save_property(permit=permit, actor=UserFactory(), address="Mine now")


def test_discarding_voids_the_open_invoice(addition, contractor):
    permit = _complete(addition, contractor)
    invoice = apply.permit_request_payment(permit=permit, actor=permit.case.applicant)
    apply.permit_discard(permit=permit, actor=permit.case.applicant)
    invoice.refresh_from_db()
    permit.case.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    assert permit.case.status == "cancelled"


def test_kept_pages_stop_the_payment_until_checked(addition, contractor):
    permit = _complete(addition, contractor)
    apply.permit_keep_typed(
        permit=permit, actor=permit.case.applicant, page="work", values={"valuation_cents": "x"}
    )
    permit.refresh_from_db()
    assert [page for page, _m in apply.permit_problems(permit=permit)] == ["work"]
    with pytest.raises(PermitIncomplete):
        apply.permit_request_payment(permit=permit, actor=permit.case.applicant)


def test_a_required_document_is_asked_for_before_paying(addition, contractor):
    # given
    from cases.exceptions import DocumentRejected
    from tests.cases.factories import image_bytes
    from tests.licensing.factories import RequiredDocumentFactory

    survey = RequiredDocumentFactory(owner=addition, name="Site survey")
    RequiredDocumentFactory(owner=addition, name="Photos", required=False)
    permit = _complete(addition, contractor)
    assert apply.permit_problems(permit=permit) == [("plans", "Upload: Site survey.")]
    # a file the portal refuses changes nothing
    with pytest.raises(DocumentRejected):
        apply.permit_add_document(
            permit=permit,
            actor=permit.case.applicant,
            requirement=survey,
            upload=SimpleUploadedFile("survey.exe", b"MZ\x90\x00" * 100),
        )
    # when
    supplied = apply.permit_add_document(
        permit=permit,
        actor=permit.case.applicant,
        requirement=survey,
        upload=SimpleUploadedFile("survey.png", image_bytes("PNG"), content_type="image/png"),
    )
    # then
    assert supplied.document.case == permit.case
    assert apply.permit_problems(permit=permit) == []


def test_a_document_of_another_type_is_refused(addition, contractor):
    from tests.licensing.factories import RequiredDocumentFactory

    permit = _complete(addition, contractor)
    elsewhere = RequiredDocumentFactory(owner=PermitTypeFactory(), name="Other")
    with pytest.raises(ValueError, match="not asked for"):
        apply.permit_add_document(
            permit=permit,
            actor=permit.case.applicant,
            requirement=elsewhere,
            upload=SimpleUploadedFile("a.pdf", PDF_BYTES, content_type="application/pdf"),
        )


def test_a_lot_without_an_address_is_named_by_its_parcel(addition):
    applicant = UserFactory()
    permit = apply.permit_start(permit_type=addition, applicant=applicant)
    with pytest.raises(PermitIncomplete) as refused:
        apply.permit_save_property(permit=permit, actor=applicant, address=" ", parcel_number="")
    assert refused.value.message_dict == {
        "address": ["Enter the address of the property, or its parcel number."]
    }
    apply.permit_save_property(permit=permit, actor=applicant, address="", parcel_number="7-a")
    permit.refresh_from_db()
    assert permit.parcel_number == "7-A"
    assert "property" not in [page for page, _m in apply.permit_problems(permit=permit)]


def test_starting_twice_opens_the_untouched_draft_once(addition):
    applicant = UserFactory()
    first = apply.permit_start(permit_type=addition, applicant=applicant)
    assert apply.permit_start(permit_type=addition, applicant=applicant) == first
    # once it holds something, a new start is a new application (another property)
    apply.permit_save_property(permit=first, actor=applicant, address="1 Main St")
    assert apply.permit_start(permit_type=addition, applicant=applicant) != first


def test_changing_the_work_voids_the_invoice_for_the_old_amounts(addition, contractor):
    permit = _complete(addition, contractor)
    invoice = apply.permit_request_payment(permit=permit, actor=permit.case.applicant)
    # the description alone changes no fee
    apply.permit_save_work(
        permit=permit,
        actor=permit.case.applicant,
        work_description="Rear addition, one bedroom",
        valuation_cents=permit.valuation_cents,
        square_feet=permit.square_feet,
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    # the valuation does
    apply.permit_save_work(
        permit=permit,
        actor=permit.case.applicant,
        work_description="Rear addition, one bedroom",
        valuation_cents=9_000_000,
        square_feet=permit.square_feet,
    )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID


def test_an_application_with_nothing_to_pay_now_is_sent_without_an_invoice():
    # given: a fence, free to apply for, its $60 permit fee due at issue
    fence = PermitTypeFactory(
        application_fee_cents=0,
        fee_method=FeeMethod.FLAT,
        flat_fee_cents=6_000,
        plan_review_percent=Decimal("0"),
        plans_required=False,
    )
    applicant = UserFactory()
    permit = apply.permit_start(permit_type=fence, applicant=applicant)
    apply.permit_save_property(permit=permit, actor=applicant, address="3 Birch Rd")
    apply.permit_save_work(
        permit=permit, actor=applicant, work_description="Back fence", valuation_cents=250_000
    )
    apply.permit_save_contractor(permit=permit, actor=applicant, owner_builder=True)
    # when
    invoice = apply.permit_request_payment(permit=permit, actor=applicant)
    # then
    assert invoice is None
    permit.refresh_from_db()
    permit.case.refresh_from_db()
    assert permit.case.status != "draft"
    assert (permit.permit_fee_cents, permit.remaining_fee_cents) == (6_000, 6_000)
    assert not Invoice.objects.filter(purpose=apply.PURPOSE_APPLICATION).exists()
    # No department reviews a fence: approved at once, its permit fee invoiced at once.
    assert permit.issuance.invoice.total_cents == 6_000
