"""Permit types built as an administrator would, and permits on real cases."""

from decimal import Decimal

import factory
from django.utils import timezone

from cases.models import Department
from cases.services import case_create
from permits.models import (
    FeeMethod,
    FeeTier,
    InspectionCategory,
    InspectionStep,
    Permit,
    PermitCategory,
    PermitType,
    PermitTypeDepartment,
)
from permits.workflow import KIND
from tests.accounts.factories import UserFactory


def department(code: str, name: str | None = None) -> Department:
    return Department.objects.get_or_create(code=code, defaults={"name": name or code.title()})[0]


class PermitTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PermitType

    code = factory.Sequence(lambda n: f"permit-type-{n}")
    number_prefix = factory.Sequence(lambda n: "P" + "".join(chr(65 + int(d)) for d in f"{n:03d}"))
    name = factory.Sequence(lambda n: f"Test permit {n}")
    description = "A permit for tests."
    category = PermitCategory.BUILDING
    application_fee_cents = 5000
    fee_method = FeeMethod.FLAT
    flat_fee_cents = 20000
    plan_review_percent = Decimal("50")
    validity_days = 180
    published_at = factory.LazyFunction(timezone.now)


class FeeTierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeeTier

    permit_type = factory.SubFactory(PermitTypeFactory, fee_method=FeeMethod.VALUATION)
    from_cents = 0
    base_cents = 0
    per_thousand_cents = 0


class InspectionStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectionStep

    permit_type = factory.SubFactory(PermitTypeFactory)
    order = factory.Sequence(lambda n: n * 10)
    code = factory.Sequence(lambda n: f"step-{n}")
    name = factory.Sequence(lambda n: f"Inspection {n}")
    category = InspectionCategory.FOUNDATION


def review_departments(permit_type: PermitType, *codes: str) -> None:
    for order, code in enumerate(codes):
        PermitTypeDepartment.objects.create(
            permit_type=permit_type, department=department(code), order=order * 10
        )


class PermitFactory(factory.django.DjangoModelFactory):
    """A permit on a real case (a draft unless `submit=True`)."""

    class Meta:
        model = Permit

    class Params:
        applicant = factory.SubFactory(UserFactory)
        submit = False

    permit_type = factory.SubFactory(PermitTypeFactory)
    address = "12 Elm Street"
    parcel_number = "01-234-567"
    work_description = "A rear addition with a bedroom."
    valuation_cents = 12_000_000
    case = factory.LazyAttribute(
        lambda o: case_create(kind=KIND, applicant=o.applicant, submit=o.submit)
    )
