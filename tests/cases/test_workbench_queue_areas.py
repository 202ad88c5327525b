"""The "My work" queue by area: the filter (any area, one area, no area), its names in the
reader's language, saved filters keeping it, scope by role unchanged, and a tampered area
never a server error."""

import csv
import io

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse
from hypothesis import given

from cases import services
from cases.areas.models import Area
from cases.models import Case
from cases.workbench.models import SavedQueueFilter
from tests.accounts.factories import StaffFactory
from tests.cases.factories import CaseFactory, DepartmentFactory
from tests.cases.workflows import TEST_PERMIT
from tests.hostile import fuzz, no_server_error, params

pytestmark = pytest.mark.django_db

QUEUE = reverse("workbench:queue")


def staff(roles):
    person = StaffFactory(roles=roles)
    TOTP.activate(person, generate_totp_secret())
    return person


@pytest.fixture
def places():
    DepartmentFactory(code=TEST_PERMIT.department_code, name="Permits")
    north = Area.objects.create(
        code="north", name="North Ward", name_es="Distrito Norte", postal_codes=["62702"]
    )
    south = Area.objects.create(code="south", name="South Ward", postal_codes=["62704"])
    cases = {"north": CaseFactory(), "south": CaseFactory(), "none": CaseFactory()}
    Case.objects.filter(pk=cases["north"].pk).update(area=north)
    Case.objects.filter(pk=cases["south"].pk).update(area=south)
    return {"north": north, "south": south, "cases": cases, "clerk": staff(["clerk"])}


def references(response) -> set[str]:
    return {row["case"].reference for row in response.context["rows"]}


def test_the_queue_filters_by_one_area_or_by_no_area(client, places):
    client.force_login(staff(["clerk"]))
    cases = places["cases"]

    north = client.get(QUEUE, {"view": "all", "area": places["north"].pk})
    nowhere = client.get(QUEUE, {"view": "all", "area": "none"})
    anywhere = client.get(QUEUE, {"view": "all"})

    assert references(north) == {cases["north"].reference}
    assert {view["key"]: view["count"] for view in north.context["views"]}["all"] == 1
    assert references(nowhere) == {cases["none"].reference}
    assert references(anywhere) == {case.reference for case in cases.values()}
    # the row says where the case is
    assert "North Ward" in north.content.decode()


def test_areas_are_offered_and_shown_in_spanish_to_a_spanish_reader(client, places):
    clerk = StaffFactory(roles=["clerk"], preferred_language="es")
    TOTP.activate(clerk, generate_totp_secret())
    client.force_login(clerk)

    page = client.get(QUEUE, {"view": "all"}, HTTP_ACCEPT_LANGUAGE="es")

    choices = dict(page.context["form"].fields["area"].choices)
    assert choices[str(places["north"].pk)] == "Distrito Norte"
    assert choices[str(places["south"].pk)] == "South Ward"  # not translated: the English
    assert "Distrito Norte" in page.content.decode()


def test_the_csv_has_each_case_area(client, places):
    client.force_login(staff(["clerk"]))

    response = client.get(reverse("workbench:queue_export"), {"view": "all", "area": "none"})

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-1] == "Area"
    assert [row[0] for row in rows[1:]] == [places["cases"]["none"].reference]
    north = client.get(
        reverse("workbench:queue_export"), {"area": places["north"].pk, "view": "all"}
    )
    rows = list(csv.reader(io.StringIO(b"".join(north.streaming_content).decode())))
    assert rows[1][-1] == "North Ward"


def test_a_saved_filter_keeps_the_area(client, places):
    clerk = staff(["clerk"])
    client.force_login(clerk)

    client.post(
        reverse("workbench:saved_filter_create"),
        {"name": "North", "view": "all", "area": places["north"].pk},
    )
    client.post(
        reverse("workbench:saved_filter_create"), {"name": "Nowhere", "view": "all", "area": "none"}
    )

    kept = dict(SavedQueueFilter.objects.filter(user=clerk).values_list("name", "query"))
    assert kept == {
        "North": f"view=all&area={places['north'].pk}",
        "Nowhere": "view=all&area=none",
    }
    again = client.get(f"{QUEUE}?{kept['North']}")
    assert references(again) == {places["cases"]["north"].reference}


def test_an_inspector_filtering_by_area_still_sees_only_their_own_cases(client, places):
    inspector = staff(["inspector"])
    clerk = staff(["clerk"])
    mine = places["cases"]["north"]
    services.case_assign(case=mine, assignee=inspector, actor=clerk)
    other = CaseFactory()
    Case.objects.filter(pk=other.pk).update(area=places["north"])
    client.force_login(inspector)

    response = client.get(QUEUE, {"view": "all", "area": places["north"].pk})

    assert references(response) == {mine.reference}


@pytest.mark.parametrize("area", ["999999", "-1", "abc", "1.5", "", " none", "NONE"])
def test_an_unknown_area_is_a_form_error_not_a_filter(client, places, area):
    client.force_login(staff(["clerk"]))

    response = client.get(QUEUE, {"view": "all", "area": area})

    assert response.status_code == 200
    assert response.context["filters"].area == ""
    if area:
        assert "area" in response.context["form"].errors


@fuzz(40)
@given(query=params(["area", "view", "department"], valid={"view": "all", "area": "none"}))
def test_a_tampered_area_never_fails_nor_filters_by_what_is_not_an_area(client, places, query):
    client.force_login(places["clerk"])

    response = client.get(QUEUE, query)
    no_server_error(response)
    no_server_error(client.get(reverse("workbench:queue_export"), query))

    known = {"", "none", str(places["north"].pk), str(places["south"].pk)}
    assert response.context["filters"].area in known


def test_the_case_page_says_the_area_in_the_readers_language(client, places):
    case = places["cases"]["north"]
    client.force_login(places["clerk"])
    english = client.get(reverse("workbench:case", args=[case.reference]))
    clerk = StaffFactory(roles=["clerk"], preferred_language="es")
    TOTP.activate(clerk, generate_totp_secret())
    client.force_login(clerk)
    spanish = client.get(
        reverse("workbench:case", args=[case.reference]), HTTP_ACCEPT_LANGUAGE="es"
    )

    assert "North Ward" in english.content.decode()
    assert "Distrito Norte" in spanish.content.decode()
