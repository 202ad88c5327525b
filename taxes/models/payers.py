"""Who else pays tax bills, and what is given back.

- A **payment batch** is a bulk payer's file (a mortgage lender paying its escrowed parcels,
  a management company): one row per bill with the amount paid, checked against the bills
  when uploaded, then paid as one invoice. Once that invoice is paid, each bill is settled by
  its row's amount (`taxes.receivers`).
- A **credit refund** gives back a credit: what a payment brought beyond what the bill owed
  (the owner and the lender both paid). At most one per credit, by a UNIQUE constraint: a
  second click, or a clerk refunding the credit the owner just refunded, finds it and
  refunds nothing more.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel
from taxes.models.bills import BillPayment, TaxBill


class BatchStatus(models.TextChoices):
    READY = "ready", _("Ready to pay")
    PAID = "paid", _("Paid")
    # A second unpaid batch of the same file, found when the one-unpaid-batch-per-file rule
    # came (taxes 0012): the oldest stays to pay; this one is kept, never deleted, and is
    # still settled if an invoice issued for it is paid (its money is applied, never lost).
    REPLACED = "replaced", _("Replaced by an earlier upload of the same file")


class PaymentBatch(TimeStampedModel):
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payer"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    total_cents = models.BigIntegerField(_("total"))
    status = models.CharField(
        _("status"), max_length=8, choices=BatchStatus.choices, default=BatchStatus.READY
    )
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(total_cents__gt=0), name="taxes_batch_total"),
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values), name="taxes_batch_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[BatchStatus.READY, BatchStatus.REPLACED], paid_at__isnull=True
                )
                | Q(status=BatchStatus.PAID, paid_at__isnull=False),
                name="taxes_batch_paid_at",
            ),
            # The same file sent again (a double click on "upload") is the batch already
            # waiting to be paid, never a second one to pay the same bills twice.
            models.UniqueConstraint(
                fields=["payer", "file_sha256"],
                condition=Q(status=BatchStatus.READY),
                name="taxes_batch_one_ready_per_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d})"


class Discrepancy(models.TextChoices):
    NONE = "", _("As due")
    AMOUNT = "amount", _("Amount differs from what is due")
    PAID = "paid", _("Already paid")


class PaymentBatchLine(TimeStampedModel):
    batch = models.ForeignKey(
        PaymentBatch, on_delete=models.CASCADE, related_name="lines", verbose_name=_("batch")
    )
    row = models.PositiveIntegerField(_("row of the file"))
    bill = models.ForeignKey(
        TaxBill, on_delete=models.PROTECT, related_name="+", verbose_name=_("bill")
    )
    amount_cents = models.BigIntegerField(_("amount paid"))
    due_cents = models.BigIntegerField(_("owed when uploaded"))
    discrepancy = models.CharField(
        _("discrepancy"), max_length=8, choices=Discrepancy.choices, blank=True
    )

    class Meta:
        verbose_name = _("payment batch row")
        verbose_name_plural = _("payment batch rows")
        ordering = ["batch", "row"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "bill"], name="taxes_batch_line_one_per_bill"),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0, due_cents__gte=0), name="taxes_batch_line_amounts"
            ),
            models.CheckConstraint(
                condition=Q(discrepancy__in=Discrepancy.values),
                name="taxes_batch_line_discrepancy_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} row {self.row}"


class CreditRefundStatus(models.TextChoices):
    PENDING = "pending", _("Being refunded")
    REFUNDED = "refunded", _("Refunded")
    FAILED = "failed", _("Refund failed")


class CreditRefund(TimeStampedModel):
    # One refund per credit: the guard against a double click or two people at once.
    bill_payment = models.OneToOneField(
        BillPayment,
        on_delete=models.PROTECT,
        related_name="credit_refund",
        verbose_name=_("payment with the credit"),
    )
    amount_cents = models.BigIntegerField(_("amount"))
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=CreditRefundStatus.choices,
        default=CreditRefundStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    by_staff = models.BooleanField(_("by staff"), default=False)
    failure = models.CharField(_("why it failed"), max_length=255, blank=True)
    # The payments app's refunds that carry it (ids, as BillPayment keeps its invoice's): it
    # is refunded when they all succeeded, and may be asked again when they all failed, which
    # the gateway may answer long after the request (no signal says so).
    refund_ids = ArrayField(
        models.BigIntegerField(), verbose_name=_("refunds"), default=list, blank=True
    )

    class Meta:
        verbose_name = _("credit refund")
        verbose_name_plural = _("credit refunds")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0), name="taxes_credit_refund_amount"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CreditRefundStatus.values),
                name="taxes_credit_refund_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_payment} {self.amount_cents}"
