"""Plan review by several departments: each department's decision in each round, the
reviewers' comments on plan sheets (numbered once, kept across rounds), and the consolidated
correction letters sent to the applicant.

A review is the case engine's work item (`cases.work_items.WorkItem`: department, round,
reviewer, due date, open or closed) plus what only permits have: the decision with its
conditions. The engine's outcome says how the round joins (approved, or changes needed); the
decision here says more (approved, approved with conditions, corrections required), and the
two are written together by `permits.services.reviews.review_decide`. A review still open
when the application is withdrawn or cancelled has its work item closed as cancelled and no
decision: nobody decides it any more.

A comment is one row for its whole life: its number is given once per permit and printed on
every letter; it records the round it was raised in and the round it was resolved in, so the
letter of any round can be drawn again, exactly, from the rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.work_items import WorkItemOutcome


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    CONDITIONS = "conditions", _("Approved with conditions")
    CORRECTIONS = "corrections", _("Corrections required")


# The engine's outcome each decision closes its work item with.
APPROVING = frozenset({ReviewDecision.APPROVED, ReviewDecision.CONDITIONS})


class PlanReview(models.Model):
    """One department's review of a permit's plans in one round (a work item on its case)."""

    work_item = models.OneToOneField(
        "cases.WorkItem",
        verbose_name=_("work item"),
        on_delete=models.PROTECT,
        related_name="plan_review",
    )
    permit = models.ForeignKey(
        "permits.Permit",
        verbose_name=_("permit"),
        on_delete=models.PROTECT,
        related_name="plan_reviews",
    )
    decision = models.CharField(
        _("decision"), max_length=12, blank=True, choices=ReviewDecision.choices
    )
    # Conditions the department attaches to its approval; printed on the permit.
    conditions = models.TextField(_("conditions"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["permit_id", "work_item__round", "work_item__opened_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["", *ReviewDecision.values]),
                name="permits_planreview_decision_known",
            ),
            # A decision exactly when decided.
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True)
                | (~Q(decision="") & Q(decided_at__isnull=False)),
                name="permits_planreview_decision_iff_decided",
            ),
            # Conditions are what "approved with conditions" means, and only that.
            models.CheckConstraint(
                condition=Q(decision=ReviewDecision.CONDITIONS, conditions__regex=r"\S")
                | (~Q(decision=ReviewDecision.CONDITIONS) & Q(conditions="")),
                name="permits_planreview_conditions_iff_conditional",
            ),
        ]
        indexes = [
            models.Index(
                fields=["permit"],
                name="permits_planreview_undecided",
                condition=Q(decision=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.permit_id}: {self.work_item_id}"

    @property
    def is_open(self) -> bool:
        """Undecided and still worked (reads the work item: select it with the review)."""
        return self.decided_at is None and self.work_item.closed_at is None

    @property
    def cancelled(self) -> bool:
        """Closed undecided because its application was withdrawn or cancelled."""
        return self.decided_at is None and self.work_item.outcome == WorkItemOutcome.CANCELLED


class CommentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class ReviewComment(models.Model):
    """A reviewer's comment on one plan sheet: numbered once per permit, open until a
    reviewer of its department finds it answered in a later round."""

    permit = models.ForeignKey(
        "permits.Permit",
        verbose_name=_("permit"),
        on_delete=models.PROTECT,
        related_name="review_comments",
    )
    # The same on every letter and page, whatever the round: "Comment 3".
    number = models.PositiveIntegerField(_("number"))
    sheet = models.ForeignKey(
        "permits.PlanSheet",
        verbose_name=_("sheet"),
        on_delete=models.PROTECT,
        related_name="review_comments",
    )
    department = models.ForeignKey(
        "cases.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    review = models.ForeignKey(
        PlanReview,
        verbose_name=_("raised in review"),
        on_delete=models.PROTECT,
        related_name="comments",
    )
    text = models.TextField(_("comment"))
    status = models.CharField(
        _("status"), max_length=10, choices=CommentStatus.choices, default=CommentStatus.OPEN
    )
    round_raised = models.PositiveSmallIntegerField(_("round raised"))
    round_resolved = models.PositiveSmallIntegerField(_("round resolved"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("raised"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["permit_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["permit", "number"], name="permits_comment_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="permits_comment_number_pos"),
            models.CheckConstraint(
                condition=Q(round_raised__gte=1), name="permits_comment_round_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CommentStatus.values), name="permits_comment_status_known"
            ),
            # Resolved exactly when the round, the time and the reviewer are recorded.
            models.CheckConstraint(
                condition=Q(
                    status=CommentStatus.OPEN,
                    round_resolved__isnull=True,
                    resolved_at__isnull=True,
                    resolved_by__isnull=True,
                )
                | Q(
                    status=CommentStatus.RESOLVED,
                    round_resolved__isnull=False,
                    resolved_at__isnull=False,
                    resolved_by__isnull=False,
                ),
                name="permits_comment_resolved_iff_recorded",
            ),
            # A comment is answered by revised sheets: in a later round.
            models.CheckConstraint(
                condition=Q(round_resolved__isnull=True) | Q(round_resolved__gt=F("round_raised")),
                name="permits_comment_resolved_later",
            ),
            models.CheckConstraint(
                condition=Q(text__regex=r"\S"), name="permits_comment_text_not_blank"
            ),
        ]
        indexes = [
            models.Index(
                fields=["permit", "department"],
                name="permits_comment_open",
                condition=Q(status=CommentStatus.OPEN),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.permit_id} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status == CommentStatus.OPEN


class CorrectionLetter(models.Model):
    """The one letter of a round that asked for corrections, from every department at once.

    Only the fact is stored: the letter is drawn from the reviews and comments of its round
    when read (`permits.correction_letters`), in the applicant's language.
    """

    permit = models.ForeignKey(
        "permits.Permit",
        verbose_name=_("permit"),
        on_delete=models.PROTECT,
        related_name="correction_letters",
    )
    round = models.PositiveSmallIntegerField(_("round"))
    issued_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("correction letter")
        verbose_name_plural = _("correction letters")
        ordering = ["permit_id", "round"]
        constraints = [
            models.UniqueConstraint(fields=["permit", "round"], name="permits_letter_per_round"),
            models.CheckConstraint(condition=Q(round__gte=1), name="permits_letter_round_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.permit_id}: round {self.round}"
