from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.apps import apps
from django.template import TemplateDoesNotExist, loader
from django.utils.translation import gettext_lazy as _

from notifications.models import NotificationChannel, ReminderRule
from notifications.reminders import get_source
from notifications.rendering import template_name


class UnsubscribeForm(forms.Form):
    """The confirmation button of the unsubscribe page; the signed link is the credential."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.add_input(Submit("confirm", _("Unsubscribe")))


# What each channel needs of a message's template folder (see notifications/rendering.py).
_REQUIRED_PARTS = {
    NotificationChannel.EMAIL: [("subject.txt",), ("body.txt",)],
    NotificationChannel.SMS: [("sms.txt",)],
    NotificationChannel.IN_APP: [("in_app.txt", "body.txt")],
}


class ReminderRuleForm(forms.ModelForm):
    """A reminder rule in the admin: its source must be registered, its scope name rows of
    the source's scope, and its template have the parts each of its channels needs."""

    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=NotificationChannel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each person gets the channels of these they accept."),
    )

    class Meta:
        model = ReminderRule
        fields = [
            "name",
            "active",
            "source",
            "scope",
            "days",
            "timing",
            "catch_up_days",
            "channels",
            "template_key",
            "send_at",
        ]

    def clean(self):
        cleaned = super().clean()
        key, scope = cleaned.get("source"), cleaned.get("scope") or []
        if key:
            try:
                source = get_source(key)
            except LookupError:
                self.add_error("source", _("No service provides these rows."))
            else:
                self._check_scope(source, scope)
        template_key = cleaned.get("template_key")
        if template_key:
            for refusal in template_refusals(template_key, cleaned.get("channels") or []):
                self.add_error("template_key", refusal)
        return cleaned

    def _check_scope(self, source, scope: list[int]) -> None:
        if not scope:
            return
        if not source.scope_model:
            self.add_error("scope", _("These rows cannot be narrowed: leave this empty."))
            return
        model = apps.get_model(source.scope_model)
        found = set(model.objects.filter(pk__in=scope).values_list("pk", flat=True))
        missing = sorted(set(scope) - found)
        if missing:
            self.add_error(
                "scope",
                _("No %(what)s has the id %(ids)s.")
                % {"what": model._meta.verbose_name, "ids": ", ".join(map(str, missing))},
            )


def template_refusals(template_key: str, channels) -> list[str]:
    """What the message template `template_key` lacks for `channels` (empty when nothing)."""
    refusals = []
    for channel in channels:
        for alternatives in _REQUIRED_PARTS[channel]:
            if not any(_template_exists(template_key, part) for part in alternatives):
                refusals.append(
                    _("The template has no %(part)s, which %(channel)s needs.")
                    % {"part": alternatives[0], "channel": NotificationChannel(channel).label}
                )
    return refusals


def _template_exists(template_key: str, part: str) -> bool:
    try:
        loader.get_template(template_name(template_key, part))
    except TemplateDoesNotExist:
        return False
    return True
