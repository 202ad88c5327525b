import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.factories import PDF_BYTES


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded documents go to a temporary folder, one per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pdf():
    def make(name="proof.pdf"):
        return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories hash a password per user; the slow production hasher adds nothing here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def licensing_clerk(clerk):
    """A clerk who may work license applications in the back office, with TOTP enrolled."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.models import Permission

    clerk.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="licensing",
            codename__in=["view_application", "change_application", "view_license"],
        )
    )
    TOTP.activate(clerk, generate_totp_secret())
    return clerk


@pytest.fixture
def invoice_replaced_midway(monkeypatch):
    """`arm(application, replacement)`: the application's next lock finds its invoice replaced
    by `replacement` between taking the invoice's lock and the application's, as when another
    tab asks to pay at that moment (licensing/services/_locks.py)."""
    from licensing.models import Application
    from licensing.services import _locks

    def arm(application, replacement):
        invoice_lock = _locks.invoice_lock

        def replace_then_lock(*, invoice_id):
            Application.objects.filter(pk=application.pk).update(invoice=replacement)
            return invoice_lock(invoice_id=invoice_id)

        monkeypatch.setattr(_locks, "invoice_lock", replace_then_lock)

    return arm
