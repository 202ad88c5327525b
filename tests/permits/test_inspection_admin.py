"""The back office moves an inspection through the service, and the applicant is told."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from cases.models import CaseEvent
from permits import inspection_events as ev
from permits.models import InspectionSlot
from permits.services.inspections import inspection_book
from tests.accounts.factories import StaffFactory
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
def administrator(client):
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def test_staff_move_an_inspection_from_the_back_office(client, administrator):
    # given
    inspector(capacity=1)
    open_slots()
    permit = issued_permit()
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    url = reverse("admin:permits_inspection_move", args=[inspection.pk])

    # when
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"action": "move", "day": THURSDAY.isoformat(), "period": "pm", "reason": "Sick day"},
    )

    # then
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert (inspection.day, inspection.period) == (THURSDAY, "pm")
    assert CaseEvent.objects.get(case=permit.case, kind=ev.INSPECTION_MOVED).payload["reason"] == (
        "Sick day"
    )


def test_a_day_off_cannot_drop_below_what_is_booked(client, administrator):
    # given: one booked on Wednesday morning
    inspector(capacity=2)
    open_slots()
    permit = issued_permit()
    inspection_book(permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW)
    slot = InspectionSlot.objects.get(day=WEDNESDAY, period="am")

    # when
    response = client.post(
        reverse("admin:permits_inspectionslot_change", args=[slot.pk]), {"capacity": 0}
    )

    # then
    assert response.status_code == 200
    slot.refresh_from_db()
    assert slot.capacity == 2
