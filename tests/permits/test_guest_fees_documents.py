"""A guest applicant's link to their permit's case pays the permit's own fees (through a
pay link to the invoice) and downloads the permit card and the certificate of occupancy;
nothing of another permit."""

import datetime

import pytest
from django.urls import reverse

from cases.links import GuestLink
from cases.services import case_create
from cases.tokens import case_guest_link
from payments.models import Invoice, InvoiceStatus, Payment
from permits import workflow as wf
from permits.models import InspectionResult
from permits.services.inspections import inspection_record_result
from permits.services.issuance import permit_fee_invoice
from tests.payments.test_views import pdf_text
from tests.permits.inspection_factories import (
    approved_permit,
    at,
    inspector,
    issued_permit,
    open_slots,
)
from tests.permits.test_guest_inspections import book_link, page_url, slot_value

pytestmark = pytest.mark.django_db

GUEST = "ana.guest@example.org"


def guest_case():
    return case_create(kind=wf.KIND, guest_name="Ana Guest", guest_email=GUEST)


@pytest.fixture
def slots():
    inspector(capacity=2)
    open_slots(start=datetime.date.today(), days=40)


def fail(inspection):
    return inspection_record_result(
        inspection=inspection,
        actor=inspection.inspector,
        result=InspectionResult.FAILED,
        deficiencies="Footing too shallow.",
        now=at(inspection.day, 17),
    )


def test_a_guest_pays_the_reinspection_fee_through_their_link_and_books_again(client, slots):
    # given: a guest's permit charging $75 from the first failure, its inspection failed
    permit = issued_permit(case=guest_case(), fee={"fee_cents": 7500, "free_failures": 0})
    url = page_url(book_link(permit))
    first = client.get(url).context["half_days"][0]
    client.post(url, {"action": "book", "slot": slot_value(first)})
    failed = fail(permit.inspections.get())
    invoice = Invoice.objects.get(pk=failed.fee_invoice_id)

    # when: the guest opens their page
    page = client.get(url)

    # then: the fee blocks booking, and "Pay it now" is their own guest link, not the
    # account's invoice page
    assert [b.code for b in page.context["blockers"]] == ["unpaid"]
    assert page.context["half_days"] == []
    pay_now = reverse("permits:guest_invoice", args=[url.split("/")[-3], invoice.reference])
    assert pay_now in page.content.decode()
    assert reverse("payments:invoice", args=[invoice.reference]) not in page.content.decode()

    # when: they follow it, pay and approve on the test gateway
    invoice_page = client.get(pay_now, follow=True)
    assert invoice_page.status_code == 200
    assert "Pay $75.00" in invoice_page.content.decode()
    pay_url = invoice_page.redirect_chain[-1][0].rstrip("/") + "/pay/"
    paying = client.post(pay_url)
    payment = Payment.objects.get(invoice=invoice)
    assert paying["Location"] == payment.checkout_url
    client.post(payment.checkout_url, {"decision": "approve"})

    # then: paid, and the same step is booked again from the guest's page
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    again = client.get(url)
    assert again.context["blockers"] == []
    choice = again.context["half_days"][0]
    booked = client.post(url, {"action": "book", "slot": slot_value(choice)})
    assert booked.status_code == 302
    assert permit.inspections.filter(status="scheduled", step=failed.step).count() == 1


def test_a_guest_pays_the_permit_fee_through_their_link(client, slots):
    # given: a guest's approved permit waiting for its permit fee
    permit = approved_permit(case=guest_case())
    invoice = permit_fee_invoice(permit=permit).invoice
    token = case_guest_link(case=permit.case).token

    # when
    page = client.get(page_url(token))
    pay_now = reverse("permits:guest_invoice", args=[token, invoice.reference])
    opened = client.get(pay_now, follow=True)

    # then: the permit fee is linked to the guest's own invoice page, which offers to pay it
    assert [b.code for b in page.context["blockers"]] == ["not_issued"]
    assert pay_now in page.content.decode()
    assert opened.status_code == 200
    assert opened.redirect_chain[-1][0].startswith("/payments/guest/")
    assert opened.context["invoice"] == invoice


