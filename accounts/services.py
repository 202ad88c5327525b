"""Writes on accounts: each function is one transaction."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import User

_PROFILE_FIELDS = ["full_name", "phone", "preferred_language", "notify_by_email", "notify_by_sms"]


def profile_update(
    *,
    user: User,
    full_name: str,
    phone: PhoneNumber | str | None,
    preferred_language: str,
    notify_by_email: bool,
    notify_by_sms: bool,
) -> User:
    """Save a person's own details and contact preferences.

    Raises ValidationError (with field keys) when text messages are asked for without a
    phone number or the language is not one the portal speaks; the database refuses both too.
    """
    errors = {}
    if preferred_language not in dict(settings.LANGUAGES):
        errors["preferred_language"] = _("Choose English or Spanish.")
    if notify_by_sms and not phone:
        errors["phone"] = _("Enter a mobile phone number to get text messages.")
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.full_name = full_name.strip()
        locked.phone = phone or ""
        locked.preferred_language = preferred_language
        locked.notify_by_email = notify_by_email
        locked.notify_by_sms = notify_by_sms
        locked.save(update_fields=_PROFILE_FIELDS)

    for name in _PROFILE_FIELDS:
        setattr(user, name, getattr(locked, name))
    return user
