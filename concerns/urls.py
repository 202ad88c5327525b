from django.urls import path

from concerns import field_views, views
from portal.offline import offline_service_worker

app_name = "concerns"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("reports.csv", views.report_csv, name="csv"),
    path("report/", views.report_start, name="report_start"),
    path("report/<slug:code>/place/", views.report_location, name="report_location"),
    path("report/<slug:code>/details/", views.report_details, name="report_details"),
    path("report/held-photo/<str:token>/", views.held_photo, name="held_photo"),
    path("sent/<str:reference>/", views.report_sent, name="report_sent"),
    path("track/<str:token>/", views.report_guest, name="guest"),
    path("track/<str:token>/not-fixed/", views.guest_not_fixed, name="guest_not_fixed"),
    path("track/<str:token>/rate/", views.guest_rate, name="guest_rate"),
    path("follow/<str:token>/", views.report_follow_confirm, name="follow_confirm"),
    # The field staff's day (before the report pages, whose reference would match "field").
    path("field/", field_views.field_day, name="field_day"),
    path("field/<int:pk>/", field_views.field_result, name="field_result"),
    path(
        "field/service-worker.js",
        offline_service_worker,
        {"scope_url_name": "concerns:field_day"},
        name="field_service_worker",
    ),
    path("<str:reference>/", views.report_detail, name="detail"),
    path("<str:reference>/follow/", views.report_follow, name="follow"),
    path("<str:reference>/unfollow/", views.report_unfollow, name="unfollow"),
    path("<str:reference>/not-fixed/", views.report_not_fixed, name="not_fixed"),
    path("<str:reference>/rate/", views.report_rate, name="rate"),
    path("<str:reference>/photos/<int:position>/", views.photo, name="photo"),
]
