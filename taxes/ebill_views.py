"""The resident's e-bill pages: linked parcels, paperless bills, other recipients, and a
linked bill with its timeline. Every page is the signed-in person's own; another person's
link or bill is not found.

Two pages open without signing in, from the messages to another recipient: the link that
confirms their address and the link that stops the messages. Each shows a button (a GET
changes nothing, so a mail scanner that opens links confirms or removes nobody); a link that
is forged, expired or of a removed recipient gets a page that says so (400)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from taxes import ebill_selectors as selectors
from taxes.ebill_forms import PaperlessForm, ParcelLinkForm, RecipientForm
from taxes.exceptions import EBillRateLimited, EBillRefused
from taxes.services import ebills
from taxes.views import SESSION_KEY


@login_required
@require_http_methods(["GET", "POST"])
def my_parcels(request: HttpRequest) -> HttpResponse:
    links = selectors.links_for(user=request.user)
    form = PaperlessForm(request.POST or None, links=links)
    if request.method == "POST" and form.is_valid():
        count = ebills.paperless_set(user=request.user, link_ids=form.cleaned_data["paperless"])
        messages.success(
            request, _("Saved. Parcels with paperless bills: %(count)s.") % {"count": count}
        )
        return redirect("taxes:my_parcels")
    status = 400 if form.errors else 200
    return render(request, "taxes/my_parcels.html", {"links": links, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def parcel_link(request: HttpRequest) -> HttpResponse:
    form = ParcelLinkForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            link = ebills.parcel_link(user=request.user, **form.cleaned_data)
        except EBillRefused as error:
            form.add_error(error.field, str(error))
            status = 429 if isinstance(error, EBillRateLimited) else 400
        else:
            messages.success(
                request, _("Parcel %(number)s is linked.") % {"number": link.parcel.number}
            )
            return redirect("taxes:my_parcels")
    elif form.errors:
        status = 400
    return render(request, "taxes/parcel_link.html", {"form": form}, status=status)


def _link_or_404(request: HttpRequest, pk: int):
    link = selectors.link_for(user=request.user, link_id=pk)
    if link is None:
        raise Http404
    return link


@login_required
@require_http_methods(["GET", "POST"])
def parcel_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A linked parcel: its bills, who else gets them, and adding someone."""
    link = _link_or_404(request, pk)
    form = RecipientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recipient = ebills.recipient_add(link=link, **form.cleaned_data)
        except EBillRefused as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(
                request,
                _(
                    "We sent %(email)s a message to confirm the address. Once confirmed, it "
                    "will get this parcel's bills and reminders too."
                )
                % {"email": recipient.email},
            )
            return redirect("taxes:my_parcel", pk=link.pk)
    context = {
        "link": link,
        "bills": selectors.link_bills(link=link),
        "recipients": list(link.recipients.order_by("id")),
        "form": form,
    }
    return render(request, "taxes/my_parcel.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def recipient_remove(request: HttpRequest, pk: int, recipient_pk: int) -> HttpResponse:
    link = _link_or_404(request, pk)
    recipient = selectors.recipient_for(link=link, recipient_id=recipient_pk)
    if recipient is None:
        raise Http404
    ebills.recipient_remove(recipient=recipient)
    messages.success(request, _("%(email)s was removed.") % {"email": recipient.email})
    return redirect("taxes:my_parcel", pk=link.pk)


@login_required
@require_POST
def parcel_unlink(request: HttpRequest, pk: int) -> HttpResponse:
    link = _link_or_404(request, pk)
    number = link.parcel.number
    ebills.parcel_unlink(link=link)
    messages.success(request, _("Parcel %(number)s is no longer linked.") % {"number": number})
    return redirect("taxes:my_parcels")


@require_http_methods(["GET"])
def my_bill(request: HttpRequest, number: str) -> HttpResponse:
    """A bill of a linked parcel, with its timeline. Anyone else (a delegate without the
    link, a guest) goes to the public bill page, which asks for the second factor."""
    bill = (
        selectors.bill_for_linked(user=request.user, number=number)
        if request.user.is_authenticated
        else None
    )
    if bill is None:
        return redirect("taxes:bill", number=number.upper())
    # Linking proved the resident holds the bill: the public page opens without the factor.
    opened = request.session.get(SESSION_KEY, [])
    if bill.pk not in opened:
        request.session[SESSION_KEY] = [*opened, bill.pk][-20:]
    context = {"bill": bill, "events": selectors.bill_timeline(bill=bill)}
    return render(request, "taxes/my_bill.html", context)


@login_required
@require_POST
def recipient_resend(request: HttpRequest, pk: int, recipient_pk: int) -> HttpResponse:
    link = _link_or_404(request, pk)
    recipient = selectors.recipient_for(link=link, recipient_id=recipient_pk)
    if recipient is None:
        raise Http404
    try:
        ebills.recipient_confirmation_resend(recipient=recipient)
    except EBillRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The confirmation was sent again to %(email)s.") % {"email": recipient.email}
        )
    return redirect("taxes:my_parcel", pk=link.pk)


def _recipient_link(request: HttpRequest, *, kind: str, act, read) -> HttpResponse:
    """A recipient's link page: GET shows a button (`read`), its POST does it (`act`), so a
    mail scanner that opens the link changes nothing. A bad link gets a page saying so."""
    try:
        recipient = act() if request.method == "POST" else read()
    except EBillRefused as error:
        context = {"error": str(error), "kind": kind}
        return render(request, "taxes/recipient_link.html", context, status=400)
    context = {
        "recipient": recipient,
        "kind": kind,
        "done": request.method == "POST" or recipient is None,
    }
    return render(request, "taxes/recipient_link.html", context)


@require_http_methods(["GET", "POST"])
def recipient_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation message: a button that confirms the address."""
    return _recipient_link(
        request,
        kind="confirm",
        act=lambda: ebills.recipient_confirm(token=token),
        read=lambda: ebills.recipient_for_confirm_token(token),
    )


@require_http_methods(["GET", "POST"])
def recipient_stop(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every message to another recipient: a button that removes the address
    (already removed: the page says it is done)."""
    return _recipient_link(
        request,
        kind="stop",
        act=lambda: ebills.recipient_stop(token=token),
        read=lambda: ebills.recipient_for_stop_token(token),
    )
