"""Reads with a rule for the taxes app: the agency's schedule of charges, and what a bill
owes on a date."""

from __future__ import annotations

import datetime
import hmac
import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import F
from django.db.models.functions import Upper
from django.utils.translation import gettext as _

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


# The public bill pages and the payment start read the schedule on every request, and it
# changes only when an administrator edits a rule or a holiday. `schedule_cached` keeps it
# for SCHEDULE_CACHE_SECONDS under a generation that every save or delete of those rows
# replaces (`taxes.receivers`), so an edit shows at the next request; a change that sends no
# signal (a queryset `update()`) shows within the timeout. Applying a payment and the staff
# pages read `schedule_current` itself.
SCHEDULE_CACHE_SECONDS = 60
_SCHEDULE_GENERATION = "taxes:schedule:generation"


def schedule_cache_clear() -> None:
    """Make every cached schedule stale: the next read goes to the database."""
    cache.set(_SCHEDULE_GENERATION, uuid.uuid4().hex, timeout=None)


def schedule_cached(*, due_dates: list[datetime.date]) -> charges.Schedule:
    """`schedule_current`, read through the cache (see SCHEDULE_CACHE_SECONDS)."""
    if not due_dates:
        return schedule_current(due_dates=due_dates)
    generation = cache.get(_SCHEDULE_GENERATION)
    if generation is None:
        schedule_cache_clear()
        generation = cache.get(_SCHEDULE_GENERATION)
    key = f"taxes:schedule:{generation}:{min(due_dates):%Y%m%d}:{max(due_dates):%Y%m%d}"
    schedule = cache.get(key) if generation is not None else None
    if schedule is None:
        schedule = schedule_current(due_dates=due_dates)
        if generation is not None:
            cache.set(key, schedule, timeout=SCHEDULE_CACHE_SECONDS)
    return schedule


