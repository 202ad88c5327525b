"""Permits' pages. Each part adds its own lines."""

from django.urls import path

from permits.views import reviews

app_name = "permits"

urlpatterns: list = [
    # Plan review (the applicant's side).
    path("applications/<str:reference>/review/", reviews.review_status, name="review"),
    path(
        "applications/<str:reference>/review/letters/<int:round_>/",
        reviews.correction_letter,
        name="correction_letter",
    ),
    path(
        "applications/<str:reference>/review/sheets/",
        reviews.sheet_upload,
        name="review_sheet_upload",
    ),
    path("applications/<str:reference>/review/resubmit/", reviews.resubmit, name="review_resubmit"),
]
