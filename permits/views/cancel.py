"""Withdrawing an application (the applicant, before the permit is issued) and cancelling a
permit (staff, in the workbench, with a reason the applicant reads). Each asks first and
acts on the POST; both work without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from permits import selectors_apply, selectors_cancel
from permits import workflow as wf
from permits.exceptions import CancelRefused
from permits.forms_cancel import CancelForm, FindPermitForm, WithdrawForm
from permits.services import cancel as services


@login_required
@require_http_methods(["GET", "POST"])
def permit_withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    permit = selectors_apply.permit_for_applicant(user=request.user, reference=reference)
    if permit.case.status not in wf.WITHDRAWABLE:
        messages.info(request, _("This application can no longer be withdrawn."))
        return redirect(permit.get_absolute_url())
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.permit_withdraw(
                permit=permit, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except CancelRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Your application was withdrawn."))
            return redirect(permit.get_absolute_url())
    return render(
        request,
        "permits/withdraw_confirm.html",
        {"permit": permit, "case": permit.case, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_cancel(request: HttpRequest) -> HttpResponse:
    """Find the permit by its reference (GET), then cancel it with a reason (POST). A
    permit the person may not cancel is "not found", whether it exists or not."""
    source = request.POST if request.method == "POST" else request.GET
    find = FindPermitForm(source if "reference" in source else None)
    permit = None
    if find.is_bound and find.is_valid():
        permit = selectors_cancel.permit_for_cancelling(
            user=request.user, reference=find.cleaned_data["reference"]
        )
        if permit is None:
            find.add_error("reference", _("No permit you may cancel has this reference."))
    form = CancelForm(request.POST if request.method == "POST" and permit else None)
    if permit is not None and form.is_bound and form.is_valid():
        try:
            services.permit_cancel(
                permit=permit, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except CancelRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Permit %(reference)s was cancelled and the applicant told why.")
                % {"reference": permit.permit_number or permit.case.reference},
            )
            return redirect(f"{reverse('permits_staff:cancel')}?reference={permit.case.reference}")
    context = {
        "find": find,
        "form": form,
        "permit": permit,
        "cancellable": permit is not None and permit.case.status in wf.CANCELLABLE,
    }
    status = 400 if find.errors or form.errors else 200
    return render(request, "permits/staff_cancel.html", context, status=status)
