"""The agency's areas: drawn by administrators as GeoJSON, with ZIP codes for addresses."""

import json
import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases.areas.boundaries import boundary_parse
from cases.areas.locating import area_save, areas_reassign
from cases.areas.models import Area

# A ZIP code as an area lists it: five digits, or a ZIP+4 of which the five are kept (an
# address is read to its five digits, `cases.areas.locating.ZIP_AT_END`).
ZIP_CODE_TYPED = re.compile(r"([0-9]{5})(?:-[0-9]{4})?")


class AreaForm(forms.ModelForm):
    boundary = forms.CharField(
        label=_("Boundary (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 80, "spellcheck": "false"}),
        help_text=Area._meta.get_field("boundary").help_text,
    )

    class Meta:
        model = Area
        fields = ["name", "name_es", "code", "boundary", "postal_codes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.boundary and not self.is_bound:
            self.initial["boundary"] = json.dumps(self.instance.boundary)

    def clean_boundary(self):
        return boundary_parse(self.cleaned_data.get("boundary"))

    def clean_postal_codes(self):
        codes, wrong = [], []
        for typed in self.cleaned_data.get("postal_codes") or []:
            typed = typed.strip()
            if not typed:
                continue
            match = ZIP_CODE_TYPED.fullmatch(typed)
            if match:
                codes.append(match.group(1))
            else:
                wrong.append(typed)
        if wrong:
            raise ValidationError(
                _("These are not 5-digit ZIP codes: %(codes)s. Write each as 5 digits, as 62701."),
                code="zip_codes",
                params={"codes": ", ".join(wrong)},
            )
        return list(dict.fromkeys(codes))


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    form = AreaForm
    list_display = ["name", "name_es", "code", "has_boundary", "postal_codes"]
    search_fields = ["name", "name_es", "code"]
    prepopulated_fields = {"code": ["name"]}
    actions = ["reassign_open_cases"]

    @admin.display(boolean=True, description=_("boundary"))
    def has_boundary(self, area: Area) -> bool:
        return area.boundary is not None

    def save_model(self, request, obj, form, change):
        area_save(area=obj, boundary=form.cleaned_data.get("boundary"))
        messages.info(
            request,
            gettext(
                "Open cases are placed in the areas as they now are tonight, or at once with "
                "“Place every open case in its area again” from the list of areas."
            ),
        )

    @admin.action(description=_("Place every open case in its area again"))
    def reassign_open_cases(self, request, queryset):
        count = areas_reassign()
        self.message_user(
            request,
            ngettext(
                "%(count)s open case moved to another area.",
                "%(count)s open cases moved to another area.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
