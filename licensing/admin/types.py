"""License types as data, set up by an administrator in one pass: what residents read (in
English and Spanish, side by side), the words they are found by, fees in dollars, term and
renewal, with the shared questions and document requirements inline; a preview of the
resident's pages in either language; a draft until it is published.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.admin.publication import PublicationAdminMixin, PublishedFilter
from cases.questions.admin import DocumentRequirementInline, QuestionInline, QuestionsAdminMixin
from cases.questions.selectors import missing_spanish_of
from licensing import services
from licensing.admin.reminders import LicenseReminderInline, shared_rules
from licensing.forms import LicenseTypeForm
from licensing.models import LicenseType
from licensing.views.preview import license_type_preview
from payments.forms import AmountFieldsAdminMixin
from payments.money import format_cents
from portal.localized import missing_translations

# What every application asks on its "About you" page, before the type's own questions.
STANDARD_QUESTIONS = (
    _("Full name"),
    _("Business or trading name"),
    _("Business name"),
    _("E-mail address"),
    _("Email"),
    _("Phone number"),
    _("Phone"),
    _("Address"),
)


class LicenseQuestionInline(QuestionInline):
    standard_questions = STANDARD_QUESTIONS


@admin.register(LicenseType)
class LicenseTypeAdmin(
    PublicationAdminMixin, QuestionsAdminMixin, AmountFieldsAdminMixin, admin.ModelAdmin
):
    form = LicenseTypeForm
    list_display = ["name", "category", "code", "fee", "term_months", "publication_state", "active"]
    list_filter = [PublishedFilter, "category", "active", "auto_approve_renewals"]
    search_fields = ["name", "name_es", "category", "code", "keywords", "keywords_es"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [DocumentRequirementInline, LicenseQuestionInline, LicenseReminderInline]
    readonly_fields = [
        "publication",
        "preview",
        "missing_spanish",
        "standard_steps",
        "agency_reminders",
    ]
    published_text = _("Published: residents can find this type and apply.")
    draft_text = _("Draft: residents cannot see this type yet. Preview it, then publish it.")
    new_text = _("A new type is saved as a draft.")
    published_message = _("“%(name)s” is published: residents can find it and apply.")
    unpublish_refused = (services.LicenseTypeNotPublishable,)

    def publish_object(self, request, obj):
        services.license_type_publish(license_type=obj, actor=request.user)

    def unpublish_object(self, request, obj):
        services.license_type_unpublish(license_type=obj, actor=request.user)

    def render_preview(self, request, obj, *, language):
        return license_type_preview(request, license_type=obj, language=language)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                None,
                {
                    "fields": [
                        ("name", "name_es"),
                        ("category", "new_category", "category_es"),
                        ("code", "number_prefix"),
                        "active",
                    ],
                    "description": _(
                        "Each text a resident reads has its Spanish beside it; left empty, "
                        "Spanish readers see the English."
                    ),
                },
            ),
            (
                _("What residents read"),
                {
                    "fields": [
                        ("description", "description_es"),
                        ("eligibility", "eligibility_es"),
                        ("keywords", "keywords_es"),
                    ],
                    "description": _(
                        "Keywords are other words people use for it, in each language: the "
                        "site's service search finds the type by them, its name and category."
                    ),
                },
            ),
            (
                _("Fees, in dollars"),
                {"fields": [("application_fee_cents", "renewal_fee_cents", "late_fee_cents")]},
            ),
            (
                _("Term and renewal"),
                {
                    "fields": [
                        ("term_months", "renewal_window_days", "grace_days"),
                        "review_target_days",
                        "auto_approve_renewals",
                        "agency_reminders",
                    ]
                },
            ),
            (_("Questions"), {"fields": ["standard_steps"]}),
        ]
        if obj is not None:
            fieldsets.insert(
                0,
                (
                    _("Publication"),
                    {"fields": ["publication", "preview", "missing_spanish"]},
                ),
            )
        return fieldsets

    @admin.display(description=_("application fee"), ordering="application_fee_cents")
    def fee(self, license_type):
        return format_cents(license_type.application_fee_cents, settings.AGENCY["currency"])

    @admin.display(description=_("missing in Spanish"))
    def missing_spanish(self, license_type):
        missing = [*missing_translations(license_type), *missing_spanish_of(owner=license_type)]
        if not missing:
            return gettext("Nothing: every text a resident reads has its Spanish.")
        return format_html(
            '<ul id="missing-spanish">{}</ul>',
            format_html_join("", "<li>{}</li>", ((line,) for line in missing)),
        )

    @admin.display(description=_("reminders for every type"))
    def agency_reminders(self, license_type):
        days = sorted({rule.days for rule in shared_rules(license_type=license_type)}, reverse=True)
        if not days:
            return gettext("None: holders get only this type's own renewal reminders, set below.")
        return gettext(
            "Holders of every license type are also reminded %(days)s days before expiry "
            "(under Reminder rules); this type's own reminders are set below."
        ) % {"days": ", ".join(map(str, days))}

    @admin.display(description=_("already asked"))
    def standard_steps(self, license_type):
        return gettext(
            "Before the questions below, every application asks the applicant's full name, "
            "business or trading name, e-mail address, phone number and address: do not ask "
            "them again. Questions are asked in their order; a question with “Only if the "
            "answer to” is asked only after that answer."
        )
