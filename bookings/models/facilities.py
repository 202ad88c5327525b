"""Facilities as data an administrator enters: what visitors read (English and Spanish), when
the place is open, the days it is closed, how it may be booked (fixed slots or free ranges,
lengths, buffer, how far ahead and how late), what it costs, whether staff approve each
booking, the cancellation policy in tiers and the per-household limits.

Amounts are integer cents (typed in dollars in the admin). Times are wall-clock times in the
agency's time zone (`settings.TIME_ZONE`): a facility has no time zone of its own.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel


class FacilityKind(models.TextChoices):
    PAVILION = "pavilion", _("Park pavilion")
    ROOM = "room", _("Community room")
    FIELD = "field", _("Sports field")
    GYM = "gym", _("Gym")
    COURT = "court", _("Court")
    OTHER = "other", _("Other")


class SlotMode(models.TextChoices):
    # Fixed slots: the day is cut into slots of `slot_minutes` from opening time, each next
    # slot starting after the buffer. Free ranges: any start on the `slot_minutes` grid, any
    # length from the minimum to the maximum in steps of `slot_minutes`.
    FIXED = "fixed", _("Fixed slots")
    FREE = "free", _("Free ranges")


class PriceUnit(models.TextChoices):
    HOUR = "hour", _("Per hour")
    SLOT = "slot", _("Per slot")


class Facility(TimeStampedModel):
    """A place people book: a pavilion, a room, a field, a gym."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    name_es = models.CharField(_("name in Spanish"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    description = models.TextField(_("description"), blank=True)
    description_es = models.TextField(_("description in Spanish"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"), default=0)
    location = models.CharField(_("location"), max_length=300, blank=True)
    location_es = models.CharField(_("location in Spanish"), max_length=300, blank=True)
    # Where it is on the map: its bookings' cases are placed in the area holding it.
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accessibility = models.TextField(_("accessibility notes"), blank=True)
    accessibility_es = models.TextField(_("accessibility notes in Spanish"), blank=True)

    # How it is booked.
    slot_mode = models.CharField(
        _("slots"), max_length=10, choices=SlotMode.choices, default=SlotMode.FIXED
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length or step (minutes)"),
        default=60,
        help_text=_(
            "Fixed slots: the length of each slot. Free ranges: the step of start times and "
            "lengths."
        ),
    )
    min_minutes = models.PositiveSmallIntegerField(_("shortest booking (minutes)"), default=60)
    max_minutes = models.PositiveSmallIntegerField(_("longest booking (minutes)"), default=240)
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer between bookings (minutes)"),
        default=0,
        help_text=_("Time kept free before and after each booking, for cleaning or set-up."),
    )
    book_ahead_days = models.PositiveSmallIntegerField(
        _("bookable up to (days ahead)"), default=90, validators=[MinValueValidator(1)]
    )
    lead_minutes = models.PositiveIntegerField(
        _("latest booking (minutes before the start)"),
        default=60,
        help_text=_("How late before its start a slot may still be booked."),
    )
    hold_minutes = models.PositiveSmallIntegerField(
        _("hold (minutes)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("How long a chosen slot is kept while the visitor answers and pays."),
    )
    closed_on_holidays = models.BooleanField(_("closed on public holidays"), default=True)

    # What it costs.
    price_unit = models.CharField(
        _("price per"), max_length=10, choices=PriceUnit.choices, default=PriceUnit.HOUR
    )
    resident_price_cents = models.PositiveIntegerField(_("resident rate"), default=0)
    nonresident_price_cents = models.PositiveIntegerField(_("non-resident rate"), default=0)
    deposit_cents = models.PositiveIntegerField(
        _("deposit"), default=0, help_text=_("Returned after the event unless staff keep part.")
    )

    needs_approval = models.BooleanField(_("staff approve each booking"), default=False)
    reminder_days_before = models.PositiveSmallIntegerField(
        _("reminder (days before)"),
        null=True,
        blank=True,
        default=2,
        validators=[MaxValueValidator(30)],
        help_text=_(
            "The booker is reminded this many days before the day of the booking (0: on the "
            "day itself; empty: no reminder). The message and its time are the reminder rule's."
        ),
    )

    # Per-household limits (empty: no limit).
    household_max_active = models.PositiveSmallIntegerField(
        _("upcoming bookings per household"), null=True, blank=True
    )
    household_max_minutes_per_month = models.PositiveIntegerField(
        _("booked minutes per household per month"), null=True, blank=True
    )
    # Waitlists: how long the first person waiting has to take a slot that came free.
    waitlist_offer_hours = models.PositiveSmallIntegerField(
        _("waitlist offer (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text=_(
            "When a taken time comes free, the first person waiting has this long to book it "
            "before it is offered to the next."
        ),
    )

    # A draft (never published) is seen only in the admin; visitors see published facilities.
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    questions = GenericRelation(
        "cases.Question", content_type_field="owner_type", object_id_field="owner_id"
    )

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FacilityKind.values), name="bookings_facility_kind"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="bookings_facility_point",
            ),
            models.CheckConstraint(
                condition=Q(slot_mode__in=SlotMode.values), name="bookings_facility_slot_mode"
            ),
            models.CheckConstraint(
                condition=Q(price_unit__in=PriceUnit.values), name="bookings_facility_price_unit"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5), name="bookings_facility_slot_minutes"
            ),
            models.CheckConstraint(
                condition=Q(min_minutes__gte=F("slot_minutes"))
                & Q(max_minutes__gte=F("min_minutes")),
                name="bookings_facility_lengths",
            ),
            models.CheckConstraint(
                condition=Q(book_ahead_days__gte=1), name="bookings_facility_book_ahead"
            ),
            models.CheckConstraint(
                condition=Q(hold_minutes__gte=1) & Q(hold_minutes__lte=120),
                name="bookings_facility_hold_minutes",
            ),
            models.CheckConstraint(
                condition=Q(waitlist_offer_hours__gte=1) & Q(waitlist_offer_hours__lte=168),
                name="bookings_facility_waitlist_offer_hours",
            ),
            models.CheckConstraint(
                condition=Q(reminder_days_before__lte=30),
                name="bookings_facility_reminder_days",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("bookings:facility", kwargs={"code": self.code})

    @property
    def published(self) -> bool:
        return self.published_at is not None

    @property
    def time_zone(self) -> zoneinfo.ZoneInfo:
        """The agency's time zone: opening hours and blackout dates are read in it."""
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def clean(self) -> None:
        super().clean()
        errors = {}
        if (
            self.min_minutes is not None
            and self.slot_minutes
            and self.min_minutes < self.slot_minutes
        ):
            errors["min_minutes"] = _("The shortest booking is at least one slot.")
        if (
            self.max_minutes is not None
            and self.min_minutes
            and self.max_minutes < self.min_minutes
        ):
            errors["max_minutes"] = _("The longest booking cannot be shorter than the shortest.")
        if errors:
            raise ValidationError(errors)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One opening period of a weekday (several rows for a day closed at lunch)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="bookings_hours_weekday"
            ),
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="bookings_hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M} to {self.closes:%H:%M}"


