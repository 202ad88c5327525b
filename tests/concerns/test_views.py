import csv
import datetime
import io
import re
import uuid
from decimal import Decimal

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from cases.models import SubmissionKey
from cases.participants import CONFIRM_MAX_AGE
from cases.tokens import guest_token, participant_confirm_token
from concerns import services
from concerns.models import MAX_PHOTOS, ConcernReport
from notifications.models import Notification
from tests.accounts.factories import UserFactory
from tests.concerns.factories import (
    CITY_HALL,
    CategoryFactory,
    jpeg_bytes,
    make_report,
    pothole_category,
    upload,
)

pytestmark = pytest.mark.django_db


def details_url(category, **location) -> str:
    query = "&".join(f"{key}={value}" for key, value in location.items())
    return reverse("concerns:report_details", args=[category.code]) + (f"?{query}" if query else "")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- Step 1: categories ------------------------------------------------------------------


def test_categories_are_grouped_and_searchable_without_javascript(client, category):
    # given
    CategoryFactory(code="graffiti", name="Graffiti", group="Clean neighborhoods", keywords="tag")
    CategoryFactory(code="old", name="Retired", active=False)

    # when
    everything = text(client.get(reverse("concerns:report_start")))
    searched = text(client.get(reverse("concerns:report_start") + "?q=TAG"))

    # then
    assert "Streets and sidewalks" in everything and "Clean neighborhoods" in everything
    assert "Pothole" in everything and "Graffiti" in everything and "Retired" not in everything
    assert "Graffiti" in searched and "Pothole" not in searched


# --- Step 2: the place ---------------------------------------------------------------------


def test_the_place_page_says_to_type_the_address_without_a_map(client, category, settings):
    # given
    settings.MAP_TILE_URL = ""

    # when
    response = client.get(reverse("concerns:report_location", args=[category.code]))

    # then
    assert response.status_code == 200
    assert "Type the address, or describe the place" in text(response)
    assert 'id="concerns-map"' not in text(response)


def test_with_a_tile_server_the_map_is_offered_with_the_address_as_the_alternative(
    client, category, settings
):
    settings.MAP_TILE_URL = "http://tiles.invalid/{z}/{x}/{y}.png"
    page = text(client.get(reverse("concerns:report_location", args=[category.code])))
    assert "Can't use the map? Type the address" in page
    assert 'id="concerns-map"' in page and "vendor/leaflet/leaflet.js" in page


def test_the_reports_page_is_offered_on_a_map_only_where_a_map_is_drawn(client, settings):
    # given: the service list, without a tile server and then with one
    settings.MAP_TILE_URL = ""
    without_tiles = text(client.get(reverse("portal:service_search")))
    settings.MAP_TILE_URL = "http://tiles.invalid/{z}/{x}/{y}.png"
    with_tiles = text(client.get(reverse("portal:service_search")))

    # then
    assert "See recent reports as a list, and follow them." in without_tiles
    assert "on a map" not in without_tiles
    assert "See recent reports on a map or as a list, and follow them." in with_tiles


def test_a_valid_place_goes_on_to_the_details_and_a_bad_one_is_explained(client, category):
    # given
    url = reverse("concerns:report_location", args=[category.code])

    # when
    good = client.get(url, {"address": "1 Main Street"})
    outside = client.get(url, {"address": "", "latitude": "41.0", "longitude": "-89.6"})
    empty = client.get(url, {"address": "", "latitude": "", "longitude": ""})

    # then
    assert good.status_code == 302
    assert good["Location"] == details_url(category, address="1+Main+Street")
    assert outside.status_code == 200
    assert "That place is outside the area we look after." in text(outside)
    assert 'value="41.0"' in text(outside)
    assert "Enter the address or describe where it is" in text(empty)


