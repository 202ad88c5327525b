"""Lotteries (slots released by a draw) and the waitlists, in the back office.

A lottery is configured here: the facility, the days it releases, the request window, the
slots per household and the hours winners have to pay. Its draw (seed, time) and every
request with its outcome are read-only: the draw is the beat task's, once.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bookings.models import Lottery, LotteryRequest, WaitlistEntry


class LotteryRequestInline(admin.TabularInline):
    model = LotteryRequest
    extra = 0
    can_delete = False
    fields = ["period", "household_key", "preference", "status", "draw_position", "booking"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Lottery)
class LotteryAdmin(admin.ModelAdmin):
    list_display = ["facility", "first_day", "last_day", "opens_at", "closes_at", "drawn_at"]
    list_filter = ["facility"]
    autocomplete_fields = ["facility"]
    readonly_fields = ["seed", "drawn_at"]
    inlines = [LotteryRequestInline]
    fieldsets = [
        (None, {"fields": ["facility", ("first_day", "last_day")]}),
        (
            _("Request window"),
            {
                "fields": [("opens_at", "closes_at"), ("household_limit", "pay_hours")],
                "description": _(
                    "Until the draw, these days cannot be booked first-come: people request "
                    "slots, and the draw grants them in a random order, never more than the "
                    "slots per household."
                ),
            },
        ),
        (_("Draw"), {"fields": ["seed", "drawn_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.drawn:
            return [field.name for field in Lottery._meta.fields]
        return self.readonly_fields


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ["facility", "period", "household_key", "status", "offer_expires_at"]
    list_filter = ["status", "facility"]
    readonly_fields = [field.name for field in WaitlistEntry._meta.fields]

    def has_add_permission(self, request):
        return False
