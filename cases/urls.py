from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("track/<str:token>/", views.guest_case, name="guest"),
    path("links/<str:token>/refresh/", views.link_refresh_post, name="link_refresh"),
    path("links/<str:token>/replace/", views.link_replace_post, name="link_replace"),
    path("participate/<str:token>/", views.participant_confirm, name="participant_confirm"),
    path("<str:reference>/", views.case_detail, name="detail"),
    path("<str:reference>/reply/", views.case_reply_post, name="reply"),
    path("<str:reference>/documents/", views.document_upload, name="upload"),
    path("<str:reference>/documents/<int:document_id>/", views.document_download, name="document"),
    path("<str:reference>/status/", views.case_transition_post, name="transition"),
]
