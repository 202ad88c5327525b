"""Areas: boundaries checked as an administrator pastes them, and each service's cases placed
in the area their location lies in (by the database, after the case is sent)."""

import dataclasses
import datetime
import json
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from bookings.workflow import KIND as BOOKING_KIND
from cases.admin.areas import AreaForm
from cases.areas.boundaries import boundary_parse
from cases.areas.locating import (
    CaseLocation,
    area_now,
    area_save,
    areas_reassign,
    cases_locate,
)
from cases.areas.models import Area, AreaRing
from cases.models import Case
from cases.services import case_create
from licensing.models import Complaint
from licensing.workflow import KIND_COMPLAINT
from tests.accounts.factories import UserFactory
from tests.bookings.factories import FacilityFactory, booking_row
from tests.concerns.factories import make_report
from tests.licensing.factories import ApplicationFactory, LicenseFactory
from tests.permits.factories import PermitFactory


def square(west, south, east, north):
    return [[west, south], [east, south], [east, north], [west, north], [west, south]]


# Ward 1, with a hole (a park that belongs to nobody); ward 2 in two parts.
WARD_1 = {
    "type": "Polygon",
    "coordinates": [square(-89.70, 39.78, -89.65, 39.82), square(-89.69, 39.79, -89.68, 39.80)],
}
WARD_2 = {
    "type": "MultiPolygon",
    "coordinates": [
        [square(-89.65, 39.78, -89.60, 39.82)],
        [square(-89.60, 39.70, -89.58, 39.72)],
    ],
}
IN_WARD_1 = (39.7987, -89.6543)  # (latitude, longitude): city hall
IN_HOLE = (39.795, -89.685)
IN_WARD_2_ISLAND = (39.71, -89.59)
NOWHERE = (39.85, -89.75)  # in the agency, in no ward


def make_area(code, boundary=None, postal_codes=()):
    return area_save(
        area=Area(code=code, name=code.title(), postal_codes=list(postal_codes)),
        boundary=boundary_parse(json.dumps(boundary) if boundary else None),
    )


@pytest.fixture
def wards(db):
    return {
        "ward-1": make_area("ward-1", WARD_1),
        "ward-2": make_area("ward-2", WARD_2, ["62704"]),
        "ward-3": make_area("ward-3", postal_codes=["62702"]),
    }


def area_at(latitude, longitude, zip_code=""):
    with connection.cursor() as cursor:
        cursor.execute("SELECT cases_area_at(%s, %s, %s)", [latitude, longitude, zip_code])
        found = cursor.fetchone()[0]
    return Area.objects.get(pk=found).code if found else None


# --- boundaries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"type": "Polygon", ', "The boundary is not valid GeoJSON: Expecting"),
        ("[1, 2]", "The boundary must be a GeoJSON object."),
        (
            '{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}',
            "The boundary must be a GeoJSON Polygon or MultiPolygon, not LineString.",
        ),
        (
            '{"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}',
            "The boundary is not a valid polygon: Too few points",
        ),
        (
            '{"type": "Polygon", "coordinates": "nope"}',
            "The boundary's coordinates are not a polygon",
        ),
        (
            json.dumps({"type": "Polygon", "coordinates": [square(-89.7, 89.0, -89.6, 95.0)]}),
            "The position [-89.6, 95.0] is not [longitude, latitude]",
        ),
        (
            # A bow tie: the ring crosses itself.
            json.dumps(
                {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
            ),
            "The boundary is not a valid polygon: Self-intersection[0.5 0.5].",
        ),
        (
            json.dumps({"type": "FeatureCollection", "features": [{}, {}]}),
            "The boundary holds several features: paste only the area's own.",
        ),
    ],
)
def test_a_bad_boundary_is_refused_saying_why(text, message):
    with pytest.raises(ValidationError) as refused:
        boundary_parse(text)
    assert refused.value.messages[0].startswith(message)


def test_a_feature_collection_of_one_polygon_is_its_polygon():
    pasted = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": WARD_1}],
    }
    assert boundary_parse(json.dumps(pasted)) == WARD_1


def test_the_admin_form_shows_the_geojson_error_on_the_boundary(db):
    form = AreaForm(data={"name": "Ward 9", "code": "ward-9", "boundary": "{not json"})
    assert not form.is_valid()
    assert form.errors["boundary"][0].startswith("The boundary is not valid GeoJSON")
    assert not Area.objects.exists()


def test_the_admin_form_wants_a_boundary_or_zip_codes(db):
    form = AreaForm(data={"name": "Ward 9", "code": "ward-9", "boundary": "", "postal_codes": ""})
    assert not form.is_valid()
    assert form.non_field_errors() == ["Give the area a boundary, its ZIP codes, or both."]


