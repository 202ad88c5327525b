"""Permits' pages. Each part adds its own lines."""

from django.urls import path

from permits.views import inspections, reviews

app_name = "permits"

urlpatterns: list = [
    # Plan review (the applicant's side).
    path("<str:reference>/review/", reviews.review_status, name="review"),
    path(
        "<str:reference>/review/letters/<int:round_>/",
        reviews.correction_letter,
        name="correction_letter",
    ),
    path("<str:reference>/review/sheets/", reviews.sheet_upload, name="review_sheet_upload"),
    path("<str:reference>/review/resubmit/", reviews.resubmit, name="review_resubmit"),
    # Issuing and inspections.
    path("<str:reference>/inspections/", inspections.permit_inspections, name="inspections"),
    path("<str:reference>/permit-card.pdf", inspections.permit_card, name="permit_card"),
    path(
        "<str:reference>/certificate-of-occupancy.pdf",
        inspections.certificate,
        name="certificate_of_occupancy",
    ),
    path("inspector/", inspections.inspector_day, name="inspector_day"),
    path("inspector/<int:pk>/", inspections.inspection_result, name="inspection_result"),
    # The public page's name, taking the case reference (its view is the public pages').
    path("public/<str:reference>/", inspections.public_placeholder, name="public"),
]
