"""A resident's drafts, as every service that saves an application before it is sent shows
them: discarded only after asking, and listed apart from what was sent.

The service keeps its own rules (who may open the draft, what discarding does): these
functions take the record it found and the service call to make.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases.models import CaseStatus


def drafts_and_sent(records: Iterable) -> tuple[list, list]:
    """Split a resident's records (each with `case` and `paid_at`) into the drafts still to
    send and the rest (sent, or paid and being sent), each in the order given."""
    drafts, sent = [], []
    for record in records:
        is_draft = record.case.status == CaseStatus.DRAFT and record.paid_at is None
        (drafts if is_draft else sent).append(record)
    return drafts, sent


def draft_discard_page(
    request: HttpRequest,
    *,
    draft,
    template: str,
    context: dict,
    discard: Callable[[], object],
    refused: type[Exception],
    done_url: str,
) -> HttpResponse:
    """Ask first (GET: `template` with `context`), then discard (POST: `discard()`), so a
    draft is never lost to a stray click.

    `refused`, raised by `discard`, is shown as an error on the draft's own page (it may have
    been sent meanwhile); once discarded, the resident goes to `done_url` (their list).
    """
    if request.method == "GET":
        return render(request, template, context)
    try:
        discard()
    except refused as error:
        messages.error(request, str(error))
        return redirect(draft.get_absolute_url())
    messages.success(request, _("The draft was discarded."))
    return redirect(done_url)
