import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import decrypt
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from accounts.demo import ACCOUNTS, DEMO_PASSWORD, DEMO_TOTP_SECRET
from accounts.models import User
from cases import permissions
from cases.models import StaffMembership

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Everything seed_demo touches that a second run must leave as it is."""
    return {
        "users": sorted(
            User.objects.values_list(
                "email", "password", "is_staff", "is_superuser", "full_name", "phone"
            )
        ),
        "emails": sorted(EmailAddress.objects.values_list("email", "verified", "primary")),
        "authenticators": sorted(Authenticator.objects.values_list("user__email", "type", "pk")),
        "groups": sorted(
            (group.name, sorted(group.permissions.values_list("codename", flat=True)))
            for group in Group.objects.all()
        ),
        "memberships": sorted(
            User.groups.through.objects.values_list("user__email", "group__name")
        ),
        "staff_roles": sorted(
            StaffMembership.objects.values_list("user__email", "department_id", "role")
        ),
    }


def test_seed_demo_creates_the_demo_accounts(settings):
    # given
    settings.DEBUG = True

    # when
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # then
    users = {user.email: user for user in User.objects.all()}
    assert set(users) == {account.email for account in ACCOUNTS}
    admin = users["admin@springfield.example.gov"]
    assert admin.is_superuser and admin.is_staff
    clerk = users["clerk@springfield.example.gov"]
    inspector = users["inspector@springfield.example.gov"]
    assert list(clerk.groups.values_list("name", flat=True)) == ["Clerks"]
    assert list(inspector.groups.values_list("name", flat=True)) == ["Inspectors"]
    assert clerk.has_perm("cases.change_case") and not clerk.is_superuser
    assert not inspector.has_perm("accounts.view_user")
    # The clerk is also the cashier; the inspector reaches only what is assigned to them.
    assert permissions.can(clerk, permissions.REFUND)
    assert permissions.can(clerk, permissions.MOVE, "LICENSING")
    assert not permissions.can(inspector, permissions.REFUND)
    assert not permissions.can(inspector, permissions.VIEW_DOCUMENTS, "LICENSING")
    assert users["maria.garcia@example.org"].preferred_language == "es"
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == len(ACCOUNTS)
    for staff in (admin, clerk, inspector):
        totp = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
        assert decrypt(totp.data["secret"]) == DEMO_TOTP_SECRET
        assert Authenticator.objects.filter(
            user=staff, type=Authenticator.Type.RECOVERY_CODES
        ).exists()
    assert not Authenticator.objects.filter(user__is_staff=False).exists()


def test_seed_demo_twice_changes_nothing(settings):
    # given
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    before = snapshot()

    # when
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # then
    assert snapshot() == before


def test_seed_demo_prints_the_logins_and_totp_secret_in_debug(settings, capsys):
    # given
    settings.DEBUG = True

    # when
    call_command("seed_demo")

    # then
    output = capsys.readouterr().out
    assert f"password for all: {DEMO_PASSWORD}" in output
    assert "clerk@springfield.example.gov" in output
    assert DEMO_TOTP_SECRET in output
    assert "otpauth://totp/" in output
    assert f"secret={DEMO_TOTP_SECRET}" in output


def test_seed_demo_refuses_without_debug(settings):
    # given
    settings.DEBUG = False

    # when / then
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_with_force_seeds_but_prints_no_secrets(settings, capsys):
    # given
    settings.DEBUG = False

    # when
    call_command("seed_demo", "--force")

    # then
    assert User.objects.count() == len(ACCOUNTS)
    output = capsys.readouterr().out
    assert DEMO_PASSWORD not in output
    assert DEMO_TOTP_SECRET not in output


def test_demo_staff_secret_produces_valid_codes():
    # given
    from tests.accounts.totp import current_totp_code

    # when
    code = current_totp_code(DEMO_TOTP_SECRET)

    # then
    assert validate_totp_code(DEMO_TOTP_SECRET, code)


def test_the_demo_shows_overdue_cases_and_escalates_them_to_the_supervisor(settings):
    # given
    from cases.escalations import escalations_run
    from cases.models import Case, CaseEvent
    from cases.selectors import overdue_filter
    from notifications.models import Notification

    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    # when
    overdue = list(Case.objects.filter(overdue_filter()))
    escalated = escalations_run()

    # then: the queue has late reports, sent weeks ago by their timeline, and the demo
    # administrator (a supervisor across the agency) is told of each
    assert len(overdue) == 2
    assert escalated == 2
    for case in overdue:
        assert case.events.earliest("created_at").created_at == case.submitted_at
        assert CaseEvent.objects.filter(case=case, kind="escalated").count() == 1
    told = Notification.objects.filter(
        recipient__email="admin@springfield.example.gov", template_key="cases/escalated"
    )
    assert told.filter(channel="in_app").count() == 2
