from django.urls import path

from bookings import urls_checkout, urls_release
from bookings.views import facilities

app_name = "bookings"

urlpatterns = [
    # The public facility pages (bookings.views.facilities).
    path("", facilities.facility_list, name="facilities"),
    path("facilities/<slug:code>/", facilities.facility_detail, name="facility"),
    path(
        "facilities/<slug:code>/availability/",
        facilities.facility_availability,
        name="availability",
    ),
    path(
        "facilities/<slug:code>/availability/month/",
        facilities.facility_availability_month,
        name="availability_month",
    ),
    path(
        "facilities/<slug:code>/photos/<int:photo_id>/",
        facilities.facility_photo,
        name="facility_photo",
    ),
    # Checkout of a held slot and the booking's own pages (see bookings/urls_checkout.py).
    *urls_checkout.urlpatterns,
    # Waitlists of taken slots and lottery requests (see bookings/urls_release.py).
    *urls_release.urlpatterns,
]
