from bookings import urls_checkout

app_name = "bookings"

urlpatterns = [
    # Checkout of a held slot and the booking's own pages (see bookings/urls_checkout.py).
    *urls_checkout.urlpatterns,
]
