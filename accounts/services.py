"""Writes on accounts: each function is one transaction."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
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
        locked = User.objects.select_for_update(no_key=True).get(pk=user.pk)
        locked.full_name = full_name.strip()
        locked.phone = phone or ""
        locked.preferred_language = preferred_language
        locked.notify_by_email = notify_by_email
        locked.notify_by_sms = notify_by_sms
        locked.save(update_fields=_PROFILE_FIELDS)

    for name in _PROFILE_FIELDS:
        setattr(user, name, getattr(locked, name))
    return user


def user_create(
    *,
    email: str,
    password: str | None,
    full_name: str = "",
    phone: str = "",
    preferred_language: str = "en",
    is_staff: bool = False,
    is_superuser: bool = False,
    email_verified: bool = False,
) -> User:
    """Create an account and its primary e-mail address (verified or not).

    For accounts made by the agency (staff, demo data, imports); residents sign up through
    allauth. `password=None` leaves the account without a usable password (it is set through
    the reset link). Raises IntegrityError if the e-mail address is taken, in any case.
    """
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            full_name=full_name,
            phone=phone,
            preferred_language=preferred_language,
            is_staff=is_staff or is_superuser,
            is_superuser=is_superuser,
        )
        EmailAddress.objects.create(
            user=user, email=user.email, primary=True, verified=email_verified
        )
    return user


def staff_group_ensure(*, name: str, permissions: list[str]) -> Group:
    """Make sure the staff group `name` exists and holds `permissions` ("app_label.codename").

    Adds what is missing and never removes a permission an administrator granted since, so it
    is safe to run at every deployment. Permissions of apps that are not installed are skipped.
    """
    query = Q(pk__in=[])
    for permission in permissions:
        app_label, codename = permission.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    with transaction.atomic():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(query))
    return group


def mfa_totp_enrol(*, user: User, secret: str) -> bool:
    """Turn on authenticator-app sign-in for `user` with a known base32 `secret`, plus
    recovery codes, as if they had scanned the QR code.

    For accounts the agency sets up (the demo staff). Returns False, changing nothing, if the
    user already has an authenticator app.
    """
    with transaction.atomic():
        User.objects.select_for_update(no_key=True).get(pk=user.pk)
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return False
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)
    return True
