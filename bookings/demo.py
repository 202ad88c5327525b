"""Demo data for `manage.py seed_demo`: seven published facilities with different rules (fixed
slots, by the hour, staff approval, buffers, deposits), their opening hours in English and
Spanish, a closed date, the usual cancellation tiers, a few paid bookings in the coming
weeks, and a lottery taking requests for the tennis courts' opening week, with some requests
already in, all made through the real services, so the free times look like a real calendar.

Facilities are created only if missing (by code), and a facility's bookings only when it
has none, and the lottery and its requests only when the facility has no lottery, so running
it again changes nothing.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.demo import RESIDENT, RESIDENT_ES
from accounts.models import User
from bookings.availability import days_availability
from bookings.models import (
    Blackout,
    Booking,
    CancellationTier,
    Facility,
    FacilityKind,
    Lottery,
    OpeningHours,
    PriceUnit,
    SlotMode,
)
from bookings.services import checkout, facilities, holds
from bookings.services import lottery as lotteries
from payments import services as payments

WEEKDAYS = range(5)
EVERY_DAY = range(7)
WEEKEND = (5, 6)

# 30 days or more ahead: all the fee back; 11 to 29 days: half; 10 days or fewer: nothing.
TIERS = [(30, 100), (11, 50), (0, 0)]


def _hours(days, opens: int, closes: int) -> list[tuple[int, datetime.time, datetime.time]]:
    return [(day, datetime.time(opens), datetime.time(closes)) for day in days]


FACILITIES = [
    {
        "code": "riverside-pavilion",
        "name": "Riverside Park pavilion",
        "name_es": "Pabellón del parque Riverside",
        "kind": FacilityKind.PAVILION,
        "description": (
            "A covered pavilion by the river with eight picnic tables, two grills, power "
            "outlets and a water fountain. Booked in half days."
        ),
        "description_es": (
            "Un pabellón techado junto al río con ocho mesas de pícnic, dos parrillas, "
            "enchufes y un bebedero. Se reserva por medio día."
        ),
        "capacity": 80,
        "location": "Riverside Park, 200 River Road",
        "location_es": "Parque Riverside, 200 River Road",
        "latitude": Decimal("39.820000"),
        "longitude": Decimal("-89.620000"),
        "accessibility": (
            "Paved, step-free path from the accessible parking spaces. Two tables have "
            "wheelchair seating. Accessible restrooms 50 yards away."
        ),
        "accessibility_es": (
            "Camino pavimentado y sin escalones desde los estacionamientos accesibles. Dos "
            "mesas tienen lugar para sillas de ruedas. Baños accesibles a 50 yardas."
        ),
        "slot_mode": SlotMode.FIXED,
        "slot_minutes": 240,
        "min_minutes": 240,
        "max_minutes": 240,
        "buffer_minutes": 60,
        "price_unit": PriceUnit.SLOT,
        "resident_price_cents": 7500,
        "nonresident_price_cents": 12000,
        "deposit_cents": 10000,
        "hours": _hours(EVERY_DAY, 8, 21),
        "blackout": (40, 41, "Roof repairs", "Reparación del techo"),
    },
    {
        "code": "oak-street-community-room",
        "name": "Oak Street community room",
        "name_es": "Salón comunitario de Oak Street",
        "kind": FacilityKind.ROOM,
        "description": (
            "A bright room for 60 people with tables, chairs, a kitchenette and a projector. "
            "Booked by the hour; staff approve each booking."
        ),
        "description_es": (
            "Un salón luminoso para 60 personas con mesas, sillas, una cocineta y un "
            "proyector. Se reserva por hora; el personal aprueba cada reserva."
        ),
        "capacity": 60,
        "location": "Oak Street Community Center, 45 Oak Street, first floor",
        "location_es": "Centro Comunitario de Oak Street, 45 Oak Street, primer piso",
        "latitude": Decimal("39.800000"),
        "longitude": Decimal("-89.660000"),
        "accessibility": "Step-free entrance, elevator, hearing loop, accessible restroom.",
        "accessibility_es": (
            "Entrada sin escalones, elevador, bucle de inducción auditiva y baño accesible."
        ),
        "slot_mode": SlotMode.FREE,
        "slot_minutes": 60,
        "min_minutes": 60,
        "max_minutes": 240,
        "buffer_minutes": 30,
        "price_unit": PriceUnit.HOUR,
        "resident_price_cents": 3000,
        "nonresident_price_cents": 4500,
        "deposit_cents": 5000,
        "needs_approval": True,
        "hours": _hours(EVERY_DAY, 9, 22),
    },
    {
        "code": "memorial-field",
        "name": "Memorial sports field",
        "name_es": "Campo deportivo Memorial",
        "kind": FacilityKind.FIELD,
        "description": "A full-size grass field for soccer, football or lacrosse, with lights.",
        "description_es": (
            "Un campo de pasto de tamaño reglamentario para fútbol, fútbol americano o "
            "lacrosse, con iluminación."
        ),
        "capacity": 200,
        "location": "Memorial Park, 12 Veterans Way",
        "location_es": "Parque Memorial, 12 Veterans Way",
        "latitude": Decimal("39.770000"),
        "longitude": Decimal("-89.660000"),
        "accessibility": "Accessible seating area beside the bleachers.",
        "accessibility_es": "Zona accesible para sentarse junto a las gradas.",
        "slot_mode": SlotMode.FREE,
        "slot_minutes": 60,
        "min_minutes": 60,
        "max_minutes": 180,
        "price_unit": PriceUnit.HOUR,
        "resident_price_cents": 2000,
        "nonresident_price_cents": 3500,
        "hours": _hours(EVERY_DAY, 7, 21),
    },
    {
        "code": "lincoln-gym",
        "name": "Lincoln Center gym",
        "name_es": "Gimnasio del Centro Lincoln",
        "kind": FacilityKind.GYM,
        "description": "An indoor basketball and volleyball court with bleachers for 150.",
        "description_es": (
            "Una cancha techada de básquetbol y voleibol con gradas para 150 personas."
        ),
        "capacity": 150,
        "location": "Lincoln Community Center, 300 Lincoln Avenue",
        "location_es": "Centro Comunitario Lincoln, 300 Lincoln Avenue",
        "latitude": Decimal("39.790000"),
        "longitude": Decimal("-89.630000"),
        "accessibility": "Step-free entrance and accessible restrooms and locker rooms.",
        "accessibility_es": "Entrada sin escalones, y baños y vestidores accesibles.",
        "slot_mode": SlotMode.FREE,
        "slot_minutes": 60,
        "min_minutes": 60,
        "max_minutes": 120,
        "buffer_minutes": 15,
        "price_unit": PriceUnit.HOUR,
        "resident_price_cents": 4000,
        "nonresident_price_cents": 6000,
        "deposit_cents": 2500,
        "hours": _hours(WEEKDAYS, 16, 22) + _hours(WEEKEND, 9, 18),
    },
    {
        "code": "library-meeting-room",
        "name": "Library meeting room",
        "name_es": "Sala de reuniones de la biblioteca",
        "kind": FacilityKind.ROOM,
        "description": "A quiet room for 12 with a table, a whiteboard and a screen.",
        "description_es": "Una sala tranquila para 12 personas con mesa, pizarra y pantalla.",
        "capacity": 12,
        "location": "Main Library, 10 Main Street, second floor",
        "location_es": "Biblioteca Central, 10 Main Street, segundo piso",
        "latitude": Decimal("39.801000"),
        "longitude": Decimal("-89.648000"),
        "accessibility": "Elevator to the second floor; adjustable-height table.",
        "accessibility_es": "Elevador al segundo piso; mesa de altura regulable.",
        "slot_mode": SlotMode.FREE,
        "slot_minutes": 60,
        "min_minutes": 60,
        "max_minutes": 180,
        "price_unit": PriceUnit.HOUR,
        "resident_price_cents": 1500,
        "nonresident_price_cents": 2500,
        "hours": _hours(WEEKDAYS, 9, 20) + _hours([5], 10, 17),
    },
    {
        "code": "lakeside-picnic-shelter",
        "name": "Lakeside picnic shelter",
        "name_es": "Refugio de pícnic del lago",
        "kind": FacilityKind.PAVILION,
        "description": "A small open shelter by the lake with four tables and a grill.",
        "description_es": "Un pequeño refugio abierto junto al lago con cuatro mesas y parrilla.",
        "capacity": 30,
        "location": "Lakeside Park, north shore",
        "location_es": "Parque Lakeside, orilla norte",
        "latitude": Decimal("39.750000"),
        "longitude": Decimal("-89.600000"),
        "accessibility": "Gravel path, firm and level; one table with wheelchair seating.",
        "accessibility_es": (
            "Camino de grava firme y plano; una mesa con lugar para silla de ruedas."
        ),
        "slot_mode": SlotMode.FIXED,
        "slot_minutes": 180,
        "min_minutes": 180,
        "max_minutes": 180,
        "buffer_minutes": 30,
        "price_unit": PriceUnit.SLOT,
        "resident_price_cents": 4000,
        "nonresident_price_cents": 6000,
        "deposit_cents": 5000,
        "hours": _hours(EVERY_DAY, 9, 20),
    },
]

LOTTERY_FACILITY = {
    "code": "westside-tennis-courts",
    "name": "Westside tennis courts",
    "name_es": "Canchas de tenis de Westside",
    "kind": FacilityKind.FIELD,
    "description": (
        "Four resurfaced hard courts with lights. The first weeks after the reopening are "
        "released by lottery, so everyone has the same chance."
    ),
    "description_es": (
        "Cuatro canchas duras renovadas con iluminación. Las primeras semanas tras la "
        "reapertura se asignan por sorteo, para que todos tengan la misma oportunidad."
    ),
    "capacity": 16,
    "location": "Westside Park, 45 Elm Street",
    "location_es": "Parque Westside, 45 Elm Street",
    "latitude": Decimal("39.800000"),
    "longitude": Decimal("-89.700000"),
    "accessibility": "Step-free gate and a court-side accessible bench.",
    "accessibility_es": "Entrada sin escalones y un banco accesible junto a la cancha.",
    "slot_mode": SlotMode.FREE,
    "slot_minutes": 60,
    "min_minutes": 60,
    "max_minutes": 120,
    "buffer_minutes": 0,
    "price_unit": PriceUnit.HOUR,
    "resident_price_cents": 1200,
    "nonresident_price_cents": 2000,
    "hours": _hours(EVERY_DAY, 8, 21),
    # The lottery: requests open since yesterday and close in five days; it releases the
    # week from 20 days ahead, up to two hours-long slots per household.
    "lottery": {"opened_days_ago": 1, "closes_in_days": 5, "first_day": 20, "days": 7},
}
FACILITIES.append(LOTTERY_FACILITY)

# Requests in the lottery: (days after its first day, hour, length in minutes, the
# requester's e-mail or None for a guest).
LOTTERY_REQUESTS = [
    (0, 10, 60, RESIDENT.email),
    (1, 18, 120, RESIDENT.email),
    (0, 10, 60, RESIDENT_ES.email),
    (2, 9, 60, None),
    (0, 10, 60, None),
]

# Paid bookings in the coming weeks: (facility, days ahead, which free time of the day,
# booker's e-mail or None for a guest).
BOOKINGS = [
    ("riverside-pavilion", 6, 0, RESIDENT.email),
    ("riverside-pavilion", 13, 1, None),
    ("riverside-pavilion", 20, 0, None),
    ("riverside-pavilion", 27, 1, RESIDENT_ES.email),
    ("oak-street-community-room", 9, 2, None),
    ("oak-street-community-room", 16, 4, RESIDENT.email),
    ("memorial-field", 5, 3, None),
    ("memorial-field", 12, 1, None),
    ("lincoln-gym", 8, 0, RESIDENT_ES.email),
    ("library-meeting-room", 4, 1, None),
    ("library-meeting-room", 11, 3, RESIDENT.email),
    ("lakeside-picnic-shelter", 14, 1, None),
]
GUESTS = [("Sam Rivera", "sam.rivera@example.org"), ("Ana Torres", "ana.torres@example.org")]


def _facility(row: dict) -> tuple[Facility, bool]:
    values = {
        key: value
        for key, value in row.items()
        if key not in ("code", "hours", "blackout", "lottery")
    }
    facility = Facility.objects.filter(code=row["code"]).first()
    if facility is not None:
        return facility, False
    with transaction.atomic():
        facility = Facility.objects.create(code=row["code"], **values)
        OpeningHours.objects.bulk_create(
            OpeningHours(facility=facility, weekday=day, opens=opens, closes=closes)
            for day, opens, closes in row["hours"]
        )
        CancellationTier.objects.bulk_create(
            CancellationTier(facility=facility, days_before=days, percent=percent)
            for days, percent in TIERS
        )
        if "blackout" in row:
            first, last, reason, reason_es = row["blackout"]
            today = timezone.localdate()
            Blackout.objects.create(
                facility=facility,
                starts_on=today + datetime.timedelta(days=first),
                ends_on=today + datetime.timedelta(days=last),
                reason=reason,
                reason_es=reason_es,
            )
    return facilities.facility_publish(facility=facility), True


def _book(facility: Facility, *, days_ahead: int, pick: int, email: str | None, guest) -> None:
    """Hold the `pick`th free time from `days_ahead` days on (the next open day), check it
    out for the account or guest and pay it on the local gateway."""
    first = timezone.localdate() + datetime.timedelta(days=days_ahead)
    free = [
        slot
        for day in days_availability(facility=facility, first=first, days=7)
        for slot in day.slots
        if not day.closed
    ]
    if not free:
        return
    slot = free[min(pick, len(free) - 1)]
    user = User.objects.filter(email__iexact=email).first() if email else None
    booking = holds.booking_hold(
        facility=facility,
        start=slot.start,
        minutes=slot.minutes,
        holder_key=secrets.token_urlsafe(24),
        user=user,
    )
    name, guest_email = guest
    invoice = checkout.booking_checkout(
        booking=booking,
        user=user,
        name="" if user else name,
        email="" if user else guest_email,
        answers={},
        resident=True,
    )
    if invoice is not None:
        attempt = payments.payment_attempt_start(
            invoice=invoice,
            success_url="http://localhost/bookings/",
            cancel_url="http://localhost/bookings/",
        )
        payments.payment_local_complete(payment=attempt, approved=True)


def _lottery(facility: Facility, plan: dict) -> None:
    """The facility's lottery, open now, with the demo's requests made through the lottery
    service (residents with their accounts, guests with their e-mail addresses)."""
    now = timezone.now()
    today = timezone.localdate()
    lottery = Lottery.objects.create(
        facility=facility,
        first_day=today + datetime.timedelta(days=plan["first_day"]),
        last_day=today + datetime.timedelta(days=plan["first_day"] + plan["days"] - 1),
        opens_at=now - datetime.timedelta(days=plan["opened_days_ago"]),
        closes_at=now + datetime.timedelta(days=plan["closes_in_days"]),
        household_limit=2,
    )
    for index, (offset, hour, minutes, email) in enumerate(LOTTERY_REQUESTS):
        day = lottery.first_day + datetime.timedelta(days=offset)
        start = datetime.datetime.combine(day, datetime.time(hour), tzinfo=facility.time_zone)
        user = User.objects.filter(email__iexact=email).first() if email else None
        name, guest_email = GUESTS[index % len(GUESTS)]
        lotteries.lottery_request(
            lottery=lottery,
            start=start,
            minutes=minutes,
            user=user,
            name="" if user else name,
            email="" if user else guest_email,
        )


def seed() -> None:
    """Create the facilities missing and, for a facility without bookings, its bookings; and
    the lottery of the facility that releases its slots by lottery, if it has none."""
    by_code = {}
    for row in FACILITIES:
        facility, _created = _facility(row)
        by_code[facility.code] = facility
    unbooked = {
        code
        for code, facility in by_code.items()
        if not Booking.objects.filter(facility=facility).exists()
    }
    for index, (code, days_ahead, pick, email) in enumerate(BOOKINGS):
        if code in unbooked:
            _book(
                by_code[code],
                days_ahead=days_ahead,
                pick=pick,
                email=email,
                guest=GUESTS[index % len(GUESTS)],
            )
    lottery_facility = by_code[LOTTERY_FACILITY["code"]]
    if not Lottery.objects.filter(facility=lottery_facility).exists():
        _lottery(lottery_facility, LOTTERY_FACILITY["lottery"])
