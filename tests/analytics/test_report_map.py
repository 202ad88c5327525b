"""Concern reports by category and map area: the summary the refresh builds (the same cells
as the live count), the dashboard's map (with a tile server), its table and its CSV
(always)."""

import csv
import datetime
import io
import json
from decimal import Decimal
from decimal import Decimal as D

import pytest
from django.utils import timezone

from concerns.models import ConcernReport
from concerns.services import report_route
from portal.analytics import selectors
from portal.analytics.models import ReportCellWeek, SummaryRefresh
from portal.analytics.refresh import summaries_refresh
from portal.analytics.selectors.map_charts import report_map_cells, report_map_cells_live
from tests.accounts.factories import StaffFactory
from tests.concerns.factories import CategoryFactory, DepartmentFactory, make_report

pytestmark = pytest.mark.django_db

DASHBOARD = "/staff/analytics/"
TILES = "https://tiles.example.gov/{z}/{x}/{y}.png"


def _report(category, latitude, longitude, *, days_ago=0):
    report = make_report(
        category=category, latitude=Decimal(latitude), longitude=Decimal(longitude)
    )
    if days_ago:
        ConcernReport.objects.filter(pk=report.pk).update(
            requested_at=timezone.now() - datetime.timedelta(days=days_ago)
        )
    return report


def _everywhere():
    """The scope of a supervisor across the agency: every department's reports."""
    return selectors.analytics_scope(user=StaffFactory(roles=[("supervisor", None)]))


@pytest.fixture
def reports():
    """Two potholes in one area, one elsewhere; a streetlight in the first area; a pothole
    with no point; a pothole a year ago."""
    pothole = CategoryFactory(name="Pothole")
    light = CategoryFactory(name="Streetlight out")
    _report(pothole, "39.798700", "-89.654300")
    _report(pothole, "39.791000", "-89.659900")
    _report(pothole, "39.751000", "-89.601000")
    _report(light, "39.799999", "-89.650001")
    make_report(category=pothole, latitude=None, longitude=None, address="2 Main Street")
    _report(pothole, "39.798700", "-89.654300", days_ago=400)
    summaries_refresh()
    return pothole, light


def test_reports_are_counted_per_category_and_area_in_one_query(reports, django_assert_num_queries):
    scope = _everywhere()

    with django_assert_num_queries(1):
        figures = selectors.report_map(weeks=12, scope=scope)

    assert figures.rows == [
        ["Pothole", D("39.795000"), D("-89.655000"), 2],
        ["Pothole", D("39.755000"), D("-89.605000"), 1],
        ["Streetlight out", D("39.795000"), D("-89.655000"), 1],
    ]
    assert figures.columns == [
        "Category",
        "Latitude of the area's centre",
        "Longitude of the area's centre",
        "Reports",
    ]


def test_only_the_chosen_weeks_count(reports):
    pothole, _light = reports
    _report(pothole, "39.751000", "-89.601000", days_ago=40)
    summaries_refresh()

    scope = _everywhere()

    four_weeks = selectors.report_map(weeks=4, scope=scope)
    twelve_weeks = selectors.report_map(weeks=12, scope=scope)
    fifty_two_weeks = selectors.report_map(weeks=52, scope=scope)

    assert ["Pothole", D("39.755000"), D("-89.605000"), 1] in four_weeks.rows
    assert ["Pothole", D("39.755000"), D("-89.605000"), 2] in twelve_weeks.rows
    assert sum(row[3] for row in fifty_two_weeks.rows) == 5  # the year-old one is out


def test_a_cell_south_and_west_of_zero_is_centred_inside_it(settings):
    settings.CONCERNS_AREA_BOUNDS = ("-1", "-1", "1", "1")
    category = CategoryFactory(name="Graffiti")
    _report(category, "-0.001000", "-0.009000")
    summaries_refresh()

    assert selectors.report_map(weeks=4, scope=_everywhere()).rows == [
        ["Graffiti", D("-0.005000"), D("-0.005000"), 1]
    ]


def test_no_reports_no_rows():
    summaries_refresh()

    figures = selectors.report_map(weeks=12, scope=_everywhere())

    assert figures.empty
    assert selectors.report_map_points(figures) == []


