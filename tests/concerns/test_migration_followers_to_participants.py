"""Migrations cases 0014 and concerns 0009: every case's applicant becomes a participant, and
concern followers become participants in the follower role with their ids, addresses,
languages and confirmation, so the links already sent to them keep working."""

import datetime

import pytest
from django.core import signing
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from cases.participants import Participant
from concerns import selectors, services
from notifications.models import EmailOptOut, Notification
from notifications.services import unsubscribe_by_token
from notifications.tokens import unsubscribe_token

BEFORE = [
    ("concerns", "0008_business_day_targets"),
    ("cases", "0013_service_level_stages"),
]


def _migrate(targets=None):
    """To `targets`, or (None) to the latest migration of every app, as the tests' models."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_after():
    """Whatever happens in the test, leave the database at the latest migration."""
    yield
    _migrate()


@pytest.mark.django_db(transaction=True)
def test_followers_and_applicants_become_participants_and_their_links_keep_working(
    latest_schema_after,
):
    # given: two reports (one by an account, one by a guest) and their followers: an
    # account, a confirmed phone, and an e-mail address whose confirmation link is in the
    # guest's mailbox, unopened; and a status message queued to a confirmed guest follower
    old = _migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Case = old.get_model("cases", "Case")
    Category = old.get_model("concerns", "ConcernCategory")
    Report = old.get_model("concerns", "ConcernReport")
    Follower = old.get_model("concerns", "ConcernFollower")
    now = timezone.now()
    week_ago = now - datetime.timedelta(days=5)
    ann = User.objects.create(email="ann@example.org")
    ben = User.objects.create(email="ben@example.org")
    category = Category.objects.create(code="pothole", name="Pothole")
    cases = [
        Case.objects.create(
            reference="CON-2026-000001", kind="concern_report", status="submitted",
            applicant=ann, language="en", submitted_at=now,
        ),
        Case.objects.create(
            reference="CON-2026-000002", kind="concern_report", status="submitted",
            guest_name="Gus", guest_email="gus@example.org", language="es", submitted_at=now,
        ),
        Case.objects.create(
            reference="CON-2026-000003", kind="concern_report", status="submitted",
            anonymous=True, language="en", submitted_at=now,
        ),
    ]  # fmt: skip
    reports = [Report.objects.create(case=case, category=category) for case in cases]
    by_account = Follower.objects.create(
        report=reports[0], user=ben, language="en", created_at=week_ago, confirmed_at=week_ago
    )
    by_phone = Follower.objects.create(
        report=reports[0], phone="+12025550111", language="es", created_at=week_ago,
        confirmed_at=week_ago,
    )  # fmt: skip
    pending = Follower.objects.create(
        report=reports[1], email="Neighbour@Example.org", language="es", created_at=now
    )
    confirmed_guest = Follower.objects.create(
        report=reports[1], email="told@example.org", language="en", created_at=week_ago,
        confirmed_at=week_ago,
    )  # fmt: skip
    queued = Notification.objects.create(
        to_address="told@example.org", channel="email", template_key="concerns/update",
        context={}, language="en", status="sent", sent_at=now, dedupe_key="before:email",
        available_at=now,
    )  # fmt: skip
    followers = {f.pk: f for f in (by_account, by_phone, pending, confirmed_guest)}
    case_of_report = {report.pk: report.case_id for report in reports}
    # A link sent then, signed with the salt concerns used for followers before they
    # shared the case engine's participant link (cases.tokens).
    confirm_link = signing.dumps(pending.pk, salt="concerns.follow-confirm")
    unsubscribe_link = unsubscribe_token(queued)

    # when
    _migrate()

    # then: each follower is a participant with the same id and everything it had
    moved = {p.pk: p for p in Participant.objects.filter(role="follower")}
    assert set(moved) == set(followers)
    for pk, follower in followers.items():
        participant = moved[pk]
        assert participant.case_id == case_of_report[follower.report_id]
        assert (
            participant.user_id,
            participant.email,
            str(participant.phone),
            participant.language,
            participant.created_at,
            participant.confirmed_at,
        ) == (
            follower.user_id,
            follower.email,
            str(follower.phone),
            follower.language,
            follower.created_at,
            follower.confirmed_at,
        )
    # ... each case's applicant is one too (none for the anonymous report)
    applicants = Participant.objects.filter(role="applicant").order_by("case_id")
    assert [(a.case_id, a.user_id, a.email, a.name, a.language) for a in applicants] == [
        (cases[0].pk, ann.pk, "", "", "en"),
        (cases[1].pk, None, "gus@example.org", "Gus", "es"),
    ]
    assert all(a.confirmed_at == cases[i].created_at for i, a in enumerate(applicants))
    # ... the unopened confirmation link confirms the follower it was sent to
    follower = selectors.follower_for_confirm_token(token=confirm_link)
    assert follower.pk == pending.pk
    assert services.report_follow_confirm(follower=follower).confirmed_at is not None
    # ... the unsubscribe link of a message sent before still unsubscribes its address
    assert unsubscribe_by_token(token=unsubscribe_link)
    assert EmailOptOut.objects.filter(email="told@example.org").exists()
    # ... and new participants get ids of their own
    new = services.report_follow(report=follower.case.concern, email="new@example.org")
    assert new.pk not in followers and new.pk > max(followers)