def test_the_admin_saves_an_area_with_its_rings(db, client, django_capture_on_commit_callbacks):
    administrator = UserFactory(is_staff=True, is_superuser=True)
    TOTP.activate(administrator, generate_totp_secret())
    client.force_login(administrator)
    response = client.post(
        "/admin/cases/area/add/",
        {
            "name": "Ward 1",
            "name_es": "Distrito 1",
            "code": "ward-1",
            "boundary": json.dumps(WARD_1),
            "postal_codes": " 62701 , 62701",
        },
    )
    assert response.status_code == 302
    area = Area.objects.get(code="ward-1")
    assert area.postal_codes == ["62701"]
    assert AreaRing.objects.filter(area=area).count() == 2
    assert area_at(*IN_WARD_1) == "ward-1"

    # the list's action places the open cases in the areas as they now are
    Area.objects.filter(pk=area.pk).delete()  # not there when the report is sent
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report(latitude=Decimal("39.798700"), longitude=Decimal("-89.654300"))
    area = make_area("ward-1", WARD_1)
    assert Case.objects.get(pk=report.case_id).area is None
    response = client.post(
        "/admin/cases/area/",
        {"action": "reassign_open_cases", "_selected_action": [area.pk]},
        follow=True,
    )
    assert "1 open case moved to another area." in response.content.decode()
    assert Case.objects.get(pk=report.case_id).area == area


def test_redrawing_an_area_replaces_its_rings(wards):
    area_save(
        area=wards["ward-1"], boundary={"type": "Polygon", "coordinates": [square(0, 0, 1, 1)]}
    )
    assert AreaRing.objects.filter(area=wards["ward-1"]).count() == 1
    assert area_at(*IN_WARD_1) is None
    assert area_at(0.5, 0.5) == "ward-1"


# --- which area a location is in ---------------------------------------------------------


@pytest.mark.parametrize(
    ("point", "zip_code", "area"),
    [
        (IN_WARD_1, "", "ward-1"),
        (IN_HOLE, "", None),  # in ward 1's hole
        (IN_WARD_2_ISLAND, "", "ward-2"),  # ward 2's second part
        (NOWHERE, "", None),
        (NOWHERE, "62704", None),  # a point outside every area is outside, whatever its ZIP
        ((None, None), "62704", "ward-2"),
        ((None, None), "62702", "ward-3"),
        ((None, None), "99999", None),
        ((None, None), "", None),
    ],
)
def test_the_area_at_a_point_or_zip_code(wards, point, zip_code, area):
    assert area_at(*point, zip_code) == area


# --- each service's cases ----------------------------------------------------------------


