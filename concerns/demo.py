"""Demo data for `manage.py seed_demo`: the departments and twelve categories a town starts
with (with their questions), canned responses, a demo Open311 key and a few reports.

Everything is created only if missing, so running it again changes nothing.
"""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.demo import CLERK, CLERKS, INSPECTORS, RESIDENT
from accounts.models import User
from accounts.services import staff_group_ensure
from cases import permissions
from cases.demo import as_of
from cases.models import Department
from cases.questions.models import Question
from concerns import services
from concerns.attributes import question_add
from concerns.demo_spanish import CATEGORIES_ES, QUESTIONS_ES
from concerns.models import (
    CannedResponse,
    ConcernCategory,
    ConcernReport,
    Open311ApiKey,
)

# Public on purpose: lets anyone try POST /open311/v2/requests.json on a demo server.
DEMO_API_KEY = "demo-open311-key-springfield"

DEPARTMENTS = {
    "PUBLIC_WORKS": "Public Works",
    "SANITATION": "Sanitation",
    "PARKS": "Parks and Recreation",
    "CODE_ENFORCEMENT": "Code Enforcement",
}

# code, name, group, department, target days, photo required, keywords, description,
# questions: (code, question, datatype, required, [(key, name)...])
CATEGORIES = [
    (
        "pothole",
        "Pothole",
        "Streets and sidewalks",
        "PUBLIC_WORKS",
        5,
        False,
        "hole, road damage, crater, street",
        "A hole or broken surface in a street or alley.",
        [
            (
                "size",
                "How big is it?",
                "singlevaluelist",
                True,
                [
                    ("small", "Smaller than a dinner plate"),
                    ("medium", "Up to a car tire"),
                    ("large", "Bigger than a car tire"),
                ],
            ),
            ("lane", "Which lane or side of the street?", "string", False, []),
        ],
    ),
    (
        "sidewalk",
        "Damaged sidewalk",
        "Streets and sidewalks",
        "PUBLIC_WORKS",
        20,
        False,
        "trip hazard, curb, ramp, pavement",
        "A broken, lifted or blocked sidewalk, curb or curb ramp.",
        [
            (
                "blocked",
                "Is the sidewalk fully blocked?",
                "singlevaluelist",
                False,
                [("yes", "Yes"), ("no", "No")],
            )
        ],
    ),
    (
        "streetlight",
        "Streetlight out",
        "Streets and sidewalks",
        "PUBLIC_WORKS",
        7,
        False,
        "light, lamp, dark, street lamp",
        "A streetlight that is off, flickering or on during the day.",
        [
            ("pole_number", "Number on the pole, if you can see it", "string", False, []),
            (
                "problem",
                "What is wrong with it?",
                "singlevaluelist",
                True,
                [
                    ("out", "It is off at night"),
                    ("flicker", "It flickers"),
                    ("day", "It is on during the day"),
                ],
            ),
        ],
    ),
    (
        "traffic-signal",
        "Traffic signal problem",
        "Streets and sidewalks",
        "PUBLIC_WORKS",
        1,
        False,
        "traffic light, stop light, signal, crossing",
        "A traffic or pedestrian signal that is dark, stuck or damaged.",
        [],
    ),
    (
        "street-sign",
        "Missing or damaged street sign",
        "Streets and sidewalks",
        "PUBLIC_WORKS",
        10,
        False,
        "sign, stop sign, street name",
        "A street name, stop or other traffic sign that is missing, turned or damaged.",
        [],
    ),
    (
        "graffiti",
        "Graffiti",
        "Clean neighborhoods",
        "CODE_ENFORCEMENT",
        10,
        True,
        "tagging, vandalism, spray paint",
        "Graffiti on public property, or on private property facing the street.",
        [
            (
                "surface",
                "What is it on?",
                "multivaluelist",
                True,
                [
                    ("wall", "Wall"),
                    ("sign", "Sign"),
                    ("pole", "Pole or utility box"),
                    ("bridge", "Bridge"),
                    ("other", "Something else"),
                ],
            ),
            (
                "offensive",
                "Is it offensive or hateful?",
                "singlevaluelist",
                False,
                [("yes", "Yes"), ("no", "No")],
            ),
        ],
    ),
    (
        "missed-trash",
        "Missed trash pickup",
        "Trash and recycling",
        "SANITATION",
        2,
        False,
        "garbage, refuse, bin, collection",
        "Your trash, recycling or yard waste was not picked up on your collection day.",
        [
            (
                "stream",
                "What was missed?",
                "multivaluelist",
                True,
                [("trash", "Trash"), ("recycling", "Recycling"), ("yard", "Yard waste")],
            ),
            ("collection_day", "When was it due to be picked up?", "datetime", False, []),
        ],
    ),
    (
        "illegal-dumping",
        "Illegal dumping",
        "Trash and recycling",
        "SANITATION",
        5,
        False,
        "fly tipping, dumped, mattress, tires, furniture",
        "Furniture, tires, bags or other waste left on public land or by the road.",
        [
            ("items", "What was dumped?", "text", True, []),
            ("bags", "Roughly how many bags or items?", "number", False, []),
        ],
    ),
    (
        "dead-animal",
        "Dead animal",
        "Trash and recycling",
        "SANITATION",
        1,
        False,
        "roadkill, animal, carcass, pet, dog, cat, deer",
        "A dead animal on a street, sidewalk or other public place.",
        [],
    ),
    (
        "park-maintenance",
        "Park maintenance",
        "Parks and trees",
        "PARKS",
        10,
        False,
        "playground, bench, park, restroom, field",
        "Broken playground equipment, benches, restrooms or other park facilities.",
        [],
    ),
    (
        "fallen-tree",
        "Fallen or dangerous tree",
        "Parks and trees",
        "PARKS",
        3,
        False,
        "tree, branch, limb, storm",
        "A tree or large branch that has fallen, or looks like it might, on public land.",
        [
            (
                "blocking",
                "Is it blocking the street or sidewalk?",
                "singlevaluelist",
                True,
                [("street", "The street"), ("sidewalk", "The sidewalk"), ("no", "Neither")],
            )
        ],
    ),
    (
        "abandoned-vehicle",
        "Abandoned vehicle",
        "Clean neighborhoods",
        "CODE_ENFORCEMENT",
        14,
        False,
        "car, truck, parked, junk",
        "A vehicle that has not moved for more than 72 hours on a public street.",
        [
            ("plate", "License plate, if visible", "string", False, []),
            ("since", "Since when has it been there?", "datetime", False, []),
        ],
    ),
]

