"""Permits' pages. Each part adds its own lines."""

from django.urls import path  # noqa: F401

app_name = "permits"

urlpatterns: list = []
