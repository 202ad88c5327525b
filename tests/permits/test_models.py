"""The permit tables' invariants, held by the database, and the workflow as registered."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Department
from cases.workflow import get_workflow
from permits.models import FeeTier, InspectionStep, PermitTypeDepartment, PlanSheet
from permits.workflow import (
    APPROVED,
    CORRECTIONS_REQUIRED,
    DRAFT,
    FINALED,
    IN_REVIEW,
    ISSUED,
    KIND,
    PERMIT,
)
from tests.permits.factories import (
    InspectionStepFactory,
    PermitFactory,
    PermitTypeFactory,
    department,
)

pytestmark = pytest.mark.django_db


def _refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_the_workflow_is_registered_with_every_stage():
    workflow = get_workflow(KIND)
    assert workflow is PERMIT
    assert workflow.prefix == "PER"
    assert {"draft", "submitted", "in_review", "corrections_required", "approved"} <= set(
        workflow.states
    )
    assert {s for s, state in workflow.states.items() if state.final} == {
        "finaled",
        "expired",
        "cancelled",
        "withdrawn",
    }
    assert {s for s, state in workflow.states.items() if state.waiting} == {
        CORRECTIONS_REQUIRED,
        APPROVED,
    }
    assert workflow.work_items.status == IN_REVIEW
    assert workflow.find_transition(IN_REVIEW, APPROVED) is not None
    assert workflow.find_transition(ISSUED, FINALED) is not None


def test_the_migration_creates_the_review_departments():
    codes = set(Department.objects.values_list("code", flat=True))
    assert {"BUILDING", "ZONING", "FIRE", "PUBLIC_WORKS", "HEALTH"} <= codes


def test_a_permit_is_a_draft_case_with_a_per_reference():
    permit = PermitFactory()
    assert permit.case.status == DRAFT
    assert permit.case.reference.startswith("PER-")
    assert permit.case.department.code == "BUILDING"


def test_a_type_names_a_department_once():
    permit_type = PermitTypeFactory()
    fire = department("FIRE")
    PermitTypeDepartment.objects.create(permit_type=permit_type, department=fire, order=1)
    _refused(
        lambda: PermitTypeDepartment.objects.create(
            permit_type=permit_type, department=fire, order=2
        )
    )


def test_reviewing_departments_read_in_order():
    permit_type = PermitTypeFactory()
    for order, code in ((20, "FIRE"), (10, "ZONING"), (30, "BUILDING")):
        PermitTypeDepartment.objects.create(
            permit_type=permit_type, department=department(code), order=order
        )
    assert [row.department.code for row in permit_type.review_departments.all()] == [
        "ZONING",
        "FIRE",
        "BUILDING",
    ]


def test_a_fee_tier_starts_once_per_type():
    permit_type = PermitTypeFactory()
    FeeTier.objects.create(permit_type=permit_type, from_cents=0, base_cents=100)
    _refused(lambda: FeeTier.objects.create(permit_type=permit_type, from_cents=0, base_cents=5))


def test_a_type_has_one_final_inspection_and_codes_once():
    permit_type = PermitTypeFactory()
    InspectionStepFactory(permit_type=permit_type, code="final", final=True)
    _refused(lambda: InspectionStepFactory(permit_type=permit_type, code="final2", final=True))
    _refused(lambda: InspectionStepFactory(permit_type=permit_type, code="final"))
    assert InspectionStep.objects.filter(permit_type=permit_type).count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"number_prefix": "bld"},
        {"number_prefix": "B"},
        {"plan_review_percent": 101},
        {"validity_days": 0},
        {"contractor_required": True, "contractor_trade": ""},
        {"category": "spaceship"},
    ],
)
def test_a_type_out_of_bounds_is_refused(changes):
    _refused(lambda: PermitTypeFactory(**changes))


def test_an_issued_permit_has_a_number_an_issue_and_an_expiry_after_it():
    permit = PermitFactory()
    now = timezone.now()

    def issue(**values):
        for name, value in values.items():
            setattr(permit, name, value)
        permit.save()

    _refused(lambda: issue(permit_number="BLD-2026-000001"))
    permit.refresh_from_db()
    _refused(lambda: issue(permit_number="BLD-2026-000001", issued_at=now, expires_at=now))
    permit.refresh_from_db()
    issue(
        permit_number="BLD-2026-000001",
        issued_at=now,
        expires_at=now + datetime.timedelta(days=180),
    )
    other = PermitFactory()
    _refused(
        lambda: (
            type(other)
            .objects.filter(pk=other.pk)
            .update(permit_number="BLD-2026-000001", issued_at=now, expires_at=now)
        )
    )


def test_a_permit_is_finaled_only_after_issue():
    permit = PermitFactory()
    permit.finaled_at = timezone.now()
    _refused(permit.save)


def test_a_permit_paid_names_its_invoice():
    permit = PermitFactory()
    permit.paid_at = timezone.now()
    _refused(permit.save)


def _sheet(permit, sheet="A1.0", version=1, **values):
    from django.core.files.base import ContentFile

    from tests.cases.factories import PDF_BYTES

    row = PlanSheet(permit=permit, sheet=sheet, version=version, size_bytes=len(PDF_BYTES))
    for name, value in values.items():
        setattr(row, name, value)
    row.file.save("plan.pdf", ContentFile(PDF_BYTES), save=False)
    row.save()
    return row


def test_plan_sheets_keep_every_version_once():
    permit = PermitFactory()
    first = _sheet(permit)
    second = _sheet(permit, version=2, review_round=2)
    _refused(lambda: _sheet(permit, version=2))
    assert first.file.name != second.file.name
    assert first.file.name.endswith(".pdf")
    assert permit.case.reference in first.file.name
    assert [str(s) for s in permit.plan_sheets.all()] == ["A1.0 v1", "A1.0 v2"]


@pytest.mark.parametrize("values", [{"version": 0}, {"sheet": ""}, {"size_bytes": 0}])
def test_a_plan_sheet_out_of_bounds_is_refused(values):
    permit = PermitFactory()
    _refused(lambda: _sheet(permit, **values))
