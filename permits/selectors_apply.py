"""Reads of the applying journey, each scoped to what the reader may see: published types
open for applications, and an applicant's own permits only (another's reference is a 404)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from permits.models import Permit, PermitType, PlanSheet


def permit_types_open() -> QuerySet[PermitType]:
    """Published types open for applications, in the order residents read them."""
    return PermitType.objects.filter(active=True, published_at__isnull=False).order_by(
        "category", "name"
    )


def permit_type_open(*, code: str) -> PermitType:
    try:
        return (
            permit_types_open()
            .prefetch_related("review_departments__department", "inspection_steps")
            .get(code=code)
        )
    except PermitType.DoesNotExist:
        raise Http404("No such permit type.") from None


def permits_of(*, user) -> QuerySet[Permit]:
    """The user's own permit applications (none for an anonymous visitor), newest first."""
    if not user.is_authenticated:
        return Permit.objects.none()
    return (
        Permit.objects.filter(case__applicant=user, discarded_at__isnull=True)
        .select_related("case", "permit_type", "contractor_license", "invoice")
        .order_by("-created_at", "-pk")
    )


def permit_for_applicant(*, user, reference: str) -> Permit:
    """The user's own permit by its case reference, with its current sheets; 404 for
    anyone else's."""
    sheets = PlanSheet.objects.filter(removed_at=None).order_by("sheet", "version")
    try:
        return (
            permits_of(user=user)
            .select_related("contractor_license__license_type")
            .prefetch_related(Prefetch("plan_sheets", queryset=sheets))
            .get(case__reference=reference)
        )
    except Permit.DoesNotExist:
        raise Http404("No such permit application.") from None


def is_discarded_draft_of(*, user, reference: str) -> bool:
    """Whether `reference` is a draft `user` discarded (never anyone else's)."""
    return (
        user.is_authenticated
        and Permit.objects.filter(
            case__reference=reference, case__applicant=user, discarded_at__isnull=False
        ).exists()
    )


def drafts_of_type(*, user, permit_type: PermitType) -> list[Permit]:
    """The user's unsent drafts of a type, to resume from the type's page."""
    return list(
        permits_of(user=user).filter(permit_type=permit_type, case__status="draft", paid_at=None)
    )


def plan_sheet_for_applicant(*, user, reference: str, sheet_id: int) -> PlanSheet:
    try:
        return PlanSheet.objects.select_related("permit__case").get(
            pk=sheet_id,
            permit__case__reference=reference,
            permit__case__applicant=user,
            permit__discarded_at__isnull=True,
        )
    except PlanSheet.DoesNotExist:
        raise Http404("No such plan sheet.") from None
