"""Forms of the report pages, the public list and the staff back office: parse, nothing else.

The rules a report must meet live in concerns.validators and are applied by the services;
views put a refused report's messages back on these forms' fields.
"""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from phonenumber_field.formfields import PhoneNumberField

from cases.participants import Participant
from cases.questions.models import QuestionKind
from concerns import attributes
from concerns.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS,
    CloseReason,
    ConcernCategory,
)
from portal.forms import PlainTextFormMixin
from portal.localized import localized
from portal.setup_forms import GroupChoiceMixin, code_from_name, refuse_doubled_code

# The columns the addresses go to (the case's guest_email and the follower's email) are
# models.EmailField's 254 characters; forms.EmailField alone would let 320 through.
EMAIL_MAX_LENGTH = Participant._meta.get_field("email").max_length


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; cleans to a list (empty when none were chosen)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class CategorySearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for a category"),
        required=False,
        max_length=100,
        help_text=_("For example: pothole, graffiti, streetlight."),
    )


class LocationForm(PlainTextFormMixin, forms.Form):
    """Where the problem is. Checked by concerns.validators.clean_location in the view.

    Where the category needs a place, the address is required unless coordinates are given
    (the map fills them in), and its label and message say so; the message speaks of the map
    only when one is drawn.
    """

    address = forms.CharField(
        label=_("Address or description of the place"),
        required=False,
        max_length=255,
        help_text=_("For example: outside 42 Elm Street, or the corner of Oak Avenue and 5th."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    latitude = forms.CharField(
        label=_("Latitude"),
        required=False,
        max_length=20,
        help_text=_("Decimal degrees, like 39.7817."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "data-map-latitude": ""}),
    )
    longitude = forms.CharField(
        label=_("Longitude"),
        required=False,
        max_length=20,
        help_text=_("Decimal degrees, like -89.6501."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "data-map-longitude": ""}),
    )

    def __init__(self, *args, location_required: bool, map_enabled: bool, **kwargs):
        super().__init__(*args, **kwargs)
        data = self.data or {}
        has_point = any(str(data.get(name, "")).strip() for name in ("latitude", "longitude"))
        address = self.fields["address"]
        address.required = location_required and not has_point
        address.error_messages["required"] = (
            _("Enter the address or describe where it is, or put a pin on the map.")
            if map_enabled
            else _("Enter the address or describe where it is, or give its coordinates.")
        )


def _attribute_field(attribute) -> forms.Field:
    """The field of one of the category's questions (validated again by the service)."""
    common = {
        "label": localized(attribute, "label"),
        "required": attribute.required,
        "help_text": localized(attribute, "hint"),
    }
    kind = attribute.kind
    invalid_choice = _("%(value)s is not one of the choices.")
    if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.YES_NO):
        return forms.ChoiceField(
            choices=attributes.values(attribute),
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": invalid_choice},
            **common,
        )
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=attributes.values(attribute),
            widget=forms.CheckboxSelectMultiple,
            error_messages={"invalid_choice": invalid_choice},
            **common,
        )
    if kind == QuestionKind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == QuestionKind.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    if kind == QuestionKind.DATETIME:
        return forms.CharField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common
        )
    if kind == QuestionKind.DATE:
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    return forms.CharField(**common)


