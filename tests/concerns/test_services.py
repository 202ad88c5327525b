import datetime
import time
from decimal import Decimal

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from PIL import Image

from cases.exceptions import ActionForbidden, TransitionNotAllowed
from cases.models import Case, CaseEvent
from cases.participants import CONFIRM_MAX_AGE, Participant
from cases.participation import APPLICANT
from cases.service_levels import business_days_add
from cases.tokens import participant_confirm_token
from concerns import selectors, services
from concerns.models import ConcernPhoto, ConcernReport
from notifications.models import Notification
from tests.accounts.factories import StaffFactory, UserFactory
from tests.concerns.factories import (
    CITY_HALL,
    CategoryFactory,
    DepartmentFactory,
    add_question,
    jpeg_bytes,
    make_report,
    png_bytes,
    upload,
)

pytestmark = pytest.mark.django_db


def templates_sent(**filters) -> list[tuple[str, str]]:
    return sorted(
        set(Notification.objects.filter(**filters).values_list("template_key", "channel"))
    )


# --- Submitting ----------------------------------------------------------------------------


def test_signed_in_resident_reports_a_problem(category, resident):
    # given
    today = timezone.localdate()

    # when
    report = make_report(
        category=category, reporter=resident, answers={"size": "large", "lane": " left "}
    )

    # then
    case = report.case
    assert case.reference.startswith(f"CON-{today.year}-")
    assert (case.kind, case.status, case.applicant, case.anonymous) == (
        "concern_report",
        "submitted",
        resident,
        False,
    )
    assert case.department.code == "PUBLIC_WORKS"
    assert case.due_date == business_days_add(start=today, days=5)  # business days
    assert report.attributes == {"size": "large", "lane": "left"}
    assert report.requested_at == case.submitted_at
    assert templates_sent(recipient=resident) == [
        ("cases/submitted", "email"),
        ("cases/submitted", "in_app"),
    ]


def test_a_guest_reports_with_an_email_and_an_anonymous_person_with_nothing(category):
    # when
    guest = make_report(category=category, answers={"size": "small"}, guest_email="g@example.org")
    anonymous = make_report(category=category, answers={"size": "small"})

    # then
    assert (guest.case.guest_email, guest.case.anonymous) == ("g@example.org", False)
    assert (anonymous.case.guest_email, anonymous.case.anonymous) == ("", True)
    assert templates_sent(to_address="g@example.org") == [("cases/submitted", "email")]


def test_category_target_days_set_the_due_date_and_its_department_the_routing(db):
    # given
    parks = DepartmentFactory(code="PARKS", name="Parks")
    category = CategoryFactory(department=parks, target_days=14)

    # when
    report = make_report(category=category)

    # then
    assert report.case.department == parks
    assert report.case.due_date == business_days_add(start=timezone.localdate(), days=14)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"description": "x" * 4001},
            "description",
            "A description of the problem must be 4000 characters or fewer (it has 4001).",
        ),
        (
            {"description": "Broken <script>alert(1)</script>"},
            "description",
            "A description of the problem cannot contain HTML. Remove the text between < and >.",
        ),
        ({"description": "  "}, "description", "Enter a description of the problem."),
        (
            {"latitude": Decimal("40.5"), "longitude": Decimal("-89.6")},
            "latitude",
            "That place is outside the area we look after. Check the location, or contact "
            "the agency responsible for it.",
        ),
        (
            {"latitude": "north", "longitude": "-89.6"},
            "latitude",
            "Latitude must be a number in decimal degrees, like 39.7817.",
        ),
        (
            {"latitude": "39.79", "longitude": ""},
            "longitude",
            "Give both the latitude and the longitude, or neither.",
        ),
        (
            {"latitude": None, "longitude": None, "address": ""},
            "address",
            "Enter the address or describe where it is, or give its coordinates.",
        ),
        (
            {"address": "<b>1 Main</b>"},
            "address",
            "Address cannot contain HTML. Remove the text between < and >.",
        ),
        (
            {"answers": {"size": "gigantic"}},
            "attribute_size",
            "gigantic is not one of the choices for: How big is it?",
        ),
        ({"answers": {}}, "attribute_size", "Answer the question: How big is it?"),
        (
            {"photos": [upload(b"%PDF-1.4 not a photo", name="photo.jpg")]},
            "photos",
            "photo.jpg is not a photo we can use: choose a JPG, PNG or WebP image.",
        ),
        (
            {"photos": [upload(jpeg_bytes()) for _ in range(6)]},
            "photos",
            "Choose at most 5 photos.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_saved(
    category, changes, field, message
):
    # given
    arguments = {
        "category": category,
        "description": "A deep pothole.",
        "address": "1 Main Street",
        "latitude": CITY_HALL[0],
        "longitude": CITY_HALL[1],
        "answers": {"size": "large"},
        **changes,
    }

    # when
    with pytest.raises(services.ReportRejected) as refused:
        services.report_submit(**arguments)

    # then
    assert refused.value.message_dict[field] == [message]
    assert (Case.objects.count(), ConcernReport.objects.count(), ConcernPhoto.objects.count()) == (
        0,
        0,
        0,
    )
    assert Notification.objects.count() == 0