@pytest.mark.parametrize(
    ("tiles", "expected", "not_expected"),
    [
        ("", "Enter the address or describe where it is, or give its coordinates.", "map"),
        (
            "http://tiles.invalid/{z}/{x}/{y}.png",
            "Enter the address or describe where it is, or put a pin on the map.",
            "give its coordinates",
        ),
    ],
)
def test_a_place_is_required_where_the_category_needs_one_and_the_error_says_how(
    client, category, settings, tiles, expected, not_expected
):
    # given
    settings.MAP_TILE_URL = tiles
    url = reverse("concerns:report_location", args=[category.code])

    # when
    page = text(client.get(url))
    empty = text(client.get(url, {"address": "", "latitude": "", "longitude": ""}))

    # then: the label does not call it optional, and the error names only what is drawn
    assert category.location_required
    label = re.search(r'<label[^>]*for="id_address"[^>]*>(.*?)</label>', page).group(1)
    assert "optional" not in label
    assert expected in empty
    error = re.search(r'id="id_address_error"[^>]*><span[^>]*>[^<]*</span>([^<]*)', empty).group(1)
    assert not_expected not in error


def test_a_place_is_optional_where_the_category_needs_none(client):
    # given
    anywhere = CategoryFactory(code="noise", name="Noise", location_required=False)

    # when
    page = text(client.get(reverse("concerns:report_location", args=[anywhere.code])))

    # then
    label = re.search(r'<label[^>]*for="id_address"[^>]*>(.*?)</label>', page).group(1)
    assert "(optional)" in label


def test_the_details_page_says_the_limits_before_sending(client, category, settings):
    # given
    settings.CONCERNS_PHOTO_MAX_BYTES = 10 * 1024 * 1024

    # when
    page = text(client.get(details_url(category, address="1+Main+Street")))

    # then
    assert "Up to 4,000 characters." in page
    assert "each smaller than 10.0 MB" in page
    # and no label says "(optional)" twice (the form template adds it)
    assert "(optional) <span" not in page and "(optional)</span> <span" not in page


def test_the_details_page_without_a_place_sends_back_to_the_place_page(client, category):
    response = client.get(details_url(category))
    assert response.status_code == 302
    assert response["Location"] == reverse("concerns:report_location", args=[category.code]) + "?"


# --- Step 3: details, duplicates, submission ------------------------------------------------


def test_nearby_open_reports_of_the_same_kind_are_offered_first(client, category):
    # given: an open pothole 20 m away, a closed one on the spot, a streetlight on the spot
    near = make_report(
        category=category,
        answers={"size": "small"},
        latitude=CITY_HALL[0] + Decimal("0.000162"),  # 18 m north
        longitude=CITY_HALL[1],
    )
    make_report(category=CategoryFactory(), description="A streetlight out.")

    # when
    page = text(client.get(details_url(category, latitude=CITY_HALL[0], longitude=CITY_HALL[1])))

    # then
    assert "Is this it? It may already be reported" in page
    assert f"Follow {near.case.reference} instead" in page
    assert "about 18 m away" in page
    assert "A streetlight out." not in page


def test_a_guest_reports_with_photos_and_sees_the_reference(client, category, mailoutbox):
    # given
    url = details_url(category, latitude=CITY_HALL[0], longitude=CITY_HALL[1])
    data = {
        "address": "",
        "latitude": str(CITY_HALL[0]),
        "longitude": str(CITY_HALL[1]),
        "description": "A deep pothole by the bus stop.",
        "attribute_size": "large",
        "guest_email": "guest@example.org",
        "photos": [upload(jpeg_bytes()), upload(jpeg_bytes(), name="2.jpg")],
    }

    # when
    response = client.post(url, data)

    # then
    report = ConcernReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("concerns:report_sent", args=[report.case.reference])
    assert (report.case.guest_email, report.photos.count()) == ("guest@example.org", 2)
    sent = text(client.get(response["Location"]))
    assert f"Your reference is <strong>{report.case.reference}</strong>" in sent


