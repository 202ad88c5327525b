import datetime

import factory
from django.utils import timezone

from notifications.models import Notification, ReminderOccurrence, ReminderRule
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


class ReminderRuleFactory(factory.django.DjangoModelFactory):
    """A rule of licensing's source, 30 days before expiry, sent from midnight (so at once)."""

    class Meta:
        model = ReminderRule

    name = factory.Sequence(lambda n: f"Reminder {n}")
    source = "licensing.license_expiry"
    days = 30
    timing = ReminderRule.Timing.BEFORE
    channels = factory.LazyFunction(lambda: ["email", "sms", "in_app"])
    template_key = "licensing/renewal_reminder"
    send_at = datetime.time(0, 0)
    catch_up_days = 7


def reminder_rules(*days: int, **options) -> list[ReminderRule]:
    """Replace every reminder rule (those the migrations made included) with one per `days`."""
    ReminderOccurrence.objects.all().delete()
    ReminderRule.objects.all().delete()
    return [ReminderRuleFactory(days=d, **options) for d in days]
