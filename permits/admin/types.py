"""Permit types as data, set up by an administrator in one pass: what residents read (English
and Spanish side by side), reviewing departments in order, the fee schedule in dollars (with
its valuation table), the inspections required in order, the contractor rule and validity,
with the shared questions and document requirements inline; a draft until it is published.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.admin.publication import PublicationAdminMixin, PublishedFilter
from cases.questions.admin import DocumentRequirementInline, QuestionInline, QuestionsAdminMixin
from cases.questions.selectors import missing_spanish_of
from payments.forms import AmountFieldsAdminMixin
from payments.money import format_cents
from permits.exceptions import PermitTypeNotPublishable
from permits.models import (
    FeeMethod,
    FeeTier,
    InspectionStep,
    PermitType,
    PermitTypeDepartment,
    ReinspectionFee,
)
from permits.services import types as services
from permits.type_forms import FeeTierForm, FeeTierFormSet, PermitTypeForm, ReinspectionFeeForm
from permits.views.preview import permit_type_preview
from portal.localized import missing_translations

# What every permit application asks on its own pages, before the type's questions.
STANDARD_QUESTIONS = (
    _("Property address"),
    _("Address"),
    _("Parcel number"),
    _("Description of the work"),
    _("Construction valuation"),
    _("Valuation"),
    _("Square footage"),
    _("Housing units"),
    _("Contractor's license number"),
)


class PermitQuestionInline(QuestionInline):
    standard_questions = STANDARD_QUESTIONS


# Stacked inlines, as on the other setup pages: the tabular layout's empty column header is
# announced as nothing by screen readers.
class ReviewDepartmentInline(admin.StackedInline):
    model = PermitTypeDepartment
    extra = 0
    fields = [("department", "order")]
    verbose_name = _("reviewing department")
    verbose_name_plural = _("Reviewing departments (one plan review each, in this order)")


class FeeTierInline(AmountFieldsAdminMixin, admin.StackedInline):
    model = FeeTier
    form = FeeTierForm
    formset = FeeTierFormSet
    extra = 0
    fields = [("from_cents", "base_cents", "per_thousand_cents")]
    verbose_name_plural = _(
        "Valuation fee table, in dollars (only for a fee by construction valuation)"
    )


class ReinspectionFeeInline(admin.StackedInline):
    model = ReinspectionFee
    form = ReinspectionFeeForm
    extra = 0
    max_num = 1
    can_delete = True
    fields = ["fee_cents", "free_failures"]
    verbose_name = _("re-inspection fee")
    verbose_name_plural = _("Re-inspection fee, in dollars (leave out for none)")


class InspectionStepInline(admin.StackedInline):
    model = InspectionStep
    extra = 0
    fields = [("order", "code"), ("name", "name_es"), ("category", "final"), "minutes"]
    verbose_name_plural = _("Required inspections, in order")


@admin.register(PermitType)
class PermitTypeAdmin(
    PublicationAdminMixin, QuestionsAdminMixin, AmountFieldsAdminMixin, admin.ModelAdmin
):
    form = PermitTypeForm
    list_display = [
        "name",
        "category",
        "code",
        "fee_method",
        "application_fee",
        "validity_days",
        "publication_state",
        "active",
    ]
    list_filter = [PublishedFilter, "category", "fee_method", "contractor_required", "active"]
    search_fields = ["name", "name_es", "code", "keywords", "keywords_es"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [
        ReviewDepartmentInline,
        FeeTierInline,
        InspectionStepInline,
        ReinspectionFeeInline,
        DocumentRequirementInline,
        PermitQuestionInline,
    ]
    readonly_fields = ["publication", "preview", "missing_spanish", "standard_steps"]
    published_text = _("Published: residents can find this type and apply.")
    draft_text = _("Draft: residents cannot see this type yet. Preview it, then publish it.")
    new_text = _("A new type is saved as a draft.")
    published_message = _("“%(name)s” is published: residents can find it and apply.")
    unpublish_refused = (PermitTypeNotPublishable,)
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "name_es"),
                    ("code", "number_prefix"),
                    ("category", "work_class", "permit_class"),
                    "active",
                ],
                "description": _(
                    "Each text a resident reads has its Spanish beside it; left empty, Spanish "
                    "readers see the English."
                ),
            },
        ),
        (
            _("What residents read"),
            {
                "fields": [("description", "description_es"), ("keywords", "keywords_es")],
                "description": _(
                    "Keywords are other words people use for it, in each language: the site's "
                    "service search finds the type by them, its name and its category as soon "
                    "as it is published."
                ),
            },
        ),
        (
            _("Fees, in dollars"),
            {
                "fields": [
                    "application_fee_cents",
                    "fee_method",
                    ("flat_fee_cents", "per_square_foot_cents", "minimum_fee_cents"),
                    "plan_review_percent",
                ],
                "description": _(
                    "The applicant pays the application fee and the plan-review share of the "
                    "permit fee when applying, and the rest of the permit fee before the permit "
                    "is issued. A fee by valuation uses the table below."
                ),
            },
        ),
        (
            _("Plans, contractor and validity"),
            {
                "fields": [
                    "plans_required",
                    ("contractor_required", "contractor_trade"),
                    "contractor_license_types",
                    ("validity_days", "review_target_days"),
                    "gives_certificate_of_occupancy",
                ]
            },
        ),
        (_("Questions"), {"fields": ["standard_steps"]}),
        (_("Publication"), {"fields": ["publication", "preview", "missing_spanish"]}),
    ]

    def publish_object(self, request, obj):
        services.permit_type_publish(permit_type=obj, actor=request.user)

    def unpublish_object(self, request, obj):
        services.permit_type_unpublish(permit_type=obj, actor=request.user)

    def render_preview(self, request, obj, *, language):
        return permit_type_preview(request, permit_type=obj, language=language)

    @admin.display(description=_("application fee"), ordering="application_fee_cents")
    def application_fee(self, permit_type):
        return format_cents(permit_type.application_fee_cents, settings.AGENCY["currency"])

    @admin.display(description=_("missing in Spanish"))
    def missing_spanish(self, permit_type):
        if permit_type.pk is None:
            return "—"
        missing = [
            *missing_translations(permit_type),
            *(
                f"“{step}”: {name}"
                for step in permit_type.inspection_steps.all()
                for name in missing_translations(step)
            ),
            *missing_spanish_of(owner=permit_type),
        ]
        if not missing:
            return gettext("Nothing: every text a resident reads has its Spanish.")
        return format_html(
            '<ul id="missing-spanish">{}</ul>',
            format_html_join("", "<li>{}</li>", ((line,) for line in missing)),
        )

    @admin.display(description=_("already asked"))
    def standard_steps(self, permit_type):
        return gettext(
            "Before the questions below, every permit application asks on its own pages: the "
            "property (its address or parcel number), the work (a description, the "
            "construction valuation, the square footage and the housing units added), the "
            "contractor (their license number, checked against the license register, or the "
            "owner doing the work) and the plans (PDF sheets, with the documents listed "
            "below): do not ask them again. Questions are asked in their order; a question "
            "with “Only if the answer to” is asked only after that answer."
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        permit_type = form.instance
        if permit_type.fee_method == FeeMethod.VALUATION and not permit_type.fee_tiers.exists():
            messages.warning(
                request,
                gettext(
                    "“%(name)s” charges by valuation but has no fee table yet: add its tiers, "
                    "starting at 0."
                )
                % {"name": permit_type.name},
            )
