"""Forms of staff's booking pages: parse and validate, nothing else (the services judge)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from payments.forms import AmountField
from portal.forms import PlainTextFormMixin


class ApproveForm(PlainTextFormMixin, forms.Form):
    conditions = forms.CharField(
        label=_("Conditions (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The booker reads them with the approval, e.g. “No alcohol served.”"),
    )


class DeclineForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason, told to the booker"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everything paid is refunded."),
    )


class BlockForm(PlainTextFormMixin, forms.Form):
    """Time of one day to keep free of bookings, in the agency's time zone."""

    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For staff, e.g. “Roof repair”. Visitors see the time as unavailable."),
    )
    booker_message = forms.CharField(
        label=_("Message to the bookers of this time (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only when the agency closes the place, e.g. for a storm: every booking in this "
            "time is then cancelled with a full refund, and its booker gets this message. "
            "Leave it empty to be told which bookings are in the way instead."
        ),
    )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends", _("The end must be after the start."))
        return data

    def period(self, tz) -> tuple[datetime.datetime, datetime.datetime]:
        day = self.cleaned_data["day"]
        return (
            datetime.datetime.combine(day, self.cleaned_data["starts"], tzinfo=tz),
            datetime.datetime.combine(day, self.cleaned_data["ends"], tzinfo=tz),
        )


class DepositForm(PlainTextFormMixin, forms.Form):
    kept = AmountField(
        label=_("Amount kept, in dollars"),
        required=False,
        help_text=_("0 or empty: the deposit is returned in full."),
    )
    reason = forms.CharField(
        label=_("Reason for keeping it, told to the booker"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RefundAgainForm(forms.Form):
    """Which refused refund of the booking to ask for again (a button per refund listed)."""

    refund = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
