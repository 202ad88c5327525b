import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseMessage
from concerns import services
from concerns.models import CannedResponse, ConcernPhoto, ConcernReport, Open311ApiKey
from tests.concerns.factories import jpeg_bytes, make_report, upload

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:concerns_concernreport_changelist")


@pytest.fixture
def staff_client(client, report_clerk):
    client.force_login(report_clerk)
    return client


def _action(report, name):
    return reverse(f"admin:concerns_concernreport_{name}", args=[report.pk])


def _references(html: str) -> list[str]:
    return re.findall(r"CON-\d{4}-\d{6}", html)


def test_the_triage_queue_lists_new_then_overdue_then_the_rest(
    staff_client, category, report_clerk
):
    # given: one in progress and overdue, one in progress on time, one new
    overdue, on_time, new = (
        make_report(category=category, answers={"size": "small"}) for _ in "123"
    )
    for report in (overdue, on_time):
        services.report_start_work(report=report, actor=report_clerk)
    Case.objects.filter(pk=overdue.case_id).update(
        due_date=timezone.localdate() - datetime.timedelta(days=2)
    )

    # when
    page = staff_client.get(QUEUE).content.decode()
    only_overdue = staff_client.get(QUEUE + "?overdue=yes").content.decode()

    # then
    order = list(dict.fromkeys(_references(page)))
    assert order == [new.case.reference, overdue.case.reference, on_time.case.reference]
    assert "case-overdue" in page
    assert list(dict.fromkeys(_references(only_overdue))) == [overdue.case.reference]


def test_staff_close_a_report_with_a_canned_public_reason(staff_client, category):
    # given
    report = make_report(category=category, answers={"size": "small"}, guest_email="g@example.org")
    canned = CannedResponse.objects.create(
        title="Fixed", body="Our crew fixed it.", close_reason="fixed"
    )

    # when
    page = staff_client.get(reverse("admin:concerns_concernreport_change", args=[report.pk]))
    response = staff_client.post(
        _action(report, "close"),
        {"close-reason": "fixed", "close-canned_response": canned.pk, "close-public_reason": ""},
    )

    # then
    assert page.status_code == 200 and "Close with a public reason" in page.content.decode()
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.case.status, report.close_reason, report.public_reason) == (
        "closed",
        "fixed",
        "Our crew fixed it.",
    )


def test_closing_without_the_needed_details_explains_and_changes_nothing(staff_client, category):
    # given
    report = make_report(category=category, answers={"size": "small"})

    # when
    response = staff_client.post(
        _action(report, "close"),
        {"close-reason": "not_responsible", "close-public_reason": "Not ours."},
        follow=True,
    )

    # then
    assert [str(m) for m in response.context["messages"]] == [
        "Who to contact instead: Enter who to contact instead."
    ]
    report.case.refresh_from_db()
    assert report.case.status == "submitted"


def test_staff_mark_a_duplicate_by_reference(staff_client, category):
    # given
    original = make_report(category=category, answers={"size": "small"})
    duplicate = make_report(category=category, answers={"size": "small"})

    # when
    unknown = staff_client.post(
        _action(duplicate, "duplicate"), {"duplicate-original": "CON-1999-000001"}, follow=True
    )
    response = staff_client.post(
        _action(duplicate, "duplicate"),
        {"duplicate-original": original.case.reference.lower()},
    )

    # then
    assert "There is no report with that reference." in unknown.content.decode()
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert (duplicate.close_reason, duplicate.duplicate_of) == ("duplicate", original)


def test_staff_start_work_route_and_send_a_canned_response(staff_client, category):
    # given
    report = make_report(category=category, answers={"size": "small"}, guest_email="g@example.org")
    canned = CannedResponse.objects.create(title="Scheduled", body="A crew is scheduled.")

    # when
    staff_client.post(_action(report, "start"), {"start-public_note": "Crew assigned."})
    staff_client.post(_action(report, "route"), {"route-department": ""})
    staff_client.post(_action(report, "canned"), {"canned-canned_response": canned.pk})

    # then
    report.case.refresh_from_db()
    assert (report.case.status, report.case.department) == ("in_progress", None)
    assert list(CaseMessage.objects.filter(case=report.case).values_list("body", flat=True)) == [
        "A crew is scheduled."
    ]


def test_residents_and_staff_without_permission_cannot_act(client, category, resident, clerk):
    # given
    report = make_report(category=category, answers={"size": "small"})

    # when
    client.force_login(resident)
    as_resident = client.post(_action(report, "close"), {"close-reason": "fixed"})

    # then
    assert as_resident.status_code in (302, 403)
    report.case.refresh_from_db()
    assert report.case.status == "submitted"


def test_issuing_an_api_key_shows_it_once_and_revoking_keeps_the_row(client, report_clerk):
    # given
    report_clerk.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="concerns", codename__endswith="apikey")
    )
    client.force_login(report_clerk)

    # when
    response = client.post(
        reverse("admin:concerns_open311apikey_add"),
        {"name": "Neighborhood app", "requests_per_minute": ""},
        follow=True,
    )

    # then
    api_key = Open311ApiKey.objects.get()
    page = response.content.decode()
    shown = re.search(r"The key for Neighborhood app is (\S+)\. Copy it now", page).group(1)
    assert services.api_key_digest(shown) == api_key.key_hash
    client.post(
        reverse("admin:concerns_open311apikey_changelist"),
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert ConcernReport.objects.count() == 0


def test_staff_hide_a_photo_from_the_public(client, report_clerk, category):
    # given
    report_clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="concerns", codename="change_concernphoto")
    )
    client.force_login(report_clerk)
    report = make_report(
        category=category, answers={"size": "small"}, photos=[upload(jpeg_bytes())]
    )
    photo = ConcernPhoto.objects.get()
    public_url = reverse("concerns:photo", args=[report.case.reference, 1])
    assert client.get(public_url).status_code == 200

    # when
    client.post(
        reverse("admin:concerns_concernphoto_changelist"),
        {"action": "hide", "_selected_action": [photo.pk]},
    )

    # then
    photo.refresh_from_db()
    assert photo.public is False
    assert client.get(public_url).status_code == 404


def test_staff_see_how_many_followers_are_told(staff_client, category):
    # given: one follower who confirmed, and a request nobody confirmed
    report = make_report(category=category, answers={"size": "small"})
    services.report_follow_confirm(
        follower=services.report_follow(report=report, email="told@example.org")
    )
    services.report_follow(report=report, email="unconfirmed@example.org")

    # when
    page = staff_client.get(reverse("admin:concerns_concernreport_change", args=[report.pk]))

    # then
    assert "1 follower ·" in re.sub(r"\s+", " ", page.content.decode())


def test_the_triage_queue_shows_the_service_level_in_as_many_queries_for_more_reports(
    staff_client, category
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count():
        with CaptureQueriesContext(connection) as captured:
            page = staff_client.get(QUEUE).content.decode()
        return len(captured.captured_queries), page

    # given
    make_report(category=category, answers={"size": "small"})
    few, page = count()

    # when: five more reports
    for _ in range(5):
        make_report(category=category, answers={"size": "small"})
    many, _page = count()

    # then
    assert many == few
    assert "business days left)" in page or "business day left)" in page
