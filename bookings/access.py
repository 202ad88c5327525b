"""How a visitor reached a booking: as its signed-in booker, or through its guest link.

Every page of a booking (see it, its calendar file, cancel it, move it) exists twice: under
``mine/<reference>/`` for the account that booked it (checked against the booker in the
query, so another resident's reference is a plain 404) and under ``b/<token>/`` for a guest
link of `cases.links`, scope `cancel` (which grants seeing it too). `booking_page` resolves
either into a `BookingAccess`, and pages build their links from it, so a guest stays on
guest links and a resident on account links. A stale, withdrawn or altered link gets
`cases.views.link_problem`, which says why and offers a fresh link to where it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial, wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse

from bookings import selectors_checkout as selectors
from bookings.models import Booking
from cases.links import LinkError, LinkScope
from cases.views import link_problem


@dataclass(frozen=True)
class BookingAccess:
    booking: Booking
    token: str | None = None

    @property
    def is_guest(self) -> bool:
        return self.token is not None

    def url(self, name: str) -> str:
        if self.token is not None:
            return reverse(f"bookings:guest_{name}", kwargs={"token": self.token})
        return reverse(f"bookings:{name}", kwargs={"reference": self.booking.reference})

    @property
    def detail_url(self) -> str:
        return self.url("booking")

    @property
    def calendar_url(self) -> str:
        return self.url("booking_ics")

    @property
    def cancel_url(self) -> str:
        return self.url("booking_cancel")

    @property
    def move_url(self) -> str:
        return self.url("booking_move")

    @property
    def pay_url(self) -> str:
        return self.url("booking_pay")


def booking_page(view=None, *, scope: str = LinkScope.CANCEL):
    """Decorate a view taking (request, access, ...) to be reached by reference or token."""
    if view is None:
        return partial(booking_page, scope=scope)

    @wraps(view)
    def wrapper(request, *args, reference: str | None = None, token: str | None = None, **kwargs):
        if token is not None:
            try:
                booking = selectors.booking_for_guest_token(token=token, scope=scope)
            except LinkError as error:
                response = link_problem(request, error, token=token)
                return response
            response = view(request, BookingAccess(booking=booking, token=token), *args, **kwargs)
            # The token is a credential: keep it out of Referer headers and shared caches.
            response["Referrer-Policy"] = "same-origin"
            response["Cache-Control"] = "private, no-store"
            return response
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            booking = selectors.booking_for_user(user=request.user, reference=reference)
        except Booking.DoesNotExist:
            raise Http404 from None
        return view(request, BookingAccess(booking=booking), *args, **kwargs)

    return wrapper