def test_a_signed_in_resident_reports_by_address_only(client, resident, category):
    # given
    client.force_login(resident)
    url = details_url(category, address="42+Elm+Street")

    # when
    page = text(client.get(url))
    response = client.post(
        url,
        {"address": "42 Elm Street", "description": "Pothole.", "attribute_size": "small"},
    )

    # then
    assert "guest_email" not in page and "We will send updates to your account" in page
    report = ConcernReport.objects.get()
    assert (report.case.applicant, report.address, report.latitude) == (
        resident,
        "42 Elm Street",
        None,
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"description": "y" * 4001}, "must be 4000 characters or fewer (it has 4001)"),
        ({"description": "<img src=x onerror=alert(1)>"}, "cannot contain HTML"),
        ({"attribute_size": "enormous"}, "enormous is not one of the choices."),
        (
            {"description": "Pothole by the \u202epots sub"},
            "Remove the invisible formatting characters from this answer.",
        ),
        (
            {"photos": [upload(b"GIF89a not really", name="evil.jpg")]},
            "evil.jpg is not a photo we can use",
        ),
    ],
)
def test_bad_input_re_renders_with_errors_and_values_kept(client, category, changes, message):
    # given
    data = {
        "address": "1 Main Street",
        "description": "A deep pothole by the bus stop.",
        "attribute_size": "large",
        "guest_email": "keep@example.org",
        **changes,
    }

    # when
    response = client.post(details_url(category, address="1+Main+Street"), data)

    # then
    page = text(response)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert 'value="keep@example.org"' in page and 'value="1 Main Street"' in page
    assert ConcernReport.objects.count() == 0


def _kept_photo_tokens(page: str) -> list[str]:
    return re.findall(r'name="keep_photo" value="([^"]+)"', page)


def test_chosen_photos_are_kept_when_the_form_comes_back_with_errors(
    client, _media_root, django_capture_on_commit_callbacks
):
    # given: graffiti needs a photo; the description is forgotten
    graffiti = CategoryFactory(code="graffiti", name="Graffiti", photo_required=True)
    url = details_url(graffiti, address="1+Main+Street")
    first = {"address": "1 Main Street", "description": "", "guest_email": "g@example.org"}

    # when
    refused = client.post(url, {**first, "photos": [upload(jpeg_bytes(), name="wall.jpg")]})
    tokens = _kept_photo_tokens(text(refused))
    thumbnail = client.get(reverse("concerns:held_photo", args=[tokens[0]]))
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {**first, "description": "Tags on the wall.", "keep_photo": tokens})

    # then: the photo was shown with its name, kept, and used; nothing is left held
    page = text(refused)
    assert refused.status_code == 200 and "Enter a description of the problem." in page
    assert "Add at least one photo" not in page and "wall.jpg" in page
    assert len(tokens) == 1
    assert (thumbnail.status_code, thumbnail["Content-Type"]) == (200, "image/jpeg")
    assert thumbnail["Cache-Control"] == "private, no-store"
    assert sent.status_code == 302
    report = ConcernReport.objects.get()
    assert report.photos.count() == 1
    assert not list((_media_root / "concerns" / "held").iterdir())


def test_a_kept_photo_is_removed_by_unticking_it(client):
    # given
    graffiti = CategoryFactory(code="graffiti", name="Graffiti", photo_required=True)
    url = details_url(graffiti, address="1+Main+Street")
    data = {"address": "1 Main Street", "description": ""}
    client.post(url, {**data, "photos": [upload(jpeg_bytes(), name="wall.jpg")]})

    # when: sent again with the photo unticked (the browser then sends no keep_photo)
    response = client.post(url, {**data, "description": "Tags on the wall."})

    # then
    assert response.status_code == 200
    assert "Add at least one photo of the problem." in text(response)
    assert ConcernReport.objects.count() == 0


def test_a_kept_photo_that_is_forged_or_gone_is_explained(client, category):
    # given
    url = details_url(category, address="1+Main+Street")
    data = {"address": "1 Main Street", "description": "Hole.", "attribute_size": "large"}

    # when
    response = client.post(url, {**data, "keep_photo": ["forged"]})

    # then
    assert response.status_code == 200
    assert "We could not keep a photo you chose earlier: choose it again." in text(response)
    assert ConcernReport.objects.count() == 0
    assert client.get(reverse("concerns:held_photo", args=["forged"])).status_code == 404


