from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications import tokens
from notifications.forms import UnsubscribeForm
from notifications.selectors import inbox_for
from notifications.services import notification_mark_read, unsubscribe_by_token

INBOX_PAGE_SIZE = 20


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(inbox_for(user=request.user), INBOX_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {"page": page, "inbox": page.object_list})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(inbox_for(user=request.user), pk=pk)
    notification_mark_read(notification=notification, user=request.user)
    # Only a path on this site: redirect() would read a bare word as a view's name.
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(next_url)
    return redirect("notifications:inbox")


# The signed token is the credential, not a session: mail clients send the RFC 8058
# one-click POST without cookies or a CSRF token, so this view alone is exempt.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        if not unsubscribe_by_token(token=token):
            return render(request, "notifications/unsubscribe_invalid.html", status=404)
        return render(request, "notifications/unsubscribed.html")
    if tokens.read_unsubscribe_token(token) is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=404)
    return render(request, "notifications/unsubscribe_confirm.html", {"form": UnsubscribeForm()})
