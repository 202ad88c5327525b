from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.service_search, name="service_search"),
    path("account/", views.dashboard, name="dashboard"),
    path("theme.css", views.theme_css, name="theme_css"),
]
