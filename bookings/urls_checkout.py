"""Checkout and managing a booking; included in bookings/urls.py (one namespace)."""

from django.urls import path

from bookings.views import checkout, manage

# Every page of a booking twice: for its signed-in booker (by reference) and for a guest
# link (by token); see bookings/access.py.
urlpatterns = [
    path("checkout/<str:reference>/", checkout.checkout_page, name="checkout"),
    path("checkout/<str:reference>/done/", checkout.checkout_done, name="checkout_done"),
    path("mine/<str:reference>/", manage.booking_detail, name="booking"),
    path("mine/<str:reference>/calendar.ics", manage.booking_ics, name="booking_ics"),
    path("mine/<str:reference>/cancel/", manage.booking_cancel, name="booking_cancel"),
    path("mine/<str:reference>/move/", manage.booking_move, name="booking_move"),
    path("b/<str:token>/", manage.booking_detail, name="guest_booking"),
    path("b/<str:token>/calendar.ics", manage.booking_ics, name="guest_booking_ics"),
    path("b/<str:token>/cancel/", manage.booking_cancel, name="guest_booking_cancel"),
    path("b/<str:token>/move/", manage.booking_move, name="guest_booking_move"),
]
