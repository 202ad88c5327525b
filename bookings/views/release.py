"""Waitlist and lottery pages: join a taken slot's waitlist, leave it, open an offer, and
request a slot in a lottery or withdraw the request before the draw. Thin: parse, call one
service, render or redirect. Every form works without JavaScript; the facility's
availability page links here with the facility's code and the slot's start and length
(``?start=<ISO 8601>&minutes=<n>``).
"""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bookings import selectors_checkout
from bookings import selectors_release as selectors
from bookings.forms_release import LotteryRequestForm, PersonForm, SlotForm
from bookings.models import Booking, Facility, Lottery, LotteryRequest, WaitlistEntry
from bookings.services import lottery as lotteries
from bookings.services import waitlist
from cases.links import LinkError, LinkScope, resolve_link
from cases.views import link_problem

SESSION_ENTRIES = "bookings.waitlist"
SESSION_REQUESTS = "bookings.lottery"


def _remember(request: HttpRequest, key: str, pk: int) -> None:
    request.session[key] = [*request.session.get(key, [])[-19:], pk]


def _summary(facility, slot: dict) -> dict:
    """What the slot summary shows (bookings/_booking_summary.html)."""
    start = slot["start"]
    return {
        "facility": facility,
        "starts_at": start,
        "ends_at": start + datetime.timedelta(minutes=slot["minutes"]),
    }


def _person(request: HttpRequest, form) -> dict:
    if request.user.is_authenticated:
        return {"user": request.user}
    return {"name": form.cleaned_data["name"], "email": form.cleaned_data["email"]}


@never_cache
@require_http_methods(["GET", "POST"])
def waitlist_join(request: HttpRequest, code: str) -> HttpResponse:
    facility = Facility.objects.filter(code=code, published_at__isnull=False).first()
    if facility is None:
        raise Http404
    signed_in = request.user.is_authenticated
    form = PersonForm(request.POST or None, initial=request.GET.dict(), signed_in=signed_in)
    slot = SlotForm(request.POST or request.GET)
    if not slot.is_valid():
        context = {"facility": facility, "problem": True}
        return render(request, "bookings/waitlist_join.html", context, status=400)
    if request.method == "POST" and form.is_valid():
        try:
            entry = waitlist.waitlist_join(
                facility=facility,
                start=form.cleaned_data["start"],
                minutes=form.cleaned_data["minutes"],
                **_person(request, form),
            )
        except waitlist.WaitlistRefused as error:
            form.add_error(None, str(error))
        else:
            _remember(request, SESSION_ENTRIES, entry.pk)
            return redirect("bookings:waitlist_joined", pk=entry.pk)
    context = {"facility": facility, "form": form, "slot": _summary(facility, slot.cleaned_data)}
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/waitlist_join.html", context, status=status)


