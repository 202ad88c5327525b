"""Reads of the payments app that carry a rule: whose invoice, which receipts, what staff
must look at. Access control lives here, in the queries."""

from __future__ import annotations

import datetime
import hmac
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Lower, TruncDate
from django.utils import timezone

from cases.links import LinkScope, resolve_link
from payments.models import (
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentGateway,
    PaymentStatus,
    Receipt,
    Refund,
    SettlementSource,
    StripeEvent,
    StripeEventStatus,
)


def _invoices() -> QuerySet[Invoice]:
    return Invoice.objects.select_related("payer").prefetch_related(
        "lines",
        Prefetch("receipts", queryset=Receipt.objects.select_related("payment", "refund")),
    )


def invoices_for_user(*, user) -> QuerySet[Invoice]:
    """The invoices `user` owes or paid, newest first (none for anonymous visitors)."""
    if not user.is_authenticated:
        return Invoice.objects.none()
    return _invoices().filter(payer=user).order_by("-created_at", "-id")


def invoice_for_user(*, user, reference: str) -> Invoice:
    """The invoice `reference` if `user` is its payer; Invoice.DoesNotExist otherwise (the
    same answer whether it exists or belongs to someone else)."""
    return invoices_for_user(user=user).get(reference=reference)


def invoice_for_guest_token(*, token: str, scope: str = LinkScope.VIEW) -> tuple[Invoice, bool]:
    """The invoice a guest link opens for `scope`, and whether the link may pay it.

    Raises cases.links.LinkError if the link is forged, expired, revoked or not for `scope`
    (a view link cannot pay), or the invoice now belongs to an account.
    """
    resolved = resolve_link(token, scope, model=Invoice)
    return _invoices().get(pk=resolved.target.pk), resolved.allows(LinkScope.PAY)


def invoice_find_by_reference(*, reference: str, email: str) -> Invoice | None:
    """The invoice with `reference` whose payer's e-mail address is `email` (any case)."""
    email = email.strip().lower()
    if not email:
        return None
    return (
        Invoice.objects.select_related("payer")
        .annotate(guest_email_ci=Lower("guest_email"), payer_email_ci=Lower("payer__email"))
        .filter(reference=reference.strip().upper())
        .filter(Q(guest_email_ci=email) | Q(payer_email_ci=email))
        .first()
    )


def normalise_bill_number(value: str) -> str:
    """A bill number or printed code as compared: letters and digits, upper case."""
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())[:64]


def _normalise_name(value: str) -> str:
    """A last name as compared: no accents, case, spaces, hyphens or apostrophes."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    return "".join(ch for ch in decomposed if ch.isalnum()).casefold()


def _factor_matches(invoice: Invoice, factor: str) -> bool:
    code, name = normalise_bill_number(factor), _normalise_name(factor)
    matches = False
    # Both compared every time, in constant time: the answer's timing tells nothing.
    if invoice.lookup_code:
        matches |= hmac.compare_digest(code.encode(), invoice.lookup_code.encode())
    if invoice.billed_last_name:
        expected = _normalise_name(invoice.billed_last_name)
        matches |= bool(name) and hmac.compare_digest(name.encode(), expected.encode())
    return matches


def invoices_find_by_bill_number(*, number: str, factor: str) -> list[Invoice]:
    """The bills printed with `number` (a tax bill or parcel number) that `factor` opens: the
    billed person's last name or the code printed on the bill. Newest first; closed bills
    (cancelled, expired) are left out. Empty when the number is unknown or the factor does
    not match: the caller cannot tell which.
    """
    number = normalise_bill_number(number)
    if not number or not (factor or "").strip():
        return []
    candidates = (
        Invoice.objects.filter(external_number=number)
        .exclude(status__in=[InvoiceStatus.VOID, InvoiceStatus.EXPIRED])
        .order_by("-created_at", "-id")[:20]
    )
    return [invoice for invoice in candidates if _factor_matches(invoice, factor)]


def receipt_of_invoice(*, invoice: Invoice, number: str) -> Receipt:
    """Receipt `number` of `invoice` (the caller already may see the invoice)."""
    return (
        Receipt.objects.select_related("invoice__payer", "payment", "refund")
        .prefetch_related("invoice__lines")
        .get(invoice=invoice, number=number)
    )


def payments_of_invoice(*, invoice: Invoice) -> QuerySet[Payment]:
    """The invoice's attempts and payments that matter to its payer (not abandoned ones)."""
    return invoice.payments.exclude(status=PaymentStatus.EXPIRED).order_by("-created_at")


