"""Licensing's writes, by topic; the public functions are re-exported here.

Callers use `from licensing import services` and `services.<entity>_<verb>(...)`.
"""

from licensing.services.applications import (
    PURPOSE_APPLICATION,
    application_add_document,
    application_approve,
    application_deny,
    application_discard,
    application_keep_typed,
    application_mark_paid,
    application_problems,
    application_request_info,
    application_request_payment,
    application_save_about,
    application_save_answers,
    application_start,
    license_number_allocate,
)
from licensing.services.enforcement import (
    PURPOSE_FINE,
    complaint_file,
    disciplinary_action_record,
    suspensions_end,
)
from licensing.services.imports import (
    ImportRefused,
    ImportReport,
    license_import,
)
from licensing.services.lifecycle import LifecycleOutcome, licenses_expire
from licensing.services.renewals import (
    PURPOSE_RENEWAL,
    licenses_link_account,
    renewal_approve,
    renewal_deny,
    renewal_discard,
    renewal_flags,
    renewal_mark_paid,
    renewal_open_for,
    renewal_problems,
    renewal_request_payment,
    renewal_save,
    renewal_start,
)
from licensing.services.types import (
    LicenseTypeNotPublishable,
    license_type_publish,
    license_type_unpublish,
)

__all__ = [
    "PURPOSE_APPLICATION",
    "PURPOSE_FINE",
    "PURPOSE_RENEWAL",
    "ImportRefused",
    "ImportReport",
    "LicenseTypeNotPublishable",
    "LifecycleOutcome",
    "application_add_document",
    "application_approve",
    "application_deny",
    "application_discard",
    "application_keep_typed",
    "application_mark_paid",
    "application_problems",
    "application_request_info",
    "application_request_payment",
    "application_save_about",
    "application_save_answers",
    "application_start",
    "complaint_file",
    "disciplinary_action_record",
    "license_import",
    "license_number_allocate",
    "license_type_publish",
    "license_type_unpublish",
    "licenses_expire",
    "licenses_link_account",
    "renewal_approve",
    "renewal_deny",
    "renewal_discard",
    "renewal_flags",
    "renewal_mark_paid",
    "renewal_open_for",
    "renewal_problems",
    "renewal_request_payment",
    "renewal_save",
    "renewal_start",
    "suspensions_end",
]
