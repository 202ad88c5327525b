"""The inspector's route: stops moved up and down by plain form posts, stored per inspector
and day, agreed times kept, and each address opening the phone's map app."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from permits import workflow as wf
from permits.exceptions import InspectionRefused
from permits.models import Inspection, InspectionSlot
from permits.selectors_inspections import agency_now, inspector_route
from permits.services.inspection_route import inspection_route_move
from permits.services.inspections import inspection_book, inspection_cancel
from tests.accounts.factories import StaffFactory
from tests.permits.factories import department
from tests.permits.inspection_factories import (
    NOW,
    THURSDAY,
    WEDNESDAY,
    inspector,
    issued_permit,
    open_slots,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def day_of_three():
    """Three morning stops of one inspector on Wednesday, booked in address order."""
    person = inspector(capacity=3)
    open_slots()
    stops = []
    for address in ("1 Oak St", "2 Elm St", "3 Ash St"):
        permit = issued_permit(address=address)
        stops.append(
            inspection_book(
                permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
            )
        )
    return person, stops


def more_room(person):
    InspectionSlot.objects.filter(inspector=person, day=WEDNESDAY, period="am").update(capacity=5)


def addresses(person, day=WEDNESDAY):
    return [stop.permit.address for stop in inspector_route(inspector=person, day=day)]


def move(client, stop, direction):
    return client.post(
        reverse("permits:inspector_day"), {"inspection": stop.pk, "direction": direction}
    )


def test_the_inspector_moves_a_stop_up_and_down_without_javascript(client, day_of_three):
    # given
    person, (oak, _elm, ash) = day_of_three
    client.force_login(person)

    # when
    response = move(client, ash, "up")

    # then: the day's page, at the moved stop, in the new order
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('permits:inspector_day')}?day={WEDNESDAY.isoformat()}#stop-{ash.pk}"
    )
    assert addresses(person) == ["1 Oak St", "3 Ash St", "2 Elm St"]

    # when
    move(client, oak, "down")

    # then
    assert addresses(person) == ["3 Ash St", "1 Oak St", "2 Elm St"]
    page = client.get(reverse("permits:inspector_day"), {"day": WEDNESDAY.isoformat()})
    assert [stop.permit.address for stop in page.context["route"]] == [
        "3 Ash St",
        "1 Oak St",
        "2 Elm St",
    ]


def test_the_first_stop_does_not_move_up_and_the_order_is_unchanged(client, day_of_three):
    # given
    person, (oak, _elm, _ash) = day_of_three
    client.force_login(person)

    # when
    move(client, oak, "up")
    move(client, oak, "sideways")

    # then
    assert addresses(person) == ["1 Oak St", "2 Elm St", "3 Ash St"]
    page = client.get(reverse("permits:inspector_day"), {"day": WEDNESDAY.isoformat()})
    assert [(up, down) for _stop, up, down in page.context["stops"]] == [
        (False, True),
        (True, True),
        (True, False),
    ]


def test_the_order_is_per_inspector_and_day(day_of_three):
    # given: a stop of the same inspector on the next day
    person, (_oak, _elm, ash) = day_of_three
    permit = issued_permit(address="9 Pine St")
    thursday = inspection_book(
        permit=permit, day=THURSDAY, period="am", actor=permit.case.applicant, now=NOW
    )

    # when
    inspection_route_move(inspection=ash, direction="up", actor=person)

    # then: only Wednesday's order changed
    assert addresses(person) == ["1 Oak St", "3 Ash St", "2 Elm St"]
    assert Inspection.objects.get(pk=thursday.pk).route_order == thursday.route_order


def test_a_stop_never_moves_into_another_half_day(client, day_of_three):
    # given: an afternoon stop after the three morning ones
    person, (_oak, _elm, ash) = day_of_three
    permit = issued_permit(address="4 Birch St")
    afternoon = inspection_book(
        permit=permit, day=WEDNESDAY, period="pm", actor=permit.case.applicant, now=NOW
    )
    client.force_login(person)

    # when
    move(client, afternoon, "up")
    response = move(client, ash, "down")

    # then: refused with a message, nothing changed
    assert addresses(person) == ["1 Oak St", "2 Elm St", "3 Ash St", "4 Birch St"]
    page = client.get(response["Location"])
    assert "cannot move further in its half-day" in page.content.decode()


def test_only_the_inspector_moves_their_own_stops(client, day_of_three):
    # given
    _person, (oak, _elm, _ash) = day_of_three
    client.force_login(oak.permit.case.applicant)
    assert move(client, oak, "down").status_code == 403

    # another inspector gets a 404, as for a stop that never was
    client.force_login(inspector())
    assert move(client, oak, "down").status_code == 404
    assert client.post(reverse("permits:inspector_day"), {"inspection": "x"}).status_code == 404


def test_each_address_opens_the_phones_map_app(client, day_of_three):
    # given
    person, _stops = day_of_three
    client.force_login(person)

    # when
    page = client.get(reverse("permits:inspector_day"), {"day": WEDNESDAY.isoformat()})

    # then
    assert 'href="geo:0,0?q=1%20Oak%20St"' in page.content.decode()


def test_the_route_page_queries_stay_constant(client, day_of_three, django_assert_max_num_queries):
    # given
    person, _stops = day_of_three
    for address in ("5 Fir St", "6 Yew St"):
        permit = issued_permit(address=address)
        inspection_book(
            permit=permit,
            day=WEDNESDAY,
            period="pm",
            actor=permit.case.applicant,
            now=NOW,
        )
    client.force_login(person)

    # then
    with django_assert_max_num_queries(12):
        client.get(reverse("permits:inspector_day"), {"day": WEDNESDAY.isoformat()})


def test_a_booking_and_a_cancellation_after_a_manual_order_keep_it(day_of_three):
    # given: the inspector put Ash before Elm
    person, (oak, _elm, ash) = day_of_three
    inspection_route_move(inspection=ash, direction="up", actor=person)
    more_room(person)

    # when: a resident books the same morning, another cancels
    permit = issued_permit(address="4 Birch St")
    birch = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    inspection_cancel(inspection=oak, actor=oak.permit.case.applicant, now=NOW)

    # then: the manual order stands, the new stop last of its half-day
    assert addresses(person) == ["3 Ash St", "2 Elm St", "4 Birch St"]

    # when: the new stop is moved too
    inspection_route_move(inspection=birch, direction="up", actor=person)

    # then
    assert addresses(person) == ["3 Ash St", "4 Birch St", "2 Elm St"]


def test_until_the_inspector_moves_a_stop_the_day_is_in_booking_order(day_of_three):
    # given
    person, _stops = day_of_three
    more_room(person)
    permit = issued_permit(address="0 Bay St")

    # when
    inspection_book(permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW)

    # then
    assert addresses(person) == ["1 Oak St", "2 Elm St", "3 Ash St", "0 Bay St"]


def supervisor(code=wf.DEPARTMENT_CODE):
    return StaffFactory(roles=[("supervisor", department(code))])


def test_the_inspectors_supervisor_sees_and_reorders_their_day(client, day_of_three):
    # given
    person, (_oak, _elm, ash) = day_of_three
    client.force_login(supervisor())

    # when
    page = client.get(
        reverse("permits:inspector_day"), {"day": WEDNESDAY.isoformat(), "inspector": person.pk}
    )
    response = client.post(
        reverse("permits:inspector_day"),
        {"inspection": ash.pk, "direction": "up", "inspector": person.pk},
    )

    # then
    assert page.status_code == 200
    assert [stop.permit.address for stop in page.context["route"]] == [
        "1 Oak St",
        "2 Elm St",
        "3 Ash St",
    ]
    assert f'name="inspector" value="{person.pk}"' in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('permits:inspector_day')}?day={WEDNESDAY.isoformat()}"
        f"&inspector={person.pk}#stop-{ash.pk}"
    )
    assert addresses(person) == ["1 Oak St", "3 Ash St", "2 Elm St"]


def test_nobody_else_reaches_or_reorders_an_inspectors_day(client, day_of_three):
    # given
    person, (_oak, _elm, ash) = day_of_three
    url = reverse("permits:inspector_day")
    others = {
        "another inspector": inspector(),
        "a supervisor of another department": supervisor("planning"),
        "a clerk": StaffFactory(),
    }

    for who, user in others.items():
        client.force_login(user)

        # when
        page = client.get(url, {"day": WEDNESDAY.isoformat(), "inspector": person.pk})
        moved = client.post(url, {"inspection": ash.pk, "direction": "up", "inspector": person.pk})

        # then
        assert page.status_code in (403, 404), who
        assert moved.status_code in (403, 404), who
    assert addresses(person) == ["1 Oak St", "2 Elm St", "3 Ash St"]

    # the service refuses them too
    with pytest.raises(InspectionRefused):
        inspection_route_move(inspection=ash, direction="up", actor=others["another inspector"])


def test_the_route_pages_query_count_does_not_grow_with_its_stops(client, day_of_three):
    # given
    person, _stops = day_of_three
    client.force_login(person)
    url = reverse("permits:inspector_day")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"day": WEDNESDAY.isoformat()}).status_code == 200
        return len(queries)

    three = count()
    for address in ("5 Fir St", "6 Yew St", "7 Oak Ave"):
        permit = issued_permit(address=address)
        inspection_book(
            permit=permit, day=WEDNESDAY, period="pm", actor=permit.case.applicant, now=NOW
        )

    # then
    assert count() == three
    client.force_login(supervisor())
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"day": WEDNESDAY.isoformat(), "inspector": person.pk})
    assert len(queries) <= three + 1


def with_mfa(user):
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


def test_the_supervisor_lists_their_inspectors_and_opens_each_route(client, day_of_three):
    # given: the building department's inspector with three stops, another of planning
    person, _stops = day_of_three
    elsewhere = StaffFactory(roles=[("inspector", department("planning"))])
    boss = with_mfa(supervisor())
    client.force_login(boss)

    # when
    page = client.get(reverse("permits_staff:inspectors"), {"day": WEDNESDAY.isoformat()})

    # then: only the department's inspector, with a link to their day
    assert page.status_code == 200
    listed = {row.pk: row.stops for row in page.context["inspectors"]}
    assert listed == {person.pk: 3}
    link = (
        f'href="{reverse("permits:inspector_day")}?day={WEDNESDAY.isoformat()}'
        f'&amp;inspector={person.pk}"'
    )
    html = page.content.decode()
    assert link in html
    assert f"inspector={elsewhere.pk}" not in html
    assert "Inspectors&#x27; routes" in html  # the workbench's navigation lists the page

    # when: the link is followed
    route = client.get(
        reverse("permits:inspector_day"), {"day": WEDNESDAY.isoformat(), "inspector": person.pk}
    )

    # then
    assert route.status_code == 200
    assert len(route.context["route"]) == 3


def test_the_inspectors_routes_page_is_for_their_supervisors_only(client, day_of_three):
    # given
    url = reverse("permits_staff:inspectors")
    for user in (with_mfa(inspector()), with_mfa(StaffFactory()), with_mfa(supervisor("planning"))):
        client.force_login(user)

        # when
        page = client.get(url)

        # then: neither the page nor the link in the navigation
        assert page.status_code == 403
        assert "Inspectors&#x27; routes</a>" not in page.content.decode()


@pytest.mark.parametrize("asked", ["9999-12-31", "0001-01-01", "2026-02-30", "x"])
def test_a_day_at_the_calendars_edge_or_no_day_shows_today(client, day_of_three, asked):
    # given: the inspector and their supervisor
    person, _stops = day_of_three
    boss = with_mfa(supervisor())

    # when: each asks for a day with no day before or after it, or none at all
    client.force_login(person)
    own = client.get(reverse("permits:inspector_day"), {"day": asked})
    client.force_login(boss)
    routes = client.get(reverse("permits_staff:inspectors"), {"day": asked})

    # then: both pages show today, never a server error
    assert own.status_code == 200
    assert routes.status_code == 200
    assert own.context["day"] == routes.context["day"] == agency_now().date()
