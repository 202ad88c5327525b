"""Taxes' models, by topic; every model of the app is importable from here.

- `taxes.models.parcels`: parcels and their owners (mailing addresses);
- `taxes.models.bills`: tax bills per parcel and year, their lines and instalments, and the
  record of each roll imported;
- `taxes.models.rules`: penalties, interest and early-payment discounts, as data.
"""

from taxes.models.bills import (
    BillLine,
    BillPayment,
    Instalment,
    InstalmentPayment,
    LineKind,
    RollImport,
    TaxBill,
)
from taxes.models.parcels import LandUse, Owner, Parcel
from taxes.models.rules import DiscountRule, PenaltyKind, PenaltyRule

__all__ = [
    "BillLine",
    "BillPayment",
    "DiscountRule",
    "Instalment",
    "InstalmentPayment",
    "LandUse",
    "LineKind",
    "Owner",
    "Parcel",
    "PenaltyKind",
    "PenaltyRule",
    "RollImport",
    "TaxBill",
]
