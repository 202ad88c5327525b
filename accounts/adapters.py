from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Store the language the person signed up in as their preferred language."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.full_name = form.cleaned_data.get("full_name", "")
        language = getattr(request, "LANGUAGE_CODE", "en")
        user.preferred_language = language if language in {"en", "es"} else "en"
        if commit:
            user.save()
        return user
