import datetime
import re
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Permission
from django.urls import reverse
from PIL import Image, ImageDraw

from licensing.pdf import certificate_filename, certificate_pdf, qr_svg
from licensing.verification import verify_token, verify_url
from tests.licensing.license_factory import LicenseFactory


def pdf_text(content: bytes, folder: Path) -> str:
    path = folder / "certificate.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def pdf_qr_codes(content: bytes, folder: Path) -> list[str]:
    """Decode every QR code on the certificate's page, drawn as a reader's camera would see it."""
    path = folder / "certificate.pdf"
    path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(folder / "page")],
        check=True,
    )
    with Image.open(folder / "page.png") as page:
        return [code.text for code in zxingcpp.read_barcodes(page)]


def pdf_links(content: bytes, folder: Path) -> list[str]:
    """The URIs of the PDF's link annotations, as poppler reads them."""
    path = folder / "links.pdf"
    path.write_bytes(content)
    listing = subprocess.run(
        ["pdfinfo", "-url", str(path)], capture_output=True, check=True, text=True
    ).stdout
    return [line.split()[-1] for line in listing.splitlines()[1:] if line.strip()]


@pytest.fixture
def license(db, settings):
    settings.SITE_URL = "https://portal.springfield.example.gov"
    return LicenseFactory(
        license_type__name="Barber license",
        holder__full_name="Robin Barber",
        business_name="Robin's Cuts",
        issued_on=datetime.date(2026, 3, 1),
        expires_on=datetime.date(2027, 3, 1),
    )


def test_the_certificate_shows_the_agency_the_holder_the_license_and_its_dates(
    license, settings, tmp_path
):
    # given
    settings.AGENCY = {**settings.AGENCY, "name": "Town of Shelbyville", "phone": "(555) 123-4567"}

    # when
    text = pdf_text(certificate_pdf(license=license), tmp_path)

    # then
    for expected in (
        "Town of Shelbyville",
        "(555) 123-4567",
        "License certificate",
        "Robin Barber",
        "Robin's Cuts",
        "Barber license",
        license.number,
        "March 1, 2026",
        "March 1, 2027",
        "Active",
    ):
        assert expected in text, expected
    assert "not valid" not in text
    assert license.holder.email not in text


def test_the_qr_code_decodes_to_the_verification_link_which_is_also_a_link(license, tmp_path):
    # given
    url = verify_url(license=license)

    # when
    content = certificate_pdf(license=license)

    # then
    assert url.startswith("https://portal.springfield.example.gov/licenses/verify/")
    assert pdf_qr_codes(content, tmp_path) == [url]
    assert set(pdf_links(content, tmp_path)) == {url}


def test_the_qr_svg_alone_decodes_to_the_link(license):
    # given
    url = verify_url(license=license)

    # when
    svg = qr_svg(url)

    # then: its runs of modules, drawn 8 pixels per module, read back as the link
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    image = Image.new("L", (size * 8, size * 8), 255)
    draw = ImageDraw.Draw(image)
    for x, y, width in re.findall(r"M(\d+) (\d+)\.5h(\d+)", svg):
        left, top = int(x) * 8, int(y) * 8
        draw.rectangle([left, top, left + int(width) * 8 - 1, top + 7], fill=0)
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [url]


def test_a_license_has_the_same_verification_link_every_time(license):
    # when
    first, second = verify_url(license=license), verify_url(license=license)

    # then
    assert first == second


