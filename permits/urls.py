"""Permits' pages. Each part adds its own lines."""

from django.urls import path

from permits.views import public, reviews

app_name = "permits"

urlpatterns: list = [
    # Public, without signing in: the search, one permit's page (the permit card's QR code
    # opens `permits:public` with the case reference or the permit number) and the open data.
    path("find/", public.permit_search, name="search"),
    path("public/<str:reference>/", public.permit_public, name="public"),
    path("data/<slug:dataset>.<slug:fmt>", public.open_data, name="open_data"),
    # Plan review (the applicant's side).
    path("<str:reference>/review/", reviews.review_status, name="review"),
    path(
        "<str:reference>/review/letters/<int:round_>/",
        reviews.correction_letter,
        name="correction_letter",
    ),
    path("<str:reference>/review/sheets/", reviews.sheet_upload, name="review_sheet_upload"),
    path("<str:reference>/review/resubmit/", reviews.resubmit, name="review_resubmit"),
]
