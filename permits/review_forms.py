"""Forms of plan review, for reviewers (comments, decisions, taking a review) and for the
applicant (revised sheets): parse and validate, nothing else; the services judge."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from permits.models.reviews import ReviewDecision
from portal.forms import PlainTextFormMixin

TEXT_MAX_LENGTH = 5000


class ReviewCommentForm(PlainTextFormMixin, forms.Form):
    prefix = "comment"

    sheet = forms.TypedChoiceField(
        label=_("Sheet"), coerce=int, error_messages={"required": _("Choose the sheet.")}
    )
    text = forms.CharField(
        label=_("Comment"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The applicant reads it in the correction letter, as written."),
        error_messages={"required": _("Write the comment.")},
    )

    def __init__(self, *args, sheets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [
            (sheet.pk, f"{sheet.sheet} {sheet.title} (v{sheet.version})".replace("  ", " "))
            for sheet in sheets
        ]


class ReviewDecisionForm(PlainTextFormMixin, forms.Form):
    prefix = "decision"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a decision.")},
    )
    conditions = forms.CharField(
        label=_("Conditions of approval"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only with an approval with conditions; printed on the permit."),
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only staff see this."),
    )


class RevisedSheetForm(forms.Form):
    prefix = "sheet"

    sheet = forms.CharField(
        label=_("Sheet number"),
        max_length=20,
        help_text=_(
            "As printed in the title block, for example A1.0. Use the same number to "
            "replace a sheet; a new number adds a sheet."
        ),
        error_messages={"required": _("Enter the sheet number.")},
    )
    title = forms.CharField(label=_("Sheet title"), max_length=150, required=False)
    file = forms.FileField(
        label=_("Revised sheet (PDF)"),
        error_messages={"required": _("Select the PDF of the revised sheet.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Said before uploading: the same limit as the plans sent with the application.
        self.fields["file"].help_text = _("A PDF, at most %(limit)s.") % {
            "limit": filesizeformat(settings.PERMITS_PLAN_MAX_BYTES)
        }


class ReviewAssignForm(forms.Form):
    """Who holds a review: a reviewer of its department, or nobody."""

    prefix = "assign"

    assignee = forms.ModelChoiceField(
        label=_("Reviewer"), queryset=None, required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, reviewers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = reviewers


class ReviewAddForm(forms.Form):
    """Another department's review, added to the current round."""

    prefix = "add"

    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=None,
        error_messages={"required": _("Choose the department.")},
    )

    def __init__(self, *args, **kwargs):
        from cases.models import Department

        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("name")
