"""Issuing: the remaining permit fee, the number and expiry, expiry without inspections,
extensions, the permit card."""

import datetime
import subprocess

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from payments.models import InvoiceStatus
from permits import workflow as wf
from permits.exceptions import IssuanceRefused
from permits.models import Inspection, InspectionSlot, InspectionStatus, Permit
from permits.pdf import permit_card_pdf, public_url
from permits.services.inspections import inspection_book
from permits.services.issuance import (
    PURPOSE_PERMIT_FEE,
    extension_decide,
    extension_request,
    permit_fee_invoice,
    permits_expire,
    permits_invoice_approved,
)
from tests.accounts.factories import StaffFactory
from tests.permits.factories import department
from tests.permits.inspection_factories import (
    NOW,
    WEDNESDAY,
    approved_permit,
    inspector,
    issued_permit,
    open_slots,
    pay,
)

pytestmark = pytest.mark.django_db


def test_an_approved_permit_is_invoiced_the_permit_fee_less_the_plan_review_share():
    # given
    permit = approved_permit(permit_fee_cents=30000, plan_review_fee_cents=10000)

    # when
    issuance = permit_fee_invoice(permit=permit)

    # then
    assert issuance.invoice.purpose == PURPOSE_PERMIT_FEE
    assert issuance.invoice.total_cents == 20000
    assert issuance.invoice.payer == permit.case.applicant
    assert permit_fee_invoice(permit=permit).invoice_id == issuance.invoice_id  # once


def test_paying_the_permit_fee_issues_the_permit_with_number_and_expiry():
    # given
    permit = approved_permit()
    issuance = permit_fee_invoice(permit=permit)

    # when
    pay(issuance.invoice)

    # then
    permit = Permit.objects.select_related("case").get(pk=permit.pk)
    assert permit.case.status == wf.ISSUED
    assert permit.permit_number.startswith(permit.permit_type.number_prefix + "-")
    assert permit.expires_at - permit.issued_at == datetime.timedelta(days=180)
    issuance.refresh_from_db()
    assert issuance.paid_at is not None


def test_nothing_left_to_pay_issues_at_once():
    # given: the plan-review share was the whole permit fee
    permit = approved_permit(permit_fee_cents=10000, plan_review_fee_cents=10000)

    # when
    issuance = permit_fee_invoice(permit=permit)

    # then
    permit.refresh_from_db()
    assert issuance.invoice is None
    assert permit.permit_number


def test_only_an_approved_permit_is_invoiced():
    # given: a permit still in review
    permit = approved_permit()
    permit.case.refresh_from_db()
    from cases.services import transition

    transition(case=permit.case, to_status=wf.CANCELLED, actor=StaffFactory())

    # then
    with pytest.raises(IssuanceRefused):
        permit_fee_invoice(permit=permit)


def test_the_task_invoices_approved_permits_left_without_an_invoice_once():
    # given
    permit = approved_permit()

    # when
    first, second = permits_invoice_approved(), permits_invoice_approved()

    # then
    assert (first, second) == (1, 0)
    assert permit.issuance.invoice.status == InvoiceStatus.OPEN


def test_a_permit_expires_without_an_inspection_and_frees_its_booked_place():
    # given: an issued permit with an inspection booked, past its expiry
    inspector()
    open_slots()
    permit = issued_permit()
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    Permit.objects.filter(pk=permit.pk).update(expires_at=timezone.now())

    # when
    expired = permits_expire(now=timezone.now() + datetime.timedelta(seconds=1))

    # then
    permit.case.refresh_from_db()
    assert expired == 1
    assert permit.case.status == wf.EXPIRED
    assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.CANCELLED
    assert InspectionSlot.objects.get(pk=inspection.slot_id).booked == 0
    assert permits_expire() == 0  # twice changes nothing


def test_a_permit_in_force_does_not_expire():
    issued_permit()
    assert permits_expire() == 0


def test_an_extension_granted_reinstates_an_expired_permit():
    # given: an expired permit
    permit = issued_permit()
    Permit.objects.filter(pk=permit.pk).update(expires_at=timezone.now())
    permits_expire(now=timezone.now() + datetime.timedelta(seconds=1))
    clerk = StaffFactory(roles=[("clerk", department(wf.DEPARTMENT_CODE))])

    # when: the holder asks, and a clerk grants 90 days
    extension = extension_request(
        permit=permit, actor=permit.case.applicant, reason="Materials were late."
    )
    extension = extension_decide(extension=extension, actor=clerk, grant=True, days=90)

    # then
    permit = Permit.objects.select_related("case").get(pk=permit.pk)
    assert permit.case.status == wf.ISSUED
    assert permit.expires_at > timezone.now() + datetime.timedelta(days=89)
    assert extension.new_expiry == permit.expires_at


def test_an_extension_needs_a_reason_and_waits_once():
    permit = issued_permit()
    with pytest.raises(IssuanceRefused):
        extension_request(permit=permit, actor=permit.case.applicant, reason="  ")
    extension_request(permit=permit, actor=permit.case.applicant, reason="Rain.")
    with pytest.raises(IssuanceRefused, match="waiting for a decision"):
        extension_request(permit=permit, actor=permit.case.applicant, reason="More rain.")


def test_another_resident_cannot_ask_for_an_extension(other_resident):
    permit = issued_permit()
    with pytest.raises(IssuanceRefused):
        extension_request(permit=permit, actor=other_resident, reason="Mine now.")


def test_the_permit_card_shows_the_number_and_the_public_page(tmp_path):
    # given
    permit = issued_permit()

    # when
    document = permit_card_pdf(permit=permit)

    # then
    path = tmp_path / "card.pdf"
    path.write_bytes(document)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert permit.permit_number in text
    assert f"/permits/public/{permit.case.reference}/" in text


def qr_codes_of(document: bytes, folder) -> list[str]:
    """Every QR code on the PDF's first page, drawn as a phone's camera would see it."""
    path = folder / "document.pdf"
    path.write_bytes(document)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(folder / "page")],
        check=True,
    )
    with Image.open(folder / "page.png") as page:
        return [code.text for code in zxingcpp.read_barcodes(page)]


def test_the_permit_cards_qr_code_opens_the_public_page(settings, tmp_path):
    # given
    settings.SITE_URL = "https://portal.springfield.example.gov"
    permit = issued_permit()

    # when
    codes = qr_codes_of(permit_card_pdf(permit=permit), tmp_path)

    # then
    assert codes == [public_url(permit)]
    assert (
        codes[0]
        == f"https://portal.springfield.example.gov/permits/public/{permit.case.reference}/"
    )