def test_every_problem_is_reported_at_once(category):
    # when
    with pytest.raises(services.ReportRejected) as refused:
        services.report_submit(
            category=category, description="", address="", answers={"size": "huge"}
        )

    # then
    assert sorted(refused.value.message_dict) == ["address", "attribute_size", "description"]


@pytest.mark.parametrize(
    ("datatype", "answer", "stored"),
    [
        ("number", " 12.50 ", "12.5"),
        ("number", "1e3", "1000"),
        ("datetime", "2026-03-01T14:30", "2026-03-01T14:30:00-05:00"),
        ("datetime", "2026-07-04", "2026-07-04T00:00:00-04:00"),
        ("text", "Two mattresses\nand a sofa", "Two mattresses\nand a sofa"),
    ],
)
def test_answers_are_stored_in_canonical_form(db, datatype, answer, stored):
    # given
    category = CategoryFactory()
    add_question(category, code="q", datatype=datatype)

    # when
    report = make_report(category=category, answers={"q": answer})

    # then
    assert report.attributes == {"q": stored}


@pytest.mark.parametrize(
    ("datatype", "answer", "message"),
    [
        ("number", "twelve", "The answer to “Question q?” must be a number."),
        ("number", "NaN", "The answer to “Question q?” must be a number."),
        (
            "datetime",
            "yesterday",
            "The answer to “Question q?” must be a date and time like 2026-03-01 14:30.",
        ),
        ("string", "x" * 301, "Question q? must be 300 characters or fewer (it has 301)."),
    ],
)
def test_answers_of_the_wrong_type_are_refused(db, datatype, answer, message):
    # given
    category = CategoryFactory()
    add_question(category, code="q", datatype=datatype)

    # when
    with pytest.raises(services.ReportRejected) as refused:
        make_report(category=category, answers={"q": answer})

    # then
    assert refused.value.message_dict == {"attribute_q": [message]}


def test_multiple_choice_answers_keep_only_known_keys_once(db):
    # given
    category = CategoryFactory()
    add_question(category, code="items", datatype="multivaluelist", values=[("a", "A"), ("b", "B")])

    # when
    report = make_report(category=category, answers={"items": ["b", "a", "b"]})

    # then
    assert report.attributes == {"items": ["b", "a"]}
    with pytest.raises(services.ReportRejected) as refused:
        make_report(category=category, answers={"items": ["a", "zzz"]})
    assert refused.value.message_dict == {
        "attribute_items": ["zzz is not one of the choices for: Question items?"]
    }


def test_a_photo_is_resized_and_stored_without_any_metadata(db, settings):
    # given
    settings.CONCERNS_PHOTO_MAX_SIDE = 100
    photo = upload(jpeg_bytes(size=(400, 200), exif_gps=CITY_HALL))

    # when
    report = make_report(photos=[photo, upload(png_bytes(), name="b.png")])

    # then
    stored = list(report.photos.order_by("position"))
    assert [(p.position, p.width, p.height) for p in stored] == [(1, 100, 50), (2, 20, 20)]
    with stored[0].image.open("rb") as handle:
        image = Image.open(handle)
        assert (image.format, dict(image.getexif()), image.info.get("exif")) == ("JPEG", {}, None)
    assert stored[0].image.name.endswith(".jpg")
    assert "photo" not in stored[0].image.name.rsplit("/", 1)[-1]


