"""Pages that show a one-time message ("Result recorded.") are not to be stored.

Django's messages are shown once: the page that shows one is the answer to that moment. A
copy kept by anything (the inspector's service worker, which keeps pages for offline use, a
shared cache, the browser's back-forward cache) would show the message again when it is
replayed. So a response whose messages were read while rendering it says `no-store`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class ShownMessagesNoStoreMiddleware:
    """Mark `Cache-Control: no-store` on a response that showed the request's messages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        storage = getattr(request, "_messages", None)
        # `used` is set when the messages were iterated, which is how a template shows them.
        if storage is not None and storage.used:
            patch_cache_control(response, no_store=True)
        return response
