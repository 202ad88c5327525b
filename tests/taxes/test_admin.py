"""The taxes admin: every page opens, and a bill entered by hand takes its amounts in dollars
(an exemption typed as a positive amount, stored below zero)."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from taxes.models import LineKind, TaxBill
from tests.accounts.factories import StaffFactory
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "model", ["parcel", "taxbill", "penaltyrule", "discountrule", "rollimport"]
)
def test_the_lists_and_add_pages_open(administrator, client, model):
    # given
    bill = TaxBillFactory()
    OwnerFactory(parcel=bill.parcel)

    # then
    assert client.get(reverse(f"admin:taxes_{model}_changelist")).status_code == 200
    if model != "rollimport":
        assert client.get(reverse(f"admin:taxes_{model}_add")).status_code == 200


def test_a_saved_bill_shows_its_lines_and_code_read_only(administrator, client):
    # given
    bill = TaxBillFactory()

    # when
    page = client.get(reverse("admin:taxes_taxbill_change", args=[bill.pk]))

    # then
    assert page.status_code == 200
    assert bill.access_code_printed in page.content.decode()
    assert "$2,000.00" in page.content.decode()
    assert 'name="lines-0-amount_cents"' not in page.content.decode()


def _inline(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def test_a_bill_entered_by_hand_takes_dollars(administrator, client):
    # given
    parcel = ParcelFactory()
    data = {
        "parcel": parcel.pk,
        "tax_year": "2026",
        "number": "2026-HAND-1",
        "escrow_lender": "",
        **_inline(
            "lines",
            [
                {"kind": "levy", "district": "COUNTY", "amount_cents": "$1,250.50"},
                {"kind": "exemption", "district": "HOMESTEAD", "amount_cents": "250.50"},
            ],
        ),
        **_inline(
            "instalments", [{"sequence": "1", "due_date": "2026-03-31", "amount_cents": "1000"}]
        ),
    }

    # when
    response = client.post(reverse("admin:taxes_taxbill_add"), data)

    # then
    assert response.status_code == 302, response.context and response.context.get("errors")
    bill = TaxBill.objects.get(number="2026-HAND-1")
    assert sorted(bill.lines.values_list("kind", "amount_cents")) == [
        (LineKind.EXEMPTION, -25050),
        (LineKind.LEVY, 125050),
    ]
    assert bill.instalments.get().amount_cents == 100000


def _form_values(html: str) -> dict:
    """The values of a page's inputs, as the browser would post them (no selects here)."""
    from html.parser import HTMLParser

    values = {}

    class Inputs(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
                values[attrs["name"]] = attrs.get("value") or ""

    Inputs().feed(html)
    return values


def test_a_lender_changed_in_the_admin_is_written_on_the_bills_timeline(administrator, client):
    # given: a bill whose lender's file conflicts with the roll
    from tests.taxes.lender_support import conflicting_bill

    bill, _conflict = conflicting_bill()
    url = reverse("admin:taxes_taxbill_change", args=[bill.pk])
    data = _form_values(client.get(url).content.decode())

    # when
    change = {**data, "escrow_lender": "Second Savings", "lender_change_reason": "Loan sold"}
    response = client.post(url, change)
    again = client.post(url, change)

    # then: changed once, on the timeline with who did it
    assert response.status_code == again.status_code == 302
    bill.refresh_from_db()
    assert bill.escrow_lender == "Second Savings"
    (event,) = bill.events.filter(kind="lender_changed", actor__isnull=False)
    assert event.actor == administrator
    assert event.data == {
        "from": "First Mortgage Bank",
        "to": "Second Savings",
        "reason": "Loan sold",
    }


def test_a_lender_change_in_the_admin_without_a_reason_is_refused_and_changes_nothing(
    administrator, client
):
    # given
    from tests.taxes.lender_support import conflicting_bill

    bill, _conflict = conflicting_bill()
    url = reverse("admin:taxes_taxbill_change", args=[bill.pk])
    data = _form_values(client.get(url).content.decode())

    # when
    response = client.post(url, {**data, "escrow_lender": "Second Savings"})

    # then: the form says why, and the bill and its timeline are as they were
    assert response.status_code == 200
    assert "Say why the escrow lender changes." in response.content.decode()
    bill.refresh_from_db()
    assert bill.escrow_lender == "First Mortgage Bank"
    assert not bill.events.filter(kind="lender_changed", actor__isnull=False).exists()


def test_the_recipients_list_shows_when_each_address_confirmed(administrator, client):
    # given: one address confirmed, one still waiting
    import datetime

    from django.utils import timezone

    from taxes.models import BillRecipient, ParcelLink
    from tests.accounts.factories import UserFactory

    bill = TaxBillFactory()
    link = ParcelLink.objects.create(user=UserFactory(), parcel=bill.parcel)
    confirmed = timezone.now() - datetime.timedelta(days=2)
    BillRecipient.objects.create(link=link, email="son@example.com", confirmed_at=confirmed)
    BillRecipient.objects.create(link=link, email="accountant@example.com")

    # when
    page = client.get(reverse("admin:taxes_billrecipient_changelist"))
    waiting = client.get(reverse("admin:taxes_billrecipient_changelist"), {"confirmed": "no"})

    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "column-confirmed_at" in html
    assert html.count("Not confirmed") >= 1
    assert "accountant@example.com" in waiting.content.decode()
    assert "son@example.com" not in waiting.content.decode()
