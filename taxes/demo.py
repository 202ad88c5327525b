"""Demo property taxes for `seed_demo`: the agency's penalty and discount schedule and a
small roll of 300 parcels, imported through the real roll import.

Among them: parcel 10-000001 (Pat Rivera) with this year's bill, the one `make run` prints to
try; 10-000002, paid from escrow by First Mortgage Bank; 10-000003, delinquent (last year's
bill unpaid, penalties and interest running); 10-000004, partly paid. Running it again
changes nothing.
"""

from __future__ import annotations

import datetime
import io

from django.db import transaction
from django.utils import timezone

from taxes.charges import agency_date
from taxes.models import DiscountRule, PenaltyKind, PenaltyRule, TaxBill
from taxes.services.payments import bill_payment_apply
from taxes.services.roll import roll_import

PARCELS = 300
TRY_PARCEL = "10-000001"
TRY_LAST_NAME = "Rivera"
ESCROWED, DELINQUENT, PARTLY_PAID = "10-000002", "10-000003", "10-000004"
LAST_NAMES = ("Rivera", "Nguyen", "Okafor", "Schmidt", "Haddad", "Kowalski", "Tanaka", "Silva")
STREETS = ("ELM STREET", "OAK AVENUE", "MAPLE DRIVE", "RIVER ROAD", "HILL LANE")
HEADER = (
    "parcel_number,tax_year,bill_number,situs_address,land_use,escrow_lender,owner_1_name,"
    "owner_1_mailing_address,levy_COUNTY,levy_SCHOOL,levy_LIBRARY,exemption_HOMESTEAD,"
    "instalment_1_due,instalment_1_amount,instalment_2_due,instalment_2_amount\n"
)


def _dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _row(n: int, year: int, first_due: datetime.date, second_due: datetime.date) -> str:
    last = LAST_NAMES[(n - 1) % len(LAST_NAMES)]
    first_name = ("Pat", "Lee", "Ana", "Sam", "Kim", "Ola")[n % 6]
    street = STREETS[n % len(STREETS)]
    county, school, library = 90000 + n * 317 % 60000, 140000 + n * 541 % 90000, 6000
    homestead = 25000 if n % 3 else 0
    total = county + school + library - homestead
    half = total // 2
    lender = "First Mortgage Bank" if f"10-{n:06d}" == ESCROWED else ""
    land_use = "commercial" if n % 25 == 0 else "residential"
    return (
        f"10-{n:06d},{year},{year}-{n:06d},{n * 2} {street},{land_use},{lender},"
        f'{first_name} {last},"{n * 2} {street.title()}\nSpringfield",'
        f"{_dollars(county)},{_dollars(school)},{_dollars(library)},"
        f"{_dollars(homestead) if homestead else ''},{first_due},{_dollars(half)},"
        f"{second_due},{_dollars(total - half)}\n"
    )


def _rules() -> None:
    if PenaltyRule.objects.exists() or DiscountRule.objects.exists():
        return  # the administrator's schedule stays as they left it
    PenaltyRule.objects.create(kind=PenaltyKind.PENALTY, days_past_due=0, percent=5)
    PenaltyRule.objects.create(kind=PenaltyKind.PENALTY, days_past_due=30, percent=10)
    PenaltyRule.objects.create(kind=PenaltyKind.INTEREST, days_past_due=0, percent=1)
    for months, percent in ((3, 3), (2, 2), (1, 1)):
        DiscountRule.objects.create(months_before_due=months, percent=percent)


@transaction.atomic
def seed() -> None:
    _rules()
    if TaxBill.objects.filter(parcel__number=TRY_PARCEL).exists():
        return
    today = agency_date(timezone.now())
    year = today.year
    # This year's instalments fall due a month and seven months from now, so the demo always
    # has one to pay on time; the delinquent parcel's bill of last year fell due a year earlier.
    first_due = today + datetime.timedelta(days=30)
    second_due = today + datetime.timedelta(days=210)
    rows = [_row(n, year, first_due, second_due) for n in range(1, PARCELS + 1)]
    a_year = datetime.timedelta(days=365)
    rows.append(_row(3, year - 1, first_due - a_year, second_due - a_year))
    report = roll_import(
        stream=io.BytesIO((HEADER + "".join(rows)).encode()), file_name="demo-roll.csv"
    )
    if not report.applied:  # a demo roll that does not import is a bug in this module
        raise RuntimeError(f"The demo roll did not import: {report.errors[:5]}")
    partly = TaxBill.objects.get(parcel__number=PARTLY_PAID, tax_year=year)
    bill_payment_apply(bill=partly, amount_cents=50000, paid_on=today)


def hint() -> str:
    """What `seed_demo` prints for trying the tax pages."""
    return (
        f"  Property tax: parcel {TRY_PARCEL}, owner's last name {TRY_LAST_NAME} "
        f"(escrowed: {ESCROWED}; delinquent: {DELINQUENT}; partly paid: {PARTLY_PAID})"
    )
