"""How a visitor reached an invoice: as its signed-in payer, or through a guest link.

Every invoice page exists twice, under ``invoices/<reference>/`` (signed in, checked against
the payer) and under ``guest/<token>/`` (a guest link of cases.links). `invoice_page`
resolves either into an `InvoiceAccess`, and the page builds its links from it, so a guest
stays on guest links and a resident on account links. A guest view link (a receipt
e-mail's) opens every page but paying; a pay link opens them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial, wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from cases.links import LinkError, LinkInvalid, LinkScope
from cases.views import link_problem
from payments import selectors
from payments.models import Invoice


@dataclass(frozen=True)
class InvoiceAccess:
    invoice: Invoice
    token: str | None = None
    can_pay: bool = True

    @property
    def is_guest(self) -> bool:
        return self.token is not None

    def url(self, name: str, **kwargs) -> str:
        if self.token is not None:
            return reverse(f"payments:guest_{name}", kwargs={"token": self.token, **kwargs})
        return reverse(f"payments:{name}", kwargs={"reference": self.invoice.reference, **kwargs})

    @property
    def detail_url(self) -> str:
        return self.url("invoice")

    @property
    def pay_url(self) -> str:
        return self.url("invoice_pay")

    @property
    def return_url(self) -> str:
        return self.url("invoice_return")

    def receipt_url(self, number: str) -> str:
        return self.url("receipt", number=number)


def invoice_page(view=None, *, scope: str = LinkScope.VIEW):
    """Decorate a view taking (request, access, ...) to be reached by reference or token.

    A guest link must grant `scope` (``@invoice_page(scope=LinkScope.PAY)`` for paying).
    One that is forged, altered or for something else gets a page that says so (404); one
    that expired or was withdrawn, a page offering a fresh link (410); a resident's
    reference that is not theirs gets a plain 404, as if it did not exist.
    """
    if view is None:
        return partial(invoice_page, scope=scope)

    @wraps(view)
    def wrapper(request, *args, reference: str | None = None, token: str | None = None, **kwargs):
        if token is not None:
            try:
                invoice, can_pay = selectors.invoice_for_guest_token(token=token, scope=scope)
            except LinkInvalid:
                return render(request, "payments/link_invalid.html", status=404)
            except LinkError as error:
                return link_problem(request, error, token=token)
            access = InvoiceAccess(invoice=invoice, token=token, can_pay=can_pay)
            return view(request, access, *args, **kwargs)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            invoice = selectors.invoice_for_user(user=request.user, reference=reference)
        except Invoice.DoesNotExist:
            raise Http404 from None
        return view(request, InvoiceAccess(invoice=invoice), *args, **kwargs)

    return wrapper
