"""Permits in bulk for the permits benchmarks (tests/perf/test_permits_*.py).

A million permits through the services would take hours: cases and permits are inserted
with one `INSERT … SELECT generate_series` each (a data-modifying CTE), as a register that
has grown over years: eight types, addresses drawn independently (by hash) from 9,999 house
numbers and 200 streets with 8 suffixes, one in three permits with a contractor among 500
(and one in twenty with the first, a busy contractor with pages of permits at every size),
statuses across the workflow (with permit numbers, issue, expiry and final dates where the
status has them), valuations, square footage and housing units. Then VACUUM (ANALYZE), the
state autovacuum keeps a live register in.
"""

from __future__ import annotations

import datetime

from django.db import connection
from django.utils import timezone

from accounts.models import User
from licensing.models import License, LicenseType
from permits.models import PermitCategory, PermitType

REFERENCE_PREFIX = "PER-1999-"
NUMBER_PREFIX = "BEN-1999-"
CONTRACTORS = 500
CONTRACTOR_PREFIX = "BCL-1999-"
STREETS = [
    "Oak", "Maple", "Cedar", "Pine", "Elm", "Walnut", "Willow", "Birch", "Spruce", "Hickory",
    "Chestnut", "Poplar", "Magnolia", "Sycamore", "Aspen", "Juniper", "Laurel", "Cherry",
    "Dogwood", "Hawthorn", "Linden", "Alder", "Beech", "Cypress", "Hemlock", "Holly", "Locust",
    "Mulberry", "Redwood", "Sequoia", "Washington", "Lincoln", "Jefferson", "Madison",
    "Monroe", "Adams", "Jackson", "Franklin", "Hamilton", "Grant", "Wilson", "Taylor", "Polk",
    "Harrison", "Tyler", "Pierce", "Hayes", "Garfield", "Arthur", "Cleveland", "Lake", "Hill",
    "River", "Park", "Spring", "Meadow", "Forest", "Valley", "Ridge", "Sunset", "Highland",
    "Prospect", "Church", "Mill", "School", "Bridge", "Market", "Water", "Union", "Center",
    "Main", "Broad", "High", "Front", "Court", "North", "South", "East", "West", "Central",
    "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
    "Tenth", "Eleventh", "Twelfth", "Academy", "Orchard", "Vine", "Rose", "Lilac", "Ivy",
    "Clover", "Fern", "Heather", "Jasmine", "Lavender", "Primrose", "Violet", "Daisy", "Tulip",
    "Iris", "Lotus", "Aurora", "Beacon", "Cambridge", "Dover", "Essex", "Fairview", "Glenwood",
    "Harbor", "Kingston", "Lexington", "Manchester", "Newport", "Oxford", "Princeton",
    "Queens", "Richmond", "Salem", "Trenton", "Vernon", "Windsor", "York", "Ashland",
    "Bayview", "Brookside", "Canyon", "Cliff", "Creek", "Crest", "Dale", "Edgewood", "Fox",
    "Garden", "Grove", "Hollow", "Knoll", "Lakeview", "Mesa", "Mountain", "Oakwood",
    "Pleasant", "Rock", "Shady", "Stone", "Summit", "Timber", "Vista", "Wood", "Bluebird",
    "Cardinal", "Dove", "Eagle", "Falcon", "Hawk", "Heron", "Lark", "Oriole", "Robin",
    "Sparrow", "Swallow", "Wren", "Quail", "Pheasant", "Partridge", "Raven", "Finch",
    "Kestrel", "Osprey", "Pelican", "Plover", "Sandpiper", "Starling", "Thrush", "Warbler",
    "Bobwhite", "Chickadee", "Goldfinch", "Hummingbird", "Kingfisher", "Meadowlark",
    "Nighthawk", "Nuthatch", "Woodpecker", "Bunting", "Tanager", "Vireo", "Waxwing", "Crane",
    "Egret", "Ibis", "Stork",
]  # fmt: skip
SUFFIXES = ["Street", "Avenue", "Road", "Lane", "Drive", "Court", "Place", "Way"]
# Statuses in the proportions of a live register: most finaled or under way.
STATUSES = [
    "submitted", "in_review", "in_review", "corrections_required", "approved", "issued",
    "issued", "inspections", "inspections", "inspections", "finaled", "finaled", "finaled",
    "finaled", "finaled", "finaled", "expired", "cancelled", "withdrawn", "finaled",
]  # fmt: skip
ISSUED = ("issued", "inspections", "finaled", "expired")
FINAL = ("finaled", "expired", "cancelled", "withdrawn")
TYPES = [
    ("bench-building", "BBN", "Building: new construction", PermitCategory.BUILDING, "new"),
    ("bench-addition", "BBA", "Building: addition", PermitCategory.BUILDING, "existing"),
    ("bench-demolition", "BDM", "Demolition", PermitCategory.DEMOLITION, "existing"),
    ("bench-electrical", "BEL", "Electrical", PermitCategory.ELECTRICAL, "existing"),
    ("bench-mechanical", "BME", "Mechanical", PermitCategory.MECHANICAL, "existing"),
    ("bench-plumbing", "BPL", "Plumbing", PermitCategory.PLUMBING, "existing"),
    ("bench-roof", "BRF", "Roof", PermitCategory.ROOF, "existing"),
    ("bench-fence", "BFN", "Fence", PermitCategory.FENCE, "new"),
]


