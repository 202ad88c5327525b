"""The taxes pages of the staff workbench (/staff/taxes/): paper notices to mail after a
message bounced, and the reminder runs."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from taxes import staff_selectors as selectors
from taxes.exceptions import NoticeRefused
from taxes.services import notices

PER_PAGE = 50


@require_http_methods(["GET", "POST"])
def paper_notices(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            notice_id = int(request.POST.get("notice", ""))
        except ValueError:
            messages.error(request, _("Choose a paper notice."))
            return redirect("taxes_staff:paper_notices")
        try:
            notices.paper_notice_mark_mailed(notice_id=notice_id, actor=request.user)
        except NoticeRefused as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Marked mailed."))
        return redirect("taxes_staff:paper_notices")
    page = Paginator(selectors.paper_notices_open(user=request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "taxes/staff/paper_notices.html", {"page": page})


@require_GET
def reminder_runs(request: HttpRequest) -> HttpResponse:
    runs = selectors.reminder_runs(user=request.user)
    return render(request, "taxes/staff/reminder_runs.html", {"runs": runs})
