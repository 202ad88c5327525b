from django.urls import path

from licensing import renewal_views, views

app_name = "licensing"

urlpatterns = [
    path("", views.type_list, name="types"),
    path("lookup/", views.lookup, name="lookup"),
    path("mine/", views.mine, name="mine"),
    path("types/<slug:code>/", views.type_detail, name="type"),
    path("types/<slug:code>/start/", views.application_start, name="start"),
    path("apply/<str:reference>/", views.application_resume, name="resume"),
    path("apply/<str:reference>/about/", views.apply_about, name="apply_about"),
    path("apply/<str:reference>/questions/", views.apply_questions, name="apply_questions"),
    path("apply/<str:reference>/documents/", views.apply_documents, name="apply_documents"),
    path("apply/<str:reference>/check/", views.apply_check, name="apply_check"),
    path("apply/<str:reference>/discard/", views.application_discard, name="discard"),
    path("applications/<str:reference>/", views.application_detail, name="application"),
    path("licenses/<str:number>/", views.license_detail, name="license"),
    path(
        "licenses/<str:number>/certificate/",
        views.license_certificate,
        name="license_certificate",
    ),
    path("verify/<str:token>/", views.license_verify, name="verify"),
    # Renewals: the holder's own, and by the signed link of a reminder (no account).
    path("licenses/<str:number>/renew/", renewal_views.renew_start, name="renew_start"),
    path("renew/link/<str:token>/", renewal_views.renew_link, name="renew_link"),
    path("renew/guest/<str:token>/", renewal_views.renew_details, name="renew_guest_details"),
    path("renew/guest/<str:token>/check/", renewal_views.renew_check, name="renew_guest_check"),
    path("renew/guest/<str:token>/done/", renewal_views.renew_status, name="renew_guest_status"),
    path(
        "renew/guest/<str:token>/discard/",
        renewal_views.renew_discard,
        name="renew_guest_discard",
    ),
    path("renew/<str:reference>/", renewal_views.renew_details, name="renew_details"),
    path("renew/<str:reference>/check/", renewal_views.renew_check, name="renew_check"),
    path("renew/<str:reference>/done/", renewal_views.renew_status, name="renew_status"),
    path("renew/<str:reference>/discard/", renewal_views.renew_discard, name="renew_discard"),
    path("lookup/<str:number>/complain/", views.complaint_new, name="complain"),
]
