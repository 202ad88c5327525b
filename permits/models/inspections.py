"""Issuing permits and their inspections: the permit fee invoice and conditions, extensions,
the inspectors' capacity, the inspections booked against it, their results, re-inspection
fees and certificates of occupancy.

Capacity is held by the database. Each inspector's half-day (`InspectionSlot`: one
inspector, one day, morning or afternoon) is one row with its `capacity` and the number of
inspections `booked` in it, and a CHECK constraint keeps `0 <= booked <= capacity`. A shift
the administrator sets to exact times (`InspectorShift.appointment_minutes`) is opened in
quarter hours instead: one row of capacity one per 15 minutes of its working time (8:00,
8:15, 8:30...), each keeping the shift's minutes (`shift_minutes`: how far apart starts are
offered, and how long an inspection without its own minutes takes). Every row holds the span
of the inspector's day it takes (`span`), and an exclusion constraint keeps one inspector's
spans from overlapping, so a half-day is never offered both as a block and as times, and no
two quarter hours of one inspector overlap. An inspection booked at an exact time takes
every quarter hour its length overlaps (a required inspection's own minutes,
`InspectionStep.minutes`, or the shift's): 30 minutes two, an hour four, running on from the
morning's last quarter hour into the afternoon's first when the inspector works both at exact
times, never over a gap (the end of the working time, an afternoon booked as a block). What
it leaves free stays bookable: starts are offered every shift's minutes from the start of the
half-day and right after each booked inspection (`permits.inspection_rules.offered_start`).
The inspection keeps its span (`Inspection.span`) under a second exclusion constraint, so no
two booked inspections of one inspector overlap whatever their lengths. A
booking takes a seat with one conditional statement (``UPDATE ... SET booked = booked + 1
WHERE id = %s AND booked < capacity``): concurrent bookers of the last seat wait on the
row's lock and exactly one of them finds a seat left, and even a write that forgot the
condition could not overbook, because the CHECK refuses it. Slot rows are made from the
inspectors' weekly shifts (`InspectorShift`) for the days people may book
(`permits.services.inspection_slots.slots_open`); staff lower a day's capacity (a day off) on
the slot itself, never below what is booked.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, DateTimeRangeField
from django.contrib.postgres.fields.ranges import RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, Q, Value
from django.db.models.functions import Mod
from django.db.models.lookups import Exact, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel
from permits.inspection_rules import (
    AM,
    DEFAULT_CHANGE_DEADLINE,
    DEFAULT_CUTOFF,
    DEFAULT_DAYS_AHEAD,
    PERIOD_MINUTES,
    PM,
    QUARTER_HOUR,
    BookingRules,
)

# The inspector as a one-point range: `&&` on it is `=` on the id, so the exclusion below
# needs no btree_gist extension (as bookings' facility point).
INSPECTOR_POINT = Func(
    F("inspector"),
    F("inspector"),
    Value("[]"),
    function="int8range",
    output_field=BigIntegerRangeField(),
)


class Period(models.TextChoices):
    AM = AM, _("Morning (8 a.m. to noon)")
    PM = PM, _("Afternoon (noon to 4 p.m.)")


class InspectionRules(models.Model):
    """The agency's booking rules (one row; the defaults apply while there is none)."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    cutoff = models.TimeField(
        _("booking cut-off"),
        default=DEFAULT_CUTOFF,
        help_text=_("Inspections on a working day are booked by this time the working day before."),
    )
    days_ahead = models.PositiveSmallIntegerField(
        _("working days ahead"),
        default=DEFAULT_DAYS_AHEAD,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("How many working days ahead an inspection may be booked."),
    )
    change_deadline = models.TimeField(
        _("change deadline"),
        default=DEFAULT_CHANGE_DEADLINE,
        help_text=_("Applicants may move or cancel an inspection until this time on its day."),
    )

    class Meta:
        verbose_name = _("inspection booking rules")
        verbose_name_plural = _("inspection booking rules")
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="permits_rules_one_row"),
            models.CheckConstraint(
                condition=Q(days_ahead__gte=1, days_ahead__lte=60),
                name="permits_rules_days_ahead",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Inspection booking rules"))

    def as_rules(self) -> BookingRules:
        return BookingRules(
            cutoff=self.cutoff, days_ahead=self.days_ahead, change_deadline=self.change_deadline
        )


class InspectorShift(TimeStampedModel):
    """An inspector's usual half-day: on this weekday, morning or afternoon, so many
    inspections, in one area (or anywhere)."""

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.CASCADE,
        related_name="inspection_shifts",
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
        ],
    )
    period = models.CharField(_("period"), max_length=2, choices=Period.choices)
    # One of the agency's areas (`cases.Area`, the same the workbench's queues use): the
    # inspector inspects the properties whose permits lie in it.
    area = models.ForeignKey(
        "cases.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspector_shifts",
        help_text=_("Empty: anywhere in the jurisdiction."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("inspections"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    appointment_minutes = models.PositiveSmallIntegerField(
        _("minutes per inspection, at exact times"),
        null=True,
        blank=True,
        validators=[MinValueValidator(15), MaxValueValidator(PERIOD_MINUTES)],
        help_text=_(
            "Empty: applicants book the morning or the afternoon. A number (a multiple of 15): "
            "they book an exact time, offered every so many minutes from the start of the "
            "half-day (8 a.m. or noon) and right after each booked inspection; the working "
            "time is the inspections above times these minutes. An inspection takes its own "
            "minutes (these, if it has none) in quarter hours, and leaves the rest to another."
        ),
    )

    class Meta:
        verbose_name = _("inspector's shift")
        verbose_name_plural = _("inspectors' shifts")
        ordering = ["inspector_id", "weekday", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "weekday", "period"], name="permits_shift_once"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=4), name="permits_shift_weekday"
            ),
            models.CheckConstraint(condition=Q(period__in=[AM, PM]), name="permits_shift_period"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=20), name="permits_shift_capacity"
            ),
            # Exact times fit in the half-day.
            models.CheckConstraint(
                condition=Q(appointment_minutes__isnull=True)
                | Q(
                    Q(appointment_minutes__gte=QUARTER_HOUR),
                    Exact(Mod(F("appointment_minutes"), QUARTER_HOUR), 0),
                    LessThanOrEqual(F("capacity") * F("appointment_minutes"), PERIOD_MINUTES),
                ),
                name="permits_shift_times_fit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} {self.get_weekday_display()} {self.period}"

    def clean(self) -> None:
        minutes = self.appointment_minutes
        if minutes and minutes % QUARTER_HOUR:
            raise ValidationError(
                {
                    "appointment_minutes": _(
                        "The minutes per inspection are a multiple of 15 (15, 30, 45, 60...): "
                        "the inspector's time is booked in quarter hours."
                    )
                }
            )
        if minutes and self.capacity and self.capacity * minutes > PERIOD_MINUTES:
            raise ValidationError(
                {
                    "appointment_minutes": _(
                        "%(count)s inspections of %(minutes)s minutes do not fit in a half-day "
                        "of 4 hours. Lower the number of inspections or the minutes."
                    )
                    % {"count": self.capacity, "minutes": minutes}
                }
            )


class InspectionSlot(models.Model):
    """One inspector's capacity in one half-day (or at one exact time of it), and how much of
    it is booked.

    The CHECK `permits_slot_within_capacity` is what makes overbooking impossible, and the
    exclusion `permits_slot_no_overlap` what keeps one inspector in one place at a time; see
    the module's docstring.
    """

    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="inspection_slots",
    )
    day = models.DateField(_("day"))
    period = models.CharField(_("period"), max_length=2, choices=Period.choices)
    area = models.ForeignKey(
        "cases.Area",
        verbose_name=_("area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspection_slots",
    )
    capacity = models.PositiveSmallIntegerField(_("inspections"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0, editable=False)
    starts_at = models.TimeField(
        _("exact time"), null=True, blank=True, help_text=_("Empty: any time in the half-day.")
    )
    # The part of the inspector's day the row holds: the half-day, or the quarter hour.
    span = DateTimeRangeField(_("time held"), editable=False)
    # At exact times, the shift's minutes per inspection when the day was opened: starts are
    # offered this far apart from the start of the half-day, and an inspection without its
    # own minutes takes this long.
    shift_minutes = models.PositiveSmallIntegerField(
        _("minutes per inspection"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("inspection slot")
        verbose_name_plural = _("inspection slots")
        ordering = ["day", "period", "starts_at", "inspector_id"]
        constraints = [
            ExclusionConstraint(
                name="permits_slot_no_overlap",
                index_type="gist",
                expressions=[
                    (INSPECTOR_POINT, RangeOperators.OVERLAPS),
                    ("span", RangeOperators.OVERLAPS),
                ],
            ),
            models.CheckConstraint(condition=Q(period__in=[AM, PM]), name="permits_slot_period"),
            # A quarter hour at exact times is one inspection.
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(capacity__lte=1),
                name="permits_slot_time_holds_one",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True, shift_minutes__isnull=True)
                | Q(starts_at__isnull=False, shift_minutes__gte=QUARTER_HOUR),
                name="permits_slot_time_has_minutes",
            ),
            models.CheckConstraint(
                condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                name="permits_slot_within_capacity",
            ),
        ]
        indexes = [models.Index(fields=["day", "period"], name="permits_slot_day_idx")]

    def __str__(self) -> str:
        when = f"{self.starts_at:%H:%M}" if self.starts_at else self.period
        return f"{self.day:%Y-%m-%d} {when} {self.inspector}: {self.booked}/{self.capacity}"

    @property
    def free(self) -> int:
        return self.capacity - self.booked


class InspectionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Booked")
    DONE = "done", _("Result recorded")
    CANCELLED = "cancelled", _("Cancelled")


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    PARTIAL = "partial", _("Partly passed")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Not done on site")


# Results that must say why: what is wrong, or why the inspection could not be done.
RESULTS_WITH_REASON = (
    InspectionResult.PARTIAL,
    InspectionResult.FAILED,
    InspectionResult.CANCELLED,
)


class Inspection(TimeStampedModel):
    """One inspection of a permit's required step, booked in an inspector's half-day."""

    Status = InspectionStatus
    Result = InspectionResult

    permit = models.ForeignKey(
        "permits.Permit",
        verbose_name=_("permit"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    step = models.ForeignKey(
        "permits.InspectionStep",
        verbose_name=_("inspection"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    slot = models.ForeignKey(
        InspectionSlot, verbose_name=_("slot"), on_delete=models.PROTECT, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    day = models.DateField(_("day"))
    period = models.CharField(_("period"), max_length=2, choices=Period.choices)
    starts_at = models.TimeField(_("exact time"), null=True, blank=True)
    # At an exact time, the part of the inspector's day the inspection takes: from its time,
    # as long as its required inspection's minutes when booked (or the time's own length).
    # Empty for a half-day booked as a block.
    span = DateTimeRangeField(_("time held"), null=True, blank=True, editable=False)
    route_order = models.PositiveSmallIntegerField(_("order in the route"), default=0)
    # The working day before `day`: when the reminder goes out (the reminder source's date).
    remind_on = models.DateField(_("reminder day"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InspectionStatus.choices,
        default=InspectionStatus.SCHEDULED,
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)
    result = models.CharField(
        _("result"), max_length=10, choices=InspectionResult.choices, blank=True
    )
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    deficiencies = models.TextField(_("deficiencies"), blank=True)
    comments = models.TextField(_("comments"), blank=True)
    resulted_at = models.DateTimeField(_("result recorded"), null=True, blank=True)
    resulted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("result recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The re-inspection fee a failed result charged, if the type has one.
    fee_invoice = models.OneToOneField(
        "payments.Invoice",
        verbose_name=_("re-inspection fee"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permit_inspection",
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["day", "period", "starts_at", "route_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InspectionStatus.values), name="permits_inspection_status"
            ),
            models.CheckConstraint(
                condition=Q(period__in=[AM, PM]), name="permits_inspection_period"
            ),
            # A result exactly when done, with when and by whom.
            models.CheckConstraint(
                condition=Q(
                    status=InspectionStatus.DONE,
                    result__in=InspectionResult.values,
                    resulted_at__isnull=False,
                )
                | (~Q(status=InspectionStatus.DONE) & Q(result="", resulted_at__isnull=True)),
                name="permits_inspection_result_when_done",
            ),
            # A result other than passed says why.
            models.CheckConstraint(
                condition=~Q(result__in=RESULTS_WITH_REASON)
                | Q(deficiencies__regex=r"\S")
                | Q(comments__regex=r"\S"),
                name="permits_inspection_result_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=InspectionStatus.CANCELLED, cancelled_at__isnull=False)
                | (~Q(status=InspectionStatus.CANCELLED) & Q(cancelled_at__isnull=True)),
                name="permits_inspection_cancelled_dated",
            ),
            # No two booked inspections of one inspector overlap, whatever their lengths.
            ExclusionConstraint(
                name="permits_inspection_no_overlap",
                index_type="gist",
                expressions=[
                    (INSPECTOR_POINT, RangeOperators.OVERLAPS),
                    ("span", RangeOperators.OVERLAPS),
                ],
                condition=Q(status=InspectionStatus.SCHEDULED, span__isnull=False),
            ),
            # One inspection booked at a time per permit.
            models.UniqueConstraint(
                fields=["permit"],
                condition=Q(status=InspectionStatus.SCHEDULED),
                name="permits_inspection_one_booked",
            ),
            # A required inspection passes once.
            models.UniqueConstraint(
                fields=["permit", "step"],
                condition=Q(result=InspectionResult.PASSED),
                name="permits_inspection_step_passed_once",
            ),
        ]
        indexes = [
            models.Index(fields=["inspector", "day"], name="permits_inspection_route_idx"),
            models.Index(
                fields=["day"],
                condition=Q(status=InspectionStatus.SCHEDULED),
                name="permits_inspection_booked_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} on {self.day:%Y-%m-%d} {self.period}"

    @property
    def reason(self) -> str:
        return self.deficiencies or self.comments


def inspection_photo_path(photo: InspectionPhoto, filename: str) -> str:
    # Never the uploaded name; photos are re-encoded as JPEG (cases.images).
    day = timezone.now()
    return f"permits/inspections/{day:%Y/%m}/{photo.inspection_id}-{photo.token}.jpg"


class InspectionPhoto(models.Model):
    """A photo the inspector took, stripped of its metadata."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.PROTECT, related_name="photos", verbose_name=_("inspection")
    )
    token = models.CharField(max_length=32, editable=False)
    image = models.FileField(_("photo"), upload_to=inspection_photo_path, max_length=300)
    created_at = models.DateTimeField(_("taken"), default=timezone.now)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["inspection_id", "id"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of inspection {self.inspection_id}"


class ReinspectionFee(models.Model):
    """A permit type's re-inspection fee: charged for each failed inspection after the free
    ones, and due before the next inspection is booked."""

    permit_type = models.OneToOneField(
        "permits.PermitType",
        verbose_name=_("permit type"),
        on_delete=models.CASCADE,
        related_name="reinspection_fee",
    )
    fee_cents = models.PositiveIntegerField(_("re-inspection fee"))
    free_failures = models.PositiveSmallIntegerField(
        _("failed inspections without a fee"),
        default=0,
        help_text=_("How many failed inspections of a permit are not charged."),
    )

    class Meta:
        verbose_name = _("re-inspection fee")
        verbose_name_plural = _("re-inspection fees")
        constraints = [
            models.CheckConstraint(condition=Q(fee_cents__gt=0), name="permits_reinspection_fee"),
        ]

    def __str__(self) -> str:
        return f"{self.permit_type}: {self.fee_cents}"


class PermitIssuance(TimeStampedModel):
    """How a permit is issued: the invoice of its remaining fee and the conditions printed on
    its card."""

    permit = models.OneToOneField(
        "permits.Permit", on_delete=models.PROTECT, related_name="issuance"
    )
    invoice = models.OneToOneField(
        "payments.Invoice",
        verbose_name=_("permit fee invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permit_issuance",
    )
    conditions = models.TextField(_("conditions"), blank=True)
    paid_at = models.DateTimeField(_("permit fee paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("permit issuance")
        verbose_name_plural = _("permit issuances")

    def __str__(self) -> str:
        return f"Issuance of {self.permit_id}"


class ExtensionStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for a decision")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class PermitExtension(TimeStampedModel):
    """The holder's request for more time before the permit expires, and staff's decision."""

    Status = ExtensionStatus

    permit = models.ForeignKey(
        "permits.Permit", on_delete=models.PROTECT, related_name="extensions"
    )
    reason = models.TextField(_("why more time is needed"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.REQUESTED,
    )
    days = models.PositiveSmallIntegerField(_("days granted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    previous_expiry = models.DateTimeField(_("expiry before"), null=True, blank=True)
    new_expiry = models.DateTimeField(_("expiry after"), null=True, blank=True)

    class Meta:
        verbose_name = _("permit extension")
        verbose_name_plural = _("permit extensions")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExtensionStatus.values), name="permits_extension_status"
            ),
            models.CheckConstraint(
                condition=Q(reason__regex=r"\S"), name="permits_extension_reason"
            ),
            models.CheckConstraint(
                condition=Q(status=ExtensionStatus.REQUESTED, decided_at__isnull=True)
                | Q(
                    status=ExtensionStatus.GRANTED,
                    decided_at__isnull=False,
                    days__gte=1,
                    new_expiry__isnull=False,
                )
                | Q(status=ExtensionStatus.REFUSED, decided_at__isnull=False),
                name="permits_extension_decided",
            ),
            models.UniqueConstraint(
                fields=["permit"],
                condition=Q(status=ExtensionStatus.REQUESTED),
                name="permits_extension_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"Extension of {self.permit_id} ({self.status})"


class CertificateOfOccupancy(models.Model):
    """The certificate of occupancy a finaled permit of a type that gives one receives."""

    permit = models.OneToOneField(
        "permits.Permit", on_delete=models.PROTECT, related_name="certificate_of_occupancy"
    )
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    inspection = models.OneToOneField(
        Inspection, on_delete=models.PROTECT, related_name="+", verbose_name=_("final inspection")
    )

    class Meta:
        verbose_name = _("certificate of occupancy")
        verbose_name_plural = _("certificates of occupancy")

    def __str__(self) -> str:
        return self.number
