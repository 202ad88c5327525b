import pytest

from notifications.models import Notification
from notifications.services import notification_send
from tests.accounts.factories import UserFactory


@pytest.mark.django_db
def test_send_to_user_with_default_preferences_writes_email_and_in_app():
    # given
    user = UserFactory(full_name="Ana Ruiz")

    # when
    rows = notification_send(
        template_key="tests/greeting", context={"topic": "permit"}, dedupe_key="k1", user=user
    )

    # then
    assert [(r.channel, r.status, r.to_address) for r in rows] == [
        ("email", "pending", user.email),
        ("in_app", "sent", ""),
    ]
    assert Notification.objects.count() == 2
