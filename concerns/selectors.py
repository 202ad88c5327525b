"""Reads of the concerns app, each with its rule.

Public reads never carry personal data: the reporter (account, name, e-mail, phone) and the
followers are not selected for them, and templates and the API get reports only from here.
"""

from __future__ import annotations

import datetime
import math
import uuid
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Case as When_
from django.db.models import IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import permissions
from cases.areas.locating import zip_code_in
from cases.models import CaseStatus, Department, SubmissionKey
from cases.participants import Participant, is_participant
from cases.participation import FOLLOWER
from cases.questions.models import Question
from cases.selectors import overdue_filter
from cases.tokens import case_for_link, participant_id_from_confirm_token
from concerns import attributes
from concerns.geo import bounding_box, distance_expression
from concerns.models import (
    CannedResponse,
    ConcernCategory,
    ConcernPhoto,
    ConcernReport,
    Open311ApiKey,
)
from concerns.workflow import KIND
from portal.localized import localized
from portal.search_terms import query_stems, stems_match, text_stems
from portal.services_catalogue import Searchable

# The heading of the concerns' results in the portal's service search.
SERVICE_NAME = _("Problems in public places")


def categories_open() -> QuerySet[ConcernCategory]:
    """Categories residents see: active and published (a draft is seen only in the admin
    and its preview)."""
    return ConcernCategory.objects.filter(active=True, published_at__isnull=False)


def categories_active() -> QuerySet[ConcernCategory]:
    """Categories residents may report in (`categories_open`), by group and order, with
    their questions."""
    return categories_open().prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("order", "id"))
    )


# A category's texts a resident reads, each with its Spanish (`<field>_es`).
TRANSLATED_FIELDS = ("name", "name_es", "group", "group_es", "description", "description_es")


def category_search_texts(category: ConcernCategory) -> tuple[str, ...]:
    """What a category is found by: its name, group, description and keywords in English
    and Spanish."""
    return (
        category.name,
        category.name_es,
        category.group,
        category.group_es,
        category.description,
        category.description_es,
        category.keywords,
        category.keywords_es,
    )


def categories_matching(query: str) -> list[ConcernCategory]:
    """Active categories found by `query` in English or Spanish, whatever the page's language
    (see portal.search_terms: no case, no accents, light stems: "baches" finds "bache")."""
    categories = list(categories_active())
    wanted = query_stems(query or "")
    if not wanted:
        return categories
    return [
        category
        for category in categories
        if stems_match(wanted, text_stems(category_search_texts(category)))
    ]


def categories_searchable() -> list[Searchable]:
    """The active categories as the portal's service search finds them (see
    category_search_texts), each linking to its report form, in one query."""
    categories = categories_open().only("code", *TRANSLATED_FIELDS, "keywords", "keywords_es")
    return [
        Searchable(
            key=f"concerns.category.{category.code}",
            title=localized(category, "name"),
            description=localized(category, "description"),
            url=reverse("concerns:report_location", args=[category.code]),
            service=SERVICE_NAME,
            texts=category_search_texts(category),
        )
        for category in categories.order_by("group", "order", "name")
    ]


def category_for_reporting(*, code: str) -> ConcernCategory:
    """The active category `code`; Http404 if there is none."""
    if not _storable(code):
        raise Http404
    category = categories_active().filter(code=code).first()
    if category is None:
        raise Http404
    return category


def _public_reports() -> QuerySet[ConcernReport]:
    # Only the case columns the public may see: no applicant, guest or assignee.
    return ConcernReport.objects.select_related("case", "category", "duplicate_of__case").only(
        *[
            f.name
            for f in ConcernReport._meta.concrete_fields
            if f.name not in ("device_id", "account_id", "rating_comment")
        ],
        "case__reference",
        "case__kind",
        "case__status",
        "case__due_date",
        "case__submitted_at",
        "case__closed_at",
        "case__created_at",
        "case__updated_at",
        "case__department",
        "category__code",
        "category__name",
        "category__group",
        "duplicate_of__case__reference",
    )


