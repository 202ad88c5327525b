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
