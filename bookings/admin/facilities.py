"""Facilities as data, set up by an administrator in one pass: what visitors read (English
and Spanish side by side), opening hours per weekday, closed dates, slot rules, prices in
dollars, approval, cancellation tiers, household limits and photos, with the shared questions
inline; a draft until it is published.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookings.models import Blackout, CancellationTier, Facility, FacilityPhoto, OpeningHours
from bookings.services import facilities as services
from cases.questions.admin import QuestionInline, QuestionsAdminMixin
from payments.forms import AmountFieldsAdminMixin
from payments.money import format_cents

# What every booking asks on its own pages, before the facility's questions.
STANDARD_QUESTIONS = (_("Name"), _("E-mail address"), _("Phone"), _("Date"), _("Time"))


class BookingQuestionInline(QuestionInline):
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


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    fields = ["weekday", "opens", "closes"]
    verbose_name_plural = _("Opening hours (a day without a row is closed)")


class BlackoutInline(admin.TabularInline):
    model = Blackout
    extra = 0
    fields = ["starts_on", "ends_on", "reason", "reason_es"]
    verbose_name_plural = _("Closed dates (public holidays are closed already if ticked above)")


class CancellationTierInline(admin.TabularInline):
    model = CancellationTier
    extra = 0
    fields = ["days_before", "percent"]
    verbose_name_plural = _(
        "Cancellation policy: cancelled at least this many days before, this percent of the "
        "price is refunded (the deposit is always returned)"
    )


class FacilityPhotoInline(admin.TabularInline):
    model = FacilityPhoto
    extra = 0
    fields = ["image", "alt_text", "alt_text_es", "order"]


@admin.register(Facility)
class FacilityAdmin(QuestionsAdminMixin, AmountFieldsAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "capacity",
        "slot_mode",
        "resident_rate",
        "needs_approval",
        "publication_state",
    ]
    list_filter = [PublishedFilter, "kind", "slot_mode", "needs_approval"]
    search_fields = ["name", "name_es", "code", "location"]
    prepopulated_fields = {"code": ["name"]}
    actions = ["publish", "unpublish"]
    inlines = [
        OpeningHoursInline,
        BlackoutInline,
        CancellationTierInline,
        FacilityPhotoInline,
        BookingQuestionInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [("name", "name_es"), "code", ("kind", "capacity")],
                "description": _(
                    "Each text a visitor reads has its Spanish beside it; left empty, Spanish "
                    "readers see the English. Times are in the agency's time zone."
                ),
            },
        ),
        (
            _("What visitors read"),
            {
                "fields": [
                    ("description", "description_es"),
                    ("location", "location_es"),
                    ("accessibility", "accessibility_es"),
                ]
            },
        ),
        (
            _("How it is booked"),
            {
                "fields": [
                    ("slot_mode", "slot_minutes"),
                    ("min_minutes", "max_minutes"),
                    "buffer_minutes",
                    ("book_ahead_days", "lead_minutes"),
                    "hold_minutes",
                    "closed_on_holidays",
                    "needs_approval",
                    "reminder_days_before",
                ]
            },
        ),
        (
            _("Prices, in dollars"),
            {
                "fields": [
                    "price_unit",
                    ("resident_price_cents", "nonresident_price_cents"),
                    "deposit_cents",
                ]
            },
        ),
        (
            _("Per-household limits (empty: no limit)"),
            {"fields": [("household_max_active", "household_max_minutes_per_month")]},
        ),
        (
            _("Waitlist"),
            {"fields": ["waitlist_offer_hours"]},
        ),
    ]

    @admin.display(description=_("resident rate"), ordering="resident_price_cents")
    def resident_rate(self, facility):
        return format_cents(facility.resident_price_cents, settings.AGENCY["currency"])

    @admin.display(description=_("publication"), ordering="published_at")
    def publication_state(self, facility):
        return gettext("Published") if facility.published else gettext("Draft")

    @admin.action(description=_("Publish the selected facilities"))
    def publish(self, request, queryset):
        for facility in queryset:
            services.facility_publish(facility=facility)
        messages.success(request, gettext("Published: visitors can find and book them."))

    @admin.action(description=_("Take the selected facilities back to draft"))
    def unpublish(self, request, queryset):
        for facility in queryset:
            services.facility_unpublish(facility=facility)
        messages.success(request, gettext("Back to draft: visitors cannot book them."))
