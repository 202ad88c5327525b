"""Migration permits 0010: the days already opened at exact times are cut in quarter hours,
and the inspections booked in them keep their times and hold only what their length
overlaps; a shift's minutes become a multiple of 15."""

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.migrations.executor import MigrationExecutor

from permits.models import Inspection, InspectionSlot, InspectorShift
from permits.selectors_inspections import availability
from tests.permits.inspection_factories import NOW, WEDNESDAY, at, inspector, issued_permit

BEFORE = [("permits", "0009_permit_fee_invoice_once")]


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
def test_opened_times_become_quarter_hours_and_bookings_keep_their_times(latest_schema_after):
    # given: an inspector whose Wednesday morning was opened as four hourly times, half an
    # hour booked at 9:00 (holding the whole 9:00 time then), and a shift of 50 minutes
    person = inspector(capacity=4, weekdays=[2], periods=("am",))
    other = inspector(capacity=4, weekdays=[3], periods=("am",))
    permit = issued_permit(steps=1)
    permit.permit_type.inspection_steps.update(minutes=30)
    step = permit.permit_type.inspection_steps.get()
    old = _migrate(BEFORE)
    Slot = old.get_model("permits", "InspectionSlot")
    OldInspection = old.get_model("permits", "Inspection")
    Shift = old.get_model("permits", "InspectorShift")
    Shift.objects.filter(inspector_id=person.pk).update(appointment_minutes=60)
    Shift.objects.filter(inspector_id=other.pk).update(appointment_minutes=50)
    rows = {
        hour: Slot.objects.create(
            inspector_id=person.pk,
            day=WEDNESDAY,
            period="am",
            capacity=1,
            booked=1 if hour == 9 else 0,
            starts_at=datetime.time(hour),
            span=DateTimeTZRange(at(WEDNESDAY, hour), at(WEDNESDAY, hour + 1), "[)"),
        )
        for hour in (8, 9, 10, 11)
    }
    booked = OldInspection.objects.create(
        permit_id=permit.pk,
        step_id=step.pk,
        slot_id=rows[9].pk,
        inspector_id=person.pk,
        day=WEDNESDAY,
        period="am",
        starts_at=datetime.time(9),
        span=DateTimeTZRange(at(WEDNESDAY, 9), at(WEDNESDAY, 9, 30), "[)"),
        remind_on=WEDNESDAY - datetime.timedelta(days=1),
        status="scheduled",
    )

    # when
    _migrate()

    # then: sixteen quarter hours, the first of each time its old row
    units = InspectionSlot.objects.filter(inspector=person, day=WEDNESDAY).order_by("starts_at")
    assert [row.starts_at for row in units] == [
        datetime.time(hour, minute) for hour in (8, 9, 10, 11) for minute in (0, 15, 30, 45)
    ]
    assert {row.shift_minutes for row in units} == {60}
    assert InspectionSlot.objects.get(pk=rows[9].pk).starts_at == datetime.time(9)
    assert [row.starts_at for row in units if row.booked] == [
        datetime.time(9),
        datetime.time(9, 15),
    ]
    inspection = Inspection.objects.get(pk=booked.pk)
    assert (inspection.slot_id, inspection.starts_at) == (rows[9].pk, datetime.time(9))
    # the half hour after it is free and offered to another half-hour inspection
    again = issued_permit(steps=1)
    again.permit_type.inspection_steps.update(minutes=30)
    offered = [h.starts_at for h in availability(permit=again, now=NOW) if h.day == WEDNESDAY]
    assert datetime.time(9, 30) in offered
    # the shift of 50 minutes goes by an hour, as many inspections as fit
    shift = InspectorShift.objects.get(inspector=other)
    assert (shift.appointment_minutes, shift.capacity) == (60, 4)