def test_a_place_outside_the_area_posted_directly_is_sent_back(client, category):
    response = client.post(
        details_url(category),
        {"latitude": "10", "longitude": "10", "description": "x", "attribute_size": "large"},
    )
    assert response.status_code == 302
    assert ConcernReport.objects.count() == 0


def test_unknown_or_inactive_category_is_not_found(client):
    CategoryFactory(code="old", active=False)
    assert client.get(reverse("concerns:report_location", args=["nope"])).status_code == 404
    assert client.get(reverse("concerns:report_location", args=["old"])).status_code == 404


# --- Public pages -------------------------------------------------------------------------


def test_the_public_page_never_shows_the_reporter(client, category):
    # given
    reporter = UserFactory(full_name="Quentin Private", email="quentin@example.org")
    report = make_report(
        category=category,
        answers={"size": "large"},
        reporter=reporter,
        photos=[upload(jpeg_bytes())],
    )
    guest = make_report(
        category=category,
        answers={"size": "small"},
        guest_name="Gina Hidden",
        guest_email="gina@example.org",
        guest_phone="+12025550123",
    )

    # when
    pages = [text(client.get(r.get_absolute_url())) for r in (report, guest)]

    # then
    for page in pages:
        for secret in ("Quentin", "quentin@", "Gina", "gina@", "5550123"):
            assert secret not in page
    assert "How big is it?" in pages[0] and "Large" in pages[0]
    photo = client.get(reverse("concerns:photo", args=[report.case.reference, 1]))
    assert (photo.status_code, photo["Content-Type"]) == (200, "image/jpeg")


def test_the_public_page_shows_the_reason_and_who_to_contact(client, category, report_clerk):
    # given
    report = make_report(category=category, answers={"size": "large"})
    services.report_close(
        report=report,
        actor=report_clerk,
        reason="not_responsible",
        public_reason="A state highway.",
        redirect_contact="State DOT, (555) 010-0199",
    )

    # when
    page = text(client.get(report.get_absolute_url()))

    # then
    assert "Why it was closed: Not our responsibility" in page
    assert "A state highway." in page and "State DOT, (555) 010-0199" in page


def test_a_guest_follows_a_report_and_a_resident_follows_and_unfollows(client, category):
    # given
    report = make_report(category=category, answers={"size": "large"})
    url = reverse("concerns:follow", args=[report.case.reference])

    # when
    invalid = client.post(url, {"email": "", "phone": ""})
    guest = client.post(url, {"email": "n@example.org"}, follow=True)
    resident = UserFactory()
    client.force_login(resident)
    signed_in = client.post(url, follow=True)

    # then
    assert invalid.status_code == 400
    assert "Enter an e-mail address or a mobile phone number" in text(invalid)
    assert "Check your e-mail: open the link we sent to n@example.org" in text(guest)
    assert "You are following this report." in text(signed_in)
    assert report.followers.count() == 2
    client.post(reverse("concerns:unfollow", args=[report.case.reference]))
    assert report.followers.count() == 1


def test_a_guest_confirms_following_with_the_link_we_sent(client, category):
    # given: the link in the message sent to the address
    report = make_report(category=category, answers={"size": "large"})
    follower = services.report_follow(report=report, email="n@example.org")
    [message] = Notification.objects.filter(template_key="concerns/follow_confirm")
    url = reverse("concerns:follow_confirm", args=[participant_confirm_token(follower)])
    assert message.context["confirm_url"].endswith(url)
    assert message.context["confirm_days"] == CONFIRM_MAX_AGE.days

    # when: opening the link changes nothing (mail scanners open links); the button does
    page = client.get(url)
    follower.refresh_from_db()
    unconfirmed_after_get = follower.confirmed_at is None
    confirmed = client.post(url, follow=True)
    forged = client.get(url[:-3] + "xx/")

    # then
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert unconfirmed_after_get
    assert f"Get updates about {report.case.reference}" in text(page)
    assert "You are following this report. We will tell you about it." in text(confirmed)
    follower.refresh_from_db()
    assert follower.confirmed_at is not None
    assert forged.status_code == 404


