"""The local test gateway: the default on a machine with no Stripe keys.

Its checkout page (`payments:local_checkout`) says plainly that no money moves and lets the
payer approve or decline; either answer goes through the same settlement service as Stripe.
"""

from __future__ import annotations

from django.urls import reverse

from payments.gateways.base import CheckoutStart, CheckoutState, Gateway, RefundResult


class LocalGateway(Gateway):
    code = "local"

    def start_checkout(self, *, payment, invoice, success_url, cancel_url) -> CheckoutStart:
        return CheckoutStart(
            redirect_url=reverse(
                "payments:local_checkout", kwargs={"public_id": payment.public_id}
            ),
            provider_reference=f"local_{payment.public_id.hex}",
            expires_at=payment.expires_at,
        )

    def checkout_state(self, *, payment) -> CheckoutState | None:
        # The portal itself is the provider: its own row is the whole truth.
        return None

    def refund(self, *, payment, refund) -> RefundResult:
        # Named by the refund's idempotency key, as Stripe answers a repeated key with the
        # refund it made: asked twice, it names one refund (the reference is unique).
        return RefundResult(
            provider_reference=f"local_re_{refund.idempotency_key.hex}",
            provider_status="succeeded",
        )
