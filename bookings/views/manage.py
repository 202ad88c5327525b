"""A booking's own pages: see it, download its calendar file, cancel it, move it. Reached by
the booker's account or their guest link (`bookings.access`); staff's cancellation for the
agency is in the back office (`bookings.views.staff`). Thin: parse, call one service, render
or redirect."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bookings import ics, refund_policy
from bookings.access import BookingAccess, booking_page
from bookings.forms_checkout import CancelForm, MoveForm
from bookings.services import cancel as cancelling
from bookings.services import checkout


@never_cache
@require_GET
@booking_page
def booking_detail(request: HttpRequest, access: BookingAccess) -> HttpResponse:
    booking = access.booking
    context = {
        "access": access,
        "booking": booking,
        "live": booking.status in checkout.LIVE,
        "invoices": cancelling.booking_invoices(booking),
    }
    return render(request, "bookings/booking_detail.html", context)


@never_cache
@require_GET
@booking_page
def booking_ics(request: HttpRequest, access: BookingAccess) -> HttpResponse:
    """The booking's .ics: the invitation, or its cancellation once cancelled."""
    response = HttpResponse(
        checkout.booking_calendar(access.booking), content_type=ics.CONTENT_TYPE
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{ics.filename(access.booking.reference)}"'
    )
    return response


@never_cache
@require_http_methods(["GET", "POST"])
@booking_page
def booking_cancel(request: HttpRequest, access: BookingAccess) -> HttpResponse:
    """What cancelling gives back today, then the confirmation."""
    booking = access.booking
    if booking.status not in checkout.LIVE:
        messages.info(request, _("This booking is not active."))
        return redirect(access.detail_url)
    quote = cancelling.booking_cancel_quote(booking=booking)
    form = CancelForm(request.POST or None, initial={"expected_refund_cents": quote.refund_cents})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            quote = cancelling.booking_cancel(
                booking=booking,
                expected_refund_cents=form.cleaned_data["expected_refund_cents"],
                actor=request.user if request.user.is_authenticated else None,
            )
        except cancelling.QuoteChanged as error:
            quote = error.quote
            # The new figure, for the visitor to confirm again.
            form = CancelForm({"expected_refund_cents": quote.refund_cents})
            form.is_valid()
            form.add_error(None, str(error))
            status = 409
        except cancelling.CancelRefused as error:
            messages.error(request, str(error))
            return redirect(access.detail_url)
        else:
            messages.success(request, _("Your booking is cancelled."))
            return redirect(access.detail_url)
    elif request.method == "POST":
        status = 400
    context = {
        "access": access,
        "booking": booking,
        "quote": quote,
        "form": form,
        "before_approval": cancelling.cancelled_before_approval(booking),
    }
    return render(request, "bookings/booking_cancel.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@booking_page
def booking_move(request: HttpRequest, access: BookingAccess) -> HttpResponse:
    """Free times of the same facility to move to; the difference charged or refunded."""
    booking = access.booking
    if booking.status not in checkout.LIVE:
        messages.info(request, _("This booking is not active."))
        return redirect(access.detail_url)
    day = _day(request) or refund_policy.agency_date(booking.starts_at)
    slots = cancelling.move_choices(booking=booking, day=day)
    form = MoveForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        chosen = _slot(form.cleaned_data["slot"])
        if chosen is None:
            form.add_error("slot", _("Choose one of the free times."))
        else:
            try:
                outcome = cancelling.booking_move(
                    booking=booking,
                    starts_at=chosen[0],
                    ends_at=chosen[1],
                    actor=request.user if request.user.is_authenticated else None,
                )
            except cancelling.CancelRefused as error:
                form.add_error("slot", str(error))
            else:
                messages.success(request, _("Your booking is moved."))
                if outcome.invoice is not None:
                    return redirect(_invoice_url(outcome.invoice))
                return redirect(access.detail_url)
    if request.method == "POST" and form.errors:
        status = 400
    context = {"access": access, "booking": booking, "slots": slots, "form": form, "day": day}
    return render(request, "bookings/booking_move.html", context, status=status)


def _day(request: HttpRequest) -> datetime.date | None:
    """The day asked for, if it reads as a date within a year from today."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return None
    today = timezone.localdate()
    return day if today <= day <= today + datetime.timedelta(days=366) else None


def _slot(value: str):
    start, _sep, end = value.partition("/")
    try:
        starts_at = datetime.datetime.fromisoformat(start)
        ends_at = datetime.datetime.fromisoformat(end)
    except ValueError:
        return None
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        return None
    return starts_at, ends_at


def _invoice_url(invoice) -> str:
    from payments.tokens import invoice_url

    return invoice_url(invoice=invoice)
