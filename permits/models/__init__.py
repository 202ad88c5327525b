"""Permits' models, by topic; every model of the app is importable from here.

- `permits.models.types`: permit types (fees, reviewing departments, required inspections,
  contractor rule, validity);
- `permits.models.permits`: the permit on a case and its plan sheets;
- `permits.models.reviews`: plan review (each department's review per round, comments on
  sheets, correction letters).
"""

from permits.models.inspections import (
    CertificateOfOccupancy,
    Inspection,
    InspectionPhoto,
    InspectionResult,
    InspectionRules,
    InspectionSlot,
    InspectionStatus,
    InspectorShift,
    Period,
    PermitExtension,
    PermitIssuance,
    ReinspectionFee,
)
from permits.models.permits import ApplyStep, Permit, PermitDocument, PlanSheet
from permits.models.reviews import (
    CommentStatus,
    CorrectionLetter,
    PlanReview,
    ReviewComment,
    ReviewDecision,
)
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
    "CertificateOfOccupancy",
    "CommentStatus",
    "ContractorTrade",
    "CorrectionLetter",
    "FeeMethod",
    "FeeTier",
    "Inspection",
    "InspectionCategory",
    "InspectionPhoto",
    "InspectionResult",
    "InspectionRules",
    "InspectionSlot",
    "InspectionStatus",
    "InspectionStep",
    "InspectorShift",
    "Period",
    "Permit",
    "PermitCategory",
    "PermitClass",
    "PermitDocument",
    "PermitExtension",
    "PermitIssuance",
    "PermitType",
    "PermitTypeDepartment",
    "PlanReview",
    "PlanSheet",
    "ReinspectionFee",
    "ReviewComment",
    "ReviewDecision",
    "WorkClass",
]
