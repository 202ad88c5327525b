"""Back-office pages of licensing: the legacy CSV import, and the clerks' queue."""

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from licensing.models import License, LicenseImport
from tests.accounts.factories import StaffFactory
from tests.licensing.factories import LicenseTypeFactory

HEADER = "legacy_number,type_code,holder_name,holder_email,issued_on,expires_on,status\n"
ROWS = (
    "B-1,barber,Ada Lovelace,ada@example.org,2025-03-01,2027-03-01,active\n"
    "B-2,dentist,Grace Hopper,grace@example.org,2025-03-01,2027-03-01,active\n"
)
IMPORT_URL = reverse("admin:licensing_license_import")


@pytest.fixture
def barber(db):
    return LicenseTypeFactory(code="barber", number_prefix="BRB")


def _staff(*codenames):
    user = StaffFactory()
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="licensing", codename__in=codenames)
    )
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def importer(db):
    return _staff("view_license", "add_license")


def _csv(text: str, name="legacy.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_register_offers_the_import_only_to_staff_who_may_add_licenses(client, importer):
    # given
    reader = _staff("view_license")
    changelist = reverse("admin:licensing_license_changelist")

    # when
    client.force_login(importer)
    offered = client.get(changelist)
    page = client.get(IMPORT_URL)
    client.force_login(reader)
    not_offered = client.get(changelist)
    refused = client.get(IMPORT_URL)

    # then
    assert IMPORT_URL in offered.content.decode()
    assert page.status_code == 200
    assert "holder_email" in page.content.decode()
    assert IMPORT_URL not in not_offered.content.decode()
    assert refused.status_code == 403


def test_staff_without_two_factor_authentication_cannot_import(client, db):
    # given
    user = StaffFactory()
    user.user_permissions.add(Permission.objects.get(codename="add_license"))
    client.force_login(user)

    # when
    response = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)})

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("mfa_activate_totp"))
    assert License.objects.count() == 0


def test_the_preview_lists_rows_and_errors_and_saves_nothing(client, importer, barber):
    # given
    client.force_login(importer)

    # when
    response = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)})

    # then
    assert response.status_code == 200
    report = response.context["report"]
    assert [(row.line, row.outcome, row.errors) for row in report.rows] == [
        (2, "create", []),
        (3, "error", ["Unknown license type code “dentist”."]),
    ]
    body = response.content.decode()
    assert "Unknown license type code “dentist”." in body
    assert "Import 1 license" in body
    assert License.objects.count() == 0
    assert LicenseImport.objects.count() == 0


def test_import_applies_the_previewed_file_once(client, importer, barber):
    # given
    client.force_login(importer)
    token = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)}).context["token"]

    # when
    response = client.post(IMPORT_URL, {"token": token})
    replayed = client.post(IMPORT_URL, {"token": token}, follow=True)

    # then
    batch = LicenseImport.objects.get()
    assert response.status_code == 302
    assert response.url == (
        reverse("admin:licensing_license_changelist") + f"?imported_in__id__exact={batch.pk}"
    )
    listed = client.get(response.url)
    assert listed.status_code == 200
    assert [license.legacy_reference for license in listed.context["cl"].result_list] == ["B-1"]
    assert (batch.created_count, batch.error_count, batch.imported_by) == (1, 1, importer)
    assert License.objects.get().holder is None
    assert "That preview has expired. Upload the file again." in replayed.content.decode()
    assert License.objects.count() == 1


def test_a_preview_token_is_good_only_for_the_clerk_who_uploaded(client, importer, barber):
    # given
    client.force_login(importer)
    token = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)}).context["token"]
    client.force_login(_staff("view_license", "add_license"))

    # when
    response = client.post(IMPORT_URL, {"token": token})

    # then
    assert response.status_code == 302
    assert response.url == IMPORT_URL
    assert License.objects.count() == 0


def test_a_second_upload_of_an_imported_file_offers_nothing_to_import(client, importer, barber):
    # given
    client.force_login(importer)
    token = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)}).context["token"]
    client.post(IMPORT_URL, {"token": token})

    # when
    response = client.post(IMPORT_URL, {"file": _csv(HEADER + ROWS)})

    # then
    assert response.context["token"] == ""
    assert [row.outcome for row in response.context["report"].rows] == ["already", "error"]
    assert "There is nothing to import from this file." in response.content.decode()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"name,number\nx,y\n", "Missing columns: legacy_number, type_code"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This is not a CSV file: it holds binary data."),
        (b"x" * (5 * 1024 * 1024 + 10), "The file is too big: the limit is 5 MB."),
    ],
    ids=["wrong headers", "not csv", "too big"],
)
def test_a_file_that_cannot_be_read_is_shown_with_the_error(
    client, importer, barber, content, error
):
    # given
    client.force_login(importer)

    # when
    response = client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("legacy.csv", content, "text/csv")}
    )

    # then
    assert response.status_code == 400
    assert error in response.content.decode()
    assert "The file was not imported. Nothing was saved." in response.content.decode()
    assert License.objects.count() == 0


def test_no_file_is_an_error_on_the_field(client, importer):
    # given
    client.force_login(importer)

    # when
    response = client.post(IMPORT_URL, {})

    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {"file": ["This field is required."]}
