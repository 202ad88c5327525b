"""Facilities as data, set up by an administrator in one pass: what visitors read (English
and Spanish side by side), opening hours per weekday, closed dates, slot rules, prices in
dollars, approval, cancellation tiers, household limits and photos, with the shared questions
inline; a draft until it is published.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bookings.models import Blackout, CancellationTier, Facility, FacilityPhoto, OpeningHours
from bookings.services import facilities as services
from bookings.views.facilities import facility_preview
from cases.admin.publication import PublicationAdminMixin, PublishedFilter
from cases.questions.admin import QuestionInline, QuestionsAdminMixin
from cases.questions.selectors import missing_spanish_of
from payments.forms import AmountFieldsAdminMixin
from payments.money import format_cents
from portal.localized import missing_translations

# What every booking asks on its own pages, before the facility's questions.
STANDARD_QUESTIONS = (_("Name"), _("E-mail address"), _("Phone"), _("Date"), _("Time"))


class BookingQuestionInline(QuestionInline):
    standard_questions = STANDARD_QUESTIONS


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
class FacilityAdmin(
    PublicationAdminMixin, QuestionsAdminMixin, AmountFieldsAdminMixin, admin.ModelAdmin
):
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
    readonly_fields = ["publication", "preview", "missing_spanish"]
    published_text = _("Published: visitors can find and book it.")
    draft_text = _("Draft: visitors cannot see this facility yet. Preview it, then publish it.")
    new_text = _("A new facility is saved as a draft.")
    published_message = _("“%(name)s” is published: visitors can find and book it.")
    preview_link_text = _("Preview the visitor's page in English")
    preview_new_text = _("Once saved, the visitor's page can be previewed from here.")
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
                    ("latitude", "longitude"),
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
        (_("Publication"), {"fields": ["publication", "preview", "missing_spanish"]}),
    ]

    def publish_object(self, request, obj):
        services.facility_publish(facility=obj)

    def unpublish_object(self, request, obj):
        services.facility_unpublish(facility=obj)

    def render_preview(self, request, obj, *, language):
        return facility_preview(request, facility=obj, language=language)

    @admin.display(description=_("resident rate"), ordering="resident_price_cents")
    def resident_rate(self, facility):
        return format_cents(facility.resident_price_cents, settings.AGENCY["currency"])

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

    @admin.display(description=_("missing in Spanish"))
    def missing_spanish(self, facility):
        if facility.pk is None:
            return "—"
        related = [*facility.blackouts.all(), *facility.photos.all()]
        missing = [
            *missing_translations(facility),
            *(f"“{row}”: {name}" for row in related for name in missing_translations(row)),
            *missing_spanish_of(owner=facility),
        ]
        if not missing:
            return gettext("Nothing: every text a visitor reads has its Spanish.")
        return format_html(
            '<ul id="missing-spanish">{}</ul>',
            format_html_join("", "<li>{}</li>", ((line,) for line in missing)),
        )
