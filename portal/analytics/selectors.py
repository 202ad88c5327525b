"""The analytics' reads: each returns one chart's `Figures`, from the summary tables only
(a handful of rows per week or day, however many cases there are).

The figures are agency-wide counts and sums, with no personal data: the dashboard shows them
to supervisors and administrators (`cases.permissions.may_read_analytics`), the public
performance page shows some of them to everybody.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from django.apps import apps
from django.conf import settings
from django.db.models import Count, DecimalField, F, Sum, Value
from django.db.models.functions import Floor
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from cases.models import Department
from cases.workflow import get_workflow
from concerns.models import ConcernReport
from notifications.models import DeliveryStatus, NotificationChannel, NotificationStatus
from payments.models import PaymentGateway
from payments.money import format_cents
from portal.analytics.charts import PALETTE
from portal.analytics.figures import Figures, period_start, weighted_median
from portal.analytics.models import (
    BacklogAge,
    CaseWeek,
    CloseDuration,
    GatewayAttentionDay,
    MessageDay,
    RevenueDay,
    SummaryRefresh,
)
from portal.localized import localized


def service_name(kind: str) -> str:
    try:
        return str(get_workflow(kind).name)
    except LookupError:
        return kind


def _app_name(label: str) -> str:
    try:
        return str(apps.get_app_config(label).verbose_name)
    except LookupError:
        return label


def _gateway_name(code: str) -> str:
    return str(dict(PaymentGateway.choices).get(code, code))


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# Shown where there is nothing to count (no case closed against a target).
NOTHING = "\N{EN DASH}"


def _percent(value: float | None) -> str:
    return NOTHING if value is None else f"{value:g} %"


def _start(weeks: int) -> datetime.date:
    return period_start(today=timezone.localdate(), weeks=weeks)


def last_refresh() -> SummaryRefresh | None:
    return SummaryRefresh.objects.first()


def age_band_labels() -> list[str]:
    return [_("0 to 7 days"), _("8 to 30 days"), _("31 to 90 days"), _("More than 90 days")]


def case_flow(*, weeks: int) -> Figures:
    """Cases submitted and closed per week per service."""
    start = _start(weeks)
    rows = list(
        CaseWeek.objects.filter(week__gte=start)
        .values("week", "kind")
        .annotate(opened=Sum("opened"), closed=Sum("closed"))
        .order_by("week", "kind")
    )
    all_weeks = [start + datetime.timedelta(weeks=n) for n in range(weeks)]
    opened, closed = defaultdict(int), defaultdict(int)
    for row in rows:
        opened[row["week"]] += row["opened"]
        closed[row["week"]] += row["closed"]
    figures = Figures(
        key="cases",
        title=_("Cases submitted and closed per week"),
        columns=[
            _("Week starting"),
            _("Service"),
            pgettext("analytics", "Submitted"),
            pgettext("analytics", "Closed"),
        ],
        kind="Bar",
        x_labels=[date_format(week, "SHORT_DATE_FORMAT") for week in all_weeks],
        series=[
            (pgettext("analytics", "Submitted"), [opened[week] for week in all_weeks]),
            (pgettext("analytics", "Closed"), [closed[week] for week in all_weeks]),
        ],
    )
    for row in rows:
        name = service_name(row["kind"])
        figures.rows.append([row["week"].isoformat(), name, row["opened"], row["closed"]])
        figures.display.append(
            [date_format(row["week"], "DATE_FORMAT"), name, row["opened"], row["closed"]]
        )
    return figures


def on_time_by_department(*, weeks: int) -> Figures:
    """The share of cases closed within their service level, by department."""
    rows = list(
        CaseWeek.objects.filter(week__gte=_start(weeks), closed_with_target__gt=0)
        .values("department")
        .annotate(with_target=Sum("closed_with_target"), on_time=Sum("closed_on_time"))
        .order_by("department")
    )
    names = dict(Department.objects.values_list("pk", "name"))
    figures = Figures(
        key="service-level",
        title=_("Share of cases closed within the service level, by department"),
        columns=[
            _("Department"),
            _("Closed with a due date"),
            _("Closed on time"),
            _("Share on time"),
        ],
        kind="HorizontalBar",
    )
    for row in sorted(rows, key=lambda row: names.get(row["department"], "")):
        name = names.get(row["department"]) or _("No department")
        share = _share(row["on_time"], row["with_target"])
        figures.rows.append([name, row["with_target"], row["on_time"], share])
        figures.display.append([name, row["with_target"], row["on_time"], _percent(share)])
    figures.x_labels = [row[0] for row in figures.rows]
    figures.series = [(_("Share on time (%)"), [row[3] for row in figures.rows])]
    return figures


def _medians(*, weeks: int) -> dict[str, tuple[int, float | None]]:
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for kind, days, cases in CloseDuration.objects.filter(week__gte=_start(weeks)).values_list(
        "kind", "days", "cases"
    ):
        counts[kind][days] = counts[kind].get(days, 0) + cases
    return {
        kind: (sum(histogram.values()), weighted_median(histogram))
        for kind, histogram in counts.items()
    }


def time_to_decision(*, weeks: int) -> Figures:
    """The median number of calendar days from submission to the final status, per service
    (a withdrawal or a cancellation ends a case as a decision does)."""
    figures = Figures(
        key="time-to-decision",
        title=_("Median days from submission to decision"),
        columns=[_("Service"), _("Cases decided"), _("Median days")],
        kind="HorizontalBar",
        note=_(
            "Counted in calendar days from submission to the case's final status, whatever "
            "it is (approved, denied, withdrawn or cancelled), for the cases closed in the "
            "period."
        ),
    )
    medians = _medians(weeks=weeks)
    for name, kind in sorted((service_name(kind), kind) for kind in medians):
        decided, median = medians[kind]
        figures.rows.append([name, decided, median])
        figures.display.append([name, decided, f"{median:g}"])
    figures.x_labels = [row[0] for row in figures.rows]
    figures.series = [(_("Median days"), [row[2] for row in figures.rows])]
    return figures


def backlog() -> Figures:
    """Open cases by how long ago they were submitted, per service."""
    labels = age_band_labels()
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0] * len(labels))
    for kind, band, cases in BacklogAge.objects.values_list("kind", "band", "cases"):
        per_kind[kind][band] = cases
    figures = Figures(
        key="backlog",
        title=_("Open cases by age"),
        columns=[_("Service"), *labels, _("Total")],
        kind="StackedBar",
        x_labels=labels,
    )
    for name, kind in sorted((service_name(kind), kind) for kind in per_kind):
        counts = per_kind[kind]
        figures.rows.append([name, *counts, sum(counts)])
        figures.display.append([name, *counts, sum(counts)])
        figures.series.append((name, counts))
    return figures


def revenue(*, weeks: int) -> Figures:
    """Money received and refunded per day, by service and gateway."""
    start = _start(weeks)
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
        x_labels=[date_format(day, "SHORT_DATE_FORMAT") for day in days],
        series=[
            (_gateway_name(gateway), [per_gateway[gateway][day] / 100 for day in days])
            for gateway in sorted(per_gateway)
        ],
    )
    for row in rows:
        service, gateway = _app_name(row.service), _gateway_name(row.gateway)
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
    rows = list(GatewayAttentionDay.objects.filter(day__gte=_start(weeks)).order_by("day"))
    figures = Figures(
        key="gateway-events",
        title=_("Unmatched gateway events and payments kept for review"),
        columns=[_("Day"), _("Unmatched or flagged events"), _("Payments kept for review")],
        kind="Bar",
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


# How the dashboard groups a message: by the provider's report once the dispatcher sent it
# (delivered, bounced, or no report yet: SMS and in-app messages never have one), else by
# the dispatcher's status (failed, skipped, still on its way).
_SENT = NotificationStatus.SENT
_MESSAGE_OUTCOMES = (
    ((_SENT, DeliveryStatus.UNKNOWN),),
    ((_SENT, DeliveryStatus.DELIVERED),),
    ((_SENT, DeliveryStatus.BOUNCED),),
    ((NotificationStatus.FAILED, ""),),
    ((NotificationStatus.SKIPPED, ""),),
    ((NotificationStatus.PENDING, ""), (NotificationStatus.SENDING, "")),
)


def messages(*, weeks: int) -> Figures:
    """Messages and reminders by channel: sent (no report yet), delivered, bounced, failed,
    skipped and still waiting."""
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for channel, status, delivery, count in (
        MessageDay.objects.filter(day__gte=_start(weeks))
        .values_list("channel", "status", "delivery")
        .annotate(count=Sum("messages"))
    ):
        # A report on a message the dispatcher did not count as sent is not expected; it
        # is counted by its status.
        totals[channel, status, delivery if status == _SENT else ""] += count
    outcome_labels = [
        _("Sent, no report yet"),
        pgettext("analytics", "Delivered"),
        pgettext("analytics", "Bounced"),
        pgettext("analytics", "Failed"),
        pgettext("analytics", "Skipped"),
        _("Waiting to be sent"),
    ]
    channels = [
        (code, str(label))
        for code, label in NotificationChannel.choices
        if any(key[0] == code for key in totals)
    ]
    figures = Figures(
        key="messages",
        title=_("Messages and reminders by channel"),
        columns=[_("Channel"), *outcome_labels],
        kind="StackedBar",
        x_labels=[label for _code, label in channels],
        note=_(
            "E-mail providers report delivery and bounces when their delivery webhook is "
            "set up; until a report arrives, and for text and in-app messages, “sent” "
            "means the message was accepted."
        ),
    )
    for code, label in channels:
        counts = [
            sum(totals[code, status, delivery] for status, delivery in group)
            for group in _MESSAGE_OUTCOMES
        ]
        figures.rows.append([label, *counts])
        figures.display.append([label, *counts])
    figures.series = [
        (outcome, [row[1 + index] for row in figures.rows])
        for index, outcome in enumerate(outcome_labels)
    ]
    return figures


def dashboard(*, weeks: int) -> list[Figures]:
    """Every chart of the supervisors' dashboard, in page order."""
    return [
        case_flow(weeks=weeks),
        on_time_by_department(weeks=weeks),
        time_to_decision(weeks=weeks),
        backlog(),
        revenue(weeks=weeks),
        gateway_attention(weeks=weeks),
        messages(weeks=weeks),
    ]


