"""Stripe's webhook events as received, read only."""

from __future__ import annotations

from django.contrib import admin

from payments.admin.common import ReadOnlyMixin
from payments.models import StripeEvent


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["event_id", "type", "status", "detail", "invoice", "received_at"]
    list_filter = ["status", "type"]
    list_select_related = ["invoice"]
    search_fields = ["=event_id", "=invoice__reference"]
    fields = [
        "event_id",
        "type",
        "livemode",
        "status",
        "detail",
        "invoice",
        "payment",
        "received_at",
        "applied_at",
        "payload",
    ]
    readonly_fields = fields
