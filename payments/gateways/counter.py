"""Payments taken at the counter (cash, check, card at the desk) and recorded by staff."""

from __future__ import annotations

from payments.gateways.base import CheckoutStart, CheckoutState, Gateway, RefundResult


class CounterGateway(Gateway):
    code = "counter"
    online = False

    def start_checkout(self, *, payment, invoice, success_url, cancel_url) -> CheckoutStart:
        raise TypeError("Counter payments are recorded by staff, not started by the payer.")

    def checkout_state(self, *, payment) -> CheckoutState | None:
        return None

    def refund(self, *, payment, refund) -> RefundResult:
        # The money is handed back at the desk; the portal records it.
        return RefundResult(provider_reference="", provider_status="succeeded")
