"""What a resident will see of a license type, shown to its administrator before it is
published: the start page, "About you", the questions (with their conditions), the
documents, the fees and "Check your answers", in English or Spanish.

Read only: the pages' forms are drawn but post nowhere, and nothing is saved.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from cases.questions.forms import QuestionsForm
from cases.questions.rules import question_field
from cases.questions.selectors import documents_of, questions_of
from licensing.forms import AboutForm
from licensing.models import Application, LicenseType
from portal.localized import localized, preview_language_links


def license_type_preview(
    request: HttpRequest, *, license_type: LicenseType, language: str
) -> HttpResponse:
    """The resident's pages of `license_type` in `language`, one after the other."""
    with translation.override(language):
        questions = questions_of(owner=license_type)
        form = QuestionsForm(questions=questions, answers={}, prefix="preview")
        for field in form.fields.values():
            field.disabled = True
        about = AboutForm(prefix="preview-about")
        for field in about.fields.values():
            field.disabled = True
        page_url = reverse("admin:licensing_licensetype_preview", args=[license_type.pk])
        context = {
            "license_type": license_type,
            "questions_form": form,
            "about_form": about,
            "documents": documents_of(owner=license_type),
            "check_rows": [
                (localized(question, "label"), question_field(question).help_text)
                for question in questions
                if question.answers_expected
            ],
            "steps": Application.Step.choices,
            "languages": preview_language_links(page_url),
            "language": language,
            "change_url": reverse("admin:licensing_licensetype_change", args=[license_type.pk]),
        }
        response = render(request, "licensing/admin/preview.html", context)
    response["Content-Language"] = language
    return response
