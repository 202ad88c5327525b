"""Demo accounts for `manage.py seed_demo`: an administrator, a clerk, an inspector, two
residents and a mortgage lender's employee. Other apps' demo data can look them up by these
e-mail addresses (the taxes demo makes the lender's employee a member of its lender).

Everything here is public on purpose (it is demo data): never run it against a real
portal's database.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import User
from accounts.services import mfa_totp_enrol, staff_group_ensure, user_create

DEMO_PASSWORD = "springfield-demo-2026"  # noqa: S105 (public demo data)
# One fixed base32 secret for every demo staff account, so the same authenticator entry
# (or the otpauth:// URI printed by seed_demo) signs all of them in.
DEMO_TOTP_SECRET = "PORTALDEMOTOTPSECRETK7Q2M4X6Z3WB"  # noqa: S105 (public demo data)

CLERKS = "Clerks"
INSPECTORS = "Inspectors"

# What each role may do in the back office. Apps add their own models' permissions to
# these groups from their own demo.py (see staff_group_ensure).
GROUP_PERMISSIONS = {
    CLERKS: [
        "accounts.view_user",
        "cases.view_case",
        "cases.change_case",
        "cases.view_caseevent",
        "cases.view_casedocument",
        "cases.add_casedocument",
        "cases.view_casemessage",
        "cases.add_casemessage",
        "cases.view_department",
        "notifications.view_notification",
    ],
    INSPECTORS: [
        "cases.view_case",
        "cases.change_case",
        "cases.view_caseevent",
        "cases.view_casedocument",
        "cases.add_casedocument",
        "cases.view_casemessage",
        "cases.add_casemessage",
    ],
}


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    full_name: str
    phone: str = ""
    preferred_language: str = "en"
    is_staff: bool = False
    is_superuser: bool = False
    group: str = ""


ADMINISTRATOR = DemoAccount(
    role="Administrator",
    email="admin@springfield.example.gov",
    full_name="Alex Morgan",
    is_staff=True,
    is_superuser=True,
)
CLERK = DemoAccount(
    role="Clerk",
    email="clerk@springfield.example.gov",
    full_name="Casey Brooks",
    is_staff=True,
    group=CLERKS,
)
INSPECTOR = DemoAccount(
    role="Inspector",
    email="inspector@springfield.example.gov",
    full_name="Irene Walsh",
    is_staff=True,
    group=INSPECTORS,
)
RESIDENT = DemoAccount(
    role="Resident",
    email="jordan.lee@example.org",
    full_name="Jordan Lee",
    phone="+12025550143",
)
RESIDENT_ES = DemoAccount(
    role="Resident (Spanish)",
    email="maria.garcia@example.org",
    full_name="María García",
    phone="+12025550178",
    preferred_language="es",
)
# Sends First Mortgage Bank's escrow files and pays its escrowed parcels' bills in bulk.
LENDER = DemoAccount(
    role="Mortgage lender",
    email="robin.hale@firstmortgage.example.com",
    full_name="Robin Hale",
    phone="+12025550191",
)
ACCOUNTS = [ADMINISTRATOR, CLERK, INSPECTOR, RESIDENT, RESIDENT_ES, LENDER]


def account_ensure(account: DemoAccount) -> User:
    """The demo account, created if it is missing (an existing one is left as it is)."""
    user = User.objects.filter(email__iexact=account.email).first()
    if user is None:
        user = user_create(
            email=account.email,
            password=DEMO_PASSWORD,
            full_name=account.full_name,
            phone=account.phone,
            preferred_language=account.preferred_language,
            is_staff=account.is_staff,
            is_superuser=account.is_superuser,
            email_verified=True,
        )
        if account.group:
            user.groups.add(staff_group_ensure(name=account.group, permissions=[]))
    return user


def seed() -> None:
    """Create the demo groups and accounts that are missing; leave existing ones alone."""
    for name, permissions in GROUP_PERMISSIONS.items():
        staff_group_ensure(name=name, permissions=permissions)
    for account in ACCOUNTS:
        user = account_ensure(account)
        if account.is_staff:
            mfa_totp_enrol(user=user, secret=DEMO_TOTP_SECRET)
