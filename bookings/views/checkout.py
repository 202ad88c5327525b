"""Checkout pages: the booker's details and answers for a held slot, pay, the confirmation.

A held slot is reached by its hold's public id, and only by the visitor who held it (the
hold is in their session, or they are the account that holds it). Thin: parse, call one
service, render or redirect.
"""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bookings import selectors_checkout as selectors
from bookings.forms_checkout import BookerForm
from bookings.models import Booking, BookingStatus
from bookings.services import checkout
from cases.questions.forms import QuestionsForm
from cases.questions.selectors import questions_of
from payments import services as payments
from payments.exceptions import InvoiceNotPayable, OnlinePaymentUnavailable, PaymentRefused
from payments.gateways import GatewayError
from payments.models import SETTLED_STATUSES, PaymentGateway, PaymentStatus
from payments.selectors import latest_attempt

SESSION_LINKS = "bookings.links"


def _held(request: HttpRequest, reference: str) -> Booking | None:
    return selectors.held_booking_for_visitor(
        reference=reference, user=request.user, session=request.session
    )


def _hold_ended(request: HttpRequest) -> HttpResponse:
    """No hold of this visitor by that reference: most often one that lapsed unused, which
    the expiry sweep deletes. The same page for anyone else's reference (a 404 either way),
    so it tells nobody whether a booking exists."""
    return render(request, "bookings/hold_ended.html", status=404)


def _forms(request: HttpRequest, booking: Booking, data=None):
    signed_in = request.user.is_authenticated
    booker = BookerForm(data, signed_in=signed_in, prefix="booker")
    questions = QuestionsForm(
        data,
        questions=questions_of(owner=booking.facility),
        answers=booking.answers or {},
        prefix="q",
    )
    return booker, questions


@never_cache
@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest, reference: str) -> HttpResponse:
    booking = _held(request, reference)
    if booking is None:
        return _hold_ended(request)
    if booking.status != BookingStatus.HELD:
        return redirect("bookings:checkout_done", reference=reference)
    booker, questions = _forms(request, booking, request.POST or None)
    if request.method == "POST" and booker.is_valid() & questions.is_valid():
        data = booker.cleaned_data
        try:
            invoice = checkout.booking_checkout(
                booking=booking,
                user=request.user if request.user.is_authenticated else None,
                name=data.get("name", ""),
                email=data.get("email", ""),
                phone=str(data.get("phone") or ""),
                answers=questions.answers(),
                resident=data["resident"],
            )
            if invoice is None:  # nothing to pay
                return redirect("bookings:checkout_done", reference=reference)
            done = request.build_absolute_uri(
                reverse("bookings:checkout_done", kwargs={"reference": reference})
            )
            payment = payments.payment_attempt_start(
                invoice=invoice, success_url=done, cancel_url=request.build_absolute_uri()
            )
        except checkout.AnswersInvalid as error:
            for field, message in error.errors.items():
                form = booker if field in booker.fields else questions
                form.add_error(field if field in form.fields else None, message)
        except (checkout.CheckoutRefused, InvoiceNotPayable, PaymentRefused) as error:
            booker.add_error(None, str(error))
        except (OnlinePaymentUnavailable, GatewayError):
            booker.add_error(
                None, _("The payment service did not answer. Please try again in a few minutes.")
            )
        else:
            if payment.status != PaymentStatus.PENDING:
                return redirect("bookings:checkout_done", reference=reference)
            response = redirect(payment.checkout_url)
            response.status_code = 303
            return response
    context = {
        "booking": booking,
        "booker_form": booker,
        "questions_form": questions,
        "price_lines": checkout.booking_price_lines(booking, resident=False),
        "resident_lines": checkout.booking_price_lines(booking, resident=True),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/checkout.html", context, status=status)


@never_cache
@require_GET
def checkout_done(request: HttpRequest, reference: str) -> HttpResponse:
    """Where the gateway sends the payer back: confirmed, still processing, or not paid.

    Only the payment's own answer settles (Stripe is asked if its webhook is late).
    """
    booking = _held(request, reference)
    if booking is None:
        return _hold_ended(request)
    invoice = checkout.booking_invoice(booking)
    payment = latest_attempt(invoice=invoice) if invoice is not None else None
    if (
        payment is not None
        and payment.status == PaymentStatus.PENDING
        and payment.gateway == PaymentGateway.STRIPE
    ):
        with contextlib.suppress(GatewayError):
            payments.payment_refresh(payment=payment)
        booking.refresh_from_db()
        invoice.refresh_from_db()
    manage_url = ""
    if booking.status in checkout.LIVE and booking.user_id is None:
        manage_url = _session_manage_url(request, booking)
    elif booking.status in checkout.LIVE:
        manage_url = reverse("bookings:booking", kwargs={"reference": booking.reference})
    paid = invoice is not None and invoice.status in SETTLED_STATUSES
    if booking.status in checkout.LIVE and (paid or invoice is None):
        state = "confirmed"
    elif payment is not None and payment.status == PaymentStatus.PENDING:
        state = "processing"
    elif paid:
        state = "refunded"  # paid after the hold ended: refunded automatically
    else:
        state = "not_paid"
        if booking.status == BookingStatus.HELD:
            messages.info(request, _("Your payment was not completed. Nothing was charged."))
            return redirect("bookings:checkout", reference=reference)
    context = {"booking": booking, "invoice": invoice, "state": state, "manage_url": manage_url}
    response = render(request, "bookings/checkout_done.html", context)
    response["Referrer-Policy"] = "same-origin"
    return response


def _session_manage_url(request: HttpRequest, booking: Booking) -> str:
    """The guest's link to manage the booking, issued once per browser session (the same
    link is e-mailed to them), so reloading the page issues no new links."""
    kept = request.session.get(SESSION_LINKS, {})
    token = kept.get(str(booking.pk))
    if token is None:
        issued = checkout.manage_link(booking)
        if issued is None:
            return ""
        token = issued.token
        request.session[SESSION_LINKS] = {**kept, str(booking.pk): token}
    return reverse("bookings:guest_booking", kwargs={"token": token})
