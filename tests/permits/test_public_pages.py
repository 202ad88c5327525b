"""The public permit page and the public permit search: no sign-in, nothing of the applicant,
keyset pages, a constant number of queries, never a server error."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from permits import selectors_public
from permits.models import Permit
from tests.hostile import fuzz, no_server_error
from tests.licensing.license_factory import LicenseFactory
from tests.permits.factories import PermitFactory, PermitTypeFactory
from tests.permits.public_data import (
    APPLICANT_EMAIL,
    APPLICANT_NAME,
    APPLICANT_PHONE,
    issued,
    reviewed,
    sent_permit,
)

pytestmark = pytest.mark.django_db
SEARCH = reverse("permits:search")


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.PERMITS_SEARCH_PER_MINUTE = 0


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def page_of(permit: Permit) -> str:
    return reverse("permits:public", kwargs={"reference": permit.case.reference})


def _found(client, query: str, **params) -> list[str]:
    response = client.get(SEARCH, {"q": query, **params})
    assert response.status_code == 200
    return [permit.case.reference for permit in response.context["page"].object_list]


# --- The permit's page ----------------------------------------------------------------------


def test_the_page_shows_the_permit_to_anyone_and_nothing_of_the_applicant(client):
    # given
    contractor = LicenseFactory(business_name="Sturdy Builders LLC")
    permit = sent_permit(
        address="12 Elm Street",
        work_description="A rear addition with a bedroom.",
        contractor_license=contractor,
    )
    reviewed(permit, outcomes={"BUILDING": "approved", "FIRE": None})

    # when
    response = client.get(page_of(permit))

    # then
    assert response.status_code == 200
    page = text(response)
    assert "12 Elm Street" in page
    assert "A rear addition with a bedroom." in page
    assert "Plans in review" in page
    assert "Sturdy Builders LLC" in page and contractor.number in page
    assert "Approved" in page and "In review" in page
    for private in (APPLICANT_NAME, APPLICANT_EMAIL, APPLICANT_PHONE, "Secret basement answer"):
        assert private not in page
    assert reverse("permits:open_data", args=["permits", "csv"]) in page


def test_the_page_lists_the_inspections_with_their_results(client):
    # given
    from permits.services.inspections import inspection_book, inspection_record_result
    from tests.permits.inspection_factories import (
        NOW,
        WEDNESDAY,
        at,
        inspector,
        issued_permit,
        open_slots,
    )

    inspector(capacity=2)
    open_slots()
    permit = issued_permit()
    booked = inspection_book(
        permit=permit, day=WEDNESDAY, period="am", actor=permit.case.applicant, now=NOW
    )
    inspection_record_result(
        inspection=booked,
        actor=booked.inspector,
        result="failed",
        deficiencies="Footing too shallow.",
        comments="Spoke with the owner.",
        now=at(WEDNESDAY, 10),
    )

    # when
    page = text(client.get(page_of(permit)))

    # then: what was inspected and the result, not the inspector nor their notes
    assert "Step 1" in page and "Failed" in page
    assert booked.inspector.full_name not in page
    assert "Spoke with the owner." not in page


def test_an_issued_permit_is_found_by_its_number_as_people_type_it(client):
    # given: the permit card's QR code carries the number
    permit = issued(sent_permit(), number="BLD-2026-000042")

    # when
    answers = [
        client.get(reverse("permits:public", kwargs={"reference": typed}))
        for typed in ("BLD-2026-000042", "bld2026000042", permit.case.reference)
    ]

    # then
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all(answer.context["permit"].pk == permit.pk for answer in answers)
    assert "Permit issued" in text(answers[0])


@pytest.mark.parametrize("reference", ["PER-2026-999999", "nonsense", "%00", "a" * 300])
def test_an_unknown_permit_is_not_found(client, reference, db):
    assert client.get(reverse("permits:public", kwargs={"reference": reference})).status_code == 404


def test_a_draft_is_nobody_elses_business(client):
    # given
    draft = PermitFactory()

    # then
    assert client.get(page_of(draft)).status_code == 404
    assert _found(client, "Elm") == []


def test_the_page_runs_the_same_queries_with_many_reviews(client):
    # given
    few = sent_permit()
    reviewed(few, outcomes={"BUILDING": None})
    many = sent_permit()
    reviewed(many, outcomes=dict.fromkeys(("BUILDING", "FIRE", "ZONING", "HEALTH")))

    # when
    with CaptureQueriesContext(connection) as for_few:
        client.get(page_of(few))
    with CaptureQueriesContext(connection) as for_many:
        client.get(page_of(many))

    # then
    assert len(for_few) == len(for_many)


# --- The search -----------------------------------------------------------------------------


def test_addresses_match_by_the_start_of_their_words(client):
    # given
    elm = sent_permit(address="12 Elm Street")
    oak = sent_permit(address="1200 Oak Avenue")
    sent_permit(address="5 Birch Road")

    # then
    assert _found(client, "elm") == [elm.case.reference]
    assert _found(client, "12") == [oak.case.reference, elm.case.reference]
    assert _found(client, "12 el st") == [elm.case.reference]
    assert _found(client, "oak avenue 1200") == [oak.case.reference]
    assert _found(client, "maple") == []


def test_a_permit_is_found_by_its_number_or_reference(client):
    # given
    permit = issued(sent_permit(), number="BLD-2026-000007")
    other = sent_permit()

    # then
    assert _found(client, "BLD-2026-000007") == [permit.case.reference]
    assert _found(client, "bld 2026 000007") == [permit.case.reference]
    assert _found(client, other.case.reference.lower()) == [other.case.reference]


def test_a_contractors_permits_are_found_by_license_number_or_name(client):
    # given
    contractor = LicenseFactory(holder_name="Ana Okafor", business_name="Okáfor Electric")
    first = sent_permit(address="1 First Street", contractor_license=contractor)
    second = sent_permit(address="2 Second Street", contractor_license=contractor)
    sent_permit(address="3 Third Street")

    # then: newest first
    expected = [second.case.reference, first.case.reference]
    assert _found(client, contractor.number) == expected
    assert _found(client, contractor.number.replace("-", " ").lower()) == expected
    assert _found(client, "okafor electric") == expected


def test_pages_follow_each_other_by_cursor_without_gaps_or_repeats(client, monkeypatch):
    # given
    monkeypatch.setattr(selectors_public, "SEARCH_PAGE_SIZE", 3)
    permits = [sent_permit(address=f"{n} Elm Street") for n in range(8)]

    # when
    seen, cursor, pages = [], "", 0
    while True:
        response = client.get(SEARCH, {"q": "elm", "after": cursor})
        page = response.context["page"]
        seen += [permit.pk for permit in page.object_list]
        pages += 1
        if not page.has_next:
            break
        cursor = page.next_cursor
        assert 'rel="next"' in response.content.decode()

    # then
    assert pages == 3
    assert seen == sorted((permit.pk for permit in permits), reverse=True)


def test_a_tampered_cursor_gives_the_first_page(client):
    # given
    permit = sent_permit(address="12 Elm Street")

    # then
    for cursor in ("forged", "1:abc", "W10:1abc"):
        response = client.get(SEARCH, {"q": "elm", "after": cursor})
        assert response.context["page"].first is True
        assert [p.pk for p in response.context["page"].object_list] == [permit.pk]


def test_a_search_matching_too_many_asks_for_another_word(client, monkeypatch):
    # given
    monkeypatch.setattr(selectors_public, "SEARCH_MATCH_LIMIT", 3)
    for n in range(4):
        sent_permit(address=f"{n} Main Street")

    # when
    broad = client.get(SEARCH, {"q": "main"})
    narrow = client.get(SEARCH, {"q": "2 main"})

    # then
    assert broad.context["page"].too_many is True
    assert "More than 3 permits match." in text(broad)
    assert [p.address for p in narrow.context["page"].object_list] == ["2 Main Street"]


@pytest.mark.parametrize("query", ["elm", "BLD-2026-000001", "LIC-2026-000001"])
def test_the_search_runs_the_same_queries_with_few_and_many_permits(
    client, query, django_assert_max_num_queries
):
    # given: a contractor with a few permits on Elm Street, then many more
    contractor = LicenseFactory(number="LIC-2026-000001")
    permit_type = PermitTypeFactory()

    def grow(count):
        for _ in range(count):
            sent_permit(
                address="12 Elm Street", contractor_license=contractor, permit_type=permit_type
            )

    grow(2)
    issued(Permit.objects.first(), number="BLD-2026-000001")
    with CaptureQueriesContext(connection) as few:
        client.get(SEARCH, {"q": query})

    # when
    grow(30)

    # then
    with django_assert_max_num_queries(len(few)):
        client.get(SEARCH, {"q": query})


def test_the_address_search_can_use_the_address_index(db):
    # given
    sent_permit(address="12 Elm Street")
    matches = Permit.objects.alias(search_address=selectors_public.ADDRESS_SEARCH_VECTOR).filter(
        search_address=selectors_public.SearchQuery("elm:*", search_type="raw", config="simple")
    )
    sql, params = matches.query.sql_with_params()

    # when: with only bitmap scans allowed, as the search runs it
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then: the query's expression is the index's
    assert "permits_permit_address_fts" in plan


def test_only_searches_count_against_the_limit_and_a_refusal_says_when(client, settings):
    # given
    settings.PERMITS_SEARCH_PER_MINUTE = 2
    client.get(SEARCH)
    client.get(SEARCH, {"q": "elm"})
    client.get(SEARCH, {"q": "elm"})

    # when
    refused = client.get(SEARCH, {"q": "elm"})

    # then
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"


@fuzz(max_examples=60)
@given(
    query=st.one_of(
        st.text(max_size=300),
        st.from_regex(r"[A-Za-z]{2,8}[ -]?\d{4}[ -]?\d{4,8}", fullmatch=True),
        st.sampled_from(["elm", "12", "12 elm", "&", "!", ":*", "'", "\\", "a:*|b"]),
    ),
    after=st.one_of(st.text(max_size=100), st.integers().map(str)),
)
def test_no_search_is_a_server_error(query, after, db):
    # given
    client = Client()

    # when
    response = client.get(SEARCH, {"q": query, "after": after})

    # then
    no_server_error(response)


@fuzz(max_examples=30)
@given(reference=st.text(min_size=1, max_size=100).filter(lambda s: "/" not in s))
def test_no_permit_page_is_a_server_error(reference, db):
    no_server_error(Client().get(reverse("permits:public", kwargs={"reference": reference})))
