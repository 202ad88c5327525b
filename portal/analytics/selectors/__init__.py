"""The analytics' reads: each returns one chart's `Figures`, from the summary tables only
(a handful of rows per week or day, however many cases there are).

The figures are counts and sums, with no personal data: the dashboard shows them to
supervisors and administrators (`cases.permissions.may_read_analytics`), the public
performance page shows some of them to everybody. One module per family of charts; this
package gathers them in page order.
"""

from __future__ import annotations

from portal.analytics.figures import Figures
from portal.analytics.selectors.case_charts import (
    backlog,
    case_flow,
    on_time_by_department,
    public_performance,
    time_to_decision,
)
from portal.analytics.selectors.labels import (
    NOTHING,
    age_band_labels,
    last_refresh,
    service_name,
)
from portal.analytics.selectors.map_charts import (
    MAP_CELL_DEGREES,
    MAP_COLOURS,
    report_map,
    report_map_points,
)
from portal.analytics.selectors.message_charts import messages
from portal.analytics.selectors.money_charts import gateway_attention, revenue
from portal.analytics.selectors.scope import AnalyticsScope, analytics_scope

__all__ = [
    "CHARTS",
    "MAP_CELL_DEGREES",
    "MAP_COLOURS",
    "NOTHING",
    "TABLES",
    "AnalyticsScope",
    "age_band_labels",
    "analytics_scope",
    "backlog",
    "case_flow",
    "dashboard",
    "gateway_attention",
    "last_refresh",
    "messages",
    "on_time_by_department",
    "public_performance",
    "report_map",
    "report_map_points",
    "revenue",
    "service_name",
    "time_to_decision",
]


def dashboard(*, weeks: int, scope: AnalyticsScope) -> list[Figures]:
    """Every chart of the supervisors' dashboard, in page order: the case charts counted
    over `scope`, money and messages over the whole agency (they have no department)."""
    return [read(weeks=weeks, scope=scope) for read in CHARTS.values()]


def _agency_wide(read):
    """`read(weeks=...)` called as a chart of the dashboard: a scope changes nothing."""

    def chart(*, weeks: int, scope: AnalyticsScope) -> Figures:
        return read(weeks=weeks)

    return chart


# Each chart by its key, read as `CHARTS[key](weeks=..., scope=...)`.
CHARTS = {
    "cases": case_flow,
    "service-level": on_time_by_department,
    "time-to-decision": time_to_decision,
    "backlog": lambda *, weeks, scope: backlog(scope=scope),
    "revenue": _agency_wide(revenue),
    "gateway-events": _agency_wide(gateway_attention),
    "messages": _agency_wide(messages),
}

# What downloads as CSV: every chart, and the map's table (which has no chart image).
TABLES = {**CHARTS, "report-map": report_map}
