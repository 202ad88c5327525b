"""Waitlists and lotteries; included in bookings/urls.py (one namespace)."""

from django.urls import path

from bookings.views import release

urlpatterns = [
    # The availability page links here for a taken slot: ?start=<ISO 8601>&minutes=<n>.
    path("waitlist/<slug:code>/join/", release.waitlist_join, name="waitlist_join"),
    path("waitlist/joined/<int:pk>/", release.waitlist_joined, name="waitlist_joined"),
    path("waitlist/mine/<int:pk>/leave/", release.waitlist_leave, name="waitlist_leave"),
    path(
        "waitlist/w/<str:token>/leave/",
        release.guest_waitlist_leave,
        name="guest_waitlist_leave",
    ),
    # A guest's link to the checkout of an offered or lottery-granted hold.
    path("offer/<str:token>/", release.offer_open, name="offer"),
    path("lottery/<int:pk>/request/", release.lottery_request, name="lottery_request"),
    path("lottery/requested/<int:pk>/", release.lottery_requested, name="lottery_requested"),
    path("lottery/mine/<int:pk>/withdraw/", release.lottery_withdraw, name="lottery_withdraw"),
    path(
        "lottery/r/<str:token>/withdraw/",
        release.guest_lottery_withdraw,
        name="guest_lottery_withdraw",
    ),
]
