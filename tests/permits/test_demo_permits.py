"""The demo permits: every stage of a permit's life, made through the services, once."""

import collections
import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.demo import INSPECTOR, RESIDENT
from cases.models import Case, CaseEvent
from notifications.models import Notification
from payments.models import Invoice, Payment
from permits import workflow as wf
from permits.demo import examples
from permits.models import (
    CertificateOfOccupancy,
    CorrectionLetter,
    Inspection,
    InspectionResult,
    InspectionSlot,
    InspectorShift,
    Permit,
    PlanSheet,
)
from permits.selectors_inspections import availability
from permits.selectors_public import permits_public_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings, django_capture_on_commit_callbacks):
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def snapshot() -> dict:
    """Counts of everything the demo permits write, and each permit's state."""
    return {
        "models": {
            model.__name__: model.objects.count()
            for model in (
                Case,
                CaseEvent,
                Permit,
                PlanSheet,
                CorrectionLetter,
                Inspection,
                InspectionSlot,
                InspectorShift,
                CertificateOfOccupancy,
                Invoice,
                Payment,
                Notification,
            )
        },
        "permits": sorted(
            Permit.objects.values_list(
                "case__reference", "case__status", "permit_number", "expires_at"
            )
        ),
    }


def test_the_demo_has_permits_at_every_stage(seeded):
    # given: seed_demo ran (the fixture)

    # when
    statuses = collections.Counter(
        Permit.objects.filter(case__kind=wf.KIND).values_list("case__status", flat=True)
    )

    # then: each stage has what the demo list asks for, and every permit was sent
    expected = collections.Counter(examples.STATUS[row.stage] for row in examples.PERMITS)
    assert statuses == expected
    assert len(examples.PERMITS) >= 20
    for status in (
        wf.IN_REVIEW,
        wf.CORRECTIONS_REQUIRED,
        wf.APPROVED,
        wf.ISSUED,
        wf.INSPECTIONS,
        wf.FINALED,
        wf.WITHDRAWN,
        wf.CANCELLED,
    ):
        assert statuses[status] >= 1, status
    assert not Permit.objects.filter(case__submitted_at__isnull=True).exists()
    assert CorrectionLetter.objects.exists()


def test_the_demo_cancelled_and_withdrawn_permits_went_through_the_cancel_service(seeded):
    # given: seed_demo ran

    # when
    cancelled = Permit.objects.select_related("case").get(
        case__status=wf.CANCELLED, case__reference__isnull=False, issuance__isnull=False
    )
    withdrawn = Permit.objects.select_related("case").get(case__status=wf.WITHDRAWN)

    # then: the reason is on the applicant's timeline, the permit fee invoiced on approval
    # is voided, the fee paid when applying kept; the applicant's reason is a staff note
    moved = CaseEvent.objects.get(case=cancelled.case, to_status=wf.CANCELLED)
    assert moved.body == examples.CANCEL_REASON
    assert cancelled.issuance.invoice.status == "void"
    assert cancelled.invoice.status == "paid"
    assert CaseEvent.objects.filter(
        case=withdrawn.case, kind=CaseEvent.Kind.NOTE, body__contains=examples.WITHDRAW_REASON
    ).exists()


def test_the_demo_inspections_passed_failed_and_booked(seeded):
    # given: seed_demo ran
    today = timezone.localdate()

    # when
    done = Inspection.objects.filter(status=Inspection.Status.DONE)
    booked = Inspection.objects.filter(status=Inspection.Status.SCHEDULED)

    # then: results in the past, one inspection booked ahead, a re-inspection fee due
    assert done.filter(result=InspectionResult.PASSED).exists()
    assert done.filter(result=InspectionResult.FAILED).exists()
    assert all(inspection.day < today for inspection in done)
    assert booked.count() == 1 and booked.get().day > today
    assert Inspection.objects.filter(fee_invoice__status="open").exists()
    # Every finaled permit of a type that gives one has its certificate of occupancy.
    for permit in Permit.objects.filter(case__status=wf.FINALED).select_related("permit_type"):
        assert permit.finaled_at is not None
        has_certificate = CertificateOfOccupancy.objects.filter(permit=permit).exists()
        assert has_certificate == permit.permit_type.gives_certificate_of_occupancy
    assert CertificateOfOccupancy.objects.count() >= 2


def test_a_resident_can_book_an_inspection_on_the_demo(seeded):
    # given: the demo resident's issued permit, without an inspection booked yet
    permit = (
        Permit.objects.filter(case__status=wf.ISSUED)
        .select_related("case", "permit_type")
        .order_by("pk")
        .first()
    )

    # when
    free = availability(permit=permit)

    # then: the demo inspector's half-days are open for the coming days
    assert free
    assert InspectorShift.objects.filter(inspector__email=INSPECTOR.email).count() == 10
    afternoons = InspectorShift.objects.filter(inspector__email=INSPECTOR.email, period="pm")
    assert {shift.appointment_minutes for shift in afternoons} == {60}
    assert free[0].day > timezone.localdate()
    assert free[0].day <= timezone.localdate() + datetime.timedelta(days=21)


def test_the_demo_inspector_covers_the_city_wards_in_the_mornings(seeded):
    # given: the demo inspector's mornings, in the wards every service's cases are placed in
    mornings = InspectorShift.objects.filter(inspector__email=INSPECTOR.email, period="am")
    ward = {shift.weekday: shift.area.code for shift in mornings.select_related("area")}
    assert ward == {0: "ward-1", 1: "ward-3", 2: "ward-1", 3: "ward-3", 4: "ward-1"}

    # then: each issued permit is offered the mornings of its property's ward (by its ZIP
    # code) and no other; one in ward 2 only the afternoons, anywhere in the city
    expected = {"ward-1": {0, 2, 4}, "ward-2": set(), "ward-3": {1, 3}}
    permits = Permit.objects.filter(case__status=wf.ISSUED).select_related("case__area")
    assert {permit.case.area.code for permit in permits} >= {"ward-1", "ward-2"}
    for permit in permits:
        free = availability(permit=permit)
        mornings = {half.day.weekday() for half in free if half.period == "am"}
        assert mornings == expected[permit.case.area.code], permit.address
        assert {half.day.weekday() for half in free if half.period == "pm"}


def test_a_second_seed_changes_nothing(seeded, settings):
    # given: seed_demo ran once
    before = snapshot()

    # when
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # then
    assert snapshot() == before


def test_the_public_search_and_the_open_data_show_the_demo_permits(seeded, client):
    # given: seed_demo ran
    issued = Permit.objects.exclude(permit_number=None).order_by("pk").first()

    # when
    by_address = permits_public_page(query="Walnut")
    page = client.get(reverse("permits:search"), {"q": issued.permit_number})
    data = client.get(reverse("permits:open_data", args=["permits", "csv"]))

    # then
    assert len(by_address.object_list) == sum(
        1 for row in examples.PERMITS if row.address == examples.WALNUT
    )
    assert page.status_code == 200
    assert issued.permit_number in page.content.decode()
    lines = b"".join(data.streaming_content).decode().strip().splitlines()
    assert len(lines) == 1 + len(examples.PERMITS)


def test_the_demo_resident_has_permits_at_several_stages(seeded):
    # when
    statuses = set(
        Permit.objects.filter(case__applicant__email=RESIDENT.email).values_list(
            "case__status", flat=True
        )
    )

    # then
    assert {wf.IN_REVIEW, wf.CORRECTIONS_REQUIRED, wf.APPROVED, wf.INSPECTIONS} <= statuses
