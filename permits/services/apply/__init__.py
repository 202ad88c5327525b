"""Applying for a permit: a draft saved page by page (property, work, contractor, plans,
questions), the fee computed and shown before paying, the invoice, and the case sent when it
is paid.

Each function is one transaction. The draft is a case (kind "permit", reference allocated
at the start); it is sent (`submitted`) only by the payments receiver once the application
and plan-review fee is paid (`permit_mark_paid`). By topic:

- `permits.services.apply.drafts`: starting a draft, saving its pages, discarding it;
- `permits.services.apply.sending`: what still stops it, the fee quote, the invoice and
  sending it once paid;
- `permits.services.apply_contractor` and `permits.services.apply_plans`: the contractor
  check and the plan sheets.

Everything callers use is importable from here.
"""

from permits.services.apply.drafts import (
    ADDRESS_MISSING,
    TYPED_PAGES,
    TYPED_VALUE_MAX,
    permit_add_document,
    permit_discard,
    permit_keep_typed,
    permit_questions,
    permit_save_answers,
    permit_save_contractor,
    permit_save_property,
    permit_save_work,
    permit_start,
)
from permits.services.apply.sending import (
    PURPOSE_APPLICATION,
    permit_fee_quote,
    permit_mark_paid,
    permit_problems,
    permit_request_payment,
)

__all__ = [
    "ADDRESS_MISSING",
    "PURPOSE_APPLICATION",
    "TYPED_PAGES",
    "TYPED_VALUE_MAX",
    "permit_add_document",
    "permit_discard",
    "permit_fee_quote",
    "permit_keep_typed",
    "permit_mark_paid",
    "permit_problems",
    "permit_questions",
    "permit_request_payment",
    "permit_save_answers",
    "permit_save_contractor",
    "permit_save_property",
    "permit_save_work",
    "permit_start",
]