def test_the_photo_location_is_used_only_when_the_reporter_agrees(db):
    # given
    point = (Decimal("39.781700"), Decimal("-89.650100"))

    # when
    without = make_report(
        latitude=None, longitude=None, photos=[upload(jpeg_bytes(exif_gps=point))]
    )
    agreed = make_report(
        latitude=None,
        longitude=None,
        photos=[upload(jpeg_bytes(exif_gps=point))],
        use_photo_location=True,
    )

    # then
    assert (without.latitude, without.longitude, without.location_from_photo) == (None, None, False)
    assert (agreed.latitude, agreed.longitude, agreed.location_from_photo) == (*point, True)


def test_a_photo_is_required_when_the_category_says_so(db):
    # given
    category = CategoryFactory(photo_required=True)

    # when
    with pytest.raises(services.ReportRejected) as refused:
        make_report(category=category)

    # then
    assert refused.value.message_dict == {"photos": ["Add at least one photo of the problem."]}


def test_an_inactive_category_takes_no_reports(db):
    with pytest.raises(services.ReportRejected) as refused:
        make_report(category=CategoryFactory(active=False))
    assert refused.value.message_dict == {"category": ["Choose a category from the list."]}


# --- Following -----------------------------------------------------------------------------


def test_following_adds_a_person_once_and_asks_guests_to_confirm(category):
    # given
    report = make_report(category=category, answers={"size": "small"})
    neighbor = UserFactory()

    # when
    first = services.report_follow(report=report, user=neighbor)
    again = services.report_follow(report=report, user=neighbor)
    guest = services.report_follow(report=report, email="Ana@Example.org")
    guest_again = services.report_follow(report=report, email="ana@example.org")

    # then: the signed-in neighbor's address is verified; the guest's is not, yet
    assert first == again and guest == guest_again
    assert report.followers.count() == 2
    assert first.confirmed_at is not None and guest.confirmed_at is None
    assert templates_sent(to_address="Ana@Example.org") == [("concerns/follow_confirm", "email")]
    assert templates_sent(recipient=neighbor) == []


def test_an_unconfirmed_follower_hears_nothing_more_until_they_confirm(category, report_clerk):
    # given: a stranger's address typed into the follow form, and a number
    report = make_report(category=category, answers={"size": "small"})
    by_email = services.report_follow(report=report, email="stranger@example.org")
    by_phone = services.report_follow(report=report, phone="+12025550111")

    # when: work starts, then the owner of the address confirms with the link, then it closes
    services.report_start_work(report=report, actor=report_clerk, public_note="Crew sent.")
    confirmed = services.report_follow_confirm(
        follower=selectors.follower_for_confirm_token(token=participant_confirm_token(by_email))
    )
    services.report_close(report=report, actor=report_clerk, reason="fixed", public_reason="Done.")

    # then
    assert confirmed.pk == by_email.pk and confirmed.confirmed_at is not None
    assert list(
        Notification.objects.filter(to_address="stranger@example.org")
        .order_by("id")
        .values_list("template_key", flat=True)
    ) == ["concerns/follow_confirm", "concerns/update"]
    assert templates_sent(to_address="+12025550111") == [("concerns/follow_confirm", "sms")]
    by_phone.refresh_from_db()
    assert by_phone.confirmed_at is None


def test_a_confirmation_link_is_signed_and_expires(category, monkeypatch):
    # given
    report = make_report(category=category, answers={"size": "small"})
    follower = services.report_follow(report=report, email="guest@example.org")
    token = participant_confirm_token(follower)

    # when / then
    with pytest.raises(Http404):
        selectors.follower_for_confirm_token(token=token[:-2] + "xx")
    later = time.time() + (CONFIRM_MAX_AGE + datetime.timedelta(minutes=1)).total_seconds()
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: later)
        with pytest.raises(Http404):
            selectors.follower_for_confirm_token(token=token)
    assert selectors.follower_for_confirm_token(token=token) == follower


def test_a_confirmation_link_signed_before_the_case_engine_s_names_the_same_follower(
    category, monkeypatch
):
    # given: a link signed with the salt concerns used before (sent, not yet opened)
    report = make_report(category=category, answers={"size": "small"})
    follower = services.report_follow(report=report, email="guest@example.org")
    token = signing.dumps(follower.pk, salt="concerns.follow-confirm")

    # when / then: it names the follower until it expires, like any other
    assert selectors.follower_for_confirm_token(token=token) == follower
    later = time.time() + (CONFIRM_MAX_AGE + datetime.timedelta(minutes=1)).total_seconds()
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: later)
        with pytest.raises(Http404):
            selectors.follower_for_confirm_token(token=token)


