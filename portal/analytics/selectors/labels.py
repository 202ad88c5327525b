"""What the analytics' charts share: service and gateway names, shares and percentages,
the period a chart reads and when the summaries were last rebuilt."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.workflow import get_workflow
from payments.models import PaymentGateway
from portal.analytics.figures import period_start
from portal.analytics.models import SummaryRefresh


def service_name(kind: str) -> str:
    try:
        return str(get_workflow(kind).name)
    except LookupError:
        return kind


def app_name(label: str) -> str:
    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label


def gateway_name(code: str) -> str:
    return str(dict(PaymentGateway.choices).get(code, code))


def share_of(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# Shown where there is nothing to count (no case closed against a target).
NOTHING = "\N{EN DASH}"


def percent(value: float | None) -> str:
    return NOTHING if value is None else f"{value:g} %"


def start_of_period(weeks: int) -> datetime.date:
    return period_start(today=timezone.localdate(), weeks=weeks)


def last_refresh() -> SummaryRefresh | None:
    return SummaryRefresh.objects.first()


def age_band_labels() -> list[str]:
    return [_("0 to 7 days"), _("8 to 30 days"), _("31 to 90 days"), _("More than 90 days")]


def agency_wide_note() -> str:
    """What a chart of figures kept without a department says (payments, messages)."""
    return _(
        "All departments: payments and messages are not kept by department, so this chart "
        "shows the whole agency."
    )
