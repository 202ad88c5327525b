"""Mortgage lenders and their escrow files.

- A **lender** is an organisation that pays its borrowers' tax bills from escrow. Its name is
  what a bill's `escrow_lender` says (the owner reads "expected from <name>"); its members are
  the accounts that send its files.
- An **escrow file** is a lender's list of the parcels it escrows for a tax year (CSV: parcel
  number, optional loan reference). Uploaded, it is a preview of its rows; confirmed, its
  parcels' bills for that year are marked escrowed by the lender, except those another lender
  escrows (a conflict, left for the tax office to settle). The file, who sent and confirmed
  it, and what each row did stay as the record; each bill marked gets an entry on its
  timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel
from taxes.models.bills import TaxBill


class Lender(TimeStampedModel):
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("As the owners of the parcels it escrows will read it on their bills."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="tax_lenders",
        blank=True,
        verbose_name=_("members"),
        help_text=_("The accounts that send the lender's escrow files."),
    )

    class Meta:
        verbose_name = _("mortgage lender")
        verbose_name_plural = _("mortgage lenders")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="taxes_lender_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="taxes_lender_name_given"),
        ]

    def __str__(self) -> str:
        return self.name


class EscrowFileStatus(models.TextChoices):
    PREVIEW = "preview", _("To confirm")
    APPLIED = "applied", _("Confirmed")


class EscrowFile(TimeStampedModel):
    lender = models.ForeignKey(
        Lender, on_delete=models.PROTECT, related_name="escrow_files", verbose_name=_("lender")
    )
    tax_year = models.PositiveSmallIntegerField(_("tax year"))
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=EscrowFileStatus.choices,
        default=EscrowFileStatus.PREVIEW,
    )
    applied_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    bills_marked = models.PositiveIntegerField(_("bills marked"), default=0)
    bills_unchanged = models.PositiveIntegerField(_("bills escrowed already"), default=0)
    bills_conflicting = models.PositiveIntegerField(_("bills of another lender"), default=0)

    class Meta:
        verbose_name = _("escrow file")
        verbose_name_plural = _("escrow files")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EscrowFileStatus.values),
                name="taxes_escrow_file_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    status=EscrowFileStatus.PREVIEW,
                    applied_at__isnull=True,
                    applied_by__isnull=True,
                )
                | Q(status=EscrowFileStatus.APPLIED, applied_at__isnull=False),
                name="taxes_escrow_file_applied",
            ),
            models.CheckConstraint(
                condition=Q(tax_year__gte=1900, tax_year__lte=2200),
                name="taxes_escrow_file_tax_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lender} {self.tax_year}: {self.file_name}"


class EscrowOutcome(models.TextChoices):
    PENDING = "", _("Not confirmed yet")
    MARKED = "marked", _("Marked escrowed")
    UNCHANGED = "unchanged", _("Escrowed by you already")
    CONFLICT = "conflict", _("Escrowed by another lender")


class EscrowFileRow(models.Model):
    file = models.ForeignKey(
        EscrowFile, on_delete=models.CASCADE, related_name="rows", verbose_name=_("file")
    )
    row = models.PositiveIntegerField(_("row of the file"))
    bill = models.ForeignKey(
        TaxBill, on_delete=models.PROTECT, related_name="+", verbose_name=_("bill")
    )
    loan_reference = models.CharField(_("loan reference"), max_length=64, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=EscrowOutcome.choices, blank=True
    )

    class Meta:
        verbose_name = _("escrow file row")
        verbose_name_plural = _("escrow file rows")
        ordering = ["file", "row"]
        constraints = [
            models.UniqueConstraint(fields=["file", "bill"], name="taxes_escrow_row_one_per_bill"),
            models.CheckConstraint(
                condition=Q(outcome__in=EscrowOutcome.values),
                name="taxes_escrow_row_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_id} row {self.row}"
