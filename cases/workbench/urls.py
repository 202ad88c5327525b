from django.urls import path

from cases.workbench import case_page, queue_views, views

app_name = "workbench"

urlpatterns = [
    path("", views.home, name="home"),
    path("work/", queue_views.queue_page, name="queue"),
    path("work/cases.csv", queue_views.queue_export, name="queue_export"),
    path("work/bulk/", queue_views.queue_bulk, name="queue_bulk"),
    path("work/filters/", queue_views.saved_filter_create, name="saved_filter_create"),
    path(
        "work/filters/<int:filter_id>/delete/",
        queue_views.saved_filter_remove,
        name="saved_filter_remove",
    ),
    path("cases/<str:reference>/", case_page.case_page, name="case"),
    path("cases/<str:reference>/status/", case_page.case_transition, name="case_transition"),
    path("cases/<str:reference>/assign/", case_page.case_assign, name="case_assign"),
    path("cases/<str:reference>/note/", case_page.case_note, name="case_note"),
    path("cases/<str:reference>/message/", case_page.case_message, name="case_message"),
    path(
        "cases/<str:reference>/documents/<int:document_id>/preview/",
        case_page.document_preview,
        name="case_document",
    ),
]