def public_performance(*, weeks: int = 52) -> Figures:
    """What the public performance page publishes, per service: requests submitted, the
    share closed within the target and the median days to close (no personal data)."""
    start = _start(weeks)
    flow = {
        row["kind"]: row
        for row in CaseWeek.objects.filter(week__gte=start)
        .values("kind")
        .annotate(
            opened=Sum("opened"),
            with_target=Sum("closed_with_target"),
            on_time=Sum("closed_on_time"),
        )
    }
    medians = _medians(weeks=weeks)
    figures = Figures(
        key="performance",
        title=_("Requests by service"),
        columns=[
            _("Service"),
            _("Requests"),
            _("Share closed within the target"),
            _("Median days to close"),
        ],
        kind="HorizontalBar",
    )
    for name, kind in sorted((service_name(kind), kind) for kind in set(flow) | set(medians)):
        row = flow.get(kind, {"opened": 0, "with_target": 0, "on_time": 0})
        share = _share(row["on_time"], row["with_target"])
        median = medians.get(kind, (0, None))[1]
        figures.rows.append([name, row["opened"], share, median])
        figures.display.append(
            [name, row["opened"], _percent(share), NOTHING if median is None else f"{median:g}"]
        )
    figures.x_labels = [row[0] for row in figures.rows]
    figures.series = [(_("Requests"), [row[1] for row in figures.rows])]
    return figures


