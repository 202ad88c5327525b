"""The application pages' forms say what is required, keep what was typed, and ask before
throwing a draft away."""

import pytest
from django.urls import reverse

from licensing import services
from tests.licensing.factories import LicenseTypeFactory, QuestionFactory


@pytest.fixture
def business(db):
    license_type = LicenseTypeFactory(code="business", name="General business license")
    QuestionFactory(
        license_type=license_type, code="what", label="What does your business do?", kind="text"
    )
    QuestionFactory(
        license_type=license_type, code="website", label="Website", kind="text", required=False
    )
    QuestionFactory(license_type=license_type, code="employees", label="Employees", kind="number")
    return license_type


@pytest.fixture
def draft(business, resident):
    return services.application_start(license_type=business, applicant=resident)


def _url(name, application):
    return reverse(f"licensing:{name}", args=[application.case.reference])


def test_only_optional_questions_are_marked_and_only_once(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.get(_url("apply_questions", draft))

    # then
    html = response.content.decode()
    assert '<label class="usa-label" for="id_what">What does your business do?</label>' in html
    assert '<label class="usa-label" for="id_employees">Employees</label>' in html
    assert (
        '<label class="usa-label" for="id_website">Website <span class="usa-hint">(optional)'
        "</span></label>" in html
    )
    assert html.count("(optional)") == 1


def test_the_about_page_marks_its_optional_fields_once(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.get(_url("apply_about", draft))

    # then
    html = response.content.decode()
    assert "(optional) (optional)" not in html
    assert (
        'for="id_business_name">Business or trading name <span class="usa-hint">(optional)'
        "</span></label>" in html
    )
    assert 'for="id_phone">Phone number <span class="usa-hint">(optional)</span></label>' in html
    assert '<label class="usa-label" for="id_holder_name">Full name</label>' in html
    assert html.count("(optional)") == 2


def test_an_unanswered_question_ending_in_a_question_mark_gets_no_second_colon(
    client, resident, draft
):
    # given
    client.force_login(resident)

    # when
    response = client.post(_url("apply_questions", draft), {"employees": "3"})

    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_what">What does your business do? Answer this question.</a>' in html
    assert "?:" not in html


def test_an_error_on_a_label_without_punctuation_keeps_its_colon(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.post(_url("apply_questions", draft), {"what": "Bakery"})

    # then
    assert 'href="#id_employees">Employees: Answer this question.</a>' in response.content.decode()


def test_discarding_asks_first_on_its_own_page(client, resident, draft):
    # given
    client.force_login(resident)
    discard_url = _url("discard", draft)

    # when: the link on every page of the application
    page = client.get(_url("apply_questions", draft)).content.decode()
    confirm = client.get(discard_url)

    # then: nothing is discarded until the resident confirms
    assert f'<a class="usa-link" href="{discard_url}">Discard this application</a>' in page
    assert f'action="{discard_url}"' not in page
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "<h1>Are you sure you want to discard this application?</h1>" in html
    assert "General business license, reference LIC-" in html
    assert f'<form method="post" action="{discard_url}">' in html
    assert "Yes, discard it" in html
    draft.case.refresh_from_db()
    assert draft.case.status == "draft"


def test_confirming_discards_the_draft(client, resident, draft):
    # given
    client.force_login(resident)

    # when
    response = client.post(_url("discard", draft), follow=True)

    # then
    draft.case.refresh_from_db()
    assert draft.case.status == "cancelled"
    assert response.redirect_chain[-1][0] == reverse("licensing:mine")
    assert "The draft was discarded." in response.content.decode()
