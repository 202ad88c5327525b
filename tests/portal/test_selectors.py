"""The service search: the catalogue and every configured license type and concern category,
by name and keywords, in English and Spanish, ignoring case and accents."""

import pytest
from django.core.management import call_command
from django.utils import translation

from portal.selectors import services_matching
from tests.concerns.factories import CategoryFactory
from tests.licensing.factories import LicenseTypeFactory

pytestmark = pytest.mark.django_db


def _keys(query: str) -> list[str]:
    return [result.key for group in services_matching(query=query) for result in group.results]


# What people type, and one thing the demo portal offers for it.
EXAMPLES = [
    ("liquor", "licensing.type.liquor"),
    ("food truck", "licensing.type.food-truck"),
    ("tattoo", "licensing.type.tattoo-artist"),
    ("renew", "licensing.renew"),
    ("renewal", "licensing.renew"),
    ("pet", "licensing.type.dog"),
    ("pet", "concerns.category.dead-animal"),
    ("dead animal", "concerns.category.dead-animal"),
    ("pothole", "concerns.category.pothole"),
    # Spanish
    ("licor", "licensing.type.liquor"),
    ("camión de comida", "licensing.type.food-truck"),
    ("tatuaje", "licensing.type.tattoo-artist"),
    ("renovar", "licensing.renew"),
    ("mascota", "licensing.type.dog"),
    ("mascota", "concerns.category.dead-animal"),
    ("animal muerto", "concerns.category.dead-animal"),
    ("bache", "concerns.category.pothole"),
    ("grafiti", "concerns.category.graffiti"),
    ("farola", "concerns.category.streetlight"),
    # Accents, capitals and plurals, typed or left out
    ("LICOR", "licensing.type.liquor"),
    ("renovación", "licensing.renew"),
    ("renovacion", "licensing.renew"),
    ("camion de comida", "licensing.type.food-truck"),
    ("Tatuajes", "licensing.type.tattoo-artist"),
    ("mascotas", "concerns.category.dead-animal"),
    ("BACHES", "concerns.category.pothole"),
    ("Farolas", "concerns.category.streetlight"),
]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_example_finds_what_the_demo_portal_offers_in_either_language(settings, language):
    # given
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # when
    with translation.override(language):
        missing = [(query, key) for query, key in EXAMPLES if key not in _keys(query)]

    # then
    assert missing == []


def test_types_and_categories_are_found_by_name_and_keywords_in_both_languages():
    # given
    LicenseTypeFactory(
        code="kennel", name="Kennel license", keywords="boarding", keywords_es="perrera"
    )
    CategoryFactory(code="noise", name="Loud noise", keywords="music", keywords_es="ruido")

    # then
    assert _keys("kennel") == ["licensing.type.kennel"]
    assert _keys("BOARDING") == ["licensing.type.kennel"]
    assert _keys("perrera") == ["licensing.type.kennel"]
    assert _keys("loud") == ["concerns.category.noise"]
    assert _keys("músic") == ["concerns.category.noise"]
    assert _keys("ruidos") == ["concerns.category.noise"]
    assert _keys("zeppelin") == []


def test_closed_types_and_inactive_categories_are_not_found():
    # given
    LicenseTypeFactory(code="kennel", name="Kennel license", active=False)
    CategoryFactory(code="noise", name="Loud noise", active=False)

    # then
    assert _keys("kennel") == []
    assert _keys("noise") == []


def test_results_are_grouped_by_service_each_with_its_link():
    # given
    dog = LicenseTypeFactory(code="dog", name="Dog license", category="Pets")
    CategoryFactory(code="dead-animal", name="Dead animal", keywords="pet, roadkill")

    # when
    groups = services_matching(query="pet")

    # then
    assert [str(group.service) for group in groups] == ["Licenses", "Problems in public places"]
    assert [(r.title, r.url) for r in groups[0].results] == [
        ("Dog license", dog.get_absolute_url())
    ]
    assert [(r.title, r.url) for r in groups[1].results] == [
        ("Dead animal", "/concerns/report/dead-animal/place/")
    ]
