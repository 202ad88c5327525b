"""Concern categories set up like license types: code from the name, group chosen or added
on purpose, Spanish side by side with what is missing listed, questions with a condition on
a new question in one submission, the standard steps pointed out, and found at once by the
site's service search."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.questions.models import Question
from concerns.models import ConcernCategory
from portal.selectors import services_matching
from tests.accounts.factories import StaffFactory

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


def test_a_category_is_set_up_in_one_submission_and_found_at_once(client, administrator):
    # when
    response = client.post(ADD_URL, _category())

    # then
    category = ConcernCategory.objects.get()
    assert response.status_code == 302
    assert (category.code, category.group) == ("stray_dog", "Animals")
    child = Question.objects.of(category).get(label="Which way did it go?")
    assert (child.condition_question.label, child.condition_value) == ("Is the dog loose?", "yes")
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("“Your name” seems to repeat" in m for m in warnings), warnings
    page = client.get(reverse("admin:concerns_concerncategory_change", args=[category.pk]))
    html = page.content.decode()
    assert "group in Spanish" in html
    assert "“Which way did it go?”: question in Spanish" in html
    for query in ("stray", "perro suelto", "animals"):
        found = [item.title for group in services_matching(query=query) for item in group.results]
        assert "Stray dog" in found, query


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
