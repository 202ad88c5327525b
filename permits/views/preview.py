"""What a resident will see of a permit type, shown to its administrator before it is
published: the type's page with its fees, then each page of the application (property, the
work, contractor, plans and documents, questions with their conditions, check and pay), with
the fees computed for an example valuation or square footage, in English or Spanish.

Read only: the pages' forms are drawn but post nowhere, the example is asked by GET, and
nothing is saved.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases.questions.forms import QuestionsForm
from cases.questions.rules import question_field
from cases.questions.selectors import documents_of, questions_of
from payments.forms import AmountField
from permits.fees import fee_quote
from permits.forms_apply import (
    VALUATION_MAX_CENTS,
    ContractorForm,
    PlanSheetForm,
    PropertyForm,
    WorkForm,
)
from permits.models import FeeMethod, Permit, PermitType
from portal.localized import localized, preview_language_links

# The example work the fees are shown for, until the administrator types another.
EXAMPLE_VALUATION_CENTS = 5_000_000  # $50,000
EXAMPLE_SQUARE_FEET = 500


class PreviewExampleForm(forms.Form):
    """The example work an administrator tries the fee schedule with (asked by GET)."""

    lang = forms.CharField(widget=forms.HiddenInput, required=False)
    valuation = AmountField(
        label=_("Example construction valuation"),
        required=False,
        max_cents=VALUATION_MAX_CENTS,
        help_text=_("In dollars, for example 45,000."),
    )
    square_feet = forms.IntegerField(
        label=_("Example square footage"), required=False, min_value=0, max_value=10_000_000
    )


def _disabled(form: forms.BaseForm) -> forms.BaseForm:
    for field in form.fields.values():
        field.disabled = True
    return form


def _example(request: HttpRequest, language: str) -> tuple[PreviewExampleForm, int, int]:
    """The example form and the valuation and square footage it gives (defaults when
    left empty or refused: the refusal is shown on the form)."""
    data = {
        "lang": language,
        "valuation": request.GET.get("valuation", ""),
        "square_feet": request.GET.get("square_feet", ""),
    }
    if not data["valuation"] and not data["square_feet"]:
        form = PreviewExampleForm(
            initial={
                "lang": language,
                "valuation": EXAMPLE_VALUATION_CENTS,
                "square_feet": EXAMPLE_SQUARE_FEET,
            }
        )
        return form, EXAMPLE_VALUATION_CENTS, EXAMPLE_SQUARE_FEET
    form = PreviewExampleForm(data)
    form.is_valid()
    cleaned = getattr(form, "cleaned_data", {})
    valuation = cleaned.get("valuation")
    square_feet = cleaned.get("square_feet")
    return (
        form,
        EXAMPLE_VALUATION_CENTS if valuation is None else valuation,
        EXAMPLE_SQUARE_FEET if square_feet is None else square_feet,
    )


def permit_type_preview(
    request: HttpRequest, *, permit_type: PermitType, language: str
) -> HttpResponse:
    """The resident's pages of `permit_type` in `language`, one after the other."""
    with translation.override(language):
        questions = questions_of(owner=permit_type)
        example, valuation_cents, square_feet = _example(request, language)
        tiers = list(permit_type.fee_tiers.all())
        quote = fee_quote(
            permit_type=permit_type,
            valuation_cents=valuation_cents,
            square_feet=square_feet,
            tiers=tiers,
        )
        page_url = reverse("admin:permits_permittype_preview", args=[permit_type.pk])
        context = {
            "permit_type": permit_type,
            "steps": Permit.Step.choices,
            "property_form": _disabled(PropertyForm(prefix="preview-property")),
            "work_form": _disabled(WorkForm(prefix="preview-work", permit_type=permit_type)),
            "contractor_form": _disabled(
                ContractorForm(prefix="preview-contractor", permit_type=permit_type)
            ),
            "sheet_form": _disabled(PlanSheetForm(prefix="preview-sheet")),
            "questions_form": _disabled(
                QuestionsForm(questions=questions, answers={}, prefix="preview")
            ),
            "documents": documents_of(owner=permit_type),
            "check_rows": [
                (localized(question, "label"), question_field(question).help_text)
                for question in questions
                if question.answers_expected
            ],
            "tiers": tiers,
            "departments": list(permit_type.review_departments.select_related("department")),
            "inspections": list(permit_type.inspection_steps.all()),
            "example_form": example,
            "example_valuation_cents": valuation_cents,
            "example_square_feet": square_feet,
            "by_valuation": permit_type.fee_method == FeeMethod.VALUATION,
            "by_area": permit_type.fee_method == FeeMethod.PER_SQUARE_FOOT,
            "quote": quote,
            "page_url": page_url,
            "languages": preview_language_links(page_url),
            "language": language,
            "change_url": reverse("admin:permits_permittype_change", args=[permit_type.pk]),
        }
        response = render(request, "permits/admin/preview.html", context)
    response["Content-Language"] = language
    return response
