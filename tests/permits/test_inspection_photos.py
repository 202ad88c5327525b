"""Inspection photos: shown to the applicant and the inspector as thumbnails through a view
that checks who asks, never to the public and never by a media address."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pytest_django.asserts import assertTemplateUsed

from permits.exceptions import InspectionRefused
from permits.models import InspectionPhoto, InspectionStatus
from permits.services.inspections import inspection_book, inspection_record_result
from tests.accounts.factories import UserFactory
from tests.permits.inspection_factories import (
    NOW,
    THURSDAY,
    WEDNESDAY,
    at,
    inspector,
    issued_permit,
    open_slots,
)

pytestmark = pytest.mark.django_db

FRIDAY = THURSDAY + datetime.timedelta(days=1)


def jpeg(width=1600, height=1200) -> SimpleUploadedFile:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (120, 90, 40)).save(output, format="JPEG")
    return SimpleUploadedFile("IMG_0001.jpg", output.getvalue(), content_type="image/jpeg")


@pytest.fixture
def failed_with_photos(settings):
    settings.MEDIA_URL = "/media/"
    person = inspector(capacity=2)
    open_slots()
    permit = issued_permit()
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    inspection_record_result(
        inspection=inspection,
        actor=person,
        result="failed",
        deficiencies="Footing too shallow on the north side.",
        photos=[jpeg(), jpeg(800, 600)],
        now=at(WEDNESDAY, 10),
    )
    return inspection


def photo_urls(inspection):
    return [
        (
            reverse("permits:inspection_photo", args=[photo.pk]),
            reverse("permits:inspection_photo_thumbnail", args=[photo.pk]),
        )
        for photo in inspection.photos.all()
    ]


def test_the_applicant_sees_the_thumbnails_with_alt_text(client, failed_with_photos):
    # given
    inspection = failed_with_photos
    client.force_login(inspection.permit.case.applicant)

    # when
    page = client.get(reverse("permits:inspections", args=[inspection.permit.case.reference]))

    # then
    html = page.content.decode()
    assert page.status_code == 200
    for full, thumbnail in photo_urls(inspection):
        assert f'href="{full}"' in html
        assert f'src="{thumbnail}"' in html
    assert 'alt="Photo 1 of 2, Step 1 inspection of' in html
    assert 'alt="Photo 2 of 2, Step 1 inspection of' in html
    assert "/media/" not in html


def test_the_thumbnail_is_small_and_the_full_photo_whole(client, failed_with_photos):
    # given
    inspection = failed_with_photos
    client.force_login(inspection.permit.case.applicant)
    full_url, thumbnail_url = photo_urls(inspection)[0]

    # when
    thumbnail = client.get(thumbnail_url)
    full = client.get(full_url)

    # then
    assert thumbnail.status_code == full.status_code == 200
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert thumbnail["Cache-Control"].startswith("private")
    assert max(Image.open(io.BytesIO(thumbnail.content)).size) == 320
    assert Image.open(io.BytesIO(b"".join(full.streaming_content))).size == (1600, 1200)


def test_the_full_photo_streams_the_stored_bytes_with_its_headers(client, failed_with_photos):
    # given
    inspection = failed_with_photos
    photo = inspection.photos.order_by("pk").first()
    with photo.image.open("rb") as stored:
        stored_bytes = stored.read()
    client.force_login(inspection.permit.case.applicant)

    # when
    response = client.get(reverse("permits:inspection_photo", args=[photo.pk]))

    # then: streamed from storage, byte for byte, with the headers a photo is served with
    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == stored_bytes
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Length"] == str(len(stored_bytes))
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["Content-Disposition"] == f'inline; filename="inspection-photo-{photo.pk}.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response


def test_the_inspector_sees_the_photos_on_the_inspection_page(client, failed_with_photos):
    # given
    inspection = failed_with_photos
    client.force_login(inspection.inspector)

    # when
    page = client.get(reverse("permits:inspection_result", args=[inspection.pk]))
    full_url, thumbnail_url = photo_urls(inspection)[0]

    # then
    assert page.status_code == 200
    assert f'src="{thumbnail_url}"' in page.content.decode()
    assert client.get(full_url).status_code == 200


def test_the_inspector_sees_earlier_photos_when_the_next_inspection_opens(
    client, failed_with_photos
):
    # given: the failed inspection is booked again after its fee
    inspection = failed_with_photos
    permit = inspection.permit
    again = inspection_book(
        permit=permit,
        day=THURSDAY,
        period="am",
        actor=permit.case.applicant,
        now=at(WEDNESDAY, 11),
    )
    client.force_login(again.inspector)

    # when
    page = client.get(reverse("permits:inspection_result", args=[again.pk]))

    # then
    _full, thumbnail_url = photo_urls(inspection)[0]
    assert f'src="{thumbnail_url}"' in page.content.decode()


def test_another_resident_and_a_visitor_get_not_found(client, failed_with_photos):
    urls = [url for pair in photo_urls(failed_with_photos) for url in pair]
    for url in urls:
        assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    for url in urls:
        assert client.get(url).status_code == 404


def test_the_public_permit_page_shows_the_result_but_not_the_photos(client, failed_with_photos):
    # given
    permit = failed_with_photos.permit

    # when
    page = client.get(reverse("permits:public", args=[permit.case.reference]))

    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "Failed" in html
    assert "inspection-photos" not in html
    assert "/media/" not in html


def test_the_inspections_page_reads_photos_in_constant_queries(client, failed_with_photos):
    # given: the page read with one failed inspection and its photos
    inspection = failed_with_photos
    permit = inspection.permit
    client.force_login(permit.case.applicant)
    url = reverse("permits:inspections", args=[permit.case.reference])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)

    # when: two more failures with photos
    for day in (THURSDAY, FRIDAY):
        again = inspection_book(
            permit=permit,
            day=day,
            period="am",
            actor=permit.case.applicant,
            now=at(day - datetime.timedelta(days=1), 10, 30),
        )
        inspection_record_result(
            inspection=again,
            actor=again.inspector,
            result="failed",
            comments="Not ready.",
            photos=[jpeg(400, 300), jpeg(400, 300)],
            now=at(day, 10),
        )

    # then: the page reads no more queries
    with CaptureQueriesContext(connection) as three:
        page = client.get(url)
    assert page.content.decode().count("inspection-photos/") == 2 * 6
    assert len(three) == len(one)


@pytest.fixture
def booked_for_result():
    person = inspector(capacity=2)
    open_slots()
    permit = issued_permit()
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    return inspection, person


def test_a_photo_over_the_configured_size_is_refused_and_no_result_recorded(
    settings, booked_for_result
):
    # given: a photo one byte over the configured limit
    inspection, person = booked_for_result
    photo = jpeg()
    settings.PERMITS_PHOTO_MAX_BYTES = photo.size - 1

    # when
    with pytest.raises(InspectionRefused) as refused:
        inspection_record_result(
            inspection=inspection,
            actor=person,
            result="failed",
            deficiencies="Footing too shallow.",
            photos=[photo],
            now=at(WEDNESDAY, 10),
        )

    # then: the message names the limit, and neither the result nor a photo was kept
    assert refused.value.code == "photo"
    assert filesizeformat(photo.size - 1) in str(refused.value)
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.SCHEDULED
    assert not InspectionPhoto.objects.exists()


def test_a_photo_of_exactly_the_configured_size_is_kept(settings, booked_for_result):
    # given
    inspection, person = booked_for_result
    photo = jpeg()
    settings.PERMITS_PHOTO_MAX_BYTES = photo.size

    # when
    inspection_record_result(
        inspection=inspection,
        actor=person,
        result="failed",
        deficiencies="Footing too shallow.",
        photos=[photo],
        now=at(WEDNESDAY, 10),
    )

    # then
    assert inspection.photos.count() == 1


def test_the_result_form_takes_photos_from_the_phones_camera(client):
    # given: an inspection of today, on its inspector's phone
    person = inspector(capacity=2)
    open_slots()
    permit = issued_permit()
    inspection = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    type(inspection).objects.filter(pk=inspection.pk).update(day=timezone.localdate())
    client.force_login(person)

    # when
    response = client.get(reverse("permits:inspection_result", args=[inspection.pk]))

    # then: the photo field opens the back camera, several images at a time, in the form
    # sent as multipart (so it works without JavaScript)
    body = response.content.decode()
    assert response.status_code == 200
    assertTemplateUsed(response, "portal/_photos_input.html")  # as the concern field result
    field = body[body.index('name="photos"') - 200 : body.index('name="photos"') + 200]
    assert 'type="file"' in field and "multiple" in field
    assert 'accept="image/*"' in field and 'capture="environment"' in field
    assert 'enctype="multipart/form-data"' in body
