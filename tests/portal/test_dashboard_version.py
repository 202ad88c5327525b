"""The account's dashboard_version: the database raises it with every change to what the
dashboard lists, whatever makes the change, and the dashboard reads its lists only when it has
changed (portal/migrations/0001_dashboard_version.py)."""

import re
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import accounts_lock
from cases import services as case_services
from cases.models import Case, CaseStatus
from notifications.models import Notification
from notifications.services import notification_mark_read
from tests.accounts.factories import UserFactory
from tests.cases.factories import CaseFactory
from tests.cases.workflows import TEST_PERMIT
from tests.concurrency import run_together
from tests.notifications.factories import InAppNotificationFactory, NotificationFactory

pytestmark = pytest.mark.django_db


def _version(user) -> int:
    return User.objects.values_list("dashboard_version", flat=True).get(pk=user.pk)


# --- what raises it ----------------------------------------------------------------------


def test_opening_a_case_raises_the_applicants_version_only(resident):
    # given
    neighbor = UserFactory()
    before, neighbor_before = _version(resident), _version(neighbor)

    # when: a draft, which sends no message that would raise it too
    case_services.case_create(kind=TEST_PERMIT.kind, applicant=resident, submit=False)

    # then
    assert _version(resident) > before
    assert _version(neighbor) == neighbor_before


def test_a_change_to_a_case_raises_it_without_a_message(resident, clerk):
    # given: an assignment, which the case's "last update" shows and which sends no message
    case = CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    before = _version(resident)
    messages = Notification.objects.filter(recipient=resident).count()

    # when
    case_services.case_assign(case=case, assignee=clerk, actor=clerk)

    # then
    assert Notification.objects.filter(recipient=resident).count() == messages
    assert _version(resident) > before


def test_deleting_a_draft_raises_it(resident):
    # given
    draft = case_services.case_create(kind=TEST_PERMIT.kind, applicant=resident, submit=False)
    before = _version(resident)

    # when
    Case.objects.filter(pk=draft.pk).delete()

    # then
    assert _version(resident) > before


def test_a_change_in_plain_sql_raises_it(resident):
    # given: a write that bypasses the models altogether
    case = CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    before = _version(resident)

    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET status = %s WHERE id = %s", [CaseStatus.IN_REVIEW, case.pk]
        )

    # then
    assert _version(resident) > before


def test_moving_a_case_to_another_account_raises_both(resident):
    # given
    other = UserFactory()
    case = CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    before, other_before = _version(resident), _version(other)

    # when
    Case.objects.filter(pk=case.pk).update(applicant=other)

    # then
    assert _version(resident) > before
    assert _version(other) > other_before


def test_an_in_app_message_raises_it_and_an_email_does_not(resident):
    # given
    before = _version(resident)

    # when
    NotificationFactory(recipient=resident)

    # then
    assert _version(resident) == before

    # when
    InAppNotificationFactory(recipient=resident)

    # then
    assert _version(resident) > before


def test_messages_inserted_in_one_statement_raise_each_recipients_version():
    # given: the reminder job's shape, many rows in one INSERT
    residents = UserFactory.create_batch(3)
    before = [_version(resident) for resident in residents]

    # when
    Notification.objects.bulk_create(
        InAppNotificationFactory.build(recipient=resident) for resident in residents
    )

    # then
    assert all(_version(r) > b for r, b in zip(residents, before, strict=True))


def test_a_message_moved_to_the_inbox_raises_it_and_dispatcher_bookkeeping_does_not(resident):
    # given
    email = NotificationFactory(recipient=resident)
    before = _version(resident)

    # when: the dispatcher's bookkeeping changes only what the inbox does not show
    InAppNotificationFactory(recipient=resident)
    after_message = _version(resident)
    Notification.objects.filter(recipient=resident).update(attempts=3, available_at=timezone.now())

    # then
    assert _version(resident) == after_message > before

    # when
    Notification.objects.filter(pk=email.pk).update(channel="in_app", to_address="")

    # then
    assert _version(resident) > after_message


def test_reading_and_deleting_a_message_raise_it(resident):
    # given
    message = InAppNotificationFactory(recipient=resident)
    before = _version(resident)

    # when
    notification_mark_read(notification=message, user=resident)

    # then
    after_read = _version(resident)
    assert after_read > before

    # when
    message.delete()

    # then
    assert _version(resident) > after_read


def test_saving_an_account_loaded_earlier_never_lowers_it(resident):
    # given: the account is loaded, then a message arrives
    loaded = User.objects.get(pk=resident.pk)
    InAppNotificationFactory(recipient=resident)
    raised = _version(resident)
    assert raised > loaded.dashboard_version

    # when: the copy loaded before is saved whole, old version included
    loaded.full_name = "Renamed Resident"
    loaded.save()

    # then
    assert _version(resident) == raised
    assert User.objects.get(pk=resident.pk).full_name == "Renamed Resident"


@pytest.mark.django_db(transaction=True)
def test_changes_at_the_same_moment_each_raise_it_once():
    # given: four requests for one resident arriving together, each in its own transaction
    resident = UserFactory()
    before = _version(resident)

    def send_message(_i: int) -> None:
        InAppNotificationFactory(recipient=resident)

    # when
    run_together(4, send_message)

    # then: they queued for the account row; no raise was lost
    assert _version(resident) == before + 4


