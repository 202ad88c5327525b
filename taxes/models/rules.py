"""Penalties, interest and early-payment discounts as data the administrator enters.

- A **penalty** rule says: once an instalment is more than `days_past_due` days past its due
  date, the penalty on it is `percent` of its unpaid principal. Rules are tiers of one total,
  not additions: "5% after 0 days" and "10% after 30 days" charge 5% the day after the due
  date and 10% in all from the 31st day.
- An **interest** rule charges `percent` of the unpaid principal for each month, or part of a
  month, that has begun since the instalment went more than `days_past_due` days past due.
- A **discount** rule takes `percent` off an instalment's principal when it is paid in full
  in a month at least `months_before_due` calendar months before the month of its due date
  (the Florida-style 4% in November, 3% in December...).

Dates are the agency's (settings.TIME_ZONE); a due date on a weekend or holiday moves to the
next business day. The arithmetic is in `taxes.charges`.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel

_PERCENT = {
    "max_digits": 6,
    "decimal_places": 3,
    "validators": [MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal("100"))],
}


class PenaltyKind(models.TextChoices):
    PENALTY = "penalty", _("Penalty (once, percent of the unpaid principal)")
    INTEREST = "interest", _("Interest (percent per month or part of a month)")


class PenaltyRule(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=10, choices=PenaltyKind.choices)
    days_past_due = models.PositiveSmallIntegerField(
        _("days past due"),
        default=0,
        help_text=_("It applies once the instalment is more than this many days past due."),
    )
    percent = models.DecimalField(_("percent"), **_PERCENT)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("penalty or interest rule")
        verbose_name_plural = _("penalty and interest rules")
        ordering = ["kind", "days_past_due"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PenaltyKind.values), name="taxes_penalty_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(percent__gt=0, percent__lte=100), name="taxes_penalty_percent"
            ),
            models.UniqueConstraint(
                fields=["kind", "days_past_due"],
                condition=Q(active=True),
                name="taxes_penalty_one_active_per_day",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(active=True, kind="interest"),
                name="taxes_penalty_one_active_interest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.percent}% > {self.days_past_due}"


class DiscountRule(TimeStampedModel):
    months_before_due = models.PositiveSmallIntegerField(
        _("months before the due month"),
        help_text=_(
            "Paid in full in a month at least this many months before the month of the due "
            "date (0: in the due date's month, on time)."
        ),
    )
    percent = models.DecimalField(_("percent"), **_PERCENT)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("early-payment discount")
        verbose_name_plural = _("early-payment discounts")
        ordering = ["-months_before_due"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0, percent__lte=100), name="taxes_discount_percent"
            ),
            models.UniqueConstraint(
                fields=["months_before_due"],
                condition=Q(active=True),
                name="taxes_discount_one_active_per_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.percent}% ≥ {self.months_before_due}"
