"""Penalty, interest and early-payment discount rules: the agency's schedule as data."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from taxes.models import DiscountRule, PenaltyRule


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(admin.ModelAdmin):
    list_display = ["kind", "days_past_due", "percent", "active"]
    list_filter = ["kind", "active"]
    fields = ["kind", "days_past_due", "percent", "active"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["kind"].help_text = _(
            "Penalties are tiers of one total (5% after 0 days, 10% after 30 days: 10% in all "
            "from the 31st day). Interest is charged for each month or part of a month begun "
            "after the days past due; one interest rule is active at a time. Dates are the "
            "agency's; a due date on a weekend or holiday moves to the next business day."
        )
        return form


@admin.register(DiscountRule)
class DiscountRuleAdmin(admin.ModelAdmin):
    list_display = ["months_before_due", "percent", "active"]
    list_filter = ["active"]
    fields = ["months_before_due", "percent", "active"]
