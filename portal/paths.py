"""Addresses no page can have: a NUL (``%00``) anywhere in the path.

PostgreSQL refuses NUL in text, even in a WHERE clause, so a view that looked such a path
parameter up (a reference, a license number, a receipt number) would fail with a server
error. No reference, number, code or token the portal makes holds one, so the middleware
answers 404 before any view runs, for every route, present and future.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse


class NulPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            raise Http404("No page has a NUL in its address.")
        return self.get_response(request)
