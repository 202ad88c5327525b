"""A permit type as an administrator sets it up (permits.type_forms and the publishing
services): code and prefix made from the name, doubled codes and used prefixes refused, fees
in dollars, impossible fee tables refused, drafts unseen by residents anywhere until
published, then found at once by the site's service search."""

import pytest
from django.forms import inlineformset_factory
from django.urls import reverse

from cases.references import RESERVED_PREFIXES
from permits import demo
from permits.models import FeeMethod, FeeTier, PermitType
from permits.selectors_apply import permit_types_open
from permits.services import apply as apply_services
from permits.services import types as type_services
from permits.type_forms import FeeTierForm, FeeTierFormSet, PermitTypeForm, permit_prefix_suggest
from portal.selectors import services_matching
from tests.accounts.factories import StaffFactory, UserFactory
from tests.licensing.factories import LicenseTypeFactory
from tests.permits.factories import PermitTypeFactory

pytestmark = pytest.mark.django_db

FILLED = {
    "name": "Swimming pool",
    "name_es": "Piscina",
    "category": "pool_spa",
    "work_class": "new",
    "permit_class": "residential",
    "active": "on",
    "description": "Build an in-ground pool.",
    "description_es": "Construir una piscina enterrada.",
    "keywords": "",
    "keywords_es": "",
    "application_fee_cents": "150",
    "fee_method": FeeMethod.PER_SQUARE_FOOT,
    "flat_fee_cents": "0",
    "per_square_foot_cents": "$0.25",
    "minimum_fee_cents": "1,250.50",
    "plan_review_percent": "50",
    "plans_required": "on",
    "validity_days": "180",
    "review_target_days": "30",
}


def _form(instance=None, **changes):
    return PermitTypeForm(data={**FILLED, **changes}, instance=instance or PermitType())


def _tiers(permit_type, rows, *, fee_method=FeeMethod.VALUATION):
    """The valuation table's formset for `permit_type` as its form left it."""
    permit_type.fee_method = fee_method
    data = {"fee_tiers-TOTAL_FORMS": str(len(rows)), "fee_tiers-INITIAL_FORMS": "0"}
    for index, (start, base, rate) in enumerate(rows):
        data |= {
            f"fee_tiers-{index}-from_cents": start,
            f"fee_tiers-{index}-base_cents": base,
            f"fee_tiers-{index}-per_thousand_cents": rate,
        }
    formset = inlineformset_factory(
        PermitType, FeeTier, form=FeeTierForm, formset=FeeTierFormSet, extra=0
    )
    return formset(data=data, instance=permit_type, prefix="fee_tiers")


def test_an_empty_code_and_prefix_are_made_from_the_name_and_fees_read_in_dollars():
    # given
    data = {"code": "", "number_prefix": ""}
    # when
    form = _form(**data)
    # then
    assert form.is_valid(), form.errors
    permit_type = form.save()
    assert (permit_type.code, permit_type.number_prefix) == ("swimming-pool", "SP")
    assert (
        permit_type.application_fee_cents,
        permit_type.per_square_foot_cents,
        permit_type.minimum_fee_cents,
    ) == (15_000, 25, 125_050)
    assert permit_type.published_at is None


@pytest.mark.parametrize(
    ("name", "taken", "prefix"),
    [
        ("Swimming pool", set(), "SP"),
        ("Fence permit", set(), "FE"),
        ("Swimming pool", {"SP"}, "SPO"),
        ("Sign", set(), "SI"),
    ],
)
def test_a_prefix_is_suggested_from_the_name_and_steps_aside_from_taken_ones(name, taken, prefix):
    assert permit_prefix_suggest(name, taken=taken) == prefix


def test_a_doubled_code_is_refused():
    form = _form(code="swimming-poolswimming-pool")
    assert not form.is_valid()
    assert form.errors["code"] == [
        "This code repeats itself (“swimming-pool” twice): keep it once."
    ]


def test_a_code_taken_by_another_type_is_refused_and_an_empty_one_steps_aside():
    # given
    PermitTypeFactory(code="swimming-pool")
    # when
    taken = _form(code="swimming-pool", number_prefix="SWP")
    generated = _form(code="", number_prefix="SWP")
    # then
    assert not taken.is_valid()
    assert taken.errors["code"] == ["Another permit type has this code: choose another."]
    assert generated.is_valid(), generated.errors
    assert generated.cleaned_data["code"] == "swimming-pool-2"


@pytest.mark.parametrize("owner", ["permit type", "license type", "portal"])
def test_a_prefix_used_elsewhere_is_refused_with_a_free_one_suggested(owner):
    # given
    if owner == "permit type":
        PermitTypeFactory(number_prefix="SP")
        prefix = "SP"
    elif owner == "license type":
        LicenseTypeFactory(number_prefix="SP")
        prefix = "SP"
    else:
        prefix = sorted(RESERVED_PREFIXES)[0]
    # when
    form = _form(code="swimming-pool", number_prefix=prefix)
    # then
    assert not form.is_valid()
    message = form.errors["number_prefix"][0]
    assert message.startswith(f"{prefix} is already used; for example ")
    suggested = message.rsplit(" ", 3)[-3]
    assert suggested != prefix


def test_a_prefix_that_is_not_two_to_eight_letters_is_refused():
    form = _form(number_prefix="S1")
    assert not form.is_valid()
    assert form.errors["number_prefix"] == ["Enter 2 to 8 capital letters, like BLD."]


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("per_square_foot_cents", "-0.25", "An amount cannot be negative."),
        ("per_square_foot_cents", "0.125", "Give at most two decimals"),
        ("per_square_foot_cents", "0", "Enter the fee per square foot, for example 0.25"),
        ("application_fee_cents", "abc", "Enter an amount in dollars, like 75.00."),
        ("flat_fee_cents", "-5", "An amount cannot be negative."),
        ("minimum_fee_cents", "99999999999", "Enter an amount of"),
    ],
)
def test_an_amount_that_cannot_be_right_is_refused_with_its_reason(field, typed, message):
    form = _form(**{field: typed})
    assert not form.is_valid()
    assert form.errors[field][0].startswith(message), form.errors[field]


