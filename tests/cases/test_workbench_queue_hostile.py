"""The "My work" queue given filters a careless hand typed: a mistyped filter is refused on
its own field while the others still apply (the list, its counts and its CSV), and a saved
filter refused says why."""

import csv
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from hypothesis import given

from cases.areas.models import Area
from cases.models import Case
from cases.workbench import saved
from cases.workbench.models import SavedQueueFilter
from tests.accounts.factories import StaffFactory
from tests.cases.factories import CaseFactory, DepartmentFactory
from tests.cases.workflows import TEST_PERMIT
from tests.hostile import VALUES, fuzz, no_server_error, params

pytestmark = pytest.mark.django_db

QUEUE = reverse("workbench:queue")


@pytest.fixture
def places():
    DepartmentFactory(code=TEST_PERMIT.department_code, name="Permits")
    north = Area.objects.create(code="north", name="North Ward", postal_codes=["62702"])
    south = Area.objects.create(code="south", name="South Ward", postal_codes=["62704"])
    cases = {"north": CaseFactory(), "south": CaseFactory()}
    Case.objects.filter(pk=cases["north"].pk).update(area=north)
    Case.objects.filter(pk=cases["south"].pk).update(area=south)
    clerk = StaffFactory(roles=["clerk"])
    TOTP.activate(clerk, generate_totp_secret())
    return {"north": north, "cases": cases, "clerk": clerk}


@pytest.mark.parametrize(
    "mistyped",
    [
        {"submitted_from": "2026-02-30"},
        {"submitted_from": "2026-05-02", "submitted_to": "2026-05-01"},
    ],
    ids=["no-such-day", "dates-reversed"],
)
def test_a_mistyped_date_leaves_the_area_chosen_applied(client, places, mistyped):
    # given: the clerk chose an area and mistyped a date
    client.force_login(places["clerk"])
    query = {"view": "all", "area": places["north"].pk, **mistyped}

    # when
    page = client.get(QUEUE, query)
    export = client.get(reverse("workbench:queue_export"), query)

    # then: the date is refused on its field; the list and its CSV are still the area's
    # cases, not every case, as the form (showing North Ward chosen) says
    assert page.context["form"].errors
    assert page.context["filters"].area == str(places["north"].pk)
    north = places["cases"]["north"].reference
    assert {row["case"].reference for row in page.context["rows"]} == {north}
    assert {view["key"]: view["count"] for view in page.context["views"]}["all"] == 1
    assert f"area={places['north'].pk}" in page.context["query"]
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert [row[0] for row in rows[1:]] == [north]


def test_a_saved_filter_refused_for_its_filters_says_so_not_that_the_name_is_missing(
    client, places
):
    # given: a named filter whose area was deleted after the page was shown
    client.force_login(places["clerk"])
    gone = Area.objects.create(code="gone", name="Gone Ward", postal_codes=["62799"])
    area = gone.pk
    gone.delete()

    # when
    response = client.post(
        reverse("workbench:saved_filter_create"),
        {"name": "Gone", "view": "all", "area": area},
        follow=True,
    )

    # then
    page = response.content.decode()
    assert "Give the filter a name." not in page
    assert "These filters could not be saved: choose them again, then save." in page
    assert not SavedQueueFilter.objects.exists()


def test_a_saved_filter_name_too_long_says_how_long_it_may_be(client, places):
    client.force_login(places["clerk"])

    response = client.post(
        reverse("workbench:saved_filter_create"), {"name": "x" * 81, "view": "all"}, follow=True
    )

    page = response.content.decode()
    assert "Give the filter a name." not in page
    assert "Ensure this value has at most 80 characters (it has 81)." in page
    assert not SavedQueueFilter.objects.exists()


FILTER_NAMES = [
    "view",
    "kind",
    "status",
    "department",
    "area",
    "submitted_from",
    "submitted_to",
    "sort",
    "page",
]


@fuzz(max_examples=40)
@given(query=params(FILTER_NAMES, valid={"view": "all", "sort": "oldest"}), name=VALUES)
def test_any_filters_are_answered_without_a_server_error_and_saved_only_when_valid(
    client, places, query, name
):
    client.force_login(places["clerk"])

    page = client.get(QUEUE, query)
    export = client.get(reverse("workbench:queue_export"), query)
    saved = client.post(reverse("workbench:saved_filter_create"), {**query, "name": name})

    no_server_error(page)
    no_server_error(export)
    no_server_error(saved)
    b"".join(export.streaming_content)
    for kept in SavedQueueFilter.objects.filter(user=places["clerk"]):
        again = client.get(f"{QUEUE}?{kept.query}")
        assert not again.context["form"].errors, kept.query
    SavedQueueFilter.objects.all().delete()


def test_a_name_the_database_holds_as_the_same_replaces_its_filter(places):
    # given: a filter named with the Kelvin sign (U+212A), which lower-cases to "k"
    clerk = places["clerk"]
    first = saved.saved_filter_save(user=clerk, name="\u212a", query="view=all")

    # when: saved again as "k", one name for the database's rule (lower case)
    again = saved.saved_filter_save(user=clerk, name="k", query="view=mine")

    # then: the filter is replaced, not refused as "just saved"
    assert again.pk == first.pk
    assert SavedQueueFilter.objects.get(user=clerk).query == "view=mine"
