"""The permit type's admin pages held to what license types have: a type set up from an empty
form in one submission (code and prefix made from the name, fees in dollars, a condition on a
new question), refused whole when anything is wrong, the change page saying what the
standard steps ask and what Spanish is missing, and a preview of the resident's pages in
English and Spanish (with the fees for an example valuation) that saves nothing."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.models import Case
from cases.questions.models import DocumentRequirement, Question
from permits.models import FeeMethod, FeeTier, InspectionStep, Permit, PermitType
from tests.accounts.factories import StaffFactory
from tests.permits.factories import FeeTierFactory, PermitTypeFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:permits_permittype_add")
QUESTIONS = "cases-question-owner_type-owner_id"
DOCUMENTS = "cases-documentrequirement-owner_type-owner_id"


@pytest.fixture
def administrator(client):
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


def _inline(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def _deck(**changes):
    """A deck permit, charged by valuation, as typed from an empty form."""
    data = {
        "name": "Deck or patio cover",
        "name_es": "Terraza o cubierta de patio",
        "code": "",
        "number_prefix": "",
        "category": "building",
        "work_class": "existing",
        "permit_class": "residential",
        "active": "on",
        "description": "Build a deck or a patio cover.",
        "description_es": "",
        "keywords": "porch, pergola",
        "keywords_es": "pérgola",
        "application_fee_cents": "75.00",
        "fee_method": FeeMethod.VALUATION,
        "flat_fee_cents": "0",
        "per_square_foot_cents": "0",
        "minimum_fee_cents": "$100",
        "plan_review_percent": "50",
        "plans_required": "on",
        "contractor_trade": "",
        "validity_days": "180",
        "review_target_days": "15",
        **_inline("review_departments", []),
        **_inline("reinspection_fee", []),
        **_inline(
            "fee_tiers",
            [
                {"from_cents": "0", "base_cents": "100", "per_thousand_cents": "0"},
                {"from_cents": "2,000", "base_cents": "100.00", "per_thousand_cents": "12.50"},
            ],
        ),
        **_inline(
            "inspection_steps",
            [
                {
                    "order": "10",
                    "code": "footings",
                    "name": "Footings",
                    "name_es": "",
                    "category": "footings",
                },
                {
                    "order": "20",
                    "code": "final",
                    "name": "Final",
                    "name_es": "Inspección final",
                    "category": "building_final",
                    "final": "on",
                },
            ],
        ),
        **_inline(
            DOCUMENTS,
            [{"name": "Site plan", "name_es": "Plano del sitio", "required": "on"}],
        ),
        **_inline(
            QUESTIONS,
            [
                {
                    "label": "Is the deck higher than 30 inches?",
                    "label_es": "¿Está la terraza a más de 30 pulgadas?",
                    "kind": "yes_no",
                    "required": "on",
                },
                {
                    "label": "Guard rail height",
                    "label_es": "Altura de la baranda",
                    "kind": "text",
                    "required": "on",
                    "condition_on": "0",
                    "condition_is": "Yes",
                },
                {"label": "Property address of the deck", "kind": "text"},
            ],
        ),
    }
    data.update(changes)
    return data


def test_a_new_type_is_set_up_from_an_empty_form_in_one_submission(client, administrator):
    # when
    response = client.post(ADD_URL, _deck())

    # then: a draft, its code and prefix made from the name, no amount off by 100
    permit_type = PermitType.objects.get()
    change_url = reverse("admin:permits_permittype_change", args=[permit_type.pk])
    assert (response.status_code, response.url) == (302, change_url)
    assert (permit_type.code, permit_type.number_prefix, permit_type.published) == (
        "deck-or-patio-cover",
        "DPC",
        False,
    )
    assert (permit_type.application_fee_cents, permit_type.minimum_fee_cents) == (7_500, 10_000)
    assert list(
        permit_type.fee_tiers.values_list("from_cents", "base_cents", "per_thousand_cents")
    )[1] == (200_000, 10_000, 1_250)
    questions = {q.code: q for q in Question.objects.of(permit_type)}
    rail = questions["guard_rail_height"]
    assert (rail.condition_question.code, rail.condition_value) == (
        "is_the_deck_higher_than_30_inches",
        "yes",
    )
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("is saved as a draft. Preview it" in m for m in notes), notes
    assert any(
        "“Property address of the deck” seems to repeat “Property address”" in m for m in notes
    ), notes

    # and its page explains the standard steps, lists the missing Spanish, shows dollars
    html = client.get(change_url).content.decode()
    assert "every permit application asks on its own pages: the property" in html
    assert "plain-language description in Spanish" in html
    assert "“Footings”: name in Spanish" in html
    assert "“Property address of the deck”: question in Spanish" in html
    assert 'value="75.00"' in html and 'value="100.00"' in html and 'value="2,000.00"' in html
    assert 'value="12.50"' in html
    assert "from $2,000.00" in html
    assert 'value="200000"' not in html and 'value="7500"' not in html
    assert reverse("admin:permits_permittype_preview", args=[permit_type.pk]) + "?lang=es" in html
    assert 'name="_publish"' in html
    listing = client.get(reverse("admin:permits_permittype_changelist")).content.decode()
    assert "$75.00" in listing


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"application_fee_cents": "75.001"}, "Give at most two decimals"),
        ({"minimum_fee_cents": "abc"}, "Enter an amount in dollars, like 75.00."),
        ({"number_prefix": "INV"}, "INV is already used"),
        ({"code": "deckdeck"}, "This code repeats itself"),
        ({"fee_tiers-1-from_cents": "0"}, "Two rows start at $0.00: they overlap."),
        ({"fee_tiers-1-base_cents": "50"}, "a larger job would pay less"),
        ({"fee_tiers-0-per_thousand_cents": "-1"}, "An amount cannot be negative."),
        (
            {"fee_method": FeeMethod.PER_SQUARE_FOOT, "per_square_foot_cents": "-0.10"},
            "An amount cannot be negative.",
        ),
        ({f"{QUESTIONS}-1-condition_is": "Yess"}, "“Yess” is not an answer to"),
    ],
)
def test_bad_input_is_refused_on_the_form_and_nothing_is_half_saved(
    client, administrator, changes, message
):
    # when
    response = client.post(ADD_URL, _deck(**changes))

    # then
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PermitType.objects.exists()
    assert not FeeTier.objects.exists()
    assert not InspectionStep.objects.exists()
    assert not Question.objects.exists()
    assert not DocumentRequirement.objects.exists()


def test_a_refused_change_leaves_the_saved_type_as_it_was(client, administrator):
    # given
    permit_type = PermitTypeFactory(name="Fence", fee_method=FeeMethod.VALUATION)
    FeeTierFactory(permit_type=permit_type, from_cents=0, base_cents=5_000)
    change_url = reverse("admin:permits_permittype_change", args=[permit_type.pk])
    data = _deck(
        name="Fence over 6 feet",
        code=permit_type.code,
        number_prefix=permit_type.number_prefix,
        **{"fee_tiers-1-from_cents": "0"},
    )

    # when
    response = client.post(change_url, data)

    # then
    assert response.status_code == 200
    permit_type.refresh_from_db()
    assert permit_type.name == "Fence"
    assert list(permit_type.fee_tiers.values_list("base_cents", flat=True)) == [5_000]
    assert not Question.objects.exists()


def test_the_preview_shows_the_residents_pages_in_english_and_spanish_and_saves_nothing(
    client, administrator
):
    # given
    client.post(ADD_URL, _deck())
    permit_type = PermitType.objects.get()
    url = reverse("admin:permits_permittype_preview", args=[permit_type.pk])
    cases, permits = Case.objects.count(), Permit.objects.count()

    # when
    english = client.get(url, {"lang": "en"})
    spanish = client.get(url, {"lang": "es"})
    example = client.get(url, {"lang": "en", "valuation": "10,500", "square_feet": ""})
    refused = client.get(url, {"lang": "en", "valuation": "abc"})

    # then: every page, with the conditional question and the fee for the example
    assert english.status_code == 200
    html = english.content.decode()
    for text in (
        "Preview of a draft",
        "Deck or patio cover",
        "Property address",
        "Construction valuation",
        "Contractor&#x27;s license number",
        "Sheet number",
        "Site plan",
        "Is the deck higher than 30 inches?",
        "Answer only if your answer to “Is the deck higher than 30 inches?”",
        "Footings",
        "$75.00",
        # $50,000 by default: $100 + 48 x $12.50 = $700; half of it for plan review.
        "The permit fee for this work is $700.00",
        "$425.00",
    ):
        assert text in html, text
    assert spanish["Content-Language"] == "es"
    spanish_html = spanish.content.decode()
    for text in (
        "Terraza o cubierta de patio",
        "¿Está la terraza a más de 30 pulgadas?",
        "Altura de la baranda",
        "Plano del sitio",
        "Inspección final",
        'lang="es"',
    ):
        assert text in spanish_html, text
    # $10,500: $100 + 9 x $12.50 = $212.50
    assert "The permit fee for this work is $212.50" in example.content.decode()
    assert "Enter an amount in dollars, like 75.00." in refused.content.decode()
    assert "The permit fee for this work is $700.00" in refused.content.decode()
    assert (Case.objects.count(), Permit.objects.count()) == (cases, permits)
    permit_type.refresh_from_db()
    assert not permit_type.published


def test_a_fee_per_square_foot_is_previewed_for_an_example_area(client, administrator):
    permit_type = PermitTypeFactory(
        fee_method=FeeMethod.PER_SQUARE_FOOT, per_square_foot_cents=25, application_fee_cents=0
    )
    url = reverse("admin:permits_permittype_preview", args=[permit_type.pk])
    response = client.get(url, {"square_feet": "1200"})
    assert "The permit fee for this work is $300.00" in response.content.decode()


def test_the_preview_is_for_staff_only(client):
    permit_type = PermitTypeFactory(published_at=None)
    url = reverse("admin:permits_permittype_preview", args=[permit_type.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert "/login" in response.url


def test_a_draft_is_published_from_its_page_and_then_open_to_residents(client, administrator):
    # given
    client.post(ADD_URL, _deck())
    permit_type = PermitType.objects.get()
    change_url = reverse("admin:permits_permittype_change", args=[permit_type.pk])
    public_url = reverse("permits:type", kwargs={"code": permit_type.code})
    before = client.get(public_url)
    edit = client.get(change_url)
    form = edit.context["adminform"].form
    data = _deck(code=permit_type.code, number_prefix=permit_type.number_prefix)
    for prefix, model in (
        ("fee_tiers", permit_type.fee_tiers),
        ("inspection_steps", permit_type.inspection_steps),
    ):
        rows = list(model.all())
        data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = str(row.pk)
    for prefix, rows in (
        (QUESTIONS, list(Question.objects.of(permit_type))),
        (DOCUMENTS, list(DocumentRequirement.objects.of(permit_type))),
    ):
        data[f"{prefix}-INITIAL_FORMS"] = str(len(rows))
        for index, row in enumerate(rows):
            data[f"{prefix}-{index}-id"] = str(row.pk)
            if prefix == QUESTIONS:
                data[f"{prefix}-{index}-code"] = row.code

    # when
    published = client.post(change_url, {**data, "_publish": "1"})

    # then
    assert form.initial["application_fee_cents"] == 7_500
    assert before.status_code == 404
    assert published.status_code == 302, published.context and published.context["errors"]
    permit_type.refresh_from_db()
    assert permit_type.published
    assert client.get(public_url).status_code == 200
    assert permit_type.fee_tiers.count() == 2
