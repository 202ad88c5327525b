"""The permit on a case: the property, the work, the contractor, the answers, and the plan
sheets with their versions.

A permit application is a `cases.Case` (kind "permit") plus this record; its status lives
on the case and moves only through `cases.services.transition`, called by the permits
services. The permit number, issue and expiry dates are set when the permit is issued.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel
from permits.models.types import PermitType


class ApplyStep(models.TextChoices):
    """The last page saved, so a resumed draft opens where the applicant stopped."""

    PROPERTY = "property", _("Property")
    WORK = "work", _("The work")
    CONTRACTOR = "contractor", _("Contractor")
    PLANS = "plans", _("Plans and documents")
    QUESTIONS = "questions", _("Questions")
    CHECK = "check", _("Check and pay")


class Permit(TimeStampedModel):
    """A permit application and, once issued, the permit itself."""

    Step = ApplyStep

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="permit")
    permit_type = models.ForeignKey(
        PermitType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="permits"
    )
    # The property.
    address = models.CharField(_("property address"), max_length=300, blank=True)
    parcel_number = models.CharField(_("parcel number"), max_length=40, blank=True)
    # The work.
    work_description = models.TextField(_("description of the work"), blank=True)
    valuation_cents = models.PositiveBigIntegerField(_("construction valuation"), default=0)
    square_feet = models.PositiveIntegerField(_("square footage"), null=True, blank=True)
    housing_units = models.PositiveSmallIntegerField(_("housing units"), default=0)
    # The contractor doing the work, checked against the portal's license register.
    contractor_license = models.ForeignKey(
        "licensing.License",
        verbose_name=_("contractor's license"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permits",
    )
    owner_builder = models.BooleanField(
        _("the owner does the work"),
        default=False,
        help_text=_("Only for types that do not require a licensed contractor."),
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # "Save and come back later" keeps a page whose values did not pass its checks here, as
    # typed, by page; an unchecked page stops the draft from being sent.
    typed = models.JSONField(_("values typed, not yet checked"), default=dict, blank=True)
    step = models.CharField(
        _("last page saved"), max_length=12, choices=ApplyStep.choices, default=ApplyStep.PROPERTY
    )
    # Fees: what was charged when applying (application fee and plan-review share), and the
    # whole permit fee by the type's schedule, quoted when the application was sent.
    application_fee_cents = models.PositiveIntegerField(_("application fee"), default=0)
    plan_review_fee_cents = models.PositiveIntegerField(_("plan-review fee"), default=0)
    permit_fee_cents = models.PositiveIntegerField(_("permit fee"), default=0)
    invoice = models.OneToOneField(
        "payments.Invoice",
        verbose_name=_("application invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permit_application",
    )
    paid_at = models.DateTimeField(_("application fee paid"), null=True, blank=True)
    discarded_at = models.DateTimeField(_("discarded"), null=True, blank=True)
    # The permit once issued.
    permit_number = models.CharField(
        _("permit number"), max_length=24, unique=True, null=True, blank=True
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    finaled_at = models.DateTimeField(_("finaled"), null=True, blank=True)

    class Meta:
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(invoice__isnull=False),
                name="permits_permit_paid_has_invoice",
            ),
            # Issued means numbered, dated and with an expiry after the issue.
            models.CheckConstraint(
                condition=Q(permit_number__isnull=True, issued_at__isnull=True)
                | Q(
                    permit_number__isnull=False,
                    issued_at__isnull=False,
                    expires_at__isnull=False,
                ),
                name="permits_permit_issued_numbered",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("issued_at")),
                name="permits_permit_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(finaled_at__isnull=True)
                | Q(issued_at__isnull=False, finaled_at__gte=F("issued_at")),
                name="permits_permit_finaled_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(permit_number=""), name="permits_permit_number_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(contractor_license__isnull=True) | Q(owner_builder=False),
                name="permits_permit_contractor_or_owner",
            ),
            models.CheckConstraint(
                condition=Q(step__in=ApplyStep.values), name="permits_permit_step"
            ),
        ]
        indexes = [
            models.Index(fields=["parcel_number"], name="permits_permit_parcel_idx"),
            models.Index(fields=["permit_type", "issued_at"], name="permits_permit_type_idx"),
        ]

    def __str__(self) -> str:
        return self.permit_number or f"{self.case.reference}: {self.permit_type}"

    def get_absolute_url(self) -> str:
        return reverse("permits:application", kwargs={"reference": self.case.reference})

    @property
    def applying_fee_cents(self) -> int:
        """What the applicant pays when applying: application fee and plan-review share."""
        return self.application_fee_cents + self.plan_review_fee_cents

    @property
    def remaining_fee_cents(self) -> int:
        """The permit fee still due at issue (the plan-review share was paid already)."""
        return max(self.permit_fee_cents - self.plan_review_fee_cents, 0)


def plan_sheet_path(sheet: PlanSheet, filename: str) -> str:
    # Never the uploaded name: it may say anything. The case reference groups a permit's
    # sheets; the version keeps every revision.
    day = timezone.now()
    return (
        f"permits/plans/{day:%Y/%m}/{sheet.permit.case.reference}/"
        f"{sheet.sheet_slug}-v{sheet.version}.pdf"
    )


class PlanSheet(models.Model):
    """One version of one plan sheet ("A1.0 Site plan", v2). A revised sheet is a new row with
    the next version; earlier versions stay for the record and the reviewers' comparison."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="plan_sheets")
    sheet = models.CharField(
        _("sheet number"),
        max_length=20,
        help_text=_("As printed in the title block, for example A1.0 or E-2."),
    )
    title = models.CharField(_("sheet title"), max_length=150, blank=True)
    file = models.FileField(_("file (PDF)"), upload_to=plan_sheet_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    page_count = models.PositiveIntegerField(_("pages"), default=1)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    # The review round the version was uploaded for (1: with the application).
    review_round = models.PositiveSmallIntegerField(_("review round"), default=1)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Withdrawn from a draft before it was sent (never after: sent sheets are the record).
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan sheet")
        verbose_name_plural = _("plan sheets")
        ordering = ["permit", "sheet", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["permit", "sheet", "version"], name="permits_plan_sheet_version_once"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="permits_plan_sheet_version"),
            models.CheckConstraint(
                condition=Q(review_round__gte=1), name="permits_plan_sheet_round"
            ),
            models.CheckConstraint(condition=~Q(sheet=""), name="permits_plan_sheet_named"),
            models.CheckConstraint(
                condition=Q(size_bytes__gt=0), name="permits_plan_sheet_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sheet} v{self.version}"

    @property
    def sheet_slug(self) -> str:
        from django.utils.text import slugify

        return slugify(self.sheet) or "sheet"


class PermitDocument(models.Model):
    """Which uploaded case document answers which of the permit type's required documents."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="supplied_documents")
    requirement = models.ForeignKey(
        "cases.DocumentRequirement", on_delete=models.PROTECT, related_name="permit_supplied"
    )
    document = models.OneToOneField(
        "cases.CaseDocument", on_delete=models.PROTECT, related_name="permit_requirement"
    )

    class Meta:
        verbose_name = _("supplied document")
        verbose_name_plural = _("supplied documents")
        ordering = ["requirement__order", "id"]

    def __str__(self) -> str:
        return f"{self.requirement}: {self.document}"