def test_the_certificate_is_a_tagged_one_page_pdf(license, tmp_path):
    # given
    path = tmp_path / "certificate.pdf"

    # when
    path.write_bytes(certificate_pdf(license=license))

    # then
    info = subprocess.run(
        ["pdfinfo", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()
    assert "Tagged:          yes" in info
    assert "Pages:           1" in info
    assert f"Title:           License certificate {license.number}" in info


def test_a_revoked_license_certificate_says_it_is_not_valid(license, tmp_path):
    # given
    license.status = "revoked"
    license.save(update_fields=["status"])

    # when
    text = pdf_text(certificate_pdf(license=license), tmp_path)

    # then
    assert "This license is not valid: its status is “Revoked”." in text


def test_the_certificate_is_in_spanish_when_asked(license, tmp_path):
    # when
    text = pdf_text(certificate_pdf(license=license, language="es"), tmp_path)

    # then
    assert license.number in text
    assert 'lang="es"' not in text  # the text, not the markup
    assert "Robin Barber" in text


# --- who may download it ---------------------------------------------------------------------


def test_the_holder_downloads_the_certificate_from_the_license_page(client, license):
    # given
    client.force_login(license.holder)
    page = client.get(reverse("licensing:license", args=[license.number]))

    # when
    response = client.get(reverse("licensing:license_certificate", args=[license.number]))

    # then
    assert reverse("licensing:license_certificate", args=[license.number]) in page.text
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{certificate_filename(license)}"'
    )
    assert response.content.startswith(b"%PDF-")


def test_another_resident_gets_a_404(client, license, other_resident):
    # given
    client.force_login(other_resident)

    # when
    response = client.get(reverse("licensing:license_certificate", args=[license.number]))

    # then
    assert response.status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, license):
    # when
    response = client.get(reverse("licensing:license_certificate", args=[license.number]))

    # then
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_staff_need_the_permission_and_two_factor_to_download_it(client, license, clerk):
    # given
    url = reverse("licensing:license_certificate", args=[license.number])
    client.force_login(clerk)
    without_permission = client.get(url)
    clerk.user_permissions.add(Permission.objects.get(codename="view_license"))
    without_two_factor = client.get(url)
    TOTP.activate(clerk, generate_totp_secret())

    # when
    response = client.get(url)

    # then
    assert without_permission.status_code == 404
    assert without_two_factor.status_code == 404
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_staff_download_it_from_the_license_admin(client, license, licensing_clerk):
    # given
    client.force_login(licensing_clerk)
    change_url = reverse("admin:licensing_license_change", args=[license.pk])
    certificate_url = reverse("admin:licensing_license_certificate", args=[license.pk])

    # when
    page = client.get(change_url)
    response = client.get(certificate_url)

    # then
    assert page.status_code == 200
    assert certificate_url in page.text
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="{certificate_filename(license)}"'
    )


# --- the public verification page -------------------------------------------------------------


def test_the_verification_page_shows_what_the_lookup_shows_and_no_contact_details(client, license):
    # given
    token = verify_token(license=license)

    # when
    response = client.get(reverse("licensing:verify", args=[token]))

    # then
    assert response.status_code == 200
    assert response.context["license"] == license
    for expected in (
        "This license is valid",
        "Robin Barber",
        "Robin&#x27;s Cuts",
        "Barber license",
        license.number,
        "March 1, 2027",
    ):
        assert expected in response.text, expected
    assert license.holder.email not in response.text


@pytest.mark.parametrize(
    "alter",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token.split(":")[0] + ":" + "x" * 43,
        lambda token: "not-a-token",
    ],
    ids=["last-character", "signature", "garbage"],
)
def test_an_altered_token_is_a_404_page_saying_the_link_is_not_valid(client, license, alter):
    # given
    token = alter(verify_token(license=license))

    # when
    response = client.get(reverse("licensing:verify", args=[token]))

    # then
    assert response.status_code == 404
    assert "This link is not valid" in response.text
    assert license.number not in response.text


def test_a_token_of_another_salt_does_not_verify(client, license):
    # given: the same number signed for another purpose (a guest's case link)
    from django.core import signing

    token = signing.dumps(license.number, salt="cases.guest-link")

    # when
    response = client.get(reverse("licensing:verify", args=[token]))

    # then
    assert response.status_code == 404


def test_a_revoked_license_verifies_as_not_valid(client, license):
    # given
    license.status = "revoked"
    license.save(update_fields=["status"])

    # when
    response = client.get(reverse("licensing:verify", args=[verify_token(license=license)]))

    # then
    assert response.status_code == 200
    assert "This license is not valid: its status is “Revoked”." in response.text


def test_an_inspector_does_not_download_certificates(client, license):
    # given: an inspector with the back office's permission and two-factor on
    from tests.accounts.factories import StaffFactory

    inspector = StaffFactory(roles=["inspector"])
    inspector.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_license", "change_license"])
    )
    TOTP.activate(inspector, generate_totp_secret())
    client.force_login(inspector)

    # when
    by_link = client.get(reverse("licensing:license_certificate", args=[license.number]))
    in_admin = client.get(reverse("admin:licensing_license_certificate", args=[license.pk]))

    # then: their role reads no licensing documents
    assert by_link.status_code == 404
    assert in_admin.status_code == 403
