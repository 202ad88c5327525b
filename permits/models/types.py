"""Permit types as data an administrator enters: what residents read, which departments
review the plans, the fee schedule, the inspections required in order, the contractor rule
and how long an issued permit stays valid.

Fee amounts are integer cents (typed in dollars in the admin); `permits.fees` computes a
permit's fees from these rows. Categories and inspection kinds carry the Building & Land
Development Specification (BLDS v1.2) mapped values, so the open data needs no lookup table.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel
from payments.money import format_cents
from permits.inspection_rules import PERIOD_MINUTES


class PermitCategory(models.TextChoices):
    """BLDS `PermitTypeMapped` (plus "other" for a sign, a tent...)."""

    BUILDING = "building", _("Building")
    DEMOLITION = "demolition", _("Demolition")
    ELECTRICAL = "electrical", _("Electrical")
    MECHANICAL = "mechanical", _("Mechanical")
    PLUMBING = "plumbing", _("Plumbing")
    ROOF = "roof", _("Roof")
    FENCE = "fence", _("Fence")
    GRADING = "grading", _("Grading")
    POOL_SPA = "pool_spa", _("Pool or spa")
    OTHER = "other", _("Other")


# The BLDS spelling of each category, for the open data.
BLDS_PERMIT_TYPE = {
    PermitCategory.BUILDING: "Building",
    PermitCategory.DEMOLITION: "Demolition",
    PermitCategory.ELECTRICAL: "Electrical",
    PermitCategory.MECHANICAL: "Mechanical",
    PermitCategory.PLUMBING: "Plumbing",
    PermitCategory.ROOF: "Roof",
    PermitCategory.FENCE: "Fence",
    PermitCategory.GRADING: "Grading",
    PermitCategory.POOL_SPA: "Pool/Spa",
    PermitCategory.OTHER: "",
}


class WorkClass(models.TextChoices):
    """BLDS `WorkClassMapped`: new construction or work on an existing structure."""

    NEW = "new", _("New construction")
    EXISTING = "existing", _("Existing structure")


class PermitClass(models.TextChoices):
    """BLDS `PermitClassMapped`."""

    RESIDENTIAL = "residential", _("Residential")
    NON_RESIDENTIAL = "non_residential", _("Non-residential")


class ContractorTrade(models.TextChoices):
    """BLDS `ContractorTradeMapped`."""

    GENERAL = "general", _("General")
    ELECTRICAL = "electrical", _("Electrical")
    MECHANICAL = "mechanical", _("Mechanical")
    PLUMBING = "plumbing", _("Plumbing")
    ARCHITECTURE = "architecture", _("Architecture")
    ENGINEERING = "engineering", _("Engineering")
    MASONRY = "masonry", _("Masonry")
    SIGN = "sign", _("Sign")
    TENT = "tent", _("Tent")


class FeeMethod(models.TextChoices):
    FLAT = "flat", _("Flat fee")
    PER_SQUARE_FOOT = "per_sq_ft", _("Per square foot")
    VALUATION = "valuation", _("By construction valuation (tiered table)")


class PermitType(TimeStampedModel):
    """A kind of permit, entered in the admin: a new type is data, never code."""

    code = models.SlugField(
        _("code"),
        max_length=50,
        unique=True,
        help_text=_("The end of the type's web address, filled from the name. Keep it short."),
    )
    number_prefix = models.CharField(
        _("permit number prefix"),
        max_length=8,
        unique=True,
        help_text=_(
            "2 to 8 capital letters that start every permit number of this type, e.g. BLD "
            "gives BLD-2026-000001."
        ),
    )
    name = models.CharField(_("name"), max_length=150)
    name_es = models.CharField(_("name in Spanish"), max_length=150, blank=True)
    description = models.TextField(_("plain-language description"))
    description_es = models.TextField(_("plain-language description in Spanish"), blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("Other words people use for it, separated by commas."),
    )
    keywords_es = models.CharField(_("keywords in Spanish"), max_length=300, blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=PermitCategory.choices, db_index=True
    )
    work_class = models.CharField(
        _("work class"), max_length=10, choices=WorkClass.choices, default=WorkClass.EXISTING
    )
    permit_class = models.CharField(
        _("residential or not"),
        max_length=16,
        choices=PermitClass.choices,
        default=PermitClass.RESIDENTIAL,
    )
    # Reviewing departments, in the order the applicant reads them (one review each).
    departments = models.ManyToManyField(
        "cases.Department",
        through="PermitTypeDepartment",
        related_name="permit_types",
        verbose_name=_("reviewing departments"),
        blank=True,
    )
    plans_required = models.BooleanField(
        _("plans required"),
        default=True,
        help_text=_("The applicant uploads plan sheets (PDF) with the application."),
    )
    # Fees. The application fee is charged when applying, with the plan-review share of the
    # permit fee; the rest of the permit fee is charged when the permit is issued.
    application_fee_cents = models.PositiveIntegerField(_("application fee"), default=0)
    fee_method = models.CharField(
        _("permit fee"), max_length=10, choices=FeeMethod.choices, default=FeeMethod.FLAT
    )
    flat_fee_cents = models.PositiveIntegerField(_("flat permit fee"), default=0)
    per_square_foot_cents = models.PositiveIntegerField(
        _("fee per square foot"),
        default=0,
        help_text=_("In dollars per square foot of the work, for example 0.25."),
    )
    minimum_fee_cents = models.PositiveIntegerField(
        _("minimum permit fee"),
        default=0,
        help_text=_("The permit fee is never less than this, whatever the method."),
    )
    plan_review_percent = models.DecimalField(
        _("plan-review fee (% of the permit fee)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Charged when applying, for example 65 for 65% of the permit fee."),
    )
    # Who may do the work.
    contractor_required = models.BooleanField(_("licensed contractor required"), default=False)
    contractor_trade = models.CharField(
        _("contractor's trade"), max_length=16, choices=ContractorTrade.choices, blank=True
    )
    contractor_license_types = models.ManyToManyField(
        "licensing.LicenseType",
        verbose_name=_("license types accepted"),
        related_name="permit_types",
        blank=True,
        help_text=_("A contractor must hold an active license of one of these types."),
    )
    validity_days = models.PositiveSmallIntegerField(
        _("valid for (days)"),
        default=180,
        help_text=_("An issued permit expires after this many days without a passed inspection."),
    )
    gives_certificate_of_occupancy = models.BooleanField(
        _("gives a certificate of occupancy"), default=False
    )
    review_target_days = models.PositiveSmallIntegerField(
        _("review target (business days)"), default=30
    )
    active = models.BooleanField(_("open for applications"), default=True)
    # A draft (never published) is seen only in the admin; residents see published types.
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    # The application's questions and document checklist (cases.questions), set in the admin.
    questions = GenericRelation(
        "cases.Question", content_type_field="owner_type", object_id_field="owner_id"
    )
    documents = GenericRelation(
        "cases.DocumentRequirement", content_type_field="owner_type", object_id_field="owner_id"
    )

    class Meta:
        verbose_name = _("permit type")
        verbose_name_plural = _("permit types")
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number_prefix__regex=r"^[A-Z]{2,8}$"),
                name="permits_type_prefix_format",
            ),
            models.CheckConstraint(
                condition=Q(category__in=PermitCategory.values), name="permits_type_category"
            ),
            models.CheckConstraint(
                condition=Q(fee_method__in=FeeMethod.values), name="permits_type_fee_method"
            ),
            models.CheckConstraint(
                condition=Q(plan_review_percent__gte=0) & Q(plan_review_percent__lte=100),
                name="permits_type_plan_review_percent",
            ),
            models.CheckConstraint(condition=Q(validity_days__gte=1), name="permits_type_validity"),
            # A contractor rule names at least the trade.
            models.CheckConstraint(
                condition=Q(contractor_required=False) | ~Q(contractor_trade=""),
                name="permits_type_contractor_trade",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("permits:type", kwargs={"code": self.code})

    @property
    def published(self) -> bool:
        return self.published_at is not None

    @property
    def blds_permit_type(self) -> str:
        return BLDS_PERMIT_TYPE.get(self.category, "")

    def clean(self) -> None:
        super().clean()
        from cases.references import RESERVED_PREFIXES
        from cases.workflow import registered_workflows

        reserved = {w.prefix for w in registered_workflows()} | set(RESERVED_PREFIXES)
        if self.number_prefix in reserved:
            raise ValidationError(
                {
                    "number_prefix": _(
                        "%(prefix)s is used for the portal's own references; choose another."
                    )
                    % {"prefix": self.number_prefix}
                }
            )
        if self.contractor_required and not self.contractor_trade:
            raise ValidationError(
                {"contractor_trade": _("Choose the trade of the contractor this permit needs.")}
            )


class PermitTypeDepartment(models.Model):
    """One reviewing department of a permit type, in the order reviews are listed."""

    permit_type = models.ForeignKey(
        PermitType, on_delete=models.CASCADE, related_name="review_departments"
    )
    department = models.ForeignKey(
        "cases.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="permit_type_reviews",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("reviewing department")
        verbose_name_plural = _("reviewing departments")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["permit_type", "department"], name="permits_type_department_once"
            ),
        ]

    def __str__(self) -> str:
        return str(self.department)


class FeeTier(models.Model):
    """One row of a valuation fee table: for a valuation from `from_cents` up to the next
    row's, the permit fee is `base_cents` plus `per_thousand_cents` for each $1,000 (or part
    of $1,000) above `from_cents`. The first row starts at $0."""

    permit_type = models.ForeignKey(PermitType, on_delete=models.CASCADE, related_name="fee_tiers")
    from_cents = models.PositiveBigIntegerField(_("valuation from"))
    base_cents = models.PositiveIntegerField(_("base fee"))
    per_thousand_cents = models.PositiveIntegerField(
        _("fee per $1,000 above"), default=0, help_text=_("For each $1,000 or part of $1,000.")
    )

    class Meta:
        verbose_name = _("fee tier")
        verbose_name_plural = _("fee tiers")
        ordering = ["permit_type", "from_cents"]
        constraints = [
            models.UniqueConstraint(
                fields=["permit_type", "from_cents"], name="permits_fee_tier_start_once"
            ),
        ]

    def __str__(self) -> str:
        start = format_cents(self.from_cents, settings.AGENCY["currency"])
        return f"{self.permit_type}: from {start}"


class InspectionCategory(models.TextChoices):
    """BLDS `InspTypeMapped` values the portal's types use."""

    SET_BACKS = "set_backs", _("Set backs")
    TEMP_POWER = "temp_power", _("Temporary power")
    FOOTINGS = "footings", _("Footings and forms")
    FOUNDATION = "foundation", _("Foundation")
    ROUGH_FRAME = "rough_frame", _("Rough frame")
    FRAME = "frame", _("Frame")
    ROOF_DECK = "roof_deck", _("Roof deck")
    BUILDING_FINAL = "building_final", _("Building final")
    FIRE_FINAL = "fire_final", _("Fire final")
    ZONING_FINAL = "zoning_final", _("Zoning final")
    HEALTH_FINAL = "health_final", _("Health final")
    PROGRESS = "progress", _("Progress check")
    HAZMAT_REMOVAL = "hazmat_removal", _("Hazardous material removal")
    ELECTRICAL_DISCONNECT = "elec_disconnect", _("Electrical disconnect")
    GAS_DISCONNECT = "gas_disconnect", _("Gas disconnect")
    SANITARY_SEWER_FINAL = "sewer_final", _("Sanitary sewer final")
    ROOF_FINAL = "roof_final", _("Roof final")
    ROUGH = "rough", _("Rough")
    SERVICE = "service", _("Service")
    GROUNDING = "grounding", _("Grounding")
    ELECTRICAL_FINAL = "electrical_final", _("Electrical final")
    ROUGH_IN = "rough_in", _("Rough in")
    DUCT_WORK = "duct_work", _("Duct work")
    GAS = "gas", _("Gas")
    MECHANICAL_FINAL = "mechanical_final", _("Mechanical final")
    SEWER = "sewer", _("Sewer")
    WATER = "water", _("Water")
    PLUMBING_FINAL = "plumbing_final", _("Plumbing final")
    FENCE_FINAL = "fence_final", _("Fence final")
    GRADING_FINAL = "grading_final", _("Grading final")


