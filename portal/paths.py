"""Addresses no page can have: a NUL (``%00``) anywhere in the path.

PostgreSQL refuses NUL in text, even in a WHERE clause, so a view that looked such a path
parameter up (a reference, a license number, a receipt number) would fail with a server
error. No reference, number, code or token the portal makes holds one, so the middleware
answers 404 before the view runs, for every route, present and future.

An API whose errors have their own format (Open311's error list) marks its views with
`answers_nul_paths` and refuses such a path itself, in that format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse


def answers_nul_paths(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a view that refuses a NUL in its path parameters with its own error body."""
    view.answers_nul_paths = True
    return view


class NulPathMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        if "\x00" in request.path_info and not getattr(view_func, "answers_nul_paths", False):
            raise Http404("No page has a NUL in its address.")
