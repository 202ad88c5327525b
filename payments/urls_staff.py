from django.urls import path

from payments import workbench_views

app_name = "payments_staff"

urlpatterns = [
    path(
        "cases/<str:reference>/payments/<int:payment_id>/refund/",
        workbench_views.case_refund,
        name="case_refund",
    ),
]
