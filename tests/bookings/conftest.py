# The payments app's fixtures (local gateway by default, Celery inline, the Stripe stub and
# its signed webhooks), for checkout and refund tests.
from tests.payments.conftest import (  # noqa: F401
    _payments_settings,
    clerk,
    post_event,
    stripe_gateway,
    stripe_stub,
)
