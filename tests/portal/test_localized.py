import pytest
from django.test import RequestFactory, override_settings

from portal.localized import preview_language


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "en"),
        ("?lang=en", "en"),
        ("?lang=es", "es"),
        # a language the portal does not speak, or a tag spelled otherwise, is not asked
        ("?lang=fr", "en"),
        ("?lang=ES", "en"),
        ("?lang=", "en"),
    ],
)
def test_preview_language_is_the_asked_language_when_the_portal_speaks_it(query, expected):
    # given
    request = RequestFactory().get("/admin/preview/" + query)

    # when
    language = preview_language(request)

    # then
    assert language == expected


@override_settings(LANGUAGES=[("es", "Spanish"), ("en", "English")], LANGUAGE_CODE="es")
def test_preview_language_defaults_to_the_agencys_first_language():
    # given
    request = RequestFactory().get("/admin/preview/")

    # when / then
    assert preview_language(request) == "es"
    assert preview_language(RequestFactory().get("/admin/preview/?lang=en")) == "en"
