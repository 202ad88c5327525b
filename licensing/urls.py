from django.urls import path

from licensing import views

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
]
