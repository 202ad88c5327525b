import factory
from django.utils import timezone

from notifications.models import Notification
from tests.accounts.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    """A pending e-mail to a resident, due now, using the test templates ("tests/greeting")."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    to_address = factory.LazyAttribute(lambda n: n.recipient.email if n.recipient else "")
    channel = Notification.Channel.EMAIL
    template_key = "tests/greeting"
    context = factory.LazyFunction(lambda: {"topic": "your permit"})
    language = "en"
    dedupe_key = factory.Sequence(lambda n: f"test-{n}:email")
    available_at = factory.LazyFunction(timezone.now)


class InAppNotificationFactory(NotificationFactory):
    to_address = ""
    channel = Notification.Channel.IN_APP
    status = Notification.Status.SENT
    subject = factory.Sequence(lambda n: f"Message {n}")
    body = "Your permit was approved."
    sent_at = factory.LazyFunction(timezone.now)
    dedupe_key = factory.Sequence(lambda n: f"test-{n}:in_app")
