"""The service worker that keeps the inspector's day on the phone: how it is served, and the
inspector's pages that register it and say what happened to results kept offline."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from permits.models import Inspection
from permits.services.inspections import inspection_book
from tests.accounts.factories import UserFactory
from tests.permits.inspection_factories import NOW, WEDNESDAY, inspector, issued_permit, open_slots

pytestmark = pytest.mark.django_db

WORKER_URL = "/permits/inspector/service-worker.js"


@pytest.fixture
def todays_inspection():
    person = inspector(capacity=2)
    open_slots()
    permit = issued_permit(address="1 Oak St")
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    Inspection.objects.filter(pk=inspection.pk).update(day=timezone.localdate())
    return person, inspection


def test_the_worker_is_javascript_scoped_to_the_inspector_pages(client):
    # when: fetched as the browser fetches it, without a session (an update check)
    response = client.get(WORKER_URL, headers={"service-worker": "script"})

    # then
    assert reverse("permits:inspector_service_worker") == WORKER_URL
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/permits/inspector/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert 'const SCOPE = new URL("/permits/inspector/"' in script
    assert 'const LOGIN = new URL("/accounts/login/"' in script


@pytest.mark.parametrize("user", [None, "resident"])
def test_the_worker_is_the_same_for_anybody_and_holds_no_data(client, user):
    # given
    if user:
        client.force_login(UserFactory())
    anonymous = client.get(WORKER_URL).content

    # when
    person = inspector()
    client.force_login(person)
    signed_in = client.get(WORKER_URL).content

    # then
    assert anonymous == signed_in


def test_the_worker_is_only_read(client):
    assert client.post(WORKER_URL).status_code == 405


# Not named `page`: that is Playwright's fixture, whose browser parameter would pull every
# browser test (which empties the database after it) in among these.
@pytest.mark.parametrize("page_name", ["day", "result"])
def test_the_inspector_pages_register_it_from_a_file_under_the_csp(
    client, todays_inspection, page_name
):
    # given
    person, inspection = todays_inspection
    client.force_login(person)
    url = {
        "day": reverse("permits:inspector_day"),
        "result": reverse("permits:inspection_result", args=[inspection.pk]),
    }[page_name]

    # when
    response = client.get(url)

    # then: a status region holds the texts; the script is a file with the page's nonce
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="status"' in html
    assert f'data-service-worker="{WORKER_URL}"' in html
    assert "Saved on this phone; it will be sent when you are back online." in html
    nonce = response.wsgi_request.csp_nonce
    assert f'<script nonce="{nonce}" src="/static/portal/js/offline_day.js"' in html
    assert "'self'" in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]


def test_the_result_form_and_the_stops_are_marked_for_the_script(client, todays_inspection):
    # given
    person, inspection = todays_inspection
    client.force_login(person)

    # when
    day = client.get(reverse("permits:inspector_day")).content.decode()
    result = client.get(reverse("permits:inspection_result", args=[inspection.pk]))

    # then
    link = reverse("permits:inspection_result", args=[inspection.pk])
    assert f'href="{link}" data-offline-stop' in day
    assert "data-offline-result" in result.content.decode()


def test_the_route_saying_result_recorded_is_not_to_be_kept(client, todays_inspection):
    # given
    person, inspection = todays_inspection
    client.force_login(person)
    key = uuid.uuid4()

    # when: a result is recorded, the route it leads to says so, and the route is opened again
    shown = client.post(
        reverse("permits:inspection_result", args=[inspection.pk]),
        {"result": "passed", "result_key": str(key)},
        follow=True,
    )
    again = client.get(reverse("permits:inspector_day"))

    # then: the page with the message is not to be stored (kept, it would say it again)
    assert "Result recorded." in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    assert "Result recorded." not in again.content.decode()
    assert "no-store" not in again.get("Cache-Control", "")
    # and the route shows the key recorded, which drops it from the phone's queue
    assert f'data-answered-key="{key}"' in again.content.decode()


def test_a_refused_result_sends_back_its_key_as_answered(client, todays_inspection):
    # given
    person, inspection = todays_inspection
    client.force_login(person)
    key = uuid.uuid4()

    # when: a failure is posted without saying why
    response = client.post(
        reverse("permits:inspection_result", args=[inspection.pk]),
        {"result": "failed", "result_key": str(key)},
    )

    # then: the form comes back with its errors, marked as the server's answer for that key
    assert response.status_code == 400
    assert f'data-answered-key="{key}"' in response.content.decode()
