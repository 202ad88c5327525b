"""The supervisor's list of the inspectors' routes, in the staff workbench: each inspector of
the supervisor's departments, how many inspections they have on a day, and a link to open and
reorder that day's route (the inspector's day page with ?inspector=)."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from permits.selectors_inspections import agency_now, supervised_routes, supervises_inspectors
from portal.query_days import query_day


@login_required
@require_GET
def inspectors_routes(request: HttpRequest) -> HttpResponse:
    if not supervises_inspectors(request.user):
        raise PermissionDenied
    day = query_day(request.GET.get("day")) or agency_now().date()
    return render(
        request,
        "permits/staff_routes.html",
        {
            "day": day,
            "inspectors": supervised_routes(user=request.user, day=day),
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
        },
    )
