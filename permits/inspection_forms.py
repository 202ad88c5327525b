"""The inspector's result form: result, checklist, deficiencies, comments and photos."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from permits.models import Inspection, InspectionResult

# What every inspection checks, whatever its kind; the inspector ticks what was in order.
CHECKLIST = (
    ("permit_posted", _("Permit card posted on site")),
    ("approved_plans", _("Approved plans on site")),
    ("matches_plans", _("Work matches the approved plans")),
    ("safe_access", _("Safe access to the work")),
)

MAX_PHOTOS = 10


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    widget = MultiplePhotoInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("Add at most 10 photos."))
        return [super(PhotosField, self).clean(item, initial) for item in files]


class ResultForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result"), choices=InspectionResult.choices, widget=forms.RadioSelect
    )
    checklist = forms.MultipleChoiceField(
        label=_("In order on site"),
        choices=CHECKLIST,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    deficiencies = forms.CharField(
        label=_("Deficiencies"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. Required unless the inspection passed."),
    )
    comments = forms.CharField(
        label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        widget=MultiplePhotoInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    # A new key each time the form is shown; the same key when the same form is posted
    # again, so the result is applied once (cases.SubmissionKey).
    result_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, inspection: Inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.inspection = inspection
        if not self.is_bound:
            self.initial["result_key"] = uuid.uuid4()

    def clean(self):
        data = super().clean()
        result = data.get("result")
        if (
            result
            and result != InspectionResult.PASSED
            and not (data.get("deficiencies", "").strip() or data.get("comments", "").strip())
        ):
            self.add_error(
                "deficiencies",
                _("Say why: list the deficiencies or write a comment for this result."),
            )
        return data

    def service_arguments(self) -> dict:
        ticked = set(self.cleaned_data["checklist"])
        return {
            "result": self.cleaned_data["result"],
            "checklist": [
                {"item": code, "label": str(label), "ok": code in ticked}
                for code, label in CHECKLIST
            ],
            "deficiencies": self.cleaned_data["deficiencies"],
            "comments": self.cleaned_data["comments"],
            "photos": self.cleaned_data["photos"],
            "result_key": self.cleaned_data["result_key"],
        }
