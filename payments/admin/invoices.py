"""Invoices: their lines and payments inline, cancelling, and the counter payment page.

Thin: every change goes through `payments.services`; the model forms are read-only.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cases import permissions
from payments import services
from payments.admin.common import ReadOnlyMixin
from payments.exceptions import InvoiceNotOpen, InvoiceNotPayable, PaymentRefused
from payments.forms import CounterPaymentForm
from payments.models import PAYABLE_STATUSES, Invoice, InvoiceLine, Payment
from payments.money import format_cents


def _may_take_payment(user) -> bool:
    """The admin's model permission and a staff role that takes payments (the service
    checks the role again)."""
    return user.has_perm("payments.add_payment") and permissions.can(user, permissions.TAKE_PAYMENT)


class InvoiceLineInline(ReadOnlyMixin, admin.TabularInline):
    model = InvoiceLine
    fields = ["position", "description", "quantity", "unit_amount", "amount"]
    readonly_fields = fields
    extra = 0

    @admin.display(description=_("unit amount"))
    def unit_amount(self, line):
        return format_cents(line.unit_amount_cents, line.invoice.currency)

    @admin.display(description=_("amount"))
    def amount(self, line):
        return format_cents(line.amount_cents, line.invoice.currency)


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
        "total",
        "amount_paid",
        "amount_refunded",
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
        return format_cents(invoice.total_cents, invoice.currency)

    @admin.display(description=_("amount paid"))
    def amount_paid(self, invoice):
        return format_cents(invoice.amount_paid_cents, invoice.currency)

    @admin.display(description=_("amount refunded"))
    def amount_refunded(self, invoice):
        return format_cents(invoice.amount_refunded_cents, invoice.currency)

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
            initial={"amount": invoice.balance_cents},
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
