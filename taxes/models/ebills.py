"""E-bills: parcels a resident linked to their account, who else receives their bills and
reminders, each bill's timeline, and the paper notices a bounced message calls for.

A resident links a parcel by typing the access code printed on one of its bills (proof they
hold the bill), then may enrol it in paperless bills and name other recipients: another
address of theirs, a relative, an accountant. Everyone on a link receives the tax-due
reminders (`taxes.reminders`); the bill-published notice goes to paperless links only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from cases.models import TimeStampedModel
from taxes.models.bills import TaxBill
from taxes.models.parcels import Parcel

MAX_RECIPIENTS_PER_LINK = 5


class ParcelLink(TimeStampedModel):
    """A parcel a resident proved they hold a bill of, linked to their account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="parcel_links",
        verbose_name=_("resident"),
        db_index=False,  # the (user, parcel) constraint's index serves it
    )
    parcel = models.ForeignKey(
        Parcel, on_delete=models.CASCADE, related_name="links", verbose_name=_("parcel")
    )
    paperless_since = models.DateTimeField(
        _("paperless since"),
        null=True,
        blank=True,
        help_text=_("Empty: the bill comes by post."),
    )

    class Meta:
        verbose_name = _("linked parcel")
        verbose_name_plural = _("linked parcels")
        ordering = ["user", "parcel"]
        constraints = [
            models.UniqueConstraint(fields=["user", "parcel"], name="taxes_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.parcel_id} ↔ {self.user_id}"

    @property
    def paperless(self) -> bool:
        return self.paperless_since is not None


class Relationship(models.TextChoices):
    SELF = "self", _("Another address of mine")
    RELATIVE = "relative", _("A relative")
    ACCOUNTANT = "accountant", _("An accountant or tax preparer")
    OTHER = "other", _("Someone else")


class BillRecipient(TimeStampedModel):
    """Another address that receives a linked parcel's bills and reminders: the resident's own
    second address or a delegate. An address of a verified account is told as that account
    (its preferences, its inbox, its language); any other in the linking resident's language.

    Nothing but the confirmation message reaches the address until it is confirmed
    (`confirmed_at`): the bill-published notice and the reminders select confirmed rows only."""

    link = models.ForeignKey(
        ParcelLink, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("parcel")
    )
    email = models.EmailField(_("e-mail address"))
    name = models.CharField(_("name"), max_length=150, blank=True)
    relationship = models.CharField(
        _("who is this"), max_length=12, choices=Relationship.choices, default=Relationship.SELF
    )
    confirmed_at = models.DateTimeField(
        _("confirmed at"),
        null=True,
        blank=True,
        help_text=_("Empty: waiting for the address to confirm; nothing is sent to it."),
    )

    class Meta:
        verbose_name = _("bill recipient")
        verbose_name_plural = _("bill recipients")
        ordering = ["link", "created_at", "id"]
        constraints = [
            models.UniqueConstraint("link", Lower("email"), name="taxes_recipient_once_per_link"),
            models.CheckConstraint(
                condition=Q(relationship__in=Relationship.values),
                name="taxes_recipient_relationship_known",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class BillEventKind(models.TextChoices):
    PUBLISHED = "published", _("Bill published")
    REMINDER = "reminder", _("Reminder sent")
    BOUNCED = "bounced", _("Reminder not delivered")
    PAPER_NOTICE = "paper_notice", _("Paper notice mailed")
    ESCROWED = "escrowed", _("Lender pays from escrow")
    LENDER_CHANGED = "lender_changed", _("Escrow lender changed")
    # Staff's only: the roll named another lender than the one whose escrow file declared the
    # bill (the bill kept the file's lender).
    LENDER_CONFLICT = "lender_conflict", _("Roll names another escrow lender")
    # Staff's only: a member of the tax office settled a conflict (which lender, why, who).
    LENDER_SETTLED = "lender_settled", _("Lender conflict settled")
    # A corrected roll billed an instalment less than was paid on it: the difference became
    # a credit on the payment, to refund.
    ROLL_CREDIT = "roll_credit", _("Overpayment made a credit")
    # The refund of a credit the payment service refused after it was asked for (the owner
    # reads it in plain words; staff, the service's reason).
    REFUND_FAILED = "refund_failed", _("Refund of a credit failed")


class BillEvent(models.Model):
    """One entry of a bill's timeline. `key` makes each entry once only (a second run of a
    set-based job writes nothing): e.g. "reminder:<instalment>:<due day>"."""

    # Not indexed alone: the unique (bill, key) index starts with the bill and serves every
    # lookup by bill; a second index would be one more entry per timeline entry.
    bill = models.ForeignKey(
        TaxBill,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("bill"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=BillEventKind.choices)
    key = models.CharField(_("key"), max_length=100)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # The member of staff who made the change (none for the roll, reminders and lenders' files).
    # Not indexed: a reference for the audit, read through the bill, never looked up by user.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made by"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("bill event")
        verbose_name_plural = _("bill events")
        ordering = ["bill", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "key"], name="taxes_bill_event_once"),
            models.CheckConstraint(
                condition=Q(kind__in=BillEventKind.values), name="taxes_bill_event_kind_known"
            ),
            # A settled conflict always says who settled it.
            models.CheckConstraint(
                condition=~Q(kind=BillEventKind.LENDER_SETTLED) | Q(actor__isnull=False),
                name="taxes_bill_event_settled_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}: {self.get_kind_display()}"


class PaperNotice(TimeStampedModel):
    """A message about a bill that could not be delivered: staff mail a paper notice.

    One per undelivered notification (its id, without a foreign key: notifications may be
    purged, the audit of the notice may not). Open while `mailed_at` is empty.
    """

    bill = models.ForeignKey(
        TaxBill, on_delete=models.PROTECT, related_name="paper_notices", verbose_name=_("bill")
    )
    notification_id = models.BigIntegerField(_("message"))
    channel = models.CharField(_("channel"), max_length=16)
    address = models.CharField(_("address that failed"), max_length=254)
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    instalment_sequence = models.PositiveSmallIntegerField(_("instalment"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    mailed_at = models.DateTimeField(_("paper notice mailed"), null=True, blank=True)
    mailed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mailed by"),
    )

    class Meta:
        verbose_name = _("paper notice")
        verbose_name_plural = _("paper notices")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification_id"], name="taxes_paper_notice_once_per_message"
            ),
            models.CheckConstraint(
                condition=Q(mailed_at__isnull=True, mailed_by__isnull=True)
                | Q(mailed_at__isnull=False, mailed_by__isnull=False),
                name="taxes_paper_notice_mailed_by_whom",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at", "id"],
                condition=Q(mailed_at__isnull=True),
                name="taxes_paper_notice_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}: {self.address}"
