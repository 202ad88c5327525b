"""The case charts: cases submitted and closed, the share closed within the service level,
the median days to decision, the backlog by age, and the public performance figures."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db.models import Q, Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from portal.analytics.figures import Figures, weighted_median
from portal.analytics.models import BacklogAge, CaseWeek, CloseDuration
from portal.analytics.selectors.labels import (
    NOTHING,
    age_band_labels,
    percent,
    service_name,
    share_of,
    start_of_period,
)
from portal.analytics.selectors.scope import AnalyticsScope


def case_flow(*, weeks: int, scope: AnalyticsScope) -> Figures:
    """Cases of the scope's departments submitted and closed per week per service."""
    start = start_of_period(weeks)
    rows = list(
        CaseWeek.objects.filter(scope.condition(), week__gte=start)
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


def on_time_by_department(*, weeks: int, scope: AnalyticsScope) -> Figures:
    """The share of cases closed within their service level, by department of the scope."""
    rows = list(
        CaseWeek.objects.filter(
            scope.condition(), week__gte=start_of_period(weeks), closed_with_target__gt=0
        )
        .values("department")
        .annotate(with_target=Sum("closed_with_target"), on_time=Sum("closed_on_time"))
        .order_by("department")
    )
    # The scope's choices are every department the reader may read: no query of its own.
    names = {department.pk: department.name for department in scope.choices}
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
        share = share_of(row["on_time"], row["with_target"])
        figures.rows.append([name, row["with_target"], row["on_time"], share])
        figures.display.append([name, row["with_target"], row["on_time"], percent(share)])
    figures.x_labels = [row[0] for row in figures.rows]
    figures.series = [(_("Share on time (%)"), [row[3] for row in figures.rows])]
    return figures


def _medians(*, weeks: int, condition: Q) -> dict[str, tuple[int, float | None]]:
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    durations = CloseDuration.objects.filter(condition, week__gte=start_of_period(weeks))
    for kind, days, cases in durations.values_list("kind", "days", "cases"):
        counts[kind][days] = counts[kind].get(days, 0) + cases
    return {
        kind: (sum(histogram.values()), weighted_median(histogram))
        for kind, histogram in counts.items()
    }


def time_to_decision(*, weeks: int, scope: AnalyticsScope) -> Figures:
    """The median number of calendar days from submission to the final status, per service,
    of the scope's cases (a withdrawal or a cancellation ends a case as a decision does)."""
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
    medians = _medians(weeks=weeks, condition=scope.condition())
    for name, kind in sorted((service_name(kind), kind) for kind in medians):
        decided, median = medians[kind]
        figures.rows.append([name, decided, median])
        figures.display.append([name, decided, f"{median:g}"])
    figures.x_labels = [row[0] for row in figures.rows]
    figures.series = [(_("Median days"), [row[2] for row in figures.rows])]
    return figures


def backlog(*, scope: AnalyticsScope) -> Figures:
    """Open cases of the scope's departments by how long ago they were submitted, per
    service."""
    labels = age_band_labels()
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0] * len(labels))
    ages = BacklogAge.objects.filter(scope.condition())
    for kind, band, cases in ages.values_list("kind", "band", "cases"):
        per_kind[kind][band] += cases
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


def public_performance(*, weeks: int = 52) -> Figures:
    """What the public performance page publishes, per service: requests submitted, the
    share closed within the target and the median days to close (no personal data)."""
    start = start_of_period(weeks)
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
    medians = _medians(weeks=weeks, condition=Q())
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
        share = share_of(row["on_time"], row["with_target"])
        median = medians.get(kind, (0, None))[1]
        figures.rows.append([name, row["opened"], share, median])
        figures.display.append(
            [name, row["opened"], percent(share), NOTHING if median is None else f"{median:g}"]
        )
    figures.x_labels = [row[0] for row in figures.rows]
    figures.series = [(_("Requests"), [row[1] for row in figures.rows])]
    return figures