# The words Spanish speakers use for each category (keywords_es), so the report page and the
# service search find them in Spanish too: "bache, grafiti, poste de luz" are the report page's
# own examples.
KEYWORDS_ES = {
    "pothole": "bache, hoyo, hueco, calle dañada, pavimento",
    "sidewalk": "acera, banqueta, bordillo, rampa, tropiezo",
    "streetlight": "farola, alumbrado público, luz, poste de luz, lámpara, oscuro",
    "traffic-signal": "semáforo, señal de tráfico, cruce peatonal",
    "street-sign": "señal, letrero, señal de alto, nombre de la calle",
    "graffiti": "grafiti, pintadas, vandalismo, pintura en aerosol",
    "missed-trash": "basura, recolección, reciclaje, contenedor, bote de basura",
    "illegal-dumping": "vertido ilegal, tiradero, basura tirada, colchón, llantas, muebles",
    "dead-animal": "animal muerto, mascota, perro, gato, cadáver, animal atropellado",
    "park-maintenance": "parque, juegos infantiles, banco, baños, cancha",
    "fallen-tree": "árbol caído, rama, árbol peligroso, tormenta",
    "abandoned-vehicle": "vehículo abandonado, carro, coche, auto, chatarra",
}

CANNED = [
    (
        "Crew scheduled",
        "",
        "A crew has been scheduled to deal with this. Thank you for telling us.",
    ),
    ("Fixed", "fixed", "Our crew has fixed the problem. Thank you for reporting it."),
    (
        "State road",
        "not_responsible",
        "This road is looked after by the State Department of Transportation, not the city. "
        "We have passed your report on to them.",
    ),
    (
        "Private property",
        "not_responsible",
        "This is on private property, so the owner is responsible for it.",
    ),
    ("Nothing found", "no_action", "Our inspector visited and found nothing that needs action."),
    (
        "Scheduled resurfacing",
        "scheduled",
        "This street is part of a resurfacing project; the work is scheduled for the date shown.",
    ),
]

# Demo reports sent this many days ago (by their index in REPORTS), overdue by now.
OVERDUE_DAYS_AGO = {1: 21, 2: 12}

# Reports to show on the map: category, description, address, latitude, longitude.
REPORTS = [
    (
        "pothole",
        "Deep pothole in the right lane, cars swerve around it.",
        "Corner of Monroe St and 5th St",
        "39.799120",
        "-89.648870",
        {"size": "large"},
    ),
    (
        "streetlight",
        "The light on this pole has been off for a week.",
        "220 S Grand Ave",
        "39.786400",
        "-89.652300",
        {"problem": "out"},
    ),
    (
        "graffiti",
        "Tags sprayed on the underpass wall.",
        "Washington St underpass",
        "39.801500",
        "-89.643900",
        {"surface": ["wall", "bridge"]},
    ),
    (
        "illegal-dumping",
        "Two mattresses and a pile of tires left by the alley.",
        "Alley behind 900 N 9th St",
        "39.809200",
        "-89.640100",
        {"items": "Two mattresses, about six tires", "bags": "8"},
    ),
    (
        "park-maintenance",
        "One swing seat is broken at the playground.",
        "Washington Park playground",
        "39.790800",
        "-89.676700",
        {},
    ),
]


