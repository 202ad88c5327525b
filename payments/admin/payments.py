"""Payments: the refund and review pages, and the reconciliation report with its CSV export.

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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases import permissions
from payments import selectors, services
from payments.admin.common import ReadOnlyMixin
from payments.exceptions import PaymentRefused, RefundRefused
from payments.forms import ReconciliationForm, RefundForm, ReviewResolveForm
from payments.gateways import GatewayError
from payments.models import Payment, PaymentStatus, Refund
from payments.money import format_cents


def _may_refund(user) -> bool:
    """The admin's model permission and a staff role that refunds (cashier, supervisor,
    administrator; the service checks the role again)."""
    return user.has_perm("payments.add_refund") and permissions.can(user, permissions.REFUND)


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
        "amount",
        "currency",
        "refunded",
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
        return format_cents(payment.amount_cents, payment.currency)

    @admin.display(description=_("refunded"))
    def refunded(self, payment):
        return (
            format_cents(payment.amount_refunded_cents, payment.currency)
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
        form = RefundForm(request.POST or None, initial={"amount": payment.refundable_cents})
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
