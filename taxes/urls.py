from django.urls import path

from taxes import views

app_name = "taxes"

urlpatterns = [
    path("bills/", views.bill_search, name="search"),
    path("bills/<str:number>/", views.bill_detail, name="bill"),
    path("bills/<str:number>/pay/", views.bill_pay, name="pay"),
]
