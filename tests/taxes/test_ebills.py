"""E-bills: linking parcels with the access code, paperless enrolment, other recipients."""

import pytest
from django.core.cache import caches
from django.urls import reverse

from taxes.exceptions import EBillRateLimited, EBillRefused
from taxes.models import BillRecipient, ParcelLink, Relationship
from taxes.models.ebills import MAX_RECIPIENTS_PER_LINK
from taxes.services import ebills
from tests.taxes.factories import TaxBillFactory

pytestmark = pytest.mark.django_db


def test_a_parcel_links_with_the_access_code_of_one_of_its_bills(resident):
    # given: two years of bills; the resident holds the older one
    old = TaxBillFactory(tax_year=2025, number="2025-0000001")
    TaxBillFactory(parcel=old.parcel, tax_year=2026)

    # when: typed in lower case with spaces and the parcel number padded
    link = ebills.parcel_link(
        user=resident,
        parcel_number=f"  {old.parcel.number.lower()} ",
        access_code=old.access_code_printed.lower().replace("-", " "),
    )

    # then
    assert link.user == resident and link.parcel == old.parcel
    assert not link.paperless


@pytest.mark.parametrize(
    ("parcel_number", "code", "field", "message"),
    [
        ("99-999999", "right", "parcel_number", "There is no parcel 99-999999."),
        ("right", "0000-0000-0000", "access_code", "That access code is not on any bill"),
        ("right", "", "access_code", "That access code is not on any bill"),
    ],
)
def test_a_wrong_parcel_or_code_is_refused_and_links_nothing(
    resident, parcel_number, code, field, message
):
    bill = TaxBillFactory()
    parcel_number = bill.parcel.number if parcel_number == "right" else parcel_number
    code = bill.access_code if code == "right" else code

    with pytest.raises(EBillRefused) as refused:
        ebills.parcel_link(user=resident, parcel_number=parcel_number, access_code=code)

    assert refused.value.field == field
    assert str(refused.value).startswith(message)
    assert not ParcelLink.objects.exists()


def test_a_parcel_is_linked_once_per_account(resident, other_resident):
    bill = TaxBillFactory()
    ebills.parcel_link(
        user=resident, parcel_number=bill.parcel.number, access_code=bill.access_code
    )

    with pytest.raises(EBillRefused, match="already linked to your account"):
        ebills.parcel_link(
            user=resident, parcel_number=bill.parcel.number, access_code=bill.access_code
        )
    # A joint owner links it to their own account.
    ebills.parcel_link(
        user=other_resident, parcel_number=bill.parcel.number, access_code=bill.access_code
    )
    assert ParcelLink.objects.filter(parcel=bill.parcel).count() == 2


def test_attempts_are_limited_per_account_right_code_or_not(resident, other_resident, settings):
    # given
    settings.TAXES_FACTOR_ATTEMPTS_PER_15_MINUTES = 3
    bill = TaxBillFactory()
    for _attempt in range(3):
        with pytest.raises(EBillRefused):
            ebills.parcel_link(
                user=resident, parcel_number=bill.parcel.number, access_code="0000-0000-0000"
            )

    # when: the fourth attempt has the right code
    with pytest.raises(EBillRateLimited, match="Please wait 15 minutes"):
        ebills.parcel_link(
            user=resident, parcel_number=bill.parcel.number, access_code=bill.access_code
        )

    # then: nothing linked; another account is counted apart
    assert not ParcelLink.objects.exists()
    ebills.parcel_link(
        user=other_resident, parcel_number=bill.parcel.number, access_code=bill.access_code
    )


def _link(user, **bill_options):
    bill = TaxBillFactory(**bill_options)
    return ebills.parcel_link(
        user=user, parcel_number=bill.parcel.number, access_code=bill.access_code
    )


def test_paperless_is_exactly_the_chosen_links_of_the_person(resident, other_resident):
    # given
    first, second, third = _link(resident), _link(resident), _link(resident)
    someone_elses = _link(other_resident)

    # when
    count = ebills.paperless_set(user=resident, link_ids=[first.pk, second.pk, someone_elses.pk])
    since = ParcelLink.objects.get(pk=first.pk).paperless_since
    again = ebills.paperless_set(user=resident, link_ids=[first.pk, third.pk])

    # then
    assert count == 2 and again == 2
    paperless = dict(ParcelLink.objects.values_list("pk", "paperless_since"))
    assert paperless[first.pk] == since  # kept its date
    assert paperless[second.pk] is None
    assert paperless[third.pk] is not None
    assert paperless[someone_elses.pk] is None


def test_recipients_are_added_once_and_limited(resident):
    link = _link(resident)

    added = ebills.recipient_add(
        link=link, email=" Accountant@Example.NET ", relationship=Relationship.ACCOUNTANT
    )

    assert added.email == "accountant@example.net"
    with pytest.raises(EBillRefused, match="already receives") as refused:
        ebills.recipient_add(link=link, email="accountant@example.net")
    assert refused.value.field == "email"
    with pytest.raises(EBillRefused, match="your account's address"):
        ebills.recipient_add(link=link, email=resident.email.upper())
    for n in range(MAX_RECIPIENTS_PER_LINK - 1):
        ebills.recipient_add(link=link, email=f"r{n}@example.net")
    with pytest.raises(EBillRefused, match="at most 5 other recipients"):
        ebills.recipient_add(link=link, email="one-too-many@example.net")
    assert BillRecipient.objects.filter(link=link).count() == MAX_RECIPIENTS_PER_LINK


# --- Pages --------------------------------------------------------------------------------


