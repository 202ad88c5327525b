"""The dashboard's sections (portal/dashboard.py): each service adds its own, each is read in a
number of queries that does not grow with the person's rows, and none is cached, so every
change shows at once whatever made it."""

import threading
from dataclasses import dataclass

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from portal import dashboard
from tests.accounts.factories import UserFactory
from tests.cases.factories import CaseFactory
from tests.cases.workflows import TEST_PERMIT
from tests.licensing.factories import LicenseFactory
from tests.notifications.factories import InAppNotificationFactory
from tests.payments.factories import InvoiceFactory

pytestmark = pytest.mark.django_db


def _shown(response) -> dict:
    return {shown.key: shown.section for shown in response.context["sections"]}


def _items(resident, count: int) -> None:
    """`count` rows in every built-in section: cases, licenses, invoices due, messages."""
    for _ in range(count):
        CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
        LicenseFactory(holder=resident)
        InvoiceFactory(payer=resident)
        InAppNotificationFactory(recipient=resident)


@dataclass(frozen=True)
class Bookings:
    names: list[str]


@pytest.fixture
def bookings_section(settings, tmp_path):
    """A throwaway service's section, as a new service would add it from its AppConfig, with
    its template (no stamp: read on every visit)."""
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "_dashboard_bookings.html").write_text(
        '{% if section %}<section aria-labelledby="my-bookings">'
        '<h2 id="my-bookings">My bookings</h2>'
        "{% for name in section.names %}<p>{{ name }}</p>{% endfor %}</section>{% endif %}"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    seen = []

    def read(*, user, limit):
        seen.append((user.pk, limit))
        return Bookings(names=["Community hall, 3 May"]) if user.full_name == "Booker" else None

    section = dashboard.Section(
        key="tests.bookings",
        template="tests/_dashboard_bookings.html",
        read=read,
        limit=3,
        order=25,
    )
    dashboard.register(section)
    yield seen
    dashboard.unregister(section.key)


def test_a_service_adds_its_section_without_touching_the_dashboard(client, bookings_section):
    # given: a resident who has a booking
    booker = UserFactory(full_name="Booker")
    client.force_login(booker)

    # when
    response = client.get(reverse("portal:dashboard"))

    # then: read once with its limit, shown between the licenses and the invoices due
    html = response.content.decode()
    assert bookings_section == [(booker.pk, 3)]
    assert "<p>Community hall, 3 May</p>" in html
    assert html.index("My requests") < html.index("My bookings") < html.index("My messages")
    keys = [s.key for s in dashboard.sections()]
    assert (
        keys.index("licensing.licenses") < keys.index("tests.bookings") < keys.index("payments.due")
    )


def test_a_section_with_nothing_to_show_is_left_out(client, resident, bookings_section):
    # given: a resident with no booking, no license and nothing to pay
    client.force_login(resident)

    # when
    response = client.get(reverse("portal:dashboard"))

    # then: the page reads as it always did: requests, messages, settings
    html = response.content.decode()
    assert not _shown(response)["licensing.licenses"]
    assert not _shown(response)["payments.due"]
    assert "My bookings" not in html and "My licenses" not in html and "To pay" not in html
    assert html.index("My requests") < html.index("My messages") < html.index("Account settings")


def test_the_dashboard_shows_licenses_and_invoices_due_with_links_to_all(client, resident):
    # given
    license = LicenseFactory(holder=resident, license_type__name="Barber")
    invoice = InvoiceFactory(payer=resident, description="Barber license fee")
    client.force_login(resident)

    # when
    response = client.get(reverse("portal:dashboard"))

    # then
    html = response.content.decode()
    assert _shown(response)["licensing.licenses"].shown == [license]
    assert _shown(response)["payments.due"].shown == [invoice]
    assert f'href="{license.get_absolute_url()}">Barber {license.number}</a>' in html
    invoice_url = reverse("payments:invoice", args=[invoice.reference])
    assert f'href="{invoice_url}">Barber license fee</a>' in html
    assert "<strong>$50.00</strong>" in html
    assert f'href="{reverse("payments:mine")}">My payments</a>' in html
    assert html.index("My requests") < html.index("My licenses") < html.index("To pay")


def test_someone_elses_rows_are_never_on_my_dashboard(client, resident):
    # given
    _items(UserFactory(), 2)
    client.force_login(resident)

    # when
    response = client.get(reverse("portal:dashboard"))

    # then
    assert not _shown(response)["licensing.licenses"]
    assert not _shown(response)["payments.due"]
    assert _shown(response)["cases.requests"].shown == []
    assert _shown(response)["notifications.messages"].messages == []


def test_a_change_made_in_plain_sql_shows_at_once(client, resident):
    # given: the dashboard seen once, with an unread message and a received case
    case = CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
    InAppNotificationFactory(recipient=resident, subject="Permit approved")
    client.force_login(resident)
    html = client.get(reverse("portal:dashboard")).content.decode()
    # (opening the case wrote one too)
    assert ">Received</span>" in html and "You have 2 unread messages." in html

    # when: changes no service made, nor told anyone about
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_case SET status = 'in_review', updated_at = now() WHERE id = %s",
            [case.pk],
        )
        cursor.execute(
            "UPDATE notifications_notification SET read_at = now(), updated_at = now() "
            "WHERE recipient_id = %s",
            [resident.pk],
        )
    html = client.get(reverse("portal:dashboard")).content.decode()

    # then
    assert ">Being reviewed</span>" in html
    assert "unread message" not in html


