"""Permits' models, by topic; every model of the app is importable from here.

- `permits.models.types`: permit types (fees, reviewing departments, required inspections,
  contractor rule, validity);
- `permits.models.permits`: the permit on a case and its plan sheets.
"""

from permits.models.permits import ApplyStep, Permit, PlanSheet
from permits.models.types import (
    BLDS_INSPECTION_TYPE,
    BLDS_PERMIT_TYPE,
    ContractorTrade,
    FeeMethod,
    FeeTier,
    InspectionCategory,
    InspectionStep,
    PermitCategory,
    PermitClass,
    PermitType,
    PermitTypeDepartment,
    WorkClass,
)

__all__ = [
    "BLDS_INSPECTION_TYPE",
    "BLDS_PERMIT_TYPE",
    "ApplyStep",
    "ContractorTrade",
    "FeeMethod",
    "FeeTier",
    "InspectionCategory",
    "InspectionStep",
    "Permit",
    "PermitCategory",
    "PermitClass",
    "PermitType",
    "PermitTypeDepartment",
    "PlanSheet",
    "WorkClass",
]
