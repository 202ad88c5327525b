from django.urls import path

from licensing.views import applications, licenses, renewals

app_name = "licensing"

urlpatterns = [
    path("", applications.type_list, name="types"),
    path("lookup/", licenses.lookup, name="lookup"),
    path("mine/", applications.mine, name="mine"),
    path("types/<slug:code>/", applications.type_detail, name="type"),
    path("types/<slug:code>/start/", applications.application_start, name="start"),
    path("apply/<str:reference>/", applications.application_resume, name="resume"),
    path("apply/<str:reference>/about/", applications.apply_about, name="apply_about"),
    path("apply/<str:reference>/questions/", applications.apply_questions, name="apply_questions"),
    path("apply/<str:reference>/documents/", applications.apply_documents, name="apply_documents"),
    path("apply/<str:reference>/check/", applications.apply_check, name="apply_check"),
    path("apply/<str:reference>/discard/", applications.application_discard, name="discard"),
    path("applications/<str:reference>/", applications.application_detail, name="application"),
    path("licenses/<str:number>/", licenses.license_detail, name="license"),
    path(
        "licenses/<str:number>/certificate/",
        licenses.license_certificate,
        name="license_certificate",
    ),
    path("verify/<str:token>/", licenses.license_verify, name="verify"),
    # Renewals: the holder's own, and by the signed link of a reminder (no account).
    path("licenses/<str:number>/renew/", renewals.renew_start, name="renew_start"),
    path("renew/link/<str:token>/", renewals.renew_link, name="renew_link"),
    path("renew/guest/<str:token>/", renewals.renew_details, name="renew_guest_details"),
    path("renew/guest/<str:token>/check/", renewals.renew_check, name="renew_guest_check"),
    path("renew/guest/<str:token>/done/", renewals.renew_status, name="renew_guest_status"),
    path(
        "renew/guest/<str:token>/discard/",
        renewals.renew_discard,
        name="renew_guest_discard",
    ),
    path("renew/<str:reference>/", renewals.renew_details, name="renew_details"),
    path("renew/<str:reference>/check/", renewals.renew_check, name="renew_check"),
    path("renew/<str:reference>/done/", renewals.renew_status, name="renew_status"),
    path("renew/<str:reference>/discard/", renewals.renew_discard, name="renew_discard"),
    path("lookup/<str:number>/complain/", licenses.complaint_new, name="complain"),
]
