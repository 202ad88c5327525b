"""The public lookup: what each kind of search finds, keyset pages, and a constant number of
queries."""

import datetime
from urllib.parse import quote

import pytest
from django.db import connection
from django.urls import reverse

from licensing import selectors
from licensing.models import License
from tests.licensing.factories import LicenseTypeFactory
from tests.licensing.license_factory import LicenseFactory

URL = reverse("licensing:lookup")


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.LICENSING_LOOKUP_PER_MINUTE = 0


@pytest.fixture
def barber(db):
    return LicenseTypeFactory(name="Barber license", number_prefix="BRB")


@pytest.fixture
def plumber(db):
    return LicenseTypeFactory(name="Plumber license", number_prefix="PLB")


def _license(license_type, holder_name, number, business_name="", legacy_reference=""):
    return License.objects.create(
        number=number,
        license_type=license_type,
        holder_name=holder_name,
        business_name=business_name,
        holder_email="private@example.org",
        issued_on=datetime.date(2025, 1, 1),
        expires_on=datetime.date(2027, 1, 1),
        legacy_reference=legacy_reference,
    )


def _found(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return [license.number for license in response.context["page"].object_list]


def test_names_match_by_the_start_of_their_words(client, barber, plumber):
    # given
    _license(barber, "John Smith", "BRB-2025-000001", "Smithy's Cuts")
    _license(barber, "Joan Smithers", "BRB-2025-000002")
    _license(plumber, "Ann Goldsmith", "PLB-2025-000001", "Quick Pipes")

    # then
    assert _found(client, q="smith") == ["BRB-2025-000002", "BRB-2025-000001"]
    assert _found(client, q="jo smi") == ["BRB-2025-000002", "BRB-2025-000001"]
    assert _found(client, q="John Smith") == ["BRB-2025-000001"]
    assert _found(client, q="quick") == ["PLB-2025-000001"]
    assert _found(client, q="goldsmith") == ["PLB-2025-000001"]
    assert _found(client, q="mith") == []


def test_numbers_match_exactly_portal_and_legacy(client, barber):
    # given
    _license(barber, "John Smith", "BRB-2025-000001", legacy_reference="B-10482")
    _license(barber, "Jane Doe", "BRB-2025-000010")

    # then
    assert _found(client, q="brb-2025-000001") == ["BRB-2025-000001"]
    assert _found(client, q="B-10482") == ["BRB-2025-000001"]
    assert _found(client, q="BRB-2025-00000") == []


def test_types_match_by_name_or_from_the_list(client, barber, plumber):
    # given
    _license(barber, "Zed Young", "BRB-2025-000001")
    _license(plumber, "Amy Pond", "PLB-2025-000001")
    _license(plumber, "Bo Peep", "PLB-2025-000002")

    # then
    assert _found(client, q="plumber") == ["PLB-2025-000001", "PLB-2025-000002"]
    assert _found(client, type=barber.pk) == ["BRB-2025-000001"]
    assert _found(client, q="bo", type=plumber.pk) == ["PLB-2025-000002"]
    assert _found(client, q="zed", type=plumber.pk) == []


def test_nothing_searched_shows_no_results_and_odd_input_is_harmless(client, barber):
    # given
    _license(barber, "John Smith", "BRB-2025-000001")

    # when
    empty = client.get(URL)
    punctuation = client.get(URL, {"q": "!!! & :* |"})
    unknown_type = client.get(URL, {"type": "999999"})

    # then
    assert empty.context["page"] is None
    assert punctuation.status_code == 200
    assert list(punctuation.context["page"].object_list) == []
    assert "No license found" in punctuation.content.decode()
    assert unknown_type.status_code == 200
    assert unknown_type.context["page"] is None


def test_pages_follow_each_other_by_cursor_without_gaps_or_repeats(client, barber):
    # given: 45 licenses, several holders sharing a name
    for n in range(45):
        _license(barber, f"Holder {n % 7}", f"BRB-2025-{n + 1:06d}")
    expected = list(License.objects.order_by("holder_name", "id").values_list("number", flat=True))

    # when
    seen, cursor, pages = [], "", 0
    while True:
        response = client.get(URL, {"q": "holder", "after": cursor})
        page = response.context["page"]
        seen += [license.number for license in page.object_list]
        pages += 1
        if not page.has_next:
            break
        assert f"after={quote(page.next_cursor, safe='/')}" in response.content.decode()
        cursor = page.next_cursor

    # then
    assert pages == 3
    assert seen == expected


def test_a_tampered_cursor_gives_the_first_page(client, barber):
    # given
    for n in range(25):
        _license(barber, f"Holder {n:02d}", f"BRB-2025-{n + 1:06d}")

    # when
    page = client.get(URL, {"q": "holder", "after": "not-a-cursor"}).context["page"]

    # then
    assert page.first is True
    assert page.object_list[0].holder_name == "Holder 00"


def test_the_lookup_runs_the_same_queries_however_many_match(
    client, barber, django_assert_num_queries
):
    # given
    for n in range(60):
        _license(barber, f"Pat Doe {n}", f"BRB-2025-{n + 1:06d}")

    # then: the form's list of types, the types named, the matching ids (in a savepoint with
    # two SET LOCAL), the page and its public disciplinary actions (or the type chosen, the
    # page, its actions); no COUNT
    with django_assert_num_queries(9):
        client.get(URL, {"q": "pat"})
    with django_assert_num_queries(4):
        client.get(URL, {"type": barber.pk})


def test_the_name_search_can_use_the_names_index(barber):
    # given
    _license(barber, "John Smith", "BRB-2025-000001")
    licenses = selectors.licenses_public_matching(query="smith")
    sql, params = licenses.query.sql_with_params()

    # when: with only bitmap scans allowed, as a large register makes the rare name's plan
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # then: the query's expression is the index's, so PostgreSQL can use it
    assert "licensing_license_fold_fts" in plan


def test_a_new_license_goes_into_the_names_index_at_once(barber):
    # given
    _license(barber, "John Smith", "BRB-2025-000001")

    # when: the pages of the names' index pending list, merged into the index now
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('licensing_license_fold_fts'::regclass)")
        pending_pages = cursor.fetchone()[0]

    # then: none, so no name search reads recent writes one by one until the next vacuum
    assert pending_pages == 0


def test_a_search_matching_too_many_asks_for_another_word(client, barber, monkeypatch):
    # given
    for n in range(6):
        _license(barber, f"Kim Lee {n}", f"BRB-2025-{n + 1:06d}")
    monkeypatch.setattr(selectors, "LOOKUP_MATCH_LIMIT", 5)

    # when
    broad = client.get(URL, {"q": "kim"})
    narrow = client.get(URL, {"q": "kim 3"})

    # then
    assert broad.context["page"].too_many is True
    assert list(broad.context["page"].object_list) == []
    assert "More than 5 licenses match." in broad.content.decode()
    assert [lic.holder_name for lic in narrow.context["page"].object_list] == ["Kim Lee 3"]


def test_only_searches_count_against_the_limit_and_a_refusal_says_when(client, settings, db):
    # given
    settings.LICENSING_LOOKUP_PER_MINUTE = 2

    # when
    bare = [client.get(URL).status_code for _ in range(3)]
    searches = [client.get(URL, {"q": "x"}) for _ in range(3)]

    # then
    assert bare == [200, 200, 200]
    assert [response.status_code for response in searches] == [200, 200, 429]
    assert searches[2]["Retry-After"] == "60"
    assert "Too many searches" in searches[2].content.decode()


def test_a_license_number_is_matched_by_number_alone(db):
    # given: a holder whose name begins like the number's prefix
    wanted = LicenseFactory(holder_name="Ada Wanted")
    LicenseFactory(holder_name=f"{wanted.number.split('-')[0]} Lookalike")

    # when
    matching = selectors.licenses_public_matching(query=wanted.number.lower())

    # then: the name index is not searched for the number's pieces
    assert list(matching) == [wanted]
    assert "to_tsvector" not in str(matching.query)


def test_names_match_whatever_accents_are_typed_or_stored(client, barber):
    # given
    _license(barber, "Chidi Okafor", "BRB-2025-000001")
    _license(barber, "José Núñez", "BRB-2025-000002", "Peluquería Núñez")

    # then
    assert _found(client, q="Okáfor") == ["BRB-2025-000001"]
    assert _found(client, q="OKAFOR") == ["BRB-2025-000001"]
    assert _found(client, q="jose nunez") == ["BRB-2025-000002"]
    assert _found(client, q="NÚÑEZ") == ["BRB-2025-000002"]
    assert _found(client, q="peluqueria") == ["BRB-2025-000002"]


def test_type_names_match_without_their_accents(client, db):
    # given
    hairdresser = LicenseTypeFactory(name="Licencia de peluquería", number_prefix="PEL")
    _license(hairdresser, "Ana Ruiz", "PEL-2025-000001")

    # then
    assert _found(client, q="peluqueria") == ["PEL-2025-000001"]


@pytest.mark.parametrize(
    "typed",
    [
        "ele2026000001",
        "ELE2026000001",
        "ele 2026 000001",
        " ELE-2026-000001 ",
        "ele \u2013 2026 \u2013 000001",  # en dashes, as a word processor types them
    ],
)
def test_a_license_number_is_found_without_its_dashes_or_capitals(client, db, typed):
    # given
    electrician = LicenseTypeFactory(name="Electrical contractor license", number_prefix="ELE")
    _license(electrician, "Ada Volt", "ELE-2026-000001")
    _license(electrician, "Ele Volt", "ELE-2026-000010")

    # then
    assert _found(client, q=typed) == ["ELE-2026-000001"]
