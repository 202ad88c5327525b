"""The workbench page of credits to refund, under /staff/tax-credits/."""

from django.urls import path

from taxes import payer_views

app_name = "taxes_credits"

urlpatterns = [
    path("", payer_views.staff_credits, name="list"),
    path("<int:payment_id>/refund/", payer_views.staff_credit_refund, name="refund"),
]
