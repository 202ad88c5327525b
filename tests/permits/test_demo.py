"""The demo permit types: realistic, complete, loaded once."""

import pytest

from licensing import demo as licensing_demo
from permits import demo
from permits.fees import fee_quote
from permits.models import FeeMethod, PermitType

pytestmark = pytest.mark.django_db


def test_seed_loads_the_types_once_with_departments_fees_and_inspections():
    # when
    licensing_demo.seed()
    demo.seed()
    demo.seed()

    # then
    types = PermitType.objects.all()
    assert types.count() == len(demo.TYPES) >= 8
    for permit_type in types:
        assert permit_type.published and permit_type.active
        assert permit_type.name_es and permit_type.description_es
        assert permit_type.review_departments.exists()
        steps = list(permit_type.inspection_steps.all())
        assert steps and [s.final for s in steps] == [False] * (len(steps) - 1) + [True]
        if permit_type.fee_method == FeeMethod.VALUATION:
            assert permit_type.fee_tiers.filter(from_cents=0).exists()
        if permit_type.contractor_required:
            assert permit_type.contractor_license_types.exists(), permit_type.code
    assert {t.category for t in types} >= {"building", "demolition", "electrical", "plumbing"}


def test_a_new_home_costs_what_the_table_says():
    demo.seed()
    new_home = PermitType.objects.get(code="new-home")
    # $350,000: from $100,000, $1,009.50 + 250 x $6 = $2,509.50; 65% of it is $1,631.18
    quote = fee_quote(permit_type=new_home, valuation_cents=35_000_000)
    assert quote.permit_cents == 250_950
    assert quote.plan_review_cents == 163_118
    assert quote.due_now_cents == 15_000 + 163_118