# The map's areas: squares of this many degrees (about 1.1 km north to south, 0.85 km east to
# west at 40° of latitude). Each report counts in the square its point falls in.
MAP_CELL_DEGREES = Decimal("0.01")
_SIX_PLACES = Decimal("0.000001")
MAP_COLOURS = len(PALETTE)


def _cell_centre(field: str):
    cell = Value(MAP_CELL_DEGREES, output_field=DecimalField())
    half = Value(Decimal("0.5"), output_field=DecimalField())
    return (Floor(F(field) / cell) + half) * cell


def report_map(*, weeks: int) -> Figures:
    """Concern reports of the last `weeks` weeks by category and map area: one row per
    category and square (MAP_CELL_DEGREES) holding a report's point, with the square's
    centre and how many reports it holds. Grouped and counted by the database in one query;
    reports given by address only are not on the map."""
    start = datetime.datetime.combine(
        _start(weeks), datetime.time(), tzinfo=timezone.get_current_timezone()
    )
    cells = (
        ConcernReport.objects.filter(requested_at__gte=start, latitude__isnull=False)
        .annotate(cell_lat=_cell_centre("latitude"), cell_lon=_cell_centre("longitude"))
        .values("category", "category__name", "category__name_es", "cell_lat", "cell_lon")
        .annotate(reports=Count("pk"))
        .order_by()
    )
    rows = [
        (
            localized(
                SimpleNamespace(name=cell["category__name"], name_es=cell["category__name_es"]),
                "name",
            ),
            cell["category"],
            cell["cell_lat"].quantize(_SIX_PLACES),
            cell["cell_lon"].quantize(_SIX_PLACES),
            cell["reports"],
        )
        for cell in cells
    ]
    rows.sort(key=lambda row: (row[0], row[1], -row[4], -row[2], row[3]))
    figures = Figures(
        key="report-map",
        title=_("Concern reports by category and area"),
        columns=[
            _("Category"),
            _("Latitude of the area's centre"),
            _("Longitude of the area's centre"),
            _("Reports"),
        ],
        note=_(
            "Each area is a square of 0.01 degrees (about 1 km); a report counts in the "
            "square its point is in. Reports given by address only are not counted."
        ),
    )
    for name, _category, latitude, longitude, count in rows:
        figures.rows.append([name, latitude, longitude, count])
        figures.display.append([name, f"{latitude:.3f}", f"{longitude:.3f}", count])
    return figures


def report_map_points(figures: Figures) -> list[dict]:
    """The map's circles from `report_map`'s rows: centre, count, the category's colour (an
    index into the palette, by the category's order) and the text that says both."""
    colours: dict[str, int] = {}
    return [
        {
            "lat": float(latitude),
            "lon": float(longitude),
            "count": count,
            "category": name,
            "colour": colours.setdefault(name, len(colours) % MAP_COLOURS),
            "label": ngettext(
                "%(category)s: %(count)s report", "%(category)s: %(count)s reports", count
            )
            % {"category": name, "count": count},
        }
        for name, latitude, longitude, count in figures.rows
    ]


CHARTS = {
    "cases": case_flow,
    "service-level": on_time_by_department,
    "time-to-decision": time_to_decision,
    "backlog": lambda weeks: backlog(),
    "revenue": revenue,
    "gateway-events": gateway_attention,
    "messages": messages,
}

# What downloads as CSV: every chart, and the map's table (which has no chart image).
TABLES = {**CHARTS, "report-map": report_map}
