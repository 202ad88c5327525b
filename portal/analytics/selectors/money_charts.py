"""The money charts: payments and refunds per day, and what the gateways left for review.

Payments are not linked to a case's department: these figures are the whole agency's."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from payments.money import format_cents
from portal.analytics.figures import Figures
from portal.analytics.models import GatewayAttentionDay, RevenueDay
from portal.analytics.selectors.labels import (
    agency_wide_note,
    app_name,
    gateway_name,
    start_of_period,
)


def revenue(*, weeks: int) -> Figures:
    """Money received and refunded per day, by service and gateway."""
    start = start_of_period(weeks)
    currency = settings.AGENCY["currency"]
    rows = list(RevenueDay.objects.filter(day__gte=start).order_by("day", "service", "gateway"))
    days = [start + datetime.timedelta(days=n) for n in range(weeks * 7)]
    per_gateway: dict[str, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        per_gateway[row.gateway][row.day] += row.received_cents
    figures = Figures(
        key="revenue",
        title=_("Money received per day, by service and gateway"),
        columns=[
            _("Day"),
            _("Service"),
            _("Gateway"),
            _("Payments"),
            pgettext("analytics", "Received"),
            _("Refunds"),
            pgettext("analytics", "Refunded"),
        ],
        kind="StackedBar",
        scope_note=agency_wide_note(),
        x_labels=[date_format(day, "SHORT_DATE_FORMAT") for day in days],
        series=[
            (gateway_name(gateway), [per_gateway[gateway][day] / 100 for day in days])
            for gateway in sorted(per_gateway)
        ],
    )
    for row in rows:
        service, gateway = app_name(row.service), gateway_name(row.gateway)
        figures.rows.append(
            [
                row.day.isoformat(),
                service,
                gateway,
                row.payments,
                f"{row.received_cents / 100:.2f}",
                row.refunds,
                f"{row.refunded_cents / 100:.2f}",
            ]
        )
        figures.display.append(
            [
                date_format(row.day, "DATE_FORMAT"),
                service,
                gateway,
                row.payments,
                format_cents(row.received_cents, currency),
                row.refunds,
                format_cents(row.refunded_cents, currency),
            ]
        )
    return figures


def gateway_attention(*, weeks: int) -> Figures:
    """Gateway events that could not be matched, and payments kept for review, per day."""
    rows = list(GatewayAttentionDay.objects.filter(day__gte=start_of_period(weeks)).order_by("day"))
    figures = Figures(
        key="gateway-events",
        title=_("Unmatched gateway events and payments kept for review"),
        columns=[_("Day"), _("Unmatched or flagged events"), _("Payments kept for review")],
        kind="Bar",
        scope_note=agency_wide_note(),
        x_labels=[date_format(row.day, "SHORT_DATE_FORMAT") for row in rows],
        series=[
            (_("Unmatched or flagged events"), [row.unmatched_events for row in rows]),
            (_("Payments kept for review"), [row.payments_for_review for row in rows]),
        ],
    )
    for row in rows:
        figures.rows.append([row.day.isoformat(), row.unmatched_events, row.payments_for_review])
        figures.display.append(
            [date_format(row.day, "DATE_FORMAT"), row.unmatched_events, row.payments_for_review]
        )
    return figures