def test_the_map_points_carry_the_category_count_and_a_colour_per_category(reports):
    figures = selectors.report_map(weeks=12, scope=_everywhere())

    points = selectors.report_map_points(figures)

    assert points == [
        {
            "lat": 39.795,
            "lon": -89.655,
            "count": 2,
            "category": "Pothole",
            "colour": 0,
            "label": "Pothole: 2 reports",
        },
        {
            "lat": 39.755,
            "lon": -89.605,
            "count": 1,
            "category": "Pothole",
            "colour": 0,
            "label": "Pothole: 1 report",
        },
        {
            "lat": 39.795,
            "lon": -89.655,
            "count": 1,
            "category": "Streetlight out",
            "colour": 1,
            "label": "Streetlight out: 1 report",
        },
    ]


def test_with_tiles_the_dashboard_draws_the_map_beside_the_table(
    client, supervisor, settings, reports
):
    settings.MAP_TILE_URL = TILES
    client.force_login(supervisor)

    response = client.get(DASHBOARD, {"weeks": 4})

    page = response.content.decode()
    assert 'id="analytics-map"' in page
    assert 'id="analytics-map-cells"' in page
    assert "analytics/report_map.js" in page
    assert "vendor/leaflet/leaflet.js" in page
    assert f'href="{DASHBOARD}report-map.csv?weeks=4"' in page
    assert "<caption>Concern reports by category and area</caption>" in page
    assert '<th scope="row">Pothole</th>' in page
    assert "no map tile server is configured" not in page
    # The legend: each category once, with all its reports.
    assert "Pothole: 3 reports</li>" in page
    assert "Streetlight out: 1 report</li>" in page
    cells = response.context["report_map_points"]
    assert {"Pothole: 2 reports", "Streetlight out: 1 report"} <= {c["label"] for c in cells}
    settings_json = page.split('id="analytics-map-settings" type="application/json">')[1]
    assert json.loads(settings_json.split("</script>")[0])["tiles"] == TILES
    # Data only in JSON elements, scripts from files: the site's policy holds.
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_without_tiles_the_dashboard_keeps_the_table_and_csv(client, supervisor, settings, reports):
    settings.MAP_TILE_URL = ""
    client.force_login(supervisor)

    page = client.get(DASHBOARD).content.decode()

    assert 'id="analytics-map"' not in page
    assert "analytics-map-cells" not in page
    assert "leaflet" not in page
    assert "no map tile server is configured" in page
    assert "<caption>Concern reports by category and area</caption>" in page
    assert '<th scope="row">Streetlight out</th>' in page
    assert f'href="{DASHBOARD}report-map.csv?weeks=12"' in page


def test_the_dashboard_says_when_no_report_has_a_place(client, supervisor):
    summaries_refresh()
    client.force_login(supervisor)

    page = client.get(DASHBOARD).content.decode()

    assert "No reports with a place on the map in this period." in page


def test_the_csv_holds_the_table(client, supervisor, reports):
    client.force_login(supervisor)

    response = client.get(f"{DASHBOARD}report-map.csv", {"weeks": 12})

    assert response.status_code == 200
    assert 'filename="report-map-12-weeks.csv"' in response["Content-Disposition"]
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        [
            "Category",
            "Latitude of the area's centre",
            "Longitude of the area's centre",
            "Reports",
        ],
        ["Pothole", "39.795000", "-89.655000", "2"],
        ["Pothole", "39.755000", "-89.605000", "1"],
        ["Streetlight out", "39.795000", "-89.655000", "1"],
    ]


def test_the_table_is_not_drawn_as_an_image(client, supervisor):
    client.force_login(supervisor)

    assert client.get(f"{DASHBOARD}report-map.svg").status_code == 404


@pytest.mark.parametrize("role", ["clerk", "reviewer", "inspector", "cashier"])
def test_other_roles_get_403_on_the_csv(client, staff_with_mfa, role, reports):
    client.force_login(staff_with_mfa([role]))

    response = client.get(f"{DASHBOARD}report-map.csv")

    assert response.status_code == 403
    assert b"Pothole" not in response.content


@pytest.fixture
def roads_and_forestry():
    """Roads: two potholes in one area and a third routed to Forestry; Forestry: a fallen
    tree; and a report whose category has no department. Returns Roads and Forestry."""
    roads = DepartmentFactory(code="ROADS", name="Roads")
    forestry = DepartmentFactory(code="FORESTRY", name="Forestry")
    pothole = CategoryFactory(name="Pothole", department=roads)
    tree = CategoryFactory(name="Fallen tree", department=forestry)
    stray = CategoryFactory(name="Stray cart", department=None)
    _report(pothole, "39.798700", "-89.654300")
    _report(pothole, "39.791000", "-89.659900")
    routed = _report(pothole, "39.751000", "-89.601000")
    _report(tree, "39.799999", "-89.650001")
    _report(stray, "39.751000", "-89.601000")
    agency = StaffFactory(roles=[("supervisor", None)])
    report_route(report=routed, department=forestry, actor=agency)
    summaries_refresh()
    return roads, forestry


