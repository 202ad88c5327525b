"""The applicant's inspections page, the permit card and certificate downloads, and the
inspector's day and result form. Thin: parse, call one service, render or redirect."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import permissions
from permits import pdf
from permits.exceptions import InspectionRefused, IssuanceRefused
from permits.inspection_forms import ResultForm
from permits.inspection_rules import change_deadline
from permits.models import Inspection, InspectionResult, Permit
from permits.selectors_inspections import (
    agency_now,
    availability,
    booked_inspection,
    booking_blockers,
    booking_rules,
    inspection_for_inspector,
    inspection_history,
    inspector_day_stops,
    is_inspector,
    next_step,
    route_inspector,
)
from permits.services import inspection_route as route_services
from permits.services import inspections as services
from permits.services import issuance
from portal.query_days import query_day


def _own_permit(request: HttpRequest, reference: str) -> Permit:
    """The signed-in applicant's own permit (404 for anybody else's)."""
    try:
        return Permit.objects.select_related("case", "permit_type").get(
            case__reference=reference, case__applicant=request.user
        )
    except Permit.DoesNotExist as missing:
        raise Http404 from missing


def _viewable_permit(request: HttpRequest, reference: str) -> Permit:
    """The applicant's own permit, or one staff may view."""
    permit = (
        Permit.objects.select_related("case", "permit_type")
        .filter(case__reference=reference)
        .first()
    )
    if permit is None or not (
        permit.case.applicant_id == request.user.pk
        or permissions.can(request.user, permissions.VIEW, permit.case)
    ):
        raise Http404
    return permit


def _slot(value: str) -> tuple[datetime.date | None, str, datetime.time | None]:
    """The day, half-day and exact time (or None) of a choice of the booking form."""
    day_text, _sep, rest = value.partition(":")
    period, _sep, time_text = rest.partition(":")
    starts_at = None
    if time_text:
        try:
            starts_at = datetime.time.fromisoformat(time_text)
        except ValueError:
            return None, period, None
    return query_day(day_text), period, starts_at


def inspections_act(request: HttpRequest, permit: Permit, *, actor) -> str:
    """Apply the POSTed action for `actor` (the applicant, or None for a guest holding the
    permit's book link); returns the message to show (raises the services' refusals)."""
    action = request.POST.get("action", "")
    day, period = query_day(request.POST.get("slot_day", "")), request.POST.get("period", "")
    starts_at = None
    if request.POST.get("slot"):
        day, period, starts_at = _slot(request.POST["slot"])
    if action in ("book", "reschedule") and day is None:
        raise InspectionRefused(_("Choose a day and a time."), code="slot")
    booked = booked_inspection(permit)
    if action == "book":
        services.inspection_book(
            permit=permit, day=day, period=period, starts_at=starts_at, actor=actor
        )
        return _("Your inspection is booked. We sent you the details.")
    if action in ("reschedule", "cancel") and booked is None:
        raise InspectionRefused(_("This inspection is no longer booked."), code="not_booked")
    if action == "reschedule":
        services.inspection_reschedule(
            inspection=booked, day=day, period=period, starts_at=starts_at, actor=actor
        )
        return _("Your inspection is moved.")
    if action == "cancel":
        services.inspection_cancel(inspection=booked, actor=actor)
        return _("Your inspection is cancelled.")
    if action == "extend":
        issuance.extension_request(
            permit=permit, actor=actor, reason=request.POST.get("reason", "")
        )
        return _("Your request for an extension is sent. We will tell you the decision.")
    raise InspectionRefused(_("Choose what to do."))


@login_required
@require_http_methods(["GET", "POST"])
def permit_inspections(request: HttpRequest, reference: str) -> HttpResponse:
    permit = _own_permit(request, reference)
    error = ""
    if request.method == "POST":
        try:
            messages.success(request, inspections_act(request, permit, actor=request.user))
            return redirect("permits:inspections", reference=reference)
        except (InspectionRefused, IssuanceRefused) as refused:
            error = str(refused)
    return inspections_page(request, permit, error=error)


def inspections_page(
    request: HttpRequest, permit: Permit, *, error: str = "", **extra
) -> HttpResponse:
    """The permit's inspections page: the rules, what blocks a booking, the times on offer,
    the booked inspection and the history with its photos (`extra` adds to the context)."""
    now = agency_now()
    # The half-days on offer come from the inspectors' shifts; opening them is idempotent
    # and cheap, so a new shift or a fresh installation shows its times before the
    # morning job has run.
    services.slots_open_for_booking(now=now)
    rules = booking_rules()
    booked = booked_inspection(permit)
    blockers = booking_blockers(permit=permit, now=now)
    half_days = (
        availability(permit=permit, now=now, moving=booked) if not blockers or booked else []
    )
    context = {
        "permit": permit,
        "rules": rules,
        "error": error,
        "blockers": blockers,
        "booked": booked,
        "booked_deadline": change_deadline(booked.day, rules, now.tzinfo) if booked else None,
        "next_step": next_step(permit),
        "steps": permit.permit_type.inspection_steps.all(),
        "half_days": half_days,
        "has_times": any(half.starts_at for half in half_days),
        "history": inspection_history(permit),
        "extension": permit.extensions.first(),
        "certificate": getattr(permit, "certificate_of_occupancy", None),
        "may_change": True,
        **extra,
    }
    status = 400 if error else 200
    return render(request, "permits/inspections.html", context, status=status)