# The BLDS spelling of each inspection category, for the open data.
BLDS_INSPECTION_TYPE = {
    InspectionCategory.SET_BACKS: "Set Backs",
    InspectionCategory.TEMP_POWER: "Temp Power",
    InspectionCategory.FOOTINGS: "Footings & Forms",
    InspectionCategory.FOUNDATION: "Foundation",
    InspectionCategory.ROUGH_FRAME: "Rough Frame",
    InspectionCategory.FRAME: "Frame",
    InspectionCategory.ROOF_DECK: "Roof Deck",
    InspectionCategory.BUILDING_FINAL: "Building Final",
    InspectionCategory.FIRE_FINAL: "Fire Final",
    InspectionCategory.ZONING_FINAL: "Zoning Final",
    InspectionCategory.HEALTH_FINAL: "Health Final",
    InspectionCategory.PROGRESS: "Progress Check",
    InspectionCategory.HAZMAT_REMOVAL: "Hazardous Material Removal",
    InspectionCategory.ELECTRICAL_DISCONNECT: "Electrical Disconnect",
    InspectionCategory.GAS_DISCONNECT: "Gas Disconnect",
    InspectionCategory.SANITARY_SEWER_FINAL: "Sanitary Sewer Final",
    InspectionCategory.ROOF_FINAL: "Roof Final",
    InspectionCategory.ROUGH: "Rough",
    InspectionCategory.SERVICE: "Service",
    InspectionCategory.GROUNDING: "Grounding",
    InspectionCategory.ELECTRICAL_FINAL: "Electrical Final",
    InspectionCategory.ROUGH_IN: "Rough In",
    InspectionCategory.DUCT_WORK: "Duct Work",
    InspectionCategory.GAS: "Gas",
    InspectionCategory.MECHANICAL_FINAL: "Mechanical Final",
    InspectionCategory.SEWER: "Sewer",
    InspectionCategory.WATER: "Water",
    InspectionCategory.PLUMBING_FINAL: "Plumbing Final",
    InspectionCategory.FENCE_FINAL: "Fence Final",
    InspectionCategory.GRADING_FINAL: "Grading Final",
}


