"""The map of concern reports by category and area, and its circles."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import Count, DecimalField, F, Sum, Value
from django.db.models.functions import Floor
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from concerns.models import ConcernReport
from portal.analytics.charts import PALETTE
from portal.analytics.figures import Figures
from portal.analytics.models import ReportCellWeek
from portal.analytics.selectors.labels import start_of_period
from portal.analytics.selectors.scope import AnalyticsScope
from portal.localized import localized

# The map's areas: squares of this many degrees (about 1.1 km north to south, 0.85 km east to
# west at 40° of latitude). Each report counts in the square its point falls in.
MAP_CELL_DEGREES = Decimal("0.01")
_SIX_PLACES = Decimal("0.000001")
MAP_COLOURS = len(PALETTE)


def _cell_centre(field: str):
    cell = Value(MAP_CELL_DEGREES, output_field=DecimalField())
    half = Value(Decimal("0.5"), output_field=DecimalField())
    return (Floor(F(field) / cell) + half) * cell


def report_map_cells(*, weeks: int, scope: AnalyticsScope):
    """The reports of the last `weeks` weeks of the scope's departments that have a point,
    counted by category and map area, from the summary (`ReportCellWeek`, rebuilt by
    `summaries_refresh`): one query over a few thousand rows a week, however many reports.

    The same cells as `report_map_cells_live` over the reports the last refresh saw; none
    before the first refresh (the dashboard then says the figures are not worked out yet)."""
    return (
        ReportCellWeek.objects.filter(scope.condition(), week__gte=start_of_period(weeks))
        .values(
            "category",
            "category__name",
            "category__name_es",
            cell_lat=F("latitude"),
            cell_lon=F("longitude"),
        )
        .annotate(reports=Sum("reports"))
        .order_by()
    )


def report_map_cells_live(*, weeks: int, scope: AnalyticsScope):
    """`report_map_cells` read from the reports themselves (seconds over a million reports:
    what the summary is measured against, never what a page reads).

    A report belongs to its case's department, as every case chart counts it: the one its
    category routes it to, or the one staff routed it to since (`report_route`)."""
    start = datetime.datetime.combine(
        start_of_period(weeks), datetime.time(), tzinfo=timezone.get_current_timezone()
    )
    return (
        ConcernReport.objects.filter(
            scope.condition("case__department"), requested_at__gte=start, latitude__isnull=False
        )
        .annotate(cell_lat=_cell_centre("latitude"), cell_lon=_cell_centre("longitude"))
        .values("category", "category__name", "category__name_es", "cell_lat", "cell_lon")
        .annotate(reports=Count("pk"))
        .order_by()
    )


def report_map(*, weeks: int, scope: AnalyticsScope) -> Figures:
    """Concern reports of the last `weeks` weeks of the scope's departments by category and
    map area: one row per category and square (MAP_CELL_DEGREES) holding a report's point,
    with the square's centre and how many reports it holds (`report_map_cells`, as of the
    last refresh of the summaries); reports given by address only are not on the map."""
    cells = report_map_cells(weeks=weeks, scope=scope)
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
        scope_note=_scope_note(scope),
        note=_(
            "Each area is a square of 0.01 degrees (about 1 km); a report counts in the "
            "square its point is in. Reports given by address only are not counted."
        ),
    )
    for name, _category, latitude, longitude, count in rows:
        figures.rows.append([name, latitude, longitude, count])
        figures.display.append([name, f"{latitude:.3f}", f"{longitude:.3f}", count])
    return figures


def _scope_note(scope: AnalyticsScope) -> str:
    """Whose reports the map counts, in a sentence."""
    if scope.department is not None:
        return _("Concern reports of %(department)s.") % {"department": scope.department.name}
    if scope.everywhere:
        return _("Concern reports of all departments.")
    if len(scope.choices) == 1:
        return _("Concern reports of %(department)s.") % {"department": scope.choices[0].name}
    names = ", ".join(department.name for department in scope.choices)
    return _("Concern reports of your departments: %(departments)s.") % {"departments": names}


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
