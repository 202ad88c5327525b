"""What anyone may read of permits, without signing in: the public permit page, the public
search and the open data's rows.

A public register shows the permit, not the people: number, property, work, status, the
reviews' state and the inspections' results, and the contractor's license (as the license
lookup shows it). Never the applicant's name, e-mail address or phone, nor the answers to
the application's questions, nor staff's names: every read here names its columns, so a
field added to the permit later stays private until someone adds it here.

A permit is public once its application was sent (`Case.submitted_at`): a draft is nobody's
business but its author's.

The search does the same bounded work per page whatever the size of the register (see
`permits_public_page`); tests/perf/test_permits_search.py holds it to that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core import signing
from django.db import connection, transaction
from django.db.models import Q, QuerySet

from cases.models import Case
from cases.selectors import published_timeline
from cases.work_items import WorkItem
from licensing.models import LOOKUP_SEARCH_VECTOR, License
from licensing.selectors import license_number_normalised
from permits.models import Inspection, Permit
from permits.workflow import KIND
from portal.folding import fold_like_sql, folded_sql

SEARCH_PAGE_SIZE = 20
# A text search matching more permits than this asks for another word instead of listing
# them: ordering an unbounded set of matches would cost in proportion to the register.
SEARCH_MATCH_LIMIT = 200
# Contractors whose name matches a search: more than this and the name is too common to
# list their permits (the search asks for the license number or an address).
CONTRACTOR_MATCH_LIMIT = 20
_CURSOR_SALT = "permits.search.cursor"

# Words of the property address, as the search matches them (prefixes of words, any letter
# case, without accents). The index of migration 0002's kind (`permits_permit_address_fts`)
# is built on this same expression; tests/permits/test_public_search.py checks the planner
# uses it.
ADDRESS_SEARCH_VECTOR = SearchVector(folded_sql("address"), config="simple")

# The shape of the numbers the portal issues and of its case references
# (PREFIX-YEAR-SEQUENCE), once spaces and dashes are taken out.
_NUMBER = re.compile(r"[A-Z]{2,8}\d{4}\d{4,}")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_./]+")


def _public() -> QuerySet[Permit]:
    """Sent permits, with only what the public register shows."""
    return (
        Permit.objects.filter(case__kind=KIND, case__submitted_at__isnull=False)
        .select_related("case", "permit_type", "contractor_license")
        .only(
            "id",
            "address",
            "parcel_number",
            "work_description",
            "valuation_cents",
            "square_feet",
            "housing_units",
            "permit_number",
            "issued_at",
            "expires_at",
            "finaled_at",
            "case__reference",
            "case__kind",
            "case__status",
            "case__submitted_at",
            "case__closed_at",
            "permit_type__name",
            "permit_type__name_es",
            "permit_type__category",
            "permit_type__work_class",
            "contractor_license__number",
            "contractor_license__business_name",
            "contractor_license__holder_name",
        )
    )


# --- One permit -----------------------------------------------------------------------------


def permit_public(*, reference: str) -> Permit | None:
    """The sent permit whose case reference or permit number is `reference` (in any letter
    case, with or without its dashes), or None."""
    number = _number_normalised(reference)
    if number is None:
        return None
    case_id = Case.objects.filter(reference=number, kind=KIND).values_list("id", flat=True)
    return _public().filter(Q(permit_number=number) | Q(case_id__in=list(case_id))).first()


@dataclass
class PublicReview:
    department: str
    round: int
    outcome: str  # "" while the review is open; else WorkItemOutcome
    decision: str = ""  # permits.models.reviews.ReviewDecision, once decided


def reviews_public(*, permit: Permit) -> list[PublicReview]:
    """The reviews of the permit's latest round, one per department: which department, and
    whether it is still reviewing or has approved or asked for changes. Never the reviewer
    nor their notes (the correction letter goes to the applicant, not the public)."""
    items = list(
        WorkItem.objects.filter(case_id=permit.case_id)
        .order_by("-round", "department__name")
        .values_list("department__name", "round", "outcome", "plan_review__decision")
    )
    if not items:
        return []
    latest = items[0][1]
    return [
        PublicReview(department=name, round=number, outcome=outcome, decision=decision or "")
        for name, number, outcome, decision in items
        if number == latest
    ]


def inspections_public(*, permit: Permit) -> list[Inspection]:
    """The permit's inspections in the order of their days: which inspection, the day, and
    its result once recorded. Never the inspector, the booker, nor the inspector's notes."""
    return list(
        Inspection.objects.filter(permit_id=permit.pk)
        .select_related("step")
        .only("day", "period", "status", "result", "step__name", "step__name_es")
        .order_by("day", "period", "id")
    )


def permit_public_timeline(*, permit: Permit) -> QuerySet:
    """The permit's published status history, oldest first (no messages, documents,
    payments or notes: the engine never publishes them)."""
    return published_timeline(case=permit.case)


# --- The search -----------------------------------------------------------------------------


