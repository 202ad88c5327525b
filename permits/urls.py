"""Permits' pages. Each part adds its own lines."""

from django.urls import path

from permits.views import (
    apply,
    cancel,
    guest,
    inspections,
    inspector_plans,
    photos,
    public,
    reviews,
)
from portal.offline import offline_service_worker

app_name = "permits"

urlpatterns = [
    # Applying (permits.views.apply).
    path("", apply.type_list, name="types"),
    path("mine/", apply.mine, name="mine"),
    path("types/<slug:code>/", apply.type_detail, name="type"),
    path("types/<slug:code>/start/", apply.permit_start, name="start"),
    path("apply/<str:reference>/", apply.permit_resume, name="resume"),
    path("apply/<str:reference>/property/", apply.apply_property, name="apply_property"),
    path("apply/<str:reference>/work/", apply.apply_work, name="apply_work"),
    path("apply/<str:reference>/contractor/", apply.apply_contractor, name="apply_contractor"),
    path("apply/<str:reference>/plans/", apply.apply_plans, name="apply_plans"),
    path("apply/<str:reference>/questions/", apply.apply_questions, name="apply_questions"),
    path("apply/<str:reference>/check/", apply.apply_check, name="apply_check"),
    path("apply/<str:reference>/discard/", apply.permit_discard, name="discard"),
    path("applications/<str:reference>/", apply.permit_detail, name="application"),
    path("applications/<str:reference>/withdraw/", cancel.permit_withdraw, name="withdraw"),
    path(
        "applications/<str:reference>/plans/<int:sheet_id>/",
        apply.plan_sheet_download,
        name="plan_sheet",
    ),
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
    # Issuing and inspections.
    path(
        "applications/<str:reference>/inspections/",
        inspections.permit_inspections,
        name="inspections",
    ),
    path(
        "applications/<str:reference>/permit-card.pdf", inspections.permit_card, name="permit_card"
    ),
    path(
        "applications/<str:reference>/certificate-of-occupancy.pdf",
        inspections.certificate,
        name="certificate_of_occupancy",
    ),
    path("inspection-photos/<int:pk>/", photos.inspection_photo, name="inspection_photo"),
    path(
        "inspection-photos/<int:pk>/thumbnail/",
        photos.inspection_photo,
        {"thumbnail": True},
        name="inspection_photo_thumbnail",
    ),
    # A guest applicant's inspections, by a link to the permit's case (cases.links).
    path("guest/<str:token>/inspections/", guest.guest_inspections, name="guest_inspections"),
    path(
        "guest/<str:token>/inspection-photos/<int:pk>/",
        guest.guest_inspection_photo,
        name="guest_inspection_photo",
    ),
    path(
        "guest/<str:token>/inspection-photos/<int:pk>/thumbnail/",
        guest.guest_inspection_photo,
        {"thumbnail": True},
        name="guest_inspection_photo_thumbnail",
    ),
    path("guest/<str:token>/invoices/<str:reference>/", guest.guest_invoice, name="guest_invoice"),
    path("guest/<str:token>/permit-card.pdf", guest.guest_permit_card, name="guest_permit_card"),
    path(
        "guest/<str:token>/certificate-of-occupancy.pdf",
        guest.guest_certificate,
        name="guest_certificate_of_occupancy",
    ),
    path("inspector/", inspections.inspector_day, name="inspector_day"),
    path("inspector/<int:pk>/", inspections.inspection_result, name="inspection_result"),
    path(
        "inspector/<int:pk>/plans/<int:sheet_id>/",
        inspector_plans.inspection_plan_sheet,
        name="inspection_plan_sheet",
    ),
    path(
        "inspector/service-worker.js",
        offline_service_worker,
        {"scope_url_name": "permits:inspector_day"},
        name="inspector_service_worker",
    ),
    # Public, without signing in: the search, one permit's page (the permit card's QR code
    # opens `permits:public` with the case reference; the permit number works too) and the
    # open data.
    path("find/", public.permit_search, name="search"),
    path("public/<str:reference>/", public.permit_public, name="public"),
    path("data/<slug:dataset>.<slug:fmt>", public.open_data, name="open_data"),
]
