"""Forms of the public tax bill pages: parse and validate, nothing else."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PlainTextFormMixin


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
