"""What the payments services refuse, with a message fit to show to the person who asked."""


class PaymentError(Exception):
    """Base of every refusal by the payments services; nothing was changed."""


class InvoiceNotPayable(PaymentError):
    """The invoice is paid, cancelled or expired: it cannot be paid (again)."""


class InvoiceNotOpen(PaymentError):
    """Only an unpaid invoice can be cancelled."""


class OnlinePaymentUnavailable(PaymentError):
    """No online gateway is configured (PAYMENTS_GATEWAY=none)."""


class PaymentRefused(PaymentError):
    """A counter payment does not match the invoice, or the actor may not record it."""


class RefundRefused(PaymentError):
    """The refund is above what is left to refund, on a payment that cannot be refunded, or
    asked by someone who may not issue refunds."""


class InvoiceExists(PaymentError):
    """An invoice asked for once per subject exists already for that purpose and subject.

    `existing` is that invoice, so the caller can link it instead of issuing a second."""

    def __init__(self, message: str, *, existing) -> None:
        super().__init__(message)
        self.existing = existing