def instalment_states(*, instalments: list[Instalment]) -> list[charges.InstalmentState]:
    """The instalments as `taxes.charges` reads them, with their dated principal payments."""
    payments = defaultdict(list)
    # What a corrected roll made a credit (`credited_cents`) no longer pays the instalment.
    for instalment_id, paid_on, cents in (
        InstalmentPayment.objects.filter(
            instalment__in=instalments, principal_cents__gt=F("credited_cents")
        )
        .order_by("paid_on")
        .values_list("instalment_id", "paid_on", F("principal_cents") - F("credited_cents"))
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


def _bill_charges(*, bill: TaxBill, on: datetime.date) -> tuple[list[Instalment], charges.Payoff]:
    """The bill's instalments and what pays it off on `on`, the schedule read through the
    cache: what the public pages show and the payment start charges."""
    instalments = list(bill.instalments.order_by("sequence"))
    schedule = schedule_cached(due_dates=[instalment.due_date for instalment in instalments])
    return instalments, charges.payoff(instalment_states(instalments=instalments), schedule, on)


def bill_payoff(*, bill: TaxBill, on: datetime.date) -> charges.Payoff:
    """What pays the bill off on `on` (principal, penalty, interest, less discount)."""
    return _bill_charges(bill=bill, on=on)[1]


# --- The public look-up -------------------------------------------------------------------

SEARCH_RESULTS = 20


def bills_search(*, query: str) -> list[TaxBill]:
    """Bills found by a parcel number, a bill number or part of an address (at most
    SEARCH_RESULTS, newest year first), with their parcel only: what is shown before the
    second factor (numbers, year, property address) is what the assessor publishes anyway.
    """
    text = " ".join(query.split()).upper()
    if not text:
        return []
    # A bill number, then a parcel number: two index look-ups. One query with
    # `number = x OR parcel.number = x` cannot use either index across the join, and read
    # every bill (1.8 s at a million parcels).
    by_number = list(TaxBill.objects.filter(number=text).select_related("parcel")[:1])
    if by_number:
        return by_number
    by_parcel = list(
        TaxBill.objects.filter(parcel__number=text)
        .select_related("parcel")
        .order_by("-tax_year", "number")[:SEARCH_RESULTS]
    )
    if by_parcel:
        return by_parcel
    return list(
        TaxBill.objects.annotate(address=Upper("parcel__situs_address"))
        .filter(address__contains=text)
        .select_related("parcel")
        .order_by("parcel__situs_address", "-tax_year")[:SEARCH_RESULTS]
    )


def bill_for_public(*, number: str) -> TaxBill | None:
    return TaxBill.objects.select_related("parcel").filter(number=number.upper()).first()


def _name_key(name: str) -> str:
    """A last name as compared: case, accents, spaces, dashes and apostrophes ignored."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if c.isalnum())


def bill_factor_matches(*, bill: TaxBill, factor: str) -> bool:
    """Whether `factor` is the bill's access code or the last name of one of its parcel's
    owners. The code is compared in constant time; both are always checked, so the time
    taken says nothing about which one was typed."""
    by_code = bill.access_code_matches(factor)
    typed = _name_key(factor)
    by_name = False
    for last_name in bill.parcel.owners.values_list("last_name", flat=True):
        by_name |= hmac.compare_digest(typed.encode(), _name_key(last_name).encode())
    return bool(typed) and (by_code or by_name)


def bill_for_owner_view(*, bill: TaxBill, on: datetime.date) -> dict:
    """Everything the bill's page shows once the second factor was given: owners, lines,
    instalments, the pay-off for `on`, by instalment, and what may be paid (`pay_options`,
    as `bill_pay_options`)."""
    instalments, payoff = _bill_charges(bill=bill, on=on)
    by_instalment = {line.key: line for line in payoff.instalments}
    return {
        "bill": bill,
        "owners": list(bill.parcel.owners.order_by("position")),
        "lines": list(bill.lines.order_by("created_at", "id")),
        "instalments": [(instalment, by_instalment[instalment.pk]) for instalment in instalments],
        "payoff": payoff,
        "pay_options": _pay_options(instalments=instalments, payoff=payoff),
    }


# --- Paying -------------------------------------------------------------------------------

YEAR = "year"


@dataclass(frozen=True)
class PayOption:
    """One amount the payer may choose: the next instalment(s) still owed, or everything."""

    key: str
    label: str
    amount_cents: int


def bill_pay_options(*, bill: TaxBill, on: datetime.date) -> list[PayOption]:
    """What may be paid on `on`, smallest first, the last being everything owed (key YEAR;
    none when nothing is owed).

    A payment pays every penalty and interest first, then principal oldest instalment first
    (`charges.payment_apply`), so "the next k instalments" costs all penalties and interest
    plus the principal (less any early-payment discount) of the k oldest instalments owed.
    """
    instalments, payoff = _bill_charges(bill=bill, on=on)
    return _pay_options(instalments=instalments, payoff=payoff)


def _pay_options(*, instalments: list[Instalment], payoff: charges.Payoff) -> list[PayOption]:
    sequences = {instalment.pk: instalment.sequence for instalment in instalments}
    owed = [line for line in payoff.instalments if line.total_cents > 0]
    charges_cents = sum(line.penalty_cents + line.interest_cents for line in owed)
    options, principal = [], 0
    for count, line in enumerate(owed, start=1):
        principal += line.principal_cents - line.discount_cents
        if count == len(owed):
            label = _("The whole year: everything owed")
            key = YEAR
        elif count == 1:
            label = _("Instalment %(number)s") % {"number": sequences[line.key]}
            key = f"next{count}"
        else:
            label = _("Instalments %(first)s to %(last)s") % {
                "first": sequences[owed[0].key],
                "last": sequences[line.key],
            }
            key = f"next{count}"
        options.append(PayOption(key=key, label=label, amount_cents=charges_cents + principal))
    return options
