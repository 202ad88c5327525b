"""A booking of a facility: from the hold a visitor makes by choosing a slot, to confirmed,
cancelled or expired.

The database keeps two bookings of one facility from overlapping: `buffered` is the booked
`period` followed by the facility's buffer (cleaning, set-up for the next party), and an
exclusion constraint refuses two rows of one facility whose buffered ranges overlap while both
occupy the slot (`OCCUPYING`).

The constraint compares the facility as the one-point range `int8range(facility_id,
facility_id, '[]')` with `&&` rather than `facility_id` with `=`: two such ranges overlap
exactly when the ids are equal, and range `&&` has a GiST operator class in core PostgreSQL,
whereas `bigint =` in a GiST index needs the btree_gist extension, which the embedded
PostgreSQL of `make run` and `make test` (pgserver) does not ship. Same guarantee, no
extension to install anywhere. A hold is a booking in `held` with `hold_expires_at`: once that time
has passed it occupies nothing, whatever its status column still says, because
`bookings.tasks` ends lapsed holds (deletes the abandoned ones, marks the others expired)
and availability ignores them at once (`Booking.objects.occupying(now=)`). The constraint
cannot read the clock, so the hold service first ends, in the same transaction, the lapsed
holds that overlap the new one.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    BigIntegerRangeField,
    DateTimeRangeField,
    RangeOperators,
)
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models.facilities import Facility
from cases.models import TimeStampedModel


class BookingKind(models.TextChoices):
    # A visitor's booking; or time staff keep free of bookings (maintenance, a city event),
    # a row of the same table so the one exclusion constraint keeps blocks and bookings
    # apart as it keeps bookings apart.
    BOOKING = "booking", _("Booking")
    BLOCK = "block", _("Blocked time")


class BookingStatus(models.TextChoices):
    HELD = "held", _("Held")
    PENDING_PAYMENT = "pending_payment", _("Waiting for payment")
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    DECLINED = "declined", _("Declined")


# The statuses in which a booking keeps its slot from everyone else.
OCCUPYING = (
    BookingStatus.HELD,
    BookingStatus.PENDING_PAYMENT,
    BookingStatus.PENDING_APPROVAL,
    BookingStatus.CONFIRMED,
)


# The facility as a one-point range: `&&` on it is `=` on the id (see the module docstring).
FACILITY_POINT = Func(
    F("facility"),
    F("facility"),
    Value("[]"),
    function="int8range",
    output_field=BigIntegerRangeField(),
)


class BookingQuerySet(models.QuerySet):
    def occupying(self, *, now=None):
        """Bookings that keep their slot at `now`: a hold only until it expires."""
        now = now or timezone.now()
        return self.filter(status__in=OCCUPYING).exclude(
            status=BookingStatus.HELD, hold_expires_at__lte=now
        )


class Booking(TimeStampedModel):
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="bookings")
    # Unique through `bookings_booking_reference` (Meta), which is one index; `unique=True`
    # would add a second, pattern-matching one that no query uses (see `Meta.indexes`).
    reference = models.CharField(_("reference"), max_length=20)
    kind = models.CharField(
        _("kind"), max_length=10, choices=BookingKind.choices, default=BookingKind.BOOKING
    )
    status = models.CharField(
        _("status"), max_length=20, choices=BookingStatus.choices, default=BookingStatus.HELD
    )
    period = DateTimeRangeField(_("time"))
    # `period` followed by the facility's buffer: what the constraint compares, so two bookings
    # are at least the buffer apart.
    buffered = DateTimeRangeField(_("time with buffer"))
    hold_expires_at = models.DateTimeField(_("held until"), null=True, blank=True)
    # Who holds a slot before giving a name: a random key kept in their session.
    holder_key = models.CharField(max_length=64, blank=True, editable=False)

    # The booker: an account, or a guest's name and e-mail address (phone optional).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bookings",
        db_index=False,  # a partial index in Meta: only rows that have one
    )
    guest_name = models.CharField(_("name"), max_length=150, blank=True)
    guest_email = models.EmailField(_("e-mail address"), blank=True)
    guest_phone = models.CharField(_("phone"), max_length=40, blank=True)
    resident = models.BooleanField(_("resident rate"), default=True)

    # A booking sent for payment or approval is a case (its reference, timeline, clerk's
    # queue); a hold is not, until the visitor goes on with it. One booking per case through
    # `bookings_booking_case` (Meta), a unique index only on rows that have one: a
    # `OneToOneField` would index every row's empty case too, one more entry for each hold
    # and each version of it (the expiry sweep writes one per lapsed hold).
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    price_cents = models.PositiveIntegerField(_("price"), default=0)
    deposit_cents = models.PositiveIntegerField(_("deposit"), default=0)
    refunded_cents = models.PositiveIntegerField(_("refunded"), default=0)
    # iCalendar SEQUENCE: raised whenever the booking's time changes or it is cancelled.
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    # Staff's work on it (bookings.services.staff_*): what the booker reads of each decision.
    conditions = models.TextField(_("conditions of the approval"), blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    block_reason = models.CharField(_("reason for blocking"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,  # a partial index in Meta: only rows that have one
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("recorded as not come"), null=True, blank=True)
    deposit_settled_at = models.DateTimeField(_("deposit settled"), null=True, blank=True)
    deposit_kept_cents = models.PositiveIntegerField(_("deposit kept"), default=0)
    deposit_reason = models.TextField(_("reason for keeping part of the deposit"), blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["period"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="bookings_booking_reference"),
            models.UniqueConstraint(
                fields=["case"], name="bookings_booking_case", condition=Q(case__isnull=False)
            ),
            ExclusionConstraint(
                name="bookings_no_overlap",
                index_type="gist",
                expressions=[
                    (FACILITY_POINT, RangeOperators.OVERLAPS),
                    ("buffered", RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=OCCUPYING),
            ),
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="bookings_booking_status"
            ),
            models.CheckConstraint(
                condition=Q(period__isempty=False)
                & Q(period__lower_inf=False)
                & Q(period__upper_inf=False),
                name="bookings_booking_period_bounded",
            ),
            models.CheckConstraint(
                condition=Q(buffered__contains=models.F("period")),
                name="bookings_booking_buffer_covers",
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.HELD) | Q(hold_expires_at__isnull=False),
                name="bookings_booking_hold_expiry",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=BookingKind.values), name="bookings_booking_kind"
            ),
            # A block is nobody's booking: no booker, no case, no money, never a hold.
            models.CheckConstraint(
                condition=~Q(kind=BookingKind.BLOCK)
                | (
                    Q(case__isnull=True, user__isnull=True, price_cents=0, deposit_cents=0)
                    & ~Q(status=BookingStatus.HELD)
                    & ~Q(block_reason="")
                ),
                name="bookings_booking_block_is_nobodys",
            ),
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(no_show_at__isnull=True),
                name="bookings_booking_came_or_not",
            ),
            models.CheckConstraint(
                condition=Q(deposit_kept_cents__lte=F("deposit_cents")),
                name="bookings_booking_kept_within_deposit",
            ),
        ]
        indexes = [
            # The staff calendar and the reminder rule read a facility's bookings by start.
            models.Index(
                Func(F("period"), function="lower", output_field=models.DateTimeField()),
                name="bookings_confirmed_start",
                condition=Q(status=BookingStatus.CONFIRMED),
            ),
            # The expiry sweep reads only live holds.
            models.Index(
                fields=["hold_expires_at"],
                name="bookings_live_holds",
                condition=Q(status=BookingStatus.HELD),
            ),
            # A status change (a hold expiring, a booking confirmed) cannot be a HOT update
            # (`status` is in the partial indexes' conditions), so every row version gets an
            # entry in every index whose condition it meets. The booker and the staff member
            # who made a block are indexed only where there is one: most holds are a guest's
            # and no row but a block has `created_by`, so the expiry sweep writes two index
            # entries fewer per hold; the case is indexed the same way (`bookings_booking_case`
            # in `constraints`), one more fewer (docs/performance.md).
            models.Index(
                fields=["user"], name="bookings_booking_user", condition=Q(user__isnull=False)
            ),
            models.Index(
                fields=["created_by"],
                name="bookings_booking_created_by",
                condition=Q(created_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def starts_at(self):
        return self.period.lower

    @property
    def ends_at(self):
        return self.period.upper

    @property
    def is_block(self) -> bool:
        return self.kind == BookingKind.BLOCK

    @property
    def booker_name(self) -> str:
        if self.user_id is not None:
            return self.user.full_name or self.user.email
        return self.guest_name

    @property
    def total_cents(self) -> int:
        return self.price_cents + self.deposit_cents
