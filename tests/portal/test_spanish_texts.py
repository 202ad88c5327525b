"""Administrators' texts in the reader's language: a Spanish reader of the demo services
reads Spanish names, descriptions, questions, choices and documents, never the English, and
a text left untranslated falls back to the English."""

import pytest
from django.urls import reverse
from django.utils import translation

from cases.questions import rules
from cases.questions.models import Question
from concerns import demo as concerns_demo
from licensing import demo as licensing_demo
from licensing.models import LicenseType
from portal.localized import localized
from tests.licensing.factories import ApplicationFactory, LicenseTypeFactory, QuestionFactory


@pytest.fixture
def spanish(client):
    client.cookies["django_language"] = "es"
    return client


@pytest.fixture
def demo_services(db):
    licensing_demo.seed()
    concerns_demo.seed()


def test_the_license_list_in_spanish_names_every_demo_type_in_spanish(spanish, demo_services):
    # when
    page = spanish.get(reverse("licensing:types")).content.decode()

    # then
    for name, category, description, _eligibility in licensing_demo.TYPES_ES.values():
        assert name in page
        assert category in page
        assert description in page
    assert "Licencia de barbero" in page and "Cuidado personal" in page
    for row in licensing_demo.TYPES:
        assert f">{row[2]}<" not in page  # no English name
        assert f">{row[3]}<" not in page  # no English category heading


def test_a_license_type_page_in_spanish_has_its_documents_in_spanish(spanish, demo_services):
    # when
    page = spanish.get(reverse("licensing:type", kwargs={"code": "dog"})).content.decode()

    # then
    assert "Licencia de perro" in page
    assert "Certificado de vacunación antirrábica" in page and "De su veterinario." in page
    assert "Dog license" not in page and "Rabies vaccination certificate" not in page


def test_the_questions_page_in_spanish_asks_in_spanish(spanish, demo_services, resident):
    # given
    food_truck = LicenseType.objects.get(code="food-truck")
    draft = ApplicationFactory(license_type=food_truck, applicant=resident)
    spanish.force_login(resident)

    # when
    page = spanish.get(
        reverse("licensing:apply_questions", args=[draft.case.reference])
    ).content.decode()

    # then: questions, choices and the condition's wording in Spanish; stored keys unchanged
    assert "Licencia de vendedor en camión de comida" in page
    assert "Food-truck vendor license" not in page
    assert "Combustible para cocinar" in page and "Propano" in page
    assert "¿Cocina a bordo?" in page
    assert "Cooking fuel" not in page and "Do you cook on board?" not in page
    assert 'value="Propane"' in page


def test_the_concern_categories_in_spanish(spanish, demo_services):
    # when
    start = spanish.get(reverse("concerns:report_start")).content.decode()
    place = spanish.get(reverse("concerns:report_location", args=["pothole"])).content.decode()

    # then
    assert "Bache" in start and "Calles y aceras" in start and "Grafiti" in start
    assert ">Pothole<" not in start and "Streets and sidewalks" not in start
    assert "Bache" in place and "Pothole" not in place


def test_an_untranslated_text_falls_back_to_english(db):
    # given
    license_type = LicenseTypeFactory(name="Kite license", name_es="")
    question = QuestionFactory(
        license_type=license_type,
        label="Kite colour",
        label_es="Color de la cometa",
        kind=Question.Kind.SINGLE_CHOICE,
        choices="red | Red\nblue | Blue",
        choices_es="Rojo",  # one label for two choices: not used
    )

    # when
    with translation.override("es"):
        name, label, choices = (
            localized(license_type, "name"),
            rules.question_label(question),
            question.choice_labels(),
        )
    with translation.override("en"):
        english_label = rules.question_label(question)

    # then
    assert (name, label, english_label) == ("Kite license", "Color de la cometa", "Kite colour")
    assert choices == {"red": "Red", "blue": "Blue"}


def test_a_spanish_choice_is_stored_and_shown_by_its_key(db):
    # given
    question = QuestionFactory(
        kind=Question.Kind.MULTIPLE_CHOICE,
        choices="wall | Wall\nbridge | Bridge",
        choices_es="Pared\nPuente",
    )

    # when
    kept, errors = rules.answers_clean([question], {question.code: ["bridge"]})

    # then
    assert (kept, errors) == ({question.code: ["bridge"]}, {})
    with translation.override("es"):
        assert rules.answer_display(question, ["wall", "bridge"]) == "Pared, Puente"
    with translation.override("en"):
        assert rules.answer_display(question, ["wall", "bridge"]) == "Wall, Bridge"
