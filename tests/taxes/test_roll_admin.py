"""The roll upload page: a dry-run preview, row-level errors, then the import; and the
management command."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from taxes.models import Parcel, RollImport, TaxBill
from tests.accounts.factories import StaffFactory
from tests.taxes.roll_files import parcel, roll

pytestmark = pytest.mark.django_db
URL = reverse("admin:taxes_rollimport_upload")


@pytest.fixture
def administrator(client):
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def _upload(*rows):
    return SimpleUploadedFile("roll-2026.csv", roll(*rows).getvalue(), "text/csv")


def test_the_upload_previews_then_imports(administrator, client):
    # when
    preview = client.post(URL, {"file": _upload(parcel(1), parcel(2))})

    # then: nothing saved yet
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "Preview of roll-2026.csv: nothing has been saved yet" in page
    assert "2 bills will be created." in page
    assert not Parcel.objects.exists()

    # when
    done = client.post(URL, {"token": preview.context["token"]}, follow=True)

    # then
    assert done.redirect_chain[-1][0] == reverse("admin:taxes_rollimport_changelist")
    assert TaxBill.objects.count() == 2
    assert RollImport.objects.get().imported_by == administrator
    assert "Roll roll-2026.csv imported: 2 bills created, 0 adjusted, 0 unchanged." in (
        done.content.decode()
    )


def test_row_errors_are_listed_and_no_import_is_offered(administrator, client):
    # when
    response = client.post(URL, {"file": _upload(parcel(1), parcel(2, levy_COUNTY="-5"))})

    # then
    page = response.content.decode()
    assert "roll-2026.csv has 1 error. Nothing was saved" in page
    assert "The levy of COUNTY is negative (-5)" in page
    assert not response.context["token"]
    assert not Parcel.objects.exists()


def test_a_file_that_is_not_a_roll_is_refused(administrator, client):
    upload = SimpleUploadedFile("x.csv", b"name,colour\n", "text/csv")
    response = client.post(URL, {"file": upload})
    assert response.status_code == 400
    assert "Unknown columns: name, colour." in response.content.decode()


def test_a_stale_token_imports_nothing(administrator, client):
    response = client.post(URL, {"token": "nope"}, follow=True)
    assert "That preview has expired." in response.content.decode()
    assert not RollImport.objects.exists()


def test_only_staff_who_may_add_bills_may_import(client):
    user = StaffFactory()
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_the_command_imports_and_dry_runs(tmp_path, capsys):
    # given
    path = tmp_path / "roll.csv"
    path.write_bytes(roll(parcel(1)).getvalue())

    # when
    call_command("import_tax_roll", str(path), "--dry-run")

    # then
    assert "1 bills would be created" in capsys.readouterr().out
    assert not TaxBill.objects.exists()
    call_command("import_tax_roll", str(path))
    assert TaxBill.objects.count() == 1


def test_the_command_lists_row_errors_and_fails(tmp_path, capsys):
    path = tmp_path / "roll.csv"
    path.write_bytes(roll(parcel(1, parcel_number="bad number")).getvalue())
    with pytest.raises(CommandError, match="1 errors in 1 rows: nothing was imported"):
        call_command("import_tax_roll", str(path))
    assert "Row 2: Parcel number “BAD NUMBER” is not valid" in capsys.readouterr().err


def _declared_by_a_lender():
    """Parcel 10-000001's bill, from the roll, then declared in First Mortgage Bank's file."""
    from taxes.services.escrow import escrow_file_apply, escrow_file_upload
    from taxes.services.roll import roll_import
    from tests.accounts.factories import UserFactory
    from tests.taxes.factories import LenderFactory
    from tests.taxes.payers import csv_file

    roll_import(stream=roll(parcel(1)), file_name="roll-2025.csv")
    member = UserFactory()
    lender = LenderFactory(name="First Mortgage Bank", members=[member])
    escrow_file = escrow_file_upload(
        stream=csv_file("10-000001", header="parcel_number"),
        file_name="escrow.csv",
        lender=lender,
        tax_year=2026,
        uploaded_by=member,
    )
    escrow_file_apply(escrow_file=escrow_file, actor=member)


NOTE = "the roll names Second Savings as the escrow lender, but First Mortgage Bank declared"


def test_a_lender_conflict_is_listed_by_row_in_the_preview_and_after_the_import(
    administrator, client
):
    # given
    _declared_by_a_lender()

    # when
    preview = client.post(URL, {"file": _upload(parcel(1, escrow_lender="Second Savings"))})
    done = client.post(URL, {"token": preview.context["token"]}, follow=True)

    # then: listed with its row in the preview, and again once imported; the lender kept
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "1 row to check: the roll and a lender disagree" in page
    assert "<td>2</td>" in page and NOTE in page
    assert done.redirect_chain[-1][0] == reverse("admin:taxes_rollimport_changelist")
    assert f"Row 2: Bill 2026-000001: {NOTE}" in done.content.decode()
    assert TaxBill.objects.get().escrow_lender == "First Mortgage Bank"


def test_the_command_lists_lender_conflicts(tmp_path, capsys):
    _declared_by_a_lender()
    path = tmp_path / "roll.csv"
    path.write_bytes(roll(parcel(1, escrow_lender="Second Savings")).getvalue())

    call_command("import_tax_roll", str(path))

    output = capsys.readouterr()
    assert f"Row 2: Bill 2026-000001: {NOTE}" in output.err
    assert "1 lender conflicts (1 new)." in output.out
    assert TaxBill.objects.get().escrow_lender == "First Mortgage Bank"

    call_command("import_tax_roll", str(path))

    assert "1 lender conflicts (0 new)." in capsys.readouterr().out
    assert list(
        RollImport.objects.order_by("created_at").values_list(
            "lender_conflicts", "lender_conflicts_new"
        )
    ) == [(0, 0), (1, 1), (1, 0)]


def test_the_imports_list_and_record_show_the_lender_conflicts(administrator, client):
    # given: an import that met one conflict
    _declared_by_a_lender()
    preview = client.post(URL, {"file": _upload(parcel(1, escrow_lender="Second Savings"))})
    client.post(URL, {"token": preview.context["token"]})
    batch = RollImport.objects.get(file_name="roll-2026.csv")

    # when
    listing = client.get(reverse("admin:taxes_rollimport_changelist"))
    record = client.get(reverse("admin:taxes_rollimport_change", args=[batch.pk]))

    # then: both counts, in the list's columns and on the record
    assert listing.status_code == record.status_code == 200
    listed = listing.content.decode()
    assert "column-lender_conflicts" in listed and "column-lender_conflicts_new" in listed
    assert '<td class="field-lender_conflicts">1</td>' in listed
    shown = record.content.decode()
    assert "Lender conflicts:" in shown and "New lender conflicts:" in shown
    assert (batch.lender_conflicts, batch.lender_conflicts_new) == (1, 1)


def test_the_preview_lists_what_will_become_a_credit(administrator, client):
    # given: the whole year of parcel 1 paid ($2,000.00)
    import datetime

    from django.utils import timezone

    from taxes.services.checkout import bill_invoice_paid
    from taxes.services.roll import roll_import

    roll_import(stream=roll(parcel(1)), file_name="roll-2026.csv")
    bill = TaxBill.objects.get()
    started = timezone.make_aware(datetime.datetime(2026, 1, 5, 12))
    bill_invoice_paid(invoice_id=999, bill_id=bill.pk, amount_cents=200000, started_at=started)

    # when: the corrected roll lowers the first instalment to $600.00
    preview = client.post(
        URL, {"file": _upload(parcel(1, levy_COUNTY="1100.00", instalment_1_amount="600.00"))}
    )

    # then
    page = preview.content.decode()
    assert (
        "1 instalment was paid more than the roll now bills for it: $400.00 in all will "
        "become credits on the payments, which the payers can have refunded." in page
    )
    assert (
        "Bill 2026-000001: instalment 1 was paid $400.00 more than the roll now bills for it. "
        "That becomes a credit the payer can have refunded." in page
    )
    assert bill.payments.get().credit_cents == 0
