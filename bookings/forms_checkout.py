"""Forms of checkout and of managing a booking: parse and validate, nothing else."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from portal.forms import PlainTextFormMixin


class BookerForm(PlainTextFormMixin, forms.Form):
    """Who books: a guest's name, e-mail address and phone; everyone's resident rate."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We send your confirmation and the link to change or cancel here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneNumberField(
        label=_("Phone"),
        required=False,
        help_text=_("Only if you want us to be able to call you about your booking."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    resident = forms.BooleanField(
        label=_("I live in the city (resident rate)"),
        required=False,
        help_text=_("We may ask for proof of address when you arrive."),
    )

    def __init__(self, *args, signed_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            for name in ("name", "email", "phone"):
                del self.fields[name]


class CancelForm(forms.Form):
    """The refund the visitor saw, sent back with their confirmation."""

    expected_refund_cents = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class MoveForm(forms.Form):
    """The free time the visitor chose, as its start and end (ISO, from the list)."""

    slot = forms.CharField(label=_("New time"), max_length=80)


class AgencyCancelForm(PlainTextFormMixin, forms.Form):
    message = forms.CharField(
        label=_("Message to the booker"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say why the booking is cancelled. Everything paid is refunded."),
    )


class HoldForm(forms.Form):
    """The slot a visitor chose on the availability page: its start (ISO, from the list) and
    length in minutes."""

    start = forms.CharField(max_length=40)
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60)

    def clean_start(self):
        try:
            start = datetime.datetime.fromisoformat(self.cleaned_data["start"])
        except ValueError:
            raise forms.ValidationError(_("Choose a start time from the list.")) from None
        if start.tzinfo is None:
            raise forms.ValidationError(_("Choose a start time from the list."))
        return start
