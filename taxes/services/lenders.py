"""Staff's changes of a bill's escrow lender: settling the roll's conflict with a lender's
escrow file, and a change made in the admin. Each is written on the bill's timeline with who
made it (the roll's and the lenders' files' own changes are in taxes.services.roll and
taxes.services.escrow)."""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import permissions
from taxes.exceptions import LenderConflictRefused, LenderConflictSettledAlready
from taxes.models import BillEvent, BillEventKind, TaxBill
from taxes.selectors_staff import LENDER_EVENTS, lender_conflict_open
from taxes.staff_permissions import require_tax_staff

logger = logging.getLogger(__name__)

KEEP_FILE, KEEP_ROLL = "file", "roll"
REASON_MAX_LENGTH = 200


def lender_conflict_settle(
    *, bill: TaxBill, conflict_id: int, keep: str, reason: str, actor
) -> BillEvent:
    """Settle the open conflict `conflict_id` on `bill` as `actor`: the bill keeps the lender
    of its escrow file (`keep="file"`) or takes the roll's (`keep="roll"`), for `reason`.

    Writes the settlement on the bill's timeline (staff's only: who, when, which lender,
    why) and, when the lender changes, the change (which the owner reads), in one
    transaction. The bill is locked while its timeline is read, so a double submit or two
    clerks at once settle it once; the event's unique key per conflict is the database's
    guard besides. Raises PermissionDenied for staff who may not decide for the tax office,
    LenderConflictRefused for a missing reason or choice, and LenderConflictSettledAlready
    when the conflict is no longer open.
    """
    require_tax_staff(actor, permissions.MOVE)
    if keep not in (KEEP_FILE, KEEP_ROLL):
        raise LenderConflictRefused(_("Choose the lender the bill keeps."), field="keep")
    reason = " ".join(reason.split())
    if not reason:
        raise LenderConflictRefused(
            _("Give the reason: it is kept for the audit, and the lenders may ask."),
            field="reason",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise LenderConflictRefused(
            _("Keep the reason to %(max)d characters.") % {"max": REASON_MAX_LENGTH},
            field="reason",
        )
    with transaction.atomic():
        locked = TaxBill.objects.select_for_update().get(pk=bill.pk)
        events = locked.events.filter(kind__in=LENDER_EVENTS).order_by("created_at", "id")
        conflict = lender_conflict_open(bill=locked, events=list(events))
        if conflict is None or conflict.pk != conflict_id:
            raise LenderConflictSettledAlready(
                _(
                    "The lender conflict on bill %(bill)s is no longer open: it was settled "
                    "already, or the bill's lender changed. Its timeline says how."
                )
                % {"bill": locked.number}
            )
        before = locked.escrow_lender
        roll_lender = str(conflict.data.get("roll_lender", "")).strip()
        after = before if keep == KEEP_FILE else roll_lender
        try:
            with transaction.atomic():
                settled = BillEvent.objects.create(
                    bill=locked,
                    kind=BillEventKind.LENDER_SETTLED,
                    key=f"lender-settled:{conflict.pk}",
                    actor=actor,
                    data={
                        "conflict": conflict.pk,
                        "kept": keep,
                        "lender": before,
                        "roll_lender": roll_lender,
                        "reason": reason,
                    },
                )
        except IntegrityError:
            raise LenderConflictSettledAlready(
                _("The lender conflict on bill %(bill)s was settled already.")
                % {"bill": locked.number}
            ) from None
        if after != before:
            TaxBill.objects.filter(pk=locked.pk).update(
                escrow_lender=after, updated_at=timezone.now()
            )
            BillEvent.objects.create(
                bill=locked,
                kind=BillEventKind.LENDER_CHANGED,
                key=f"lender-settled:{conflict.pk}:changed",
                actor=actor,
                data={"from": before, "to": after, "settled": settled.pk},
            )
    logger.info(
        "Bill %s lender conflict %s settled (%s kept) by user %s",
        locked.number,
        conflict.pk,
        keep,
        actor.pk,
    )
    return settled


def bill_lender_change(*, bill: TaxBill, lender: str, actor, reason: str) -> BillEvent | None:
    """Make `lender` the escrow lender of `bill`, as `actor` (in the admin, whose change
    permission the admin checked), and write the change on the bill's timeline with
    `reason`. An open conflict with the roll is closed by it. Returns the event, or None when
    the lender is the bill's already (nothing is written).

    Raises LenderConflictRefused when no reason is given (the admin's form asks for one)."""
    lender, reason = lender.strip(), (reason or "").strip()[:REASON_MAX_LENGTH]
    if not reason:
        raise LenderConflictRefused(_("Say why the escrow lender changes."))
    with transaction.atomic():
        locked = TaxBill.objects.select_for_update().get(pk=bill.pk)
        before = locked.escrow_lender
        if before == lender:
            return None
        TaxBill.objects.filter(pk=locked.pk).update(escrow_lender=lender, updated_at=timezone.now())
        event = BillEvent.objects.create(
            bill=locked,
            kind=BillEventKind.LENDER_CHANGED,
            key=f"lender-staff:{uuid.uuid4().hex}",
            actor=actor,
            data={"from": before, "to": lender, "reason": reason},
        )
    logger.info("Bill %s escrow lender changed by user %s", locked.number, actor.pk)
    return event
