import copy
from pathlib import Path

import pytest

from notifications import sms

TEST_TEMPLATES = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _notification_settings(settings):
    """Test-only message templates (key "tests/greeting"), SMS recorded in a list, fast hashing."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], TEST_TEMPLATES]
    settings.TEMPLATES = templates
    settings.SMS_BACKEND = "notifications.sms.LocmemSMSBackend"
    # Residents are made by the dozen here; the production hasher would take seconds each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SITE_URL = "https://portal.example.gov"
    sms.outbox.clear()
    yield
    sms.outbox.clear()
