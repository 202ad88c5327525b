"""Hostile input on the applicant's inspections page, where a booked inspection is moved or
cancelled: random actions, days, half-days, times (with zones, out of range) and reasons,
another resident's permit, a double submit: never a server error, the page again with the
reason when refused, and the inspection booked once."""

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from permits.models import InspectionStatus
from tests.accounts.factories import UserFactory
from tests.hostile import VALUES, fuzz, no_server_error
from tests.permits.test_inspection_lengths import half_hour_inspector, permit_needing, t

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(client):
    """An hour booked at the first 9:00 the page offers; the page's address and offers."""
    half_hour_inspector()
    permit = permit_needing(60)
    client.force_login(permit.case.applicant)
    url = reverse("permits:inspections", args=[permit.case.reference])
    first = next(h for h in client.get(url).context["half_days"] if h.starts_at == t(9))
    assert client.post(url, {"action": "book", "slot": first.value}).status_code == 302
    offers = [h.value for h in client.get(url).context["half_days"]]
    return permit, url, first, offers


def _slots(first, offers):
    day = first.day.isoformat()
    return st.one_of(
        VALUES,
        st.sampled_from(offers[:5]),
        st.sampled_from(
            [
                f"{day}:am:09:30+05:00",
                f"{day}:am:25:00",
                f"{day}:pm:09:30",
                f"{day}:xx:09:30",
                f"{day}:am:",
                f"{day}::09:30",
                "9999-12-31:am:09:00",
                "0001-01-01:am:09:00",
                f"{day}:am:09:30:00.5",
                f"{day}:am:T09:30Z",
            ]
        ),
    )


@given(data=st.data())
@fuzz(max_examples=50)
def test_any_move_is_done_or_refused_with_its_reason_never_a_server_error(booked, data):
    # given
    permit, url, first, offers = booked
    posted = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "action": st.one_of(
                    VALUES, st.sampled_from(["reschedule", "book", "cancel", "extend"])
                ),
                "slot": _slots(first, offers),
                "slot_day": VALUES,
                "period": VALUES,
                "reason": VALUES,
            },
        )
    )
    client = Client()
    client.force_login(permit.case.applicant)

    # when
    response = client.post(url, posted)

    # then: moved (or cancelled) and sent to the page, or refused on the page with the reason
    no_server_error(response)
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert response.context["error"]
        assert response.context["error"] in response.content.decode()
    assert permit.inspections.filter(status=InspectionStatus.SCHEDULED).count() <= 1


def test_another_resident_cannot_see_or_move_the_inspection(booked):
    permit, url, first, offers = booked
    client = Client()
    client.force_login(UserFactory())

    shown = client.get(url)
    moved = client.post(url, {"action": "reschedule", "slot": offers[0]})
    cancelled = client.post(url, {"action": "cancel"})

    assert (shown.status_code, moved.status_code, cancelled.status_code) == (404, 404, 404)
    inspection = permit.inspections.get(status=InspectionStatus.SCHEDULED)
    assert (inspection.day, inspection.starts_at) == (first.day, t(9))


def test_a_move_sent_twice_moves_once_and_the_second_is_refused_on_the_page(booked):
    permit, url, first, _offers = booked
    later = f"{first.day.isoformat()}:am:09:30"
    client = Client()
    client.force_login(permit.case.applicant)

    done = client.post(url, {"action": "reschedule", "slot": later})
    again = client.post(url, {"action": "reschedule", "slot": later})

    assert done.status_code == 302
    assert again.status_code in (302, 400)
    assert permit.inspections.filter(status=InspectionStatus.SCHEDULED).count() == 1
    moved = permit.inspections.get(status=InspectionStatus.SCHEDULED)
    assert (moved.day, moved.starts_at) == (first.day, t(9, 30))
