from bookings import urls_checkout, urls_release

app_name = "bookings"

urlpatterns = [
    # Checkout of a held slot and the booking's own pages (see bookings/urls_checkout.py).
    *urls_checkout.urlpatterns,
    # Waitlists of taken slots and lottery requests (see bookings/urls_release.py).
    *urls_release.urlpatterns,
]
