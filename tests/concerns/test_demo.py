import pytest
from django.utils import translation

from concerns import demo, selectors
from concerns.forms import CategorySearchForm

pytestmark = pytest.mark.django_db


def _examples_suggested() -> list[str]:
    """The words the report page suggests in its search box, in the active language."""
    hint = str(CategorySearchForm.base_fields["q"].help_text)
    return [word.strip(" .") for word in hint.split(":", 1)[1].split(",")]


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_example_the_report_page_suggests_finds_a_demo_category(language):
    # given
    demo.seed()

    # when
    with translation.override(language):
        examples = _examples_suggested()
    found = {word: selectors.categories_matching(word) for word in examples}

    # then
    assert len(examples) == 3
    assert all(found.values()), found


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("pet", "dead-animal"),
        ("mascota", "dead-animal"),
        ("animal muerto", "dead-animal"),
        ("perro", "dead-animal"),
        ("basura", "missed-trash"),
        ("señal", "street-sign"),
    ],
)
def test_the_demo_categories_are_found_in_english_and_spanish(word, code):
    # given
    demo.seed()

    # when
    found = [category.code for category in selectors.categories_matching(word)]

    # then
    assert code in found