def seed() -> None:
    """Create the departments, categories, canned responses, demo key and reports missing."""
    staff_group_ensure(
        name=CLERKS,
        permissions=[
            "concerns.view_concernreport",
            "concerns.change_concernreport",
            "concerns.view_concernphoto",
            "concerns.view_cannedresponse",
            "concerns.view_concerncategory",
        ],
    )
    staff_group_ensure(
        name=INSPECTORS,
        permissions=["concerns.view_concernreport", "concerns.change_concernreport"],
    )
    with transaction.atomic():
        departments = {
            code: Department.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in DEPARTMENTS.items()
        }
        for order, row in enumerate(CATEGORIES, start=1):
            _category(row, order=order, departments=departments)
        for order, (title, reason, body) in enumerate(CANNED, start=1):
            CannedResponse.objects.get_or_create(
                title=title, defaults={"body": body, "close_reason": reason, "order": order}
            )
        digest = services.api_key_digest(DEMO_API_KEY)
        if not Open311ApiKey.objects.filter(key_hash=digest).exists():
            Open311ApiKey.objects.create(
                name="Demo integration", prefix=DEMO_API_KEY[:8], key_hash=digest
            )
    if not ConcernReport.objects.exists():
        _reports()


def _category(row, *, order: int, departments: dict) -> ConcernCategory:
    code, name, group, department, days, photo, keywords, description, questions = row
    category, created = ConcernCategory.objects.get_or_create(
        code=code,
        defaults={
            "name": name,
            "group": group,
            "department": departments[department],
            "target_days": days,
            "photo_required": photo,
            "keywords": keywords,
            "keywords_es": KEYWORDS_ES.get(code, ""),
            "description": description,
            "order": order,
            "published_at": timezone.now(),
        },
    )
    if not created:
        _spanish_fill(category)
    if not created and not category.keywords_es and KEYWORDS_ES.get(code):
        # A demo database seeded before categories had Spanish keywords gets them; words an
        # administrator has typed since are left alone.
        category.keywords_es = KEYWORDS_ES[code]
        category.save(update_fields=["keywords_es", "updated_at"])
    if created:
        for position, (attr_code, question, datatype, required, values) in enumerate(
            questions, start=1
        ):
            question_add(
                category=category,
                code=attr_code,
                description=question,
                datatype=datatype,
                required=required,
                values=values,
                order=position,
            )
        _spanish_fill(category)
    return category


def _spanish_fill(category: ConcernCategory) -> None:
    """Give the category and its questions their demo Spanish where it is missing (a demo
    database seeded before texts had Spanish); an administrator's words stay."""
    name, group, description = CATEGORIES_ES.get(category.code, ("", "", ""))
    _fill(category, {"name_es": name, "group_es": group, "description_es": description})
    for question in Question.objects.of(category):
        label, names = QUESTIONS_ES.get((category.code, question.code), ("", []))
        _fill(question, {"label_es": label, "choices_es": "\n".join(names)})


def _fill(obj, values: dict) -> None:
    changed = []
    for field, value in values.items():
        if value and not getattr(obj, field):
            setattr(obj, field, value)
            changed.append(field)
    if changed:
        obj.save(update_fields=changed)


def _reports() -> None:
    resident = User.objects.filter(email__iexact=RESIDENT.email).first()
    clerk = User.objects.filter(email__iexact=CLERK.email).first()
    reports = []
    for index, (code, description, address, lat, lon, answers) in enumerate(REPORTS):
        category = ConcernCategory.objects.get(code=code)
        if category.photo_required:
            category.photo_required = False  # demo reports have no photo files
        # The first reports were sent weeks ago and nobody took them up: the queue shows
        # them overdue, and the escalation run tells the supervisors.
        days_ago = OVERDUE_DAYS_AGO.get(index)
        sent = timezone.localdate() - datetime.timedelta(days=days_ago or 0)
        with as_of(sent) if days_ago else contextlib.nullcontext():
            report = services.report_submit(
                category=category,
                description=description,
                address=address,
                latitude=Decimal(lat),
                longitude=Decimal(lon),
                answers=answers,
                reporter=resident if index == 0 else None,
                guest_email="" if index == 0 else f"neighbor{index}@example.org",
            )
        reports.append(report)
    if clerk is not None and permissions.can(clerk, permissions.MOVE, reports[-1].case):
        services.report_close(
            report=reports[-1],
            actor=clerk,
            reason="fixed",
            public_reason="The swing seat was replaced on Tuesday.",
        )
