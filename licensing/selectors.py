"""Reads with a rule: what a resident may see of licensing, and what the public may."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from cases.models import CaseStatus
from licensing.models import (
    Application,
    Complaint,
    DisciplinaryAction,
    License,
    LicenseType,
    Question,
)


def license_types_open(*, query: str = "") -> QuerySet[LicenseType]:
    """Types open for applications, optionally those whose name, category or text match."""
    types = LicenseType.objects.filter(active=True)
    for word in query.split():
        types = types.filter(
            Q(name__icontains=word) | Q(category__icontains=word) | Q(description__icontains=word)
        )
    return types.order_by("category", "name")


def license_type_open(*, code: str) -> LicenseType:
    try:
        return LicenseType.objects.prefetch_related("documents", "questions").get(
            code=code, active=True
        )
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
            license_type_id=application.license_type_id, for_renewal=renewal
        ).select_related("condition_question")
    )


def licenses_public_search(*, query: str = "") -> QuerySet[License]:
    """Licenses the public lookup shows for `query` (holder, business, number or type).

    Only public columns are read: never the holder's e-mail or account.
    """
    licenses = License.objects.select_related("license_type").only(
        "number",
        "holder_name",
        "business_name",
        "status",
        "issued_on",
        "expires_on",
        "license_type__name",
    )
    query = query.strip()
    if query:
        licenses = licenses.filter(
            Q(number__iexact=query)
            | Q(holder_name__icontains=query)
            | Q(business_name__icontains=query)
            | Q(license_type__name__icontains=query)
        )
    licenses = licenses.prefetch_related(public_actions_prefetch())
    return licenses.order_by("holder_name", "number")


# --- certificates and verification ---------------------------------------------------------


def license_for_certificate(*, user, number: str) -> License:
    """The license whose certificate `user` may download: their own, or any for staff who may
    view licenses and have two-factor authentication on (as in the back office); 404 else."""
    from allauth.mfa.utils import is_mfa_enabled

    if not user.is_authenticated:
        raise Http404("No such license.")
    licenses = License.objects.select_related("license_type")
    staff = (
        user.is_active
        and user.is_staff
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
    return (
        License.objects.select_related("license_type")
        .prefetch_related(public_actions_prefetch())
        .only(
            "number",
            "holder_name",
            "business_name",
            "status",
            "issued_on",
            "expires_on",
            "license_type__name",
        )
        .filter(number=number)
        .first()
    )


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
    """The license's own history (reminders, renewals, expiry, lapse), newest first."""
    return list(license.events.order_by("-created_at", "-id")[:50])


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