def test_a_confirmation_link_of_someone_not_following_a_report_names_no_follower(category):
    # given: the reporter is a participant of the report's case too, in another role
    reporter = UserFactory()
    report = make_report(category=category, answers={"size": "small"}, reporter=reporter)
    applicant = Participant.objects.get(case=report.case, role=APPLICANT)

    # when / then
    with pytest.raises(Http404):
        selectors.follower_for_confirm_token(token=participant_confirm_token(applicant))


def test_following_again_after_the_link_expired_sends_a_new_link(category):
    # given: a request nobody confirmed, older than its link
    report = make_report(category=category, answers={"size": "small"})
    stale = services.report_follow(report=report, email="guest@example.org")
    Participant.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - CONFIRM_MAX_AGE - datetime.timedelta(minutes=1)
    )

    # when
    fresh = services.report_follow(report=report, email="guest@example.org")

    # then
    assert fresh.pk != stale.pk and report.followers.count() == 1
    assert Notification.objects.filter(template_key="concerns/follow_confirm").count() == 2


def test_a_signed_in_follower_without_a_verified_address_confirms_too(category):
    # given
    report = make_report(category=category, answers={"size": "small"})
    person = UserFactory(verified=False)

    # when
    follower = services.report_follow(report=report, user=person)

    # then
    assert follower.confirmed_at is None
    assert templates_sent(recipient=person) == [
        ("concerns/follow_confirm", "email"),
        ("concerns/follow_confirm", "in_app"),
    ]


def test_the_reporter_does_not_follow_their_own_report(category, resident):
    report = make_report(category=category, answers={"size": "small"}, reporter=resident)
    assert services.report_follow(report=report, user=resident) is None
    assert report.followers.count() == 0


# --- Staff: closing, duplicates, routing ----------------------------------------------------


@pytest.fixture
def report(category, resident):
    return make_report(category=category, answers={"size": "small"}, reporter=resident)


def test_closing_as_fixed_tells_the_reporter_and_every_follower_why(report, report_clerk):
    # given
    follower = UserFactory()
    services.report_follow(report=report, user=follower)
    services.report_follow_confirm(
        follower=services.report_follow(report=report, phone="+12025550111")
    )

    # when
    services.report_close(
        report=report, actor=report_clerk, reason="fixed", public_reason="Filled on Monday."
    )

    # then
    report.refresh_from_db()
    assert (report.case.status, report.close_reason, report.public_reason) == (
        "closed",
        "fixed",
        "Filled on Monday.",
    )
    assert report.case.closed_at is not None
    assert templates_sent(recipient=report.case.applicant) == [
        ("cases/status_changed", "email"),
        ("cases/status_changed", "in_app"),
        ("cases/submitted", "email"),
        ("cases/submitted", "in_app"),
        ("concerns/closed", "email"),
        ("concerns/closed", "in_app"),
    ]
    assert templates_sent(recipient=follower) == [
        ("concerns/update", "email"),
        ("concerns/update", "in_app"),
    ]
    assert templates_sent(to_address="+12025550111") == [
        ("concerns/follow_confirm", "sms"),
        ("concerns/update", "sms"),
    ]
    public = CaseEvent.objects.filter(case=report.case, audience="public").last()
    staff_note = CaseEvent.objects.filter(case=report.case, kind="note").last()
    assert (public.to_status, public.body) == ("closed", "Filled on Monday.")
    assert (staff_note.actor, staff_note.body) == (
        report_clerk,
        f"Closed by {report_clerk}: Fixed.",
    )


@pytest.mark.parametrize(
    ("arguments", "errors"),
    [
        ({"reason": "fixed", "public_reason": ""}, {"public_reason"}),
        ({"reason": "not_responsible", "public_reason": "State road."}, {"redirect_contact"}),
        ({"reason": "scheduled", "public_reason": "Resurfacing."}, {"scheduled_for"}),
        (
            {
                "reason": "scheduled",
                "public_reason": "Resurfacing.",
                "scheduled_for": datetime.date(2000, 1, 1),
            },
            {"scheduled_for"},
        ),
        ({"reason": "duplicate", "public_reason": "Dup."}, {"duplicate_of"}),
        ({"reason": "because", "public_reason": "Dup."}, {"reason"}),
    ],
)
def test_each_close_reason_needs_its_details(report, report_clerk, arguments, errors):
    # when
    with pytest.raises(ValidationError) as refused:
        services.report_close(report=report, actor=report_clerk, **arguments)

    # then
    assert set(refused.value.message_dict) == errors
    report.case.refresh_from_db()
    assert report.case.status == "submitted"


