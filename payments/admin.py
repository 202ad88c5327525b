"""The payments back office: invoices, payments, refunds, receipts, Stripe events, and the
staff's working pages (counter payment, refund, review, reconciliation with CSV export).

Thin: every change goes through `payments.services`; the model forms are read-only.
"""

from __future__ import annotations

import csv

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases import permissions
from payments import selectors, services
from payments.exceptions import InvoiceNotOpen, InvoiceNotPayable, PaymentRefused, RefundRefused
from payments.forms import CounterPaymentForm, ReconciliationForm, RefundForm, ReviewResolveForm
from payments.gateways import GatewayError
from payments.models import (
    PAYABLE_STATUSES,
    Invoice,
    InvoiceLine,
    Payment,
    PaymentStatus,
    Receipt,
    Refund,
    StripeEvent,
)
from payments.money import format_cents
from payments.pdf import receipt_filename, receipt_pdf


def _may_take_payment(user) -> bool:
    """The admin's model permission and a staff role that takes payments (the service
    checks the role again)."""
    return user.has_perm("payments.add_payment") and permissions.can(user, permissions.TAKE_PAYMENT)


def _may_refund(user) -> bool:
    """The admin's model permission and a staff role that refunds (cashier, supervisor,
    administrator; the service checks the role again)."""
    return user.has_perm("payments.add_refund") and permissions.can(user, permissions.REFUND)


