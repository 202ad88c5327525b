import pytest
from django.test import RequestFactory, override_settings

from portal.localized import preview_language, preview_language_links


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


@override_settings(LANGUAGES=[("en", "English"), ("es", "Español")])
def test_preview_language_links_name_the_preview_in_each_language_in_order():
    # when
    links = preview_language_links("/admin/permits/permittype/7/preview/")

    # then
    assert links == [
        ("en", "English", "/admin/permits/permittype/7/preview/?lang=en"),
        ("es", "Español", "/admin/permits/permittype/7/preview/?lang=es"),
    ]