class Blackout(models.Model):
    """Days a facility cannot be booked (repairs, a city event), both days included."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="blackouts")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reason_es = models.CharField(_("reason in Spanish"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closed dates")
        verbose_name_plural = _("closed dates")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="bookings_blackout_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on} to {self.ends_on}"


class CancellationTier(models.Model):
    """Cancelled at least `days_before` days ahead, `percent` of the price is refunded.

    The tier with the largest `days_before` not above the days left applies; with none, no
    refund. The deposit is always returned on cancellation.
    """

    facility = models.ForeignKey(
        Facility, on_delete=models.CASCADE, related_name="cancellation_tiers"
    )
    days_before = models.PositiveSmallIntegerField(_("days before, at least"))
    percent = models.PositiveSmallIntegerField(
        _("percent refunded"), validators=[MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("cancellation tier")
        verbose_name_plural = _("cancellation tiers")
        ordering = ["-days_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "days_before"], name="bookings_tier_unique_days"
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=100), name="bookings_tier_percent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.days_before}+ → {self.percent}%"


class FacilityPhoto(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="bookings/facilities/")
    alt_text = models.CharField(_("description for screen readers"), max_length=200)
    alt_text_es = models.CharField(
        _("description for screen readers in Spanish"), max_length=200, blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.alt_text
