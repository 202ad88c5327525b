"""Tax bills: one per parcel and tax year, with its lines and one to four instalments.

What was billed is never rewritten. A corrected roll adds adjustment lines (and moves each
instalment's `adjustment_cents`), so the bill's history reads like the paper trail it
replaces: levies and exemptions as first billed, then each correction with the import that
made it. All amounts are integer cents; the database refuses a levy below zero, an exemption
above zero, an adjustment of zero and an instalment whose due amount would go below zero.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel
from taxes.codes import access_code_new
from taxes.models.parcels import Parcel

# Bill numbers as printed ("2026-0001234"): letters, digits and dashes, upper case.
BILL_NUMBER_PATTERN = r"^[0-9A-Z][0-9A-Z\-]{0,31}$"
MAX_INSTALMENTS = 4


class RollImport(TimeStampedModel):
    """One applied import of the assessor's roll: what file, by whom, what it changed."""

    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    parcels_created = models.PositiveIntegerField(_("parcels created"), default=0)
    bills_created = models.PositiveIntegerField(_("bills created"), default=0)
    bills_adjusted = models.PositiveIntegerField(_("bills adjusted"), default=0)
    bills_unchanged = models.PositiveIntegerField(_("bills unchanged"), default=0)
    # Rows naming another lender than the one whose confirmed escrow file declared the bill
    # (imported all the same, the bill keeping the file's lender), and of those, the ones this
    # import was the first to record on the bill's timeline.
    lender_conflicts = models.PositiveIntegerField(_("lender conflicts"), default=0)
    lender_conflicts_new = models.PositiveIntegerField(_("new lender conflicts"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("roll import")
        verbose_name_plural = _("roll imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class TaxBill(TimeStampedModel):
    # Indexed by the (parcel, tax_year) constraint.
    parcel = models.ForeignKey(
        Parcel,
        on_delete=models.PROTECT,
        related_name="bills",
        verbose_name=_("parcel"),
        db_index=False,
    )
    tax_year = models.PositiveSmallIntegerField(_("tax year"))
    number = models.CharField(_("bill number"), max_length=32)  # unique: see Meta
    # Printed on the paper bill: the look-up's second factor for whoever holds the bill. A
    # random code (not derived from anything on the bill), compared in constant time.
    access_code = models.CharField(
        _("access code"), max_length=16, default=access_code_new, editable=False
    )
    escrow_lender = models.CharField(
        _("escrow lender"),
        max_length=200,
        blank=True,
        help_text=_("The mortgage lender who pays this bill from escrow, if any."),
    )
    roll_import = models.ForeignKey(
        RollImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bills",
        verbose_name=_("imported in"),
        # Neither indexed nor a database constraint: a reference for the audit, to a record
        # that is never deleted, not worth an index and a check on each of a million rows.
        db_index=False,
        db_constraint=False,
    )
    # The MD5 (hex) of the roll's billed values for this bill as last imported: its lines
    # (kind, district, amount) and instalments (sequence, due date, amount), in a canonical
    # order. A re-import compares this one column and skips the bills whose roll row did not
    # change; empty for a bill no roll wrote (it is compared in full). See
    # taxes.services.roll_staging.
    # Also a database default: set-based loads insert bills in SQL without it.
    roll_digest = models.CharField(
        _("roll digest"), max_length=32, blank=True, default="", db_default="", editable=False
    )

    class Meta:
        verbose_name = _("tax bill")
        verbose_name_plural = _("tax bills")
        ordering = ["-tax_year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="taxes_bill_number_unique"),
            models.UniqueConstraint(
                fields=["parcel", "tax_year"], name="taxes_bill_one_per_parcel_year"
            ),
            models.CheckConstraint(
                condition=Q(number__regex=BILL_NUMBER_PATTERN), name="taxes_bill_number_format"
            ),
            models.CheckConstraint(
                condition=Q(tax_year__gte=1900, tax_year__lte=2200), name="taxes_bill_tax_year"
            ),
            models.CheckConstraint(
                condition=Q(access_code__regex=r"^[0-9A-F]{12}$"),
                name="taxes_bill_access_code_format",
            ),
            models.CheckConstraint(
                condition=Q(roll_digest__regex=r"^([0-9a-f]{32})?$"),
                name="taxes_bill_roll_digest_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.tax_year})"

    def access_code_matches(self, typed: str) -> bool:
        """Whether `typed` is this bill's access code (dashes, spaces and case ignored),
        compared in constant time so the answer's timing says nothing about the code."""
        cleaned = typed.replace("-", "").replace(" ", "").upper()
        return hmac.compare_digest(cleaned.encode(), self.access_code.encode())

    @property
    def access_code_printed(self) -> str:
        """The code as printed: "1A2B-3C4D-5E6F"."""
        code = self.access_code
        return "-".join(code[index : index + 4] for index in range(0, len(code), 4))


class LineKind(models.TextChoices):
    LEVY = "levy", _("Levy")
    EXEMPTION = "exemption", _("Exemption")
    ADJUSTMENT = "adjustment", _("Adjustment")


class BillLine(TimeStampedModel):
    """A levy by a taxing district (positive), an exemption (negative) or an adjustment
    (either sign, never zero) to the district's or exemption's line, with the import or the
    reason that made it."""

    bill = models.ForeignKey(
        TaxBill, on_delete=models.PROTECT, related_name="lines", verbose_name=_("bill")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices)
    district = models.CharField(
        _("district or exemption"),
        max_length=64,
        help_text=_("The taxing district's code (COUNTY, SCHOOL) or the exemption's (HOMESTEAD)."),
    )
    amount_cents = models.BigIntegerField(_("amount"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    roll_import = models.ForeignKey(
        RollImport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lines",
        verbose_name=_("imported in"),
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["bill", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LineKind.values), name="taxes_line_kind_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=LineKind.LEVY, amount_cents__gte=0)
                    | Q(kind=LineKind.EXEMPTION, amount_cents__lte=0)
                    | (Q(kind=LineKind.ADJUSTMENT) & ~Q(amount_cents=0))
                ),
                name="taxes_line_amount_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.district}"


class Instalment(TimeStampedModel):
    """One of a bill's one to four instalments.

    `amount_cents` is what the bill first asked for; `adjustment_cents` the sum of the
    corrections since; the principal due is their sum. What has been paid is kept apart for
    the principal, penalties and interest (a partial payment pays penalties and interest
    first), each dated in `InstalmentPayment`.
    """

    # Indexed by the (bill, sequence) constraint.
    bill = models.ForeignKey(
        TaxBill,
        on_delete=models.PROTECT,
        related_name="instalments",
        verbose_name=_("bill"),
        db_index=False,
    )
    sequence = models.PositiveSmallIntegerField(_("instalment"))
    due_date = models.DateField(_("due date"))
    amount_cents = models.BigIntegerField(_("amount billed"))
    adjustment_cents = models.BigIntegerField(_("adjustments"), default=0)
    principal_paid_cents = models.BigIntegerField(_("principal paid"), default=0)
    penalty_paid_cents = models.BigIntegerField(_("penalty paid"), default=0)
    interest_paid_cents = models.BigIntegerField(_("interest paid"), default=0)
    discount_cents = models.BigIntegerField(_("discount given"), default=0)

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["bill", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["bill", "sequence"], name="taxes_instalment_one_per_sequence"
            ),
            models.CheckConstraint(
                condition=Q(sequence__gte=1, sequence__lte=MAX_INSTALMENTS),
                name="taxes_instalment_sequence_range",
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=0), name="taxes_instalment_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gte=-F("adjustment_cents")),
                name="taxes_instalment_due_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    principal_paid_cents__gte=0,
                    penalty_paid_cents__gte=0,
                    interest_paid_cents__gte=0,
                    discount_cents__gte=0,
                ),
                name="taxes_instalment_paid_not_negative",
            ),
        ]
        indexes = [
            # The tax-reminder rule's probe (taxes/reminders.py): a bill's instalments still
            # owed, in due-date order, with every column the rule reads, so paid instalments
            # are never read and, once vacuumed, the table is not either. The condition is
            # the rule's `owed_cents > 0` written the same way: the planner uses a partial
            # index only when the query's condition matches it.
            models.Index(
                fields=["bill", "due_date"],
                include=[
                    "id",
                    "sequence",
                    "amount_cents",
                    "adjustment_cents",
                    "principal_paid_cents",
                    "discount_cents",
                ],
                condition=Q(
                    GreaterThan(
                        F("amount_cents")
                        + F("adjustment_cents")
                        - F("principal_paid_cents")
                        - F("discount_cents"),
                        0,
                    )
                ),
                name="taxes_instalment_owed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill.number} #{self.sequence}"

    @property
    def principal_cents(self) -> int:
        return self.amount_cents + self.adjustment_cents


class InstalmentPayment(TimeStampedModel):
    """How one payment was applied to one instalment, on the (agency) date it counts for."""

    instalment = models.ForeignKey(
        Instalment,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("instalment"),
    )
    paid_on = models.DateField(_("counts as paid on"))
    principal_cents = models.BigIntegerField(_("principal"), default=0)
    penalty_cents = models.BigIntegerField(_("penalty"), default=0)
    interest_cents = models.BigIntegerField(_("interest"), default=0)
    discount_cents = models.BigIntegerField(_("discount"), default=0)
    invoice_id = models.BigIntegerField(_("invoice"), null=True, blank=True)
    # Of `principal_cents`, what a corrected roll later made a credit on the payment (the
    # instalment now bills less than was paid on it): `principal_cents` stays as the payment
    # was first applied, for the audit; what pays the instalment is the difference.
    credited_cents = models.BigIntegerField(_("made a credit"), default=0, db_default=0)

    class Meta:
        verbose_name = _("instalment payment")
        verbose_name_plural = _("instalment payments")
        ordering = ["instalment", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    principal_cents__gte=0,
                    penalty_cents__gte=0,
                    interest_cents__gte=0,
                    discount_cents__gte=0,
                ),
                name="taxes_instalment_payment_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(credited_cents__gte=0, credited_cents__lte=F("principal_cents")),
                name="taxes_instalment_payment_credited_within_principal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instalment} {self.paid_on}"


class BillPayment(TimeStampedModel):
    """One online payment of a bill, applied once: the row is keyed by the payments app's
    invoice and the bill (a bulk payer's batch pays many bills with one invoice), so a
    replayed or duplicate settlement finds it and applies nothing more.

    `paid_on` is the agency's date the payment was started (the invoice's creation), which
    is the date it counts for: a payment begun before a due date and completed after it is
    on time. `credit_cents` is what was left over after the bill was paid off.
    """

    bill = models.ForeignKey(
        TaxBill, on_delete=models.PROTECT, related_name="payments", verbose_name=_("bill")
    )
    invoice_id = models.BigIntegerField(_("invoice"))
    amount_cents = models.BigIntegerField(_("amount"))
    paid_on = models.DateField(_("counts as paid on"))
    credit_cents = models.BigIntegerField(_("left over as credit"), default=0)
    # Set for a bulk payer's batch (one invoice for many bills); empty for a payment of this
    # bill alone, made by the owner or whoever holds the bill.
    batch = models.ForeignKey(
        "taxes.PaymentBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bill_payments",
        verbose_name=_("payment batch"),
    )

    class Meta:
        verbose_name = _("bill payment")
        verbose_name_plural = _("bill payments")
        ordering = ["bill", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice_id", "bill"], name="taxes_bill_payment_one_per_invoice_bill"
            ),
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0, credit_cents__gte=0),
                name="taxes_bill_payment_amounts",
            ),
            models.CheckConstraint(
                condition=Q(credit_cents__lte=F("amount_cents")),
                name="taxes_bill_payment_credit_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill.number} {self.paid_on}"

    @property
    def credit_refundable_cents(self) -> int:
        """The credit still to give back: all of it until a refund is asked; then none,
        unless that refund failed or the gateway later refused part of it, when what is
        still owed (the credit less its refunds that succeeded or are pending)."""
        from taxes.services import credits

        refund = getattr(self, "credit_refund", None)
        if self.credit_cents <= 0:
            return 0
        if refund is None:
            return self.credit_cents
        if refund.status == "failed" or credits.refused(refund):
            return credits.owed(refund)
        return 0