def test_another_permits_invoice_is_not_reachable_with_a_guests_link(client, slots):
    # given: two guests' permits, each with a fee to pay
    mine = issued_permit(case=guest_case(), fee={"fee_cents": 7500, "free_failures": 0})
    other_case = case_create(kind=wf.KIND, guest_email="someone@example.org")
    theirs = issued_permit(case=other_case, fee={"fee_cents": 7500, "free_failures": 0})
    url = page_url(book_link(theirs))
    client.post(
        url, {"action": "book", "slot": slot_value(client.get(url).context["half_days"][0])}
    )
    their_invoice = Invoice.objects.get(pk=fail(theirs.inspections.get()).fee_invoice_id)
    token = case_guest_link(case=mine.case).token
    links_before = GuestLink.objects.count()

    # when
    response = client.get(reverse("permits:guest_invoice", args=[token, their_invoice.reference]))
    forged = client.get(reverse("permits:guest_invoice", args=["not-a-token", "INV-1"]))

    # then
    assert response.status_code == 404
    assert forged.status_code == 404
    assert GuestLink.objects.count() == links_before  # no pay link issued to them


def test_a_guest_downloads_the_permit_card_and_certificate(client, slots):
    # given: a guest's one-inspection permit, finaled with a certificate of occupancy
    permit = issued_permit(case=guest_case(), steps=1, co=True)
    url = page_url(book_link(permit))
    client.post(
        url, {"action": "book", "slot": slot_value(client.get(url).context["half_days"][0])}
    )
    inspection = permit.inspections.get()
    inspection_record_result(
        inspection=inspection,
        actor=inspection.inspector,
        result=InspectionResult.PASSED,
        comments="All good.",
        now=at(inspection.day, 17),
    )
    token = case_guest_link(case=permit.case).token
    certificate = permit.certificate_of_occupancy

    # when
    page = client.get(page_url(token))
    card = client.get(reverse("permits:guest_permit_card", args=[token]))
    co = client.get(reverse("permits:guest_certificate_of_occupancy", args=[token]))

    # then: the page links them and they download the holder's documents
    assert reverse("permits:guest_permit_card", args=[token]) in page.content.decode()
    assert reverse("permits:guest_certificate_of_occupancy", args=[token]) in page.content.decode()
    assert (card.status_code, card["Content-Type"]) == (200, "application/pdf")
    assert card["Referrer-Policy"] == "same-origin"
    assert permit.permit_number in pdf_text(card.content)
    assert (co.status_code, co["Content-Type"]) == (200, "application/pdf")
    assert certificate.number in pdf_text(co.content)


def test_another_permits_documents_are_404_with_a_guests_link(client, slots):
    # given: a guest's issued permit, another guest's, and a link to a case not issued
    permit = issued_permit(case=guest_case(), steps=1, co=True)
    other = issued_permit(case=case_create(kind=wf.KIND, guest_email="c@example.org"), steps=1)
    not_issued = case_guest_link(case=case_create(kind=wf.KIND, guest_email="b@example.org"))
    mine = case_guest_link(case=permit.case).token

    # when / then: the link opens its own case's documents only, and no certificate yet
    for token in (not_issued.token, "forged-token"):
        assert client.get(reverse("permits:guest_permit_card", args=[token])).status_code == 404
        certificate = reverse("permits:guest_certificate_of_occupancy", args=[token])
        assert client.get(certificate).status_code == 404
    card = pdf_text(client.get(reverse("permits:guest_permit_card", args=[mine])).content)
    assert permit.permit_number in card and other.permit_number not in card
    certificate = reverse("permits:guest_certificate_of_occupancy", args=[mine])
    assert client.get(certificate).status_code == 404
    other_reference = reverse("permits:permit_card", args=[permit.case.reference])
    assert client.get(other_reference).status_code == 302  # the signed-in page asks to sign in
