from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """The portal's account rules on top of allauth's.

    Stores the language the person signed up in as their preferred language, and signs
    account e-mails with the agency's name and contact details (templates/account/email/).
    """

    def send_mail(self, template_prefix, email, context):
        super().send_mail(template_prefix, email, {"agency": settings.AGENCY, **context})

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "")
        language = getattr(request, "LANGUAGE_CODE", "en")
        user.preferred_language = language if language in {"en", "es"} else "en"
        if commit:
            user.save()
        return user
