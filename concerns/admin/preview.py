"""What a resident will see of a concern category, shown to its administrator before it is
published: where it is listed, "Where is the problem?", "Tell us about the problem" (with the
category's questions and a guest's contact fields) and what happens next, in English or
Spanish.

Read only: the pages' forms are drawn but post nowhere, and nothing is saved.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from concerns.forms import LocationForm, ReportForm
from concerns.models import ConcernCategory
from portal.localized import localized, preview_language_links


def category_preview(
    request: HttpRequest, *, category: ConcernCategory, language: str
) -> HttpResponse:
    """The resident's pages of `category` in `language`, one after the other."""
    with translation.override(language):
        location = LocationForm(
            location_required=category.location_required,
            map_enabled=False,
            prefix="preview-location",
        )
        details = ReportForm(
            category=category, signed_in=False, has_point=False, prefix="preview-details"
        )
        for form in (location, details):
            for field in form.fields.values():
                field.disabled = True
        page_url = reverse("admin:concerns_concerncategory_preview", args=[category.pk])
        context = {
            "category": category,
            "group": localized(category, "group"),
            "location_form": location,
            "details_form": details,
            "languages": preview_language_links(page_url),
            "language": language,
            "change_url": reverse("admin:concerns_concerncategory_change", args=[category.pk]),
        }
        response = render(request, "concerns/admin/preview.html", context)
    response["Content-Language"] = language
    return response