def _categories(figures) -> dict[str, int]:
    totals: dict[str, int] = {}
    for name, _latitude, _longitude, count in figures.rows:
        totals[name] = totals.get(name, 0) + count
    return totals


def test_a_department_supervisor_maps_only_the_reports_of_their_department(roads_and_forestry):
    # given: a Roads supervisor
    roads, _forestry = roads_and_forestry
    scope = selectors.analytics_scope(user=StaffFactory(roles=[("supervisor", roads)]))

    # when
    figures = selectors.report_map(weeks=4, scope=scope)

    # then: the two potholes still with Roads; not the one routed to Forestry, not the tree,
    # not the report of no department
    assert figures.rows == [["Pothole", D("39.795000"), D("-89.655000"), 2]]
    assert figures.scope_note == "Concern reports of Roads."


def test_a_report_counts_in_the_department_it_was_routed_to(roads_and_forestry):
    _roads, forestry = roads_and_forestry
    scope = selectors.analytics_scope(user=StaffFactory(roles=[("supervisor", forestry)]))

    assert _categories(selectors.report_map(weeks=4, scope=scope)) == {
        "Fallen tree": 1,
        "Pothole": 1,
    }


def test_an_agency_wide_reader_maps_every_report_or_one_department(roads_and_forestry):
    _roads, forestry = roads_and_forestry
    reader = StaffFactory(roles=[("supervisor", None)])

    everything = selectors.report_map(weeks=4, scope=selectors.analytics_scope(user=reader))
    only_forestry = selectors.report_map(
        weeks=4, scope=selectors.analytics_scope(user=reader, department=str(forestry.pk))
    )

    # Every department's reports, those of no department included.
    assert _categories(everything) == {"Fallen tree": 1, "Pothole": 3, "Stray cart": 1}
    assert everything.scope_note == "Concern reports of all departments."
    assert _categories(only_forestry) == {"Fallen tree": 1, "Pothole": 1}
    assert only_forestry.scope_note == "Concern reports of Forestry."


def test_a_supervisor_of_two_departments_maps_both(roads_and_forestry):
    roads, forestry = roads_and_forestry
    reader = StaffFactory(roles=[("supervisor", roads), ("supervisor", forestry)])

    figures = selectors.report_map(weeks=4, scope=selectors.analytics_scope(user=reader))

    assert _categories(figures) == {"Fallen tree": 1, "Pothole": 3}
    assert figures.scope_note == "Concern reports of your departments: Forestry, Roads."


def test_the_dashboard_and_csv_of_a_department_supervisor_hold_their_reports_only(
    client, staff_with_mfa, settings, roads_and_forestry
):
    # given
    settings.MAP_TILE_URL = TILES
    roads, _forestry = roads_and_forestry
    client.force_login(staff_with_mfa([("supervisor", roads)]))

    # when
    page = client.get(DASHBOARD, {"weeks": 4}).content.decode()
    response = client.get(f"{DASHBOARD}report-map.csv", {"weeks": 4})

    # then
    assert "Concern reports of Roads." in page
    assert "the map counts every department" not in page
    assert '<th scope="row">Fallen tree</th>' not in page
    assert "Stray cart" not in page
    assert "Pothole: 2 reports</li>" in page
    assert list(csv.reader(io.StringIO(response.content.decode())))[1:] == [
        ["Pothole", "39.795000", "-89.655000", "2"]
    ]


def test_an_agency_wide_reader_filters_the_dashboard_map_and_csv_by_department(
    client, supervisor, roads_and_forestry
):
    _roads, forestry = roads_and_forestry
    client.force_login(supervisor)

    page = client.get(DASHBOARD, {"weeks": 4, "department": forestry.pk}).content.decode()
    response = client.get(f"{DASHBOARD}report-map.csv", {"weeks": 4, "department": forestry.pk})

    assert 'id="id_department"' in page
    assert "Concern reports of Forestry." in page
    assert f'href="{DASHBOARD}report-map.csv?weeks=4&amp;department={forestry.pk}"' in page
    assert '<th scope="row">Stray cart</th>' not in page
    assert 'filename="report-map-forestry-4-weeks.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert sorted(row[0] for row in rows) == ["Fallen tree", "Pothole"]


