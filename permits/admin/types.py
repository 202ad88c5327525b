"""Permit types as data, set up by an administrator in one pass: what residents read (English
and Spanish side by side), reviewing departments in order, the fee schedule in dollars (with
its valuation table), the inspections required in order, the contractor rule and validity,
with the shared questions and document requirements inline; a draft until it is published.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
from portal.localized import missing_translations, preview_language

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


class PublishedFilter(admin.SimpleListFilter):
    title = _("publication")
    parameter_name = "published"

    def lookups(self, request, model_admin):
        return [("yes", _("Published")), ("no", _("Draft"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(published_at__isnull=self.value() == "no")
        return queryset


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
class PermitTypeAdmin(QuestionsAdminMixin, AmountFieldsAdminMixin, admin.ModelAdmin):
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

    @admin.display(description=_("application fee"), ordering="application_fee_cents")
    def application_fee(self, permit_type):
        return format_cents(permit_type.application_fee_cents, settings.AGENCY["currency"])

    @admin.display(description=_("publication"), ordering="published_at")
    def publication_state(self, permit_type):
        return gettext("Published") if permit_type.published else gettext("Draft")

    @admin.display(description=_("publication"))
    def publication(self, permit_type):
        if permit_type.pk is None:
            return gettext("A new type is saved as a draft.")
        if permit_type.published:
            return format_html(
                '{} <button type="submit" name="_unpublish" value="1" class="button">{}</button>',
                gettext("Published: residents can find this type and apply."),
                gettext("Save and take back to draft"),
            )
        return format_html(
            '{} <button type="submit" name="_publish" value="1" class="button default">{}</button>',
            gettext("Draft: residents cannot see this type yet. Preview it, then publish it."),
            gettext("Save and publish"),
        )

    @admin.display(description=_("preview"))
    def preview(self, permit_type):
        if permit_type.pk is None:
            return gettext("Once saved, the resident's pages can be previewed from here.")
        url = reverse("admin:permits_permittype_preview", args=[permit_type.pk])
        return format_html(
            '<a href="{}?lang=en">{}</a> · <a href="{}?lang=es">{}</a>',
            url,
            gettext("Preview the resident's pages in English"),
            url,
            gettext("in Spanish"),
        )

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

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="permits_permittype_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        permit_type = self.get_object(request, unquote(object_id))
        if permit_type is None:
            raise Http404
        if not self.has_view_or_change_permission(request, permit_type):
            raise PermissionDenied
        return permit_type_preview(
            request, permit_type=permit_type, language=preview_language(request)
        )

    def response_add(self, request, obj, post_url_continue=None):
        # A new type is a draft: its page is where it is previewed and published.
        if "_addanother" not in request.POST and "_popup" not in request.POST:
            messages.success(
                request,
                gettext(
                    "“%(name)s” is saved as a draft. Preview it, then publish it when it is ready."
                )
                % {"name": obj.name},
            )
            return HttpResponseRedirect(reverse("admin:permits_permittype_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            services.permit_type_publish(permit_type=obj, actor=request.user)
            messages.success(
                request,
                gettext("“%(name)s” is published: residents can find it and apply.")
                % {"name": obj.name},
            )
            return HttpResponseRedirect(request.path)
        if "_unpublish" in request.POST:
            try:
                services.permit_type_unpublish(permit_type=obj, actor=request.user)
            except PermitTypeNotPublishable as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request, gettext("“%(name)s” is a draft again.") % {"name": obj.name}
                )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

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