class InspectionStep(models.Model):
    """One inspection a permit type requires, in the order the work reaches it. The step
    marked final finals the permit when it passes."""

    permit_type = models.ForeignKey(
        PermitType, on_delete=models.CASCADE, related_name="inspection_steps"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    name_es = models.CharField(_("name in Spanish"), max_length=120, blank=True)
    category = models.CharField(
        _("inspection kind (BLDS)"), max_length=20, choices=InspectionCategory.choices
    )
    final = models.BooleanField(
        _("final inspection"),
        default=False,
        help_text=_("Passing it finals the permit (and gives the certificate of occupancy)."),
    )
    minutes = models.PositiveSmallIntegerField(
        _("minutes, at exact times"),
        null=True,
        blank=True,
        validators=[MinValueValidator(15), MaxValueValidator(PERIOD_MINUTES)],
        help_text=_(
            "How long this inspection takes where inspectors work at exact times: it is "
            "offered only at the times from which this much of the shift is free, and holds "
            "the quarter hours it overlaps, leaving the rest to another inspection. Empty: as "
            "long as one exact time of the inspector's shift."
        ),
    )

    class Meta:
        verbose_name = _("required inspection")
        verbose_name_plural = _("required inspections")
        ordering = ["permit_type", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["permit_type", "code"], name="permits_inspection_step_code_once"
            ),
            models.UniqueConstraint(
                fields=["permit_type"],
                condition=Q(final=True),
                name="permits_inspection_step_one_final",
            ),
            models.CheckConstraint(
                condition=Q(category__in=InspectionCategory.values),
                name="permits_inspection_step_category",
            ),
            models.CheckConstraint(
                condition=Q(minutes__isnull=True) | Q(minutes__gte=15, minutes__lte=PERIOD_MINUTES),
                name="permits_inspection_step_minutes",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def blds_type(self) -> str:
        return BLDS_INSPECTION_TYPE.get(self.category, "")