def test_a_department_supervisor_who_names_another_department_gets_no_reports(
    client, staff_with_mfa, roads_and_forestry
):
    roads, forestry = roads_and_forestry
    client.force_login(staff_with_mfa([("supervisor", roads)]))

    page = client.get(DASHBOARD, {"department": forestry.pk})
    csv_response = client.get(f"{DASHBOARD}report-map.csv", {"department": forestry.pk})

    assert page.status_code == 403 and csv_response.status_code == 403
    assert b"Fallen tree" not in page.content + csv_response.content
    assert b"You may not read the figures of that department." in page.content


def _cells(query) -> list[tuple]:
    return sorted(
        (cell["category"], cell["cell_lat"], cell["cell_lon"], cell["reports"]) for cell in query
    )


@pytest.mark.parametrize("weeks", [4, 12, 52])
def test_the_summary_holds_the_same_cells_as_the_live_count(roads_and_forestry, weeks):
    # given: the departments' reports, more of them around the periods' edges and the
    # week's start in the agency's time zone, some with no point, then refreshed
    roads, forestry = roads_and_forestry
    pothole = ConcernReport.objects.filter(category__name="Pothole").first().category
    tree = ConcernReport.objects.filter(category__name="Fallen tree").first().category
    for days_ago in (6, 7, 8, 27, 28, 29, 83, 84, 85, 363, 364, 365):
        _report(pothole, "39.700001", "-89.700001", days_ago=days_ago)
        _report(tree, "39.800000", "-89.650000", days_ago=days_ago)
    make_report(category=tree, latitude=None, longitude=None, address="3 Elm Street")
    summaries_refresh()
    agency = StaffFactory(roles=[("supervisor", None)])
    scopes = [
        selectors.analytics_scope(user=agency),
        selectors.analytics_scope(user=agency, department=str(roads.pk)),
        selectors.analytics_scope(user=agency, department=str(forestry.pk)),
        selectors.analytics_scope(user=StaffFactory(roles=[("supervisor", roads)])),
        selectors.analytics_scope(
            user=StaffFactory(roles=[("supervisor", roads), ("supervisor", forestry)])
        ),
    ]

    for scope in scopes:
        # when
        summary = _cells(report_map_cells(weeks=weeks, scope=scope))
        live = _cells(report_map_cells_live(weeks=weeks, scope=scope))

        # then
        assert summary == live, scope.label
        assert summary  # something to compare in every scope


def test_the_summary_counts_a_report_in_the_department_it_was_routed_to(roads_and_forestry):
    roads, forestry = roads_and_forestry

    rows = ReportCellWeek.objects.values_list("department", "category__name", "reports")

    assert sorted(rows, key=str) == sorted(
        [
            (roads.pk, "Pothole", 2),
            (forestry.pk, "Pothole", 1),
            (forestry.pk, "Fallen tree", 1),
            (None, "Stray cart", 1),
        ],
        key=str,
    )


def test_a_report_made_after_the_refresh_waits_for_the_next_one(reports):
    pothole, _light = reports
    _report(pothole, "39.751000", "-89.601000")

    before = selectors.report_map(weeks=4, scope=_everywhere())
    summaries_refresh()
    after = selectors.report_map(weeks=4, scope=_everywhere())

    assert ["Pothole", D("39.755000"), D("-89.605000"), 1] in before.rows
    assert ["Pothole", D("39.755000"), D("-89.605000"), 2] in after.rows


def test_before_the_first_refresh_the_map_is_not_worked_out_yet(client, supervisor, settings):
    # given: reports, but the summaries were never refreshed
    settings.MAP_TILE_URL = TILES
    category = CategoryFactory(name="Graffiti")
    _report(category, "39.798700", "-89.654300")
    assert not SummaryRefresh.objects.exists()
    client.force_login(supervisor)

    # when
    page = client.get(DASHBOARD).content.decode()
    response = client.get(f"{DASHBOARD}report-map.csv")

    # then: the page says so; no half-counted map, table or CSV
    assert "The figures have not been worked out yet" in page
    assert "Graffiti" not in page
    assert response.status_code == 200
    assert "Graffiti" not in response.content.decode()