def rare_address(size: int) -> str:
    return f"{size % 9000 + 1} Quillfeather Boulevard"


def setup_register() -> dict:
    """The benchmark's applicant, permit types and contractors (their licenses)."""
    applicant, _ = User.objects.get_or_create(
        email="bench-permits@example.org", defaults={"full_name": "Bench Applicant"}
    )
    types = [
        PermitType.objects.get_or_create(
            code=code,
            defaults={
                "number_prefix": prefix,
                "name": name,
                "description": "A permit type of the benchmark.",
                "category": category,
                "work_class": work_class,
                "published_at": timezone.now(),
            },
        )[0].pk
        for code, prefix, name, category, work_class in TYPES
    ]
    license_type, _ = LicenseType.objects.get_or_create(
        code="bench-contractor",
        defaults={
            "number_prefix": "BCL",
            "name": "Benchmark contractor",
            "category": "Benchmark",
            "description": "Contractors of the permits benchmark.",
            "application_fee_cents": 5000,
            "renewal_fee_cents": 4000,
            "published_at": timezone.now(),
        },
    )
    existing = License.objects.filter(license_type=license_type).count()
    if existing < CONTRACTORS:
        today = datetime.date.today()
        License.objects.bulk_create(
            License(
                number=f"{CONTRACTOR_PREFIX}{n:06d}",
                license_type=license_type,
                holder_name=f"Contractor {n}",
                business_name=f"{STREETS[n % len(STREETS)]} Builders {n}",
                issued_on=today - datetime.timedelta(days=100),
                expires_on=today + datetime.timedelta(days=600),
            )
            for n in range(existing + 1, CONTRACTORS + 1)
        )
    contractors = list(
        License.objects.filter(license_type=license_type)
        .order_by("id")
        .values_list("id", flat=True)
    )
    return {"applicant": applicant.pk, "types": types, "contractors": contractors}


def permits_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(substr(reference, 10)::int), 0) FROM cases_case "
            "WHERE reference LIKE %s",
            [REFERENCE_PREFIX + "%"],
        )
        return cursor.fetchone()[0]


