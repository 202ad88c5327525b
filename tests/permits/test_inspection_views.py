"""The applicant's inspections page, the downloads and the inspector's pages: status,
template, and who may open them."""

import pytest
from django.urls import reverse

from cases.workbench.nav import items_for
from permits import workflow as wf
from permits.models import InspectionStatus
from tests.accounts.factories import StaffFactory, UserFactory
from tests.permits.factories import department
from tests.permits.inspection_factories import (
    inspector,
    issued_permit,
    open_slots,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def permit():
    inspector(capacity=2)
    open_slots()
    return issued_permit()


def test_the_applicant_reads_the_rules_and_books(client, permit):
    # given
    client.force_login(permit.case.applicant)
    url = reverse("permits:inspections", args=[permit.case.reference])

    # when
    page = client.get(url)

    # then: the rules are stated before booking, with the times on offer
    assert page.status_code == 200
    assert b"How booking works" in page.content
    choice = page.context["half_days"][0]

    # when: a time is chosen
    response = client.post(
        url, {"action": "book", "slot": f"{choice.day.isoformat()}:{choice.period}"}
    )

    # then
    assert response.status_code == 302
    assert permit.inspections.get().status == InspectionStatus.SCHEDULED


def test_a_refused_booking_says_why_and_changes_nothing(client, permit):
    client.force_login(permit.case.applicant)
    url = reverse("permits:inspections", args=[permit.case.reference])
    response = client.post(url, {"action": "book", "slot": "2020-01-06:am"})
    assert response.status_code == 400
    assert b"Nothing was changed" in response.content
    assert not permit.inspections.exists()


def test_another_resident_gets_not_found(client, permit):
    client.force_login(UserFactory())
    for name in ("permits:inspections", "permits:permit_card"):
        assert client.get(reverse(name, args=[permit.case.reference])).status_code == 404


def test_the_applicant_downloads_the_permit_card(client, permit):
    client.force_login(permit.case.applicant)
    response = client.get(reverse("permits:permit_card", args=[permit.case.reference]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_the_inspector_day_page_is_for_inspectors_only(client, permit):
    client.force_login(permit.case.applicant)
    assert client.get(reverse("permits:inspector_day")).status_code == 403
    client.force_login(inspector())
    page = client.get(reverse("permits:inspector_day"))
    assert page.status_code == 200
    assert page.templates[0].name == "permits/inspector_day.html"


def test_the_workbench_lists_the_route_for_inspectors_only(permit):
    # given
    route = reverse("permits:inspector_day")
    clerk = StaffFactory(roles=[("clerk", department(wf.DEPARTMENT_CODE))])

    # when
    shown = items_for(inspector(), current_path=route)
    hidden = items_for(clerk)

    # then
    assert [(item.url, item.current) for item in shown if item.url == route] == [(route, True)]
    assert route not in [item.url for item in hidden]
    assert route not in [item.url for item in items_for(permit.case.applicant)]
