from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumber_field.widgets import RegionalPhoneNumberWidget

from portal.forms import PlainTextFormMixin

from .models import User


class LoginForm(AllauthLoginForm):
    """allauth's login form with labels only: placeholder text reads as a typed value and
    disappears as soon as someone starts typing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
        if "login" in self.fields:
            self.fields["login"].label = _("E-mail address")
        if "remember" in self.fields:
            self.fields["remember"].label = _("Keep me signed in on this device")


class SignupForm(PlainTextFormMixin, AllauthSignupForm):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As it appears on official documents."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["full_name", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("placeholder", None)
        self.fields["email"].label = _("E-mail address")


class ProfileForm(PlainTextFormMixin, forms.ModelForm):
    """A person's own details. Parses only: `accounts.services.profile_update` saves."""

    # Each language is named in itself, so someone who cannot read the page's language can
    # still find theirs.
    preferred_language = forms.ChoiceField(
        label=_("Language for messages and pages"),
        choices=[("en", "English"), ("es", "Español")],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = User
        fields = ["full_name", "phone", "preferred_language", "notify_by_email", "notify_by_sms"]
        labels = {
            "full_name": _("Full name"),
            "phone": _("Mobile phone number"),
            "notify_by_email": _("E-mail me updates and reminders"),
            "notify_by_sms": _("Text me updates and reminders"),
        }
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": RegionalPhoneNumberWidget(attrs={"autocomplete": "tel"}),
        }
        help_texts = {
            "phone": _("For text messages about your requests. For example, (555) 010-0123."),
            "notify_by_sms": _("Needs a mobile phone number. Message and data rates may apply."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("notify_by_sms") and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone", _("Enter a mobile phone number to get text messages."))
        return cleaned
