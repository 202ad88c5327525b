"""Reads for the tax collector's staff: find a parcel, everything about it, and the bills
past due. Each reads in a number of queries that does not grow with the rows it lists
(charges are computed in Python from one read of the instalments and one of their
payments, with the agency's rules read once).

Callers check `taxes.staff_permissions` first; nothing here is shown to the public.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F, Min, Prefetch, Q, Sum
from django.db.models.functions import Upper

from cases.service_levels import closed_days, is_business_day
from taxes import charges
from taxes.models import (
    BillAdjustment,
    BillEvent,
    BillEventKind,
    Instalment,
    Owner,
    Parcel,
    TaxBill,
)
from taxes.selectors import instalment_states, schedule_current

SEARCH_RESULTS = 50


def parcels_search_for_staff(*, query: str) -> list[Parcel]:
    """Parcels found by parcel or bill number (exactly), owner's name or part of the
    address: at most SEARCH_RESULTS, with their owners."""
    text = " ".join(query.split())
    if not text:
        return []
    upper = text.upper()
    owners = Prefetch("owners", queryset=Owner.objects.order_by("position"))
    exact = list(
        Parcel.objects.filter(Q(number=upper) | Q(bills__number=upper))
        .distinct()
        .prefetch_related(owners)[:SEARCH_RESULTS]
    )
    if exact:
        return exact
    named = Owner.objects.filter(name__icontains=text).values("parcel_id")
    return list(
        Parcel.objects.annotate(address=Upper("situs_address"))
        .filter(Q(address__contains=upper) | Q(pk__in=named))
        .order_by("situs_address", "number")
        .prefetch_related(owners)[:SEARCH_RESULTS]
    )


@dataclass(frozen=True)
class BillOwed:
    """A bill as staff see it on a date: its instalments with what each owes."""

    bill: TaxBill
    instalments: list[tuple[Instalment, charges.InstalmentPayoff]]
    payoff: charges.Payoff


def _owed(bills: list[TaxBill], instalments: list[Instalment], on: datetime.date):
    schedule = schedule_current(due_dates=[instalment.due_date for instalment in instalments])
    states = instalment_states(instalments=instalments)
    by_bill = defaultdict(list)
    for instalment, state in zip(instalments, states, strict=True):
        by_bill[instalment.bill_id].append((instalment, state))
    owed = {}
    for bill in bills:
        rows = by_bill[bill.pk]
        payoff = charges.payoff([state for _, state in rows], schedule, on)
        lines = {line.key: line for line in payoff.instalments}
        owed[bill.pk] = BillOwed(
            bill=bill,
            instalments=[(instalment, lines[instalment.pk]) for instalment, _ in rows],
            payoff=payoff,
        )
    return owed


# The events that say something about a bill's escrow lender, in the order they happened.
LENDER_EVENTS = (
    BillEventKind.ESCROWED,
    BillEventKind.LENDER_CHANGED,
    BillEventKind.LENDER_CONFLICT,
    BillEventKind.LENDER_SETTLED,
)


def lender_conflict_open(*, bill: TaxBill, events) -> BillEvent | None:
    """The roll's latest conflict with the lender of the bill's escrow file, while the bill
    still names that lender and nothing about its lender happened since (a change, a
    settlement); else None. `events`: the bill's events, oldest first."""
    lender_events = [event for event in events if event.kind in LENDER_EVENTS]
    if not lender_events or lender_events[-1].kind != BillEventKind.LENDER_CONFLICT:
        return None
    latest = lender_events[-1]
    kept = str(latest.data.get("lender", "")).strip().lower()
    return latest if kept == bill.escrow_lender.strip().lower() else None


