"""The inspector's result form refused for a key sent with another inspection's result comes
back ready to send on its own: a fresh key in the form, the refused key still named so the
phone drops what it kept under it."""

import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import SubmissionKey
from permits.models import Inspection
from permits.services.inspections import inspection_book, inspection_record_result
from tests.permits.inspection_factories import NOW, WEDNESDAY, inspector, issued_permit, open_slots

pytestmark = pytest.mark.django_db


def booked_today(permit):
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    Inspection.objects.filter(pk=inspection.pk).update(day=timezone.localdate())
    return Inspection.objects.get(pk=inspection.pk)


def hidden_key(html: str) -> str:
    return re.search(r'name="result_key" value="([^"]+)"', html).group(1)


def test_a_form_refused_for_another_inspections_key_comes_back_with_a_key_of_its_own(client):
    # given: a result recorded with a key, and another inspection of today waiting
    person = inspector(capacity=2)
    open_slots()
    first = booked_today(issued_permit(address="1 Oak St"))
    second = booked_today(issued_permit(address="2 Elm St"))
    taken = uuid.uuid4()
    inspection_record_result(inspection=first, actor=person, result="passed", result_key=taken)
    client.force_login(person)
    url = reverse("permits:inspection_result", args=[second.pk])

    # when: the other inspection's form arrives with it, then is sent again as it came back
    refused = client.post(url, {"result": "passed", "result_key": str(taken)})
    html = refused.content.decode()
    again = client.post(url, {"result": "passed", "result_key": hidden_key(html)})

    # then
    assert refused.status_code == 400
    assert "This form was sent for another inspection: nothing was recorded." in html
    assert f'data-answered-key="{taken}"' in html
    assert hidden_key(html) != str(taken)
    assert again.status_code == 302
    assert Inspection.objects.get(pk=second.pk).result == "passed"
    assert SubmissionKey.objects.get(key=taken).case_id == first.permit.case_id