def test_closing_as_not_our_responsibility_and_as_scheduled_keeps_the_details(
    category, report_clerk
):
    # given
    first, second = (make_report(category=category, answers={"size": "small"}) for _ in "12")
    later = timezone.localdate() + datetime.timedelta(days=30)

    # when
    services.report_close(
        report=first,
        actor=report_clerk,
        reason="not_responsible",
        public_reason="This is a state highway.",
        redirect_contact="State DOT, (555) 010-0199",
    )
    services.report_close(
        report=second,
        actor=report_clerk,
        reason="scheduled",
        public_reason="Part of the summer resurfacing.",
        scheduled_for=later,
    )

    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.redirect_contact == "State DOT, (555) 010-0199"
    assert (second.scheduled_for, second.expected_date) == (later, later)


def test_closing_twice_or_by_a_resident_is_refused(report, report_clerk, other_resident):
    # given
    services.report_close(report=report, actor=report_clerk, reason="no_action", public_reason="OK")

    # then
    with pytest.raises(TransitionNotAllowed):
        services.report_close(report=report, actor=report_clerk, reason="fixed", public_reason="x")
    with pytest.raises(ActionForbidden):
        services.report_close(
            report=report, actor=other_resident, reason="fixed", public_reason="x"
        )
    with pytest.raises(ActionForbidden):
        services.report_close(
            report=report,
            actor=StaffFactory(roles=["inspector", "cashier"]),
            reason="fixed",
            public_reason="x",
        )


