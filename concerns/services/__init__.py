"""Every write of the concerns app. Views, the admin, the Open311 API and tasks call these.

Each function is one transaction; a refused change raises and leaves the database as it
was. Import from here, not from the submodules.
"""

from concerns.services.api_keys import (
    api_key_digest,
    api_key_issue,
    api_key_record_use,
    api_key_revoke,
)
from concerns.services.categories import (
    CategoryNotPublishable,
    category_publish,
    category_unpublish,
)
from concerns.services.field import report_field_result
from concerns.services.held_photos import (
    HeldPhoto,
    held_photo_from_token,
    held_photo_open,
    photo_hold,
)
from concerns.services.reports import (
    ReportRejected,
    can_say_not_fixed,
    report_follow,
    report_follow_confirm,
    report_not_fixed,
    report_rate,
    report_submit,
    report_unfollow,
)
from concerns.services.staff import (
    photo_set_public,
    report_close,
    report_mark_duplicate,
    report_reopen,
    report_route,
    report_start_work,
)

__all__ = [
    "CategoryNotPublishable",
    "HeldPhoto",
    "ReportRejected",
    "api_key_digest",
    "api_key_issue",
    "api_key_record_use",
    "api_key_revoke",
    "can_say_not_fixed",
    "category_publish",
    "category_unpublish",
    "held_photo_from_token",
    "held_photo_open",
    "photo_hold",
    "photo_set_public",
    "report_close",
    "report_field_result",
    "report_follow",
    "report_follow_confirm",
    "report_mark_duplicate",
    "report_not_fixed",
    "report_rate",
    "report_reopen",
    "report_route",
    "report_start_work",
    "report_submit",
    "report_unfollow",
]
