"""Taxes' models, by topic; every model of the app is importable from here.

- `taxes.models.parcels`: parcels and their owners (mailing addresses);
- `taxes.models.bills`: tax bills per parcel and year, their lines and instalments, and the
  record of each roll imported;
- `taxes.models.payers`: bulk payers' batches, and refunds of credits;
- `taxes.models.escrow`: mortgage lenders and their files of the parcels they escrow;
- `taxes.models.rules`: penalties, interest and early-payment discounts, as data;
- `taxes.models.adjustments`: staff's adjustments and abatements, audited;
- `taxes.models.ebills`: parcels linked to accounts, other recipients, each bill's timeline
  and the paper notices of undelivered messages.
"""

from taxes.models.adjustments import AdjustmentKind, BillAdjustment
from taxes.models.bills import (
    BillLine,
    BillPayment,
    Instalment,
    InstalmentPayment,
    LineKind,
    RollImport,
    TaxBill,
)
from taxes.models.ebills import (
    BillEvent,
    BillEventKind,
    BillRecipient,
    PaperNotice,
    ParcelLink,
    Relationship,
)
from taxes.models.escrow import (
    EscrowFile,
    EscrowFileRow,
    EscrowFileStatus,
    EscrowOutcome,
    Lender,
)
from taxes.models.parcels import LandUse, Owner, Parcel
from taxes.models.payers import (
    BatchStatus,
    CreditRefund,
    CreditRefundStatus,
    Discrepancy,
    PaymentBatch,
    PaymentBatchLine,
)
from taxes.models.rules import DiscountRule, PenaltyKind, PenaltyRule

__all__ = [
    "AdjustmentKind",
    "BatchStatus",
    "BillAdjustment",
    "BillEvent",
    "BillEventKind",
    "BillLine",
    "BillPayment",
    "BillRecipient",
    "CreditRefund",
    "CreditRefundStatus",
    "DiscountRule",
    "Discrepancy",
    "EscrowFile",
    "EscrowFileRow",
    "EscrowFileStatus",
    "EscrowOutcome",
    "Instalment",
    "InstalmentPayment",
    "LandUse",
    "Lender",
    "LineKind",
    "Owner",
    "PaperNotice",
    "Parcel",
    "ParcelLink",
    "PaymentBatch",
    "PaymentBatchLine",
    "PenaltyKind",
    "PenaltyRule",
    "Relationship",
    "RollImport",
    "TaxBill",
]
