"""Concern categories set up like license types: code from the name, group chosen or added
on purpose, Spanish side by side with what is missing listed, questions with a condition on
a new question in one submission, the standard steps pointed out; a draft previewed in
English and Spanish, invisible to residents, the service search and the Open311 API until it
is published, then found at once."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.questions.models import Question
from concerns import services
from concerns.models import ConcernCategory, ConcernReport
from portal.selectors import services_matching
from tests.accounts.factories import StaffFactory
from tests.concerns.factories import CategoryFactory, make_report

pytestmark = pytest.mark.django_db

QUESTIONS = "cases-question-owner_type-owner_id"
ADD_URL = reverse("admin:concerns_concerncategory_add")


@pytest.fixture
def administrator(client):
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def _category(**changes):
    rows = [
        {
            "label": "Is the dog loose?",
            "label_es": "¿El perro está suelto?",
            "kind": "yes_no",
            "required": "on",
        },
        {
            "label": "Which way did it go?",
            "kind": "text",
            "condition_on": "0",
            "condition_is": "yes",
        },
        {"label": "Your name", "kind": "text"},
    ]
    data = {
        "name": "Stray dog",
        "name_es": "Perro callejero",
        "group": "",
        "new_group": "Animals",
        "group_es": "",
        "description": "A dog without its owner.",
        "description_es": "Un perro sin su dueño.",
        "keywords": "loose dog",
        "keywords_es": "perro suelto",
        "code": "",
        "order": "100",
        "target_days": "2",
        "active": "on",
        "location_required": "on",
        f"{QUESTIONS}-TOTAL_FORMS": str(len(rows)),
        f"{QUESTIONS}-INITIAL_FORMS": "0",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{QUESTIONS}-{index}-{name}"] = value
    data.update(changes)
    return data


def test_a_category_is_set_up_in_one_submission_as_a_draft(client, administrator):
    # when
    response = client.post(ADD_URL, _category())

    # then
    category = ConcernCategory.objects.get()
    change_url = reverse("admin:concerns_concerncategory_change", args=[category.pk])
    assert (response.status_code, response.url) == (302, change_url)
    assert (category.code, category.group, category.published) == ("stray_dog", "Animals", False)
    child = Question.objects.of(category).get(label="Which way did it go?")
    assert (child.condition_question.label, child.condition_value) == ("Is the dog loose?", "yes")
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("“Your name” seems to repeat" in m for m in warnings), warnings
    assert any("is saved as a draft" in m for m in warnings), warnings
    page = client.get(change_url)
    html = page.content.decode()
    assert "group in Spanish" in html
    assert "“Which way did it go?”: question in Spanish" in html
    assert 'name="_publish"' in html


def _seen_by_residents(client, code: str) -> dict:
    """Where residents and API clients would meet category `code`."""
    start = client.get(reverse("concerns:report_start")).content.decode()
    services_list = client.get(reverse("open311:services", kwargs={"fmt": "json"})).json()
    return {
        "list": f'href="{reverse("concerns:report_location", args=[code])}"' in start,
        "form": client.get(reverse("concerns:report_location", args=[code])).status_code,
        "search": any(
            item.title == "Stray dog"
            for group in services_matching(query="perro suelto")
            for item in group.results
        ),
        "open311": code in [service["service_code"] for service in services_list],
        "open311_definition": client.get(
            reverse("open311:service", kwargs={"fmt": "json", "code": code})
        ).status_code,
    }


def test_a_draft_is_previewed_in_english_and_spanish_then_published(client, administrator):
    # given
    client.post(ADD_URL, _category())
    category = ConcernCategory.objects.get()
    preview_url = reverse("admin:concerns_concerncategory_preview", args=[category.pk])
    change_url = reverse("admin:concerns_concerncategory_change", args=[category.pk])

    # when
    english = client.get(preview_url + "?lang=en")
    spanish = client.get(preview_url + "?lang=es")
    draft = _seen_by_residents(client, category.code)
    data = _category(code=category.code)
    data[f"{QUESTIONS}-INITIAL_FORMS"] = "3"
    for index, question in enumerate(Question.objects.of(category)):
        data[f"{QUESTIONS}-{index}-id"] = str(question.pk)
        data[f"{QUESTIONS}-{index}-code"] = question.code
    published = client.post(change_url, {**data, "_publish": "1"})
    category.refresh_from_db()
    client.logout()
    live = _seen_by_residents(client, category.code)

    # then
    english_html = english.content.decode()
    for text in (
        "Preview of a draft",
        "Stray dog",
        "Animals",
        "Is the dog loose?",
        "Which way did it go?",
        "Describe the problem",
        "Your name",
        "within 2 business days",
    ):
        assert text in english_html, text
    assert spanish["Content-Language"] == "es"
    spanish_html = spanish.content.decode()
    spanish_texts = ("Perro callejero", "¿El perro está suelto?", "Un perro sin su dueño.")
    for text in (*spanish_texts, 'lang="es"'):
        assert text in spanish_html, text
    assert draft == {
        "list": False,
        "form": 404,
        "search": False,
        "open311": False,
        "open311_definition": 404,
    }
    assert published.status_code == 302
    assert category.published
    assert live == {
        "list": True,
        "form": 200,
        "search": True,
        "open311": True,
        "open311_definition": 200,
    }


def test_the_api_neither_takes_nor_lists_reports_of_a_draft_category(client, administrator):
    # given
    client.post(ADD_URL, _category())
    category = ConcernCategory.objects.get()
    _key, raw = services.api_key_issue(name="Test client", actor=administrator)

    # when
    response = client.post(
        reverse("open311:requests", kwargs={"fmt": "json"}),
        {
            "api_key": raw,
            "service_code": category.code,
            "address_string": "12 Elm Street",
            "description": "A loose dog.",
        },
    )

    listed = client.get(
        reverse("open311:requests", kwargs={"fmt": "json"}), {"service_code": category.code}
    )

    # then
    assert response.status_code == 404
    assert not ConcernReport.objects.exists()
    assert listed.status_code == 404


def test_a_category_with_reports_is_not_taken_back_to_a_draft(client, administrator, category):
    # given
    make_report(category=category, answers={"size": "large"})
    empty = CategoryFactory()

    # when / then
    with pytest.raises(services.CategoryNotPublishable):
        services.category_unpublish(category=category, actor=administrator)
    services.category_unpublish(category=empty, actor=administrator)
    category.refresh_from_db()
    empty.refresh_from_db()
    assert (category.published, empty.published) == (True, False)


def test_the_preview_is_for_staff_only(client, category):
    url = reverse("admin:concerns_concerncategory_preview", args=[category.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.url


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "straystray"}, "This code repeats itself (“stray” twice): keep it once."),
        ({"group": "Animals"}, "Choose one from the list or type a new one, not both."),
        ({f"{QUESTIONS}-1-condition_is": "maybe"}, "“maybe” is not an answer to"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(client, administrator, changes, message):
    ConcernCategory.objects.create(code="dogs", name="Dogs", group="Animals")
    response = client.post(ADD_URL, _category(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ConcernCategory.objects.filter(name="Stray dog").exists()
    assert not Question.objects.exists()
