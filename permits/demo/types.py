"""Demo permit types for `seed_demo`: what each type asks, charges (fee schedules,
valuation table, re-inspection fees), who reviews it and the inspections it needs.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from cases.models import Department
from cases.questions.models import Question
from licensing.models import LicenseType
from permits.models import (
    FeeMethod,
    FeeTier,
    InspectionStep,
    PermitType,
    PermitTypeDepartment,
    ReinspectionFee,
)

# A valuation table in the shape of the model codes' fee tables, in cents:
# (valuation from, base fee, fee per $1,000 or part above).
VALUATION_TABLE = [
    (0, 5_000, 0),
    (200_000, 5_000, 1_400),
    (2_500_000, 37_200, 1_050),
    (5_000_000, 63_450, 750),
    (10_000_000, 100_950, 600),
    (50_000_000, 340_950, 500),
    (100_000_000, 590_950, 400),
]

# Re-inspection fees of the types that charge one: (fee in cents, failed inspections free).
REINSPECTION_FEES = {
    "new-home": (7_500, 1),
    "residential-addition": (5_000, 0),
    "commercial-alteration": (10_000, 0),
    "mechanical": (5_000, 0),
}

B, Z, F, PW, H = "BUILDING", "ZONING", "FIRE", "PUBLIC_WORKS", "HEALTH"

# Each type: code, prefix, name, name_es, category, work class, permit class, description,
# description_es, fee (method, application, flat or per sq ft, minimum, plan-review %),
# contractor (trade, accepted license type codes; None: the owner may do the work), plans
# required, validity days, certificate of occupancy, departments, inspections (code, name,
# name_es, category; the last is the final), questions (code, label, label_es, kind).
TYPES = [
    (
        "new-home",
        "BLDN",
        "New single-family home",
        "Vivienda unifamiliar nueva",
        "building",
        "new",
        "residential",
        "Build a new detached house or duplex on your lot.",
        "Construir una casa independiente o dúplex nueva en su terreno.",
        (FeeMethod.VALUATION, 15_000, 0, 7_500, "65"),
        ("general", ["general-contractor"]),
        True,
        365,
        True,
        [B, Z, F, PW],
        [
            ("setbacks", "Setbacks", "Retiros", "set_backs"),
            ("footings", "Footings and forms", "Zapatas y encofrados", "footings"),
            ("foundation", "Foundation", "Cimientos", "foundation"),
            ("rough-frame", "Rough framing", "Estructura en bruto", "rough_frame"),
            ("rough-electrical", "Rough electrical", "Instalación eléctrica en bruto", "rough"),
            ("rough-plumbing", "Rough plumbing", "Plomería en bruto", "rough_in"),
            ("rough-mechanical", "Ductwork", "Ductos", "duct_work"),
            ("final", "Building final", "Inspección final de edificación", "building_final"),
        ],
        [
            (
                "stories",
                "How many stories will the house have?",
                "¿Cuántos pisos tendrá la casa?",
                "number",
            ),
            (
                "sprinklers",
                "Will the house have fire sprinklers?",
                "¿Tendrá la casa rociadores contra incendios?",
                "yes_no",
            ),
        ],
    ),
    (
        "residential-addition",
        "BLDA",
        "Residential addition or alteration",
        "Ampliación o reforma residencial",
        "building",
        "existing",
        "residential",
        "Add a room, a second story or a garage, or remodel inside your home (walls, kitchen, "
        "bathroom).",
        "Agregar una habitación, un segundo piso o un garaje, o remodelar el interior de su casa "
        "(paredes, cocina, baño).",
        (FeeMethod.VALUATION, 10_000, 0, 7_500, "65"),
        ("general", ["general-contractor"]),
        True,
        180,
        False,
        [B, Z],
        [
            ("footings", "Footings", "Zapatas", "footings"),
            ("frame", "Framing", "Estructura", "frame"),
            ("final", "Building final", "Inspección final de edificación", "building_final"),
        ],
        [
            (
                "historic",
                "Is the home in a historic district?",
                "¿Está la casa en un distrito histórico?",
                "yes_no",
            ),
        ],
    ),
    (
        "commercial-alteration",
        "BLDC",
        "Commercial tenant improvement",
        "Reforma de local comercial",
        "building",
        "existing",
        "non_residential",
        "Change the inside of a shop, office or restaurant: walls, exits, finishes, a new use.",
        "Cambiar el interior de una tienda, oficina o restaurante: paredes, salidas, acabados, "
        "un nuevo uso.",
        (FeeMethod.VALUATION, 25_000, 0, 15_000, "75"),
        ("general", ["general-contractor"]),
        True,
        180,
        True,
        [B, F, H],
        [
            ("frame", "Framing", "Estructura", "frame"),
            ("fire-final", "Fire final", "Inspección final de bomberos", "fire_final"),
            ("health-final", "Health final", "Inspección final de salud", "health_final"),
            ("final", "Building final", "Inspección final de edificación", "building_final"),
        ],
        [
            (
                "occupancy",
                "How many people will the space hold?",
                "¿Cuántas personas cabrán en el local?",
                "number",
            ),
            (
                "food",
                "Will food be prepared or served?",
                "¿Se prepararán o servirán alimentos?",
                "yes_no",
            ),
        ],
    ),
    (
        "demolition",
        "DEM",
        "Demolition",
        "Demolición",
        "demolition",
        "existing",
        "residential",
        "Tear down a building or a detached structure such as a garage or shed.",
        "Derribar un edificio o una estructura independiente, como un garaje o un cobertizo.",
        (FeeMethod.FLAT, 5_000, 25_000, 0, "0"),
        ("general", ["general-contractor"]),
        True,
        90,
        False,
        [B, PW],
        [
            (
                "hazmat",
                "Asbestos and hazardous materials removed",
                "Retiro de asbesto y materiales peligrosos",
                "hazmat_removal",
            ),
            ("disconnect", "Utilities disconnected", "Servicios desconectados", "elec_disconnect"),
            ("final", "Site cleared (final)", "Terreno despejado (final)", "sewer_final"),
        ],
        [
            (
                "asbestos_survey",
                "Has an asbestos survey been done?",
                "¿Se hizo un estudio de asbesto?",
                "yes_no",
            ),
        ],
    ),
    (
        "electrical",
        "ELP",
        "Electrical permit",
        "Permiso eléctrico",
        "electrical",
        "existing",
        "residential",
        "New circuits, a panel upgrade, a generator, EV charger or solar panels.",
        "Circuitos nuevos, cambio de panel, generador, cargador de vehículo eléctrico o paneles "
        "solares.",
        (FeeMethod.FLAT, 3_000, 12_000, 0, "0"),
        ("electrical", ["electrician"]),
        False,
        180,
        False,
        [B],
        [
            ("rough", "Rough electrical", "Instalación eléctrica en bruto", "rough"),
            ("service", "Service and panel", "Acometida y panel", "service"),
            ("final", "Electrical final", "Inspección final eléctrica", "electrical_final"),
        ],
        [
            (
                "amps",
                "What size is the new service, in amps?",
                "¿De qué capacidad es la nueva acometida, en amperios?",
                "number",
            ),
        ],
    ),
    (
        "plumbing",
        "PLP",
        "Plumbing permit",
        "Permiso de plomería",
        "plumbing",
        "existing",
        "residential",
        "Replace a water heater, move fixtures, or repair water and sewer lines.",
        "Cambiar un calentador de agua, mover artefactos o reparar tuberías de agua y "
        "alcantarillado.",
        (FeeMethod.FLAT, 3_000, 9_500, 0, "0"),
        ("plumbing", ["plumber"]),
        False,
        180,
        False,
        [B],
        [
            ("rough-in", "Rough-in", "Instalación preliminar", "rough_in"),
            ("water", "Water line test", "Prueba de la línea de agua", "water"),
            ("final", "Plumbing final", "Inspección final de plomería", "plumbing_final"),
        ],
        [],
    ),
    (
        "mechanical",
        "MEP",
        "Mechanical (heating and air conditioning)",
        "Mecánico (calefacción y aire acondicionado)",
        "mechanical",
        "existing",
        "residential",
        "Install or replace a furnace, heat pump, air conditioner or ductwork.",
        "Instalar o cambiar una caldera, bomba de calor, aire acondicionado o ductos.",
        (FeeMethod.FLAT, 3_000, 11_000, 0, "0"),
        ("mechanical", ["mechanical-contractor"]),
        False,
        180,
        False,
        [B],
        [
            ("duct", "Ductwork", "Ductos", "duct_work"),
            ("gas", "Gas line", "Línea de gas", "gas"),
            ("final", "Mechanical final", "Inspección final mecánica", "mechanical_final"),
        ],
        [],
    ),
    (
        "reroof",
        "ROF",
        "Re-roof",
        "Cambio de techo",
        "roof",
        "existing",
        "residential",
        "Replace the roof covering of a house or garage.",
        "Cambiar la cubierta del techo de una casa o garaje.",
        (FeeMethod.PER_SQUARE_FOOT, 2_500, 10, 7_500, "0"),
        ("general", ["roofing-contractor", "general-contractor"]),
        False,
        180,
        False,
        [B],
        [
            ("deck", "Roof deck", "Cubierta del techo", "roof_deck"),
            ("final", "Roof final", "Inspección final del techo", "roof_final"),
        ],
        [
            (
                "layers",
                "How many layers of roofing will be removed?",
                "¿Cuántas capas de techo se quitarán?",
                "number",
            ),
        ],
    ),
    (
        "fence",
        "FNC",
        "Fence or wall",
        "Cerca o muro",
        "fence",
        "new",
        "residential",
        "Build a fence or garden wall over 4 feet high, or any fence in a front yard.",
        "Construir una cerca o un muro de jardín de más de 4 pies de alto, o cualquier cerca en "
        "el jardín delantero.",
        (FeeMethod.FLAT, 0, 6_000, 0, "0"),
        None,
        False,
        180,
        False,
        [Z],
        [("final", "Fence final", "Inspección final de la cerca", "fence_final")],
        [
            (
                "height",
                "How high will the fence be, in feet?",
                "¿Qué altura tendrá la cerca, en pies?",
                "number",
            ),
        ],
    ),
    (
        "pool",
        "POOL",
        "Swimming pool or spa",
        "Piscina o spa",
        "pool_spa",
        "new",
        "residential",
        "Build an in-ground or above-ground pool or a permanent spa, with its barrier.",
        "Construir una piscina enterrada o elevada, o un spa permanente, con su cerca de "
        "seguridad.",
        (FeeMethod.VALUATION, 10_000, 0, 10_000, "50"),
        ("general", ["general-contractor"]),
        True,
        180,
        False,
        [B, Z, H],
        [
            ("setbacks", "Setbacks", "Retiros", "set_backs"),
            (
                "bonding",
                "Bonding and grounding",
                "Conexión equipotencial y puesta a tierra",
                "grounding",
            ),
            (
                "final",
                "Pool final and barrier",
                "Inspección final de la piscina y su cerca",
                "building_final",
            ),
        ],
        [],
    ),
    (
        "sign",
        "SGN",
        "Sign",
        "Letrero",
        "other",
        "new",
        "non_residential",
        "Put up a new business sign on a wall or on its own pole.",
        "Instalar un letrero nuevo de un negocio en una pared o en un poste propio.",
        (FeeMethod.FLAT, 2_500, 9_000, 0, "0"),
        ("sign", ["sign-contractor"]),
        True,
        180,
        False,
        [Z, B],
        [("final", "Sign final", "Inspección final del letrero", "building_final")],
        [],
    ),
]


def seed_type(row, departments: dict[str, Department]) -> None:
    (
        code,
        prefix,
        name,
        name_es,
        category,
        work_class,
        permit_class,
        description,
        description_es,
        fee,
        contractor,
        plans,
        validity,
        certificate,
        reviewers,
        inspections,
        questions,
    ) = row
    if PermitType.objects.filter(code=code).exists():
        return
    method, application, amount, minimum, percent = fee
    permit_type = PermitType.objects.create(
        code=code,
        number_prefix=prefix,
        name=name,
        name_es=name_es,
        description=description,
        description_es=description_es,
        category=category,
        work_class=work_class,
        permit_class=permit_class,
        application_fee_cents=application,
        fee_method=method,
        flat_fee_cents=amount if method == FeeMethod.FLAT else 0,
        per_square_foot_cents=amount if method == FeeMethod.PER_SQUARE_FOOT else 0,
        minimum_fee_cents=minimum,
        plan_review_percent=Decimal(percent),
        contractor_required=contractor is not None,
        contractor_trade=contractor[0] if contractor else "",
        plans_required=plans,
        validity_days=validity,
        gives_certificate_of_occupancy=certificate,
        published_at=timezone.now(),
    )
    if contractor:
        permit_type.contractor_license_types.set(LicenseType.objects.filter(code__in=contractor[1]))
    for order, department in enumerate(reviewers, start=1):
        PermitTypeDepartment.objects.create(
            permit_type=permit_type, department=departments[department], order=order * 10
        )
    if method == FeeMethod.VALUATION:
        FeeTier.objects.bulk_create(
            FeeTier(permit_type=permit_type, from_cents=a, base_cents=b, per_thousand_cents=c)
            for a, b, c in VALUATION_TABLE
        )
    for order, (step_code, step_name, step_name_es, kind) in enumerate(inspections, start=1):
        InspectionStep.objects.create(
            permit_type=permit_type,
            order=order * 10,
            code=step_code,
            name=step_name,
            name_es=step_name_es,
            category=kind,
            final=order == len(inspections),
        )
    if code in REINSPECTION_FEES:
        fee_cents, free_failures = REINSPECTION_FEES[code]
        ReinspectionFee.objects.create(
            permit_type=permit_type, fee_cents=fee_cents, free_failures=free_failures
        )
    for order, (q_code, label, label_es, kind) in enumerate(questions, start=1):
        Question.objects.create(
            owner=permit_type,
            code=q_code,
            label=label,
            label_es=label_es,
            kind=kind,
            required=True,
            order=order * 10,
            **({"min_value": 0} if kind == "number" else {}),
        )
