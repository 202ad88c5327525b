"""Summary tables behind the analytics: derived data, rebuilt whole by
`portal.analytics.refresh.summaries_refresh` (never edited by hand).

Days and weeks are the agency's (settings.TIME_ZONE); a week starts on Monday. Counts are
never negative (CHECK constraints) and each table holds one row per key (UNIQUE, with NULL
departments equal to each other).
"""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _counts_not_negative(name: str, *fields: str) -> models.CheckConstraint:
    condition = Q()
    for field in fields:
        condition &= Q(**{f"{field}__gte": 0})
    return models.CheckConstraint(condition=condition, name=name)


class CaseWeek(models.Model):
    """Cases of one service and department submitted and closed in one week."""

    week = models.DateField(_("week starting"))
    kind = models.SlugField(_("service"), max_length=64)
    department = models.ForeignKey(
        "cases.Department", on_delete=models.CASCADE, null=True, related_name="+"
    )
    opened = models.IntegerField(_("submitted"), default=0)
    closed = models.IntegerField(_("closed"), default=0)
    # Closed cases that had a due date, and those of them closed on or before it.
    closed_with_target = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "kind", "department"],
                nulls_distinct=False,
                name="analytics_caseweek_key",
            ),
            _counts_not_negative(
                "analytics_caseweek_counts",
                "opened",
                "closed",
                "closed_with_target",
                "closed_on_time",
            ),
            models.CheckConstraint(
                condition=Q(closed_on_time__lte=models.F("closed_with_target"))
                & Q(closed_with_target__lte=models.F("closed")),
                name="analytics_caseweek_on_time_within_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.kind} {self.department_id}"


class CloseDuration(models.Model):
    """How many cases of one service and department closed in one week `days` calendar days
    after they were submitted: a histogram, from which medians are read without the cases."""

    week = models.DateField(_("week starting"))
    kind = models.SlugField(_("service"), max_length=64)
    department = models.ForeignKey(
        "cases.Department", on_delete=models.CASCADE, null=True, related_name="+"
    )
    days = models.IntegerField(_("days to close"))
    cases = models.IntegerField(_("cases"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["week", "kind", "department", "days"],
                nulls_distinct=False,
                name="analytics_duration_department_key",
            ),
            _counts_not_negative("analytics_duration_counts", "days", "cases"),
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.kind}: {self.days} days"


class BacklogAge(models.Model):
    """Open cases of one service and department by how long ago they were submitted, when
    last refreshed."""

    kind = models.SlugField(_("service"), max_length=64)
    department = models.ForeignKey(
        "cases.Department", on_delete=models.CASCADE, null=True, related_name="+"
    )
    # 0: up to 7 days since submission, 1: 8 to 30, 2: 31 to 90, 3: more.
    band = models.SmallIntegerField(_("age band"))
    cases = models.IntegerField(_("cases"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "department", "band"],
                nulls_distinct=False,
                name="analytics_backlog_department_key",
            ),
            _counts_not_negative("analytics_backlog_counts", "band", "cases"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: band {self.band}"


class RevenueDay(models.Model):
    """Money received and refunded in one day for one service through one gateway.

    `service` is the owning app of the invoice (the part of its purpose before the dot)."""

    day = models.DateField(_("day"))
    service = models.CharField(_("service"), max_length=64)
    gateway = models.CharField(_("gateway"), max_length=16)
    payments = models.IntegerField(default=0)
    received_cents = models.BigIntegerField(default=0)
    refunds = models.IntegerField(default=0)
    refunded_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service", "gateway"], name="analytics_revenueday_key"
            ),
            _counts_not_negative(
                "analytics_revenueday_counts",
                "payments",
                "received_cents",
                "refunds",
                "refunded_cents",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.service} {self.gateway}"


class GatewayAttentionDay(models.Model):
    """Gateway events that could not be matched or were flagged, and payments kept for
    review, in one day."""

    day = models.DateField(_("day"), unique=True)
    unmatched_events = models.IntegerField(default=0)
    payments_for_review = models.IntegerField(default=0)

    class Meta:
        constraints = [
            _counts_not_negative(
                "analytics_attention_counts", "unmatched_events", "payments_for_review"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day}"


class MessageDay(models.Model):
    """Messages created in one day on one channel, by where they stand now: the
    dispatcher's status and what the provider reported after accepting one (delivered,
    bounced, or "" before any report)."""

    day = models.DateField(_("day"))
    channel = models.CharField(_("channel"), max_length=16)
    status = models.CharField(_("status"), max_length=16)
    delivery = models.CharField(_("delivery"), max_length=12, default="", blank=True)
    messages = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "status", "delivery"],
                name="analytics_messageday_delivery_key",
            ),
            _counts_not_negative("analytics_messageday_counts", "messages"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.status}"


class ReportCellWeek(models.Model):
    """Concern reports with a point made in one week, of one category and department (their
    case's), in one square of the map: the square's centre (`map_charts.MAP_CELL_DEGREES`
    wide) and how many reports it holds."""

    week = models.DateField(_("week starting"))
    category = models.ForeignKey(
        "concerns.ConcernCategory", on_delete=models.CASCADE, related_name="+"
    )
    department = models.ForeignKey(
        "cases.Department", on_delete=models.CASCADE, null=True, related_name="+"
    )
    latitude = models.DecimalField(_("latitude of the centre"), max_digits=8, decimal_places=6)
    longitude = models.DecimalField(_("longitude of the centre"), max_digits=9, decimal_places=6)
    reports = models.IntegerField(_("reports"))

    class Meta:
        constraints = [
            # Leads with the week: the map reads a range of weeks.
            models.UniqueConstraint(
                fields=["week", "category", "department", "latitude", "longitude"],
                nulls_distinct=False,
                name="analytics_reportcellweek_key",
            ),
            models.CheckConstraint(
                condition=Q(reports__gt=0), name="analytics_reportcellweek_reports"
            ),
            models.CheckConstraint(
                # A report's point is on the earth; its square's centre up to half a square
                # past the edge.
                condition=Q(latitude__gte=-90, latitude__lte=Decimal("90.005"))
                & Q(longitude__gte=-180, longitude__lte=Decimal("180.005")),
                name="analytics_reportcellweek_on_earth",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.category_id} ({self.latitude}, {self.longitude})"


class SummaryRefresh(models.Model):
    """When the summaries were last rebuilt (one row)."""

    singleton = models.BooleanField(default=True, unique=True)
    refreshed_at = models.DateTimeField(_("refreshed"))
    seconds = models.FloatField(_("took (seconds)"))

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(singleton=True), name="analytics_refresh_one_row"),
        ]

    def __str__(self) -> str:
        return f"{self.refreshed_at:%Y-%m-%d %H:%M}"
