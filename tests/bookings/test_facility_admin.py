"""A facility's admin page, held to what license and permit types have: a draft until it is
published from its own page, a preview of the visitor's page in English and Spanish, and the
texts still missing their Spanish listed."""

from html.parser import HTMLParser

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bookings.models import Blackout, FacilityPhoto
from tests.accounts.factories import StaffFactory
from tests.bookings.factories import FacilityFactory
from tests.cases.factories import PNG_BYTES

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator(client):
    user = StaffFactory(is_superuser=True)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return user


class _FormReader(HTMLParser):
    """What a browser would send from the page's change form (no buttons)."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            checkable = attrs.get("type") in {"checkbox", "radio"}
            if checkable and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value", "on" if checkable else "")
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data.removeprefix("\n")


def _form_data(html: str) -> dict:
    reader = _FormReader()
    reader.feed(html[html.index('id="facility_form"') :])
    return reader.data


def test_a_draft_is_previewed_in_spanish_and_published_from_its_page(client, administrator):
    # given: a draft with its Spanish name
    facility = FacilityFactory(published_at=None, name="Oak pavilion", name_es="Pabellón Roble")
    change = reverse("admin:bookings_facility_change", args=[facility.pk])
    page = client.get(change).content.decode()
    assert "Save and publish" in page
    preview = reverse("admin:bookings_facility_preview", args=[facility.pk])
    assert f"{preview}?lang=es" in page

    # when: previewed in Spanish
    response = client.get(preview, {"lang": "es"})

    # then: the visitor's page, in Spanish, saying it is a draft, with no way to book
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Language"] == "es"
    assert "Pabellón Roble" in html and '<html lang="es"' in html
    assert reverse("bookings:availability", args=[facility.code]) not in html

    # when: published from its page, with what the page holds
    response = client.post(change, {**_form_data(page), "_publish": "1"})

    # then
    assert response.status_code == 302 and response["Location"] == change
    facility.refresh_from_db()
    assert facility.published
    assert client.get(reverse("bookings:facility", args=[facility.code])).status_code == 200
    assert "Save and take back to draft" in client.get(change).content.decode()


def test_the_texts_missing_their_spanish_are_listed(client, administrator):
    # given: a facility with a description and a closed date's reason in English only
    facility = FacilityFactory(description="Shaded, by the lake.", name_es="Pabellón")
    Blackout.objects.create(
        facility=facility, starts_on="2027-07-04", ends_on="2027-07-04", reason="Fireworks"
    )

    # when
    html = client.get(reverse("admin:bookings_facility_change", args=[facility.pk])).content
    html = html.decode()

    # then
    missing = html[html.index('id="missing-spanish"') :].split("</ul>")[0]
    assert "description in Spanish" in missing and "reason in Spanish" in missing
    assert "name in Spanish" not in missing


def test_a_new_facility_is_a_draft_until_published(client, administrator):
    page = client.get(reverse("admin:bookings_facility_add")).content.decode()
    assert "A new facility is saved as a draft." in page


def test_the_preview_is_for_staff_who_may_see_facilities(client):
    facility = FacilityFactory(published_at=None)
    preview = reverse("admin:bookings_facility_preview", args=[facility.pk])

    # a visitor is sent to sign in; a draft's page is not public
    assert client.get(preview).status_code == 302
    assert client.get(reverse("bookings:facility", args=[facility.code])).status_code == 404


def test_a_drafts_photos_show_to_staff_only_and_are_not_cached_publicly(client, administrator):
    # given
    facility = FacilityFactory(published_at=None)
    photo = FacilityPhoto.objects.create(
        facility=facility,
        image=SimpleUploadedFile("p.png", PNG_BYTES, content_type="image/png"),
        alt_text="The pavilion",
    )
    url = reverse("bookings:facility_photo", args=[facility.code, photo.pk])

    # when
    seen = client.get(url)
    client.logout()
    anonymous = client.get(url)

    # then
    assert seen.status_code == 200 and seen["Cache-Control"] == "private, no-store"
    assert anonymous.status_code == 404