def test_a_follow_link_sent_before_followers_shared_the_case_engine_s_link_still_confirms(
    client, category
):
    # given: a link signed the way concerns signed them before (salt of its own)
    report = make_report(category=category, answers={"size": "large"})
    follower = services.report_follow(report=report, email="n@example.org")
    old_token = signing.dumps(follower.pk, salt="concerns.follow-confirm")
    url = reverse("concerns:follow_confirm", args=[old_token])

    # when
    page = client.get(url)
    confirmed = client.post(url, follow=True)

    # then
    assert page.status_code == 200
    assert f"Get updates about {report.case.reference}" in text(page)
    assert "You are following this report. We will tell you about it." in text(confirmed)
    follower.refresh_from_db()
    assert follower.confirmed_at is not None


@pytest.mark.parametrize("salt", ["cases.participant-confirm", "concerns.follow-confirm"])
def test_a_forged_or_expired_follow_link_confirms_nothing(client, category, salt, monkeypatch):
    # given
    report = make_report(category=category, answers={"size": "large"})
    follower = services.report_follow(report=report, email="n@example.org")
    token = signing.dumps(follower.pk, salt=salt)
    url = reverse("concerns:follow_confirm", args=[token])
    forged_url = reverse("concerns:follow_confirm", args=[token[:-2] + "xx"])
    other_salt = reverse("concerns:follow_confirm", args=[signing.dumps(follower.pk, salt="x")])
    later = (timezone.now() + CONFIRM_MAX_AGE + datetime.timedelta(minutes=1)).timestamp()

    # when
    forged = client.post(forged_url)
    signed_otherwise = client.post(other_salt)
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: later)
        expired = client.post(url)

    # then: the page that says the link may have expired, and nothing confirmed
    for refused in (forged, signed_otherwise, expired):
        assert refused.status_code == 404
        assert "the link may have expired" in text(refused)
    follower.refresh_from_db()
    assert follower.confirmed_at is None


def test_following_by_phone_never_shows_the_e_mail_address_another_follower_gave(client, category):
    # given: someone follows with their e-mail address and their phone number
    report = make_report(category=category, answers={"size": "large"})
    services.report_follow(report=report, email="alice@example.org", phone="+12025550142")

    # when: a visitor who knows only the phone number follows with it
    response = client.post(
        reverse("concerns:follow", args=[report.case.reference]),
        {"phone": "202-555-0142"},
        follow=True,
    )

    # then: they are told to check their text messages, and learn no e-mail address
    assert "alice@example.org" not in text(response)
    assert "Check your text messages" in text(response)


def test_a_signed_in_follower_without_a_verified_address_is_told_to_check_their_e_mail(
    client, category
):
    # given
    report = make_report(category=category, answers={"size": "large"})
    client.force_login(UserFactory(email="new@example.org", verified=False))

    # when
    response = client.post(reverse("concerns:follow", args=[report.case.reference]), follow=True)

    # then
    assert "Check your e-mail: open the link we sent to new@example.org" in text(response)


def test_reports_from_one_address_are_limited_and_the_refusal_keeps_what_was_typed(
    client, category, settings
):
    # given
    settings.CONCERNS_REPORTS_PER_HOUR = 2
    data = {
        "address": "1 Main Street",
        "description": "A deep pothole by the bus stop.",
        "attribute_size": "large",
        "guest_email": "keep@example.org",
    }
    url = details_url(category, address="1+Main+Street")

    # when
    first, second, third = (client.post(url, data) for _ in range(3))

    # then
    assert (first.status_code, second.status_code) == (302, 302)
    assert third.status_code == 429
    page = text(third)
    assert "You have sent many reports from this connection lately." in page
    assert 'value="keep@example.org"' in page and "A deep pothole by the bus stop." in page
    assert ConcernReport.objects.count() == 2


