"""The dashboard and the public performance page: who may read them, CSV and SVG."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cases.workbench.nav import items_for
from portal.analytics import selectors
from portal.analytics.refresh import summaries_refresh

pytestmark = pytest.mark.django_db

DASHBOARD = "/staff/analytics/"


@pytest.fixture
def figures(make_case):
    now = timezone.now()
    make_case(submitted=now, closed=now, due=timezone.localdate())
    make_case(submitted=now)
    summaries_refresh()


@pytest.mark.parametrize("role", ["clerk", "reviewer", "inspector", "cashier"])
def test_other_roles_get_403_on_every_analytics_url(client, staff_with_mfa, role):
    client.force_login(staff_with_mfa([role]))

    for url in (DASHBOARD, f"{DASHBOARD}cases.csv", f"{DASHBOARD}cases.svg"):
        response = client.get(url)
        assert response.status_code == 403, url
    assert "supervisors and administrators" in client.get(DASHBOARD).content.decode()


def test_a_resident_gets_403(client, resident):
    client.force_login(resident)

    assert client.get(DASHBOARD).status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "administrator"])
def test_supervisors_and_administrators_read_the_dashboard(
    client, staff_with_mfa, figures, role, django_assert_max_num_queries
):
    client.force_login(staff_with_mfa([role]))

    with django_assert_max_num_queries(25):
        response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert [chart.key for chart in response.context["charts"]] == list(selectors.CHARTS)
    page = response.content.decode()
    assert "Cases submitted and closed per week" in page
    assert f'src="{DASHBOARD}cases.svg?weeks=12"' in page
    assert f'href="{DASHBOARD}cases.csv?weeks=12"' in page
    assert "The same figures are in the table next to it." in page
    assert "no map tile server is configured" in page


def test_the_department_supervisor_sees_the_link_and_the_clerk_does_not(staff_with_mfa):
    supervisor = staff_with_mfa([("supervisor", None)])
    clerk = staff_with_mfa(["clerk"])

    assert "Analytics" in [item.label for item in items_for(supervisor)]
    assert "Analytics" not in [item.label for item in items_for(clerk)]


def test_queries_stay_the_same_as_the_summaries_grow(
    client, supervisor, make_case, django_assert_max_num_queries
):
    client.force_login(supervisor)
    summaries_refresh()
    with django_assert_max_num_queries(25) as few:
        client.get(DASHBOARD)
    now = timezone.now()
    for days in range(0, 80, 4):
        make_case(submitted=now - timezone.timedelta(days=days), closed=now)
    summaries_refresh()

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(DASHBOARD)


def test_the_csv_holds_the_table(client, supervisor, figures):
    client.force_login(supervisor)

    response = client.get(f"{DASHBOARD}backlog.csv?weeks=4")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="backlog-4-weeks.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["Service", "0 to 7 days", "8 to 30 days", "31 to 90 days", "More than 90 days", "Total"],
        ["Test permit", "1", "0", "0", "0", "1"],
    ]


def test_the_chart_is_an_svg_without_script_under_its_own_policy(client, supervisor, figures):
    client.force_login(supervisor)

    response = client.get(f"{DASHBOARD}cases.svg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    svg = response.content.decode()
    assert svg.startswith("<svg")
    assert "<script" not in svg
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy


def test_the_page_keeps_the_site_policy(client, supervisor):
    client.force_login(supervisor)

    policy = client.get(DASHBOARD)["Content-Security-Policy"]

    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_an_unknown_chart_is_404(client, supervisor):
    client.force_login(supervisor)

    assert client.get(f"{DASHBOARD}nothing.csv").status_code == 404


@pytest.mark.parametrize("weeks", ["5", "abc", "-1"])
def test_a_period_not_offered_says_so_and_shows_twelve_weeks(client, supervisor, weeks):
    client.force_login(supervisor)

    response = client.get(DASHBOARD, {"weeks": weeks})

    assert response.status_code == 200
    assert response.context["weeks"] == 12
    assert "Choose one of the periods listed." in response.content.decode()


def test_the_dashboard_reads_the_chosen_period(client, supervisor):
    client.force_login(supervisor)

    response = client.get(DASHBOARD, {"weeks": "52"})

    assert response.context["weeks"] == 52
    assert f'{DASHBOARD}revenue.csv?weeks=52"' in response.content.decode()


def test_the_map_is_offered_when_a_tile_server_is_set(client, supervisor, settings):
    settings.MAP_TILE_URL = "https://tiles.example.gov/{z}/{x}/{y}.png"
    client.force_login(supervisor)

    page = client.get(DASHBOARD).content.decode()

    assert reverse("concerns:list") in page
    assert "no map tile server is configured" not in page


def test_the_public_page_needs_no_sign_in(client, figures, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get("/performance/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "How we are doing" in page
    assert "Test permit" in page
    assert 'src="/performance/chart.svg"' in page


def test_the_public_page_is_linked_from_the_footer(client):
    assert 'href="/performance/"' in client.get("/").content.decode()


def test_the_public_figures_download_and_draw(client, figures):
    table = client.get("/performance/figures.csv")
    chart = client.get("/performance/chart.svg")

    assert list(csv.reader(io.StringIO(table.content.decode()))) == [
        ["Service", "Requests", "Share closed within the target", "Median days to close"],
        ["Test permit", "2", "100.0", "0"],
    ]
    assert chart["Content-Type"] == "image/svg+xml; charset=utf-8"


def test_the_public_page_in_spanish(client, figures):
    with translation.override("es"):
        response = client.get("/performance/", HTTP_ACCEPT_LANGUAGE="es")

    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()


@pytest.fixture
def roads_and_gardens(make_case):
    """One case in Roads, three in Gardens, submitted now and still open."""
    from tests.cases.factories import DepartmentFactory

    roads = DepartmentFactory(code="ROADS", name="Roads")
    gardens = DepartmentFactory(code="GARDENS", name="Gardens")
    now = timezone.now()
    make_case(submitted=now, department=roads)
    for _ in range(3):
        make_case(submitted=now, department=gardens)
    summaries_refresh()
    return roads, gardens


def _backlog_total(response) -> int:
    charts = {chart.key: chart for chart in response.context["charts"]}
    return sum(row[-1] for row in charts["backlog"].rows)


def test_a_department_supervisor_reads_their_department_by_default(
    client, staff_with_mfa, roads_and_gardens
):
    roads, _gardens = roads_and_gardens
    client.force_login(staff_with_mfa([("supervisor", roads)]))

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert _backlog_total(response) == 1
    page = response.content.decode()
    assert "Case figures for Roads." in page
    assert 'name="department"' not in page  # one department: nothing to choose
    assert "All departments: payments and messages are not kept by department" in page


@pytest.mark.parametrize("url", ["", "backlog.csv", "backlog.svg"])
def test_a_department_supervisor_who_names_another_department_gets_403(
    client, staff_with_mfa, roads_and_gardens, url
):
    # given: a Roads supervisor who edits the address to ask for Gardens
    roads, gardens = roads_and_gardens
    client.force_login(staff_with_mfa([("supervisor", roads)]))

    # when
    response = client.get(f"{DASHBOARD}{url}", {"weeks": "12", "department": str(gardens.pk)})

    # then: refused, with no figures at all
    assert response.status_code == 403
    body = response.content.decode()
    assert "Test permit" not in body and "Gardens" not in body
    if url == "":
        assert "You may not read the figures of that department." in body
        assert f'href="{DASHBOARD}"' in body


def test_an_agency_supervisor_sees_every_department_and_may_choose_one(
    client, supervisor, roads_and_gardens
):
    _roads, gardens = roads_and_gardens
    client.force_login(supervisor)

    everything = client.get(DASHBOARD)
    only_gardens = client.get(DASHBOARD, {"weeks": "4", "department": str(gardens.pk)})

    assert _backlog_total(everything) == 4
    assert 'name="department"' in everything.content.decode()
    assert "Case figures for all departments." in everything.content.decode()
    assert _backlog_total(only_gardens) == 3
    page = only_gardens.content.decode()
    assert "Case figures for Gardens." in page
    assert f'href="{DASHBOARD}backlog.csv?weeks=4&amp;department={gardens.pk}"' in page
    table = client.get(f"{DASHBOARD}backlog.csv", {"weeks": "4", "department": str(gardens.pk)})
    assert 'filename="backlog-gardens-4-weeks.csv"' in table["Content-Disposition"]
    assert list(csv.reader(io.StringIO(table.content.decode())))[1][-1] == "3"


@pytest.mark.parametrize("who", ["department", "agency"])
def test_queries_stay_the_same_as_departments_and_cases_grow(
    client, staff_with_mfa, make_case, who, django_assert_max_num_queries
):
    from tests.cases.factories import DepartmentFactory

    roads = DepartmentFactory(code="ROADS", name="Roads")
    reader = staff_with_mfa([("supervisor", roads if who == "department" else None)])
    client.force_login(reader)
    query = {"department": str(roads.pk)}
    summaries_refresh()
    with django_assert_max_num_queries(25) as few:
        client.get(DASHBOARD, query)
    now = timezone.now()
    for number in range(8):
        department = DepartmentFactory(code=f"MORE_{number}")
        make_case(submitted=now, closed=now, department=department)
        make_case(submitted=now - timezone.timedelta(days=number * 9), department=roads)
    summaries_refresh()

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(DASHBOARD, query)
    assert _backlog_total(response) == 8


@pytest.mark.parametrize("key", list(selectors.CHARTS))
def test_every_chart_draws_an_svg_and_downloads_its_table(client, supervisor, figures, key):
    client.force_login(supervisor)
    table = selectors.CHARTS[key](weeks=4, scope=selectors.analytics_scope(user=supervisor))

    drawn = client.get(f"{DASHBOARD}{key}.svg?weeks=4")
    downloaded = client.get(f"{DASHBOARD}{key}.csv?weeks=4")

    assert drawn.status_code == 200
    assert drawn.content.decode().startswith("<svg")
    assert downloaded.status_code == 200
    rows = list(csv.reader(io.StringIO(downloaded.content.decode())))
    assert rows[0] == [str(column) for column in table.columns]
    assert rows[1:] == [[str(value) for value in row] for row in table.rows]
