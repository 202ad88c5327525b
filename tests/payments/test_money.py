"""Amounts typed in dollars: every form the portal reads, every refusal, and the way an
amount is shown back, through `parse_amount` and the shared `AmountField`."""

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from payments.forms import AmountField
from payments.money import MAX_AMOUNT_CENTS, AmountRefused, cents_as_typed, parse_amount


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("75", 7500),
        ("75.00", 7500),
        ("$75", 7500),
        ("$75.00", 7500),
        ("$ 75", 7500),
        ("  75.00  ", 7500),
        ("75.5", 7550),
        ("75.", 7500),
        (".50", 50),
        ("0.01", 1),
        ("0", 0),
        ("1,250.50", 125050),
        ("$1,250.50", 125050),
        ("1250.50", 125050),
        ("1,000,000", 100_000_000),
        ("10,000,000.00", MAX_AMOUNT_CENTS),
    ],
)
def test_an_amount_typed_in_dollars_is_read_as_cents(typed, cents):
    # when / then
    assert parse_amount(typed) == cents


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("abc", "Enter an amount in dollars, like 75.00."),
        ("", "Enter an amount in dollars, like 75.00."),
        ("$", "Enter an amount in dollars, like 75.00."),
        (".", "Enter an amount in dollars, like 75.00."),
        ("1.2.3", "Enter an amount in dollars, like 75.00."),
        ("12,50,0", "Enter an amount in dollars, like 75.00."),
        ("1e5", "Enter an amount in dollars, like 75.00."),
        ("NaN", "Enter an amount in dollars, like 75.00."),
        ("Infinity", "Enter an amount in dollars, like 75.00."),
        ("75 dollars", "Enter an amount in dollars, like 75.00."),
        ("75,50", "Write the cents after a point, like 75.50."),
        ("-5", "An amount cannot be negative."),
        ("-0.01", "An amount cannot be negative."),
        ("$-5", "An amount cannot be negative."),
        ("-$5", "An amount cannot be negative."),
        ("(5.00)", "An amount cannot be negative."),
        ("75.001", "Give at most two decimals: an amount is in dollars and cents."),
        ("0.005", "Give at most two decimals: an amount is in dollars and cents."),
        ("10,000,000.01", "Enter an amount of $10,000,000.00 or less."),
        ("99999999999999999999", "Enter an amount of $10,000,000.00 or less."),
    ],
)
def test_what_is_not_an_amount_is_refused_with_its_reason(typed, reason):
    # when
    with pytest.raises(AmountRefused) as refusal:
        parse_amount(typed)
    # then
    assert str(refusal.value) == reason


def test_a_ceiling_of_its_own_is_kept():
    assert parse_amount("500", max_cents=500_00) == 500_00
    with pytest.raises(AmountRefused, match=r"\$500\.00 or less"):
        parse_amount("500.01", max_cents=500_00)


@pytest.mark.parametrize(
    ("cents", "shown"),
    [(0, "0.00"), (1, "0.01"), (7500, "75.00"), (125050, "1,250.50"), (-250, "-2.50")],
)
def test_cents_are_shown_back_as_they_are_typed(cents, shown):
    assert cents_as_typed(cents) == shown


@given(st.integers(min_value=0, max_value=MAX_AMOUNT_CENTS))
def test_what_is_shown_back_reads_back_to_the_same_cents(cents):
    # No amount drifts by a factor of 100 (or anything else) on its way round a form.
    assert parse_amount(cents_as_typed(cents)) == cents
    assert parse_amount(f"${cents_as_typed(cents)}") == cents


class FeeForm(forms.Form):
    fee = AmountField(label="Fee")
    optional_fee = AmountField(label="Optional fee", required=False)


def test_the_field_cleans_dollars_to_cents_and_shows_cents_back_in_dollars():
    # given
    form = FeeForm(data={"fee": "$1,250.50", "optional_fee": ""})
    # then
    assert form.is_valid()
    assert form.cleaned_data == {"fee": 125050, "optional_fee": None}
    unbound = FeeForm(initial={"fee": 7500})
    assert 'value="75.00"' in str(unbound["fee"])
    assert 'inputmode="decimal"' in str(unbound["fee"])


def test_the_field_puts_the_reason_on_the_form_and_keeps_what_was_typed():
    # given
    form = FeeForm(data={"fee": "75.001", "optional_fee": "abc"})
    # then
    assert not form.is_valid()
    assert form.errors == {
        "fee": ["Give at most two decimals: an amount is in dollars and cents."],
        "optional_fee": ["Enter an amount in dollars, like 75.00."],
    }
    assert 'value="75.001"' in str(form["fee"])


def test_an_unchanged_amount_is_not_a_change():
    form = FeeForm(data={"fee": "75", "optional_fee": ""}, initial={"fee": 7500})
    assert form.is_valid()
    assert "fee" not in form.changed_data
