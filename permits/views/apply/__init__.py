"""The applying pages: permit types, then the application in pages (property, work,
contractor, plans, questions, check and pay), its status page and the applicant's permits.

Every page works without JavaScript and saves the draft when sent. By topic:

- `permits.views.apply.flow`: what the draft's pages share (the steps, "Save and come back
  later", a page sent after the session ended);
- `permits.views.apply.pages`: the types, starting a draft, its one-form pages;
- `permits.views.apply.plans`: plan sheets and documents;
- `permits.views.apply.status`: check and pay, the status page, discarding, "My permits".
"""

from permits.views.apply.pages import (
    apply_contractor,
    apply_property,
    apply_questions,
    apply_work,
    permit_resume,
    permit_start,
    type_detail,
    type_list,
)
from permits.views.apply.plans import apply_plans, plan_sheet_download
from permits.views.apply.status import apply_check, mine, permit_detail, permit_discard

__all__ = [
    "apply_check",
    "apply_contractor",
    "apply_plans",
    "apply_property",
    "apply_questions",
    "apply_work",
    "mine",
    "permit_detail",
    "permit_discard",
    "permit_resume",
    "permit_start",
    "plan_sheet_download",
    "type_detail",
    "type_list",
]