class ReportForm(PlainTextFormMixin, forms.Form):
    """The details of a report: what, the category's questions, photos and contact.

    Labels do not say "(optional)": the form template adds it to every field not required.

    The location chosen on the previous page travels in hidden fields. Guests' contact
    fields appear only for visitors who are not signed in.
    """

    address = forms.CharField(required=False, widget=forms.HiddenInput)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    # A new key for every form shown, kept when it comes back with errors: the same form
    # sent twice makes one report (services.report_submit).
    submission = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter a description of the problem.")},
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    use_photo_location = forms.BooleanField(
        label=_("Use the location saved in my photo"),
        required=False,
        help_text=_(
            "If your photo holds the place it was taken, we use it as the location. "
            "Leave this unticked and we do not read it."
        ),
    )
    guest_name = forms.CharField(
        label=_("Your name"),
        required=False,
        max_length=150,
        help_text=_("Never shown to the public."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    guest_email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("We send updates about this report here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    guest_phone = PhoneNumberField(
        label=_("Mobile phone for text messages"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def __init__(
        self,
        *args,
        category: ConcernCategory,
        signed_in: bool,
        has_point: bool,
        has_kept_photos: bool = False,
        **kw,
    ):
        super().__init__(*args, **kw)
        self.category = category
        # The limits a resident can hit, said before they send (set here: they are settings).
        self.fields["description"].help_text = "{} {}".format(
            _("What is wrong, how big it is, and anything that helps us find it."),
            _("Up to %(count)s characters.")
            % {"count": number_format(DESCRIPTION_MAX_LENGTH, force_grouping=True)},
        )
        self.fields["photos"].help_text = _(
            "Up to %(count)d photos, JPG, PNG or WebP, each smaller than %(size)s. We remove "
            "the camera details (such as the time and place it was taken) before keeping them."
        ) % {"count": MAX_PHOTOS, "size": filesizeformat(settings.CONCERNS_PHOTO_MAX_BYTES)}
        if category.photo_required:
            # Photos kept from an earlier send count (the service checks the total).
            self.fields["photos"].required = not has_kept_photos
            self.fields["photos"].error_messages["required"] = _(
                "Add at least one photo of the problem."
            )
        if has_point:
            del self.fields["use_photo_location"]
        if signed_in:
            for name in ("guest_name", "guest_email", "guest_phone"):
                del self.fields[name]
        self.attribute_fields = []
        for attribute in category.questions.all():
            if not attributes.is_asked(attribute):
                continue
            name = f"attribute_{attribute.code}"
            self.fields[name] = _attribute_field(attribute)
            self.attribute_fields.append(name)
        # Questions after the description, photos and contact last.
        order = ["description", *self.attribute_fields, "photos", "use_photo_location"]
        self.order_fields(order)

    @property
    def answers(self) -> dict:
        """The answers to the category's questions, keyed by question code."""
        return {
            name.removeprefix("attribute_"): self.cleaned_data.get(name)
            for name in self.attribute_fields
        }


class FollowForm(forms.Form):
    """A guest's address for a report's updates (signed-in people need none)."""

    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=EMAIL_MAX_LENGTH)
    phone = PhoneNumberField(
        label=_("Mobile phone for text messages"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("email") and not cleaned.get("phone"):
            raise forms.ValidationError(
                _("Enter an e-mail address or a mobile phone number for the updates.")
            )
        return cleaned


class NotFixedForm(PlainTextFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("What is still wrong?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Tell us what is still wrong.")},
    )


class RatingForm(PlainTextFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well did we deal with your report?"),
        coerce=int,
        choices=[
            (5, _("5 - Very well")),
            (4, _("4 - Well")),
            (3, _("3 - Neither well nor badly")),
            (2, _("2 - Badly")),
            (1, _("1 - Very badly")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Anything to add?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PublicFilterForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=ConcernCategory.objects.filter(active=True, published_at__isnull=False).order_by(
            "group", "order", "name"
        ),
        to_field_name="code",
        required=False,
        empty_label=_("All categories"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Open and closed")),
            ("open", pgettext_lazy("concern reports filter", "Open")),
            ("closed", pgettext_lazy("concern reports filter", "Closed")),
        ],
    )
    date_from = forms.DateField(
        label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Reported until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned


# --- Staff back office ----------------------------------------------------------------


class StaffCloseForm(PlainTextFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(value, label) for value, label in CloseReason.choices if value != "duplicate"],
    )
    canned_response = forms.ModelChoiceField(
        label=_("Start from a canned response"), queryset=None, required=False
    )
    public_reason = forms.CharField(
        label=_("Explanation for the public"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the report's page and sent to the reporter and followers."),
    )
    redirect_contact = forms.CharField(
        label=_("Who to contact instead"),
        required=False,
        max_length=300,
        help_text=_("Needed when it is not our responsibility, e.g. State DOT, (555) 010-0199."),
    )
    scheduled_for = forms.DateField(
        label=_("Scheduled for"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Needed when the work is scheduled for later."),
    )

    def __init__(self, *args, canned=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["canned_response"].queryset = canned

    def clean(self):
        cleaned = super().clean()
        canned = cleaned.get("canned_response")
        if canned is not None and not (cleaned.get("public_reason") or "").strip():
            cleaned["public_reason"] = canned.body
        return cleaned


class StaffDuplicateForm(PlainTextFormMixin, forms.Form):
    original = forms.CharField(
        label=_("Reference of the original report"),
        max_length=24,
        help_text=_("e.g. CON-2026-000042. Its followers and reporter move over."),
    )
    public_reason = forms.CharField(
        label=_("Explanation for the public (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffCannedMessageForm(PlainTextFormMixin, forms.Form):
    canned_response = forms.ModelChoiceField(label=_("Canned response"), queryset=None)

    def __init__(self, *args, canned=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["canned_response"].queryset = canned


class StaffNoteForm(PlainTextFormMixin, forms.Form):
    public_note = forms.CharField(
        label=_("Note to the public (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffRouteForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False, empty_label=_("No department")
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class ConcernCategoryForm(GroupChoiceMixin, forms.ModelForm):
    """A category as its administrator sets it up: the code filled from the name when left
    empty (an Open311 service code: letters, digits, "_"), the group chosen from those in use
    or added on purpose."""

    group_field = "group"
    new_group_field = "new_group"
    group_required = False

    group = forms.ChoiceField(label=_("Group"), required=False)
    new_group = forms.CharField(
        label=_("or a new group"),
        required=False,
        max_length=100,
        help_text=_("Only for a group that does not exist yet: residents see it as a heading."),
    )

    class Meta:
        model = ConcernCategory
        fields = [
            "name",
            "name_es",
            "code",
            "group",
            "group_es",
            "description",
            "description_es",
            "keywords",
            "keywords_es",
            "order",
            "department",
            "target_days",
            "active",
            "location_required",
            "photo_required",
        ]
        error_messages = {
            "code": {"unique": _("Another category has this code: choose another.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["group"].help_text = _(
            "Groups categories on the report page: choose one, or add a new one."
        )
        self.group_choices_set(ConcernCategory.objects.values_list("group", flat=True))

    def clean_code(self):
        return refuse_doubled_code((self.cleaned_data.get("code") or "").strip().lower())

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name") or ""
        if not cleaned.get("code") and name and "code" not in self.errors:
            others = ConcernCategory.objects.exclude(pk=self.instance.pk).values_list(
                "code", flat=True
            )
            cleaned["code"] = code_from_name(name, taken=others, max_length=64, separator="_")
        self.group_clean(cleaned)
        return cleaned


class FieldResultForm(PlainTextFormMixin, forms.Form):
    """What the assignee found on site. The key is made when the form is shown and sent with
    it, so the same result sent twice from the phone is recorded once."""

    result_key = forms.UUIDField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label=_("Result"),
        choices=[
            ("resolved", _("Resolved: close the report as fixed")),
            ("follow_up", _("Needs follow-up: keep the report open")),
        ],
        widget=forms.RadioSelect,
    )
    found = forms.CharField(
        label=_("What you found and did"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For staff only."),
    )
    public_note = forms.CharField(
        label=_("Message for the public"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Shown on the report's page and sent to the reporter and followers. "
            "Needed when the problem is resolved."
        ),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 5, for staff only."),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["result_key"] = uuid.uuid4()
