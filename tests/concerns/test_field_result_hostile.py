"""The field result form as a careless or hostile sender uses it: a form refused for a key
sent with another report comes back ready to send on its own; any answers, never a server
error; a report of another worker never touched."""

import re
import uuid

import pytest
from django.urls import reverse
from hypothesis import given

from cases.exceptions import ActionForbidden
from cases.models import Case, CaseStatus, SubmissionKey
from cases.services import case_assign
from concerns.services import report_field_result
from tests.accounts.factories import StaffFactory
from tests.concerns.factories import make_report, upload
from tests.hostile import fuzz, keeps_what_was_typed, no_server_error, params

pytestmark = pytest.mark.django_db


def assigned_report(person, **kwargs):
    report = make_report(**kwargs)
    case_assign(case=report.case, assignee=person, actor=None)
    report.case.refresh_from_db()
    return report


@pytest.fixture
def crew():
    return StaffFactory(roles=["clerk"])


def hidden_key(html: str) -> str:
    return re.search(r'name="result_key" value="([^"]+)"', html).group(1)


def test_a_form_refused_for_another_reports_key_comes_back_with_a_key_of_its_own(client, crew):
    # given: a key already recorded with the result of one report
    first, second = assigned_report(crew), assigned_report(crew)
    taken = uuid.uuid4()
    report_field_result(
        report=first,
        actor=crew,
        outcome="follow_up",
        found="Still there.",
        public_note="",
        key=taken,
    )
    client.force_login(crew)
    url = reverse("concerns:field_result", args=[second.pk])
    answers = {"outcome": "resolved", "found": "Filled.", "public_note": "Done."}

    # when: the other report's form arrives with it, then is sent again as it came back
    refused = client.post(url, {"result_key": str(taken), **answers})
    html = refused.content.decode()
    again = client.post(url, {"result_key": hidden_key(html), **answers})

    # then: the refusal still tells the phone to drop what it kept under the taken key, the
    # answers are kept, and the form sent again is recorded
    assert refused.status_code == 400
    assert f'data-answered-key="{taken}"' in html
    assert hidden_key(html) != str(taken)
    assert "Filled." in html and "Done." in html
    assert again.status_code == 302
    second.case.refresh_from_db()
    assert second.case.status == CaseStatus.CLOSED
    assert SubmissionKey.objects.get(key=taken).case_id == first.case_id


def test_a_result_from_a_worker_the_report_was_taken_from_meanwhile_is_refused(crew):
    # given: the worker's page read the report as theirs; then a supervisor gave it to
    # someone else before the result was recorded
    report = assigned_report(crew)
    colleague = StaffFactory(roles=["clerk"])
    case_assign(case=Case.objects.get(pk=report.case_id), assignee=colleague, actor=None)
    key = uuid.uuid4()

    # when / then: refused, judged on the case as it is when the result is recorded
    with pytest.raises(ActionForbidden):
        report_field_result(
            report=report,  # as the page read it
            actor=crew,
            outcome="resolved",
            found="Filled.",
            public_note="Done.",
            key=key,
        )
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.SUBMITTED
    assert not SubmissionKey.objects.filter(key=key).exists()


@fuzz(max_examples=60)
@given(
    posted=params(
        ["result_key", "outcome", "found", "public_note"],
        valid={
            "result_key": "00000000-0000-4000-8000-000000000001",
            "outcome": "follow_up",
            "found": "Still there.",
            "public_note": "",
        },
    )
)
def test_any_result_form_is_answered_without_a_server_error_and_keeps_the_answers(
    client, crew, posted
):
    report = assigned_report(crew) if not hasattr(crew, "_report") else crew._report
    crew._report = report
    client.force_login(crew)
    response = client.post(reverse("concerns:field_result", args=[report.pk]), posted)
    no_server_error(response)
    keeps_what_was_typed(response, posted)


@pytest.mark.parametrize(
    "content", [b"not a photo at all", b"%PDF-1.4 broken", b"\xff\xd8\xff\xe0 truncated jpeg"]
)
def test_a_file_that_is_not_a_photo_is_refused_on_the_photos_with_the_answers_kept(
    client, crew, content
):
    # given
    report = assigned_report(crew)
    client.force_login(crew)
    key = str(uuid.uuid4())

    # when: the phone sends something that is not a photo with the result
    response = client.post(
        reverse("concerns:field_result", args=[report.pk]),
        {
            "result_key": key,
            "outcome": "resolved",
            "found": "Filled the hole.",
            "public_note": "Fixed today.",
            "photos": upload(content, name="notes.txt", content_type="text/plain"),
        },
    )

    # then: refused on the photos, nothing recorded, what was typed kept, the key free
    html = response.content.decode()
    assert response.status_code == 400
    assert response.context["form"].errors["photos"]
    assert "Filled the hole." in html and "Fixed today." in html
    assert hidden_key(html) == key
    assert not SubmissionKey.objects.filter(key=key).exists()
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.SUBMITTED
    assert not report.case.documents.exists()