def test_the_same_form_sent_twice_makes_one_report(client, _media_root):
    # given: the form came back once (no description) and holds the chosen photo
    graffiti = CategoryFactory(code="graffiti", name="Graffiti", photo_required=True)
    url = details_url(graffiti, address="1+Main+Street")
    form = text(client.get(url))
    submission = re.search(r'name="submission" value="([^"]+)"', form).group(1)
    data = {
        "address": "1 Main Street",
        "description": "",
        "guest_email": "g@example.org",
        "submission": submission,
    }
    refused = client.post(url, {**data, "photos": [upload(jpeg_bytes(), name="wall.jpg")]})
    assert f'name="submission" value="{submission}"' in text(refused)
    complete = {
        **data,
        "description": "Tags on the wall.",
        "keep_photo": _kept_photo_tokens(text(refused)),
    }

    # when: the send button is pressed twice (the browser shows the second answer)
    first, second = client.post(url, complete), client.post(url, complete)

    # then: one report, and both answers lead to it
    report = ConcernReport.objects.get()
    assert report.photos.count() == 1
    sent_url = reverse("concerns:report_sent", args=[report.case.reference])
    assert (first.status_code, first["Location"]) == (302, sent_url)
    assert (second.status_code, second["Location"]) == (302, sent_url)
    assert str(SubmissionKey.objects.get(case=report.case).key) == submission


def test_a_form_key_that_made_a_report_of_another_category_is_refused(client, category):
    # given: a report of another category, made with a form's key
    key = uuid.uuid4()
    other = make_report(category=CategoryFactory(code="graffiti"), submission=key)
    url = details_url(category, address="1+Main+Street")
    data = {
        "address": "1 Main Street",
        "description": "A deep pothole by the bus stop.",
        "attribute_size": "large",
        "guest_email": "g@example.org",
    }

    # when: a form of this category arrives carrying the same key
    response = client.post(url, {**data, "submission": key})

    # then: refused, saying why, the form kept, and nothing made
    assert response.status_code == 400
    assert "This form was sent for another report: nothing was sent." in text(response)
    assert "A deep pothole by the bus stop." in text(response)
    assert list(ConcernReport.objects.all()) == [other]
    assert SubmissionKey.objects.get(key=key).case_id == other.case_id

    # and the form comes back with a fresh key, so sending it again makes the report
    fresh = response.context["form"]["submission"].value()
    assert fresh != str(key)
    again = client.post(url, {**data, "submission": fresh})
    assert again.status_code == 302
    assert ConcernReport.objects.filter(category=category).count() == 1


def test_photos_held_from_one_address_are_limited_even_when_no_report_is_sent(
    client, settings, _media_root
):
    # given: one report an hour, so at most MAX_PHOTOS photos held an hour
    settings.CONCERNS_REPORTS_PER_HOUR = 1
    graffiti = CategoryFactory(code="graffiti", name="Graffiti", photo_required=True)
    url = details_url(graffiti, address="1+Main+Street")
    data = {"address": "1 Main Street", "description": "", "guest_email": "keep@example.org"}

    def send():
        photos = [upload(jpeg_bytes(), name=f"wall{n}.jpg") for n in range(MAX_PHOTOS)]
        return client.post(url, {**data, "photos": photos})

    # when: the form is sent with errors again and again, each time with new photos
    first, second = send(), send()

    # then: the first send's photos are held; the second's are refused, and not stored
    assert len(_kept_photo_tokens(text(first))) == MAX_PHOTOS
    assert _kept_photo_tokens(text(second)) == []
    assert "You have sent many photos from this connection lately." in text(second)
    assert 'value="keep@example.org"' in text(second)
    assert len(list((_media_root / "concerns" / "held").iterdir())) == MAX_PHOTOS


