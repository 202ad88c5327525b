"""Permits' pages in the staff workbench (under /staff/, so kept to staff with two-factor
authentication by accounts.middleware.StaffMFAMiddleware)."""

from django.urls import path

from permits.views import cancel, routes

app_name = "permits_staff"

urlpatterns = [
    path("cancel/", cancel.staff_cancel, name="cancel"),
    path("inspectors/", routes.inspectors_routes, name="inspectors"),
]
