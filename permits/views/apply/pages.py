"""The permit types, starting a draft, and the draft's one-form pages (property, work,
contractor, questions)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.questions.forms import QuestionsForm
from permits import selectors_apply as selectors
from permits.forms_apply import (
    ContractorForm,
    PropertyForm,
    WorkForm,
)
from permits.models import Permit
from permits.services import apply as services
from permits.views.apply.flow import applicant_page, draft_of, form_page, step_url

# --- Types ------------------------------------------------------------------------------


@require_GET
def type_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "permits/type_list.html", {"permit_types": selectors.permit_types_open()}
    )


@require_GET
def type_detail(request: HttpRequest, code: str) -> HttpResponse:
    permit_type = selectors.permit_type_open(code=code)
    context = {
        "permit_type": permit_type,
        "drafts": selectors.drafts_of_type(user=request.user, permit_type=permit_type),
        "tiers": list(permit_type.fee_tiers.all()),
    }
    return render(request, "permits/type_detail.html", context)


@login_required
@require_POST
def permit_start(request: HttpRequest, code: str) -> HttpResponse:
    permit_type = selectors.permit_type_open(code=code)
    permit = services.permit_start(permit_type=permit_type, applicant=request.user)
    return redirect(step_url(permit, Permit.Step.PROPERTY))


@applicant_page
@require_GET
def permit_resume(request: HttpRequest, reference: str) -> HttpResponse:
    permit = draft_of(request, reference)
    if isinstance(permit, HttpResponse):
        return permit
    return redirect(step_url(permit))


# --- The draft's pages --------------------------------------------------------------------


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_property(request: HttpRequest, reference: str) -> HttpResponse:
    return form_page(
        request,
        reference,
        page=Permit.Step.PROPERTY,
        next_page=Permit.Step.WORK,
        make_form=lambda permit, data, files: PropertyForm(data, instance=permit),
        save=lambda permit, form: services.permit_save_property(
            permit=permit, actor=request.user, **form.cleaned_data
        ),
        title=_("Where is the work?"),
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_work(request: HttpRequest, reference: str) -> HttpResponse:
    return form_page(
        request,
        reference,
        page=Permit.Step.WORK,
        next_page=Permit.Step.CONTRACTOR,
        make_form=lambda permit, data, files: WorkForm(
            data, instance=permit, permit_type=permit.permit_type
        ),
        save=lambda permit, form: services.permit_save_work(
            permit=permit, actor=request.user, **form.cleaned_data
        ),
        title=_("About the work"),
    )


def _contractor_form(permit: Permit, data, files) -> ContractorForm:
    initial = {
        "license_number": permit.contractor_license.number if permit.contractor_license else "",
        "owner_builder": permit.owner_builder,
    }
    return ContractorForm(data, initial=initial, permit_type=permit.permit_type)


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_contractor(request: HttpRequest, reference: str) -> HttpResponse:
    return form_page(
        request,
        reference,
        page=Permit.Step.CONTRACTOR,
        next_page=Permit.Step.PLANS,
        make_form=_contractor_form,
        save=lambda permit, form: services.permit_save_contractor(
            permit=permit,
            actor=request.user,
            license_number=form.cleaned_data["license_number"],
            owner_builder=form.cleaned_data.get("owner_builder", False),
        ),
        title=_("Who will do the work?"),
    )


def _questions_form(permit: Permit, data, files) -> QuestionsForm:
    return QuestionsForm(
        data, files, questions=services.permit_questions(permit=permit), answers=permit.answers
    )


def _save_answers(request, permit: Permit, form: QuestionsForm) -> None:
    services.permit_save_answers(
        permit=permit, actor=request.user, answers=form.answers(), uploads=form.uploads()
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def apply_questions(request: HttpRequest, reference: str) -> HttpResponse:
    return form_page(
        request,
        reference,
        page=Permit.Step.QUESTIONS,
        next_page=Permit.Step.CHECK,
        make_form=_questions_form,
        save=lambda permit, form: _save_answers(request, permit, form),
        title=_("Questions about the work"),
    )
