"""Forms of the case pages and of the staff back office: parse and validate, nothing else."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from portal.forms import PlainTextFormMixin

MESSAGE_MAX_LENGTH = 5000


class ReplyForm(PlainTextFormMixin, forms.Form):
    prefix = "reply"

    body = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Do not include bank or card details."),
        error_messages={"required": _("Enter your message.")},
    )


class DocumentUploadForm(forms.Form):
    prefix = "document"

    file = forms.FileField(
        label=_("Add a document"),
        help_text=_("PDF, JPG, PNG, HEIC or WebP."),
        error_messages={"required": _("Select a file to upload.")},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,.heic,.webp,application/pdf,image/*"}
        ),
    )
    # The file is judged once, by `services.document_add` (decoding an image or parsing a
    # PDF is not cheap); the view puts its DocumentRejected on this field.


class StatusChoiceField(forms.ChoiceField):
    """Offers the given moves, but accepts any status of the case's workflow (`known`).

    The transition service is the judge: if the case moved while the page was open, its
    refusal ("not possible from the current status") says more than "not a valid choice".
    """

    def valid_value(self, value):
        return value in getattr(self, "known", ())


class StaffTransitionForm(PlainTextFormMixin, forms.Form):
    """Offers only the moves the current member of staff may make from the current status."""

    to_status = StatusChoiceField(label=_("New status"))
    public_note = forms.CharField(
        label=_("Note to the resident"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the resident's timeline and in their notification."),
    )
    note = forms.CharField(
        label=_("Internal note"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only staff see this."),
    )

    def __init__(self, *args, transitions=(), statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.transitions = {t.target: t for t in transitions}
        self.fields["to_status"].known = set(statuses) | set(self.transitions)
        self.fields["to_status"].choices = [(t.target, t.label or t.target) for t in transitions]

    def clean(self):
        cleaned = super().clean()
        move = self.transitions.get(cleaned.get("to_status"))
        if move is not None and cleaned.get("public_note") and not move.public:
            self.add_error(
                "public_note", _("This change is internal: use the internal note instead.")
            )
        return cleaned


class StaffNoteForm(PlainTextFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Internal note"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StaffMessageForm(PlainTextFormMixin, forms.Form):
    body = forms.CharField(
        label=_("Message to the resident"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The resident is notified and sees it on their case page."),
    )


class StaffAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .order_by("full_name", "email"),
        required=False,
        empty_label=_("Nobody"),
    )
