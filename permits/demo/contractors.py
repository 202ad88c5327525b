"""Demo contractor licenses for `seed_demo`: the license types the permit types accept
(beside licensing's electrician and plumber) and licenses to try the contractor check with.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from licensing.models import License, LicenseStatus, LicenseType
from permits.models import PermitType

# Contractor licenses the permit types accept, beside licensing's electrician and plumber:
# (code, prefix, name, name in Spanish).
CONTRACTOR_TYPES = [
    ("general-contractor", "GC", "General contractor", "Contratista general"),
    ("roofing-contractor", "RFC", "Roofing contractor", "Contratista de techos"),
    ("mechanical-contractor", "MCH", "Mechanical contractor", "Contratista mecánico"),
    ("sign-contractor", "SGC", "Sign contractor", "Contratista de letreros"),
]

# Licenses to try the contractor check with: (number, type, holder, business, status,
# days until expiry).
CONTRACTORS = [
    (
        "GC-2026-000101",
        "general-contractor",
        "Dana Whitfield",
        "Oak & Stone Builders",
        "active",
        300,
    ),
    ("GC-2026-000102", "general-contractor", "Marco Reyes", "Reyes Remodeling", "suspended", 200),
    ("GC-2025-000044", "general-contractor", "Lee Park", "Park Homes", "expired", -20),
    ("RFC-2026-000201", "roofing-contractor", "Sam Ortiz", "Summit Roofing", "active", 250),
    ("MCH-2026-000301", "mechanical-contractor", "Ava Chen", "Comfort Air HVAC", "active", 180),
    ("SGC-2026-000401", "sign-contractor", "Noor Haddad", "Bright Signs", "active", 120),
    ("ELE-2026-000501", "electrician", "Tomás Rivera", "Rivera Electric", "active", 330),
    ("PLB-2026-000601", "plumber", "Grace Kim", "Kim Plumbing & Heating", "active", 270),
]


def seed_contractor_types() -> None:
    for code, prefix, name, name_es in CONTRACTOR_TYPES:
        if LicenseType.objects.filter(code=code).exists():
            continue
        if LicenseType.objects.filter(number_prefix=prefix).exists():
            continue
        LicenseType.objects.create(
            code=code,
            number_prefix=prefix,
            name=name,
            name_es=name_es,
            category="Construction trades",
            category_es="Oficios de la construcción",
            description=f"A license to work as a {name.lower()} in the city.",
            description_es=f"Una licencia para trabajar como {name_es.lower()} en la ciudad.",
            application_fee_cents=15_000,
            renewal_fee_cents=12_000,
            late_fee_cents=5_000,
            term_months=24,
            published_at=timezone.now(),
        )


def seed_contractors() -> None:
    today = timezone.localdate()
    types = {t.code: t for t in LicenseType.objects.all()}
    for number, code, holder, business, status, days in CONTRACTORS:
        if code not in types or License.objects.filter(number=number).exists():
            continue
        expires_on = today + datetime.timedelta(days=days)
        License.objects.create(
            number=number,
            license_type=types[code],
            holder_name=holder,
            business_name=business,
            holder_email=f"{business.split()[0].lower()}@example.org",
            status=LicenseStatus(status),
            issued_on=expires_on - datetime.timedelta(days=730),
            expires_on=expires_on,
        )


def contractor_for(permit_type: PermitType) -> License | None:
    """An active license of a trade the type accepts (any, for a type that accepts any)."""
    accepted = permit_type.contractor_license_types.all()
    licenses = License.objects.filter(
        status=LicenseStatus.ACTIVE,
        expires_on__gt=timezone.localdate() + datetime.timedelta(days=30),
    )
    if accepted.exists():
        licenses = licenses.filter(license_type__in=accepted)
    return licenses.order_by("number").first()
