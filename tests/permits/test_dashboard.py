"""The "My permits" section of the resident's dashboard: each permit's status in plain words,
what is still open and with whom, the next inspection, in a fixed number of queries."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.services import transition
from permits import workflow as wf
from permits.dashboard import LIMIT, permits_for_dashboard
from permits.services import reviews as review_services
from permits.services.inspections import inspection_book, inspection_record_result
from permits.services.issuance import permit_fee_invoice
from tests.accounts.factories import UserFactory
from tests.permits.factories import department
from tests.permits.inspection_factories import (
    NOW,
    WEDNESDAY,
    approved_permit,
    at,
    inspector,
    issued_permit,
    open_slots,
)
from tests.permits.reviews import approve, ask_corrections, reviewer_of, submitted_permit

pytestmark = pytest.mark.django_db

REINSPECTION = {"fee_cents": 7_500, "free_failures": 0}


def in_review(resident):
    permit = submitted_permit("ZONING", "FIRE", applicant=resident)
    review_services.review_start(permit=permit, actor=None)
    return permit


def corrections_asked(resident):
    permit = in_review(resident)
    ask_corrections(permit, "ZONING", reviewer_of("ZONING"))
    approve(permit, "FIRE", reviewer_of("FIRE"))
    return permit


def permit_fee_due(resident):
    permit = approved_permit(applicant=resident)
    permit_fee_invoice(permit=permit)
    return permit


def inspection_booked(resident, period="am"):
    permit = issued_permit(applicant=resident)
    inspection_book(permit=permit, day=WEDNESDAY, period=period, actor=resident, now=NOW)
    return permit


def inspection_failed(resident, staff):
    permit = issued_permit(applicant=resident, fee=REINSPECTION)
    inspection = inspection_book(permit=permit, day=WEDNESDAY, period="pm", actor=resident, now=NOW)
    inspection_record_result(
        inspection=inspection,
        actor=staff,
        result="failed",
        deficiencies="No guard rail on the stairs.",
        now=at(WEDNESDAY, 16),
    )
    return permit


def one_of_each(resident, staff) -> dict:
    return {
        "in_review": in_review(resident),
        "corrections": corrections_asked(resident),
        "fee_due": permit_fee_due(resident),
        "booked": inspection_booked(resident),
        "failed": inspection_failed(resident, staff),
    }


@pytest.fixture
def staff():
    person = inspector(capacity=20)
    open_slots()
    return person


def standings(resident) -> dict:
    section = permits_for_dashboard(user=resident, limit=LIMIT)
    return {standing.permit.pk: standing for standing in section.shown}


def test_a_resident_without_permits_has_no_section():
    # given
    resident = UserFactory()

    # when / then
    assert permits_for_dashboard(user=resident, limit=LIMIT) is None


def test_each_permit_says_what_is_open_and_with_whom(staff):
    # given: a resident with a permit at each stage
    resident = UserFactory()
    permits = one_of_each(resident, staff)

    # when
    shown = standings(resident)

    # then
    fire, zoning = department("FIRE").name, department("ZONING").name
    review = shown[permits["in_review"].pk]
    assert review.reviewing == sorted([fire, zoning])
    assert not review.fees_due and review.next_inspection is None and review.to_book is None
    corrections = shown[permits["corrections"].pk]
    assert corrections.corrections == [zoning] and corrections.reviewing == []
    fee_due = shown[permits["fee_due"].pk]
    assert [invoice.balance_cents for invoice in fee_due.fees_due] == [20_000]
    booked = shown[permits["booked"].pk]
    assert booked.next_inspection.day == WEDNESDAY and booked.to_book is None
    failed = shown[permits["failed"].pk]
    assert [invoice.balance_cents for invoice in failed.fees_due] == [7_500]
    assert failed.next_inspection is None and failed.to_book.code == "step-0"


def test_the_dashboard_shows_the_permits_in_plain_words_with_links(client, staff):
    # given
    resident = UserFactory()
    permits = one_of_each(resident, staff)
    client.force_login(resident)

    # when
    html = client.get(reverse("portal:dashboard")).content.decode()

    # then
    assert "My permits" in html
    fire, zoning = department("FIRE").name, department("ZONING").name
    assert f"Your plans are with: {', '.join(sorted([fire, zoning]))}." in html
    assert f"Corrections asked by: {zoning}." in html
    assert "Approved: permit fee due" in html
    assert "Fee due: $200.00" in html and "Fee due: $75.00" in html
    assert "Next inspection: Step 1" in html
    assert "Next inspection to book: Step 1." in html
    corrections = permits["corrections"].case.reference
    assert reverse("permits:review", args=[corrections]) in html
    booked = permits["booked"].case.reference
    assert reverse("permits:inspections", args=[booked]) in html
    assert "See all my permits" not in html


def test_another_residents_permits_are_not_shown(staff):
    # given
    resident, neighbour = UserFactory(), UserFactory()
    in_review(neighbour)

    # when / then
    assert permits_for_dashboard(user=resident, limit=LIMIT) is None


@pytest.mark.parametrize("sets", [1, 3])
def test_the_sections_queries_do_not_grow_with_the_permits(
    staff, django_assert_max_num_queries, sets
):
    # given: a resident with one permit at every stage, or three
    resident = UserFactory()
    for _ in range(sets):
        one_of_each(resident, staff)

    # when / then: the permits, then reviews, fees, inspections and the types' steps
    with django_assert_max_num_queries(5):
        section = permits_for_dashboard(user=resident, limit=LIMIT)
        assert len(section.shown) == min(5 * sets, LIMIT)
    assert section.more == (sets > 1)


def test_the_dashboard_pages_queries_do_not_grow_with_the_permits(
    client, staff, django_assert_max_num_queries
):
    # given: one resident with a permit at every stage, another with three of each
    one, lots = UserFactory(), UserFactory()
    one_of_each(one, staff)
    for _ in range(3):
        one_of_each(lots, staff)
    client.force_login(one)
    client.get(reverse("portal:dashboard"))  # warm: the session, the content types' cache
    with django_assert_max_num_queries(20) as measured:
        assert client.get(reverse("portal:dashboard")).status_code == 200
    with_one = len(measured.captured_queries)
    client.force_login(lots)
    client.get(reverse("portal:dashboard"))

    # when / then: no more queries for fifteen permits than for five
    with django_assert_max_num_queries(with_one):
        response = client.get(reverse("portal:dashboard"))
    assert "See all my permits" in response.content.decode()


def _visit(client, django_assert_max_num_queries, most: int) -> int:
    with django_assert_max_num_queries(most) as measured:
        assert client.get(reverse("portal:dashboard")).status_code == 200
    return len(measured.captured_queries)


# The section skips a read when no permit listed needs it (no review open, none in force),
# so one permit is compared with twenty at the same stage. Inspections are booked in the
# morning and the afternoon in turn: the inspector has 20 places in each.
@pytest.mark.parametrize(
    "stage",
    [
        pytest.param(lambda resident, index: in_review(resident), id="in_review"),
        pytest.param(lambda resident, index: permit_fee_due(resident), id="fee_due"),
        pytest.param(
            lambda resident, index: inspection_booked(resident, "am" if index % 2 else "pm"),
            id="inspection_booked",
        ),
    ],
)
def test_the_dashboard_costs_the_same_for_one_permit_and_twenty_cached_or_not(
    client, staff, django_assert_max_num_queries, stage
):
    # given: one resident with one permit, another with twenty, all at the same stage
    one, twenty = UserFactory(), UserFactory()
    stage(one, 0)
    for index in range(20):
        stage(twenty, index)
    client.force_login(one)
    client.get(reverse("portal:dashboard"))  # warm: the session, the content types' cache
    caches["fragments"].clear()
    first_with_one = _visit(client, django_assert_max_num_queries, 20)
    again_with_one = _visit(client, django_assert_max_num_queries, first_with_one)

    # when / then: a first visit (the section read and cached), then a visit from the cache,
    # each in no more queries for twenty permits than for one
    client.force_login(twenty)
    client.get(reverse("portal:dashboard"))
    caches["fragments"].clear()
    _visit(client, django_assert_max_num_queries, first_with_one)
    _visit(client, django_assert_max_num_queries, again_with_one)


def test_finished_permits_come_after_open_ones(staff):
    # given: an application in review, then a newer one withdrawn
    resident = UserFactory()
    open_one = in_review(resident)
    withdrawn = corrections_asked(resident)
    transition(case=withdrawn.case, to_status=wf.WITHDRAWN, actor=resident)

    # when
    section = permits_for_dashboard(user=resident, limit=LIMIT)

    # then
    assert [standing.permit.pk for standing in section.shown] == [open_one.pk, withdrawn.pk]


def test_the_permit_that_moved_last_comes_first(staff):
    # given: two applications in review; then the older one gets a correction letter
    resident = UserFactory()
    older = in_review(resident)
    newer = in_review(resident)
    ask_corrections(older, "ZONING", reviewer_of("ZONING"))
    approve(older, "FIRE", reviewer_of("FIRE"))

    # when
    section = permits_for_dashboard(user=resident, limit=LIMIT)

    # then
    assert [standing.permit.pk for standing in section.shown] == [older.pk, newer.pk]


def _section_reads(queries) -> list[str]:
    """The queries of the section's own reads (the ORM's, with quoted table names); the
    stamp is written by hand and names its tables unquoted."""
    return [query["sql"] for query in queries if '"permits_' in query["sql"]]


def test_a_visit_with_nothing_new_does_not_read_the_section_and_a_change_does(client, staff):
    # given: a resident with a permit in review by zoning and fire, who has seen the page once
    resident = UserFactory()
    permit = in_review(resident)
    client.force_login(resident)
    fire, zoning = department("FIRE").name, department("ZONING").name
    first = client.get(reverse("portal:dashboard")).content.decode()
    assert f"Your plans are with: {', '.join(sorted([fire, zoning]))}." in first

    # when: a second visit with nothing new
    with CaptureQueriesContext(connection) as quiet:
        again = client.get(reverse("portal:dashboard")).content.decode()

    # then: the cached copy, and not one of the section's reads
    assert _section_reads(quiet.captured_queries) == []
    assert f"Your plans are with: {', '.join(sorted([fire, zoning]))}." in again

    # when: zoning approves (the case itself does not move: fire still reviews)
    approve(permit, "ZONING", reviewer_of("ZONING"))
    with CaptureQueriesContext(connection) as changed:
        html = client.get(reverse("portal:dashboard")).content.decode()

    # then: the section is read again and shows the change
    assert _section_reads(changed.captured_queries)
    assert f"Your plans are with: {fire}." in html


def test_a_fee_or_an_inspection_changed_in_plain_sql_shows_at_once(client, staff):
    # given: a permit with its fee due, seen once
    resident = UserFactory()
    permit = permit_fee_due(resident)
    client.force_login(resident)
    assert "Fee due: $200.00" in client.get(reverse("portal:dashboard")).content.decode()

    # when: the invoice is voided at a SQL prompt (no service, no timestamp touched)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE payments_invoice SET status = 'void' WHERE id = %s",
            [permit.issuance.invoice_id],
        )
    html = client.get(reverse("portal:dashboard")).content.decode()

    # then
    assert "Fee due: $200.00" not in html


def test_a_new_permit_beyond_the_limit_changes_the_more_link(client, staff):
    # given: as many permits as the section lists, seen once
    resident = UserFactory()
    for _ in range(LIMIT):
        in_review(resident)
    client.force_login(resident)
    assert "See all my permits" not in client.get(reverse("portal:dashboard")).content.decode()

    # when: one more
    in_review(resident)

    # then
    assert "See all my permits" in client.get(reverse("portal:dashboard")).content.decode()


def test_a_permit_type_renamed_in_plain_sql_shows_at_once(client, staff):
    # given: a permit in review, seen once
    resident = UserFactory()
    permit = in_review(resident)
    client.force_login(resident)
    assert permit.permit_type.name in client.get(reverse("portal:dashboard")).content.decode()

    # when: an administrator renames its type at a SQL prompt (no timestamp touched)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE permits_permittype SET name = 'Backyard deck' WHERE id = %s",
            [permit.permit_type_id],
        )
    html = client.get(reverse("portal:dashboard")).content.decode()

    # then
    assert "Backyard deck" in html
