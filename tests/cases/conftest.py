import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission

from tests.cases.workflows import TEST_PERMIT, TEST_REPORT, register_test_workflows


@pytest.fixture(autouse=True, scope="session")
def case_workflows():
    """The test workflows, registered for the whole session (registering twice is a no-op)."""
    register_test_workflows()
    return {"permit": TEST_PERMIT, "report": TEST_REPORT}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded documents go to a temporary folder, one per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def department(db):
    from tests.cases.factories import DepartmentFactory

    return DepartmentFactory(code=TEST_PERMIT.department_code, name="Test Department")


@pytest.fixture
def case_clerk(clerk):
    """A clerk who may work cases in the back office, with TOTP enrolled (staff need MFA)."""
    codenames = [
        "view_case",
        "change_case",
        "view_caseevent",
        "view_casedocument",
        "view_casemessage",
        "view_department",
    ]
    clerk.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="cases", codename__in=codenames)
    )
    TOTP.activate(clerk, generate_totp_secret())
    return clerk


@pytest.fixture
def make_case(db):
    from tests.cases.factories import CaseFactory

    return CaseFactory


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories hash a password per user; the slow production hasher adds nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
