"""Forms of withdrawing and cancelling a permit: parse, nothing else (the service checks
who may and when)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from permits.services.cancel import REASON_MAX
from portal.forms import PlainTextFormMixin


class WithdrawForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why are you withdrawing it? (optional)"),
        help_text=_("It helps the permit office; you do not have to say."),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(PlainTextFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why is the permit cancelled?"),
        help_text=_("The applicant reads this on their permit's page and in the notice they get."),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say why the permit is cancelled: the applicant reads it.")},
    )


class FindPermitForm(forms.Form):
    reference = forms.CharField(
        label=_("Permit application reference or permit number"),
        help_text=_("For example PER-2026-000042."),
        max_length=40,
    )
