from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import InterfaceError, OperationalError


class AccountAdapter(DefaultAccountAdapter):
    """The portal's account rules on top of allauth's.

    Stores the language the person signed up in as their preferred language, signs account
    e-mails with the agency's name and contact details (templates/account/email/), and counts
    only wrong passwords as failed sign-ins.
    """

    def authenticate(self, request, **credentials):
        """allauth's, except that an attempt the database could not check is not a failure.

        allauth counts the attempt towards `login_failed` before checking the password and
        takes it back only on success, so sign-ins refused because PostgreSQL was down would
        lock the person out for minutes after it returns. The error still propagates (the
        visitor gets the 503 page, see portal.views.server_error).
        """
        try:
            return super().authenticate(request, **credentials)
        except (OperationalError, InterfaceError):
            self._rollback_login_failed_rl_usage()
            raise

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
