"""Forms of the e-bill pages: parse and validate, nothing else."""

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import PlainTextFormMixin
from taxes.models import Relationship


class ParcelLinkForm(PlainTextFormMixin, forms.Form):
    parcel_number = forms.CharField(
        label=_("Parcel number"),
        max_length=32,
        help_text=_("As printed on your bill, for example 10-000001."),
        error_messages={"required": _("Enter the parcel number printed on your bill.")},
    )
    access_code = forms.CharField(
        label=_("Access code"),
        max_length=20,
        help_text=_("Printed on the bill, for example 1A2B-3C4D-5E6F."),
        error_messages={"required": _("Enter the access code printed on your bill.")},
    )


class PaperlessForm(forms.Form):
    """Which of the resident's linked parcels get paperless bills (ticked) and which by post."""

    paperless = forms.TypedMultipleChoiceField(
        label=_("Paperless bills"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, links, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paperless"].choices = [
            (link.pk, f"{link.parcel.number} · {link.parcel.situs_address}") for link in links
        ]
        if not self.is_bound:
            self.initial["paperless"] = [link.pk for link in links if link.paperless]


class RecipientForm(PlainTextFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={"required": _("Enter the e-mail address that should get the bills.")},
    )
    name = forms.CharField(label=_("Name (optional)"), max_length=150, required=False)
    relationship = forms.ChoiceField(
        label=_("Who is this?"),
        choices=Relationship.choices,
        widget=forms.RadioSelect,
        initial=Relationship.SELF,
        error_messages={"required": _("Choose who this is.")},
    )
