"""The ZIP code ending a case's address, as the database reads it to place the case in an
area: five digits standing alone at the end, a ZIP+4's first five, never the tail of a longer
number (once, "Lot 162704" was read as ZIP code 62704)."""

import pytest
from django.db.models import CharField, Value
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from cases.areas.locating import area_now, area_save, areas_reassign, zip_code_in
from cases.areas.models import Area
from cases.models import Case
from tests.hostile import fuzz
from tests.permits.factories import PermitFactory

DIGITS = "0123456789"
# What may follow a ZIP code at the very end of an address: ASCII white space only.
SPACE = " \t\n\r\f\v"


@pytest.fixture
def ward(db):
    return area_save(area=Area(code="ward-2", name="Ward 2", postal_codes=["62704"]), boundary=None)


def zip_read(address: str) -> str | None:
    """The ZIP code PostgreSQL reads at the end of `address`, through the engine's own
    expression (a query needs a row to annotate: the `ward` fixture's)."""
    text = Value(address, output_field=CharField())
    return Area.objects.annotate(zip_code=zip_code_in(text)).values_list("zip_code", flat=True)[0]


def digits_ending(text: str) -> str:
    return text[len(text.rstrip(DIGITS)) :]


def zip_expected(address: str) -> str | None:
    """The rule, read by hand: strip trailing white space and a "-1234" extension; what is left
    must end in exactly five digits, not joined by a hyphen to a number before them."""
    text = address.rstrip(SPACE)
    run = digits_ending(text)
    before = text[: len(text) - len(run)]
    if len(run) == 4 and before.endswith("-"):
        text = before[:-1]
        run = digits_ending(text)
        before = text[: len(text) - len(run)]
    if len(run) != 5:
        return None
    if before.endswith("-") and digits_ending(before[:-1]):
        return None
    return run


@pytest.mark.parametrize(
    ("address", "zip_code"),
    [
        ("1420 Maple Avenue, Springfield, IL 62704", "62704"),
        ("62704", "62704"),
        ("Springfield, IL 62704-1234", "62704"),  # ZIP+4: the ZIP code is its first five
        ("Springfield, IL 62704  \n", "62704"),  # white space after it
        ("Springfield, IL 62704-1234 ", "62704"),
        ("Springfield,IL62704", "62704"),  # no space before it: still five digits alone
        ("Lot 123456", None),  # six digits are not a ZIP code ending in 23456
        ("Lot 162704", None),
        ("Parcel 1234567890", None),
        ("Springfield, IL 062704", None),
        ("Springfield, IL 62704-12345", None),  # not ZIP+4: five digits after the hyphen
        ("Springfield, IL 62704-123", None),
        ("Springfield, IL 62704-1234-5678", None),
        ("Springfield, IL 162704-1234", None),
        ("Springfield, IL 6270", None),
        ("62704 Maple Avenue, Springfield", None),  # not at the end
        ("Springfield, IL 62704-", None),
        ("Springfield, IL \uff16\uff12\uff17\uff10\uff14", None),  # full-width digits
        ("", None),
        (" ", None),
    ],
)
def test_the_zip_code_ending_an_address(ward, address, zip_code):
    assert zip_read(address) == zip_code
    assert zip_expected(address) == zip_code


# Addresses as typed, and strings built from the characters at the rule's edges (digits,
# hyphens, spaces, other scripts' digits) so the boundaries come up often. PostgreSQL text
# holds no NUL, so no stored address has one; nor half a UTF-16 pair (a lone surrogate),
# which no UTF-8 form can send and the database driver cannot encode.
ADDRESSES = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40),
    st.text(st.sampled_from(DIGITS + "-" + SPACE + "A,\u0663\uff16\u00a0"), max_size=16),
    st.tuples(
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
        st.text(st.sampled_from(DIGITS), min_size=3, max_size=7),
        st.sampled_from(["", "-", "-1234", "-123", "-12345", "--1234"]),
        st.text(st.sampled_from(SPACE + "\u00a0x"), max_size=3),
    ).map("".join),
)


@fuzz(300)
@given(address=ADDRESSES)
def test_any_address_gives_its_zip_code_or_none_and_never_fails(ward, address):
    found = zip_read(address)
    assert found == zip_expected(address)
    assert found is None or (len(found) == 5 and set(found) <= set(DIGITS))


def test_a_case_is_placed_and_placed_again_nightly_by_the_same_reading(
    ward, django_capture_on_commit_callbacks
):
    # given: permits whose addresses end in the ward's ZIP code, or in a number that only
    # ends with it
    with django_capture_on_commit_callbacks(execute=True):
        zip_code = PermitFactory(submit=True, address="1 Elm Street, Springfield, IL 62704")
        zip_plus_4 = PermitFactory(submit=True, address="2 Elm Street, Springfield 62704-0001")
        longer = PermitFactory(submit=True, address="Rural Route 3, Lot 162704")
        too_long_plus_4 = PermitFactory(submit=True, address="4 Elm Street, IL 62704-12345")
    placed = {
        permit.address: Case.objects.get(pk=permit.case_id).area
        for permit in (zip_code, zip_plus_4, longer, too_long_plus_4)
    }
    # then: placed after commit by the ZIP code alone
    assert placed == {
        "1 Elm Street, Springfield, IL 62704": ward,
        "2 Elm Street, Springfield 62704-0001": ward,
        "Rural Route 3, Lot 162704": None,
        "4 Elm Street, IL 62704-12345": None,
    }
    # and the nightly reassignment and `area_now` (booking an inspection) read them alike
    assert areas_reassign() == 0
    assert area_now(longer.case) is None
    assert area_now(zip_plus_4.case) == ward
    # when: a case placed by the former reading (the digits' last five) is reassigned
    Case.objects.filter(pk=longer.case_id).update(area=ward, updated_at=timezone.now())
    # then: it leaves the ward
    assert areas_reassign() == 1
    assert Case.objects.get(pk=longer.case_id).area is None
