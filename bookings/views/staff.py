"""Staff's booking pages in the back office: the approval queue, one booking's page with its
decisions (approve, decline, check in, no-show, settle the deposit, cancel for the agency,
ask again for a refund the payment service refused) and the list of deposits to settle after
events.

Wired into the admin by `bookings.admin.staff`, so staff reach them signed in with MFA as
every back-office page; scoped by `bookings.selectors_staff`; every write through one
service of `bookings.services`. Plain forms: an invalid form is shown again with what was
typed (400), a done action redirects to the booking's page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from bookings import selectors_staff as selectors
from bookings.exceptions import StaffActionRefused
from bookings.forms_checkout import AgencyCancelForm
from bookings.forms_staff import ApproveForm, DeclineForm, DepositForm, RefundAgainForm
from bookings.models import Booking, BookingStatus
from bookings.services import approval, attendance, deposits, refunds
from bookings.services import cancel as cancelling
from bookings.services.cancel import CancelRefused, paid_cents
from bookings.services.checkout import LIVE
from cases import permissions
from payments.exceptions import RefundRefused
from payments.gateways import GatewayError
from payments.models import RefundStatus

REFUSALS = (StaffActionRefused, CancelRefused, PermissionDenied)


def _context(model_admin, request: HttpRequest, **extra) -> dict:
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **extra}


def _booking(request: HttpRequest, pk: int) -> Booking:
    try:
        return selectors.booking_for_staff(user=request.user, pk=pk)
    except Booking.DoesNotExist:
        raise Http404 from None


def booking_url(booking: Booking) -> str:
    return reverse("admin:bookings_booking_change", args=[booking.pk])


def approval_queue(request: HttpRequest, model_admin) -> HttpResponse:
    """Bookings waiting for approval that the member of staff may decide."""
    queue = list(selectors.approval_queue(user=request.user))
    return render(
        request,
        "bookings/staff/approval_queue.html",
        _context(model_admin, request, title=_("Bookings waiting for approval"), queue=queue),
    )


def deposit_list(request: HttpRequest, model_admin) -> HttpResponse:
    """Events that are over, whose deposit staff have still to settle."""
    rows = list(selectors.deposits_to_settle(user=request.user))
    return render(
        request,
        "bookings/staff/deposits.html",
        _context(model_admin, request, title=_("Deposits to settle after the event"), rows=rows),
    )


def booking_page(
    request: HttpRequest, model_admin, pk: int, *, forms: dict | None = None
) -> HttpResponse:
    """One booking as staff see it, with the forms of what may be done to it now."""
    booking = _booking(request, pk)
    may_act = permissions.can(request.user, permissions.MOVE, booking.case)
    forms = forms or {}
    context = _context(
        model_admin,
        request,
        title=_("Booking %(reference)s") % {"reference": booking.reference},
        booking=booking,
        case=booking.case,
        may_act=may_act,
        pending=booking.status == BookingStatus.PENDING_APPROVAL,
        confirmed=booking.status == BookingStatus.CONFIRMED,
        paid_cents=paid_cents(booking),
        refused_refunds=selectors.refunds_refused(booking=booking),
        may_refund_again=may_act and permissions.can(request.user, permissions.REFUND),
        approve_form=forms.get("approve") or ApproveForm(),
        decline_form=forms.get("decline") or DeclineForm(),
        deposit_form=forms.get("deposit") or DepositForm(),
        cancel_form=forms.get("cancel") or AgencyCancelForm(),
        live=booking.status in LIVE and booking.deposit_settled_at is None,
        case_url=reverse("admin:cases_case_change", args=[booking.case_id]),
        error=forms.get("error", ""),
    )
    status = 400 if forms else 200
    return render(request, "bookings/staff/booking.html", context, status=status)


def _done(request: HttpRequest, booking: Booking, outcome: str, text: str):
    if outcome == approval.UNCHANGED:
        messages.info(request, _("Nothing to do: this was done already."))
    else:
        messages.success(request, text)
    return HttpResponseRedirect(booking_url(booking))


def approve(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    booking = _booking(request, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return booking_page(request, model_admin, pk, forms={"approve": form})
    try:
        outcome = approval.booking_approve(
            booking=booking, actor=request.user, conditions=form.cleaned_data["conditions"]
        )
    except REFUSALS as error:
        return booking_page(request, model_admin, pk, forms={"approve": form, "error": str(error)})
    return _done(request, booking, outcome, _("Approved. The booker has been told."))


def decline(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    booking = _booking(request, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return booking_page(request, model_admin, pk, forms={"decline": form})
    try:
        outcome = approval.booking_decline(
            booking=booking, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except REFUSALS as error:
        return booking_page(request, model_admin, pk, forms={"decline": form, "error": str(error)})
    return _done(
        request, booking, outcome, _("Declined. The booker has been told and is refunded.")
    )


def check_in(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    booking = _booking(request, pk)
    try:
        outcome = attendance.booking_check_in(booking=booking, actor=request.user)
    except REFUSALS as error:
        return booking_page(request, model_admin, pk, forms={"error": str(error)})
    return _done(request, booking, outcome, _("Checked in."))


def no_show(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    booking = _booking(request, pk)
    try:
        outcome = attendance.booking_no_show(booking=booking, actor=request.user)
    except REFUSALS as error:
        return booking_page(request, model_admin, pk, forms={"error": str(error)})
    return _done(request, booking, outcome, _("Recorded as a no-show."))


def settle_deposit(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    booking = _booking(request, pk)
    form = DepositForm(request.POST)
    if not form.is_valid():
        return booking_page(request, model_admin, pk, forms={"deposit": form})
    try:
        outcome = deposits.booking_deposit_settle(
            booking=booking,
            actor=request.user,
            kept_cents=form.cleaned_data["kept"] or 0,
            reason=form.cleaned_data["reason"],
        )
    except REFUSALS as error:
        return booking_page(request, model_admin, pk, forms={"deposit": form, "error": str(error)})
    return _done(request, booking, outcome, _("Deposit settled. The booker has been told."))


def cancel_for_agency(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    """Cancel for the agency (weather, an emergency): everything paid back, the booker told
    with the message."""
    booking = _booking(request, pk)
    form = AgencyCancelForm(request.POST)
    if not form.is_valid():
        return booking_page(request, model_admin, pk, forms={"cancel": form})
    if booking.status not in LIVE or booking.deposit_settled_at is not None:
        messages.info(request, _("Nothing to do: this was done already."))
        return HttpResponseRedirect(booking_url(booking))
    try:
        cancelling.booking_cancel_by_agency(
            booking=booking, actor=request.user, message=form.cleaned_data["message"]
        )
    except REFUSALS as error:
        return booking_page(request, model_admin, pk, forms={"cancel": form, "error": str(error)})
    messages.success(request, _("The booking is cancelled and the booker told."))
    return HttpResponseRedirect(booking_url(booking))


def refund_again(request: HttpRequest, model_admin, pk: int) -> HttpResponse:
    """Ask the payment service again for a refund of the booking it refused (a button of the
    page's list), for exactly its amount; a second click asks nothing more."""
    booking = _booking(request, pk)
    form = RefundAgainForm(request.POST)
    if not form.is_valid():
        error = _("Choose a refund from the list of refunds to ask for again.")
        return booking_page(request, model_admin, pk, forms={"error": error})
    try:
        outcome = refunds.booking_refund_again(
            booking=booking, refund_id=form.cleaned_data["refund"], actor=request.user
        )
    except (*REFUSALS, RefundRefused) as error:
        return booking_page(request, model_admin, pk, forms={"error": str(error)})
    except GatewayError:
        messages.error(
            request,
            _("The payment service refused the refund again. Nothing was given back."),
        )
        return HttpResponseRedirect(booking_url(booking))
    if outcome.repeated:
        messages.info(request, _("Nothing to do: this refund was asked for again already."))
    elif outcome.refund.status == RefundStatus.PENDING:
        messages.warning(
            request,
            _(
                "Asked again. The payment service has not answered yet: the refund will be "
                "completed automatically."
            ),
        )
    else:
        messages.success(request, _("Asked again: the refund is given back."))
    return HttpResponseRedirect(booking_url(booking))