@pytest.mark.django_db(transaction=True)
def test_two_transactions_writing_for_the_same_people_in_opposite_orders_both_commit():
    # given: each tells two people, in opposite orders, pausing between the two messages
    first, second = UserFactory(), UserFactory()
    before = [_version(first), _version(second)]

    def tell(i: int) -> None:
        people = [first, second] if i == 0 else [second, first]
        with transaction.atomic():
            accounts_lock(ids=[person.pk for person in people])
            for person in people:
                InAppNotificationFactory(recipient=person)
                time.sleep(0.2)

    # when: without the locks taken first, one of them would be cancelled as a deadlock
    run_together(2, tell)

    # then
    assert [_version(first), _version(second)] == [before[0] + 2, before[1] + 2]


@pytest.mark.django_db(transaction=True)
def test_accounts_lock_needs_a_transaction():
    # given: in autocommit, the locks would be let go at once
    resident = UserFactory()

    # when / then
    with pytest.raises(transaction.TransactionManagementError):
        accounts_lock(ids=[resident.pk])


# --- what the dashboard does with it ------------------------------------------------------


def _dashboard_queries(client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in queries]


def test_a_second_visit_reads_neither_cases_nor_messages(client, resident):
    # given
    CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    InAppNotificationFactory(recipient=resident, subject="Permit approved")
    client.force_login(resident)
    first, first_queries = _dashboard_queries(client)
    assert any("cases_case" in sql for sql in first_queries)

    # when
    second, second_queries = _dashboard_queries(client)

    # then
    assert not [sql for sql in second_queries if "cases_case" in sql]
    assert not [sql for sql in second_queries if "notifications_notification" in sql]
    assert "Permit approved" in second
    assert _without_tokens(second) == _without_tokens(first)


def test_the_dashboard_shows_a_change_made_in_plain_sql(client, resident):
    # given
    case = CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    client.force_login(resident)
    assert ">Received</span>" in _dashboard_queries(client)[0]

    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET status = %s WHERE id = %s", [CaseStatus.IN_REVIEW, case.pk]
        )
    html, _ = _dashboard_queries(client)

    # then
    assert ">Being reviewed</span>" in html
    assert ">Received</span>" not in html


def test_a_new_message_shows_at_once(client, resident):
    # given
    client.force_login(resident)
    assert "You have no messages." in _dashboard_queries(client)[0]

    # when
    InAppNotificationFactory(recipient=resident, subject="Inspection booked")
    html, _ = _dashboard_queries(client)

    # then
    assert "Inspection booked" in html
    assert "You have 1 unread message." in html


def test_mark_as_read_works_from_a_cached_dashboard_after_signing_in_again(resident):
    # given: the lists were cached in an earlier session
    message = InAppNotificationFactory(recipient=resident, subject="Permit approved")
    earlier = Client(enforce_csrf_checks=True)
    earlier.force_login(resident)
    earlier.get(reverse("portal:dashboard"))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(resident)
    html, queries = _dashboard_queries(browser)
    assert not [sql for sql in queries if "notifications_notification" in sql]

    # when: the person marks the message read with the token of the page they got
    inbox_form = html[html.index('class="notifications-inbox-form"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', inbox_form)
    response = browser.post(
        reverse("notifications:mark_read", args=[message.pk]),
        {"next": "/account/", "csrfmiddlewaretoken": token.group(1)},
    )

    # then
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None
    assert message.read_at <= timezone.now()


def _dashboard_of(user) -> str:
    client = Client()
    client.force_login(user)
    return _dashboard_queries(client)[0]


def test_a_cached_dashboard_is_never_shown_to_someone_else(resident):
    # given: two people at the same dashboard_version, the first one's lists cached
    other = UserFactory()
    CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    InAppNotificationFactory(recipient=resident, subject="Permit approved")
    User.objects.filter(pk=other.pk).update(dashboard_version=_version(resident))
    assert "Permit approved" in _dashboard_of(resident)

    # when
    html = _dashboard_of(other)

    # then
    assert "Permit approved" not in html
    assert "You have no requests yet." in html
    assert "You have no messages." in html


def _without_tokens(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'nonce="[^"]+"', "", html)


def test_an_account_given_a_reused_id_at_the_same_version_never_sees_the_old_lists():
    # given: an account's lists cached; then the database is reset (the cache is not) and
    # its id goes to a new account that reaches the same version
    old = UserFactory()
    CaseFactory(kind=TEST_PERMIT.kind, applicant=old)
    InAppNotificationFactory(recipient=old, subject="Permit approved")
    assert "Permit approved" in _dashboard_of(old)
    pk, version = old.pk, _version(old)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE accounts_user CASCADE")
    new = UserFactory(pk=pk)
    User.objects.filter(pk=pk).update(dashboard_version=version)
    assert _version(new) == version

    # when
    html = _dashboard_of(new)

    # then
    assert "Permit approved" not in html
    assert "You have no requests yet." in html
    assert "You have no messages." in html