@login_required
def permit_card(request: HttpRequest, reference: str) -> HttpResponse:
    return permit_card_response(_viewable_permit(request, reference))


def permit_card_response(permit: Permit) -> HttpResponse:
    """The permit card PDF of `permit`, which the caller may see (404 before it is issued)."""
    if permit.permit_number is None:
        raise Http404
    response = HttpResponse(pdf.permit_card_pdf(permit=permit), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="permit-{permit.permit_number}.pdf"'
    return response


@login_required
def certificate(request: HttpRequest, reference: str) -> HttpResponse:
    return certificate_response(_viewable_permit(request, reference))


def certificate_response(permit: Permit) -> HttpResponse:
    """The certificate of occupancy PDF of `permit`, which the caller may see (404 if none)."""
    certificate = getattr(permit, "certificate_of_occupancy", None)
    if certificate is None:
        raise Http404
    response = HttpResponse(
        pdf.certificate_of_occupancy_pdf(certificate=certificate), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    return response


def _require_inspector(request: HttpRequest) -> None:
    if not is_inspector(request.user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def inspector_day(request: HttpRequest) -> HttpResponse:
    """The inspector's route for a day (today unless ?day=), in order, on a phone; a POST
    moves one stop up or down the route. A supervisor opens and reorders the route of an
    inspector they supervise with ?inspector= (a hidden field in the POST)."""
    data = request.POST if request.method == "POST" else request.GET
    owner = _route_owner(request, data.get("inspector", ""))
    if request.method == "POST":
        return _route_move(request, owner)
    day = query_day(request.GET.get("day", "")) or agency_now().date()
    route = list(inspector_day_stops(inspector=owner, day=day))
    stops = [
        (
            stop,
            index > 0 and route_services.movable(route[index - 1], stop),
            index < len(route) - 1 and route_services.movable(stop, route[index + 1]),
        )
        for index, stop in enumerate(route)
    ]
    return render(
        request,
        "permits/inspector_day.html",
        {
            "day": day,
            "route": route,
            "stops": stops,
            "owner": None if owner.pk == request.user.pk else owner,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
        },
    )


def _route_owner(request: HttpRequest, inspector_id: str):
    """Whose route: the signed-in inspector's own, or (by id) one they may order (404)."""
    if inspector_id in ("", str(request.user.pk)):
        _require_inspector(request)
        return request.user
    try:
        return route_inspector(user=request.user, inspector_id=int(inspector_id))
    except (ValueError, ObjectDoesNotExist) as missing:
        raise Http404 from missing


def _route_move(request: HttpRequest, owner) -> HttpResponse:
    try:
        inspection = inspection_for_inspector(
            inspector=owner, pk=int(request.POST.get("inspection", ""))
        )
    except (ValueError, Inspection.DoesNotExist) as missing:
        raise Http404 from missing
    try:
        route_services.inspection_route_move(
            inspection=inspection, direction=request.POST.get("direction", ""), actor=request.user
        )
    except InspectionRefused as refused:
        messages.error(request, str(refused))
    whose = f"&inspector={owner.pk}" if owner.pk != request.user.pk else ""
    return redirect(f"{_day_url()}?day={inspection.day.isoformat()}{whose}#stop-{inspection.pk}")


@login_required
@require_http_methods(["GET", "POST"])
def inspection_result(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspection of the inspector's route: its permit, plans and history, and the
    result form."""
    _require_inspector(request)
    try:
        inspection = inspection_for_inspector(inspector=request.user, pk=pk)
    except Inspection.DoesNotExist as missing:
        raise Http404 from missing
    form = ResultForm(request.POST or None, request.FILES or None, inspection=inspection)
    error = ""
    # The key the refused form was sent with: the page names it so the phone drops what it
    # kept under it (portal/offline.py), even when the form comes back with another.
    answered_key = form["result_key"].value() if form.is_bound else ""
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_record_result(
                inspection=inspection, actor=request.user, **form.service_arguments()
            )
            messages.success(request, _("Result recorded."))
            return redirect(f"{_day_url()}?day={inspection.day.isoformat()}")
        except InspectionRefused as refused:
            error = str(refused)
            if refused.code == "key":
                # A fresh key, so the form sent again is this inspection's result of its own.
                form.data = form.data.copy()
                form.data["result_key"] = str(uuid.uuid4())
    permit = inspection.permit
    context = {
        "inspection": inspection,
        "permit": permit,
        "form": form,
        "error": error,
        "answered_key": answered_key,
        "history": inspection_history(permit).exclude(pk=inspection.pk),
        "plans": permit.plan_sheets.filter(removed_at__isnull=True).order_by("sheet", "-version"),
        "results": InspectionResult,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "permits/inspection_result.html", context, status=status)


def _day_url() -> str:
    from django.urls import reverse

    return reverse("permits:inspector_day")
