"""Demo data for `manage.py seed_demo`: the Licensing department and twelve license types a
town starts with, each with its own questions, documents, fees and terms.

Everything is created only if missing, so running it again changes nothing.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from accounts.demo import ADMINISTRATOR, CLERKS, RESIDENT
from accounts.models import User
from accounts.services import staff_group_ensure
from cases.models import Department
from cases.questions.models import DocumentRequirement, Question
from licensing.demo_spanish import CHOICES_ES, DOCUMENTS_ES, QUESTIONS_ES, TYPES_ES
from licensing.models import License, LicenseImport, LicenseType

T, LT, NUM, DATE, YN, ONE, MANY, FILE = (
    "text",
    "long_text",
    "number",
    "date",
    "yes_no",
    "single_choice",
    "multiple_choice",
    "file",
)

# Attestation every type asks at renewal.
RENEWAL_ATTESTATION = (
    "attest_no_changes",
    "Has anything about you or your business changed since your last application?",
    YN,
    True,
    "",
    None,
    True,
)

# A change since the last application is for a clerk to look at, not for automatic renewal.
RENEWAL_REVIEW_ANSWERS = {"attest_no_changes": "yes"}
# Plausible answers only: no negative count, no expiry already past, no exam still to come.
QUESTION_LIMITS = {
    "hours": {"min_value": 0, "max_value": 10000},
    "employees": {"min_value": 0},
    "agents": {"min_value": 1},
    "capacity": {"min_value": 1, "max_value": 500},
    "infant_ratio": {"min_value": 1, "max_value": 10},
    "school_distance": {"min_value": 0},
    "exam_date": {"date_range": "not_future"},
    "training_date": {"date_range": "not_future"},
    "rabies_expiry": {"date_range": "not_past"},
}

# code, prefix, name, category, description, eligibility, fees in cents (application,
# renewal, late), term months, review days, auto-approve renewals, documents
# [(name, description, required)], questions
# [(code, label, kind, required, choices, (condition code, value) or None, for renewal)]
TYPES = [
    (
        "barber",
        "BRB",
        "Barber license",
        "Personal care",
        "Cut, trim and style hair and beards for pay.",
        "You must be 16 or older and have finished 1,000 hours at a licensed barber school.",
        (7500, 5000, 2500),
        24,
        21,
        True,
        [("Barber school certificate", "Shows your 1,000 hours.", True), ("Photo ID", "", True)],
        [
            ("school_name", "Name of your barber school", T, True, "", None, False),
            ("hours", "Hours of training completed", NUM, True, "", None, False),
            ("licensed_elsewhere", "Are you licensed in another state?", YN, True, "", None, False),
            ("other_state", "Which state?", T, True, "", ("licensed_elsewhere", "yes"), False),
        ],
    ),
    (
        "cosmetologist",
        "COS",
        "Cosmetologist license",
        "Personal care",
        "Hair, skin and nail services for pay.",
        "1,500 hours at a licensed cosmetology school and a passed state exam.",
        (8000, 5500, 2500),
        24,
        21,
        True,
        [("School certificate", "", True), ("Exam result", "", True)],
        [
            (
                "services",
                "Which services will you offer?",
                MANY,
                True,
                "Hair\nSkin care\nNails\nMake-up",
                None,
                False,
            ),
            ("exam_date", "When did you pass the state exam?", DATE, True, "", None, False),
        ],
    ),
    (
        "electrician",
        "ELE",
        "Electrical contractor license",
        "Building trades",
        "Install and repair electrical wiring in buildings in the town.",
        "A journeyman or master electrician with liability insurance.",
        (15000, 10000, 5000),
        12,
        30,
        False,
        [
            ("Certificate of liability insurance", "At least $1,000,000 per claim.", True),
            ("State electrician card", "", True),
        ],
        [
            ("grade", "Your grade", ONE, True, "Journeyman\nMaster", None, False),
            ("employees", "How many electricians work for you?", NUM, True, "", None, False),
            (
                "violations",
                "Have you had a code violation in the last 5 years?",
                YN,
                True,
                "",
                None,
                False,
            ),
            (
                "violation_details",
                "Tell us what happened",
                LT,
                True,
                "",
                ("violations", "yes"),
                False,
            ),
        ],
    ),
    (
        "plumber",
        "PLB",
        "Plumbing contractor license",
        "Building trades",
        "Install and repair water and drain pipes in buildings in the town.",
        "A state plumbing license and liability insurance.",
        (15000, 10000, 5000),
        12,
        30,
        False,
        [("Certificate of liability insurance", "", True), ("State plumbing license", "", True)],
        [
            ("state_license_number", "State plumbing license number", T, True, "", None, False),
            ("gas_work", "Will you also work on gas lines?", YN, True, "", None, False),
            (
                "gas_certificate",
                "Gas fitter certificate",
                FILE,
                True,
                "",
                ("gas_work", "yes"),
                False,
            ),
        ],
    ),
    (
        "real-estate-broker",
        "REB",
        "Real-estate broker license",
        "Professional services",
        "Run a real-estate brokerage with an office in the town.",
        "A state real-estate broker license.",
        (20000, 15000, 5000),
        24,
        30,
        False,
        [("State broker license", "", True), ("Office lease or deed", "", False)],
        [
            ("office_address", "Office address", LT, True, "", None, False),
            ("agents", "Number of agents", NUM, True, "", None, False),
        ],
    ),
    (
        "tattoo-artist",
        "TAT",
        "Tattoo and body art license",
        "Personal care",
        "Tattooing, piercing and permanent make-up.",
        "18 or older, with blood-borne pathogens training in the last year.",
        (10000, 7500, 2500),
        12,
        21,
        True,
        [("Blood-borne pathogens training certificate", "", True), ("Photo ID", "", True)],
        [
            ("studio", "Studio where you work", T, True, "", None, False),
            (
                "practices",
                "What do you practise?",
                MANY,
                True,
                "Tattoo\nPiercing\nPermanent make-up",
                None,
                False,
            ),
            ("training_date", "Date of your pathogens training", DATE, True, "", None, False),
        ],
    ),
    (
        "veterinarian",
        "VET",
        "Veterinary practice license",
        "Health",
        "Run a veterinary clinic in the town.",
        "A veterinarian licensed by the state.",
        (20000, 15000, 5000),
        24,
        30,
        False,
        [("State veterinary license", "", True), ("Controlled substances registration", "", False)],
        [
            ("clinic_name", "Clinic name", T, True, "", None, False),
            (
                "animals",
                "Animals treated",
                MANY,
                True,
                "Dogs and cats\nHorses\nFarm animals\nExotic",
                None,
                False,
            ),
            ("after_hours", "Do you offer after-hours emergency care?", YN, False, "", None, False),
        ],
    ),
    (
        "food-truck",
        "FTV",
        "Food-truck vendor license",
        "Food and drink",
        "Sell food from a truck or cart on public streets and at events.",
        "A vehicle that passed the fire and health inspections.",
        (12500, 10000, 2500),
        12,
        14,
        True,
        [
            ("Health inspection report", "", True),
            ("Vehicle registration", "", True),
            ("Fire inspection", "", True),
        ],
        [
            ("plate", "License plate of the vehicle", T, True, "", None, False),
            ("cooking", "Do you cook on board?", YN, True, "", None, False),
            (
                "fuel",
                "Cooking fuel",
                ONE,
                True,
                "Propane\nElectric\nCharcoal",
                ("cooking", "yes"),
                False,
            ),
            ("menu", "What do you sell?", LT, True, "", None, False),
        ],
    ),
    (
        "general-business",
        "BUS",
        "General business license",
        "Business",
        "Every business with premises in the town needs one, whatever it does.",
        "Any business registered with the state.",
        (5000, 5000, 2500),
        12,
        10,
        True,
        [("State business registration", "", True)],
        [
            ("trade", "What does your business do?", LT, True, "", None, False),
            ("employees", "Number of employees", NUM, True, "", None, False),
            ("home_based", "Is the business run from your home?", YN, True, "", None, False),
        ],
    ),
    (
        "dog",
        "DOG",
        "Dog license",
        "Pets",
        "Every dog over 4 months old living in the town must be licensed each year.",
        "The dog's owner, with a current rabies vaccination.",
        (1500, 1500, 1000),
        12,
        5,
        True,
        [("Rabies vaccination certificate", "From your veterinarian.", True)],
        [
            ("dog_name", "Dog's name", T, True, "", None, False),
            ("breed", "Breed", T, True, "", None, False),
            ("spayed", "Is the dog spayed or neutered?", YN, True, "", None, False),
            (
                "rabies_expiry",
                "When does the rabies vaccination expire?",
                DATE,
                True,
                "",
                None,
                False,
            ),
        ],
    ),
    (
        "childcare-provider",
        "CCP",
        "Childcare provider license",
        "Health",
        "Look after children other than your own for pay, at home or in a center.",
        "18 or older, with background checks for every adult on the premises.",
        (10000, 7500, 2500),
        24,
        45,
        False,
        [
            ("Background check clearance", "For every adult on the premises.", True),
            ("First aid and CPR certificate", "", True),
            ("Fire inspection", "", True),
        ],
        [
            (
                "setting",
                "Where will you look after children?",
                ONE,
                True,
                "My home\nA center",
                None,
                False,
            ),
            ("capacity", "How many children at most?", NUM, True, "", None, False),
            ("infants", "Will you look after children under 2?", YN, True, "", None, False),
            (
                "infant_ratio",
                "How many staff per infant?",
                NUM,
                True,
                "",
                ("infants", "yes"),
                False,
            ),
        ],
    ),
    (
        "liquor",
        "LIQ",
        "Liquor license",
        "Food and drink",
        "Sell or serve alcohol at a restaurant, bar or shop.",
        "A state liquor license and a general business license for the premises.",
        (50000, 40000, 10000),
        12,
        60,
        False,
        [
            ("State liquor license", "", True),
            ("Floor plan", "", True),
            ("Server training certificates", "", False),
        ],
        [
            (
                "license_class",
                "Class",
                ONE,
                True,
                "On-premises (bar, restaurant)\nOff-premises (shop)",
                None,
                False,
            ),
            ("hours", "Hours alcohol will be sold", T, True, "", None, False),
            (
                "near_school",
                "Are the premises within 500 feet of a school?",
                YN,
                True,
                "",
                None,
                False,
            ),
            (
                "school_distance",
                "Distance to the school, in feet",
                NUM,
                True,
                "",
                ("near_school", "yes"),
                False,
            ),
        ],
    ),
]


# Other words people use for each type, in English and in Spanish (keywords, keywords_es):
# the portal's service search finds a type by these as well as by its name and description.
KEYWORDS = {
    "barber": ("haircut, hair, beard, shave", "barbero, barbería, corte de pelo, peluquería"),
    "cosmetologist": (
        "beauty, salon, hair, nails, skin, make-up",
        "cosmetología, belleza, salón, uñas, maquillaje",
    ),
    "electrician": (
        "electrician, electrical, wiring, contractor",
        "electricista, electricidad, cableado, contratista",
    ),
    "plumber": (
        "plumber, pipes, drains, gas, contractor",
        "plomero, fontanero, tuberías, contratista",
    ),
    "real-estate-broker": (
        "realtor, real estate, property, homes",
        "bienes raíces, corredor, inmobiliaria, agente",
    ),
    "tattoo-artist": (
        "tattoo, piercing, body art, permanent make-up",
        "tatuaje, tatuador, perforación, piercing, micropigmentación",
    ),
    "veterinarian": (
        "vet, veterinary, animal clinic, pet",
        "veterinario, veterinaria, clínica, mascota, animal",
    ),
    "food-truck": (
        "food truck, food cart, mobile vendor, street food",
        "camión de comida, carrito de comida, vendedor ambulante, comida",
    ),
    "general-business": (
        "business, shop, store, office, company",
        "negocio, tienda, comercio, empresa, oficina",
    ),
    "dog": ("dog, pet, animal, rabies tag", "perro, mascota, licencia de perro, placa"),
    "childcare-provider": (
        "childcare, daycare, babysitting, nursery",
        "guardería, cuidado infantil, niños, niñera",
    ),
    "liquor": (
        "liquor, alcohol, beer, wine, bar, spirits",
        "licor, alcohol, bebidas alcohólicas, cerveza, vino, bar",
    ),
}


def _license_type(row) -> None:
    (
        code,
        prefix,
        name,
        category,
        description,
        eligibility,
        fees,
        term,
        review,
        auto,
        documents,
        questions,
    ) = row
    license_type, created = LicenseType.objects.get_or_create(
        code=code,
        defaults={
            "number_prefix": prefix,
            "name": name,
            "category": category,
            "description": description,
            "eligibility": eligibility,
            "application_fee_cents": fees[0],
            "renewal_fee_cents": fees[1],
            "late_fee_cents": fees[2],
            "term_months": term,
            "review_target_days": review,
            "auto_approve_renewals": auto,
            "keywords": KEYWORDS.get(code, ("", ""))[0],
            "keywords_es": KEYWORDS.get(code, ("", ""))[1],
            "published_at": timezone.now(),
        },
    )
    if not created:
        _keywords_fill(license_type)
        _spanish_fill(license_type)
        return
    for order, (doc_name, doc_description, required) in enumerate(documents, start=1):
        DocumentRequirement.objects.create(
            owner=license_type,
            name=doc_name,
            description=doc_description,
            required=required,
            order=order,
        )
    by_code = {}
    for order, question in enumerate([*questions, RENEWAL_ATTESTATION], start=1):
        q_code, label, kind, required, choices, condition, for_renewal = question
        by_code[q_code] = Question.objects.create(
            owner=license_type,
            code=q_code,
            label=label,
            kind=kind,
            required=required,
            choices=choices,
            order=order,
            for_renewal=for_renewal,
            condition_question=by_code[condition[0]] if condition else None,
            condition_value=condition[1] if condition else "",
            review_answer=RENEWAL_REVIEW_ANSWERS.get(q_code, ""),
            # A code names different questions in different types: limits go on numbers and
            # dates only.
            **(QUESTION_LIMITS.get(q_code, {}) if kind in (NUM, DATE) else {}),
        )
    _spanish_fill(license_type)


def _spanish_fill(license_type: LicenseType) -> None:
    """Give the type, its documents and its questions their demo Spanish where it is missing
    (a demo database seeded before texts had Spanish); an administrator's words stay."""

    def fill(obj, values: dict) -> None:
        changed = []
        for field, value in values.items():
            if value and not getattr(obj, field):
                setattr(obj, field, value)
                changed.append(field)
        if changed:
            obj.save(update_fields=changed)

    name, category, description, eligibility = TYPES_ES.get(license_type.code, ("",) * 4)
    fill(
        license_type,
        {
            "name_es": name,
            "category_es": category,
            "description_es": description,
            "eligibility_es": eligibility,
        },
    )
    for document in DocumentRequirement.objects.of(license_type):
        name, description = DOCUMENTS_ES.get(document.name, ("", ""))
        fill(document, {"name_es": name, "description_es": description})
    for question in Question.objects.of(license_type):
        fill(
            question,
            {
                "label_es": QUESTIONS_ES.get(question.label, ""),
                "choices_es": CHOICES_ES.get(question.choices, ""),
            },
        )


