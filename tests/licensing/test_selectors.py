import pytest

from licensing import selectors
from tests.licensing.factories import LicenseTypeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query", ["liquor", "Liquor licenses", "alcohol", "licor", "LICORES", "bebidas alcoholicas"]
)
def test_the_types_page_finds_open_types_by_keywords_in_both_languages(query):
    # given
    liquor = LicenseTypeFactory(
        name="Liquor license", keywords="alcohol", keywords_es="licor, bebidas alcohólicas"
    )
    LicenseTypeFactory(name="Barber license")
    LicenseTypeFactory(name="Old liquor permit", active=False)

    # when
    found = list(selectors.license_types_open(query=query))

    # then
    assert found == [liquor]
