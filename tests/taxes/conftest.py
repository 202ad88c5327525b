# The payments app's fixtures (local gateway by default, Celery inline), for paying bills.
from tests.payments.conftest import _payments_settings  # noqa: F401