def parcel_for_staff(*, number: str, on: datetime.date) -> dict | None:
    """The parcel numbered `number` with its owners and every bill, newest year first: lines,
    instalments with what each owes on `on`, payments, staff's adjustments (with who made
    them) and the timeline, with the roll's open conflict with an escrow file's lender if
    any (`open_lender_conflict`). None when there is no such parcel."""
    parcel = Parcel.objects.filter(number=number.upper()).first()
    if parcel is None:
        return None
    bills = list(
        parcel.bills.order_by("-tax_year").prefetch_related(
            "lines",
            "payments",
            Prefetch(
                "adjustments",
                queryset=BillAdjustment.objects.select_related("made_by", "instalment"),
            ),
            Prefetch(
                "events",
                queryset=BillEvent.objects.select_related("actor").order_by("created_at", "id"),
            ),
        )
    )
    for bill in bills:
        bill.open_lender_conflict = lender_conflict_open(bill=bill, events=bill.events.all())
    instalments = list(Instalment.objects.filter(bill__in=bills).order_by("bill_id", "sequence"))
    owed = _owed(bills, instalments, on)
    return {
        "parcel": parcel,
        "owners": list(parcel.owners.order_by("position")),
        "bills": [owed[bill.pk] for bill in bills],
        "on": on,
    }


def bill_for_staff(*, number: str) -> TaxBill | None:
    return TaxBill.objects.select_related("parcel").filter(number=number.upper()).first()


def lender_conflict_for_staff(*, bill: TaxBill) -> BillEvent | None:
    """The bill's open conflict between the roll and its escrow file's lender, if any."""
    events = bill.events.filter(kind__in=LENDER_EVENTS).order_by("created_at", "id")
    return lender_conflict_open(bill=bill, events=list(events))


# --- Past due --------------------------------------------------------------------------

DELINQUENT_ORDERS = {
    "oldest": ("oldest_due", "parcel__number"),
    "amount": ("-overdue_cents", "parcel__number"),
    "parcel": ("parcel__number", "tax_year"),
}


def last_day_due_before(on: datetime.date) -> datetime.date:
    """The latest due date that is past due on `on`: the last day the agency was open
    before `on` (a due date on a closed day moves to the next open one, so an instalment
    due on a Saturday is not late on the Monday)."""
    closed = closed_days(start=on - datetime.timedelta(days=30), end=on)
    day = on - datetime.timedelta(days=1)
    while not is_business_day(day, closed):
        day -= datetime.timedelta(days=1)
    return day


def _unpaid_principal():
    return (
        F("instalments__amount_cents")
        + F("instalments__adjustment_cents")
        - F("instalments__principal_paid_cents")
        - F("instalments__discount_cents")
    )


def delinquent_bills(*, on: datetime.date, order: str = "oldest"):
    """Bills with an instalment past due on `on` and principal unpaid on it, with
    `overdue_cents` (that principal) and `oldest_due`, ordered by `order` (a key of
    DELINQUENT_ORDERS; others read as "oldest")."""
    late = Q(instalments__due_date__lte=last_day_due_before(on)) & Q(
        instalments__amount_cents__gt=F("instalments__principal_paid_cents")
        + F("instalments__discount_cents")
        - F("instalments__adjustment_cents")
    )
    return (
        TaxBill.objects.annotate(
            overdue_cents=Sum(_unpaid_principal(), filter=late),
            oldest_due=Min("instalments__due_date", filter=late),
        )
        .filter(overdue_cents__gt=0)
        .select_related("parcel")
        .order_by(*DELINQUENT_ORDERS.get(order, DELINQUENT_ORDERS["oldest"]))
    )


def delinquent_rows(*, bills: list[TaxBill], on: datetime.date) -> list[BillOwed]:
    """What each of `bills` (a page of `delinquent_bills`) owes on `on`, in three queries."""
    instalments = list(Instalment.objects.filter(bill__in=bills).order_by("bill_id", "sequence"))
    owed = _owed(bills, instalments, on)
    return [owed[bill.pk] for bill in bills]


def delinquent_export(*, on: datetime.date, chunk: int = 500) -> Iterator[BillOwed]:
    """Every delinquent bill with what it owes on `on`, by parcel number, read `chunk` bills
    at a time so memory stays flat however long the list."""
    bills = delinquent_bills(on=on, order="parcel")
    after = None
    while True:
        page = (
            bills
            if after is None
            else bills.filter(
                Q(parcel__number__gt=after[0]) | Q(parcel__number=after[0], tax_year__gt=after[1])
            )
        )
        rows = list(page[:chunk])
        if not rows:
            return
        yield from delinquent_rows(bills=rows, on=on)
        after = (rows[-1].parcel.number, rows[-1].tax_year)
