"""The inspector's result form as posted from the phone: the checklist kept with the result,
and an inspection not done on site, which says why, charges nothing and is booked again."""

import datetime

import pytest
from django.urls import reverse

from permits.models import InspectionResult, InspectionStatus, Permit
from permits.selectors_inspections import booking_blockers, next_step
from permits.services.inspections import inspection_book
from tests.permits.inspection_factories import (
    NOW,
    THURSDAY,
    WEDNESDAY,
    at,
    inspector,
    issued_permit,
    open_slots,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked():
    inspector(capacity=1)
    open_slots()
    # A type charging $75 from the first failure: a visit not done on site is no failure.
    permit = issued_permit(fee={"fee_cents": 7500, "free_failures": 0})
    return inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )


@pytest.fixture
def on_the_day(monkeypatch):
    monkeypatch.setattr(
        "permits.services.inspections.results.agency_now", lambda: at(WEDNESDAY, 10)
    )


def post_result(client, inspection, **fields):
    url = reverse("permits:inspection_result", args=[inspection.pk])
    form = client.get(url).context["form"]
    return client.post(url, {"result_key": form.initial["result_key"], **fields})


def test_the_checklist_ticked_on_the_form_is_kept_with_the_result(client, booked, on_the_day):
    # given
    client.force_login(booked.inspector)

    # when
    response = post_result(
        client, booked, result="passed", checklist=["permit_posted", "matches_plans"]
    )

    # then: every item is kept, each said to be in order or not, in the inspector's words
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.result == InspectionResult.PASSED
    assert booked.checklist == [
        {"item": "permit_posted", "label": "Permit card posted on site", "ok": True},
        {"item": "approved_plans", "label": "Approved plans on site", "ok": False},
        {"item": "matches_plans", "label": "Work matches the approved plans", "ok": True},
        {"item": "safe_access", "label": "Safe access to the work", "ok": False},
    ]


def test_an_inspection_not_done_on_site_must_say_why_and_changes_nothing_without(
    client, booked, on_the_day
):
    # given
    client.force_login(booked.inspector)

    # when
    response = post_result(client, booked, result="cancelled")

    # then
    assert response.status_code == 400
    assert "Say why: list the deficiencies or write a comment" in response.content.decode()
    booked.refresh_from_db()
    assert (booked.status, booked.result) == (InspectionStatus.SCHEDULED, "")


def test_an_inspection_not_done_on_site_charges_nothing_and_is_booked_again(
    client, booked, on_the_day
):
    # given
    permit = booked.permit
    # in force a few days after the inspection (a pass would restart it for 180 days)
    Permit.objects.filter(pk=permit.pk).update(
        expires_at=at(WEDNESDAY, 17) + datetime.timedelta(days=5)
    )
    permit.refresh_from_db()
    expires_at = permit.expires_at
    client.force_login(booked.inspector)

    # when
    response = post_result(client, booked, result="cancelled", comments="Gate locked, nobody home.")

    # then: no re-inspection fee, the validity is not restarted, the same step is next
    assert response.status_code == 302
    booked.refresh_from_db()
    permit.refresh_from_db()
    assert booked.result == InspectionResult.CANCELLED
    assert booked.fee_invoice is None
    assert permit.expires_at == expires_at
    assert next_step(permit) == booked.step
    assert booking_blockers(permit=permit, now=at(WEDNESDAY, 11)) == []
    again = inspection_book(
        permit=permit,
        day=THURSDAY,
        period="am",
        actor=permit.case.applicant,
        now=at(WEDNESDAY, 11),
    )
    assert again.step_id == booked.step_id