def test_a_second_visit_with_nothing_new_reads_no_section(client, resident):
    # given: a first visit, with something in every section
    _items(resident, 2)
    client.force_login(resident)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("portal:dashboard"))

    # when
    with CaptureQueriesContext(connection) as second:
        html = client.get(reverse("portal:dashboard")).content.decode()

    # then: the stamps, one query, and none of the stamped sections' reads
    stamped = [section for section in dashboard.sections() if section.stamp]
    assert len(stamped) >= 6
    assert len(second) == len(first) - len(stamped)
    assert "My licenses" in html and "To pay" in html and "You have 4 unread messages." in html


def test_a_license_or_invoice_changed_in_plain_sql_shows_at_once(client, resident):
    # given: the dashboard seen once, with an active license and an invoice due
    license = LicenseFactory(holder=resident)
    invoice = InvoiceFactory(payer=resident, description="Barber license fee")
    client.force_login(resident)
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "Active ·" in html and "Barber license fee" in html

    # when: the license is suspended and the invoice paid, by no service
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE licensing_license SET status = 'suspended' WHERE id = %s", [license.pk]
        )
        cursor.execute(
            "UPDATE payments_invoice SET status = 'paid', amount_paid_cents = total_cents, "
            "paid_at = now() "
            "WHERE id = %s",
            [invoice.pk],
        )
    html = client.get(reverse("portal:dashboard")).content.decode()

    # then
    assert "Suspended ·" in html and "Active ·" not in html
    assert "Barber license fee" not in html and "To pay" not in html


@pytest.mark.parametrize("many", [12, 40])
def test_the_dashboards_queries_do_not_grow_with_the_number_of_items(
    client, django_assert_max_num_queries, many
):
    # given: one resident with 1 item in every section, another with many
    one, lots = UserFactory(), UserFactory()
    _items(one, 1)
    _items(lots, many)
    client.force_login(one)
    with django_assert_max_num_queries(20) as measured:
        assert client.get(reverse("portal:dashboard")).status_code == 200
    with_one = len(measured.captured_queries)
    client.force_login(lots)

    # when / then: no more queries for many than for one
    with django_assert_max_num_queries(with_one):
        response = client.get(reverse("portal:dashboard"))
    shown = _shown(response)
    assert len(shown["cases.requests"].shown) == 10 and shown["cases.requests"].more
    assert len(shown["licensing.licenses"].shown) == 5 and shown["licensing.licenses"].more
    assert len(shown["payments.due"].shown) == 5 and shown["payments.due"].more
    assert len(shown["notifications.messages"].messages) == 5


@pytest.mark.django_db(transaction=True)
def test_writing_a_persons_cases_and_messages_leaves_their_account_unlocked():
    # given: a transaction that has opened a case for a resident and written them a message
    resident = UserFactory()
    outcome = []

    def lock_the_account() -> None:
        try:
            with transaction.atomic():
                User.objects.select_for_update(no_key=True, nowait=True).get(pk=resident.pk)
            outcome.append("locked")
        except OperationalError:
            outcome.append("busy")
        finally:
            connections.close_all()

    with transaction.atomic():
        CaseFactory(kind=TEST_PERMIT.kind, applicant=resident)
        InAppNotificationFactory(recipient=resident)

        # when: someone else locks the account (signing in, saving their profile) meanwhile
        other = threading.Thread(target=lock_the_account)
        other.start()
        other.join()

    # then: at once, without waiting for the first transaction
    assert outcome == ["locked"]