class ReadOnlyMixin:
    """Rows are written by the services only; the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InvoiceLineInline(ReadOnlyMixin, admin.TabularInline):
    model = InvoiceLine
    fields = ["position", "description", "quantity", "unit_amount_cents", "amount_cents"]
    readonly_fields = fields
    extra = 0


class PaymentInline(ReadOnlyMixin, admin.TabularInline):
    model = Payment
    fields = ["link", "gateway", "method", "status", "amount", "settled_at", "settled_via"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("payment"))
    def link(self, payment):
        url = reverse("admin:payments_payment_change", args=[payment.pk])
        return format_html('<a href="{}">#{}</a>', url, payment.pk)

    @admin.display(description=_("amount"))
    def amount(self, payment):
        return format_cents(payment.amount_cents, payment.currency)


def _amount(cents: int, currency: str) -> str:
    return format_cents(cents, currency)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    change_form_template = "payments/admin/invoice_change_form.html"
    list_display = [
        "reference",
        "description",
        "purpose",
        "payer_display",
        "total",
        "status",
        "due_date",
        "created_at",
    ]
    list_filter = ["status", "purpose", "created_at"]
    list_select_related = ["payer"]
    search_fields = ["=reference", "payer__email", "payer__full_name", "guest_email", "guest_name"]
    search_help_text = _("Reference (exact), or the payer's name or e-mail address.")
    show_full_result_count = False
    date_hierarchy = "created_at"
    actions = ["cancel_invoices"]
    fields = [
        "reference",
        "description",
        "purpose",
        "subject_type",
        "subject_id",
        "payer",
        "guest_name",
        "guest_email",
        "language",
        "currency",
        "total_cents",
        "amount_paid_cents",
        "amount_refunded_cents",
        "status",
        "due_date",
        "expires_at",
        "paid_at",
        "closed_at",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [InvoiceLineInline, PaymentInline]

    @admin.display(description=_("payer"))
    def payer_display(self, invoice):
        return invoice.payer_name or invoice.payer_email

    @admin.display(description=_("total"), ordering="total_cents")
    def total(self, invoice):
        return _amount(invoice.total_cents, invoice.currency)

    @admin.action(description=_("Cancel the selected unpaid invoices"), permissions=["view"])
    def cancel_invoices(self, request, queryset):
        if not request.user.has_perm("payments.delete_invoice"):
            raise PermissionDenied
        cancelled = 0
        for invoice in queryset.order_by("pk"):
            try:
                services.invoice_void(invoice=invoice)
                cancelled += 1
            except InvoiceNotOpen:
                self.message_user(
                    request,
                    gettext("%(reference)s is not unpaid and was left alone.")
                    % {"reference": invoice.reference},
                    messages.WARNING,
                )
        self.message_user(
            request,
            ngettext("%(count)d invoice cancelled.", "%(count)d invoices cancelled.", cancelled)
            % {"count": cancelled},
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/counter-payment/",
                self.admin_site.admin_view(self.counter_payment_view),
                name="payments_invoice_counter_payment",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if invoice is not None:
            extra_context.update(
                invoice=invoice,
                can_record_counter=invoice.status in PAYABLE_STATUSES
                and _may_take_payment(request.user),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def counter_payment_view(self, request, object_id):
        if not _may_take_payment(request.user):
            raise PermissionDenied
        invoice = self.get_object(request, unquote(object_id))
        if invoice is None:
            raise Http404
        back = reverse("admin:payments_invoice_change", args=[invoice.pk])
        form = CounterPaymentForm(
            request.POST or None,
            initial={"amount": f"{invoice.balance_cents / 100:.2f}"},
            invoice=invoice,
        )
        if request.method == "POST" and form.is_valid():
            try:
                services.payment_record_counter(
                    invoice=invoice,
                    method=form.cleaned_data["method"],
                    amount_cents=form.cleaned_data["amount"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                    payer_name=form.cleaned_data["payer_name"],
                    payer_email=form.cleaned_data["payer_email"],
                )
            except PaymentRefused as error:
                form.add_error(None, str(error))
            except InvoiceNotPayable as error:
                messages.error(request, str(error))
                return HttpResponseRedirect(back)
            else:
                messages.success(
                    request, gettext("Counter payment recorded; the receipt is on its way.")
                )
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Record a counter payment for %(reference)s")
            % {"reference": invoice.reference},
            "form": form,
            "invoice": invoice,
            "back_url": back,
            "submit_label": gettext("Record payment"),
        }
        return TemplateResponse(request, "payments/admin/action_form.html", context)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin):
    change_form_template = "payments/admin/payment_change_form.html"
    change_list_template = "payments/admin/payment_change_list.html"
    list_display = [
        "pk",
        "invoice",
        "gateway",
        "method",
        "status",
        "amount",
        "refunded",
        "settled_at",
        "settled_via",
    ]
    list_filter = ["status", "gateway", "method", "settled_via", "review_reason"]
    list_select_related = ["invoice"]
    search_fields = ["=invoice__reference", "=provider_reference", "=provider_payment_id"]
    search_help_text = _("Invoice reference, checkout session id or payment intent id (exact).")
    show_full_result_count = False
    fields = [
        "invoice",
        "gateway",
        "method",
        "status",
        "amount_cents",
        "currency",
        "amount_refunded_cents",
        "provider_reference",
        "provider_payment_id",
        "expires_at",
        "settled_at",
        "settled_via",
        "failure_reason",
        "review_reason",
        "reviewed_at",
        "reviewed_by",
        "recorded_by",
        "note",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount_cents")
    def amount(self, payment):
        return _amount(payment.amount_cents, payment.currency)

    @admin.display(description=_("refunded"))
    def refunded(self, payment):
        return (
            _amount(payment.amount_refunded_cents, payment.currency)
            if payment.amount_refunded_cents
            else "-"
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("reconciliation/", wrap(self.reconciliation_view), name="payments_reconciliation"),
            path(
                "<path:object_id>/refund/", wrap(self.refund_view), name="payments_payment_refund"
            ),
            path(
                "<path:object_id>/resolve/",
                wrap(self.resolve_view),
                name="payments_payment_resolve",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if payment is not None:
            extra_context.update(
                payment=payment,
                can_refund=payment.refundable_cents > 0 and _may_refund(request.user),
                can_resolve=payment.status == PaymentStatus.NEEDS_REVIEW
                and payment.reviewed_at is None
                and _may_refund(request.user),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def _payment_for_action(self, request, object_id) -> Payment:
        if not _may_refund(request.user):
            raise PermissionDenied
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            raise Http404
        return payment

    def refund_view(self, request, object_id):
        payment = self._payment_for_action(request, object_id)
        back = reverse("admin:payments_payment_change", args=[payment.pk])
        form = RefundForm(
            request.POST or None, initial={"amount": f"{payment.refundable_cents / 100:.2f}"}
        )
        if request.method == "POST" and form.is_valid():
            try:
                refund = services.refund_issue(
                    payment=payment,
                    amount_cents=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except RefundRefused as error:
                form.add_error("amount", str(error))
            except GatewayError:
                form.add_error(
                    None, gettext("The payment provider refused the refund; nothing was refunded.")
                )
            else:
                if refund.status == Refund.Status.PENDING:
                    messages.warning(
                        request,
                        gettext(
                            "The payment provider has not answered yet. The refund is recorded "
                            "as in progress and will be completed automatically."
                        ),
                    )
                else:
                    messages.success(request, gettext("Refund issued; the payer is being told."))
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Refund a payment of %(reference)s")
            % {"reference": payment.invoice.reference},
            "form": form,
            "invoice": payment.invoice,
            "payment": payment,
            "back_url": back,
            "submit_label": gettext("Issue refund"),
        }
        return TemplateResponse(request, "payments/admin/action_form.html", context)

    def resolve_view(self, request, object_id):
        payment = self._payment_for_action(request, object_id)
        back = reverse("admin:payments_payment_change", args=[payment.pk])
        form = ReviewResolveForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.payment_review_resolve(
                    payment=payment, actor=request.user, note=form.cleaned_data["note"]
                )
            except PaymentRefused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, gettext("Marked as dealt with."))
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Resolve the review of a payment of %(reference)s")
            % {"reference": payment.invoice.reference},
            "form": form,
            "invoice": payment.invoice,
            "payment": payment,
            "back_url": back,
            "submit_label": gettext("Mark as dealt with"),
        }
        return TemplateResponse(request, "payments/admin/action_form.html", context)

    def reconciliation_view(self, request):
        if not request.user.has_perm("payments.view_payment"):
            raise PermissionDenied
        # The last 30 days until a period is chosen; the CSV link carries the same period.
        chosen = "date_from" in request.GET or "date_to" in request.GET
        form = ReconciliationForm(
            request.GET if chosen else None, initial=ReconciliationForm.default_period()
        )
        valid = not chosen or form.is_valid()
        period = form.cleaned_data if chosen and valid else ReconciliationForm.default_period()
        report = selectors.reconciliation(date_from=period["date_from"], date_to=period["date_to"])
        if request.GET.get("format") == "csv" and valid:
            return _reconciliation_csv(report)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Reconciliation"),
            "form": form,
            "report": report,
            "events": selectors.stripe_events_needing_attention()[:100],
            "to_review": selectors.payments_needing_review()[:100],
            "without_webhook": selectors.stripe_payments_without_webhook()[:100],
            "csv_query": request.GET.copy().urlencode(),
        }
        return TemplateResponse(request, "payments/admin/reconciliation.html", context)


def _reconciliation_csv(report) -> HttpResponse:
    """The report as CSV: one row per day and gateway, amounts in decimal currency units."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="reconciliation-{report.date_from}-{report.date_to}.csv"'
    )

    def amount(cents: int) -> str:
        return f"{cents / 100:.2f}" if cents >= 0 else f"-{-cents / 100:.2f}"

    writer = csv.writer(response)
    writer.writerow(
        ["date", "gateway", "payments", "paid", "refunds", "refunded", "net", "currency"]
    )
    for row in [*report.rows, *[("TOTAL", g) for g in report.by_gateway], ("TOTAL", report.total)]:
        label, item = row if isinstance(row, tuple) else (row.day.isoformat(), row)
        writer.writerow(
            [
                label,
                item.gateway or "all",
                item.payments_count,
                amount(item.payments_cents),
                item.refunds_count,
                amount(item.refunds_cents),
                amount(item.net_cents),
                report.currency,
            ]
        )
    return response


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
        "amount_cents",
        "reason",
        "issued_by",
        "provider_reference",
        "provider_status",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount_cents")
    def amount(self, refund):
        return _amount(refund.amount_cents, refund.payment.currency)


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
        "amount_cents",
        "issued_at",
        "emailed_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("amount"), ordering="amount_cents")
    def amount(self, receipt):
        return _amount(receipt.amount_cents, receipt.invoice.currency)

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
