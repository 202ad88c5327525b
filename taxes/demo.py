"""Demo property taxes for `seed_demo`: the agency's penalty and discount schedule and a
small roll of 300 parcels, imported through the real roll import.

Among them: parcel 10-000001 (Pat Rivera) with this year's bill, the one `make run` prints to
try; 10-000002, paid from escrow by First Mortgage Bank; 10-000003, delinquent (last year's
bill unpaid, penalties and interest running); 10-000004, partly paid. Running it again
changes nothing.

First Mortgage Bank is a lender with one member, the demo lender account (accounts.demo),
who sees its escrow files and pays bills in bulk. The roll names no lender: the bank's
escrow of 10-000002 comes from its escrow file, sent and confirmed by that member through
the escrow-file service, as a lender does on the portal.
"""

from __future__ import annotations

import datetime
import io

from django.db import transaction
from django.utils import timezone

from accounts.demo import LENDER as LENDER_ACCOUNT
from accounts.demo import account_ensure
from taxes.charges import agency_date
from taxes.models import DiscountRule, Lender, PenaltyKind, PenaltyRule, TaxBill
from taxes.services.escrow import escrow_file_apply, escrow_file_upload
from taxes.services.payments import bill_payment_apply
from taxes.services.roll import roll_import

PARCELS = 300
TRY_PARCEL = "10-000001"
TRY_LAST_NAME = "Rivera"
ESCROWED, DELINQUENT, PARTLY_PAID = "10-000002", "10-000003", "10-000004"
LENDER = "First Mortgage Bank"
LOAN_REFERENCE = "FMB-0042-7719"
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
    land_use = "commercial" if n % 25 == 0 else "residential"
    return (
        f"10-{n:06d},{year},{year}-{n:06d},{n * 2} {street},{land_use},,"
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


def _lender() -> None:
    """The bank, its member and its escrow file for the escrowed parcel's latest bill, sent
    and confirmed once (a lender with a file already is left as it is)."""
    member = account_ensure(LENDER_ACCOUNT)
    lender = Lender.objects.filter(name__iexact=LENDER).first()
    if lender is None:
        lender = Lender.objects.create(name=LENDER)
    lender.members.add(member)
    bill = TaxBill.objects.filter(parcel__number=ESCROWED).order_by("-tax_year").first()
    if bill is None or lender.escrow_files.exists():
        return
    escrow_file = escrow_file_upload(
        stream=io.BytesIO(f"parcel_number,loan_reference\n{ESCROWED},{LOAN_REFERENCE}\n".encode()),
        file_name=f"first-mortgage-bank-escrow-{bill.tax_year}.csv",
        lender=lender,
        tax_year=bill.tax_year,
        uploaded_by=member,
    )
    escrow_file_apply(escrow_file=escrow_file, actor=member)


def _roll() -> None:
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


@transaction.atomic
def seed() -> None:
    _rules()
    _roll()
    _lender()


def hint() -> str:
    """What `seed_demo` prints for trying the tax pages."""
    return (
        f"  Property tax: parcel {TRY_PARCEL}, owner's last name {TRY_LAST_NAME} "
        f"(escrowed: {ESCROWED}; delinquent: {DELINQUENT}; partly paid: {PARTLY_PAID})\n"
        f"  Mortgage lender: {LENDER_ACCOUNT.email} is a member of {LENDER}: its escrow "
        "files at /taxes/escrow/, bulk payments at /taxes/batches/"
    )