def _keywords_fill(license_type: LicenseType) -> None:
    """Give a type of a demo database seeded before types had keywords its demo keywords;
    words an administrator has typed since are left alone."""
    english, spanish = KEYWORDS.get(license_type.code, ("", ""))
    changed = []
    if english and not license_type.keywords:
        license_type.keywords = english
        changed.append("keywords")
    if spanish and not license_type.keywords_es:
        license_type.keywords_es = spanish
        changed.append("keywords_es")
    if changed:
        license_type.save(update_fields=[*changed, "updated_at"])


def seed() -> None:
    """Create the Licensing department and the twelve license types that are missing."""
    staff_group_ensure(
        name=CLERKS,
        permissions=[
            "licensing.view_application",
            "licensing.change_application",
            "licensing.view_license",
            "licensing.view_licensetype",
        ],
    )
    with transaction.atomic():
        Department.objects.get_or_create(code="LICENSING", defaults={"name": "Licensing"})
        for row in TYPES:
            _license_type(row)
    _imported_licenses()
    _resident_license()


DEMO_IMPORT_FILE = "demo-legacy-register.csv"

# Licenses "from the legacy system", without accounts, with expiries around today so the
# reminders, the renewal window, the grace period and the lapse all have something to show:
# (legacy number, type, holder, business, e-mail, phone, days until expiry, term in years,
# status).
IMPORTED = [
    (
        "B-10482",
        "barber",
        "Sam Whitfield",
        "Sam's Barbershop",
        "sam.whitfield@example.org",
        "(217) 555-0142",
        7,
        2,
        "active",
    ),
    ("C-20917", "cosmetologist", "Priya Raman", "", "priya.raman@example.org", "", 30, 2, "active"),
    (
        "E-3312",
        "electrician",
        "Dale Okafor",
        "Okafor Electric LLC",
        "dale@okafor.example.com",
        "(217) 555-0199",
        60,
        1,
        "active",
    ),
    (
        "FT-0077",
        "food-truck",
        "Rosa Delgado",
        "Tacos Rosa",
        "rosa@tacosrosa.example.com",
        "",
        90,
        1,
        "active",
    ),
    ("P-5521", "plumber", "Ken Ito", "Ito Plumbing", "ken.ito@example.org", "", -10, 1, "expired"),
    ("D-90311", "dog", "Beth Novak", "", "", "", 200, 1, "active"),
]


