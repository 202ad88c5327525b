"""The field staff's day: the reports assigned to them in route order, the result form
(recorded once, even when a phone sends it twice), who may open it, and its service worker."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pytest_django.asserts import assertTemplateUsed

from cases.exceptions import ActionForbidden
from cases.models import CaseEvent, CaseStatus, SubmissionKey
from cases.services import case_assign
from concerns.selectors import field_day, route_order
from concerns.services import report_field_result
from tests.accounts.factories import StaffFactory, UserFactory
from tests.concerns.factories import jpeg_bytes, make_report, upload

pytestmark = pytest.mark.django_db

WORKER_URL = "/concerns/field/service-worker.js"


def assigned_report(person, **kwargs):
    report = make_report(**kwargs)
    case_assign(case=report.case, assignee=person, actor=None)
    report.case.refresh_from_db()
    return report


def at(lat: str, lon: str) -> dict:
    return {"latitude": Decimal(lat), "longitude": Decimal(lon)}


@pytest.fixture
def crew():
    return StaffFactory(roles=["clerk"])


def test_route_starts_at_the_most_urgent_then_goes_to_the_nearest(crew):
    # given: most urgent first (as the selector orders them): A, then B far east, C near A
    a = assigned_report(crew, address="A", **at("39.798700", "-89.654300"))
    b = assigned_report(crew, address="B", **at("39.798700", "-89.600000"))
    c = assigned_report(crew, address="C", **at("39.799000", "-89.654000"))
    nowhere = assigned_report(crew, address="D", latitude=None, longitude=None)

    # when
    route = route_order([a, b, nowhere, c])

    # then: C is next to A, B after it, the report without a point last
    assert [r.address for r in route] == ["A", "C", "B", "D"]


def test_the_day_holds_my_open_reports_only(crew):
    # given
    mine = assigned_report(crew)
    assigned_report(StaffFactory(roles=["clerk"]))
    make_report()  # nobody's
    closed = assigned_report(crew)
    report_field_result(
        report=closed,
        actor=crew,
        outcome="resolved",
        found="Filled.",
        public_note="Fixed.",
        key=uuid.uuid4(),
    )

    # then
    assert [r.pk for r in field_day(user=crew)] == [mine.pk]


def test_a_result_sent_twice_with_its_key_is_recorded_once(crew):
    # given
    report = assigned_report(crew)
    key = uuid.uuid4()
    arguments = {
        "actor": crew,
        "outcome": "follow_up",
        "found": "Needs a crew with a truck.",
        "public_note": "A crew will come with the right equipment.",
        "key": key,
    }

    # when
    first = report_field_result(report=report, **arguments)
    second = report_field_result(report=report, **arguments)

    # then: applied the first time only
    assert (first, second) == (True, False)
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.IN_PROGRESS
    notes = CaseEvent.objects.filter(case=report.case, body__startswith="Found on site by")
    assert notes.count() == 1
    assert SubmissionKey.objects.filter(key=key).count() == 1


def test_resolving_closes_the_report_as_fixed_with_the_public_message_and_photos(crew):
    # given
    report = assigned_report(crew)

    # when
    report_field_result(
        report=report,
        actor=crew,
        outcome="resolved",
        found="Filled the pothole.",
        public_note="The pothole was filled today.",
        photos=[upload(jpeg_bytes())],
        key=uuid.uuid4(),
    )

    # then
    report.refresh_from_db()
    assert report.case.status == CaseStatus.CLOSED
    assert report.close_reason == "fixed"
    assert report.public_reason == "The pothole was filled today."
    document = report.case.documents.get()
    assert document.public is False


def test_resolving_without_a_public_message_records_nothing(crew):
    report = assigned_report(crew)
    key = uuid.uuid4()
    with pytest.raises(ValidationError) as refused:
        report_field_result(
            report=report,
            actor=crew,
            outcome="resolved",
            found="Filled.",
            public_note="",
            key=key,
        )
    assert "public_note" in refused.value.message_dict
    assert not SubmissionKey.objects.filter(key=key).exists()
    report.case.refresh_from_db()
    assert report.case.status == CaseStatus.SUBMITTED


def test_only_the_assignee_records_a_result(crew):
    report = assigned_report(StaffFactory(roles=["clerk"]))
    with pytest.raises(ActionForbidden):
        report_field_result(
            report=report,
            actor=crew,
            outcome="follow_up",
            found="x",
            public_note="",
            key=uuid.uuid4(),
        )


# --- Pages ---------------------------------------------------------------------------------


def test_the_day_page_lists_my_reports_with_a_map_link_and_the_offline_region(client, crew):
    # given
    report = assigned_report(crew, address="12 Elm Street")
    client.force_login(crew)

    # when
    response = client.get(reverse("concerns:field_day"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "geo:39.798700,-89.654300?q=39.798700,-89.654300" in html
    link = reverse("concerns:field_result", args=[report.pk])
    assert f'href="{link}" data-offline-stop' in html
    assert f'data-service-worker="{WORKER_URL}"' in html
    assert 'data-scope="/concerns/field/"' in html
    nonce = response.wsgi_request.csp_nonce
    assert f'<script nonce="{nonce}" src="/static/portal/js/offline_day.js"' in html


def test_posting_the_same_result_twice_records_it_once_and_shows_the_key(client, crew):
    # given
    report = assigned_report(crew)
    client.force_login(crew)
    key = str(uuid.uuid4())
    url = reverse("concerns:field_result", args=[report.pk])
    form = {
        "result_key": key,
        "outcome": "resolved",
        "found": "Filled.",
        "public_note": "Fixed today.",
        "photos": upload(jpeg_bytes()),
    }

    # when
    first = client.post(url, form)
    form["photos"] = upload(jpeg_bytes())
    second = client.post(url, form)

    # then: both answered as recorded; the work applied once
    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("concerns:field_day")
    closes = CaseEvent.objects.filter(case=report.case, kind="status_changed")
    assert closes.count() == 1
    assert report.case.documents.count() == 1
    # and the day shows the key recorded, which drops it from the phone's queue
    day = client.get(reverse("concerns:field_day")).content.decode()
    assert f'data-answered-key="{key}"' in day


def test_the_result_form_takes_photos_from_the_camera(client, crew):
    report = assigned_report(crew)
    client.force_login(crew)
    response = client.get(reverse("concerns:field_result", args=[report.pk]))
    html = response.content.decode()
    assertTemplateUsed(response, "portal/_photos_input.html")  # as the inspector's result
    assert 'capture="environment"' in html
    assert "data-offline-result" in html
    assert 'name="result_key"' in html


def test_a_refused_result_shows_why_and_sends_back_its_key(client, crew):
    report = assigned_report(crew)
    client.force_login(crew)
    key = str(uuid.uuid4())
    response = client.post(
        reverse("concerns:field_result", args=[report.pk]),
        {"result_key": key, "outcome": "resolved", "found": "Filled.", "public_note": ""},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "usa-alert--error" in html
    assert f'data-answered-key="{key}"' in html


def test_a_result_for_a_report_closed_meanwhile_is_refused_with_the_reason(client, crew):
    # given: the report was closed by someone else after the phone kept its page
    report = assigned_report(crew)
    report_field_result(
        report=report,
        actor=crew,
        outcome="resolved",
        found="Filled.",
        public_note="Fixed.",
        key=uuid.uuid4(),
    )
    client.force_login(crew)
    key = str(uuid.uuid4())

    # when: another result is sent for it
    response = client.post(
        reverse("concerns:field_result", args=[report.pk]),
        {"result_key": key, "outcome": "follow_up", "found": "Still there."},
    )

    # then: refused, saying why, and the key marked answered
    html = response.content.decode()
    assert response.status_code == 400
    assert "This report is closed already: nothing was recorded." in html
    assert f'data-answered-key="{key}"' in html
    assert not SubmissionKey.objects.filter(key=key).exists()


def test_a_report_assigned_to_someone_else_is_not_found(client, crew):
    report = assigned_report(StaffFactory(roles=["clerk"]))
    client.force_login(crew)
    assert client.get(reverse("concerns:field_result", args=[report.pk])).status_code == 404


@pytest.mark.parametrize("who", ["resident", "cashier"])
def test_people_who_do_not_work_reports_are_refused(client, who):
    person = UserFactory() if who == "resident" else StaffFactory(roles=["cashier"])
    client.force_login(person)
    assert client.get(reverse("concerns:field_day")).status_code == 403


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(reverse("concerns:field_day"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_workbench_lists_the_day_for_staff_who_work_reports(crew):
    from cases.workbench.nav import items_for

    assert "/concerns/field/" in [item.url for item in items_for(crew)]
    cashier = StaffFactory(roles=["cashier"])
    assert "/concerns/field/" not in [item.url for item in items_for(cashier)]


def test_the_worker_is_scoped_to_the_field_pages(client):
    response = client.get(WORKER_URL, headers={"service-worker": "script"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/concerns/field/"
    assert 'const SCOPE = new URL("/concerns/field/"' in response.content.decode()
    assert client.post(WORKER_URL).status_code == 405


def test_a_key_sent_with_another_reports_result_is_refused_with_the_reason(client, crew):
    # given: a result recorded on one report with a key
    first = assigned_report(crew)
    second = assigned_report(crew)
    key = uuid.uuid4()
    report_field_result(
        report=first, actor=crew, outcome="follow_up", found="Still there.", public_note="", key=key
    )
    events_before = CaseEvent.objects.filter(case=second.case).count()
    client.force_login(crew)

    # when: a form for the other report arrives carrying the same key
    response = client.post(
        reverse("concerns:field_result", args=[second.pk]),
        {"result_key": str(key), "outcome": "resolved", "found": "Filled.", "public_note": "Done."},
    )

    # then: refused, saying why, and nothing recorded on the other report
    html = response.content.decode()
    assert response.status_code == 400
    assert "This form was sent for another report: nothing was recorded." in html
    assert SubmissionKey.objects.get(key=key).case_id == first.case_id
    second.case.refresh_from_db()
    assert second.case.status == CaseStatus.SUBMITTED
    assert CaseEvent.objects.filter(case=second.case).count() == events_before
    assert not second.case.documents.exists()
