"""Applying a payment to a tax bill's instalments."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F

from taxes import charges
from taxes.models import Instalment, InstalmentPayment, TaxBill
from taxes.selectors import instalment_states, schedule_current


@transaction.atomic
def bill_payment_apply(
    *,
    bill: TaxBill,
    amount_cents: int,
    paid_on: datetime.date,
    invoice_id: int | None = None,
) -> charges.Application:
    """Apply `amount_cents` paid on `paid_on` (the agency's date the payment was started) to
    the bill: penalties and interest first, then principal, oldest instalment first.

    Writes one InstalmentPayment per instalment touched and moves the instalments' paid
    totals, in one transaction, the instalments locked (in primary-key order, like every
    lock on them, so two payments never deadlock). Returns the application, whose
    `left_over_cents` the caller turns into a credit. Raises ValueError below one cent.
    """
    instalments = list(Instalment.objects.select_for_update().filter(bill=bill).order_by("pk"))
    schedule = schedule_current(due_dates=[instalment.due_date for instalment in instalments])
    application = charges.payment_apply(
        amount_cents, instalment_states(instalments=instalments), schedule, paid_on
    )
    for allocation in application.allocations:
        InstalmentPayment.objects.create(
            instalment_id=allocation.key,
            paid_on=paid_on,
            principal_cents=allocation.principal_cents,
            penalty_cents=allocation.penalty_cents,
            interest_cents=allocation.interest_cents,
            discount_cents=allocation.discount_cents,
            invoice_id=invoice_id,
        )
        Instalment.objects.filter(pk=allocation.key).update(
            principal_paid_cents=F("principal_paid_cents") + allocation.principal_cents,
            penalty_paid_cents=F("penalty_paid_cents") + allocation.penalty_cents,
            interest_paid_cents=F("interest_paid_cents") + allocation.interest_cents,
            discount_cents=F("discount_cents") + allocation.discount_cents,
        )
    return application
