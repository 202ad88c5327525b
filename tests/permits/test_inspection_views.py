"""The applicant's inspections page, the downloads and the inspector's pages: status,
template, and who may open them."""

import pytest
from django.urls import reverse

from cases.workbench.nav import items_for
from permits import workflow as wf
from permits.models import InspectionStatus
from permits.services.inspections import inspection_book
from tests.accounts.factories import StaffFactory, UserFactory
from tests.permits.factories import department
from tests.permits.inspection_factories import (
    NOW,
    WEDNESDAY,
    inspector,
    issued_permit,
    open_slots,
)
from tests.permits.reviews import sheet_add

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


@pytest.fixture
def booked_with_plans(permit, settings, tmp_path):
    """A booked inspection of a permit whose sheet A1.0 was revised once."""
    settings.MEDIA_ROOT = tmp_path / "media"
    first = sheet_add(permit, "A1.0")
    revised = sheet_add(permit, "A1.0", version=2, review_round=2)
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    return inspection, first, revised


def test_the_inspector_opens_the_plans_of_the_permit_from_the_inspection(client, booked_with_plans):
    # given
    inspection, first, revised = booked_with_plans
    client.force_login(inspection.inspector)

    # when
    page = client.get(reverse("permits:inspection_result", args=[inspection.pk])).content
    current = reverse("permits:inspection_plan_sheet", args=[inspection.pk, revised.pk])
    earlier = reverse("permits:inspection_plan_sheet", args=[inspection.pk, first.pk])
    response = client.get(current)

    # then: each version is a link, the current one first, and opens as a PDF on the phone
    html = page.decode()
    assert f'href="{current}"' in html and f'href="{earlier}"' in html
    assert html.index(current) < html.index(earlier)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_nobody_else_opens_an_inspections_plans(client, booked_with_plans):
    # given: another inspector, the applicant, and a sheet of another permit
    inspection, _first, revised = booked_with_plans
    other_sheet = sheet_add(issued_permit(), "A1.0")
    url = reverse("permits:inspection_plan_sheet", args=[inspection.pk, revised.pk])

    # when / then
    client.force_login(inspector())
    assert client.get(url).status_code == 404
    client.force_login(inspection.permit.case.applicant)
    assert client.get(url).status_code == 403
    client.force_login(inspection.inspector)
    other = reverse("permits:inspection_plan_sheet", args=[inspection.pk, other_sheet.pk])
    assert client.get(other).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
