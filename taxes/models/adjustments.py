"""Staff's adjustments and abatements of a bill, each with its reason and who made it.

What was billed is never rewritten: a staff adjustment adds an adjustment line to the bill
and moves one instalment's `adjustment_cents`, as a corrected roll does, and keeps this
audit row beside it (who, when, why, and the instalment's principal before and after). The
database refuses an adjustment of zero, one without a reason, an abatement that adds to the
bill, and a row whose before and after do not agree with its amount or leave a principal
below zero.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel
from taxes.models.bills import BillLine, Instalment, TaxBill


class AdjustmentKind(models.TextChoices):
    # A reduction granted after billing (a senior or disaster relief, an error in the owner's
    # favour): never more than the principal still unpaid.
    ABATEMENT = "abatement", _("Abatement")
    # A correction either way (a clerical error, a late exemption removed).
    CORRECTION = "correction", _("Correction")


class BillAdjustment(TimeStampedModel):
    bill = models.ForeignKey(
        TaxBill, on_delete=models.PROTECT, related_name="adjustments", verbose_name=_("bill")
    )
    instalment = models.ForeignKey(
        Instalment,
        on_delete=models.PROTECT,
        related_name="adjustments",
        verbose_name=_("instalment"),
    )
    line = models.OneToOneField(
        BillLine, on_delete=models.PROTECT, related_name="adjustment", verbose_name=_("line")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=AdjustmentKind.choices)
    amount_cents = models.BigIntegerField(_("amount"))
    reason = models.CharField(_("reason"), max_length=200)
    principal_before_cents = models.BigIntegerField(_("principal before"))
    principal_after_cents = models.BigIntegerField(_("principal after"))
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("made by"),
    )

    class Meta:
        verbose_name = _("bill adjustment")
        verbose_name_plural = _("bill adjustments")
        ordering = ["bill", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AdjustmentKind.values), name="taxes_adjustment_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(amount_cents=0), name="taxes_adjustment_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind=AdjustmentKind.ABATEMENT) | Q(amount_cents__lt=0),
                name="taxes_abatement_reduces",
            ),
            models.CheckConstraint(
                condition=Q(
                    principal_after_cents=F("principal_before_cents") + F("amount_cents"),
                    principal_after_cents__gte=0,
                ),
                name="taxes_adjustment_before_after",
            ),
            models.CheckConstraint(
                condition=~Q(reason__regex=r"^\s*$"),
                name="taxes_adjustment_reason_given",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill.number} {self.get_kind_display()}"


__all__ = ["AdjustmentKind", "BillAdjustment"]