def pending_payment(*, invoice: Invoice) -> Payment | None:
    return invoice.payments.filter(status=PaymentStatus.PENDING).first()


def local_checkout_payment(*, public_id) -> Payment:
    """The local test gateway's attempt behind its page; Payment.DoesNotExist otherwise."""
    return Payment.objects.select_related("invoice").get(
        public_id=public_id, gateway=PaymentGateway.LOCAL
    )


def latest_attempt(*, invoice: Invoice) -> Payment | None:
    return invoice.payments.order_by("-created_at", "-id").first()


# --- Staff: reconciliation --------------------------------------------------------------


@dataclass
class ReconciliationRow:
    day: datetime.date
    gateway: str
    payments_count: int = 0
    payments_cents: int = 0
    refunds_count: int = 0
    refunds_cents: int = 0

    @property
    def net_cents(self) -> int:
        return self.payments_cents - self.refunds_cents


@dataclass
class Reconciliation:
    date_from: datetime.date
    date_to: datetime.date
    currency: str
    rows: list[ReconciliationRow] = field(default_factory=list)
    by_gateway: list[ReconciliationRow] = field(default_factory=list)
    total: ReconciliationRow | None = None


def _day_bounds(date_from: datetime.date, date_to: datetime.date):
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(
        date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return start, end


def reconciliation(*, date_from: datetime.date, date_to: datetime.date) -> Reconciliation:
    """Money in (successful payments) and out (refunds) by day and gateway, in the agency's
    time zone, with totals per gateway and overall. Days with no movement are left out."""
    start, end = _day_bounds(date_from, date_to)
    tz = timezone.get_current_timezone()
    payments = (
        Payment.objects.filter(
            status=PaymentStatus.SUCCEEDED, settled_at__gte=start, settled_at__lt=end
        )
        .annotate(day=TruncDate("settled_at", tzinfo=tz))
        .values("day", "gateway")
        .annotate(count=Count("id"), cents=Sum("amount_cents"))
    )
    refunds = (
        Refund.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=tz), gateway=F("payment__gateway"))
        .values("day", "gateway")
        .annotate(count=Count("id"), cents=Sum("amount_cents"))
    )
    cells: dict[tuple, ReconciliationRow] = {}
    for row in payments:
        cell = cells.setdefault(
            (row["day"], row["gateway"]), ReconciliationRow(row["day"], row["gateway"])
        )
        cell.payments_count, cell.payments_cents = row["count"], row["cents"]
    for row in refunds:
        cell = cells.setdefault(
            (row["day"], row["gateway"]), ReconciliationRow(row["day"], row["gateway"])
        )
        cell.refunds_count, cell.refunds_cents = row["count"], row["cents"]
    rows = [cells[key] for key in sorted(cells)]
    gateways: dict[str, ReconciliationRow] = defaultdict(lambda: ReconciliationRow(date_from, ""))
    total = ReconciliationRow(date_from, "")
    for row in rows:
        for summary in (gateways[row.gateway], total):
            summary.gateway = summary.gateway or row.gateway
            summary.payments_count += row.payments_count
            summary.payments_cents += row.payments_cents
            summary.refunds_count += row.refunds_count
            summary.refunds_cents += row.refunds_cents
    total.gateway = ""
    return Reconciliation(
        date_from=date_from,
        date_to=date_to,
        currency=settings.AGENCY["currency"].upper(),
        rows=rows,
        by_gateway=[gateways[g] for g in sorted(gateways)],
        total=total,
    )