def reports_public(
    *,
    category: ConcernCategory | None = None,
    status: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[ConcernReport]:
    """Reports anybody may see, newest first; `status` is "open" or "closed"."""
    reports = _public_reports()
    if category is not None:
        reports = reports.filter(category=category)
    if status == "open":
        reports = reports.filter(case__closed_at__isnull=True)
    elif status == "closed":
        reports = reports.filter(case__closed_at__isnull=False)
    tz = timezone.get_current_timezone()
    if date_from is not None:
        start = datetime.datetime.combine(date_from, datetime.time(), tzinfo=tz)
        reports = reports.filter(requested_at__gte=start)
    if date_to is not None:
        end = datetime.datetime.combine(
            date_to + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
        )
        reports = reports.filter(requested_at__lt=end)
    return reports.order_by("-requested_at", "-id")


def _storable(value: str) -> bool:
    """PostgreSQL refuses NUL in text, even in a WHERE clause: such a key matches nothing."""
    return "\x00" not in value


def report_public(*, reference: str) -> ConcernReport:
    """One report for its public page; Http404 if there is no such report."""
    if not _storable(reference):
        raise Http404
    report = _public_reports().filter(case__reference=reference).first()
    if report is None:
        raise Http404
    return report


def report_for_submission(*, category, submission: str) -> ConcernReport | None:
    """The report a form of `category` with this `submission` key sent already, if any
    (None for a key that is not one): the key is claimed for the report's case in the shared
    table (`cases.SubmissionKey`)."""
    try:
        key = uuid.UUID(str(submission))
    except ValueError:
        return None
    claimed_for = SubmissionKey.objects.filter(key=key).values("case_id")
    return (
        ConcernReport.objects.select_related("case")
        .filter(category=category, case_id__in=claimed_for)
        .first()
    )


def report_for_guest_token(*, token: str) -> ConcernReport:
    """The guest's own report a view link opens. Raises cases.links.LinkError if the link
    is forged, expired or revoked, or the report belongs to an account; Http404 if the link
    is to a case that is not a report."""
    case = case_for_link(token=token)
    report = ConcernReport.objects.select_related("case", "category").filter(case=case).first()
    if report is None:
        raise Http404
    return report


def follower_for_confirm_token(*, token: str) -> Participant:
    """The follower a confirmation link names (a participant of a report's case in the
    follower role); Http404 if the link is forged or expired, or the follower is gone
    (unfollowed, or replaced by a newer request). The token is the case engine's
    participant confirmation (cases.tokens), which reads the links concerns signed before
    too. Links sent before followers became participants name the same id (the migration
    kept them), so they still work."""
    try:
        follower_id = participant_id_from_confirm_token(token)
    except signing.BadSignature:
        raise Http404 from None
    follower = (
        Participant.objects.select_related("case__concern__category", "user")
        .filter(pk=follower_id, role=FOLLOWER, case__kind=KIND)
        .first()
    )
    if follower is None:
        raise Http404
    return follower


def is_reporter(*, report: ConcernReport, user) -> bool:
    """Whether `user` made `report` while signed in."""
    return bool(
        user is not None
        and user.is_authenticated
        and report.case.applicant_id is not None
        and report.case.applicant_id == user.pk
    )


def is_following(*, report: ConcernReport, user) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return is_participant(case=report.case, user=user, role=FOLLOWER)


def photos_public(*, report: ConcernReport) -> QuerySet[ConcernPhoto]:
    return ConcernPhoto.objects.filter(report=report, public=True).order_by("position")


def photo_public(*, reference: str, position: int) -> ConcernPhoto:
    if not _storable(reference):
        raise Http404
    photo = (
        ConcernPhoto.objects.select_related("report__case")
        .filter(report__case__reference=reference, position=position, public=True)
        .first()
    )
    if photo is None:
        raise Http404
    return photo


def nearby_open_reports(
    *,
    category: ConcernCategory,
    latitude: Decimal | float,
    longitude: Decimal | float,
    radius_m: float | None = None,
    limit: int = 5,
) -> list[ConcernReport]:
    """Open reports of `category` within `radius_m` (default CONCERNS_DUPLICATE_RADIUS_M) of
    the point, nearest first, each with `distance_m`.

    One query: the bounding box is served by the (category, latitude, longitude) index; the
    exact distance is computed in SQL on the few rows left.
    """
    radius = float(radius_m if radius_m is not None else settings.CONCERNS_DUPLICATE_RADIUS_M)
    lat, lon = float(latitude), float(longitude)
    south, west, north, east = bounding_box(lat, lon, radius)
    return list(
        _public_reports()
        .filter(
            category=category,
            latitude__gte=Decimal(f"{south:.6f}"),
            latitude__lte=Decimal(f"{north:.6f}"),
            longitude__gte=Decimal(f"{west:.6f}"),
            longitude__lte=Decimal(f"{east:.6f}"),
            case__closed_at__isnull=True,
        )
        .annotate(distance_m=distance_expression(lat, lon))
        .filter(distance_m__lte=radius)
        .order_by("distance_m", "-requested_at")[:limit]
    )


def open_reports_at_address(
    *, category: ConcernCategory, address: str, limit: int = 5
) -> list[ConcernReport]:
    """Open reports of `category` at the same typed address (ignoring case and spaces):
    the duplicate check for reports without a point on the map."""
    normalized = " ".join((address or "").split())
    if not normalized:
        return []
    return list(
        _public_reports()
        .filter(category=category, address__iexact=normalized, case__closed_at__isnull=True)
        .order_by("-requested_at")[:limit]
    )


def triage_queue(*, user) -> QuerySet[ConcernReport]:
    """The reports `user`'s staff roles reach (cases/permissions.py): new first, then
    overdue, then by due date. Empty for anybody who is not staff."""
    if not permissions.is_active_staff(user):
        return ConcernReport.objects.none()
    return (
        ConcernReport.objects.filter(permissions.case_scope(user, prefix="case__"))
        .select_related("case", "case__assignee", "case__department", "category")
        .annotate(
            triage_rank=When_(
                When(case__status__in=[CaseStatus.SUBMITTED, CaseStatus.REOPENED], then=Value(0)),
                When(overdue_filter(prefix="case__"), then=Value(1)),
                When(case__closed_at__isnull=True, then=Value(2)),
                default=Value(3),
                output_field=IntegerField(),
            )
        )
        .order_by("triage_rank", "case__due_date", "requested_at")
    )


def canned_responses() -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(active=True).order_by("order", "title")


def api_key_active(*, digest: str) -> Open311ApiKey | None:
    """The unrevoked API key with this SHA-256 digest, if any (a hex digest has no NUL)."""
    return Open311ApiKey.objects.filter(key_hash=digest, revoked_at__isnull=True).first()


def report_for_api_token(*, token: str) -> ConcernReport | None:
    if not _storable(token):
        return None
    try:
        return _public_reports().filter(token=token).first()
    except ValidationError:  # not a UUID
        return None


def department_names() -> dict[int, str]:
    return dict(Department.objects.values_list("pk", "name"))


def reports_for_open311(
    *,
    references: Iterable[str] = (),
    service_codes: Iterable[str] = (),
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    statuses: Iterable[str] = (),
    limit: int,
) -> list[ConcernReport]:
    """The service requests an Open311 GET returns, newest first, at most `limit`, each with
    the ZIP code ending its address (`zip_code`, None for none), read as the case engine reads
    it to place a case in an area.

    With `references`, only those (the other filters do not apply, as the spec says).
    """
    references = [reference for reference in references if _storable(reference)]
    service_codes = [code for code in service_codes if _storable(code)]
    first_photo = (
        ConcernPhoto.objects.filter(report=OuterRef("pk"), public=True)
        .order_by("position")
        .values("position")[:1]
    )
    reports = _public_reports().annotate(
        first_photo_position=Subquery(first_photo), zip_code=zip_code_in("address")
    )
    if references:
        return list(reports.filter(case__reference__in=references).order_by("-requested_at"))
    if service_codes:
        reports = reports.filter(category__code__in=service_codes)
    if start is not None:
        reports = reports.filter(requested_at__gte=start)
    if end is not None:
        reports = reports.filter(requested_at__lte=end)
    statuses = set(statuses)
    if statuses == {"open"}:
        reports = reports.filter(case__closed_at__isnull=True)
    elif statuses == {"closed"}:
        reports = reports.filter(case__closed_at__isnull=False)
    return list(reports.order_by("-requested_at", "-id")[:limit])


def report_answers(*, report: ConcernReport) -> list[tuple[str, str]]:
    """The answers to the category's questions as (question, answer) in the question order,
    list answers by their names."""
    answers = report.attributes or {}
    rows = []
    for question in report.category.questions.order_by("order", "id"):
        if question.code not in answers:
            continue
        value = answers[question.code]
        names = dict(attributes.values(question))
        values = value if isinstance(value, list) else [value]
        rows.append((localized(question, "label"), ", ".join(names.get(v, str(v)) for v in values)))
    return rows


# A day's reports for one person: more than this is not a day's route.
FIELD_DAY_LIMIT = 100


def _field_reports(*, user) -> QuerySet[ConcernReport]:
    """Reports assigned to `user` on cases their staff roles let them work (move)."""
    if not permissions.is_active_staff(user):
        return ConcernReport.objects.none()
    return ConcernReport.objects.filter(
        permissions.case_scope(user, permissions.MOVE, prefix="case__"),
        case__kind=KIND,
        case__assignee=user.pk,
    ).select_related("case", "category")


def field_day(*, user) -> list[ConcernReport]:
    """The open reports assigned to `user`, in route order (`route_order`)."""
    reports = (
        _field_reports(user=user)
        .filter(case__closed_at__isnull=True)
        .order_by("case__due_date", "requested_at", "pk")[:FIELD_DAY_LIMIT]
    )
    return route_order(list(reports))


def route_order(reports: list[ConcernReport]) -> list[ConcernReport]:
    """`reports` (most urgent first) as a route: from the most urgent, each next stop is the
    nearest one not yet visited; reports without a point follow, most urgent first.

    Nearest neighbour is not the shortest route, but it is predictable for the person
    walking it, needs no routing service, and keeps the most urgent report first. Distances
    are on a flat projection (cosine of the latitude), close enough across a town.
    """
    placed = [r for r in reports if r.latitude is not None and r.longitude is not None]
    unplaced = [r for r in reports if r.latitude is None or r.longitude is None]
    if not placed:
        return unplaced
    route = [placed.pop(0)]
    while placed:
        here = route[-1]
        scale = math.cos(math.radians(float(here.latitude)))

        def distance(report, here=here, scale=scale) -> float:
            north = float(report.latitude) - float(here.latitude)
            east = (float(report.longitude) - float(here.longitude)) * scale
            return north * north + east * east

        nearest = min(placed, key=distance)
        placed.remove(nearest)
        route.append(nearest)
    return route + unplaced


def field_report(*, user, pk: int) -> ConcernReport:
    """One report assigned to `user` that they may work, open or closed (a result sent again
    after it closed the report must still find it). Raises ConcernReport.DoesNotExist."""
    return _field_reports(user=user).get(pk=pk)


def may_work_field_day(user) -> bool:
    """True for staff whose roles let them work concern reports somewhere."""
    if not permissions.is_active_staff(user):
        return False
    return user.is_superuser or any(
        role in permissions.ROLES[permissions.MOVE]
        for _department, role in permissions.grants(user)
    )


def field_answered_keys(*, user) -> list[str]:
    """The result keys recorded in the last two days on reports assigned to `user`: the day's
    page shows them so a phone drops the results it kept for them (portal/offline.py)."""
    since = timezone.now() - datetime.timedelta(days=2)
    return [
        str(key)
        for key in SubmissionKey.objects.filter(
            case__assignee=user.pk, case__kind=KIND, created_at__gte=since
        ).values_list("key", flat=True)
    ]
