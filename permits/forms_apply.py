"""Forms of the applying pages: parse, nothing else. The services check again (the
contractor against the license register, plans by content) and views put a refusal back on
its field."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cases.questions.forms import TypedValuesMixin
from payments.forms import AmountField
from permits.models import Permit
from permits.services.apply import ADDRESS_MISSING
from portal.forms import PlainTextFormMixin
from portal.localized import localized

VALUATION_MAX_CENTS = 10_000_000_000  # $100 million: beyond it, a typo


class PropertyForm(PlainTextFormMixin, TypedValuesMixin, forms.ModelForm):
    class Meta:
        model = Permit
        fields = ["address", "parcel_number"]
        labels = {"address": _("Property address"), "parcel_number": _("Parcel number")}
        help_texts = {
            "parcel_number": _(
                "If you know it: it is on the property tax bill, for example 01-234-567."
            ),
        }
        error_messages = {
            "address": {"max_length": _("Address must be 300 characters or fewer.")},
            "parcel_number": {"max_length": _("Parcel number must be 40 characters or fewer.")},
        }
        widgets = {"address": forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["address"].help_text = _(
            "The street address where the work will be done. A lot without an address yet: "
            "give its parcel number below."
        )

    def clean(self):
        data = super().clean()
        if not data.get("address") and not data.get("parcel_number"):
            self.add_error("address", ADDRESS_MISSING)
        return data


class WorkForm(PlainTextFormMixin, TypedValuesMixin, forms.ModelForm):
    valuation_cents = AmountField(
        label=_("Construction valuation"),
        max_cents=VALUATION_MAX_CENTS,
        help_text=_(
            "What the work costs, labor and materials, in dollars, for example 45,000. "
            "The permit fee may depend on it."
        ),
        error_messages={"required": _("Enter what the work costs, in dollars.")},
    )

    class Meta:
        model = Permit
        fields = ["work_description", "valuation_cents", "square_feet", "housing_units"]
        labels = {
            "work_description": _("Description of the work"),
            "square_feet": _("Square footage"),
            "housing_units": _("Housing units"),
        }
        help_texts = {
            "work_description": _("What will be built, changed or removed, in a few sentences."),
            "square_feet": _("The floor area of the work, in square feet."),
            "housing_units": _("Homes added by the work (0 if none)."),
        }
        widgets = {"work_description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, permit_type=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["work_description"].required = True
        self.fields["work_description"].error_messages["required"] = _(
            "Describe the work in a few sentences."
        )
        self.fields["work_description"].max_length = 5000
        self.fields["square_feet"].min_value = 0
        self.fields["square_feet"].max_value = 10_000_000
        self.fields["housing_units"].min_value = 0
        self.fields["housing_units"].max_value = 10_000
        if permit_type is not None and permit_type.fee_method == "per_sq_ft":
            self.fields["square_feet"].required = True
            self.fields["square_feet"].error_messages["required"] = _(
                "Enter the square footage: the permit fee depends on it."
            )


class ContractorForm(PlainTextFormMixin, TypedValuesMixin, forms.Form):
    license_number = forms.CharField(
        label=_("Contractor's license number"),
        required=False,
        max_length=24,
        help_text=_("As printed on the contractor's license, for example GC-2026-000123."),
    )
    owner_builder = forms.BooleanField(
        label=_("I own the property and will do the work myself"),
        required=False,
    )

    def __init__(self, *args, permit_type=None, **kwargs):
        super().__init__(*args, **kwargs)
        if permit_type is not None and permit_type.contractor_required:
            # The type needs a licensed contractor: no owner-builder choice.
            del self.fields["owner_builder"]

    def clean(self):
        data = super().clean()
        if data.get("owner_builder") and data.get("license_number"):
            raise forms.ValidationError(
                _("Either name a contractor or say you do the work yourself, not both.")
            )
        return data


class PlanSheetForm(PlainTextFormMixin, forms.Form):
    sheet = forms.CharField(
        label=_("Sheet number"),
        max_length=20,
        help_text=_("As printed in the title block, for example A1.0 or E-2."),
        error_messages={"required": _("Enter the sheet number.")},
    )
    title = forms.CharField(
        label=_("Sheet title"),
        max_length=150,
        required=False,
        help_text=_("For example: Site plan, Floor plan, Electrical plan."),
    )
    file = forms.FileField(
        label=_("Plan sheet (PDF)"),
        error_messages={"required": _("Choose the PDF of the sheet.")},
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("A PDF, at most %(limit)s.") % {
            "limit": filesizeformat(settings.PERMITS_PLAN_MAX_BYTES)
        }


class PermitDocumentForm(forms.Form):
    """A document of the type's checklist (site survey, energy calculations...), any of the
    portal's accepted files."""

    prefix = "document"

    requirement = forms.TypedChoiceField(label=_("Which document is this?"), coerce=int)
    file = forms.FileField(
        label=_("Document"),
        error_messages={"required": _("Choose a file to upload.")},
    )

    def __init__(self, *args, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A PDF, JPG, PNG, HEIC or WebP file, at most %(limit)s."
        ) % {"limit": filesizeformat(settings.DOCUMENT_MAX_BYTES)}
        self.fields["requirement"].choices = [(r.pk, localized(r, "name")) for r in requirements]
