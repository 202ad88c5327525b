"""A license type as an administrator sets it up (licensing.forms.LicenseTypeForm and the
publishing services): code and prefix made from the name, doubled codes and used prefixes
refused, categories chosen or added on purpose, fees in dollars, drafts unseen by residents
until published."""

import pytest
from django.urls import reverse

from licensing import selectors, services
from licensing.forms import LicenseTypeForm, prefix_suggest
from licensing.models import LicenseType
from portal.selectors import services_matching
from tests.accounts.factories import StaffFactory, UserFactory
from tests.licensing.factories import ApplicationFactory, LicenseTypeFactory

pytestmark = pytest.mark.django_db

FILLED = {
    "name": "Mobile pet grooming",
    "category": "",
    "new_category": "Animals",
    "description": "Grooming pets in a van.",
    "application_fee_cents": "75.00",
    "renewal_fee_cents": "$60",
    "late_fee_cents": "1,250.50",
    "term_months": "12",
    "renewal_window_days": "60",
    "grace_days": "30",
    "review_target_days": "10",
    "active": "on",
}


def _form(**changes):
    return LicenseTypeForm(data={**FILLED, **changes}, instance=LicenseType())


def test_an_empty_code_and_prefix_are_made_from_the_name_and_fees_read_in_dollars():
    # when
    form = _form()
    # then
    assert form.is_valid(), form.errors
    license_type = form.save()
    assert (license_type.code, license_type.number_prefix, license_type.category) == (
        "mobile-pet-grooming",
        "MPG",
        "Animals",
    )
    assert (
        license_type.application_fee_cents,
        license_type.renewal_fee_cents,
        license_type.late_fee_cents,
    ) == (7500, 6000, 125050)
    assert license_type.published_at is None


@pytest.mark.parametrize(
    ("name", "taken", "prefix"),
    [
        ("Mobile pet grooming", set(), "MPG"),
        ("Mobile pet grooming license", set(), "MPG"),
        ("Mobile pet grooming", {"MPG"}, "MPGR"),
        (
            "Mobile pet grooming",
            {"MPG", "MPGR", "MPGRO", "MPGROO", "MPGROOM", "MPGROOMI"},
            "MPGA",
        ),
        ("Barber", set(), "BA"),
        ("Dog", {"DO"}, "DOG"),
    ],
)
def test_a_free_prefix_is_suggested_from_the_name(name, taken, prefix):
    assert prefix_suggest(name, taken=taken) == prefix


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"code": "mobile-pet-groomingmobile-pet-grooming"},
            "code",
            "This code repeats itself (“mobile-pet-grooming” twice): keep it once.",
        ),
        (
            {"code": "grooming-grooming"},
            "code",
            "This code repeats itself (“grooming” twice): keep it once.",
        ),
        (
            {"number_prefix": "BRB"},
            "number_prefix",
            "BRB is already used; for example MPG is free.",
        ),
        (
            {"number_prefix": "lic"},
            "number_prefix",
            "LIC is already used; for example MPG is free.",
        ),
        (
            {"number_prefix": "INV"},
            "number_prefix",
            "INV is already used; for example MPG is free.",
        ),
        (
            {"number_prefix": "M1"},
            "number_prefix",
            "Enter 2 to 8 capital letters, like MPG.",
        ),
        ({"new_category": ""}, "category", "Choose one from the list, or type a new one."),
        (
            {"category": "Barbering"},
            "new_category",
            "Choose one from the list or type a new one, not both.",
        ),
        (
            {"application_fee_cents": "75.001"},
            "application_fee_cents",
            "Give at most two decimals: an amount is in dollars and cents.",
        ),
        ({"renewal_fee_cents": "-5"}, "renewal_fee_cents", "An amount cannot be negative."),
        ({"late_fee_cents": "abc"}, "late_fee_cents", "Enter an amount in dollars, like 75.00."),
    ],
)
def test_bad_input_is_refused_on_its_field(changes, field, message):
    # given
    LicenseTypeFactory(number_prefix="BRB", category="Barbering", code="barber")
    # when
    form = _form(**changes)
    # then
    assert not form.is_valid()
    assert message in form.errors[field]
    assert not LicenseType.objects.filter(name="Mobile pet grooming").exists()


def test_a_new_category_spelled_like_an_existing_one_joins_it():
    LicenseTypeFactory(category="Animal care")
    form = _form(new_category="ANIMAL CARE")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["category"] == "Animal care"


def test_a_generated_code_steps_aside_for_one_in_use():
    LicenseTypeFactory(code="mobile-pet-grooming")
    form = _form()
    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"] == "mobile-pet-grooming-2"


def test_a_draft_is_seen_by_no_resident_until_it_is_published(client):
    # given
    draft = LicenseTypeFactory(
        name="Mobile pet grooming",
        name_es="Peluquería móvil de mascotas",
        category="Animals",
        keywords="van",
        published_at=None,
    )
    resident = UserFactory()
    client.force_login(resident)
    detail = reverse("licensing:type", kwargs={"code": draft.code})

    # when / then: a draft is nowhere
    assert draft not in selectors.license_types_open()
    assert services_matching(query="grooming") == []
    assert client.get(detail).status_code == 404
    with pytest.raises(ValueError, match="not open for applications"):
        services.application_start(license_type=draft, applicant=resident)

    # when: published
    services.license_type_publish(license_type=draft, actor=StaffFactory())

    # then: found at once, by name, category and keywords, in English and Spanish
    assert draft in selectors.license_types_open()
    assert client.get(detail).status_code == 200
    for query in ("grooming", "animals", "van", "peluquería", "mascotas"):
        found = [item.title for group in services_matching(query=query) for item in group.results]
        assert found == ["Mobile pet grooming"], query


def test_a_type_with_applications_is_closed_rather_than_taken_back_to_a_draft():
    # given
    license_type = LicenseTypeFactory()
    ApplicationFactory(license_type=license_type)
    unused = LicenseTypeFactory()

    # when
    with pytest.raises(services.LicenseTypeNotPublishable):
        services.license_type_unpublish(license_type=license_type, actor=StaffFactory())
    services.license_type_unpublish(license_type=unused, actor=StaffFactory())

    # then
    license_type.refresh_from_db()
    unused.refresh_from_db()
    assert license_type.published_at is not None
    assert unused.published_at is None
