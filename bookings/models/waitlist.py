"""Waiting for a taken slot, and the lottery that releases a facility's slots on a set date.

A **waitlist entry** is one person (an account, or a guest's name and e-mail address) waiting
for one slot (a facility and a time range). The first person waiting is *offered* the slot
when it comes free: a hold is made for them (through `booking_hold`, so the exclusion
constraint still decides) with a deadline to accept; if the deadline passes the next person
is offered. The database keeps one live entry per person per slot and one offer per slot at
a time (conditional unique constraints).

A **lottery** releases the slots of some days of a facility on a set date: during its request
window people *request* slots (requests, not holds); when the window closes a draw puts the
households in a random order (its seed kept for audit) and grants slots in that order,
never more than the household limit, as holds with a deadline to pay.

A household is an account, or a guest's e-mail address (`household_key`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import DateTimeRangeField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bookings.models.bookings import Booking
from bookings.models.facilities import Facility
from cases.models import TimeStampedModel


def household_key(*, user=None, email: str = "") -> str:
    """Who counts as one household: the account, or the guest's e-mail address."""
    if user is not None:
        return f"user:{user.pk}"
    return f"email:{(email or '').strip().lower()}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Booked")
    LAPSED = "lapsed", _("Offer not taken in time")
    PASSED = "passed", _("Passed over")
    LEFT = "left", _("Left the waitlist")
    CLOSED = "closed", _("Closed")


# An entry still in the queue: at most one per person per slot.
WAITLIST_LIVE = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class WaitlistEntry(TimeStampedModel):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="waitlist")
    period = DateTimeRangeField(_("time"))
    status = models.CharField(
        _("status"), max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="waitlist_entries",
    )
    guest_name = models.CharField(_("name"), max_length=150, blank=True)
    guest_email = models.EmailField(_("e-mail address"), blank=True)
    household_key = models.CharField(max_length=300, editable=False)
    # The hold made for this person when the slot came free, and when the offer lapses.
    # PROTECT: the hold is the offer's record (an offered entry must have one, by
    # `bookings_waitlist_offer_has_hold`), and the database's foreign key refuses deleting
    # it anyway; a hold an offer points at is marked expired when it ends, never deleted
    # (the expiry sweep deletes only holds nothing points at).
    offer = models.OneToOneField(
        Booking,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entry",
    )
    offer_expires_at = models.DateTimeField(_("offer open until"), null=True, blank=True)
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    # Why the entry ended without a booking (passed over, closed), for the person and staff.
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        # First come, first offered: the order the entries were made in.
        ordering = ["facility", "period", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "period", "household_key"],
                condition=Q(status__in=WAITLIST_LIVE),
                name="bookings_waitlist_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["facility", "period"],
                condition=Q(status=WaitlistStatus.OFFERED),
                name="bookings_waitlist_one_offer",
            ),
            models.CheckConstraint(
                condition=Q(status__in=WaitlistStatus.values), name="bookings_waitlist_status"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(guest_email=""),
                name="bookings_waitlist_who",
            ),
            models.CheckConstraint(
                condition=~Q(status=WaitlistStatus.OFFERED)
                | Q(offer__isnull=False, offer_expires_at__isnull=False),
                name="bookings_waitlist_offer_has_hold",
            ),
            models.CheckConstraint(
                condition=Q(period__isempty=False)
                & Q(period__lower_inf=False)
                & Q(period__upper_inf=False),
                name="bookings_waitlist_period_bounded",
            ),
        ]
        indexes = [
            models.Index(
                fields=["facility", "status"],
                name="bookings_waitlist_live",
                condition=Q(status__in=WAITLIST_LIVE),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility} {self.period.lower:%Y-%m-%d %H:%M}: {self.household_key}"

    @property
    def starts_at(self):
        return self.period.lower

    @property
    def ends_at(self):
        return self.period.upper

    @property
    def email(self) -> str:
        return self.user.email if self.user_id else self.guest_email


class Lottery(TimeStampedModel):
    """The slots of `first_day`..`last_day` at a facility, released by a draw among the
    requests made from `opens_at` to `closes_at`."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="lotteries")
    first_day = models.DateField(_("slots from"))
    last_day = models.DateField(_("slots until"))
    opens_at = models.DateTimeField(_("requests open"))
    closes_at = models.DateTimeField(
        _("requests close"), help_text=_("The draw runs shortly after this time.")
    )
    household_limit = models.PositiveSmallIntegerField(
        _("slots per household"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("The most slots one household can be granted in this lottery."),
    )
    pay_hours = models.PositiveSmallIntegerField(
        _("hours to pay"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
        help_text=_("How long a granted slot is held for its winner to pay."),
    )
    # The draw, for audit: the seed its random order came from, and when it ran.
    seed = models.CharField(_("seed"), max_length=64, blank=True, editable=False)
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("lottery")
        verbose_name_plural = _("lotteries")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="bookings_lottery_window"
            ),
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="bookings_lottery_days"
            ),
            models.CheckConstraint(
                condition=Q(household_limit__gte=1), name="bookings_lottery_household_limit"
            ),
            models.CheckConstraint(
                condition=Q(pay_hours__gte=1), name="bookings_lottery_pay_hours"
            ),
            models.CheckConstraint(
                condition=Q(drawn_at__isnull=True, seed="")
                | (Q(drawn_at__isnull=False) & ~Q(seed="")),
                name="bookings_lottery_drawn_with_seed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.facility}: {self.first_day} to {self.last_day}"

    @property
    def drawn(self) -> bool:
        return self.drawn_at is not None


class LotteryRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    NOT_DRAWN = "not_drawn", _("Not drawn")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class LotteryRequest(TimeStampedModel):
    lottery = models.ForeignKey(Lottery, on_delete=models.CASCADE, related_name="requests")
    period = DateTimeRangeField(_("time"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=LotteryRequestStatus.choices,
        default=LotteryRequestStatus.REQUESTED,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="lottery_requests",
    )
    guest_name = models.CharField(_("name"), max_length=150, blank=True)
    guest_email = models.EmailField(_("e-mail address"), blank=True)
    resident = models.BooleanField(_("resident rate"), default=True)
    household_key = models.CharField(max_length=300, editable=False)
    # The household's own order of preference among its requests (1 first).
    preference = models.PositiveSmallIntegerField(_("preference"), default=1)
    # The draw's answer: the household's place in the random order, and the hold granted.
    draw_position = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # PROTECT, as `WaitlistEntry.offer`: a granted request must keep its hold
    # (`bookings_lottery_granted_has_hold`).
    booking = models.OneToOneField(
        Booking,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lottery_request",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("lottery request")
        verbose_name_plural = _("lottery requests")
        ordering = ["lottery", "household_key", "preference", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lottery", "period", "household_key"],
                condition=~Q(status=LotteryRequestStatus.WITHDRAWN),
                name="bookings_lottery_request_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=LotteryRequestStatus.values),
                name="bookings_lottery_request_status",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(guest_email=""),
                name="bookings_lottery_request_who",
            ),
            models.CheckConstraint(
                condition=~Q(status=LotteryRequestStatus.GRANTED) | Q(booking__isnull=False),
                name="bookings_lottery_granted_has_hold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lottery}: {self.period.lower:%Y-%m-%d %H:%M} ({self.household_key})"

    @property
    def facility(self) -> Facility:
        return self.lottery.facility

    @property
    def starts_at(self):
        return self.period.lower

    @property
    def ends_at(self):
        return self.period.upper

    @property
    def email(self) -> str:
        return self.user.email if self.user_id else self.guest_email