def test_a_duplicate_hands_its_followers_and_reporter_to_the_original(
    category, report_clerk, resident
):
    # given
    original = make_report(category=category, answers={"size": "small"})
    duplicate = make_report(category=category, answers={"size": "large"}, reporter=resident)
    both, only_duplicate = UserFactory(), UserFactory()
    for person in (both, only_duplicate):
        services.report_follow(report=duplicate, user=person)
    services.report_follow(report=original, user=both)
    services.report_follow_confirm(
        follower=services.report_follow(report=duplicate, email="guest@example.org")
    )
    services.report_follow(report=duplicate, email="unconfirmed@example.org")

    # when
    services.report_mark_duplicate(report=duplicate, original=original, actor=report_clerk)

    # then
    duplicate.refresh_from_db()
    assert (duplicate.case.status, duplicate.close_reason, duplicate.duplicate_of) == (
        "closed",
        "duplicate",
        original,
    )
    assert duplicate.public_reason == (
        f"This problem was already reported as {original.case.reference}. "
        "Follow that report for updates."
    )
    assert duplicate.followers.count() == 0
    followers = original.followers
    assert sorted(str(f.user_id or f.email) for f in followers) == sorted(
        [
            str(both.pk),
            str(only_duplicate.pk),
            str(resident.pk),
            "guest@example.org",
            "unconfirmed@example.org",
        ]
    )
    assert templates_sent(template_key="concerns/merged") == [
        ("concerns/merged", "email"),
        ("concerns/merged", "in_app"),
    ]
    told = set(
        Notification.objects.filter(template_key="concerns/merged").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {only_duplicate.pk, resident.pk, None}
    assert not Notification.objects.filter(
        template_key="concerns/merged", to_address="unconfirmed@example.org"
    ).exists()


def test_a_duplicate_of_a_duplicate_joins_the_first_original(category, report_clerk):
    # given
    first, second, third = (
        make_report(category=category, answers={"size": "small"}) for _ in "123"
    )
    services.report_mark_duplicate(report=second, original=first, actor=report_clerk)

    # when
    services.report_mark_duplicate(report=third, original=second, actor=report_clerk)

    # then
    third.refresh_from_db()
    assert third.duplicate_of == first
    with pytest.raises(ValidationError):
        services.report_mark_duplicate(report=first, original=first, actor=report_clerk)


def test_routing_changes_the_department_and_notes_who_did_it(report, report_clerk):
    # given
    sanitation = DepartmentFactory(code="SANITATION", name="Sanitation")

    # when
    services.report_route(report=report, department=sanitation, actor=report_clerk)

    # then
    report.case.refresh_from_db()
    assert report.case.department == sanitation
    note = CaseEvent.objects.filter(case=report.case, kind="note").last()
    assert (note.audience, note.body) == ("staff", f"Routed to Sanitation by {report_clerk}.")


def test_starting_work_is_public_and_reaches_followers(report, report_clerk):
    # given
    follower = UserFactory()
    services.report_follow(report=report, user=follower)

    # when
    services.report_start_work(report=report, actor=report_clerk, public_note="Crew on the way.")

    # then
    assert report.case.status == "in_progress"
    assert templates_sent(recipient=follower) == [
        ("concerns/update", "email"),
        ("concerns/update", "in_app"),
    ]
    move = CaseEvent.objects.get(case=report.case, kind="status_changed")
    assert (move.actor, move.body) == (report_clerk, "Crew on the way.")


# --- Reporter: not fixed, rating ---------------------------------------------------------


def test_the_reporter_says_not_fixed_within_30_days_and_it_reopens(report, report_clerk):
    # given
    services.report_close(report=report, actor=report_clerk, reason="fixed", public_reason="Done.")

    # when
    services.report_not_fixed(
        report=report, reporter=report.case.applicant, comment="Still a hole."
    )
    reopened = CaseEvent.objects.get(case=report.case, to_status="reopened")
    assert reopened.actor == report.case.applicant

    # then
    report.refresh_from_db()
    assert (report.case.status, report.case.closed_at, report.close_reason) == (
        "reopened",
        None,
        "",
    )
    event = CaseEvent.objects.filter(case=report.case, audience="public").last()
    assert (event.to_status, event.body) == ("reopened", "Still a hole.")


def test_not_fixed_is_refused_after_30_days_to_others_and_without_a_comment(
    report, report_clerk, other_resident
):
    # given
    services.report_close(report=report, actor=report_clerk, reason="fixed", public_reason="Done.")
    reporter = report.case.applicant

    # then
    with pytest.raises(ActionForbidden):
        services.report_not_fixed(report=report, reporter=other_resident, comment="No.")
    with pytest.raises(ValidationError):
        services.report_not_fixed(report=report, reporter=reporter, comment=" ")
    long_ago = timezone.now() - datetime.timedelta(days=40)
    Case.objects.filter(pk=report.case_id).update(
        created_at=long_ago, closed_at=long_ago + datetime.timedelta(days=8, hours=23)
    )
    report.case.refresh_from_db()
    with pytest.raises(ActionForbidden):
        services.report_not_fixed(report=report, reporter=reporter, comment="Still there.")


def test_a_guest_reporter_says_not_fixed_through_their_link(category, report_clerk):
    # given
    report = make_report(category=category, answers={"size": "small"}, guest_email="g@example.org")
    services.report_close(report=report, actor=report_clerk, reason="fixed", public_reason="Done.")

    # when
    services.report_not_fixed(report=report, guest=True, comment="Still there.")

    # then
    assert report.case.status == "reopened"


def test_the_reporter_rates_once_after_closing(report, report_clerk):
    # given
    reporter = report.case.applicant
    with pytest.raises(ActionForbidden):
        services.report_rate(report=report, reporter=reporter, rating=5)
    services.report_close(report=report, actor=report_clerk, reason="fixed", public_reason="Done.")

    # when
    services.report_rate(report=report, reporter=reporter, rating=4, comment="Quick work.")

    # then
    assert (report.rating, report.rating_comment) == (4, "Quick work.")
    with pytest.raises(ActionForbidden):
        services.report_rate(report=report, reporter=reporter, rating=1)
    with pytest.raises(ValidationError):
        services.report_rate(report=report, reporter=reporter, rating=6)


# --- API keys -----------------------------------------------------------------------------


def test_api_keys_are_stored_as_digests_and_revoked(report_clerk):
    # when
    api_key, raw = services.api_key_issue(name="Neighborhood app", actor=report_clerk)

    # then
    assert api_key.key_hash == services.api_key_digest(raw) and raw not in api_key.key_hash
    assert (api_key.prefix, api_key.is_active) == (raw[:8], True)
    services.api_key_revoke(api_key=api_key, actor=report_clerk)
    assert api_key.is_active is False
