import json

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission

from portal.celery import app as celery_app
from tests.payments.stripe_stub import StripeStub, signature_header

WEBHOOK_SECRET = "whsec_test_portal_secret"


@pytest.fixture(autouse=True)
def _payments_settings(settings, tmp_path):
    """The local gateway unless a test asks for Stripe; Celery tasks run inline."""
    settings.PAYMENTS_GATEWAY = "local"
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_API_BASE = ""
    settings.SITE_URL = "https://portal.example.gov"
    eager, propagates = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = eager
    celery_app.conf.task_eager_propagates = propagates


@pytest.fixture
def stripe_stub():
    stub = StripeStub().start()
    yield stub
    stub.stop()


@pytest.fixture
def stripe_gateway(settings, stripe_stub):
    """Stripe as the gateway, its API answered by the local stub."""
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = "sk_test_portal"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_stub.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    return stripe_stub


@pytest.fixture
def post_event(client):
    """POST a Stripe event to the webhook, signed as Stripe signs it (or as told)."""

    def post(
        event: dict | str,
        *,
        secret: str = WEBHOOK_SECRET,
        timestamp: int | None = None,
        header=None,
    ):
        body = event if isinstance(event, str) else json.dumps(event)
        if header is None:
            header = signature_header(body, secret, timestamp=timestamp)
        extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
        return client.post(
            "/payments/stripe/webhook/", data=body, content_type="application/json", **extra
        )

    return post


@pytest.fixture
def clerk(db):
    """A clerk who is also the agency's cashier: takes counter payments and refunds."""
    from tests.accounts.factories import StaffFactory

    return StaffFactory(roles=["clerk", "cashier"])


@pytest.fixture
def payments_clerk(clerk):
    """A clerk who works payments in the back office, with TOTP enrolled (staff need MFA)."""
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="payments",
            codename__in=[
                "view_invoice",
                "delete_invoice",
                "view_payment",
                "add_payment",
                "view_refund",
                "view_refundrequest",
                "add_refund",
                "view_receipt",
                "view_stripeevent",
            ],
        )
    )
    TOTP.activate(clerk, generate_totp_secret())
    return clerk
