"""The permits panel of the staff workbench's case page: the permit's facts and each
department's review, shown to the building department's clerks only."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from permits.panels import permit_panel
from permits.workflow import DEPARTMENT_CODE
from tests.accounts.factories import StaffFactory
from tests.permits.factories import department
from tests.permits.reviews import submitted_permit

pytestmark = pytest.mark.django_db


def staff(roles):
    person = StaffFactory(roles=roles)
    TOTP.activate(person, generate_totp_secret())
    return person


def page(reference):
    return reverse("workbench:case", kwargs={"reference": reference})


def test_the_case_page_shows_the_permit_to_the_departments_clerk(client):
    permit = submitted_permit("ZONING", "FIRE")
    client.force_login(staff([("clerk", department(DEPARTMENT_CODE))]))

    response = client.get(page(permit.case.reference))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="permits-panel-heading"' in body
    assert "12 Elm Street" in body and "A rear addition with a bedroom." in body
    assert "$120,000.00" in body or "$120000.00" in body


def test_another_departments_clerk_gets_404(client):
    permit = submitted_permit("ZONING", "FIRE")
    roads = staff([("clerk", department("ROADS"))])
    client.force_login(roads)

    assert client.get(page(permit.case.reference)).status_code == 404
    assert permit_panel(case=permit.case, user=roads) is None


def test_the_panel_reads_in_constant_queries(django_assert_max_num_queries):
    permit = submitted_permit("ZONING", "FIRE", "HEALTH")
    clerk = staff([("clerk", department(DEPARTMENT_CODE))])
    permit_panel(case=permit.case, user=clerk)

    with django_assert_max_num_queries(6):
        shown = permit_panel(case=permit.case, user=clerk)
    assert shown.permit == permit
