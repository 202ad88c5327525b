"""Stripe Checkout, through the official `stripe` library.

One Checkout Session per payment attempt, created with the attempt's idempotency key (a
retried request returns the same session), the invoice in its metadata, an expiry, and the
portal's return addresses. Settlement never trusts the payer's redirect: it comes from the
signed webhook (`payments.services.webhook_event_apply`) or from asking Stripe for the session
(`checkout_state`). Refunds go through Stripe's refund API with the refund's idempotency key,
also kept in the refund's metadata: Stripe forgets a key after 24 hours, so a refund asked for
again after that is first looked for among the payment's refunds (`refunds_of`, through
`find_refund`). The same list answers a `charge.refunded` event, whose charge no longer
embeds its refunds (API version 2022-11-15 on).
"""

from __future__ import annotations

import datetime
import json
import logging

import stripe
from django.conf import settings
from django.utils import timezone

from payments.gateways.base import (
    CheckoutStart,
    CheckoutState,
    Gateway,
    GatewayError,
    ProviderRefund,
    RefundResult,
)

logger = logging.getLogger(__name__)

# Stripe accepts a session expiry between 30 minutes and 24 hours ahead.
_MIN_EXPIRY = datetime.timedelta(minutes=30)
_MAX_EXPIRY = datetime.timedelta(hours=24)


