"""Forms of the payment pages and of the staff back office: parse and validate, nothing else."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.models import COUNTER_METHODS, PaymentMethod
from payments.money import parse_amount
from portal.forms import PlainTextFormMixin


class AmountField(forms.CharField):
    """An amount typed in dollars and cents ("12.50"), cleaned to integer cents."""

    default_error_messages = {
        "invalid": _("Enter an amount in dollars and cents, like 12.50."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


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


class LocalCheckoutForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Result of this test payment"),
        choices=[("approve", _("Approve the payment")), ("decline", _("Decline the payment"))],
        widget=forms.RadioSelect,
        initial="approve",
        error_messages={"required": _("Choose whether to approve or decline the payment.")},
    )


class CounterPaymentForm(PlainTextFormMixin, forms.Form):
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[(m.value, m.label) for m in PaymentMethod if m in COUNTER_METHODS],
        widget=forms.RadioSelect,
    )
    amount = AmountField(
        label=_("Amount received"),
        help_text=_("Must be the invoice's total."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=255,
        help_text=_("Check number, receipt book number, or anything staff should know."),
    )


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
