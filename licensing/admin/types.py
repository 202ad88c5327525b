"""License types as data: what residents read (in English and Spanish), the words they are
found by, fees, term and renewal, with the shared questions and document requirements inline.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.questions.admin import DocumentRequirementInline, QuestionInline
from licensing.models import LicenseType


@admin.register(LicenseType)
class LicenseTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "code", "fee", "term_months", "active"]
    list_filter = ["category", "active", "auto_approve_renewals"]
    search_fields = ["name", "name_es", "category", "code", "keywords", "keywords_es"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [DocumentRequirementInline, QuestionInline]
    fieldsets = [
        (None, {"fields": ["name", "code", "number_prefix", "category", "active"]}),
        (_("What residents read"), {"fields": ["description", "eligibility"]}),
        (
            _("In Spanish"),
            {
                "fields": ["name_es", "category_es", "description_es", "eligibility_es"],
                "description": _("Left empty, Spanish readers see the English."),
            },
        ),
        (_("Words it is found by"), {"fields": ["keywords", "keywords_es"]}),
        (
            _("Fees (in cents)"),
            {"fields": ["application_fee_cents", "renewal_fee_cents", "late_fee_cents"]},
        ),
        (
            _("Term and renewal"),
            {
                "fields": [
                    "term_months",
                    "renewal_window_days",
                    "grace_days",
                    "review_target_days",
                    "auto_approve_renewals",
                ]
            },
        ),
    ]

    @admin.display(description=_("application fee"), ordering="application_fee_cents")
    def fee(self, license_type):
        return f"{license_type.application_fee_cents / 100:.2f}"
