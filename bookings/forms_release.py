"""Forms of waitlists and lottery requests: parse and validate, nothing else."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PlainTextFormMixin


class SlotForm(forms.Form):
    """The slot a page links to: its start (ISO 8601 with its offset) and length."""

    start = forms.CharField(max_length=40, widget=forms.HiddenInput)
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60, widget=forms.HiddenInput)

    def clean_start(self) -> datetime.datetime:
        try:
            start = datetime.datetime.fromisoformat(self.cleaned_data["start"])
        except ValueError:
            raise forms.ValidationError(_("Choose a start time from the list.")) from None
        if start.tzinfo is None:
            raise forms.ValidationError(_("Choose a start time from the list."))
        return start


class PersonForm(PlainTextFormMixin, SlotForm):
    """Who waits or requests: a guest's name and e-mail address (an account gives neither)."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("We write to you here if the time comes free."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, signed_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            del self.fields["name"]
            del self.fields["email"]


class LotteryRequestForm(PersonForm):
    resident = forms.BooleanField(
        label=_("I live in the city (resident rate)"),
        required=False,
        help_text=_("We may ask for proof of address when you arrive."),
    )

    def __init__(self, *args, signed_in: bool, **kwargs):
        super().__init__(*args, signed_in=signed_in, **kwargs)
        if "email" in self.fields:
            self.fields["email"].help_text = _("We write to you here with the draw's result.")
