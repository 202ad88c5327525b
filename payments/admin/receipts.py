"""Refunds, the refund requests of services, and receipts (with the receipt's PDF), read
only."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from payments.admin.common import ReadOnlyMixin
from payments.models import Receipt, Refund, RefundRequest
from payments.money import format_cents
from payments.pdf import receipt_filename, receipt_pdf


@admin.register(Refund)
class RefundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "pk",
        "payment",
        "amount",
        "reason",
        "issued_by",
        "provider_reference",
        "created_at",
    ]
    list_select_related = ["payment__invoice", "issued_by"]
    search_fields = ["=payment__invoice__reference", "=provider_reference"]
    fields = [
        "payment",
        "amount",
        "reason",
        "issued_by",
        "provider_reference",
        "provider_status",
        "retry_of",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount_cents")
    def amount(self, refund):
        return format_cents(refund.amount_cents, refund.payment.currency)


class RefundPartInline(ReadOnlyMixin, admin.TabularInline):
    model = Refund
    fk_name = "request"
    fields = ["payment", "amount_cents", "status", "provider_reference", "provider_status"]
    readonly_fields = fields
    show_change_link = True
    extra = 0


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["pk", "policy", "amount_cents", "reason", "created_at"]
    list_filter = ["policy"]
    search_fields = ["=policy", "=idempotency_key"]
    fields = ["idempotency_key", "policy", "amount_cents", "reason", "created_at"]
    readonly_fields = fields
    inlines = [RefundPartInline]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "kind", "invoice", "amount", "issued_at", "emailed_at", "pdf"]
    list_filter = ["kind"]
    list_select_related = ["invoice"]
    search_fields = ["=number", "=invoice__reference"]
    fields = [
        "number",
        "kind",
        "invoice",
        "payment",
        "refund",
        "amount",
        "issued_at",
        "emailed_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount_cents")
    def amount(self, receipt):
        return format_cents(receipt.amount_cents, receipt.invoice.currency)

    @admin.display(description=_("PDF"))
    def pdf(self, receipt):
        url = reverse("admin:payments_receipt_pdf", args=[receipt.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Download"))

    def get_urls(self):
        return [
            path(
                "<path:object_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="payments_receipt_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, object_id):
        receipt = self.get_object(request, unquote(object_id))
        if receipt is None:
            raise Http404
        if not self.has_view_permission(request, receipt):
            raise PermissionDenied
        response = HttpResponse(receipt_pdf(receipt=receipt), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{receipt_filename(receipt)}"'
        return response
