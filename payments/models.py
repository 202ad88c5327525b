"""The tables of money: invoices and their lines, payments, refunds, receipts, Stripe events.

Amounts are integer cents in the invoice's currency (settings.AGENCY["currency"] when the
invoice was issued). The money rules are database constraints, so no code path, admin edit or
bug can break them:

* a line's amount is its quantity times its unit amount; a charge is never negative, a credit
  never positive; the invoice's total is the sum of its lines (a deferred trigger checks it
  at commit) and is never negative;
* an invoice takes one or more payments (instalments, partial payments above its minimum):
  what was paid never exceeds the total, it is partly paid while something was paid and
  something is left, and paid exactly when the amount paid equals its total; its refund
  status matches what was refunded;
* nothing is refunded beyond what was paid, on the payment and on the invoice, counting the
  refunds still waiting for the gateway's answer;
* an invoice has at most one checkout attempt in progress;
* a Stripe event is stored once per event id, a Stripe object is linked to one row only.

Rows change only through `payments.services`; an invoice's status only through the services
that also announce it (`payments.signals.invoice_status_changed`).
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import TimeStampedModel
from portal.languages import LanguageField


class InvoiceStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("invoice status", "Due")
    PARTIALLY_PAID = "partially_paid", pgettext_lazy("invoice status", "Partly paid")
    PAID = "paid", pgettext_lazy("invoice status", "Paid")
    PARTIALLY_REFUNDED = "partially_refunded", pgettext_lazy("invoice status", "Partially refunded")
    REFUNDED = "refunded", pgettext_lazy("invoice status", "Refunded")
    VOID = "void", pgettext_lazy("invoice status", "Cancelled")
    EXPIRED = "expired", pgettext_lazy("invoice status", "Expired")


# Statuses in which an invoice takes payments (while it has not expired).
PAYABLE_STATUSES = (InvoiceStatus.OPEN, InvoiceStatus.PARTIALLY_PAID)

# Statuses in which the invoice's money has been received (and may have been refunded since).
SETTLED_STATUSES = (
    InvoiceStatus.PAID,
    InvoiceStatus.PARTIALLY_REFUNDED,
    InvoiceStatus.REFUNDED,
)
UNSETTLED_STATUSES = (InvoiceStatus.OPEN, InvoiceStatus.VOID, InvoiceStatus.EXPIRED)


class Invoice(TimeStampedModel):
    """Something a resident or guest owes the agency, with its lines.

    What it pays for: `purpose` names the owning app and the kind of charge
    (``"licensing.application_fee"``, ``"bookings.facility"``) and an optional generic link
    (`subject_type` + `subject_id`) points at the exact row (an application, a booking). The
    payments app never reads that row; it only hands both back in the
    `invoice_status_changed` signal so the owning app can find its own record.
    """

    Status = InvoiceStatus

    reference = models.CharField(_("reference"), max_length=24, unique=True, editable=False)
    purpose = models.CharField(
        _("purpose"),
        max_length=64,
        help_text=_('The owning service and kind of charge, e.g. "licensing.application_fee".'),
    )
    description = models.CharField(_("description"), max_length=200)
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("pays for (type)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_id = models.PositiveBigIntegerField(_("pays for (id)"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    # The owning app asks for this when its charge is made once per subject (a permit's fee):
    # the database then refuses a second invoice of the same purpose for the same subject.
    one_per_subject = models.BooleanField(
        _("one per subject"),
        default=False,
        editable=False,
        help_text=_("At most one invoice of this purpose is ever issued for what it pays for."),
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
    )
    guest_name = models.CharField(_("guest name"), max_length=150, blank=True)
    guest_email = models.EmailField(_("guest e-mail address"), blank=True)
    # A guest's language, so receipts and messages reach them in it; an account's preferred
    # language wins for residents.
    language = LanguageField(_("language"))
    currency = models.CharField(_("currency"), max_length=3)
    total_cents = models.BigIntegerField(_("total (cents)"))
    amount_paid_cents = models.BigIntegerField(_("paid (cents)"), default=0)
    amount_refunded_cents = models.BigIntegerField(_("refunded (cents)"), default=0)
    status = models.CharField(
        _("status"), max_length=24, choices=InvoiceStatus.choices, default=InvoiceStatus.OPEN
    )
    minimum_payment_cents = models.BigIntegerField(
        _("smallest part payment (cents)"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: the invoice is paid in one payment. Otherwise it may be paid in parts of "
            "at least this amount (or what is left, if less)."
        ),
    )
    # A number printed on a paper bill (a tax bill or parcel number), and the second factor
    # that proves the visitor holds the bill: the billed person's last name or a code.
    external_number = models.CharField(_("bill number"), max_length=64, blank=True)
    lookup_code = models.CharField(_("code printed on the bill"), max_length=32, blank=True)
    billed_last_name = models.CharField(_("billed person's last name"), max_length=150, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    expires_at = models.DateTimeField(
        _("expires"),
        null=True,
        blank=True,
        help_text=_("An unpaid invoice stops being payable at this time (e.g. a booking hold)."),
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    closed_at = models.DateTimeField(_("cancelled or expired"), null=True, blank=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InvoiceStatus.values), name="payments_invoice_status_known"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="payments_invoice_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(purpose__regex=r"^[a-z][a-z0-9_]*\.[a-z0-9_.-]+$"),
                name="payments_invoice_purpose_format",
            ),
            models.CheckConstraint(
                condition=Q(
                    total_cents__gte=0, amount_paid_cents__gte=0, amount_refunded_cents__gte=0
                ),
                name="payments_invoice_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded_cents__lte=F("amount_paid_cents")),
                name="payments_invoice_refunded_within_paid",
            ),
            # No payment ever takes more than the balance.
            models.CheckConstraint(
                condition=Q(amount_paid_cents__lte=F("total_cents")),
                name="payments_invoice_paid_within_total",
            ),
            models.CheckConstraint(
                condition=Q(minimum_payment_cents__isnull=True) | Q(minimum_payment_cents__gt=0),
                name="payments_invoice_minimum_positive",
            ),
            # Partly paid means something paid and something left; paid means paid in full.
            models.CheckConstraint(
                condition=(
                    Q(status__in=UNSETTLED_STATUSES, amount_paid_cents=0)
                    | Q(
                        status=InvoiceStatus.PARTIALLY_PAID,
                        amount_paid_cents__gt=0,
                        amount_paid_cents__lt=F("total_cents"),
                    )
                    | Q(
                        status=InvoiceStatus.PAID,
                        amount_paid_cents=F("total_cents"),
                        amount_paid_cents__gt=0,
                        paid_at__isnull=False,
                    )
                    | Q(
                        status__in=(InvoiceStatus.PARTIALLY_REFUNDED, InvoiceStatus.REFUNDED),
                        amount_paid_cents__gt=0,
                    )
                ),
                name="payments_invoice_paid_matches_status",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=InvoiceStatus.PAID, amount_refunded_cents=0)
                    | Q(
                        status=InvoiceStatus.PARTIALLY_REFUNDED,
                        amount_refunded_cents__gt=0,
                        amount_refunded_cents__lt=F("amount_paid_cents"),
                    )
                    | Q(
                        status=InvoiceStatus.REFUNDED,
                        amount_refunded_cents=F("amount_paid_cents"),
                    )
                    | Q(status__in=UNSETTLED_STATUSES, amount_refunded_cents=0)
                    | Q(status=InvoiceStatus.PARTIALLY_PAID, amount_refunded_cents=0)
                ),
                name="payments_invoice_refund_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(payer__isnull=False) | ~Q(guest_email=""),
                name="payments_invoice_has_payer",
            ),
            models.CheckConstraint(
                condition=(
                    Q(subject_type__isnull=True, subject_id__isnull=True)
                    | Q(subject_type__isnull=False, subject_id__isnull=False)
                ),
                name="payments_invoice_subject_complete",
            ),
            models.CheckConstraint(
                condition=Q(one_per_subject=False) | Q(subject_id__isnull=False),
                name="payments_invoice_one_per_subject_has_subject",
            ),
            models.UniqueConstraint(
                fields=["purpose", "subject_type", "subject_id"],
                condition=Q(one_per_subject=True),
                name="payments_invoice_one_per_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["payer", "-created_at"], name="payments_invoice_payer_new"),
            models.Index(fields=["subject_type", "subject_id"], name="payments_invoice_subject"),
            models.Index(
                fields=["expires_at"],
                condition=Q(status=InvoiceStatus.OPEN, expires_at__isnull=False),
                name="payments_invoice_open_expiry",
            ),
            models.Index(
                fields=["external_number"],
                condition=~Q(external_number=""),
                name="payments_invoice_external_no",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.description}"

    @property
    def payer_email(self) -> str:
        return self.payer.email if self.payer_id else self.guest_email

    @property
    def payer_name(self) -> str:
        return self.payer.full_name if self.payer_id else self.guest_name

    @property
    def is_payable(self) -> bool:
        return self.status in PAYABLE_STATUSES and (
            self.expires_at is None or self.expires_at > timezone.now()
        )

    @property
    def balance_cents(self) -> int:
        """What is left to pay (nothing once the invoice is closed or refunded)."""
        if self.status not in PAYABLE_STATUSES:
            return 0
        return self.total_cents - self.amount_paid_cents

    @property
    def accepts_part_payments(self) -> bool:
        return self.minimum_payment_cents is not None

    @property
    def smallest_payment_cents(self) -> int:
        """The least one payment may be now: the whole balance, or the minimum part."""
        balance = self.balance_cents
        if self.minimum_payment_cents is None:
            return balance
        return min(self.minimum_payment_cents, balance)

    @property
    def refundable_cents(self) -> int:
        return self.amount_paid_cents - self.amount_refunded_cents


class LineKind(models.TextChoices):
    CHARGE = "charge", _("Charge")
    ADJUSTMENT = "adjustment", _("Adjustment")
    CREDIT = "credit", _("Credit")


class InvoiceLine(models.Model):
    """One line of an invoice: a charge, an adjustment (either sign) or a credit (negative).

    Lines are written with their invoice, or added later by `invoice_add_line`, and never
    change; the invoice's total is their sum.
    """

    Kind = LineKind

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="lines"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    description = models.CharField(_("description"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=LineKind.choices, default=LineKind.CHARGE
    )
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_amount_cents = models.BigIntegerField(_("unit amount (cents)"))
    amount_cents = models.BigIntegerField(_("amount (cents)"))

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "position"], name="payments_line_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1)
                & (
                    Q(kind=LineKind.CHARGE, unit_amount_cents__gte=0)
                    | Q(kind=LineKind.CREDIT, unit_amount_cents__lt=0)
                    | Q(kind=LineKind.ADJUSTMENT)
                ),
                name="payments_line_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(amount_cents=F("quantity") * F("unit_amount_cents")),
                name="payments_line_amount_is_quantity_times_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class PaymentGateway(models.TextChoices):
    STRIPE = "stripe", _("Stripe (online)")
    LOCAL = "local", _("Test gateway (no money moves)")
    COUNTER = "counter", _("At the counter")


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card (online)")
    TEST = "test", _("Test payment")
    CASH = "cash", _("Cash")
    CHECK = "check", _("Check")
    CARD_AT_DESK = "card_at_desk", _("Card at the desk")


# Methods staff may record at the counter.
COUNTER_METHODS = (PaymentMethod.CASH, PaymentMethod.CHECK, PaymentMethod.CARD_AT_DESK)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("payment attempt status", "In progress")
    SUCCEEDED = "succeeded", pgettext_lazy("payment attempt status", "Succeeded")
    FAILED = "failed", pgettext_lazy("payment attempt status", "Declined")
    EXPIRED = "expired", pgettext_lazy("payment attempt status", "Expired")
    NEEDS_REVIEW = "needs_review", pgettext_lazy("payment attempt status", "Needs review")


class ReviewReason(models.TextChoices):
    AMOUNT_MISMATCH = "amount_mismatch", _("Amount or currency differs from the invoice")
    INVOICE_CLOSED = "invoice_closed", _("Invoice was no longer payable")
    DUPLICATE = "duplicate", _("Invoice was already paid by another payment")
    OVER_BALANCE = "over_balance", _("More than the balance left on the invoice")


class SettlementSource(models.TextChoices):
    WEBHOOK = "webhook", _("Stripe webhook")
    SESSION_CHECK = "session_check", _("Asked Stripe (webhook late or missing)")
    LOCAL = "local", _("Test gateway")
    COUNTER = "counter", _("Recorded at the counter")


class Payment(TimeStampedModel):
    """One attempt to pay an invoice through one gateway, and its outcome.

    An online attempt is `pending` while the payer is on the gateway's page; it ends
    succeeded, declined or expired. Money that arrives but cannot be applied (wrong amount,
    invoice already paid or closed) is kept as `needs_review` for staff, never applied.
    """

    Status = PaymentStatus
    Gateway = PaymentGateway
    Method = PaymentMethod

    # Names the attempt in URLs the payer carries (the local gateway's page): unguessable.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments"
    )
    gateway = models.CharField(_("gateway"), max_length=16, choices=PaymentGateway.choices)
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3)
    amount_refunded_cents = models.BigIntegerField(_("refunded (cents)"), default=0)
    # Refunds asked of the gateway and not answered yet: reserved, so two refunds in flight
    # never give back more than was paid.
    refund_pending_cents = models.BigIntegerField(_("refunds in progress (cents)"), default=0)
    # Sent with every gateway call that creates something, so a retried call never creates
    # a second checkout session.
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider_reference = models.CharField(
        _("gateway reference"), max_length=255, blank=True, help_text=_("Checkout session id.")
    )
    provider_payment_id = models.CharField(
        _("gateway payment id"), max_length=255, blank=True, help_text=_("Payment intent id.")
    )
    checkout_url = models.URLField(_("checkout page"), max_length=2000, blank=True)
    success_url = models.CharField(_("return address"), max_length=1000, blank=True)
    cancel_url = models.CharField(_("cancel address"), max_length=1000, blank=True)
    expires_at = models.DateTimeField(_("attempt expires"), null=True, blank=True)
    settled_at = models.DateTimeField(_("received"), null=True, blank=True)
    settled_via = models.CharField(
        _("confirmed by"), max_length=16, choices=SettlementSource.choices, blank=True
    )
    failure_reason = models.CharField(_("why it did not succeed"), max_length=255, blank=True)
    review_reason = models.CharField(
        _("review reason"), max_length=32, choices=ReviewReason.choices, blank=True
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Someone other than the person billed (a relative, a lender): their receipt goes to them.
    payer_name = models.CharField(_("paid by (name)"), max_length=150, blank=True)
    payer_email = models.EmailField(_("paid by (e-mail address)"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values), name="payments_payment_status_known"
            ),
            models.CheckConstraint(
                condition=Q(gateway__in=PaymentGateway.values),
                name="payments_payment_gateway_known",
            ),
            models.CheckConstraint(
                condition=Q(method__in=[*PaymentMethod.values, ""]),
                name="payments_payment_method_known",
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0, amount_refunded_cents__gte=0),
                name="payments_payment_amounts_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    refund_pending_cents__gte=0,
                    amount_refunded_cents__lte=F("amount_cents") - F("refund_pending_cents"),
                ),
                name="payments_payment_refunded_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(amount_refunded_cents=0) | Q(status=PaymentStatus.SUCCEEDED),
                name="payments_payment_refunds_only_when_succeeded",
            ),
            models.CheckConstraint(
                condition=~Q(status=PaymentStatus.SUCCEEDED) | Q(settled_at__isnull=False),
                name="payments_payment_succeeded_has_time",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=PaymentStatus.NEEDS_REVIEW) & ~Q(review_reason="")
                    | ~Q(status=PaymentStatus.NEEDS_REVIEW) & Q(review_reason="")
                ),
                name="payments_payment_review_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0) | ~Q(status=PaymentStatus.SUCCEEDED),
                name="payments_payment_succeeded_positive",
            ),
            # One checkout in progress per invoice: a double click reuses it.
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status=PaymentStatus.PENDING),
                name="payments_payment_one_pending_per_invoice",
            ),
            models.UniqueConstraint(
                fields=["gateway", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="payments_payment_provider_reference_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["provider_payment_id"],
                condition=~Q(provider_payment_id=""),
                name="payments_payment_provider_pay",
            ),
            models.Index(
                fields=["gateway", "expires_at"],
                condition=Q(status=PaymentStatus.PENDING),
                name="payments_payment_pending_exp",
            ),
            models.Index(fields=["settled_at"], name="payments_payment_settled_at"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.invoice.reference} · {self.get_gateway_display()} · {self.get_status_display()}"
        )

    @property
    def refundable_cents(self) -> int:
        if self.status != PaymentStatus.SUCCEEDED:
            return 0
        return self.amount_cents - self.amount_refunded_cents - self.refund_pending_cents


class RefundStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("refund status", "Asked of the gateway")
    SUCCEEDED = "succeeded", pgettext_lazy("refund status", "Refunded")
    FAILED = "failed", pgettext_lazy("refund status", "Refused by the gateway")


class RefundOrigin(models.TextChoices):
    STAFF = "staff", _("Issued by staff")
    POLICY = "policy", _("Under a refund policy")
    GATEWAY = "gateway", _("Made in the gateway's dashboard")


class RefundRequest(TimeStampedModel):
    """One service's request to give money back, recorded before the gateway is asked.

    Its `idempotency_key` comes from the service that asked (a key it carries with the
    request, such as a task's argument, or one derived from its own row with
    `payments.services.refund_key`) and is unique: asked again with the same key, after a
    worker died or a part was refused, `refund_by_policy` finishes this request (sends its
    refunds still waiting for the gateway, asks again only for a part refused) and never
    starts a second one. Its refunds are the parts, one per payment.
    """

    idempotency_key = models.UUIDField(unique=True, editable=False)
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    reason = models.CharField(_("reason"), max_length=255)
    policy = models.CharField(
        _("policy"), max_length=64, blank=True, help_text=_("The policy that started it.")
    )

    class Meta:
        verbose_name = _("refund request")
        verbose_name_plural = _("refund requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="payments_refundrequest_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy or '-'} · {self.amount_cents}"


class Refund(TimeStampedModel):
    """Money given back on a successful payment, whole or in part.

    `pending` while the gateway has not answered (its amount is reserved on the payment);
    `succeeded` once counted on the payment and the invoice; `failed` if the gateway refused,
    or if it never answered and the call was given up (`provider_status` "unknown": perhaps
    made; a request asks for it again under its own key, see `refund_by_policy`).

    Staff ask again for a refused one with `refund_retry`: a new refund of the same amount,
    its `retry_of`, whose key is derived from the refused one's; both are unique, so a
    refused refund is asked for again once, however often the form is sent.
    """

    Status = RefundStatus
    Origin = RefundOrigin

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    reason = models.CharField(_("reason"), max_length=255)
    status = models.CharField(
        _("status"), max_length=16, choices=RefundStatus.choices, default=RefundStatus.SUCCEEDED
    )
    origin = models.CharField(
        _("origin"), max_length=16, choices=RefundOrigin.choices, default=RefundOrigin.STAFF
    )
    policy = models.CharField(
        _("policy"), max_length=64, blank=True, help_text=_("The policy that started it.")
    )
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.ForeignKey(
        RefundRequest,
        verbose_name=_("request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        help_text=_("The service's request it is part of; empty for one staff issued."),
    )
    retry_of = models.OneToOneField(
        "self",
        verbose_name=_("asked again for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retry",
        help_text=_("The refused refund this one asks for again: each is asked again once."),
    )
    provider_reference = models.CharField(_("gateway reference"), max_length=255, blank=True)
    provider_status = models.CharField(_("gateway status"), max_length=32, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the refund was made in the gateway's own dashboard."),
    )

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="payments_refund_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values), name="payments_refund_status_known"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=RefundOrigin.values), name="payments_refund_origin_known"
            ),
            models.CheckConstraint(
                condition=~Q(retry_of=F("pk")), name="payments_refund_retry_of_another"
            ),
            models.UniqueConstraint(
                fields=["provider_reference"],
                condition=~Q(provider_reference=""),
                name="payments_refund_provider_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment.invoice.reference} · {self.amount_cents}"


class IntentKind(models.TextChoices):
    CHECKOUT = "checkout", _("Create a checkout")
    REFUND = "refund", _("Refund")


class IntentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the gateway")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Refused by the gateway")


class GatewayIntent(TimeStampedModel):
    """A call to the payment gateway, recorded before it is made.

    The gateway is never called inside a transaction or under a row lock: the service
    records this row (with the payment or refund it is for), commits, calls the gateway with
    the row's idempotency key, then records the answer in a new transaction. A call whose
    answer was never recorded (the worker died, the gateway timed out) stays `pending` and
    `payments.retry_gateway_intents` makes it again; the idempotency key makes the gateway
    answer a repeated call with the first call's result.
    """

    Kind = IntentKind
    Status = IntentStatus

    kind = models.CharField(_("kind"), max_length=16, choices=IntentKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=IntentStatus.choices, default=IntentStatus.PENDING
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="intents"
    )
    refund = models.OneToOneField(
        Refund,
        verbose_name=_("refund"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intent",
    )
    attempts = models.PositiveIntegerField(_("calls made"), default=0)
    # Set while a process is making the call: nobody else makes it before then.
    claimed_until = models.DateTimeField(_("call in progress until"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("gateway call")
        verbose_name_plural = _("gateway calls")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=IntentStatus.values), name="payments_intent_status_known"
            ),
            models.CheckConstraint(
                condition=Q(kind=IntentKind.CHECKOUT, refund__isnull=True)
                | Q(kind=IntentKind.REFUND, refund__isnull=False),
                name="payments_intent_refund_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(status=IntentStatus.PENDING, completed_at__isnull=True)
                | ~Q(status=IntentStatus.PENDING) & Q(completed_at__isnull=False),
                name="payments_intent_completed_has_time",
            ),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(kind=IntentKind.CHECKOUT),
                name="payments_intent_one_checkout_per_payment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["updated_at"],
                condition=Q(status=IntentStatus.PENDING),
                name="payments_intent_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.payment_id} · {self.get_status_display()}"


class ReceiptKind(models.TextChoices):
    PAYMENT = "payment", _("Payment receipt")
    REFUND = "refund", _("Refund receipt")


class Receipt(models.Model):
    """The numbered receipt of one payment or one refund; its PDF is drawn on demand."""

    Kind = ReceiptKind

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=ReceiptKind.choices)
    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="receipts"
    )
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="receipts"
    )
    refund = models.OneToOneField(
        Refund,
        verbose_name=_("refund"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt",
    )
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["issued_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="payments_receipt_amount_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=ReceiptKind.PAYMENT, refund__isnull=True)
                    | Q(kind=ReceiptKind.REFUND, refund__isnull=False)
                ),
                name="payments_receipt_kind_matches_refund",
            ),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(kind=ReceiptKind.PAYMENT),
                name="payments_receipt_one_per_payment",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class StripeEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not applied yet")
    WAITING = "waiting", _("Waiting for its payment")
    APPLIED = "applied", _("Applied")
    IGNORED = "ignored", _("Nothing to do")
    UNMATCHED = "unmatched", _("Could not be matched")
    FLAGGED = "flagged", _("Flagged for staff")


class StripeEvent(models.Model):
    """A verified Stripe webhook event, stored by its id before it is applied.

    The unique id makes every redelivery a no-op; the status records what applying it did.
    `waiting` is an event about a payment the portal has not recorded yet (Stripe delivers
    events in any order: a refund can come before its checkout's completion); it is applied
    when that payment is settled.
    """

    Status = StripeEventStatus

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    livemode = models.BooleanField(_("live mode"), default=False)
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=StripeEventStatus.choices,
        default=StripeEventStatus.RECEIVED,
    )
    detail = models.CharField(_("outcome"), max_length=255, blank=True)
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stripe_events",
    )
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stripe_events",
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=StripeEventStatus.values),
                name="payments_stripeevent_status_known",
            ),
        ]
        indexes = [
            models.Index(
                fields=["status", "-received_at"],
                condition=Q(status__in=["unmatched", "flagged", "received", "waiting"]),
                name="payments_event_attention",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