def test_a_valuation_table_is_read_in_dollars_in_any_order():
    # given
    permit_type = PermitTypeFactory()
    # when
    formset = _tiers(
        permit_type,
        [("25,000", "400.00", "15.50"), ("0", "75", "0"), ("$100,000", "1,562.50", "9")],
    )
    # then
    assert formset.is_valid(), formset.non_form_errors()
    formset.save()
    assert [
        (t.from_cents, t.base_cents, t.per_thousand_cents) for t in permit_type.fee_tiers.all()
    ] == [(0, 7_500, 0), (2_500_000, 40_000, 1_550), (10_000_000, 156_250, 900)]


def test_the_seeded_valuation_table_is_accepted():
    # given: the demo's table, as an administrator would type it
    permit_type = PermitTypeFactory()
    rows = [
        (f"{start / 100:.2f}", f"{base / 100:.2f}", f"{rate / 100:.2f}")
        for start, base, rate in demo.VALUATION_TABLE
    ]
    # when
    formset = _tiers(permit_type, rows)
    # then
    assert formset.is_valid(), formset.non_form_errors()


@pytest.mark.parametrize(
    ("rows", "fee_method", "message"),
    [
        (
            [("0", "75", "0"), ("0", "100", "0")],
            FeeMethod.VALUATION,
            "Two rows start at $0.00: they overlap. Each row starts at its own valuation.",
        ),
        (
            [("0", "75", "10"), ("25,000", "100", "0")],
            FeeMethod.VALUATION,
            "The row from $25,000.00 has a base fee of $100.00, less than the $325.00 the row "
            "before it reaches just below $25,000.00: a larger job would pay less. Raise its "
            "base fee or check the rows' amounts.",
        ),
        (
            [("500", "75", "0")],
            FeeMethod.VALUATION,
            "The table must start at $0.00: a valuation below $500.00 would have no fee.",
        ),
        (
            [],
            FeeMethod.VALUATION,
            "A fee by construction valuation needs its table: add a row starting at 0.",
        ),
        (
            [("0", "75", "0")],
            FeeMethod.FLAT,
            "This type does not charge by construction valuation, so the valuation table would "
            "never be used: delete its rows, or choose the fee by valuation.",
        ),
    ],
    ids=["overlapping", "unordered", "not-from-zero", "missing", "unused"],
)
def test_an_impossible_valuation_table_is_refused_with_a_clear_message(rows, fee_method, message):
    # given
    permit_type = PermitTypeFactory()
    # when
    formset = _tiers(permit_type, rows, fee_method=fee_method)
    # then
    assert not formset.is_valid()
    assert message in formset.non_form_errors()


def test_a_negative_rate_in_the_table_is_refused_on_its_row():
    permit_type = PermitTypeFactory()
    formset = _tiers(permit_type, [("0", "75", "-2")])
    assert not formset.is_valid()
    assert formset.forms[0].errors["per_thousand_cents"] == ["An amount cannot be negative."]


def test_a_draft_is_nowhere_residents_look_until_published(client):
    # given
    draft = PermitTypeFactory(
        name="Backyard chicken coop",
        name_es="Gallinero de patio",
        category="other",
        keywords="hens, poultry",
        keywords_es="gallinas",
        published_at=None,
    )
    resident = UserFactory()
    client.force_login(resident)
    detail = reverse("permits:type", kwargs={"code": draft.code})
    start = reverse("permits:start", kwargs={"code": draft.code})

    # when / then: a draft is nowhere
    assert draft not in permit_types_open()
    assert "Backyard chicken coop" not in client.get(reverse("permits:types")).content.decode()
    assert client.get(detail).status_code == 404
    assert client.post(start).status_code == 404
    assert services_matching(query="chicken") == []
    search = client.get(reverse("portal:service_search"), {"q": "chicken coop"})
    assert "Backyard chicken coop" not in search.content.decode()
    assert "Backyard chicken coop" not in client.get(reverse("portal:home")).content.decode()
    with pytest.raises(ValueError, match="not open for applications"):
        apply_services.permit_start(permit_type=draft, applicant=resident)

    # when: published
    type_services.permit_type_publish(permit_type=draft, actor=StaffFactory())

    # then: found at once, by name, category and keywords, in English and Spanish
    assert draft in permit_types_open()
    assert "Backyard chicken coop" in client.get(reverse("permits:types")).content.decode()
    assert client.get(detail).status_code == 200
    for query in ("chicken coop", "other", "poultry", "gallinero", "gallinas"):
        found = [item.title for group in services_matching(query=query) for item in group.results]
        assert "Backyard chicken coop" in found, query
    page = client.get(reverse("portal:service_search"), {"q": "gallinas"})
    assert draft.get_absolute_url() in page.content.decode()


def test_a_type_closed_to_applications_is_not_found_by_the_search():
    PermitTypeFactory(name="Backyard chicken coop", active=False)
    assert services_matching(query="chicken") == []


def test_the_search_reads_every_permit_type_in_one_query(django_assert_num_queries):
    for _ in range(5):
        PermitTypeFactory(keywords="shed")
    from permits.selectors_search import permit_types_searchable

    with django_assert_num_queries(1):
        assert len(permit_types_searchable()) == 5
