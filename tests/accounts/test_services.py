import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from accounts.models import User
from accounts.services import profile_update

pytestmark = pytest.mark.django_db


def test_profile_update_saves_every_field(resident):
    # when
    user = profile_update(
        user=resident,
        full_name="  Ana Ruiz ",
        phone="+12025550143",
        preferred_language="es",
        notify_by_email=False,
        notify_by_sms=True,
    )

    # then
    stored = User.objects.get(pk=resident.pk)
    assert user is resident
    assert (
        stored.full_name,
        str(stored.phone),
        stored.preferred_language,
        stored.notify_by_email,
        stored.notify_by_sms,
    ) == ("Ana Ruiz", "+12025550143", "es", False, True)
    assert resident.full_name == "Ana Ruiz"


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"phone": "", "notify_by_sms": True},
            {"phone": ["Enter a mobile phone number to get text messages."]},
        ),
        ({"preferred_language": "fr"}, {"preferred_language": ["Choose English or Spanish."]}),
    ],
)
def test_profile_update_refuses_inconsistent_preferences(resident, changes, errors):
    # given
    arguments = {
        "full_name": "Ana Ruiz",
        "phone": "",
        "preferred_language": "en",
        "notify_by_email": True,
        "notify_by_sms": False,
        **changes,
    }

    # when
    with pytest.raises(ValidationError) as raised:
        profile_update(user=resident, **arguments)

    # then
    assert raised.value.message_dict == errors
    assert User.objects.get(pk=resident.pk).preferred_language == "en"


def test_database_refuses_text_messages_without_a_phone(resident):
    # when / then
    with pytest.raises(IntegrityError, match="accounts_user_sms_needs_phone"):
        User.objects.filter(pk=resident.pk).update(notify_by_sms=True, phone="")


def test_user_create_makes_the_account_and_its_e_mail_address():
    # when
    from allauth.account.models import EmailAddress

    from accounts.services import user_create

    user = user_create(
        email="Clerk@Springfield.example.gov",
        password="a-long-and-unusual-passphrase",
        full_name="Casey Brooks",
        is_staff=True,
        email_verified=True,
    )

    # then
    assert user.email == "Clerk@springfield.example.gov"
    assert user.is_staff and not user.is_superuser
    assert user.check_password("a-long-and-unusual-passphrase")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (user.email, True, True)


def test_user_create_refuses_an_address_taken_in_another_case(resident):
    # when / then
    from accounts.services import user_create

    with pytest.raises(IntegrityError):
        user_create(email=resident.email.upper(), password=None)


def test_staff_group_ensure_adds_missing_permissions_and_keeps_granted_ones():
    # given
    from django.contrib.auth.models import Group, Permission

    from accounts.services import staff_group_ensure

    group = staff_group_ensure(name="Clerks", permissions=["accounts.view_user"])
    group.permissions.add(Permission.objects.get(codename="change_user"))

    # when
    again = staff_group_ensure(
        name="Clerks", permissions=["accounts.view_user", "accounts.add_user", "nope.nothing"]
    )

    # then
    assert again == group
    assert Group.objects.count() == 1
    assert sorted(group.permissions.values_list("codename", flat=True)) == [
        "add_user",
        "change_user",
        "view_user",
    ]


def test_mfa_totp_enrol_turns_on_totp_and_recovery_codes_once(clerk):
    # given
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt, is_mfa_enabled

    from accounts.services import mfa_totp_enrol

    # when
    first = mfa_totp_enrol(user=clerk, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    second = mfa_totp_enrol(user=clerk, secret="ANOTHERSECRETANOTHERSECRETANOTHE")

    # then
    assert (first, second) == (True, False)
    assert is_mfa_enabled(clerk)
    totp = Authenticator.objects.get(user=clerk, type=Authenticator.Type.TOTP)
    assert decrypt(totp.data["secret"]) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert sorted(Authenticator.objects.filter(user=clerk).values_list("type", flat=True)) == [
        "recovery_codes",
        "totp",
    ]
