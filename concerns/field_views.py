"""The field staff's day on a phone: the reports assigned to them in route order, and the
result form of each. Offline, the pages come from the phone and results are queued
(portal/offline.py). Thin: parse, call one service, render or redirect."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases.exceptions import ActionForbidden, SubmissionKeyTaken, TransitionNotAllowed
from cases.map_links import map_link
from concerns import selectors
from concerns.forms import FieldResultForm
from concerns.models import ConcernReport
from concerns.services import report_field_result


def _require_field_staff(request: HttpRequest) -> None:
    if not selectors.may_work_field_day(request.user):
        raise PermissionDenied(_("Only staff who work concern reports can open this page."))


def _with_map_link(report: ConcernReport) -> ConcernReport:
    report.map_link = map_link(
        latitude=report.latitude, longitude=report.longitude, address=report.address
    )
    return report


@login_required
def field_day(request: HttpRequest) -> HttpResponse:
    """The open reports assigned to me, in route order (concerns.selectors.route_order)."""
    _require_field_staff(request)
    reports = [_with_map_link(report) for report in selectors.field_day(user=request.user)]
    answered = selectors.field_answered_keys(user=request.user)
    return render(request, "concerns/field_day.html", {"reports": reports, "answered": answered})


@login_required
@require_http_methods(["GET", "POST"])
def field_result(request: HttpRequest, pk: int) -> HttpResponse:
    """One report of my day: what it is, where, and the result form."""
    _require_field_staff(request)
    try:
        report = selectors.field_report(user=request.user, pk=pk)
    except ConcernReport.DoesNotExist as missing:
        raise Http404 from missing
    form = FieldResultForm(request.POST or None, request.FILES or None)
    error = ""
    # The key the refused form was sent with: the page names it so the phone drops what it
    # kept under it (portal/offline.py), even when the form comes back with another.
    answered_key = form["result_key"].value() if form.is_bound else ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report_field_result(
                report=report,
                actor=request.user,
                outcome=data["outcome"],
                found=data["found"],
                public_note=data["public_note"],
                photos=data["photos"],
                key=data["result_key"],
            )
            messages.success(request, _("Result recorded."))
            return redirect("concerns:field_day")
        except ValidationError as refused:
            for field, errors in refused.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except (TransitionNotAllowed, ActionForbidden) as refused:
            error = str(refused)
        except SubmissionKeyTaken:
            # The phone sent this form's key with another report's result: not a replay.
            error = _("This form was sent for another report: nothing was recorded.")
            # A fresh key, so the form sent again is this report's result of its own.
            form.data = form.data.copy()
            form.data["result_key"] = str(uuid.uuid4())
    context = {
        "report": _with_map_link(report),
        "form": form,
        "error": error,
        "answered_key": answered_key,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "concerns/field_result.html", context, status=status)
