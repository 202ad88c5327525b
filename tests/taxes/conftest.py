import pytest

# The payments app's fixtures (local gateway by default, Celery inline), for paying bills.
from tests.payments.conftest import (  # noqa: F401
    _payments_settings,
    stripe_gateway,
    stripe_stub,
)


@pytest.fixture
def tax_reminder_rules(db):
    """The tax-due rules the migration makes: made again if a transactional test's flush
    removed them."""
    from importlib import import_module

    from django.apps import apps

    from notifications.models import ReminderRule
    from taxes.reminders import SOURCE_KEY

    if not ReminderRule.objects.filter(source=SOURCE_KEY).exists():
        import_module("taxes.migrations.0008_tax_reminder_rules").add_rules(apps, None)
    return list(ReminderRule.objects.filter(source=SOURCE_KEY))
