"""Forms of the public tax bill pages: parse and validate, nothing else."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.forms import AmountField
from payments.money import format_cents
from portal.forms import PlainTextFormMixin
from taxes.services.checkout import PARTIAL


class BillSearchForm(PlainTextFormMixin, forms.Form):
    query = forms.CharField(
        label=_("Parcel number, bill number or property address"),
        max_length=200,
        help_text=_("As printed on your bill, for example 10-000001 or 12 Elm Street."),
        error_messages={"required": _("Enter a parcel number, a bill number or an address.")},
    )


class BillFactorForm(PlainTextFormMixin, forms.Form):
    factor = forms.CharField(
        label=_("Owner's last name, or the access code printed on the bill"),
        max_length=150,
        help_text=_("We ask for it so that only the owner or someone holding the bill sees it."),
        error_messages={
            "required": _("Enter the owner's last name or the access code on the bill.")
        },
    )


class BillPayForm(PlainTextFormMixin, forms.Form):
    """What to pay (one of the bill's options, or a partial amount) and, for a guest, where
    the receipt goes. The amounts are checked by the service."""

    choice = forms.ChoiceField(
        label=_("What do you want to pay?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what to pay."),
            "invalid_choice": _("Choose what to pay."),
        },
    )
    amount = AmountField(
        label=_("Amount of a partial payment"),
        required=False,
        help_text=_("In dollars, for example 250.00."),
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("Your receipt is sent there."),
        error_messages={"required": _("Enter your e-mail address for the receipt.")},
    )

    def __init__(self, *args, options, signed_in: bool, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["choice"].choices = [
            (option.key, f"{option.label}: {format_cents(option.amount_cents, currency)}")
            for option in options
        ] + [(PARTIAL, _("A partial payment"))]
        if signed_in:
            del self.fields["email"]


# How far ahead the bill page works out a pay-off: the rules of today may not hold later.
PAYOFF_DAYS_AHEAD = 730


class PayoffDateForm(forms.Form):
    """A date to work out the bill's pay-off for: today or later, within two years.

    `today` is the agency's date; the field is named `payoff_on` so the bill page's address
    can carry it (`?payoff_on=2027-01-15`) without touching the payment form."""

    payoff_on = forms.DateField(
        label=_("Pay-off on another date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For example 2027-01-15. We show what paying everything would cost that day."),
        error_messages={
            "required": _("Enter the date of the pay-off."),
            "invalid": _("Enter the date as year-month-day, for example 2027-01-15."),
        },
    )

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_payoff_on(self) -> datetime.date:
        chosen = self.cleaned_data["payoff_on"]
        if chosen < self.today:
            raise forms.ValidationError(_("Choose today or a later date."))
        if chosen > self.today + datetime.timedelta(days=PAYOFF_DAYS_AHEAD):
            raise forms.ValidationError(_("Choose a date within the next two years."))
        return chosen


class BatchUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File of parcels and amounts (CSV)"),
        help_text=_(
            "A header row with the columns parcel_number and amount (and tax_year if you pay "
            "a year other than the latest), then one row per parcel."
        ),
        error_messages={"required": _("Choose the CSV file to upload.")},
    )


class EscrowFileForm(forms.Form):
    """A lender's file of escrowed parcels: which lender (for a member of several), which
    tax year, and the file."""

    lender = forms.ModelChoiceField(
        label=_("Lender"),
        queryset=None,
        empty_label=None,
        error_messages={
            "required": _("Choose one of your lenders."),
            "invalid_choice": _("Choose one of your lenders."),
        },
    )
    tax_year = forms.IntegerField(
        label=_("Tax year"),
        min_value=1900,
        max_value=2200,
        error_messages={
            "required": _("Enter the tax year the file is for."),
            "invalid": _("Enter the tax year as four digits, for example 2026."),
            "min_value": _("Enter the tax year as four digits, for example 2026."),
            "max_value": _("Enter the tax year as four digits, for example 2026."),
        },
    )
    file = forms.FileField(
        label=_("File of escrowed parcels (CSV)"),
        help_text=_(
            "A header row with the column parcel_number (and loan_reference if you wish), "
            "then one row per parcel whose taxes you pay from escrow."
        ),
        error_messages={"required": _("Choose the CSV file to upload.")},
    )

    def __init__(self, *args, lenders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lender"].queryset = lenders
        first_two = list(lenders[:2])
        if len(first_two) == 1:
            # One lender: nothing to choose, and nothing another lender's id could change.
            self.only_lender = first_two[0]
            self.fields["lender"].required = False
            self.fields["lender"].widget = forms.HiddenInput()

    def clean_lender(self):
        return self.cleaned_data.get("lender") or getattr(self, "only_lender", None)

    def full_clean(self):
        super().full_clean()
        field = self.fields["lender"]
        if self.has_error("lender") and field.widget.is_hidden:
            # A lender that is none of the member's came in the hidden field: an error there
            # could be neither seen nor linked to, so the field is shown as the choice it is.
            field.widget = forms.Select()
            field.widget.choices = field.choices
