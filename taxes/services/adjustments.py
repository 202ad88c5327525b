"""Staff's adjustments and abatements of a bill (see taxes.models.adjustments)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from cases import permissions
from taxes.exceptions import TaxesError
from taxes.models import AdjustmentKind, BillAdjustment, BillLine, Instalment, LineKind, TaxBill
from taxes.staff_permissions import require_tax_staff

logger = logging.getLogger(__name__)

# The district code of staff's adjustment lines, as the bill lists them.
STAFF_DISTRICT = {AdjustmentKind.ABATEMENT: "ABATEMENT", AdjustmentKind.CORRECTION: "CORRECTION"}


class AdjustmentRefused(TaxesError):
    """The adjustment would leave the bill wrong; nothing was changed."""


def bill_adjust(
    *,
    bill: TaxBill,
    instalment_id: int,
    kind: str,
    amount_cents: int,
    reason: str,
    actor,
) -> BillAdjustment:
    """Adjust one instalment of `bill` by `amount_cents` (negative lowers what is owed),
    with `reason`, as `actor`: an adjustment line on the bill, the instalment's adjustment
    moved, and the audit row, in one transaction.

    The instalment is locked while it is read, so two clerks abating at once cannot both
    take the same unpaid principal. Raises PermissionDenied for staff who may not adjust
    taxes, and AdjustmentRefused for an amount of zero, an abatement that adds, one larger
    than the principal still unpaid, or a correction that would take the principal below
    what has already been paid.
    """
    require_tax_staff(actor, permissions.MOVE)
    reason = " ".join(reason.split())
    if not reason:
        raise AdjustmentRefused(_("Give the reason for the adjustment: the owner may ask."))
    if amount_cents == 0:
        raise AdjustmentRefused(_("Enter an amount other than zero."))
    if kind == AdjustmentKind.ABATEMENT and amount_cents > 0:
        raise AdjustmentRefused(
            _("An abatement lowers what is owed: enter the amount to take off.")
        )
    with transaction.atomic():
        try:
            instalment = Instalment.objects.select_for_update().get(pk=instalment_id, bill=bill)
        except Instalment.DoesNotExist:
            raise AdjustmentRefused(_("That instalment is not on this bill.")) from None
        before = instalment.principal_cents
        unpaid = before - instalment.principal_paid_cents - instalment.discount_cents
        if amount_cents < 0 and -amount_cents > unpaid:
            raise AdjustmentRefused(
                _(
                    "That is more than the principal still unpaid on instalment %(number)s. "
                    "A paid amount is returned as a refund of a credit, not by an abatement."
                )
                % {"number": instalment.sequence}
            )
        line = BillLine.objects.create(
            bill=bill,
            kind=LineKind.ADJUSTMENT,
            district=STAFF_DISTRICT[AdjustmentKind(kind)],
            amount_cents=amount_cents,
            reason=reason,
        )
        Instalment.objects.filter(pk=instalment.pk).update(
            adjustment_cents=instalment.adjustment_cents + amount_cents
        )
        adjustment = BillAdjustment.objects.create(
            bill=bill,
            instalment=instalment,
            line=line,
            kind=kind,
            amount_cents=amount_cents,
            reason=reason,
            principal_before_cents=before,
            principal_after_cents=before + amount_cents,
            made_by=actor,
        )
    logger.info(
        "Bill %s instalment %s adjusted by %d cents (%s) by user %s",
        bill.number,
        instalment.sequence,
        amount_cents,
        kind,
        actor.pk,
    )
    return adjustment
