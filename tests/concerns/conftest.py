import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Photos go to a temporary folder, one per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def category(db):
    from tests.concerns.factories import pothole_category

    return pothole_category()


@pytest.fixture
def report_clerk(clerk):
    """A clerk who may work cases and reports in the back office, with TOTP enrolled."""
    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="cases",
            codename__in=["view_case", "change_case", "view_caseevent", "view_department"],
        ),
        *Permission.objects.filter(
            content_type__app_label="concerns",
            codename__in=["view_concernreport", "change_concernreport", "view_concernphoto"],
        ),
    )
    TOTP.activate(clerk, generate_totp_secret())
    # Permissions are cached on the instance: fetch it again.
    return type(clerk).objects.get(pk=clerk.pk)
