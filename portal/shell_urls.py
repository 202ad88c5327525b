from django.urls import path

from portal import views
from portal.analytics import views as analytics_views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.service_search, name="service_search"),
    path("account/", views.dashboard, name="dashboard"),
    path("theme.css", views.theme_css, name="theme_css"),
    path("performance/", analytics_views.performance, name="performance"),
    path("performance/figures.csv", analytics_views.performance_csv, name="performance_csv"),
    path("performance/chart.svg", analytics_views.performance_image, name="performance_svg"),
]
