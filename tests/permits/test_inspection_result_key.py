"""A result form posted twice (a double tap, or a phone's queue sending it again when the
connection returns) records one result: the form's key is claimed for the permit's case in
the shared `cases.SubmissionKey` table and a replay of the same key applies nothing."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, SubmissionKey
from permits import inspection_events as ev
from permits.exceptions import InspectionRefused
from permits.models import Inspection
from permits.services.inspections import inspection_book, inspection_record_result
from tests.permits.inspection_factories import NOW, WEDNESDAY, inspector, issued_permit, open_slots

pytestmark = pytest.mark.django_db


@pytest.fixture
def todays_inspection():
    """A booked inspection moved to today, so its result may be recorded now."""
    person = inspector(capacity=2)
    open_slots()
    permit = issued_permit(address="1 Oak St")
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    Inspection.objects.filter(pk=inspection.pk).update(day=timezone.localdate())
    return person, Inspection.objects.get(pk=inspection.pk)


def result_events(inspection):
    return CaseEvent.objects.filter(case=inspection.permit.case, kind=ev.INSPECTION_RESULT)


def test_the_form_carries_a_new_key_each_time_it_is_shown(client, todays_inspection):
    # given
    person, inspection = todays_inspection
    client.force_login(person)
    url = reverse("permits:inspection_result", args=[inspection.pk])

    # when
    keys = [client.get(url).context["form"]["result_key"].value() for _ in range(2)]

    # then
    assert keys[0] != keys[1]
    assert 'type="hidden" name="result_key"' in client.get(url).content.decode()


def test_the_same_form_posted_twice_records_one_result(client, todays_inspection):
    # given
    person, inspection = todays_inspection
    client.force_login(person)
    url = reverse("permits:inspection_result", args=[inspection.pk])
    key = str(uuid.uuid4())
    form = {"result": "passed", "comments": "All in order.", "result_key": key}

    # when
    first = client.post(url, form)
    second = client.post(url, form)

    # then: both answered as recorded, one result applied
    assert (first.status_code, second.status_code) == (302, 302)
    assert result_events(inspection).count() == 1
    assert Inspection.objects.get(pk=inspection.pk).result == "passed"
    claimed = SubmissionKey.objects.get(key=key)
    assert claimed.case_id == inspection.permit.case_id


def test_another_form_after_the_result_is_refused(client, todays_inspection):
    # given
    person, inspection = todays_inspection
    client.force_login(person)
    url = reverse("permits:inspection_result", args=[inspection.pk])
    client.post(url, {"result": "passed", "result_key": str(uuid.uuid4())})

    # when
    again = client.post(
        url, {"result": "failed", "comments": "No.", "result_key": str(uuid.uuid4())}
    )

    # then
    assert again.status_code == 400
    assert Inspection.objects.get(pk=inspection.pk).result == "passed"
    assert result_events(inspection).count() == 1


def test_a_refused_result_leaves_its_key_unclaimed(todays_inspection):
    # given
    person, inspection = todays_inspection
    key = uuid.uuid4()

    # when: a failure without a reason is refused
    with pytest.raises(InspectionRefused):
        inspection_record_result(
            inspection=inspection, actor=person, result="failed", result_key=key
        )

    # then: nothing recorded, and the key may be sent again with the reason
    assert not SubmissionKey.objects.filter(key=key).exists()
    inspection_record_result(
        inspection=inspection, actor=person, result="failed", comments="No.", result_key=key
    )
    assert Inspection.objects.get(pk=inspection.pk).result == "failed"


@pytest.mark.parametrize("same_permit", [True, False], ids=["same permit", "another permit"])
def test_a_key_sent_with_another_inspections_result_is_refused(todays_inspection, same_permit):
    # given: a result recorded with a key, and another inspection of today waiting
    person, inspection = todays_inspection
    key = uuid.uuid4()
    inspection_record_result(inspection=inspection, actor=person, result="passed", result_key=key)
    permit = inspection.permit if same_permit else issued_permit(address="2 Elm St")
    other = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    Inspection.objects.filter(pk=other.pk).update(day=timezone.localdate())

    # when / then: the same key with the other inspection's result records nothing
    with pytest.raises(InspectionRefused, match="another inspection"):
        inspection_record_result(
            inspection=Inspection.objects.get(pk=other.pk),
            actor=person,
            result="passed",
            result_key=key,
        )
    assert Inspection.objects.get(pk=other.pk).result == ""
    assert result_events(inspection).count() == 1
    assert SubmissionKey.objects.get(key=key).case_id == inspection.permit.case_id
