"""Forms of the application pages and the clerk's decision: parse, nothing else.

The rules an answer must meet live in cases.questions.rules and are applied again by the
services; views put a refused answer's message back on its field.
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from cases.models import Case
from cases.questions.forms import QuestionsForm, TypedValuesMixin
from licensing.models import Application, DisciplinaryActionKind, LicenseType
from payments.forms import AmountField
from portal.forms import PlainTextFormMixin
from portal.localized import localized
from portal.setup_forms import GroupChoiceMixin, code_from_name, refuse_doubled_code


class TypeSearchForm(forms.Form):
    q = forms.CharField(label=_("Search license types"), required=False, max_length=100)


ADDRESS_MAX_LENGTH = 500  # Application.address
ADDRESS_HINT = _("Where you live or where the business is. You can enter up to 500 characters.")
ADDRESS_TOO_LONG = _("Address must be 500 characters or fewer.")


class AboutForm(PlainTextFormMixin, TypedValuesMixin, forms.ModelForm):
    phone = PhoneNumberField(
        label=_("Phone number"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )

    class Meta:
        model = Application
        fields = ["holder_name", "business_name", "email", "phone", "address"]
        labels = {
            "holder_name": _("Full name"),
            "business_name": _("Business or trading name"),
            "address": _("Address"),
        }
        help_texts = {
            "holder_name": _("As it should appear on the license."),
            "address": ADDRESS_HINT,
        }
        error_messages = {"address": {"max_length": ADDRESS_TOO_LONG}}
        widgets = {
            "holder_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder_name"].required = True
        self.fields["email"].required = True
        self.fields["address"].required = True


class DocumentForm(forms.Form):
    requirement = forms.TypedChoiceField(label=_("Which document is this?"), coerce=int)
    file = forms.FileField(
        label=_("File"),
        error_messages={"required": _("Choose a file to upload.")},
    )

    def __init__(self, *args, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "A PDF, JPG, PNG, HEIC or WebP file, up to %(size)s MB."
        ) % {"size": number_format(settings.DOCUMENT_MAX_BYTES // (1024 * 1024))}
        self.fields["requirement"].choices = [(r.pk, localized(r, "name")) for r in requirements]


class DecisionForm(PlainTextFormMixin, forms.Form):
    DECISIONS = [
        ("request_info", _("Ask the applicant for more information")),
        ("approve", _("Approve and issue the license")),
        ("deny", _("Deny")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Message or reason for the applicant"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required to ask for more information or to deny. The applicant reads it."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") in ("request_info", "deny") and not cleaned.get("message"):
            self.add_error("message", _("Write what the applicant needs to know."))
        return cleaned


# --- Renewals ------------------------------------------------------------------------------


class RenewalForm(QuestionsForm):
    """The renewal's one page: the holder confirms their details, then the attestations."""

    holder_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As it should appear on the license."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    business_name = forms.CharField(
        label=_("Business or trading name"), max_length=200, required=False
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=Application._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = PhoneNumberField(
        label=_("Phone number"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=ADDRESS_MAX_LENGTH,
        help_text=ADDRESS_HINT,
        error_messages={"max_length": ADDRESS_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )

    DETAILS = ("holder_name", "business_name", "email", "phone", "address")

    def __init__(self, *args, application: Application, questions, **kwargs):
        super().__init__(*args, questions=questions, answers=application.answers, **kwargs)
        for name in self.DETAILS:
            self.initial[name] = getattr(application, name)

    def details(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.DETAILS}


# --- enforcement -----------------------------------------------------------------------------


class ComplaintForm(PlainTextFormMixin, forms.Form):
    """A complaint about a licensee. A guest gives a name and an e-mail address for replies."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("Enter your name.")},
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        # The case's guest_email column: forms.EmailField alone would let 320 through.
        max_length=Case._meta.get_field("guest_email").max_length,
        help_text=_("We write to you about your complaint. The licensee never sees it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.com."),
        },
    )
    details = forms.CharField(
        label=_("What happened?"),
        help_text=_("Say what the licensee did, where, and who was affected."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Tell us what happened.")},
    )
    occurred_on = forms.DateField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter a date like 2026-05-31.")},
    )
    # A new key for every form shown, kept when it is shown again with errors: the same
    # form sent twice files one complaint (services.complaint_file).
    submission = forms.UUIDField(required=False, initial=uuid.uuid4, widget=forms.HiddenInput)

    def __init__(self, *args, signed_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if signed_in:
            del self.fields["name"]
            del self.fields["email"]

    def clean_occurred_on(self):
        occurred_on = self.cleaned_data.get("occurred_on")
        if occurred_on and occurred_on > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return occurred_on


class DisciplinaryActionForm(PlainTextFormMixin, forms.Form):
    """Staff record an action against a license; the service checks the rules again."""

    kind = forms.ChoiceField(
        label=_("Action"),
        choices=DisciplinaryActionKind.choices,
        widget=forms.RadioSelect,
    )
    ends_on = forms.DateField(
        label=_("Suspended until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a suspension: the day the license is in force again."),
    )
    fine = AmountField(
        label=_("Fine amount"),
        required=False,
        help_text=_("For a fine, in dollars: the holder is sent an invoice."),
    )
    public = forms.BooleanField(
        label=_("Show this action to the public"), required=False, initial=True
    )
    public_summary = forms.CharField(
        label=_("Public summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the license lookup and on the verification page."),
    )
    internal_note = forms.CharField(
        label=_("Internal note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    complaint = forms.TypedChoiceField(
        label=_("Complaint"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, complaints, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complaint"].choices = [("", _("None"))] + [
            (c.pk, c.case.reference) for c in complaints
        ]

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == DisciplinaryActionKind.SUSPENSION and not cleaned.get("ends_on"):
            self.add_error("ends_on", _("Give the day the suspension ends."))
        if kind != DisciplinaryActionKind.SUSPENSION and cleaned.get("ends_on"):
            self.add_error("ends_on", _("Only a suspension has an end date."))
        if kind == DisciplinaryActionKind.FINE and not cleaned.get("fine"):
            self.add_error("fine", _("Give the amount of the fine."))
        if kind != DisciplinaryActionKind.FINE and cleaned.get("fine"):
            self.add_error("fine", _("Only a fine has an amount."))
        if cleaned.get("public") and not cleaned.get("public_summary", "").strip():
            self.add_error("public_summary", _("Write what the public will read."))
        return cleaned

    def fine_cents(self) -> int | None:
        return self.cleaned_data.get("fine") or None


class LookupForm(forms.Form):
    """The public lookup: a name, number or type name, and/or a type from the list."""

    q = forms.CharField(
        label=_("Holder's name, business, license number or type"),
        required=False,
        max_length=100,
    )
    type = forms.ModelChoiceField(
        label=_("Type of license"),
        queryset=LicenseType.objects.filter(published_at__isnull=False)
        .order_by("name")
        .only("pk", "name"),
        required=False,
        empty_label=_("Any type"),
    )


# Words a license number prefix is not made from ("Mobile pet grooming license" -> MPG).
_PREFIX_SKIPPED_WORDS = {"a", "an", "and", "for", "license", "licence", "of", "or", "the", "to"}


def taken_prefixes(*, exclude_pk=None) -> set[str]:
    """Prefixes no new type may take: other types' and the portal's own references'."""
    from cases.references import RESERVED_PREFIXES
    from cases.workflow import registered_workflows

    others = LicenseType.objects.exclude(pk=exclude_pk).values_list("number_prefix", flat=True)
    return {*others, *RESERVED_PREFIXES, *(w.prefix for w in registered_workflows())}


def prefix_suggest(name: str, *, taken: set[str]) -> str:
    """A free prefix made from `name`: its words' initials ("Mobile pet grooming" -> MPG),
    lengthened from the last word, then numbered by letter, until no other type uses it."""
    words = [
        word
        for word in re.findall(r"[a-z]+", slugify(name).replace("-", " "))
        if word not in _PREFIX_SKIPPED_WORDS
    ] or ["license"]
    base = "".join(word[0] for word in words).upper()[:8]
    tail = words[-1][1:].upper()
    while len(base) < 2 and tail:
        base, tail = base + tail[0], tail[1:]
    base = base.ljust(2, "X")
    candidate = base
    while candidate in taken and tail and len(candidate) < 8:
        candidate, tail = candidate + tail[0], tail[1:]
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    while candidate in taken:
        candidate = base[:7] + next(letters)
    return candidate


class LicenseTypeForm(GroupChoiceMixin, forms.ModelForm):
    """A license type as its administrator sets it up: the code and the number prefix made
    from the name when left empty, a category chosen from those in use or added on purpose,
    fees in dollars. The model's own checks (reserved prefixes, formats) run as well."""

    category = forms.ChoiceField(label=_("Profession or category"), required=False)
    application_fee_cents = AmountField(
        label=_("Application fee"), help_text=_("In dollars, for example 75.00.")
    )
    renewal_fee_cents = AmountField(
        label=_("Renewal fee"), help_text=_("In dollars, for example 60.00.")
    )
    late_fee_cents = AmountField(
        label=_("Late fee"),
        initial=0,
        help_text=_("In dollars, added to a renewal paid after the license expires."),
    )
    new_category = forms.CharField(
        label=_("or a new category"),
        required=False,
        max_length=100,
        help_text=_("Only for a group that does not exist yet: residents see it as a heading."),
    )

    class Meta:
        model = LicenseType
        fields = [
            "name",
            "name_es",
            "code",
            "number_prefix",
            "category",
            "category_es",
            "active",
            "description",
            "description_es",
            "eligibility",
            "eligibility_es",
            "keywords",
            "keywords_es",
            "application_fee_cents",
            "renewal_fee_cents",
            "late_fee_cents",
            "term_months",
            "renewal_window_days",
            "grace_days",
            "review_target_days",
            "auto_approve_renewals",
        ]
        error_messages = {
            "code": {"unique": _("Another license type has this code: choose another.")},
            "number_prefix": {
                "unique": _("Another license type uses this prefix: choose another.")
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("code", "number_prefix"):
            if name in self.fields:
                self.fields[name].required = False
        self.fields["category"].help_text = self._meta.model._meta.get_field("category").help_text
        self.group_choices_set(LicenseType.objects.values_list("category", flat=True))

    def clean_code(self):
        return refuse_doubled_code((self.cleaned_data.get("code") or "").strip().lower())

    def clean_number_prefix(self):
        prefix = (self.cleaned_data.get("number_prefix") or "").strip().upper()
        if prefix and not re.fullmatch(r"[A-Z]{2,8}", prefix):
            raise forms.ValidationError(_("Enter 2 to 8 capital letters, like MPG."))
        return prefix

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name") or ""
        if not cleaned.get("code") and name and "code" not in self.errors:
            others = LicenseType.objects.exclude(pk=self.instance.pk).values_list("code", flat=True)
            cleaned["code"] = code_from_name(name, taken=others, max_length=50)
        taken = taken_prefixes(exclude_pk=self.instance.pk)
        prefix = cleaned.get("number_prefix")
        if not prefix and name and "number_prefix" not in self.errors:
            cleaned["number_prefix"] = prefix_suggest(name, taken=taken)
        elif prefix in taken:
            self.add_error(
                "number_prefix",
                _("%(prefix)s is already used; for example %(free)s is free.")
                % {"prefix": prefix, "free": prefix_suggest(name or prefix, taken=taken)},
            )
        self.group_clean(cleaned)
        return cleaned
