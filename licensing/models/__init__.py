"""Licensing's models, by topic; every model of the app is importable from here.

- `licensing.models.licenses`: license types, applications and their documents, licenses,
  legacy imports and the license history;
- `licensing.models.enforcement`: complaints against licensees and disciplinary actions.
"""

from licensing.models.enforcement import Complaint, DisciplinaryAction, DisciplinaryActionKind
from licensing.models.licenses import (
    LOOKUP_SEARCH_VECTOR,
    Application,
    ApplicationDocument,
    ApplicationKind,
    ApplicationStep,
    License,
    LicenseEvent,
    LicenseEventKind,
    LicenseImport,
    LicenseStatus,
    LicenseType,
    default_reminder_offsets,
)

__all__ = [
    "LOOKUP_SEARCH_VECTOR",
    "Application",
    "ApplicationDocument",
    "ApplicationKind",
    "ApplicationStep",
    "Complaint",
    "DisciplinaryAction",
    "DisciplinaryActionKind",
    "License",
    "LicenseEvent",
    "LicenseEventKind",
    "LicenseImport",
    "LicenseStatus",
    "LicenseType",
    "default_reminder_offsets",
]
