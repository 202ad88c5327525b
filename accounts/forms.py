from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import User


class SignupForm(AllauthSignupForm):
    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As it appears on official documents."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["full_name", "email", "password1", "password2"]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "phone", "preferred_language", "notify_by_email", "notify_by_sms"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "preferred_language": forms.RadioSelect,
        }
        help_texts = {
            "phone": _("For text messages about your requests. For example, (555) 010-0123."),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("notify_by_sms") and not cleaned.get("phone"):
            self.add_error("phone", _("Enter a mobile phone number to get text messages."))
        return cleaned