def test_a_concern_report_is_placed_by_its_point_once_sent(
    wards, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inside = make_report(latitude=Decimal("39.798700"), longitude=Decimal("-89.654300"))
        outside = make_report(latitude=Decimal("39.850000"), longitude=Decimal("-89.750000"))
        nowhere = make_report(latitude=None, longitude=None, address="Behind the library")
    assert Case.objects.get(pk=inside.case_id).area == wards["ward-1"]
    assert Case.objects.get(pk=outside.case_id).area is None
    assert Case.objects.get(pk=nowhere.case_id).area is None


def test_a_permit_is_placed_by_the_zip_code_ending_its_address(
    wards, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        south = PermitFactory(submit=True, address="1420 Maple Avenue, Springfield, IL 62704")
        north = PermitFactory(submit=True, address="17 Birch Court, Springfield, IL 62702-1234")
        elsewhere = PermitFactory(submit=True, address="1 Main Street, Chicago, IL 60601")
    assert Case.objects.get(pk=south.case_id).area == wards["ward-2"]
    assert Case.objects.get(pk=north.case_id).area == wards["ward-3"]
    assert Case.objects.get(pk=elsewhere.case_id).area is None


def test_a_permit_draft_is_placed_when_it_is_sent(wards, django_capture_on_commit_callbacks):
    from cases.services import transition

    permit = PermitFactory(address="88 Walnut Street, Springfield, IL 62704")
    assert Case.objects.get(pk=permit.case_id).area is None
    with django_capture_on_commit_callbacks(execute=True):
        transition(case=permit.case, to_status="submitted", actor=None)
    assert Case.objects.get(pk=permit.case_id).area == wards["ward-2"]


def test_the_area_a_case_lies_in_now_follows_the_areas_before_reassigning(wards):
    # given: a sent permit placed in ward 2 by its ZIP code
    permit = PermitFactory(submit=True, address="1420 Maple Avenue, Springfield, IL 62704")
    cases_locate(case_ids=[permit.case_id])
    assert area_now(permit.case) == wards["ward-2"]

    # when: the ZIP code moves to ward 3, and nothing is reassigned yet
    Area.objects.filter(pk=wards["ward-2"].pk).update(postal_codes=[])
    Area.objects.filter(pk=wards["ward-3"].pk).update(postal_codes=["62702", "62704"])

    # then: the case's area is still ward 2 until the night, but it lies in ward 3 now
    assert Case.objects.get(pk=permit.case_id).area == wards["ward-2"]
    assert area_now(permit.case) == wards["ward-3"]
    outside = PermitFactory(submit=True, address="1 Main Street, Chicago, IL 60601")
    assert area_now(outside.case) is None


def test_a_booking_is_placed_by_its_facility(wards):
    facility = FacilityFactory(latitude=Decimal("39.710000"), longitude=Decimal("-89.590000"))
    elsewhere = FacilityFactory(latitude=None, longitude=None)
    cases = []
    for place in (facility, elsewhere):
        booking = booking_row(facility=place, start=timezone.now() + datetime.timedelta(days=3))
        booking.case = case_create(kind=BOOKING_KIND, guest_email="guest@example.com")
        booking.save(update_fields=["case"])
        cases.append(booking.case)
    cases_locate(case_ids=[case.pk for case in cases])
    assert [Case.objects.get(pk=case.pk).area for case in cases] == [wards["ward-2"], None]


def test_a_license_application_and_a_complaint_are_placed_by_the_business_address(wards):
    application = ApplicationFactory()
    application.address = "45 Oak Street, Springfield, IL 62702"
    application.save(update_fields=["address"])
    license = LicenseFactory(application=application)
    complaint = Complaint.objects.create(
        case=case_create(kind=KIND_COMPLAINT, guest_email="neighbour@example.com"),
        license=license,
        details="Open past midnight.",
    )
    cases_locate(case_ids=[application.case_id, complaint.case_id])
    assert Case.objects.get(pk=application.case_id).area == wards["ward-3"]
    assert Case.objects.get(pk=complaint.case_id).area == wards["ward-3"]


def test_reassigning_places_open_cases_again_and_leaves_closed_ones(
    wards, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report(latitude=Decimal("39.798700"), longitude=Decimal("-89.654300"))
        closed = make_report(latitude=Decimal("39.798700"), longitude=Decimal("-89.654300"))
    Case.objects.filter(pk=closed.case_id).update(status="closed", closed_at=timezone.now())
    # given: ward 1 redrawn away from city hall
    area_save(
        area=wards["ward-1"], boundary={"type": "Polygon", "coordinates": [square(0, 0, 1, 1)]}
    )
    # when
    call_command("cases_areas_reassign", verbosity=0)
    # then
    assert Case.objects.get(pk=report.case_id).area is None
    assert Case.objects.get(pk=closed.case_id).area == wards["ward-1"]
    # and an area deleted leaves its cases without one
    area_save(area=wards["ward-1"], boundary=WARD_1)
    assert areas_reassign() == 1  # only the report that moves is written
    assert areas_reassign() == 0
    assert Case.objects.get(pk=report.case_id).area == wards["ward-1"]
    wards["ward-1"].delete()
    assert Case.objects.get(pk=report.case_id).area is None


# --- a location that names what does not exist fails at start-up ------------------------


@pytest.mark.parametrize(
    ("location", "problem"),
    [
        (CaseLocation("concerns.Nothing"), "names the model 'concerns.Nothing'"),
        (CaseLocation("concerns.ConcernReport", address="adress"), "names 'adress'"),
        (
            CaseLocation(
                "bookings.Booking", latitude="facility__lat", longitude="facility__longitude"
            ),
            "names 'facility__lat'",
        ),
        (CaseLocation("concerns.ConcernReport", case="category"), "not a link to a case"),
        (CaseLocation("concerns.ConcernReport", latitude="latitude"), "without the other"),
    ],
)
def test_a_workflow_location_that_names_nothing_is_a_system_check_error(location, problem):
    from cases.checks import workflow_locations_check
    from cases.workflow import register, unregister
    from tests.cases.workflows import TEST_REPORT

    workflow = dataclasses.replace(
        TEST_REPORT, kind="test_located", prefix="TLOC", location=location
    )
    register(workflow)
    try:
        errors = workflow_locations_check()
    finally:
        unregister(workflow.kind)

    assert [(error.id, error.obj) for error in errors] == [("cases.E005", "test_located")]
    assert problem in errors[0].msg


def test_every_service_location_names_what_exists():
    from cases.checks import workflow_locations_check

    assert workflow_locations_check() == []
