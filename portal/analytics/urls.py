from django.urls import path

from portal.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:key>.csv", views.chart_csv, name="csv"),
    path("<slug:key>.svg", views.chart_image, name="svg"),
]
