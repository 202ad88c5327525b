"""Reads with a rule: what a resident may see of licensing, and what the public may."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import SearchQuery
from django.core import signing
from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cases.models import CaseStatus
from cases.questions.models import Question
from licensing.models import (
    LOOKUP_SEARCH_VECTOR,
    Application,
    Complaint,
    DisciplinaryAction,
    License,
    LicenseType,
)
from portal.folding import fold_like_sql, folded_sql
from portal.localized import localized
from portal.search_terms import query_stems, stems_match, text_stems
from portal.services_catalogue import Searchable

# The heading of licensing's results in the portal's service search.
SERVICE_NAME = _("Licenses")


def _types_open() -> QuerySet[LicenseType]:
    """Types residents see: published (not a draft) and open for applications."""
    return LicenseType.objects.filter(active=True, published_at__isnull=False)


def license_types_open(*, query: str = "") -> list[LicenseType]:
    """Types open for applications, by category and name; with a query, those found by it
    as the service search finds them (name, category, description and keywords in English
    and Spanish, no case or accents, light stems: see portal.search_terms)."""
    types = sorted(
        _types_open(),
        key=lambda t: (localized(t, "category").casefold(), localized(t, "name").casefold()),
    )
    wanted = query_stems(query)
    if not wanted:
        return types
    return [
        license_type
        for license_type in types
        if stems_match(wanted, text_stems(_search_texts(license_type)))
    ]


def _search_texts(license_type: LicenseType) -> tuple[str, ...]:
    return (
        license_type.name,
        license_type.name_es,
        license_type.category,
        license_type.category_es,
        license_type.description,
        license_type.description_es,
        license_type.keywords,
        license_type.keywords_es,
    )


def license_types_searchable() -> list[Searchable]:
    """The types open for applications as the portal's service search finds them (by name,
    category, description and keywords in English and Spanish), in one query."""
    types = _types_open().only(
        "code",
        "name",
        "name_es",
        "category",
        "category_es",
        "description",
        "description_es",
        "keywords",
        "keywords_es",
    )
    return [
        Searchable(
            key=f"licensing.type.{license_type.code}",
            title=localized(license_type, "name"),
            description=localized(license_type, "description"),
            url=license_type.get_absolute_url(),
            service=SERVICE_NAME,
            texts=_search_texts(license_type),
        )
        for license_type in types.order_by("category", "name")
    ]


def license_type_open(*, code: str) -> LicenseType:
    try:
        return _types_open().prefetch_related("documents", "questions").get(code=code)
    except LicenseType.DoesNotExist:
        raise Http404("No such license type.") from None


def applications_of(*, user) -> QuerySet[Application]:
    """The user's own applications, newest first (drafts included)."""
    if not user.is_authenticated:
        return Application.objects.none()
    return (
        Application.objects.filter(applicant=user)
        .exclude(case__status=CaseStatus.CANCELLED)
        .select_related("case", "license_type")
        .order_by("-created_at")
    )


def application_draft_of(*, user, license_type) -> Application | None:
    """The user's application of `license_type` not yet sent nor discarded, if any: there is
    one at most (`licensing_application_one_draft_per_type`)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Application.objects.filter(
            applicant=user,
            license_type=license_type,
            kind=Application.Kind.NEW,
            paid_at__isnull=True,
            discarded_at__isnull=True,
        )
        .select_related("case", "license_type")
        .first()
    )


def is_discarded_draft_of(*, user, reference: str) -> bool:
    """Whether `reference` is a draft `user` discarded (its pages are gone)."""
    if not user.is_authenticated:
        return False
    return Application.objects.filter(
        applicant=user, case__reference=reference, discarded_at__isnull=False
    ).exists()


def application_for_applicant(*, user, reference: str) -> Application:
    """The user's own application by its reference; 404 for anyone else's."""
    try:
        return applications_of(user=user).get(case__reference=reference)
    except Application.DoesNotExist:
        raise Http404("No such application.") from None


def licenses_of(*, user) -> QuerySet[License]:
    if not user.is_authenticated:
        return License.objects.none()
    return License.objects.filter(holder=user).select_related("license_type")


def license_for_holder(*, user, number: str) -> License:
    try:
        return licenses_of(user=user).get(number=number)
    except License.DoesNotExist:
        raise Http404("No such license.") from None


def application_for_staff(*, application_id: int) -> Application:
    return (
        Application.objects.select_related("case", "license_type", "applicant", "invoice")
        .prefetch_related("supplied_documents__document", "supplied_documents__requirement")
        .get(pk=application_id)
    )


def questions_for(*, application: Application) -> list[Question]:
    """The questions this application asks: the type's first-application questions, or its
    renewal attestations for a renewal."""
    renewal = application.kind == Application.Kind.RENEWAL
    return list(
        Question.objects.filter(
            owner_type=license_type_content_type(),
            owner_id=application.license_type_id,
            for_renewal=renewal,
        ).select_related("condition_question")
    )


def license_type_content_type() -> ContentType:
    """The owner type of license types' questions and documents (cached by ContentType)."""
    return ContentType.objects.get_for_model(LicenseType)


