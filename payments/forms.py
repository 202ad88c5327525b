"""Forms of the payment pages and of the staff back office: parse and validate, nothing else."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from payments.models import COUNTER_METHODS, PaymentMethod
from payments.money import (
    MAX_AMOUNT_CENTS,
    AmountRefused,
    cents_as_typed,
    format_cents,
    parse_amount,
)
from portal.forms import PlainTextFormMixin


class AmountInput(forms.TextInput):
    """A text box for an amount in dollars: shows integer cents back as "1,250.50"."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return cents_as_typed(value)
        return super().format_value(value)


class AmountField(forms.CharField):
    """An amount typed in dollars ("75", "75.00", "$75", "1,250.50"), cleaned to integer
    cents and shown back in dollars. The one field for every amount a person types, in the
    admin (`AmountFieldsAdminMixin`) and on the public pages.

    Refusals say why (`payments.money.parse_amount`): not an amount, negative, more than two
    decimals, more than `max_cents`.
    """

    widget = AmountInput

    def __init__(self, *, max_cents: int = MAX_AMOUNT_CENTS, **kwargs):
        self.max_cents = max_cents
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return cents_as_typed(value)
        return value

    def to_python(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value, max_cents=self.max_cents)
        except AmountRefused as refusal:
            raise forms.ValidationError(str(refusal), code="invalid") from None


class AmountFieldsAdminMixin:
    """For a ModelAdmin or inline: every integer column named `*_cents` is typed in dollars.

    The label drops the "(cents)" of an old column name; the help text says the amount is in
    dollars. Stored as integer cents, shown back as "1,250.50".
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name.endswith("_cents") and isinstance(db_field, models.IntegerField):
            label = re.sub(r"\s*\((?:in )?cents\)\s*$", "", str(db_field.verbose_name))
            return AmountField(
                label=capfirst(label),
                required=not db_field.blank,
                help_text=db_field.help_text
                or _("In dollars, for example 75.00 (75 means 75 dollars)."),
                initial=db_field.default if isinstance(db_field.default, int) else None,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class FindInvoiceForm(forms.Form):
    reference = forms.CharField(
        label=_("Invoice reference"),
        max_length=24,
        help_text=_("It is on your bill or in our e-mail, for example INV-2026-000042."),
        error_messages={"required": _("Enter the reference of your invoice.")},
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The address the invoice was sent to."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address in the correct format, like name@example.com."),
        },
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class BillLookupForm(PlainTextFormMixin, forms.Form):
    number = forms.CharField(
        label=_("Bill number"),
        max_length=64,
        help_text=_("As printed on your bill: a tax bill number or a parcel number."),
        error_messages={"required": _("Enter the number printed on your bill.")},
    )
    factor = forms.CharField(
        label=_("Last name of the person billed, or the code printed on the bill"),
        max_length=150,
        help_text=_("We ask for it so that only someone holding the bill can see it."),
        error_messages={
            "required": _("Enter the last name of the person billed or the code on the bill.")
        },
    )


class LocalCheckoutForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Result of this test payment"),
        choices=[("approve", _("Approve the payment")), ("decline", _("Decline the payment"))],
        widget=forms.RadioSelect,
        initial="approve",
        error_messages={"required": _("Choose whether to approve or decline the payment.")},
    )


class PayerFieldsMixin(forms.Form):
    """Someone paying for the person billed (a relative, a lender): their receipt goes to them."""

    payer_name = forms.CharField(
        label=_("Name of the person paying"),
        required=False,
        max_length=150,
        help_text=_("Only if someone other than the person billed is paying."),
    )
    payer_email = forms.EmailField(
        label=_("E-mail address of the person paying"),
        required=False,
        help_text=_("The receipt goes to this address; the person billed is told."),
        error_messages={
            "invalid": _("Enter an e-mail address in the correct format, like name@example.com."),
        },
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("payer_name", "").strip() and not cleaned.get("payer_email"):
            self.add_error("payer_email", _("Enter the e-mail address the receipt should go to."))
        return cleaned


class CounterPaymentForm(PlainTextFormMixin, PayerFieldsMixin, forms.Form):
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[(m.value, m.label) for m in PaymentMethod if m in COUNTER_METHODS],
        widget=forms.RadioSelect,
    )
    amount = AmountField(label=_("Amount received"))
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=255,
        help_text=_("Check number, receipt book number, or anything staff should know."),
    )
    field_order = ["method", "amount", "payer_name", "payer_email", "note"]

    def __init__(self, *args, invoice=None, **kwargs):
        super().__init__(*args, **kwargs)
        if invoice is not None and invoice.accepts_part_payments:
            self.fields["amount"].help_text = _(
                "The balance, or a part of at least %(minimum)s."
            ) % {"minimum": format_cents(invoice.smallest_payment_cents, invoice.currency)}
        else:
            self.fields["amount"].help_text = _("Must be the balance due.")


class PayForm(PlainTextFormMixin, PayerFieldsMixin, forms.Form):
    """The payer's choice before the gateway: how much (if the invoice takes parts), and who."""

    amount = AmountField(label=_("Amount to pay"), required=False)

    def __init__(self, *args, invoice, **kwargs):
        super().__init__(*args, **kwargs)
        if invoice.accepts_part_payments:
            self.fields["amount"].help_text = _(
                "Pay the balance of %(balance)s, or a part of at least %(minimum)s."
            ) % {
                "balance": format_cents(invoice.balance_cents, invoice.currency),
                "minimum": format_cents(invoice.smallest_payment_cents, invoice.currency),
            }
        else:
            del self.fields["amount"]


class RefundForm(PlainTextFormMixin, forms.Form):
    amount = AmountField(label=_("Amount to refund"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        help_text=_("Kept with the refund and shown on the receipt."),
    )


class ReviewResolveForm(PlainTextFormMixin, forms.Form):
    note = forms.CharField(
        label=_("How was it dealt with?"),
        max_length=255,
        help_text=_("For example: refunded in Stripe's dashboard on 3 March."),
    )


class ReconciliationForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date must not be before the start date."))
            if (end - start).days > 366:
                raise forms.ValidationError(_("Choose a period of at most one year."))
        return cleaned

    @classmethod
    def default_period(cls) -> dict:
        today = timezone.localdate()
        return {"date_from": today - datetime.timedelta(days=30), "date_to": today}
