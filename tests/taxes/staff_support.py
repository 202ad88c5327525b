"""Staff of the tax collector's office, and of another department, for the staff pages' tests."""

from __future__ import annotations

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from cases.models import Department
from taxes.staff_permissions import DEPARTMENT_CODE
from tests.accounts.factories import StaffFactory


def tax_office() -> Department:
    # Taxes' migration makes it; a transactional test's flush may have removed it.
    department, _created = Department.objects.get_or_create(
        code=DEPARTMENT_CODE, defaults={"name": "Tax Collector"}
    )
    return department


def tax_staff(role: str = "clerk", *, mfa: bool = True):
    user = StaffFactory(roles=[(role, tax_office())])
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user


def other_staff(*, mfa: bool = True):
    library, _created = Department.objects.get_or_create(
        code="LIBRARY", defaults={"name": "Library"}
    )
    user = StaffFactory(roles=[("clerk", library)])
    if mfa:
        TOTP.activate(user, generate_totp_secret())
    return user
