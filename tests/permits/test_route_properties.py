"""Hostile input on the inspectors' route pages: the supervisors' list of routes
(/staff/permits/inspectors/) and the inspector's day (?inspector=&day=, and its POST that
moves a stop), with random days, ids and directions, as the inspector, their supervisor and
a supervisor of another department: never a server error, never another department's
inspector, and a route reordered only by someone who may."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from permits.selectors_inspections import inspector_route
from tests.accounts.factories import StaffFactory
from tests.hostile import VALUES, fuzz, no_server_error, params
from tests.permits.factories import department
from tests.permits.inspection_factories import (
    NOW,
    WEDNESDAY,
    inspector,
    issued_permit,
    open_slots,
)
from tests.permits.test_inspection_route import supervisor, with_mfa

pytestmark = pytest.mark.django_db


@pytest.fixture
def routes():
    """An inspector's Wednesday of two stops, their supervisor, and planning's inspector
    and supervisor (who must never reach the first's route)."""
    from permits.services.inspections import inspection_book

    person = inspector(capacity=3)
    open_slots()
    stops = []
    for address in ("1 Oak St", "2 Elm St"):
        permit = issued_permit(address=address)
        stops.append(
            inspection_book(
                permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
            )
        )
    planning_inspector = StaffFactory(roles=[("inspector", department("planning"))])
    return {
        "inspector": with_mfa(person),
        "stops": stops,
        "boss": with_mfa(supervisor()),
        "outsider": with_mfa(supervisor("planning")),
        "planning_inspector": planning_inspector,
    }


def _order(person):
    return [stop.pk for stop in inspector_route(inspector=person, day=WEDNESDAY)]


def _ids(routes):
    """Real ids mixed in with random ones: the inspector's, the other department's, the
    stops'."""
    real = [
        routes["inspector"].pk,
        routes["planning_inspector"].pk,
        routes["boss"].pk,
        *(stop.pk for stop in routes["stops"]),
    ]
    return st.one_of(VALUES, st.sampled_from([str(pk) for pk in real]))


@given(data=st.data(), who=st.sampled_from(["inspector", "boss", "outsider"]))
@fuzz(max_examples=40)
def test_any_query_on_the_route_pages_shows_a_page_never_another_departments(routes, data, who):
    # given
    client = Client()
    client.force_login(routes[who])
    ids = _ids(routes)
    query = data.draw(
        st.fixed_dictionaries(
            {},
            optional={"day": st.one_of(VALUES, st.just(WEDNESDAY.isoformat())), "inspector": ids},
        )
    )

    # when
    listed = client.get(reverse("permits_staff:inspectors"), query)
    day = client.get(reverse("permits:inspector_day"), query)

    # then
    no_server_error(listed)
    no_server_error(day)
    # Each supervisor's own department's inspector only; the inspector supervises nobody.
    theirs = {"boss": routes["inspector"].pk, "outsider": routes["planning_inspector"].pk}
    if who in theirs:
        assert listed.status_code == 200
        assert {row.pk for row in listed.context["inspectors"]} == {theirs[who]}
    else:
        assert listed.status_code == 403
    if day.status_code == 200:
        owner = day.context["owner"]
        assert owner is None if who == "inspector" else owner.pk == theirs[who]
    else:
        assert day.status_code in (403, 404)


@given(data=st.data(), who=st.sampled_from(["inspector", "boss", "outsider"]))
@fuzz(max_examples=40)
def test_any_move_is_done_refused_or_not_found_and_only_by_who_may(routes, data, who):
    # given
    client = Client()
    client.force_login(routes[who])
    before = _order(routes["inspector"])
    ids = _ids(routes)
    posted = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "inspection": ids,
                "inspector": ids,
                "direction": st.one_of(VALUES, st.sampled_from(["up", "down"])),
                "day": VALUES,
            },
        )
    )

    # when
    response = client.post(reverse("permits:inspector_day"), posted)

    # then
    no_server_error(response)
    assert response.status_code in (302, 403, 404)
    if who == "outsider":  # planning's supervisor: not this inspector's route
        assert _order(routes["inspector"]) == before
    if response.status_code != 302:
        assert _order(routes["inspector"]) == before


@given(query=params(["day", "inspector"]))
@fuzz(max_examples=20)
def test_the_route_pages_ask_a_signed_out_visitor_to_sign_in(routes, query):
    client = Client()

    for url in (reverse("permits_staff:inspectors"), reverse("permits:inspector_day")):
        response = client.get(url, query)
        no_server_error(response)
        assert response.status_code == 302


def test_a_stale_move_of_a_cancelled_stop_changes_nothing_and_says_so(routes):
    # given: the supervisor's page was open when the applicant cancelled the first stop
    from permits.services.inspections import inspection_cancel

    oak, elm = routes["stops"]
    inspection_cancel(inspection=oak, actor=oak.permit.case.applicant)
    client = Client()
    client.force_login(routes["boss"])

    # when: the supervisor moves the cancelled stop down
    response = client.post(
        reverse("permits:inspector_day"),
        {"inspection": oak.pk, "direction": "down", "inspector": routes["inspector"].pk},
    )

    # then: back to the day, the route as it was
    assert response.status_code in (302, 404)
    assert _order(routes["inspector"]) == [elm.pk]