def grow_to(total: int, register: dict) -> None:
    """Insert benchmark permits until there are `total`, the last few at a rare address."""
    have = permits_count()
    if have >= total:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH numbers AS (
                SELECT g,
                       timestamptz '2019-01-07 14:00+00' + ((g * 37) %% 2400) * interval '1 day'
                           AS applied,
                       (%(statuses)s::text[])[1 + abs(hashtext('s' || g)) %% %(status_count)s]
                           AS status
                FROM generate_series(%(start)s::bigint, %(total)s::bigint) AS g
            ),
            new_cases AS (
                INSERT INTO cases_case (
                    created_at, updated_at, reference, kind, status, applicant_id, guest_name,
                    guest_email, guest_phone, anonymous, language, submitted_at, closed_at
                )
                SELECT applied, applied, %(reference)s || lpad(g::text, 7, '0'), 'permit',
                       status, %(applicant)s, '', '', '', false, 'en', applied,
                       CASE WHEN status = ANY(%(final)s) THEN applied + interval '200 days' END
                FROM numbers
                RETURNING id, reference, status, submitted_at
            )
            INSERT INTO permits_permit (
                created_at, updated_at, case_id, permit_type_id, address, parcel_number,
                work_description, valuation_cents, square_feet, housing_units, owner_builder,
                answers, typed, step, application_fee_cents, plan_review_fee_cents,
                permit_fee_cents, paid_at, permit_number, issued_at, expires_at, finaled_at,
                contractor_license_id
            )
            SELECT c.submitted_at, c.submitted_at, c.id,
                   (%(types)s::bigint[])[1 + n.g %% %(type_count)s],
                   CASE WHEN n.g > %(total)s - 3 THEN %(rare)s
                        ELSE (1 + abs(hashtext('h' || n.g)) %% 9999)::text || ' '
                             || (%(streets)s::text[])[1 + abs(hashtext('t' || n.g)) %% %(street_count)s]
                             || ' '
                             || (%(suffixes)s::text[])[1 + abs(hashtext('x' || n.g)) %% %(suffix_count)s]
                        END,
                   lpad((n.g %% 100)::text, 2, '0') || '-' || lpad((n.g %% 997)::text, 3, '0')
                       || '-' || lpad(n.g::text, 7, '0'),
                   'Work of benchmark permit ' || n.g,
                   (n.g %% 500) * 100000, 100 + n.g %% 3000, n.g %% 3, false,
                   '{}'::jsonb, '{}'::jsonb, 'check', 5000, 0, 20000, NULL,
                   CASE WHEN c.status = ANY(%(issued)s)
                        THEN %(number)s || lpad(n.g::text, 7, '0') END,
                   CASE WHEN c.status = ANY(%(issued)s) THEN c.submitted_at + interval '30 days' END,
                   CASE WHEN c.status = ANY(%(issued)s) THEN c.submitted_at + interval '210 days' END,
                   CASE WHEN c.status = 'finaled' THEN c.submitted_at + interval '200 days' END,
                   CASE WHEN n.g %% 20 = 0 THEN (%(contractors)s::bigint[])[1]
                        WHEN n.g %% 3 = 0
                        THEN (%(contractors)s::bigint[])[1 + abs(hashtext('c' || n.g)) %% %(contractor_count)s]
                        END
            FROM new_cases AS c
            JOIN numbers AS n ON n.g = substr(c.reference, 10)::bigint
            """,  # noqa: E501
            {
                "statuses": STATUSES,
                "status_count": len(STATUSES),
                "start": have + 1,
                "total": total,
                "reference": REFERENCE_PREFIX,
                "number": NUMBER_PREFIX,
                "applicant": register["applicant"],
                "final": list(FINAL),
                "issued": list(ISSUED),
                "types": register["types"],
                "type_count": len(register["types"]),
                "rare": rare_address(total),
                "streets": STREETS,
                "street_count": len(STREETS),
                "suffixes": SUFFIXES,
                "suffix_count": len(SUFFIXES),
                "contractors": register["contractors"],
                "contractor_count": len(register["contractors"]),
            },
        )
        cursor.execute("VACUUM (ANALYZE) cases_case")
        cursor.execute("VACUUM (ANALYZE) permits_permit")


def clear(register: dict) -> None:
    """Delete what the benchmark inserted, and vacuum (else autovacuum clears a million dead
    rows during the next benchmark)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM permits_permit WHERE case_id IN "
            "(SELECT id FROM cases_case WHERE reference LIKE %s)",
            [REFERENCE_PREFIX + "%"],
        )
        cursor.execute("DELETE FROM cases_case WHERE reference LIKE %s", [REFERENCE_PREFIX + "%"])
        cursor.execute(
            "DELETE FROM licensing_license WHERE number LIKE %s", [CONTRACTOR_PREFIX + "%"]
        )
        cursor.execute("DELETE FROM licensing_licensetype WHERE code = 'bench-contractor'")
        cursor.execute("DELETE FROM permits_permittype WHERE code LIKE 'bench-%%'")
        cursor.execute("VACUUM (ANALYZE) cases_case")
        cursor.execute("VACUUM (ANALYZE) permits_permit")