@dataclass
class SearchPage:
    """One page of search results and the cursor of the next (keyset pagination: no COUNT
    and no OFFSET, so page 50 costs what page 1 does). `too_many` says a text search matched
    more than SEARCH_MATCH_LIMIT permits and none are listed."""

    object_list: list[Permit] = field(default_factory=list)
    next_cursor: str = ""
    first: bool = True
    too_many: bool = False

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)


def _number_normalised(typed: str) -> str | None:
    """The permit number, case reference or license number `typed` stands for, as the
    portal stores them ("bld 2026 000001" -> "BLD-2026-000001"), or None."""
    compact = _SEPARATORS.sub("", typed or "").upper()
    if not _NUMBER.fullmatch(compact):
        return None
    return license_number_normalised(compact)


def _search_words(query: str) -> list[str]:
    """The words of a search, folded as the address index holds them, at most eight."""
    return re.findall(r"\w+", fold_like_sql(query))[:8]


def _cursor_load(cursor: str) -> int | None:
    if not cursor:
        return None
    try:
        after = signing.loads(cursor, salt=_CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return after if isinstance(after, int) and not isinstance(after, bool) else None


def _page(permits: QuerySet[Permit], *, after: int | None) -> SearchPage:
    """The next SEARCH_PAGE_SIZE permits of `permits`, newest first, after the permit `after`."""
    if after is not None:
        permits = permits.filter(id__lt=after)
    rows = list(permits.order_by("-id")[: SEARCH_PAGE_SIZE + 1])
    next_cursor = ""
    if len(rows) > SEARCH_PAGE_SIZE:
        rows = rows[:SEARCH_PAGE_SIZE]
        next_cursor = signing.dumps(rows[-1].pk, salt=_CURSOR_SALT)
    return SearchPage(object_list=rows, next_cursor=next_cursor, first=after is None)


def permits_public_page(*, query: str, cursor: str = "") -> SearchPage:
    """A page of the public search for `query`: a permit number or case reference (that
    permit), a contractor's license number (their permits), or words of the property
    address or of the contractor's name (the start of each word: "12 ma" finds
    "12 Main Street").

    Every path is a fixed number of bounded queries served by an index: the numbers' unique
    indexes, (contractor, id) for a contractor's permits newest first, the address words'
    GIN index and the license register's names index. A text search reads at most
    SEARCH_MATCH_LIMIT + 1 ids before listing a page among them.
    """
    query = (query or "").strip()[:200]
    after = _cursor_load(cursor)
    number = _number_normalised(query)
    if number is not None:
        return _page(_public().filter(_number_matches(number)), after=after)
    words = _search_words(query)
    if not words:
        return SearchPage()
    ids = _matching_ids(words)
    if ids is None:
        return SearchPage(first=after is None, too_many=True)
    return _page(_public().filter(id__in=ids), after=after)


def _number_matches(number: str) -> Q:
    """The permits `number` names: the permit of that number or case reference, else the
    permits of the contractor holding the license of that number (read newest first from
    the (contractor, id) index: a busy contractor's thousands of permits are never sorted).
    Three lookups on unique indexes, whichever it is."""
    permit_ids = list(Permit.objects.filter(permit_number=number).values_list("id", flat=True))
    case_ids = list(Case.objects.filter(reference=number, kind=KIND).values_list("id", flat=True))
    license_ids = list(License.objects.filter(number=number).values_list("id", flat=True))
    if permit_ids or case_ids:
        return Q(id__in=permit_ids) | Q(case_id__in=case_ids)
    if license_ids:
        return Q(contractor_license_id=license_ids[0])
    return Q(pk__in=[])


def _matching_ids(words: list[str]) -> list[int] | None:
    """The ids of the permits whose address, or whose contractor's name, has a word starting
    with each of `words`; None if more than SEARCH_MATCH_LIMIT match. A name shared by more
    than CONTRACTOR_MATCH_LIMIT license holders is not a contractor's: only addresses count.

    As in the license lookup (licensing.selectors._matching_ids): with a LIMIT and a common
    word PostgreSQL prefers reading the table in order, computing each row's words, so the
    sequential and plain index scans are priced out for this one statement, leaving the
    bitmap scans of the indexes, which cost what the matches cost.
    """
    tsquery = " & ".join(f"{word}:*" for word in words)
    search = SearchQuery(tsquery, search_type="raw", config="simple")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        contractors = list(
            License.objects.alias(search_names=LOOKUP_SEARCH_VECTOR)
            .filter(search_names=search)
            .order_by()
            .values_list("id", flat=True)[: CONTRACTOR_MATCH_LIMIT + 1]
        )
        matches = Q(search_address=search)
        if 0 < len(contractors) <= CONTRACTOR_MATCH_LIMIT:
            matches |= Q(contractor_license_id__in=contractors)
        ids = list(
            Permit.objects.alias(search_address=ADDRESS_SEARCH_VECTOR)
            .filter(matches)
            .order_by()
            .values_list("id", flat=True)[: SEARCH_MATCH_LIMIT + 1]
        )
    if len(ids) > SEARCH_MATCH_LIMIT:
        return None
    return ids
