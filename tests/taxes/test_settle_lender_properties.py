"""Hostile input on the form that settles a lender conflict (the staff parcel page): random
values in every field, a tampered conflict id, the form sent twice, a bill number that is
not one, and staff of another department or role: never a server error, the form shown
again with its error summary and what was typed, and the conflict settled at most once,
only by the tax office's staff who may."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from taxes import selectors_staff
from taxes.models import BillEvent
from tests.hostile import VALUES, fuzz, keeps_what_was_typed, no_server_error
from tests.taxes.lender_support import conflicting_bill
from tests.taxes.staff_support import other_staff, tax_staff

pytestmark = pytest.mark.django_db

FIELDS = ["conflict", "keep", "reason", "confirm"]


@pytest.fixture
def conflict():
    return conflicting_bill()


@pytest.fixture
def clerk():
    return tax_staff()


def _post(client, bill, data):
    prefix = f"settle-{bill.pk}"
    return client.post(
        reverse("taxes_staff:settle_lender", args=[bill.number]),
        {f"{prefix}-{name}": value for name, value in data.items()},
    )


@given(data=st.data())
@fuzz(max_examples=50)
def test_any_settlement_post_is_settled_once_or_shown_again_never_a_server_error(
    conflict, clerk, data
):
    # given: the real answers, some replaced by random ones
    bill, open_conflict = conflict
    valid = {"conflict": str(open_conflict.pk), "keep": "roll", "reason": "Agreed", "confirm": "on"}
    values = {
        "conflict": st.one_of(VALUES, st.just(str(open_conflict.pk))),
        "keep": st.one_of(VALUES, st.sampled_from(["file", "roll"])),
        "reason": VALUES,
        "confirm": st.one_of(VALUES, st.just("on")),
    }
    changes = data.draw(st.fixed_dictionaries({}, optional=values))
    posted = {**valid, **changes} if data.draw(st.booleans()) else changes
    client = Client()
    client.force_login(clerk)

    # when
    response = _post(client, bill, posted)

    # then
    no_server_error(response)
    settled = BillEvent.objects.filter(bill=bill, kind="lender_settled").count()
    assert settled <= 1
    if response.status_code == 400:
        page = response.content.decode()
        assert "usa-alert--error" in page or "usa-error-message" in page
        assert f'id="settle-lender-{bill.pk}" open' in page
        keeps_what_was_typed(_settle_form_page(response, bill), posted)
    else:
        assert response.status_code == 302


def _settle_form_page(response, bill):
    """The page with the bill's settle form as its `form`, as keeps_what_was_typed reads it
    (fields by their names without the form's prefix)."""
    from types import SimpleNamespace

    form = next(
        owed.bill.settle_form for owed in response.context["bills"] if owed.bill.pk == bill.pk
    )
    return SimpleNamespace(
        status_code=response.status_code, context={"form": form}, content=response.content
    )


@given(number=VALUES.filter(lambda value: isinstance(value, str) and "/" not in value))
@fuzz(max_examples=25)
def test_any_bill_number_is_not_found_or_refused_never_a_server_error(conflict, clerk, number):
    bill, open_conflict = conflict
    client = Client()
    client.force_login(clerk)
    data = {
        f"settle-{bill.pk}-conflict": open_conflict.pk,
        f"settle-{bill.pk}-keep": "roll",
        f"settle-{bill.pk}-reason": "Agreed",
        f"settle-{bill.pk}-confirm": "on",
    }
    if not number.strip() or "\x00" in number:
        return
    response = client.post(reverse("taxes_staff:settle_lender", args=[number]), data)

    no_server_error(response)
    if number != bill.number:
        assert response.status_code in (302, 400, 404)
        assert selectors_staff.lender_conflict_for_staff(bill=bill) == open_conflict


def test_a_get_of_the_settle_address_changes_nothing(conflict, clerk):
    bill, open_conflict = conflict
    client = Client()
    client.force_login(clerk)

    response = client.get(reverse("taxes_staff:settle_lender", args=[bill.number]))

    assert response.status_code == 405
    assert selectors_staff.lender_conflict_for_staff(bill=bill) == open_conflict


def test_a_stale_form_after_another_clerk_settled_says_so_and_settles_nothing_more(conflict, clerk):
    # given: two clerks opened the page; the first settles
    bill, open_conflict = conflict
    first, second = Client(), Client()
    first.force_login(clerk)
    second.force_login(tax_staff())
    data = {"conflict": open_conflict.pk, "keep": "roll", "reason": "Moved", "confirm": "on"}
    assert _post(first, bill, data).status_code == 302

    # when: the second sends their form for the other lender
    response = _post(second, bill, {**data, "keep": "file"})

    # then
    assert response.status_code == 302
    page = second.get(response["Location"]).content.decode()
    assert "is no longer open" in page
    bill.refresh_from_db()
    assert bill.escrow_lender == "Second Savings"
    assert BillEvent.objects.filter(kind="lender_settled").count() == 1


@pytest.mark.parametrize(
    "who",
    [lambda: other_staff(), lambda: tax_staff("cashier"), lambda: tax_staff("inspector")],
    ids=["clerk of another department", "cashier", "inspector"],
)
def test_staff_without_the_role_get_a_plain_403_and_the_page_has_no_form(conflict, who):
    bill, open_conflict = conflict
    client = Client()
    client.force_login(who())

    refused = _post(
        client, bill, {"conflict": open_conflict.pk, "keep": "roll", "reason": "x", "confirm": "on"}
    )

    assert refused.status_code == 403
    assert "You cannot see this page" in refused.content.decode()
    assert selectors_staff.lender_conflict_for_staff(bill=bill) == open_conflict