@never_cache
@require_GET
def waitlist_joined(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation, for the browser that joined (or the account that owns the entry)."""
    entry = WaitlistEntry.objects.select_related("facility").filter(pk=pk).first()
    mine = entry is not None and (
        pk in request.session.get(SESSION_ENTRIES, [])
        or (request.user.is_authenticated and entry.user_id == request.user.pk)
    )
    if not mine:
        raise Http404
    context = {"entry": entry, "position": selectors.waitlist_position(entry=entry)}
    return render(request, "bookings/waitlist_joined.html", context)


def _leave(request: HttpRequest, entry: WaitlistEntry) -> HttpResponse:
    left = request.method == "POST" and waitlist.waitlist_leave(entry=entry)
    if request.method == "POST":
        entry.refresh_from_db()
    context = {"entry": entry, "left": left, "done": request.method == "POST"}
    response = render(request, "bookings/waitlist_leave.html", context)
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def waitlist_leave(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        entry = selectors.waitlist_entry_for_user(user=request.user, pk=pk)
    except WaitlistEntry.DoesNotExist:
        raise Http404 from None
    return _leave(request, entry)


@never_cache
@require_http_methods(["GET", "POST"])
def guest_waitlist_leave(request: HttpRequest, token: str) -> HttpResponse:
    try:
        entry = selectors.waitlist_entry_for_guest_token(token=token, scope=LinkScope.CANCEL)
    except LinkError as error:
        return link_problem(request, error, token=token)
    return _leave(request, entry)


@never_cache
@require_GET
def offer_open(request: HttpRequest, token: str) -> HttpResponse:
    """A guest's link to an offered (or lottery-granted) hold: this browser takes the hold
    over and goes to its checkout."""
    try:
        booking = resolve_link(token, LinkScope.PAY, model=Booking).target
    except LinkError as error:
        return link_problem(request, error, token=token)
    key = selectors_checkout.session_holder_key(request.session)
    if not key:
        key = secrets.token_urlsafe(24)
        request.session[selectors_checkout.SESSION_HOLDER_KEY] = key
    if not waitlist.offer_claim(booking=booking, holder_key=key):
        response = render(request, "bookings/offer_ended.html", {"booking": booking}, status=410)
    else:
        response = redirect("bookings:checkout", reference=booking.reference)
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def lottery_request(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        lottery = selectors.lottery_open(pk=pk)
    except Lottery.DoesNotExist:
        raise Http404 from None
    signed_in = request.user.is_authenticated
    form = LotteryRequestForm(request.POST or None, initial=request.GET.dict(), signed_in=signed_in)
    slot = SlotForm(request.POST or request.GET)
    if not slot.is_valid():
        context = {"lottery": lottery, "problem": True}
        return render(request, "bookings/lottery_request.html", context, status=400)
    if request.method == "POST" and form.is_valid():
        try:
            made = lotteries.lottery_request(
                lottery=lottery,
                start=form.cleaned_data["start"],
                minutes=form.cleaned_data["minutes"],
                resident=form.cleaned_data["resident"],
                **_person(request, form),
            )
        except lotteries.LotteryRefused as error:
            form.add_error(None, str(error))
        else:
            _remember(request, SESSION_REQUESTS, made.pk)
            return redirect("bookings:lottery_requested", pk=made.pk)
    context = {
        "lottery": lottery,
        "form": form,
        "slot": _summary(lottery.facility, slot.cleaned_data),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/lottery_request.html", context, status=status)


@never_cache
@require_GET
def lottery_requested(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation of a request, for the browser that made it (or its account)."""
    made = LotteryRequest.objects.select_related("lottery__facility").filter(pk=pk).first()
    mine = made is not None and (
        pk in request.session.get(SESSION_REQUESTS, [])
        or (request.user.is_authenticated and made.user_id == request.user.pk)
    )
    if not mine:
        raise Http404
    return render(request, "bookings/lottery_requested.html", {"made": made})


def _withdraw(request: HttpRequest, made: LotteryRequest) -> HttpResponse:
    context: dict = {"made": made, "done": False, "withdrawn": False, "refusal": ""}
    status = 200
    if request.method == "POST":
        try:
            context["withdrawn"] = lotteries.lottery_request_withdraw(request=made)
            context["done"] = True
        except lotteries.LotteryRefused as error:
            context["refusal"], status = str(error), 400
        made.refresh_from_db()
    lottery = made.lottery
    context["open"] = not lottery.drawn and timezone.now() < lottery.closes_at
    response = render(request, "bookings/lottery_withdraw.html", context, status=status)
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def lottery_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        made = selectors.lottery_request_for_user(user=request.user, pk=pk)
    except LotteryRequest.DoesNotExist:
        raise Http404 from None
    return _withdraw(request, made)


@never_cache
@require_http_methods(["GET", "POST"])
def guest_lottery_withdraw(request: HttpRequest, token: str) -> HttpResponse:
    try:
        made = selectors.lottery_request_for_guest_token(token=token, scope=LinkScope.CANCEL)
    except LinkError as error:
        return link_problem(request, error, token=token)
    return _withdraw(request, made)
