from django.urls import path

from taxes import ebill_views, escrow_views, payer_views, views

app_name = "taxes"

urlpatterns = [
    path("bills/", views.bill_search, name="search"),
    path("bills/<str:number>/", views.bill_detail, name="bill"),
    path("bills/<str:number>/pay/", views.bill_pay, name="pay"),
    # E-bills: the signed-in resident's linked parcels.
    path("mine/", ebill_views.my_parcels, name="my_parcels"),
    path("mine/link/", ebill_views.parcel_link, name="parcel_link"),
    path("mine/parcels/<int:pk>/", ebill_views.parcel_detail, name="my_parcel"),
    path("mine/parcels/<int:pk>/unlink/", ebill_views.parcel_unlink, name="parcel_unlink"),
    path(
        "mine/parcels/<int:pk>/recipients/<int:recipient_pk>/remove/",
        ebill_views.recipient_remove,
        name="recipient_remove",
    ),
    path(
        "mine/parcels/<int:pk>/recipients/<int:recipient_pk>/resend/",
        ebill_views.recipient_resend,
        name="recipient_resend",
    ),
    path("mine/bills/<str:number>/", ebill_views.my_bill, name="my_bill"),
    # Another recipient's links, from their messages: no account needed.
    path(
        "recipients/confirm/<str:token>/", ebill_views.recipient_confirm, name="recipient_confirm"
    ),
    path("recipients/stop/<str:token>/", ebill_views.recipient_stop, name="recipient_stop"),
    path(
        "bills/<str:number>/credits/<int:payment_id>/refund/",
        payer_views.credit_refund,
        name="credit_refund",
    ),
    path(
        "bills/<str:number>/receipts/<str:receipt_number>/",
        payer_views.receipt_download,
        name="receipt",
    ),
    path("batches/", payer_views.batch_list, name="batches"),
    path("batches/<int:batch_id>/", payer_views.batch_detail, name="batch"),
    path("batches/<int:batch_id>/pay/", payer_views.batch_pay, name="batch_pay"),
    # Mortgage lenders: the parcels they pay from escrow.
    path("escrow/", escrow_views.escrow_files, name="escrow_files"),
    path("escrow/<int:file_id>/", escrow_views.escrow_file, name="escrow_file"),
    path(
        "escrow/<int:file_id>/confirm/",
        escrow_views.escrow_file_confirm,
        name="escrow_file_confirm",
    ),
]
