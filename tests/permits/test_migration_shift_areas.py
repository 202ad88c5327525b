"""Migrations permits 0013-0014: the inspectors' areas become the agency's areas
(`cases.Area`), their shifts and opened half-days follow, and `permits.InspectionArea` goes."""

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.migrations.executor import MigrationExecutor

from cases.areas.models import Area
from permits.models import InspectionSlot, InspectorShift
from permits.services.inspections import inspection_book
from tests.permits.inspection_factories import (
    NOW,
    WEDNESDAY,
    at,
    inspector,
    issued_permit,
    open_slots,
)

BEFORE = [("permits", "0012_drop_inspection_result_key")]


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    yield
    _migrate()


@pytest.mark.django_db(transaction=True)
def test_inspection_areas_become_agency_areas_and_shifts_follow(latest_schema_after):
    # given: a ward listing 62702 and 62707 already; inspection areas "west" (62704) and
    # "north" (62702, 62707); an inspector in each, one anywhere, and a west half-day opened
    Area.objects.create(code="ward-1", name="Ward 1", postal_codes=["62707", "62702", "62799"])
    west_person = inspector(capacity=1, weekdays=[2], periods=("am",))
    north_person = inspector(capacity=1, weekdays=[3], periods=("am",))
    anywhere = inspector(capacity=1, weekdays=[4], periods=("am",))
    old = _migrate(BEFORE)
    OldArea = old.get_model("permits", "InspectionArea")
    Shift = old.get_model("permits", "InspectorShift")
    Slot = old.get_model("permits", "InspectionSlot")
    west = OldArea.objects.create(code="west", name="West", name_es="Oeste", postal_codes=["62704"])
    north = OldArea.objects.create(code="north", name="North", postal_codes=["62702", "62707"])
    Shift.objects.filter(inspector_id=west_person.pk).update(area=west)
    Shift.objects.filter(inspector_id=north_person.pk).update(area=north)
    opened = Slot.objects.create(
        inspector_id=west_person.pk,
        day=WEDNESDAY,
        period="am",
        area=west,
        capacity=1,
        span=DateTimeTZRange(at(WEDNESDAY, 8), at(WEDNESDAY, 12), "[)"),
    )

    # when
    _migrate()

    # then: west is an agency area of its own (ZIP codes, no boundary); north's ZIP codes
    # were all ward 1's already, so its inspector covers ward 1; anywhere stays anywhere
    shared = Area.objects.get(code="west")
    assert (shared.name, shared.name_es, shared.postal_codes, shared.boundary) == (
        "West",
        "Oeste",
        ["62704"],
        None,
    )
    assert InspectorShift.objects.get(inspector=west_person).area == shared
    assert InspectionSlot.objects.get(pk=opened.pk).area == shared
    assert InspectorShift.objects.get(inspector=north_person).area.code == "ward-1"
    assert InspectorShift.objects.get(inspector=anywhere).area is None
    assert not Area.objects.filter(code="north").exists()
    # a permit in 62704 is inspected by the west inspector, on the half-day opened before
    open_slots()
    permit = issued_permit(steps=1, address="5 Oak Street, Springfield, IL 62704")
    step = permit.permit_type.inspection_steps.get()
    booked = inspection_book(
        permit=permit, step=step, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    assert (booked.inspector, booked.slot_id) == (west_person, opened.pk)


@pytest.mark.django_db(transaction=True)
def test_an_area_without_zip_codes_named_by_a_shift_stops_the_migration(latest_schema_after):
    # given: an inspection area without ZIP codes that a shift names, and one nobody uses
    person = inspector(capacity=1, weekdays=[2], periods=("am",))
    old = _migrate(BEFORE)
    OldArea = old.get_model("permits", "InspectionArea")
    Shift = old.get_model("permits", "InspectorShift")
    empty = OldArea.objects.create(code="empty", name="Empty")
    OldArea.objects.create(code="unused", name="Unused")
    Shift.objects.filter(inspector_id=person.pk).update(area=empty)

    # when / then: the migration stops, saying which area, and the shift keeps its area
    with pytest.raises(RuntimeError, match="'empty' has no ZIP codes"):
        _migrate()
    assert Shift.objects.get(inspector_id=person.pk).area_id == empty.pk

    # and once the area has its ZIP codes, it migrates; the unused empty area goes
    OldArea.objects.filter(pk=empty.pk).update(postal_codes=["62701"])
    _migrate()
    assert InspectorShift.objects.get(inspector=person).area.code == "empty"
    assert not Area.objects.filter(code="unused").exists()
