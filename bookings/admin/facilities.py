"""Facilities as data, set up by an administrator in one pass: what visitors read (English
and Spanish side by side), opening hours per weekday, closed dates, slot rules, prices in
dollars, approval, cancellation tiers, household limits and photos, with the shared questions
inline; a draft until it is published.
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

from bookings.models import Blackout, CancellationTier, Facility, FacilityPhoto, OpeningHours
from bookings.services import facilities as services
from bookings.views.facilities import facility_preview
from cases.questions.admin import QuestionInline, QuestionsAdminMixin
from cases.questions.selectors import missing_spanish_of
from payments.forms import AmountFieldsAdminMixin
from payments.money import format_cents
from portal.localized import missing_translations, preview_language

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
    readonly_fields = ["publication", "preview", "missing_spanish"]
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
        (_("Publication"), {"fields": ["publication", "preview", "missing_spanish"]}),
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

    @admin.display(description=_("publication"))
    def publication(self, facility):
        if facility.pk is None:
            return gettext("A new facility is saved as a draft.")
        if facility.published:
            return format_html(
                '{} <button type="submit" name="_unpublish" value="1" class="button">{}</button>',
                gettext("Published: visitors can find and book it."),
                gettext("Save and take back to draft"),
            )
        return format_html(
            '{} <button type="submit" name="_publish" value="1" class="button default">{}</button>',
            gettext("Draft: visitors cannot see this facility yet. Preview it, then publish it."),
            gettext("Save and publish"),
        )

    @admin.display(description=_("preview"))
    def preview(self, facility):
        if facility.pk is None:
            return gettext("Once saved, the visitor's page can be previewed from here.")
        url = reverse("admin:bookings_facility_preview", args=[facility.pk])
        return format_html(
            '<a href="{}?lang=en">{}</a> · <a href="{}?lang=es">{}</a>',
            url,
            gettext("Preview the visitor's page in English"),
            url,
            gettext("in Spanish"),
        )

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

    def get_urls(self):
        return [
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="bookings_facility_preview",
            ),
            *super().get_urls(),
        ]

    def preview_view(self, request, object_id):
        facility = self.get_object(request, unquote(object_id))
        if facility is None:
            raise Http404
        if not self.has_view_or_change_permission(request, facility):
            raise PermissionDenied
        return facility_preview(request, facility=facility, language=preview_language(request))

    def response_add(self, request, obj, post_url_continue=None):
        # A new facility is a draft: its page is where it is previewed and published.
        if "_addanother" not in request.POST and "_popup" not in request.POST:
            messages.success(
                request,
                gettext(
                    "“%(name)s” is saved as a draft. Preview it, then publish it when it is ready."
                )
                % {"name": obj.name},
            )
            return HttpResponseRedirect(reverse("admin:bookings_facility_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_publish" in request.POST:
            services.facility_publish(facility=obj)
            messages.success(
                request,
                gettext("“%(name)s” is published: visitors can find and book it.")
                % {"name": obj.name},
            )
            return HttpResponseRedirect(request.path)
        if "_unpublish" in request.POST:
            services.facility_unpublish(facility=obj)
            messages.success(request, gettext("“%(name)s” is a draft again.") % {"name": obj.name})
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