def stripe_events_needing_attention(
    *, now: datetime.datetime | None = None
) -> QuerySet[StripeEvent]:
    """Stripe events that could not be matched or applied, newest first.

    Besides unmatched and flagged events: events stored but still not applied a few minutes
    later (applying them failed; Stripe's redeliveries try again), and refunds still waiting
    for their payment after settings.PAYMENTS_WEBHOOK_GRACE_MINUTES (the payment's own event
    should have come by then).
    """
    now = now or timezone.now()
    stuck_before = now - datetime.timedelta(minutes=5)
    waited_before = now - datetime.timedelta(minutes=settings.PAYMENTS_WEBHOOK_GRACE_MINUTES)
    return StripeEvent.objects.filter(
        Q(status__in=[StripeEventStatus.UNMATCHED, StripeEventStatus.FLAGGED])
        | Q(status=StripeEventStatus.RECEIVED, received_at__lt=stuck_before)
        | Q(status=StripeEventStatus.WAITING, received_at__lt=waited_before)
    ).select_related("invoice", "payment")


def payments_needing_review() -> QuerySet[Payment]:
    """Money received that was not applied (wrong amount, duplicate...), not yet resolved."""
    return Payment.objects.filter(
        status=PaymentStatus.NEEDS_REVIEW, reviewed_at__isnull=True
    ).select_related("invoice")


def stripe_payments_without_webhook(*, now: datetime.datetime | None = None) -> QuerySet[Payment]:
    """Stripe checkouts whose webhook never came.

    Attempts still pending well past their expiry (nothing heard at all), and payments the
    portal had to confirm by asking Stripe, for which no completion event ever arrived since:
    both mean Stripe is not reaching the webhook endpoint.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.PAYMENTS_WEBHOOK_GRACE_MINUTES)
    completion_event = StripeEvent.objects.filter(
        payment=OuterRef("pk"),
        type__in=["checkout.session.completed", "checkout.session.async_payment_succeeded"],
    )
    return (
        Payment.objects.filter(gateway=PaymentGateway.STRIPE)
        .filter(
            Q(status=PaymentStatus.PENDING, expires_at__lt=cutoff)
            | Q(
                status=PaymentStatus.SUCCEEDED,
                settled_via=SettlementSource.SESSION_CHECK,
                settled_at__lt=cutoff,
            )
        )
        .exclude(Exists(completion_event))
        .select_related("invoice")
        .order_by("created_at")
    )


def refunds_refused_unmade(*, invoice_ids) -> list[Refund]:
    """The refused parts of the policy refund requests on `invoice_ids` that nothing has made
    up for since (the request is not waiting for the gateway, and what it gave back is less
    than it asked), and the refunds staff issued on them that were given up with no answer
    (perhaps made: looked up at the gateway first when asked again). Money meant to go back
    that did not, or may not have: staff's to look at and to ask for again (`refund_retry`).

    Each with its gateway call (`intent.last_error` says why), oldest first; a refused
    refund asked for again is listed no more, its retry in its place if that was refused
    too."""
    from django.db.models.functions import Coalesce

    from payments.models import RefundRequest, RefundStatus
    from payments.services.intents import REFUND_UNANSWERED

    invoice_ids = list(invoice_ids)
    requests = (
        RefundRequest.objects.filter(
            pk__in=Refund.objects.filter(
                payment__invoice_id__in=invoice_ids, request__isnull=False
            ).values("request_id")
        )
        .annotate(
            standing=Coalesce(
                Sum("refunds__amount_cents", filter=~Q(refunds__status=RefundStatus.FAILED)), 0
            ),
            waiting=Count("refunds", filter=Q(refunds__status=RefundStatus.PENDING)),
        )
        .filter(waiting=0, standing__lt=F("amount_cents"))
    )
    return list(
        Refund.objects.filter(
            Q(request__in=requests)
            | Q(
                request__isnull=True,
                payment__invoice_id__in=invoice_ids,
                provider_status=REFUND_UNANSWERED,
            ),
            status=RefundStatus.FAILED,
            retry__isnull=True,
        )
        .select_related("intent")
        .order_by("created_at", "pk")
    )
