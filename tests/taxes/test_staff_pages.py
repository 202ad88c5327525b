"""The tax collector's workbench pages: who may open them, the parcel search and page, an
adjustment through the form, and the list of bills past due (on screen and as CSV)."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from taxes import selectors_staff
from taxes.models import BillAdjustment, BillEvent, Instalment, TaxBill
from tests.accounts.factories import UserFactory
from tests.taxes.factories import OwnerFactory, ParcelFactory, TaxBillFactory
from tests.taxes.staff_support import other_staff, tax_staff

pytestmark = pytest.mark.django_db

# A Monday with no holiday near it: the Friday before is the last day an instalment can fall
# due and be late on it; one due on the Saturday moves to this Monday.
MONDAY = datetime.date(2026, 6, 15)


@pytest.fixture
def clerk(client):
    user = tax_staff()
    client.force_login(user)
    return user


def parcel_with_bill(*, schedule=None, name="Pat Rivera", address="12 ELM STREET"):
    parcel = ParcelFactory(situs_address=address)
    OwnerFactory(parcel=parcel, name=name, last_name=name.split()[-1])
    bill = TaxBillFactory(parcel=parcel, schedule=schedule)
    return parcel, bill


@pytest.mark.parametrize(
    "name",
    ["taxes_staff:search", "taxes_staff:delinquent"],
)
def test_a_resident_and_staff_of_another_department_are_refused(client, name):
    client.force_login(UserFactory())
    assert client.get(reverse(name)).status_code == 403
    client.force_login(other_staff())
    assert client.get(reverse(name)).status_code == 403


def test_the_parcel_page_is_refused_to_staff_of_another_department(client):
    parcel, _bill = parcel_with_bill()
    client.force_login(other_staff())

    assert client.get(reverse("taxes_staff:parcel", args=[parcel.number])).status_code == 403


@pytest.mark.parametrize("query", ["rivera", "12 elm", "PARCEL", "BILL"])
def test_staff_find_a_parcel_by_owner_address_parcel_or_bill_number(client, clerk, query):
    parcel, bill = parcel_with_bill()
    parcel_with_bill(name="Sam Lee", address="99 OAK AVENUE")
    typed = {"PARCEL": parcel.number, "BILL": bill.number}.get(query, query)

    response = client.get(reverse("taxes_staff:search"), {"q": typed})

    assert response.status_code == 200
    assert [found.pk for found in response.context["parcels"]] == [parcel.pk]


def test_an_empty_search_is_an_error(client, clerk):
    response = client.get(reverse("taxes_staff:search"), {"q": "  "})

    assert response.status_code == 400
    assert "Enter what to search for." in response.content.decode()


def test_the_parcel_page_shows_bills_and_records_an_abatement(client, clerk):
    parcel, bill = parcel_with_bill()
    instalment = bill.instalments.get(sequence=2)
    page = reverse("taxes_staff:parcel", args=[parcel.number])
    assert client.get(page).status_code == 200

    response = client.post(
        reverse("taxes_staff:adjust", args=[bill.number]),
        {
            "instalment": instalment.pk,
            "kind": "abatement",
            "direction": "lower",
            "amount": "$150.00",
            "reason": "Storm damage relief",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == page
    adjustment = BillAdjustment.objects.get()
    assert (adjustment.instalment, adjustment.amount_cents, adjustment.made_by) == (
        instalment,
        -15000,
        clerk,
    )
    shown = client.get(page).content.decode()
    assert "Storm damage relief" in shown
    assert clerk.email in shown or clerk.get_full_name() in shown


def test_a_refused_adjustment_is_shown_again_with_what_was_typed(client, clerk):
    _parcel, bill = parcel_with_bill()

    response = client.post(
        reverse("taxes_staff:adjust", args=[bill.number]),
        {
            "instalment": bill.instalments.get(sequence=1).pk,
            "kind": "abatement",
            "direction": "lower",
            "amount": "5000",
            "reason": "Relief asked for by the owner",
        },
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "more than the principal still unpaid" in body
    assert "Relief asked for by the owner" in body
    assert 'value="5000"' in body
    assert not BillAdjustment.objects.exists()


def test_an_abatement_cannot_raise(client, clerk):
    _parcel, bill = parcel_with_bill()

    response = client.post(
        reverse("taxes_staff:adjust", args=[bill.number]),
        {
            "instalment": bill.instalments.get(sequence=1).pk,
            "kind": "abatement",
            "direction": "raise",
            "amount": "10",
            "reason": "x",
        },
    )

    assert response.status_code == 400
    assert "An abatement only lowers what is owed." in response.content.decode()


def test_a_cashier_sees_bills_but_may_not_adjust(client):
    parcel, bill = parcel_with_bill()
    client.force_login(tax_staff("cashier"))

    page = client.get(reverse("taxes_staff:parcel", args=[parcel.number]))
    posted = client.post(
        reverse("taxes_staff:adjust", args=[bill.number]),
        {"instalment": bill.instalments.get(sequence=1).pk, "kind": "correction"},
    )

    assert page.status_code == 200
    assert "Record the adjustment" not in page.content.decode()
    assert posted.status_code == 403


def test_past_due_means_after_the_effective_due_date():
    # given: due Friday (late on Monday), due Saturday (moves to Monday: not late yet), due
    # Friday but paid, due last year and half paid
    _p, friday = parcel_with_bill(schedule=[(datetime.date(2026, 6, 12), 50000)])
    parcel_with_bill(schedule=[(datetime.date(2026, 6, 13), 50000)])
    _p, paid = parcel_with_bill(schedule=[(datetime.date(2026, 6, 12), 50000)])
    Instalment.objects.filter(bill=paid).update(principal_paid_cents=50000)
    _p, half = parcel_with_bill(schedule=[(datetime.date(2025, 6, 12), 50000)])
    Instalment.objects.filter(bill=half).update(principal_paid_cents=20000)

    # when
    late = list(selectors_staff.delinquent_bills(on=MONDAY))

    # then: oldest first
    assert [(bill.pk, bill.overdue_cents) for bill in late] == [
        (half.pk, 30000),
        (friday.pk, 50000),
    ]


def _bills(count: int, due: datetime.date) -> None:
    parcels = ParcelFactory.create_batch(count)
    for parcel in parcels:
        TaxBillFactory(parcel=parcel, schedule=[(due, 10000), (due + datetime.timedelta(90), 1)])


@pytest.mark.parametrize("count", [10, 120])
def test_the_past_due_list_reads_the_same_few_queries_however_many_bills(
    client, clerk, count, django_assert_max_num_queries
):
    _bills(count, timezone.localdate() - datetime.timedelta(days=40))

    with django_assert_max_num_queries(18):
        response = client.get(reverse("taxes_staff:delinquent"), {"order": "amount"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == count
    assert len(response.context["rows"]) == min(count, 50)
    assert all(row.payoff.penalty_cents >= 0 for row in response.context["rows"])


def test_the_past_due_list_downloads_as_csv(client, clerk, monkeypatch):
    # given: three bills past due, read two at a time
    _bills(3, timezone.localdate() - datetime.timedelta(days=40))
    original = selectors_staff.delinquent_export
    monkeypatch.setattr(
        selectors_staff,
        "delinquent_export",
        lambda *, on: original(on=on, chunk=2),
    )

    # when
    response = client.get(reverse("taxes_staff:delinquent"), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    # then
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert len(rows) == 3
    numbers = sorted(TaxBill.objects.values_list("parcel__number", flat=True))
    assert [row["parcel"] for row in rows] == numbers
    assert {row["principal_overdue"] for row in rows} == {"100.00"}


def test_the_parcel_page_shows_a_lender_conflict_and_the_bills_timeline(client, clerk):
    # given: the roll named another lender than the one whose file declared the bill
    parcel, bill = parcel_with_bill()
    TaxBill.objects.filter(pk=bill.pk).update(escrow_lender="First Mortgage Bank")
    BillEvent.objects.create(
        bill=bill,
        kind="lender_changed",
        key="lender:1",
        data={"from": "", "to": "First Mortgage Bank", "roll_import": 1},
    )
    BillEvent.objects.create(
        bill=bill,
        kind="lender_conflict",
        key="lender-conflict:x",
        data={"lender": "First Mortgage Bank", "roll_lender": "Second Savings", "roll_import": 2},
    )

    # when
    page = client.get(reverse("taxes_staff:parcel", args=[parcel.number])).content.decode()

    # then
    assert (
        "The roll names Second Savings as the escrow lender; First Mortgage Bank declared the "
        "bill in its escrow file and stays its lender until the conflict is settled" in page
    )
    assert 'id="bill-timeline-' in page
    assert "The roll changed the escrow lender from none to First Mortgage Bank." in page

    # and once staff changed the lender, the conflict is no longer shown as open
    TaxBill.objects.filter(pk=bill.pk).update(escrow_lender="Second Savings")
    page = client.get(reverse("taxes_staff:parcel", args=[parcel.number])).content.decode()
    assert "stays its lender until the conflict is settled" not in page


def _radio_checked(html: str, name: str) -> str | None:
    import re

    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def _settle_data(bill, conflict, **changes):
    prefix = f"settle-{bill.pk}"
    data = {
        "conflict": conflict.pk,
        "keep": "roll",
        "reason": "The loan moved to Second Savings",
        "confirm": "on",
        **changes,
    }
    return {f"{prefix}-{name}": value for name, value in data.items() if value is not None}


def test_a_clerk_settles_a_lender_conflict_from_the_parcel_page(client, clerk):
    from tests.taxes.lender_support import conflicting_bill

    # given
    bill, conflict = conflicting_bill()
    page_url = reverse("taxes_staff:parcel", args=[bill.parcel.number])
    page = client.get(page_url).content.decode()
    assert f'action="{reverse("taxes_staff:settle_lender", args=[bill.number])}"' in page
    assert "Keep First Mortgage Bank, the lender of the escrow file" in page
    assert "Take Second Savings, the lender the roll names" in page

    # when: submitted twice (a double click)
    url = reverse("taxes_staff:settle_lender", args=[bill.number])
    first = client.post(url, _settle_data(bill, conflict))
    second = client.post(url, _settle_data(bill, conflict, keep="file"), follow=True)

    # then: settled once, the roll's lender taken; the warning gone; the timeline says who
    assert first.status_code == 302 and first.url == page_url
    assert second.status_code == 200
    shown = second.content.decode()
    assert "is no longer open" in shown
    bill.refresh_from_db()
    assert bill.escrow_lender == "Second Savings"
    assert BillEvent.objects.filter(kind="lender_settled").count() == 1
    assert f'id="lender-conflict-{bill.pk}"' not in shown
    assert (
        f"{clerk.get_full_name() or clerk.email} settled the conflict: the bill takes Second "
        "Savings, the lender the roll names, instead of First Mortgage Bank. Reason: The loan "
        "moved to Second Savings" in shown
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "  "}, "Give the reason: it is kept for the audit"),
        ({"keep": None}, "Choose the lender the bill keeps."),
        ({"keep": "both"}, "Select a valid choice."),
        ({"confirm": None}, "Confirm that you settled it with both lenders."),
    ],
    ids=["no reason", "no choice", "tampered choice", "not confirmed"],
)
def test_a_bad_settlement_is_shown_again_with_what_was_typed(client, clerk, changes, message):
    from tests.taxes.lender_support import conflicting_bill

    bill, conflict = conflicting_bill()
    data = _settle_data(bill, conflict, **{"reason": "Lenders agreed by phone", **changes})

    response = client.post(reverse("taxes_staff:settle_lender", args=[bill.number]), data)

    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'id="settle-lender-{bill.pk}" open' in body
    if changes.get("reason") is None:
        assert 'value="Lenders agreed by phone"' in body
    if "keep" not in changes:
        assert _radio_checked(body, f"settle-{bill.pk}-keep") == "roll"
    bill.refresh_from_db()
    assert bill.escrow_lender == "First Mortgage Bank"
    assert not BillEvent.objects.filter(kind="lender_settled").exists()


@pytest.mark.parametrize(
    "who",
    [lambda: UserFactory(), lambda: other_staff(), lambda: tax_staff("cashier")],
    ids=["resident", "clerk of another department", "tax cashier"],
)
def test_settling_a_lender_conflict_is_refused_to_others(client, who):
    from tests.taxes.lender_support import conflicting_bill

    bill, conflict = conflicting_bill()
    user = who()
    client.force_login(user)

    response = client.post(
        reverse("taxes_staff:settle_lender", args=[bill.number]), _settle_data(bill, conflict)
    )

    assert response.status_code == 403
    bill.refresh_from_db()
    assert bill.escrow_lender == "First Mortgage Bank"
    assert not BillEvent.objects.filter(kind="lender_settled").exists()


def test_the_parcel_page_says_an_overpayment_became_a_credit(client, clerk):
    parcel, bill = parcel_with_bill()
    BillEvent.objects.create(
        bill=bill,
        kind="roll_credit",
        key="roll-credit:3:2",
        data={"sequence": 2, "cents": 12550, "roll_import": 3},
    )

    page = client.get(reverse("taxes_staff:parcel", args=[parcel.number])).content.decode()

    assert (
        "The corrected roll billed instalment 2 less than was paid on it: $125.50 became a "
        "credit on its payments."
    ) in page
