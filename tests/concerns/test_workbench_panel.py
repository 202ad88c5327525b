"""The concerns panel of the staff workbench's case page: the report's category, location,
description and answers, shown to the department's clerks only."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.urls import reverse

from concerns.panels import report_panel
from tests.accounts.factories import StaffFactory
from tests.cases.factories import DepartmentFactory as CasesDepartmentFactory
from tests.concerns.factories import add_question, make_report

pytestmark = pytest.mark.django_db


def staff(roles):
    person = StaffFactory(roles=roles)
    TOTP.activate(person, generate_totp_secret())
    return person


def page(reference):
    return reverse("workbench:case", kwargs={"reference": reference})


def test_the_case_page_shows_the_report_to_the_departments_clerk(client, category):
    report = make_report(
        category=category,
        description="A deep hole by the bus stop.",
        address="12 Elm Street",
        answers={"size": "large", "lane": "Left"},
    )
    client.force_login(staff([("clerk", category.department)]))

    response = client.get(page(report.case.reference))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="concerns-panel-heading"' in body
    assert "Pothole" in body and "12 Elm Street" in body
    assert "A deep hole by the bus stop." in body
    assert f"{report.latitude}, {report.longitude}" in body
    assert "How big is it?" in body and "Large" in body
    assert "Which lane?" in body and "Left" in body


def test_another_departments_clerk_gets_404(client, category):
    report = make_report(category=category, answers={"size": "small"})
    roads = CasesDepartmentFactory(code="ROADS", name="Roads")
    client.force_login(staff([("clerk", roads)]))

    assert client.get(page(report.case.reference)).status_code == 404
    assert report_panel(case=report.case, user=staff([("clerk", roads)])) is None


def test_the_panel_reads_in_constant_queries(category, django_assert_max_num_queries):
    for n in range(6):
        add_question(category, code=f"extra{n}", description=f"Extra {n}?")
    answers = {"size": "small", **{f"extra{n}": f"answer {n}" for n in range(6)}}
    report = make_report(category=category, answers=answers)
    clerk = staff([("clerk", category.department)])
    report_panel(case=report.case, user=clerk)

    with django_assert_max_num_queries(3):
        shown = report_panel(case=report.case, user=clerk)
    assert len(shown.answers) == 7