def _imported_licenses() -> None:
    """Import the legacy demo licenses once, through the import service, as the
    administrator (skipped if the administrator account or a type is missing)."""
    if LicenseImport.objects.filter(file_name=DEMO_IMPORT_FILE).exists():
        return
    administrator = User.objects.filter(email=ADMINISTRATOR.email).first()
    codes = set(LicenseType.objects.values_list("code", flat=True))
    if administrator is None:
        return
    from licensing.services import license_import

    today = timezone.localdate()
    lines = [
        "legacy_number,type_code,holder_name,business_name,holder_email,phone,issued_on,"
        "expires_on,status"
    ]
    for number, code, name, business, email, phone, days, years, status in IMPORTED:
        if code not in codes:
            continue
        expires_on = today + datetime.timedelta(days=days)
        issued_on = expires_on - relativedelta(years=years)
        lines.append(
            f'{number},{code},{name},"{business}",{email},{phone},{issued_on},{expires_on},{status}'
        )
    license_import(
        content="\n".join(lines).encode(), file_name=DEMO_IMPORT_FILE, actor=administrator
    )


def _resident_license() -> None:
    """Give the demo resident a barber license in its renewal window (expiring in 20 days),
    so "Renew this license" shows on their license page. Created once."""
    from licensing.services import license_number_allocate

    resident = User.objects.filter(email=RESIDENT.email).first()
    barber = LicenseType.objects.filter(code="barber").first()
    if resident is None or barber is None or License.objects.filter(holder=resident).exists():
        return
    expires_on = timezone.localdate() + datetime.timedelta(days=20)
    with transaction.atomic():
        License.objects.create(
            number=license_number_allocate(license_type=barber),
            license_type=barber,
            holder=resident,
            holder_name=resident.full_name,
            business_name="Lee's Cuts",
            holder_email=resident.email,
            issued_on=expires_on - relativedelta(years=2),
            expires_on=expires_on,
        )