# --- certificates and verification ---------------------------------------------------------


def license_for_certificate(*, user, number: str) -> License:
    """The license whose certificate `user` may download: their own, or any for staff whose
    role lets them view licensing's documents, who may view licenses and have two-factor
    authentication on (as in the back office); 404 else."""
    from allauth.mfa.utils import is_mfa_enabled

    from cases import permissions
    from licensing.workflow import LICENSE_APPLICATION

    if not user.is_authenticated:
        raise Http404("No such license.")
    licenses = License.objects.select_related("license_type")
    staff = (
        permissions.can(user, permissions.VIEW_DOCUMENTS, LICENSE_APPLICATION.department_code)
        and user.has_perm("licensing.view_license")
        and is_mfa_enabled(user)
    )
    if not staff:
        licenses = licenses.filter(holder=user)
    try:
        return licenses.get(number=number)
    except License.DoesNotExist:
        raise Http404("No such license.") from None


def public_actions_prefetch() -> Prefetch:
    """The public disciplinary actions of each license, newest first, as `public_actions`."""
    return Prefetch(
        "disciplinary_actions",
        queryset=DisciplinaryAction.objects.filter(public=True)
        .only("license_id", "kind", "starts_on", "ends_on", "public_summary")
        .order_by("-starts_on", "-id"),
        to_attr="public_actions",
    )


def license_public(*, number: str) -> License | None:
    """A license as the public lookup shows it (no contact details, no account), or None."""
    return _public_columns().filter(number=number).first()


# --- Renewals ------------------------------------------------------------------------------


def renewal_for_holder(*, user, reference: str) -> Application:
    """The user's own renewal by its reference; 404 for anyone else's."""
    try:
        return (
            Application.objects.select_related("case", "license_type", "renews", "invoice")
            .filter(applicant=user, kind=Application.Kind.RENEWAL)
            .get(case__reference=reference)
        )
    except Application.DoesNotExist:
        raise Http404("No such renewal.") from None


def license_timeline(*, license: License) -> list:
    """The license's own history (reminders, renewals, expiry, lapse, discipline), newest first."""
    return list(license.events.select_related("action").order_by("-created_at", "-id")[:50])


def renewals_of_license(*, license: License) -> QuerySet[Application]:
    return (
        Application.objects.filter(renews=license, kind=Application.Kind.RENEWAL)
        .exclude(case__status=CaseStatus.CANCELLED)
        .select_related("case")
        .order_by("-created_at")
    )


def complaints_of_license(*, license: License) -> QuerySet[Complaint]:
    """The complaints about `license`, for staff recording an action."""
    return Complaint.objects.filter(license=license).select_related("case").order_by("-created_at")


# --- Public lookup: the same bounded work per page, whatever the size of the register -------

LOOKUP_PAGE_SIZE = 20
# A search matching more licenses than this (ten pages) asks for another word instead of
# listing them: ordering an unbounded set of matches by name would cost in proportion to the
# register.
LOOKUP_MATCH_LIMIT = 200
_CURSOR_SALT = "licensing.lookup.cursor"


def _lookup_words(query: str) -> list[str]:
    """The words of a search, lower-cased and without accents (as the names' index holds
    them), each to match the start of a word of a name."""
    return re.findall(r"\w+", fold_like_sql(query))[:8]


def _public_columns() -> QuerySet[License]:
    """Only what the lookup shows: never the holder's e-mail, phone or account; with the
    public disciplinary actions (one more query per page)."""
    return (
        License.objects.select_related("license_type")
        .only(
            "number",
            "holder_name",
            "business_name",
            "status",
            "issued_on",
            "expires_on",
            "license_type__name",
        )
        .prefetch_related(public_actions_prefetch())
    )


# The shape of the numbers the portal issues (`reference_allocate`: PREFIX-YEAR-SEQUENCE),
# once spaces and dashes are taken out: people type "ele2026000001" or "ELE 2026 000001".
LICENSE_NUMBER = re.compile(r"([A-Z]{2,8})(\d{4})(\d{4,})")
# What people put between the pieces: spaces, hyphens, and the dashes word processors type.
_NUMBER_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_./]+")


def license_number_normalised(typed: str) -> str | None:
    """The license number `typed` stands for, as the portal stores it ("ele 2026 000001" ->
    "ELE-2026-000001"), or None if it does not look like one."""
    match = LICENSE_NUMBER.fullmatch(_NUMBER_SEPARATORS.sub("", typed).upper())
    if match is None:
        return None
    return "-".join(match.groups())