def test_the_pages_ask_to_sign_in(client):
    response = client.get(reverse("taxes:my_parcels"))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_linking_through_the_page(client, resident):
    bill = TaxBillFactory()
    client.force_login(resident)

    wrong = client.post(
        reverse("taxes:parcel_link"),
        {"parcel_number": bill.parcel.number, "access_code": "0000-0000-0000"},
    )
    right = client.post(
        reverse("taxes:parcel_link"),
        {"parcel_number": bill.parcel.number, "access_code": bill.access_code_printed},
    )

    assert wrong.status_code == 400
    assert "That access code is not on any bill" in wrong.content.decode()
    assert right.status_code == 302 and right.url == reverse("taxes:my_parcels")
    page = client.get(reverse("taxes:my_parcels"))
    assert bill.parcel.number in page.content.decode()


def test_too_many_link_attempts_answer_429(client, resident, settings):
    settings.TAXES_FACTOR_ATTEMPTS_PER_15_MINUTES = 1
    bill = TaxBillFactory()
    client.force_login(resident)
    data = {"parcel_number": bill.parcel.number, "access_code": "0000-0000-0000"}

    assert client.post(reverse("taxes:parcel_link"), data).status_code == 400
    response = client.post(reverse("taxes:parcel_link"), data)

    assert response.status_code == 429
    assert "Please wait 15 minutes" in response.content.decode()


def test_paperless_and_recipients_through_the_pages(client, resident):
    link = _link(resident)
    client.force_login(resident)

    saved = client.post(reverse("taxes:my_parcels"), {"paperless": [str(link.pk)]})
    added = client.post(
        reverse("taxes:my_parcel", args=[link.pk]),
        {"email": "kim@example.net", "name": "Kim", "relationship": "relative"},
    )
    bad = client.post(
        reverse("taxes:my_parcel", args=[link.pk]),
        {"email": "not an address", "relationship": "relative"},
    )

    assert saved.status_code == added.status_code == 302
    assert ParcelLink.objects.get(pk=link.pk).paperless
    recipient = BillRecipient.objects.get(link=link)
    assert (recipient.email, recipient.relationship) == ("kim@example.net", "relative")
    assert bad.status_code == 400
    removed = client.post(reverse("taxes:recipient_remove", args=[link.pk, recipient.pk]))
    assert removed.status_code == 302
    assert not BillRecipient.objects.exists()


def test_another_persons_link_is_not_found(client, resident, other_resident):
    link = _link(other_resident)
    client.force_login(resident)

    assert client.get(reverse("taxes:my_parcel", args=[link.pk])).status_code == 404
    assert client.post(reverse("taxes:parcel_unlink", args=[link.pk])).status_code == 404
    theirs = client.post(reverse("taxes:my_parcels"), {"paperless": [str(link.pk)]})
    assert theirs.status_code == 400
    assert ParcelLink.objects.filter(pk=link.pk, paperless_since__isnull=True).exists()


def test_a_bill_of_a_linked_parcel_opens_without_the_factor(client, resident, other_resident):
    link = _link(resident)
    bill = link.parcel.bills.get()
    client.force_login(other_resident)
    assert client.get(reverse("taxes:my_bill", args=[bill.number])).url == reverse(
        "taxes:bill", args=[bill.number]
    )
    # The other resident still meets the factor's page.
    assert "access code" in client.get(reverse("taxes:bill", args=[bill.number])).content.decode()

    client.force_login(resident)
    mine = client.get(reverse("taxes:my_bill", args=[bill.number]))
    public = client.get(reverse("taxes:bill", args=[bill.number]))

    assert mine.status_code == 200
    assert "What the bill charges" in public.content.decode()  # open, no factor asked


def test_the_dashboard_lists_linked_parcels_in_constant_queries(
    client, resident, django_assert_max_num_queries
):
    # given: the section read each time (no cached copy)
    client.force_login(resident)
    _link(resident)
    client.get(reverse("portal:dashboard"))
    caches["fragments"].clear()
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("portal:dashboard"))
    for _n in range(8):
        _link(resident)
    caches["fragments"].clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("portal:dashboard"))
    assert "My property taxes" in page.content.decode()
    assert "All my parcels" in page.content.decode()


def test_the_owners_timeline_shows_a_change_of_lender_but_not_a_conflict(client, resident):
    from taxes.models import BillEvent

    link = _link(resident)
    bill = link.parcel.bills.get()
    BillEvent.objects.create(
        bill=bill,
        kind="lender_changed",
        key="lender:1",
        data={"from": "First Mortgage Bank", "to": "Second Savings", "roll_import": 1},
    )
    BillEvent.objects.create(
        bill=bill,
        kind="lender_conflict",
        key="lender-conflict:x",
        data={"lender": "Second Savings", "roll_lender": "Third Trust", "roll_import": 2},
    )
    client.force_login(resident)

    page = client.get(reverse("taxes:my_bill", args=[bill.number])).content.decode()

    assert "Payment from escrow is now expected from Second Savings." in page
    assert "Third Trust" not in page


def test_the_owners_timeline_says_an_overpayment_became_a_credit(client, resident):
    from taxes.models import BillEvent

    bill = _link(resident).parcel.bills.get()
    BillEvent.objects.create(
        bill=bill,
        kind="roll_credit",
        key="roll-credit:3:1",
        data={"sequence": 1, "cents": 40000, "roll_import": 3},
    )
    client.force_login(resident)

    page = client.get(reverse("taxes:my_bill", args=[bill.number])).content.decode()

    assert (
        "The corrected tax roll lowered instalment 1 below what was paid on it: the $400.00 "
        "paid beyond it is now a credit, which can be refunded from the bill's page."
    ) in page
