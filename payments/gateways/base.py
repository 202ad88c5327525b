"""The interface every gateway implements, and the choice of gateway from settings.

A gateway only talks to the payment provider: it never writes the database. The services in
`payments.services` call it outside any transaction and row lock (see `GatewayIntent`), and
record what it answered, so the same settlement code runs whatever the gateway.
"""

from __future__ import annotations

import datetime
from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.conf import settings


class GatewayError(Exception):
    """The provider refused a request or could not be reached.

    `retryable` is true when the provider may not have had its say (no answer, a timeout, a
    server error, too many requests): the same call, with the same idempotency key, may be
    made again. False when the provider refused the request itself.

    `refunds`: when a refund spread over several payments (`refund_by_policy`) is refused
    in part, every refund that call recorded, the ones made and pending included; and
    `refund_id`, the id of the refund the provider refused (None for any other call).
    """

    def __init__(self, message: str = "", *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable
        self.refunds: list = []
        self.refund_id: int | None = None


@dataclass(frozen=True)
class CheckoutStart:
    """Where to send the payer, and the provider's name for the checkout."""

    redirect_url: str
    provider_reference: str
    expires_at: datetime.datetime


@dataclass(frozen=True)
class CheckoutState:
    """What the provider says about one checkout.

    `status`: "open" (the payer may still pay), "complete" or "expired". `paid` is true once
    the money is confirmed (a completed checkout with a delayed method is complete but not
    paid yet).
    """

    status: str
    paid: bool
    amount_cents: int | None
    currency: str
    provider_payment_id: str


@dataclass(frozen=True)
class RefundResult:
    provider_reference: str
    provider_status: str


@dataclass(frozen=True)
class ProviderRefund:
    """One refund as the provider keeps it.

    `status` is the provider's ("succeeded", "pending", "failed", "canceled"...); `metadata`
    is what the portal sent with a refund it asked for (`refund_id`, `idempotency_key`),
    empty for one made elsewhere (the provider's dashboard).
    """

    provider_reference: str
    amount_cents: int
    status: str
    metadata: dict[str, str]

    @property
    def made(self) -> bool:
        """Whether the money went, or is going, back (a failed or canceled refund gave none)."""
        return self.status in {"succeeded", "pending"}


class Gateway(ABC):
    code: str
    # Whether payers use it themselves online; the counter is staff-only.
    online: bool = True

    @abstractmethod
    def start_checkout(
        self, *, payment, invoice, success_url: str, cancel_url: str
    ) -> CheckoutStart:
        """Open a checkout for `payment` (pending, saved) of `invoice`; raise GatewayError."""

    @abstractmethod
    def checkout_state(self, *, payment) -> CheckoutState | None:
        """Ask the provider about `payment`'s checkout; None if the provider has no say."""

    @abstractmethod
    def refund(self, *, payment, refund) -> RefundResult:
        """Give back `refund.amount_cents` of `payment`; raise GatewayError if refused."""

    def refunds_of(self, *, payment) -> list[ProviderRefund] | None:
        """Every refund the provider keeps of `payment`, newest first; None if it keeps none
        to look up (the portal's own rows are then the whole truth).

        Raises GatewayError, always retryable, when the look-up could not be made (refused
        too: what was refunded is then unknown, never "nothing").
        """
        return None

    def find_refund(self, *, payment, refund) -> RefundResult | None:
        """The refund the provider made for `refund` (by its idempotency key), or None if it
        made none (or keeps nothing to look up: then the refund call's key is the guard).

        Asked before a refund call is made again, so a call whose answer was lost, however
        long ago, is never made twice. Raises GatewayError: retryable whenever the look-up
        could not be made (refused too: whether the refund was made is then unknown, and a
        refusal would have it asked for again as a new refund), not retryable only for a
        refund the provider made and then failed or canceled.
        """
        key = str(refund.idempotency_key)
        for made in self.refunds_of(payment=payment) or ():
            if made.metadata.get("idempotency_key") == key:
                if not made.made:
                    raise GatewayError(f"Refund {made.status}")
                return RefundResult(
                    provider_reference=made.provider_reference, provider_status=made.status
                )
        return None

    def expire_checkout(self, *, payment) -> None:  # noqa: B027 - optional for gateways
        """Close `payment`'s checkout so it can no longer be paid, where the provider can."""


def get_gateway(code: str) -> Gateway:
    """Return the gateway named `code` (a `PaymentGateway` value)."""
    from payments.gateways.counter import CounterGateway
    from payments.gateways.local import LocalGateway
    from payments.gateways.stripe import StripeGateway

    gateways = {"stripe": StripeGateway, "local": LocalGateway, "counter": CounterGateway}
    try:
        return gateways[code]()
    except KeyError:
        raise ValueError(f"Unknown payment gateway {code!r}.") from None


def online_gateway() -> Gateway | None:
    """Return the gateway residents pay through (settings.PAYMENTS_GATEWAY), or None if off."""
    if settings.PAYMENTS_GATEWAY == "none":
        return None
    return get_gateway(settings.PAYMENTS_GATEWAY)