# Stripe's events nest a few levels; far deeper is no event, and would exhaust the parsers.
_MAX_EVENT_DEPTH = 32


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def event_payload(body: str) -> dict:
    """Parse a webhook body as the JSON object the event table can keep.

    Raises ValueError for anything else: not a JSON object, NaN or Infinity (not JSON, and
    PostgreSQL refuses them), a NUL in any text (PostgreSQL's JSON cannot hold one),
    nesting deeper than any Stripe event, or an object that is no event (no id or type, or
    no data object).
    """
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("nested too deep") from None
    if not isinstance(payload, dict):
        raise ValueError("not an object")
    pending = [(payload, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > _MAX_EVENT_DEPTH:
            raise ValueError("nested too deep")
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("NUL in text")
        elif isinstance(value, dict):
            pending.extend((item, depth + 1) for item in [*value.keys(), *value.values()])
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    event_id, event_type, data = payload.get("id"), payload.get("type"), payload.get("data")
    if not (isinstance(event_id, str) and event_id and isinstance(event_type, str)):
        raise ValueError("Not a Stripe event: no id or type.")
    if not (isinstance(data, dict) and isinstance(data.get("object"), dict)):
        raise ValueError("Not a Stripe event: no data object.")
    return payload


def stripe_client() -> stripe.StripeClient:
    """Return a client configured from settings (STRIPE_API_BASE points it at a stub)."""
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=base_addresses,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        # A slow Stripe holds no lock (the services call it outside transactions), but the
        # payer or the worker waits: give up after this and let the retry task finish it.
        http_client=stripe.RequestsClient(timeout=settings.PAYMENTS_GATEWAY_TIMEOUT_SECONDS),
    )


# No answer, or an answer that does not settle the request: the same call may be made again.
# A 409 (IdempotencyError) is a call with the same key still in progress at Stripe.
_RETRYABLE = (
    stripe.APIConnectionError,
    stripe.RateLimitError,
    stripe.APIError,
    stripe.IdempotencyError,
)


def _gateway_error(error: stripe.StripeError) -> GatewayError:
    retryable = isinstance(error, _RETRYABLE) or (error.http_status or 0) >= 500
    return GatewayError(_describe(error), retryable=retryable)


def _describe(error: stripe.StripeError) -> str:
    # Stripe's messages may quote the payer's card or e-mail: keep the kind and the code.
    code = error.code or error.http_status or ""
    return f"{type(error).__name__} ({code})" if code else type(error).__name__


def _metadata(payment, invoice) -> dict[str, str]:
    return {
        "invoice_id": str(invoice.pk),
        "invoice_reference": invoice.reference,
        "payment_id": str(payment.pk),
    }


# Stripe's ids are far shorter; the columns that keep them hold 255 characters.
_MAX_ID_LENGTH = 255
_MAX_CENTS = 2**63 - 1


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def stripe_id(value) -> str:
    """`value` if it can be a Stripe id (text that fits the columns), else ""."""
    return value if isinstance(value, str) and len(value) <= _MAX_ID_LENGTH else ""


def state_from_session(session: dict) -> CheckoutState:
    """Read a Checkout Session (as a dict, from the API or a webhook) as a CheckoutState.

    A field of another type than Stripe's reads as missing: an amount that is no whole,
    non-negative number of cents is None, so it matches no invoice.
    """
    payment_intent = session.get("payment_intent")
    if isinstance(payment_intent, dict):
        payment_intent = payment_intent.get("id")
    amount = session.get("amount_total")
    return CheckoutState(
        status=_text(session.get("status")) or "open",
        paid=_text(session.get("payment_status")) in {"paid", "no_payment_required"},
        amount_cents=amount if type(amount) is int and 0 <= amount <= _MAX_CENTS else None,
        currency=_text(session.get("currency")).upper(),
        provider_payment_id=stripe_id(payment_intent),
    )


class StripeGateway(Gateway):
    code = "stripe"

    def start_checkout(self, *, payment, invoice, success_url, cancel_url) -> CheckoutStart:
        now = timezone.now()
        expires_at = min(max(payment.expires_at, now + _MIN_EXPIRY), now + _MAX_EXPIRY)
        lines = list(invoice.lines.all())
        if payment.amount_cents == sum(line.amount_cents for line in lines) and all(
            line.amount_cents >= 0 for line in lines
        ):
            line_items = [
                {
                    "price_data": {
                        "currency": invoice.currency.lower(),
                        "unit_amount": line.unit_amount_cents,
                        "product_data": {"name": line.description},
                    },
                    "quantity": line.quantity,
                }
                for line in lines
                if line.amount_cents > 0
            ]
        else:
            # A part payment, or a balance after credits: one line of exactly that amount.
            line_items = [
                {
                    "price_data": {
                        "currency": invoice.currency.lower(),
                        "unit_amount": payment.amount_cents,
                        "product_data": {"name": f"{invoice.reference} {invoice.description}"},
                    },
                    "quantity": 1,
                }
            ]
        params = {
            "mode": "payment",
            "line_items": line_items,
            "client_reference_id": invoice.reference,
            "metadata": _metadata(payment, invoice),
            "payment_intent_data": {"metadata": _metadata(payment, invoice)},
            "expires_at": int(expires_at.timestamp()),
            # Stripe puts the session id in place of the placeholder.
            "success_url": f"{success_url}?session_id={{CHECKOUT_SESSION_ID}}",
            "cancel_url": cancel_url,
            "locale": "es" if invoice.language == "es" else "en",
        }
        if payment.payer_email or invoice.payer_email:
            params["customer_email"] = payment.payer_email or invoice.payer_email
        try:
            session = (
                stripe_client()
                .v1.checkout.sessions.create(
                    params, {"idempotency_key": f"checkout-{payment.idempotency_key}"}
                )
                .to_dict()
            )
        except stripe.StripeError as error:
            logger.warning(
                "Stripe refused a checkout for payment %s: %s", payment.pk, _describe(error)
            )
            raise _gateway_error(error) from error
        return CheckoutStart(
            redirect_url=session["url"],
            provider_reference=session["id"],
            expires_at=datetime.datetime.fromtimestamp(session["expires_at"], tz=datetime.UTC),
        )

    def checkout_state(self, *, payment) -> CheckoutState | None:
        if not payment.provider_reference:
            return None
        try:
            session = (
                stripe_client().v1.checkout.sessions.retrieve(payment.provider_reference).to_dict()
            )
        except stripe.StripeError as error:
            logger.warning(
                "Could not read the checkout of payment %s: %s", payment.pk, _describe(error)
            )
            raise _gateway_error(error) from error
        return state_from_session(session)

    def expire_checkout(self, *, payment) -> None:
        if not payment.provider_reference:
            return
        try:
            stripe_client().v1.checkout.sessions.expire(payment.provider_reference)
        except stripe.StripeError as error:
            # Already complete or expired: either way it can no longer take a payment.
            logger.info("Checkout of payment %s not expired: %s", payment.pk, _describe(error))

    def refund(self, *, payment, refund) -> RefundResult:
        if not payment.provider_payment_id:
            raise GatewayError("The payment has no Stripe payment intent to refund.")
        params = {
            "payment_intent": payment.provider_payment_id,
            "amount": refund.amount_cents,
            "metadata": {
                "invoice_reference": payment.invoice.reference,
                "payment_id": str(payment.pk),
                "refund_id": str(refund.pk),
                # What `find_refund` looks for once Stripe has forgotten the key (24 hours).
                "idempotency_key": str(refund.idempotency_key),
            },
        }
        try:
            result = (
                stripe_client()
                .v1.refunds.create(params, {"idempotency_key": f"refund-{refund.idempotency_key}"})
                .to_dict()
            )
        except stripe.StripeError as error:
            logger.warning("Stripe refused refund %s: %s", refund.pk, _describe(error))
            raise _gateway_error(error) from error
        return _refund_result(result)

    def refunds_of(self, *, payment) -> list[ProviderRefund]:
        if not payment.provider_payment_id:
            return []
        try:
            listing = stripe_client().v1.refunds.list(
                {"payment_intent": payment.provider_payment_id, "limit": 100}
            )
            listed = [_provider_refund(item.to_dict()) for item in listing.auto_paging_iter()]
        except stripe.StripeError as error:
            logger.warning(
                "Could not list the refunds of payment %s: %s", payment.pk, _describe(error)
            )
            # Whatever Stripe answered, the look-up was not made: what was refunded is still
            # unknown. Never a refusal, which would have a refund asked for again as a new
            # refund under a new key (`refund_retry`), and made twice if Stripe made it.
            raise GatewayError(_describe(error), retryable=True) from error
        return [made for made in listed if made is not None]


def _provider_refund(item: dict) -> ProviderRefund | None:
    """Read a refund from Stripe's list; None for one with no usable id or amount."""
    refund_id, amount = stripe_id(item.get("id")), item.get("amount")
    if not refund_id or type(amount) is not int or not 0 < amount <= _MAX_CENTS:
        logger.warning("Stripe listed a refund the portal cannot read: %r", refund_id)
        return None
    metadata = item.get("metadata")
    return ProviderRefund(
        provider_reference=refund_id,
        amount_cents=amount,
        status=_text(item.get("status")),
        metadata={
            key: value
            for key, value in (metadata.items() if isinstance(metadata, dict) else ())
            if isinstance(key, str) and isinstance(value, str)
        },
    )


def _refund_result(result: dict) -> RefundResult:
    if result.get("status") in {"failed", "canceled"}:
        raise GatewayError(f"Refund {result.get('status')}")
    return RefundResult(provider_reference=result["id"], provider_status=result.get("status") or "")
