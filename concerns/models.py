"""Concern reports (311): categories an administrator configures, the reports residents and
other systems make, their photos and followers, canned responses and Open311 API keys.

A report is a `cases.Case` (kind "concern_report") plus the details here; its status lives on
the case and moves only through `cases.services.transition`, called by `concerns.services`.
Locations are plain latitude/longitude decimals (no PostGIS). The agency's area
(settings.CONCERNS_AREA_BOUNDS) is checked in code (`concerns.validators`, used by every way
in); the database only refuses a point off the Earth, so another area needs no migration.
"""

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel

DESCRIPTION_MAX_LENGTH = 4000
MAX_PHOTOS = 5


class AttributeDatatype(models.TextChoices):
    """Open311 GeoReport v2 attribute types (a category's questions as the API names their
    kinds, see concerns.attributes)."""

    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date and time")
    TEXT = "text", _("Long text")
    SINGLEVALUELIST = "singlevaluelist", _("One choice from a list")
    MULTIVALUELIST = "multivaluelist", _("Several choices from a list")


class ConcernCategory(TimeStampedModel):
    """A kind of problem residents report (an Open311 "service"): pothole, graffiti..."""

    code = models.SlugField(
        _("code"),
        max_length=64,
        unique=True,
        help_text=_("The Open311 service code, e.g. pothole. Never change it once in use."),
    )
    # Each text a resident reads has its Spanish beside it (`portal.localized`).
    name = models.CharField(_("name"), max_length=150)
    name_es = models.CharField(_("name in Spanish"), max_length=150, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_es = models.TextField(_("description in Spanish"), blank=True)
    group = models.CharField(
        _("group"), max_length=100, blank=True, help_text=_("e.g. Streets and sidewalks.")
    )
    group_es = models.CharField(_("group in Spanish"), max_length=100, blank=True)
    keywords = models.CharField(
        _("keywords"),
        max_length=300,
        blank=True,
        help_text=_("Other words people use for it, separated by commas."),
    )
    keywords_es = models.CharField(
        _("keywords in Spanish"),
        max_length=300,
        blank=True,
        help_text=_("The words people use for it in Spanish, separated by commas."),
    )
    department = models.ForeignKey(
        "cases.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="concern_categories",
        help_text=_("Reports in this category are routed to this department."),
    )
    target_days = models.PositiveSmallIntegerField(
        _("target days"), default=5, help_text=_("Business days in which we aim to resolve it.")
    )
    active = models.BooleanField(_("active"), default=True)
    location_required = models.BooleanField(_("location required"), default=True)
    photo_required = models.BooleanField(_("photo required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    # A draft until published (`concerns.services.categories`): residents, the service search
    # and the Open311 API see only published, active categories.
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    # The questions a report of this category asks (cases.questions; Open311 attributes).
    questions = GenericRelation(
        "cases.Question", content_type_field="owner_type", object_id_field="owner_id"
    )

    class Meta:
        verbose_name = _("concern category")
        verbose_name_plural = _("concern categories")
        ordering = ["group", "order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_days__gte=1, target_days__lte=365),
                name="concerns_category_target_days_range",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[a-z0-9][a-z0-9_-]*$"),
                name="concerns_category_code_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def published(self) -> bool:
        return self.published_at is not None

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]


class ReportSource(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("Open311 API")


class CloseReason(models.TextChoices):
    """Why a report was closed; always shown to the public with the staff's explanation."""

    FIXED = "fixed", _("Fixed")
    DUPLICATE = "duplicate", _("Already reported")
    NOT_RESPONSIBLE = "not_responsible", _("Not our responsibility")
    NO_ACTION = "no_action", _("No action needed")
    SCHEDULED = "scheduled", _("Scheduled for later")


class Open311ApiKey(models.Model):
    """A key another system uses to post reports through the Open311 API.

    Only a SHA-256 digest is stored: the key itself is shown once, when issued. A revoked key
    is kept (its reports point to it) and refused from then on.
    """

    name = models.CharField(_("name"), max_length=150, help_text=_("Who uses this key."))
    prefix = models.CharField(_("key starts with"), max_length=8, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    requests_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        null=True,
        blank=True,
        help_text=_("Leave empty for the portal's default limit."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued"), default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("created_at")),
                name="concerns_apikey_revoked_after_issued",
            ),
            models.CheckConstraint(
                condition=Q(requests_per_minute__isnull=True) | Q(requests_per_minute__gte=1),
                name="concerns_apikey_rate_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ConcernReport(models.Model):
    """What was reported, where, and how it ended; the case holds status and contact.

    `requested_at` copies the case's submission time so the public list and the Open311
    queries sort and filter on one indexed column of this table.
    """

    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, related_name="concern", verbose_name=_("case")
    )
    category = models.ForeignKey(
        ConcernCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    location_from_photo = models.BooleanField(_("location read from a photo"), default=False)
    attributes = models.JSONField(_("answers"), default=dict, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=ReportSource.choices, default=ReportSource.WEB
    )
    api_key = models.ForeignKey(
        Open311ApiKey,
        verbose_name=_("API key"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    requested_at = models.DateTimeField(_("reported"), default=timezone.now)
    # The key of the web form that sent the report is claimed for the case
    # (`cases.SubmissionKey`): the same form sent twice (a double click, a reload) makes one
    # report, even two sends at once.

    close_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=CloseReason.choices, blank=True
    )
    public_reason = models.TextField(_("explanation for the public"), blank=True)
    redirect_contact = models.CharField(_("who to contact instead"), max_length=300, blank=True)
    scheduled_for = models.DateField(_("scheduled for"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
    )

    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    class Meta:
        verbose_name = _("concern report")
        verbose_name_plural = _("concern reports")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), DESCRIPTION_MAX_LENGTH),
                name="concerns_report_description_length",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="concerns_report_lat_lon_together",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True)
                | Q(
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="concerns_report_on_earth",
            ),
            models.CheckConstraint(
                condition=Q(source="web", api_key__isnull=True)
                | Q(source="api", api_key__isnull=False),
                name="concerns_report_api_has_key",
            ),
            models.CheckConstraint(
                condition=Q(close_reason__in=["", *CloseReason.values]),
                name="concerns_report_close_reason_known",
            ),
            # Each reason carries what the public needs to understand it.
            models.CheckConstraint(
                condition=Q(close_reason="") | ~Q(public_reason=""),
                name="concerns_report_closed_with_public_reason",
            ),
            models.CheckConstraint(
                condition=Q(close_reason="duplicate", duplicate_of__isnull=False)
                | (~Q(close_reason="duplicate") & Q(duplicate_of__isnull=True)),
                name="concerns_report_duplicate_has_original",
            ),
            models.CheckConstraint(
                condition=~Q(duplicate_of=F("pk")), name="concerns_report_not_own_duplicate"
            ),
            models.CheckConstraint(
                condition=~Q(close_reason="not_responsible") | ~Q(redirect_contact=""),
                name="concerns_report_redirect_has_contact",
            ),
            models.CheckConstraint(
                condition=Q(close_reason="scheduled", scheduled_for__isnull=False)
                | (~Q(close_reason="scheduled") & Q(scheduled_for__isnull=True)),
                name="concerns_report_scheduled_has_date",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True, rated_at__isnull=True)
                | Q(rating__gte=1, rating__lte=5, rated_at__isnull=False),
                name="concerns_report_rating_range",
            ),
        ]
        indexes = [
            # Nearby duplicates: equality on category, then a range on latitude; longitude
            # is filtered from the same index entries.
            models.Index(
                fields=["category", "latitude", "longitude"], name="concerns_report_cat_latlon"
            ),
            models.Index(fields=["-requested_at", "id"], name="concerns_report_requested"),
            models.Index(
                fields=["category", "-requested_at"], name="concerns_report_cat_requested"
            ),
            models.Index(fields=["duplicate_of"], name="concerns_report_duplicate_of"),
            # The analytics' map counts the reports with a point of a period by category and
            # area: a range on the date, the rest read from the index alone.
            models.Index(
                fields=["requested_at"],
                include=["category", "latitude", "longitude"],
                condition=Q(latitude__isnull=False),
                name="concerns_report_map_cells",
            ),
        ]

    def __str__(self) -> str:
        return self.case.reference if self.case_id else "(new report)"

    def get_absolute_url(self) -> str:
        return reverse("concerns:detail", kwargs={"reference": self.case.reference})

    @property
    def reference(self) -> str:
        return self.case.reference

    @property
    def followers(self):
        """The people who follow this report: its case's participants in the follower role
        (cases/participants.py), confirmed or pending."""
        from cases.participants import Participant
        from cases.participation import FOLLOWER

        return Participant.objects.filter(case_id=self.case_id, role=FOLLOWER)

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def expected_date(self):
        """When we expect it resolved: a scheduled date once scheduled, else the target."""
        if self.close_reason == CloseReason.SCHEDULED:
            return self.scheduled_for
        return None if self.case.closed_at else self.case.due_date


def photo_upload_to(instance: "ConcernPhoto", filename: str) -> str:
    """A random storage name: nothing of the reporter's file name reaches storage."""
    return f"concerns/{instance.report_id}/{uuid.uuid4().hex}.jpg"


class ConcernPhoto(models.Model):
    """A photo of a report: checked by content, resized and re-encoded without metadata."""

    report = models.ForeignKey(ConcernReport, on_delete=models.PROTECT, related_name="photos")
    position = models.PositiveSmallIntegerField(_("position"))
    image = models.FileField(_("photo"), upload_to=photo_upload_to, max_length=255)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size = models.PositiveIntegerField(_("size in bytes"))
    public = models.BooleanField(
        _("shown to the public"),
        default=True,
        help_text=_("Untick to hide a photo showing a face, a number plate or anything private."),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position"]
        constraints = [
            # At most MAX_PHOTOS per report, held by the database: positions 1..5, each once.
            models.UniqueConstraint(
                fields=["report", "position"], name="concerns_photo_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(position__gte=1, position__lte=MAX_PHOTOS),
                name="concerns_photo_position_range",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="concerns_photo_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} #{self.position}"

    def get_absolute_url(self) -> str:
        return reverse(
            "concerns:photo",
            kwargs={"reference": self.report.case.reference, "position": self.position},
        )


class CannedResponse(models.Model):
    """A ready-written answer staff pick when messaging a reporter or closing a report."""

    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("text"))
    close_reason = models.CharField(
        _("fits closing as"),
        max_length=20,
        choices=CloseReason.choices,
        blank=True,
        help_text=_("Offered first when closing with this reason."),
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["order", "title"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="concerns_canned_not_empty"),
            models.CheckConstraint(
                condition=Q(close_reason__in=["", *CloseReason.values]),
                name="concerns_canned_reason_known",
            ),
        ]

    def __str__(self) -> str:
        return self.title
