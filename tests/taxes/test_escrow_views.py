"""A mortgage lender's escrow file pages: upload, preview, confirm (plain forms, no
JavaScript), only for the lender's members; and the owner then reads that the payment is
expected from the lender."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given

from taxes.models import EscrowFile, TaxBill
from tests.accounts.factories import UserFactory
from tests.hostile import VALUES, fuzz, keeps_what_was_typed, no_server_error
from tests.taxes.factories import LenderFactory, OwnerFactory, ParcelFactory, TaxBillFactory
from tests.taxes.payers import csv_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def lender(resident):
    return LenderFactory(name="First Mortgage Bank", members=[resident])


@pytest.fixture
def bill():
    parcel = ParcelFactory(number="40-000001", situs_address="1 PINE STREET")
    OwnerFactory(parcel=parcel, name="Sam Ortiz", last_name="Ortiz")
    return TaxBillFactory(parcel=parcel, number="2026-0400001")


def _file(*rows):
    upload = csv_file(*rows, header="parcel_number,loan_reference")
    upload.name = "escrow-2026.csv"
    return upload


def test_escrow_pages_need_an_account(client):
    response = client.get(reverse("taxes:escrow_files"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_account_of_no_lender_is_refused(client, resident, bill):
    client.force_login(resident)

    assert client.get(reverse("taxes:escrow_files")).status_code == 403
    response = client.post(
        reverse("taxes:escrow_files"), {"tax_year": "2026", "file": _file("40-000001,LN-1")}
    )
    assert response.status_code == 403
    assert EscrowFile.objects.count() == 0


def test_preview_then_confirm_and_the_owner_reads_expected_from_the_lender(
    client, resident, lender, bill
):
    # given
    client.force_login(resident)
    form = client.get(reverse("taxes:escrow_files"))

    # when: the file is sent
    uploaded = client.post(
        reverse("taxes:escrow_files"), {"tax_year": "2026", "file": _file("40-000001,LN-1")}
    )
    escrow_file = EscrowFile.objects.get()
    preview = client.get(uploaded["Location"])

    # then: a preview, nothing marked yet
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.content.decode()
    assert uploaded.status_code == 302
    assert uploaded["Location"] == reverse("taxes:escrow_file", args=[escrow_file.pk])
    page = preview.content.decode()
    assert "1 bill will be marked as paid from your escrow." in page
    assert "LN-1" in page and "Will be marked" in page
    assert reverse("taxes:escrow_file_confirm", args=[escrow_file.pk]) in page
    assert TaxBill.objects.get().escrow_lender == ""

    # when: confirmed
    confirmed = client.post(reverse("taxes:escrow_file_confirm", args=[escrow_file.pk]))

    # then
    assert confirmed.status_code == 302
    assert TaxBill.objects.get().escrow_lender == "First Mortgage Bank"
    record = client.get(confirmed["Location"]).content.decode()
    assert "1 bill was marked as paid from your escrow." in record
    assert "Confirm these parcels" not in record

    # and the owner, opening the bill, reads who is expected to pay it
    client.logout()
    client.post(reverse("taxes:bill", args=[bill.number]), {"factor": "Ortiz"})
    owner_page = client.get(reverse("taxes:bill", args=[bill.number])).content.decode()
    assert "Payment expected from First Mortgage Bank" in owner_page


def test_a_bad_file_re_renders_the_form_with_its_errors_and_rows(client, resident, lender, bill):
    client.force_login(resident)

    response = client.post(
        reverse("taxes:escrow_files"),
        {"tax_year": "2026", "file": _file("40-000001,LN-1", "99-000001,LN-2", "40-000001,LN-3")},
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert response.templates[0].name == "taxes/escrow_files.html"
    assert "The file has 2 problems. Nothing was saved." in page
    assert "Parcel 99-000001 is unknown: check the number." in page
    assert "The parcel 40-000001 is on row 2 already." in page
    assert all(loan in page for loan in ("LN-1", "LN-2", "LN-3"))
    assert 'name="file"' in page
    assert EscrowFile.objects.count() == 0


def test_a_conflict_is_shown_in_the_preview_and_left_to_the_other_lender(
    client, resident, lender, bill
):
    # given: the bill is escrowed by another lender
    TaxBill.objects.filter(pk=bill.pk).update(escrow_lender="Second Savings")
    client.force_login(resident)
    client.post(reverse("taxes:escrow_files"), {"tax_year": "2026", "file": _file("40-000001")})
    escrow_file = EscrowFile.objects.get()

    # when
    preview = client.get(reverse("taxes:escrow_file", args=[escrow_file.pk])).content.decode()
    client.post(reverse("taxes:escrow_file_confirm", args=[escrow_file.pk]))

    # then: a conflict, without naming the other lender, and the bill stays theirs
    assert "1 conflict: a parcel another lender escrows" in preview
    assert "Second Savings" not in preview
    assert TaxBill.objects.get().escrow_lender == "Second Savings"


def test_a_member_of_another_lender_reaches_none_of_its_files(
    client, resident, other_resident, lender, bill
):
    # given: a file of the first lender, and another lender's member
    client.force_login(resident)
    client.post(reverse("taxes:escrow_files"), {"tax_year": "2026", "file": _file("40-000001")})
    escrow_file = EscrowFile.objects.get()
    LenderFactory(name="Second Savings", members=[other_resident])
    client.force_login(other_resident)

    # when
    listed = client.get(reverse("taxes:escrow_files"))
    shown = client.get(reverse("taxes:escrow_file", args=[escrow_file.pk]))
    confirmed = client.post(reverse("taxes:escrow_file_confirm", args=[escrow_file.pk]))
    as_them = client.post(
        reverse("taxes:escrow_files"),
        {"lender": str(lender.pk), "tax_year": "2026", "file": _file("40-000001")},
    )

    # then
    assert "escrow-2026.csv" not in listed.content.decode()
    assert (shown.status_code, confirmed.status_code) == (404, 404)
    assert as_them.status_code == 400
    assert EscrowFile.objects.count() == 1
    assert TaxBill.objects.get().escrow_lender == ""


def test_a_member_of_several_lenders_chooses_one(client, resident, lender, bill):
    second = LenderFactory(name="Second Savings", members=[resident])
    client.force_login(resident)

    form = client.get(reverse("taxes:escrow_files")).content.decode()
    client.post(
        reverse("taxes:escrow_files"),
        {"lender": str(second.pk), "tax_year": "2026", "file": _file("40-000001")},
    )

    assert "First Mortgage Bank" in form and "Second Savings" in form
    assert EscrowFile.objects.get().lender == second


def test_the_batches_page_leads_a_lenders_member_to_the_escrow_files(
    client, resident, other_resident, lender
):
    client.force_login(resident)
    member_page = client.get(reverse("taxes:batches")).content.decode()
    client.force_login(other_resident)
    other_page = client.get(reverse("taxes:batches")).content.decode()

    assert reverse("taxes:escrow_files") in member_page
    assert reverse("taxes:escrow_files") not in other_page


@pytest.mark.parametrize(
    ("lenders", "tampered"),
    [(1, "other"), (1, "999999"), (1, "garbage"), (2, "other"), (2, "garbage"), (2, "")],
)
def test_a_tampered_lender_shows_the_form_again_with_its_error(
    client, resident, lender, bill, tampered, lenders
):
    # given: a member of one lender (the field hidden) or of two (a choice); "other" is the
    # id of a lender the member is not a member of
    if lenders == 2:
        LenderFactory(name="Second Savings", members=[resident])
    other = LenderFactory(name="Third Trust")
    value = str(other.pk) if tampered == "other" else tampered
    client.force_login(resident)

    # when
    response = client.post(
        reverse("taxes:escrow_files"),
        {"lender": value, "tax_year": "2031", "file": _file("40-000001")},
    )

    # then: the form again, its error in the summary linking to the field and at the field,
    # the tax year as typed, and nothing saved
    page = response.content.decode()
    assert response.status_code == 400
    assert response.templates[0].name == "taxes/escrow_files.html"
    assert "data-error-summary" in page
    assert 'href="#id_lender"' in page
    assert page.count("Choose one of your lenders.") == 2
    assert 'id="id_lender"' in page and 'type="hidden" name="lender"' not in page
    assert 'value="2031"' in page
    assert "Third Trust" not in page
    assert EscrowFile.objects.count() == 0


@given(value=VALUES)
@fuzz(max_examples=40)
def test_any_lender_value_is_refused_or_taken_never_a_server_error(value):
    # given: a fresh member each time (the database is shared between examples)
    member = UserFactory()
    LenderFactory(members=[member])
    client = Client()
    client.force_login(member)
    posted = {"lender": value, "tax_year": "2026", "file": _file("40-000001")}

    # when
    response = client.post(reverse("taxes:escrow_files"), posted)

    # then
    no_server_error(response)
    keeps_what_was_typed(response, posted)
