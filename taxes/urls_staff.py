"""The tax collector's workbench pages, under /staff/taxes/ (see taxes.views_staff)."""

from django.urls import path

from taxes import staff_views, views_staff

app_name = "taxes_staff"

urlpatterns = [
    path("", views_staff.parcel_search, name="search"),
    path("delinquent/", views_staff.delinquent_list, name="delinquent"),
    path("parcels/<str:number>/", views_staff.parcel_detail, name="parcel"),
    path("bills/<str:number>/adjust/", views_staff.bill_adjust_post, name="adjust"),
    path(
        "bills/<str:number>/settle-lender/",
        views_staff.bill_lender_settle_post,
        name="settle_lender",
    ),
    # Tax messages that bounced, and the reminder runs (taxes.staff_views).
    path("paper-notices/", staff_views.paper_notices, name="paper_notices"),
    path("reminder-runs/", staff_views.reminder_runs, name="reminder_runs"),
]