def licenses_public_matching(
    *, query: str, license_type_id: int | None = None
) -> QuerySet[License]:
    """Licenses matching `query` (and the type, if given), unordered.

    `query` matches a license number (portal, with or without its dashes, in any letter
    case; or legacy, exactly), the start of words of the holder's or business name, ignoring
    accents (every word typed must begin one: "jo smi" finds "John Smith"), or the name of a
    type. Each condition is served by an index: the numbers' btree indexes and the GIN index
    on the names' folded words, so no match costs a scan of the register.
    """
    query = query.strip()
    number = license_number_normalised(query)
    matches = Q(number=number or query.upper()) | Q(legacy_reference=query)
    licenses = License.objects.all()
    if number is not None:
        # A portal license number names one license: searching its pieces ("lic:*",
        # "2026:*") as name words would only read long posting lists of the name index.
        return licenses.filter(matches)
    words = _lookup_words(query)
    if words:
        licenses = licenses.alias(search_names=LOOKUP_SEARCH_VECTOR)
        tsquery = " & ".join(f"{word}:*" for word in words)
        matches |= Q(search_names=SearchQuery(tsquery, search_type="raw", config="simple"))
    # The few types whose name matches, as literal ids: a subquery in the OR would keep the
    # planner from combining the indexes and make it scan the whole register.
    type_ids = list(
        LicenseType.objects.alias(folded_name=Lower(folded_sql("name")))
        .filter(folded_name__contains=fold_like_sql(query))
        .values_list("pk", flat=True)[:50]
    )
    if type_ids:
        matches |= Q(license_type_id__in=type_ids)
    licenses = licenses.filter(matches)
    if license_type_id is not None:
        licenses = licenses.filter(license_type_id=license_type_id)
    return licenses


@dataclass
class LookupPage:
    """One page of lookup results and the cursor of the next (keyset pagination: no COUNT
    over the register, and page 50 costs what page 1 does). `too_many` says the search
    matched more than LOOKUP_MATCH_LIMIT licenses and none are listed."""

    object_list: list[License]
    next_cursor: str
    first: bool
    too_many: bool = False

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)


def licenses_public_page(
    *, query: str = "", license_type_id: int | None = None, cursor: str = ""
) -> LookupPage:
    """A page of the lookup, ordered by holder name then id, after `cursor` (the first page
    without one, or with a cursor that does not verify).

    With a text, the matches are found first (at most LOOKUP_MATCH_LIMIT + 1 ids, through the
    indexes), then the page is read among them. With only a type, the page is read straight
    from the (type, name, id) index. Either way a page is two or three bounded queries.
    """
    after = _cursor_load(cursor)
    licenses = _public_columns()
    if query.strip():
        ids = _matching_ids(query=query, license_type_id=license_type_id)
        if len(ids) > LOOKUP_MATCH_LIMIT:
            return LookupPage(object_list=[], next_cursor="", first=after is None, too_many=True)
        licenses = licenses.filter(id__in=ids)
    elif license_type_id is not None:
        licenses = licenses.filter(license_type_id=license_type_id)
    else:
        return LookupPage(object_list=[], next_cursor="", first=True)
    if after is not None:
        name, pk = after
        # The redundant >= lets the index start at the cursor instead of filtering from "A".
        licenses = licenses.filter(holder_name__gte=name).filter(
            Q(holder_name__gt=name) | Q(id__gt=pk)
        )
    rows = list(licenses.order_by("holder_name", "id")[: LOOKUP_PAGE_SIZE + 1])
    next_cursor = ""
    if len(rows) > LOOKUP_PAGE_SIZE:
        rows = rows[:LOOKUP_PAGE_SIZE]
        next_cursor = signing.dumps([rows[-1].holder_name, rows[-1].pk], salt=_CURSOR_SALT)
    return LookupPage(object_list=rows, next_cursor=next_cursor, first=after is None)


def _matching_ids(*, query: str, license_type_id: int | None) -> list[int]:
    """The ids of at most LOOKUP_MATCH_LIMIT + 1 matches, always through the indexes.

    With a LIMIT and a common word, PostgreSQL prefers reading the table in order until
    enough rows pass the filter, computing each row's words on the way: 100 ms and more at a
    million licenses, and a whole-table read when its estimate is wrong. Bitmap scans of the
    indexes cost what the matches cost, so sequential scans are priced out for this one
    statement (SET LOCAL ends with its transaction).
    """
    matching = licenses_public_matching(query=query, license_type_id=license_type_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        # No ORDER BY (the model's default would sort every match): any LIMIT + 1 will do.
        ids = matching.order_by().values_list("id", flat=True)[: LOOKUP_MATCH_LIMIT + 1]
        return list(ids)


def _cursor_load(cursor: str) -> tuple[str, int] | None:
    if not cursor:
        return None
    try:
        name, pk = signing.loads(cursor, salt=_CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(name, str) or not isinstance(pk, int):
        return None
    return name, pk