def test_the_reporter_says_not_fixed_and_rates_from_the_page(client, category, report_clerk):
    # given
    reporter = UserFactory()
    report = make_report(category=category, answers={"size": "large"}, reporter=reporter)
    services.report_close(report=report, actor=report_clerk, reason="fixed", public_reason="Done.")
    client.force_login(reporter)

    # when
    page = text(client.get(report.get_absolute_url()))
    empty = client.post(reverse("concerns:not_fixed", args=[report.case.reference]), {})
    rated = client.post(
        reverse("concerns:rate", args=[report.case.reference]), {"rating": "2", "comment": "Slow."}
    )
    reopened = client.post(
        reverse("concerns:not_fixed", args=[report.case.reference]), {"comment": "Still there."}
    )

    # then
    assert "Still not fixed?" in page and "Rate our service" in page
    assert empty.status_code == 400 and "Tell us what is still wrong." in text(empty)
    assert (rated.status_code, reopened.status_code) == (302, 302)
    report.refresh_from_db()
    assert (report.rating, report.case.status) == (2, "reopened")


def test_someone_else_cannot_say_not_fixed(client, category, report_clerk, other_resident):
    # given
    report = make_report(category=category, answers={"size": "large"}, reporter=UserFactory())
    services.report_close(report=report, actor=report_clerk, reason="fixed", public_reason="Done.")
    client.force_login(other_resident)

    # when
    response = client.post(
        reverse("concerns:not_fixed", args=[report.case.reference]), {"comment": "Still there."}
    )

    # then
    assert response.status_code == 302
    report.case.refresh_from_db()
    assert report.case.status == "closed"
    assert "Still not fixed?" not in text(client.get(report.get_absolute_url()))


def test_a_guest_reporter_uses_their_signed_link(client, category, report_clerk):
    # given
    report = make_report(category=category, answers={"size": "large"}, guest_email="g@example.org")
    services.report_close(report=report, actor=report_clerk, reason="fixed", public_reason="Done.")
    token = guest_token(case=report.case)

    # when
    page = client.get(reverse("concerns:guest", args=[token]))
    forged = client.get(reverse("concerns:guest", args=[token + "x"]))
    response = client.post(
        reverse("concerns:guest_not_fixed", args=[token]), {"comment": "Still there."}
    )

    # then
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert "Still not fixed?" in text(page)
    assert forged.status_code == 404
    assert response.status_code == 302
    report.case.refresh_from_db()
    assert report.case.status == "reopened"


def test_the_list_filters_and_the_csv_carries_the_same_public_fields(client, report_clerk):
    # given
    pothole = pothole_category()
    light = CategoryFactory(code="streetlight", name="Streetlight out")
    open_one = make_report(category=pothole, answers={"size": "large"}, guest_email="a@b.org")
    closed_one = make_report(category=light, description='=HYPERLINK("x")')
    services.report_close(
        report=closed_one, actor=report_clerk, reason="fixed", public_reason="Replaced."
    )
    today = timezone.localdate().isoformat()

    # when
    everything = text(client.get(reverse("concerns:list")))
    only_open = text(client.get(reverse("concerns:list"), {"status": "open"}))
    by_category = text(client.get(reverse("concerns:list"), {"category": "streetlight"}))
    future = text(client.get(reverse("concerns:list"), {"date_from": "2999-01-01"}))
    response = client.get(reverse("concerns:csv"), {"date_from": today, "date_to": today})

    # then
    assert open_one.case.reference in everything and closed_one.case.reference in everything
    assert closed_one.case.reference not in only_open
    assert open_one.case.reference not in by_category
    assert "No report matches these filters." in future
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["reference"] for row in rows] == [
        closed_one.case.reference,
        open_one.case.reference,
    ]
    assert rows[0]["status"] == "closed" and rows[0]["close_reason"] == "fixed"
    assert rows[0]["description"] == '\'=HYPERLINK("x")'
    assert "a@b.org" not in b"".join(client.get(reverse("concerns:csv")).streaming_content).decode()


def test_the_list_rejects_an_inverted_date_range_gently(client):
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.get(
        reverse("concerns:list"),
        {"date_from": timezone.localdate().isoformat(), "date_to": yesterday},
    )
    assert response.status_code == 200
    assert "The end date must be on or after the start date." in text(response)
