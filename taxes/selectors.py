"""Reads with a rule for the taxes app: the agency's schedule of charges, and what a bill
owes on a date."""

from __future__ import annotations

import datetime
from collections import defaultdict

from cases.service_levels import closed_days
from taxes import charges
from taxes.models import (
    DiscountRule,
    Instalment,
    InstalmentPayment,
    PenaltyKind,
    PenaltyRule,
    TaxBill,
)

# Closed days are looked up this far past the last due date: enough for any run of weekends
# and holidays that could push a due date on.
_CLOSED_WINDOW = datetime.timedelta(days=14)


def schedule_current(*, due_dates: list[datetime.date]) -> charges.Schedule:
    """The active penalty, interest and discount rules, with the agency's closed days around
    `due_dates`."""
    penalties, interest = [], None
    for rule in PenaltyRule.objects.filter(active=True).order_by("days_past_due"):
        if rule.kind == PenaltyKind.INTEREST:
            interest = (rule.days_past_due, rule.percent)
        else:
            penalties.append((rule.days_past_due, rule.percent))
    discounts = tuple(
        DiscountRule.objects.filter(active=True).values_list("months_before_due", "percent")
    )
    closed = (
        closed_days(start=min(due_dates), end=max(due_dates) + _CLOSED_WINDOW)
        if due_dates
        else frozenset()
    )
    return charges.Schedule(
        penalties=tuple(penalties), interest=interest, discounts=discounts, closed=closed
    )


def instalment_states(*, instalments: list[Instalment]) -> list[charges.InstalmentState]:
    """The instalments as `taxes.charges` reads them, with their dated principal payments."""
    payments = defaultdict(list)
    for instalment_id, paid_on, cents in (
        InstalmentPayment.objects.filter(instalment__in=instalments, principal_cents__gt=0)
        .order_by("paid_on")
        .values_list("instalment_id", "paid_on", "principal_cents")
    ):
        payments[instalment_id].append((paid_on, cents))
    return [
        charges.InstalmentState(
            key=instalment.pk,
            due_date=instalment.due_date,
            principal_cents=instalment.principal_cents,
            principal_payments=tuple(payments[instalment.pk]),
            penalty_paid_cents=instalment.penalty_paid_cents,
            interest_paid_cents=instalment.interest_paid_cents,
            discount_cents=instalment.discount_cents,
        )
        for instalment in instalments
    ]


def bill_payoff(*, bill: TaxBill, on: datetime.date) -> charges.Payoff:
    """What pays the bill off on `on` (principal, penalty, interest, less discount)."""
    instalments = list(bill.instalments.order_by("sequence"))
    schedule = schedule_current(due_dates=[instalment.due_date for instalment in instalments])
    return charges.payoff(instalment_states(instalments=instalments), schedule, on)
