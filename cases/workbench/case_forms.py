"""The case page's own forms (the status, assignment and note forms are the case engine's,
in cases/forms.py)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import MESSAGE_MAX_LENGTH
from cases.workbench.models import MessageTemplate
from portal.forms import PlainTextFormMixin


class CaseMessageForm(PlainTextFormMixin, forms.Form):
    """A message to the resident: typed, or a template's text in the resident's language
    (shown for checking before it is sent)."""

    template = forms.ModelChoiceField(
        label=_("Start from a template"),
        queryset=MessageTemplate.objects.filter(active=True).order_by("order", "name"),
        required=False,
        empty_label=_("No template"),
    )
    body = forms.CharField(
        label=_("Message to the resident"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The resident is notified and sees it on their case page."),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("template") and not (cleaned.get("body") or "").strip():
            self.add_error("body", _("Write the message, or start from a template."))
        return cleaned
