from django.urls import path

from payments import views

app_name = "payments"

# Each invoice page is reachable by its signed-in payer (by reference) and by a guest link
# (by token); see payments/access.py.
urlpatterns = [
    path("", views.find_invoice, name="find"),
    path("mine/", views.my_payments, name="mine"),
    path("bills/", views.bill_lookup, name="bills"),
    path("invoices/<str:reference>/", views.invoice_detail, name="invoice"),
    path("invoices/<str:reference>/pay/", views.invoice_pay, name="invoice_pay"),
    path("invoices/<str:reference>/return/", views.invoice_return, name="invoice_return"),
    path(
        "invoices/<str:reference>/receipts/<str:number>/",
        views.receipt_download,
        name="receipt",
    ),
    path("guest/<str:token>/", views.invoice_detail, name="guest_invoice"),
    path("guest/<str:token>/pay/", views.invoice_pay, name="guest_invoice_pay"),
    path("guest/<str:token>/return/", views.invoice_return, name="guest_invoice_return"),
    path(
        "guest/<str:token>/receipts/<str:number>/",
        views.receipt_download,
        name="guest_receipt",
    ),
    path("test-gateway/<uuid:public_id>/", views.local_checkout, name="local_checkout"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
