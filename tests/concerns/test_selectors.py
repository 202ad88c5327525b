import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from concerns import selectors, services
from concerns.geo import distance_m
from concerns.models import ConcernCategory, ConcernReport
from tests.concerns.factories import CITY_HALL, CategoryFactory, make_report

pytestmark = pytest.mark.django_db

# One metre of latitude, in degrees.
METRE = Decimal("0.000009")


def north(metres: int) -> Decimal:
    return CITY_HALL[0] + METRE * metres


@pytest.mark.parametrize(("metres", "found"), [(0, True), (30, True), (49, True), (52, False)])
def test_nearby_open_reports_within_50_metres(category, metres, found):
    # given
    report = make_report(category=category, answers={"size": "small"}, latitude=north(metres))

    # when
    nearby = selectors.nearby_open_reports(
        category=category, latitude=CITY_HALL[0], longitude=CITY_HALL[1]
    )

    # then
    assert [r.pk for r in nearby] == ([report.pk] if found else [])
    if found:
        assert abs(nearby[0].distance_m - metres * 1.0008) < 0.5


def test_nearby_ignores_closed_reports_and_other_categories_and_sorts_by_distance(
    category, report_clerk
):
    # given
    far, near = (
        make_report(category=category, answers={"size": "small"}, latitude=north(m))
        for m in (40, 10)
    )
    closed = make_report(category=category, answers={"size": "small"})
    services.report_close(report=closed, actor=report_clerk, reason="fixed", public_reason="Done")
    make_report(category=CategoryFactory())

    # when
    with CaptureQueriesContext(connection) as queries:
        nearby = selectors.nearby_open_reports(
            category=category, latitude=CITY_HALL[0], longitude=CITY_HALL[1]
        )

    # then
    assert [r.pk for r in nearby] == [near.pk, far.pk]
    assert len(queries) == 1


def test_sql_distance_matches_the_python_one(category):
    # given
    point = (Decimal("39.798900"), Decimal("-89.654000"))
    make_report(category=category, answers={"size": "small"}, latitude=point[0], longitude=point[1])

    # when
    found = selectors.nearby_open_reports(
        category=category, latitude=CITY_HALL[0], longitude=CITY_HALL[1]
    )[0]

    # then
    expected = distance_m(
        float(CITY_HALL[0]), float(CITY_HALL[1]), float(point[0]), float(point[1])
    )
    assert abs(found.distance_m - expected) < 0.01


def test_reports_without_a_point_match_by_address(category):
    report = make_report(
        category=category,
        answers={"size": "small"},
        latitude=None,
        longitude=None,
        address="42 Elm Street",
    )
    assert selectors.open_reports_at_address(category=category, address=" 42  elm street") == [
        report
    ]


def test_the_public_queryset_selects_no_personal_data(category):
    # given
    make_report(category=category, answers={"size": "small"}, guest_email="private@example.org")

    # when
    with CaptureQueriesContext(connection) as queries:
        list(selectors.reports_public())

    # then
    sql = queries[0]["sql"]
    for column in ("guest_email", "guest_name", "guest_phone", "applicant_id", "assignee_id"):
        assert column not in sql


def test_public_lookups_of_unknown_or_nul_keys_are_not_found(db):
    for reference in ("CON-1999-000001", "CON\x00"):
        with pytest.raises(Http404):
            selectors.report_public(reference=reference)


def test_the_guest_token_selector_refuses_account_reports(category, resident):
    from cases.links import LinkRevoked
    from cases.tokens import guest_token

    report = make_report(category=category, answers={"size": "small"}, reporter=resident)
    with pytest.raises(LinkRevoked):
        selectors.report_for_guest_token(token=guest_token(case=report.case))


def test_reports_public_filters_by_day_in_the_agency_time_zone(category):
    # given
    report = make_report(category=category, answers={"size": "small"})
    day = report.requested_at.astimezone(datetime.UTC).date()

    # then
    assert list(selectors.reports_public(date_from=day - datetime.timedelta(days=1))) == [report]
    assert list(selectors.reports_public(date_to=day - datetime.timedelta(days=2))) == []


def test_seed_demo_loads_twelve_categories_and_is_idempotent(settings):
    # given
    settings.DEBUG = True

    # when
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = (ConcernCategory.objects.count(), ConcernReport.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # then
    assert first == (12, 5)
    assert (ConcernCategory.objects.count(), ConcernReport.objects.count()) == first
    assert ConcernReport.objects.filter(close_reason="fixed").count() == 1


# --- Choosing a category ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("bache", "pothole"),
        ("BACHES", "pothole"),
        ("pothole", "pothole"),
        ("holes", "pothole"),
        ("farola", "streetlight"),
        ("farolas", "streetlight"),
        ("light", "streetlight"),
        ("árbol caído", "fallen-tree"),
        ("arbol caido", "fallen-tree"),
    ],
)
def test_categories_match_their_english_and_spanish_keywords(query, code):
    # given
    CategoryFactory(code="pothole", name="Pothole", keywords="hole, road", keywords_es="bache")
    CategoryFactory(
        code="streetlight", name="Streetlight out", keywords="lamp", keywords_es="farola, luz"
    )
    CategoryFactory(
        code="fallen-tree", name="Fallen tree", keywords="branch", keywords_es="árbol caído"
    )

    # when
    found = selectors.categories_matching(query)

    # then
    assert [category.code for category in found] == [code]
