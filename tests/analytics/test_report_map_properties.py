"""Hostile input on the analytics dashboard's reports map and its CSV: random periods and
departments (ids of others, text, lists) for an agency-wide reader, a department's
supervisor and a clerk: never a server error, never another department's reports."""

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.analytics.test_report_map import DASHBOARD, TILES, roads_and_forestry  # noqa: F401
from tests.hostile import VALUES, fuzz, no_server_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(roads_and_forestry, staff_with_mfa):  # noqa: F811
    roads, forestry = roads_and_forestry
    return {
        "agency": staff_with_mfa([("supervisor", None)]),
        "roads": staff_with_mfa([("supervisor", roads)]),
        "clerk": staff_with_mfa([("clerk", roads)]),
        "ids": [str(roads.pk), str(forestry.pk)],
    }


@given(data=st.data(), who=st.sampled_from(["agency", "roads", "clerk"]))
@fuzz(max_examples=40)
def test_any_period_or_department_gives_a_page_of_the_readers_reports_only(
    readers, settings, data, who
):
    # given
    settings.MAP_TILE_URL = TILES
    client = Client()
    client.force_login(readers[who])
    values = st.one_of(VALUES, st.sampled_from(readers["ids"]))
    query = data.draw(
        st.fixed_dictionaries(
            {}, optional={"weeks": st.one_of(VALUES, st.just("4")), "department": values}
        )
    )

    # when
    page = client.get(DASHBOARD, query)
    table = client.get(f"{DASHBOARD}report-map.csv", query)

    # then
    no_server_error(page)
    no_server_error(table)
    if who == "clerk":
        assert (page.status_code, table.status_code) == (403, 403)
    else:
        assert page.status_code in (200, 403) and table.status_code == page.status_code
    if who != "agency":
        assert b"Fallen tree" not in page.content + table.content
        assert b"Stray cart" not in page.content + table.content
