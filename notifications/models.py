import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")
    IN_APP = "in_app", _("In-app message")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")
    SKIPPED = "skipped", _("Skipped")


class DeliveryStatus(models.TextChoices):
    UNKNOWN = "", _("Not reported")
    DELIVERED = "delivered", _("Delivered")
    BOUNCED = "bounced", _("Bounced")


class Notification(models.Model):
    """One message to one person on one channel: the outbox row and, for in-app, the inbox.

    Rows are written inside the business transaction that causes them (see
    `notifications.services.notification_send`) and sent later by the dispatcher, so a message
    exists exactly when the change it announces was committed.
    """

    Channel = NotificationChannel
    Status = NotificationStatus

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        help_text=_("Empty for a guest without an account."),
    )
    to_address = models.CharField(
        _("to"),
        max_length=254,
        blank=True,
        help_text=_("E-mail address or phone number, fixed when the message was queued."),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=NotificationChannel.choices)
    template_key = models.CharField(_("template"), max_length=100)
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=8)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    # Unique by the constraint below, not `unique=True`: that would also add Django's
    # `varchar_pattern_ops` index for prefix searches, which no query makes and every
    # insert pays for (the reminder engine's set-based inserts, docs/performance.md).
    dedupe_key = models.CharField(_("deduplication key"), max_length=255)
    available_at = models.DateTimeField(_("next attempt not before"), default=timezone.now)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    # What the provider reported after accepting the message (its delivery webhook). Database
    # defaults too: set-based jobs insert rows in SQL (`bulk_enqueue_sql`).
    delivery = models.CharField(
        _("delivery"),
        max_length=12,
        choices=DeliveryStatus.choices,
        default="",
        db_default="",
        blank=True,
    )
    delivery_at = models.DateTimeField(_("delivery reported at"), null=True, blank=True)
    delivery_detail = models.CharField(
        _("delivery detail"), max_length=255, default="", db_default="", blank=True
    )
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("body"), blank=True)
    link_url = models.CharField(_("link"), max_length=500, blank=True)
    attachments = models.JSONField(
        _("attachments"),
        default=list,
        # Also in the table, for the reminder engine's set-based INSERT that omits it.
        db_default=[],
        blank=True,
        help_text=_("Text files attached to the e-mail, as they were when it was queued."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The name is the one PostgreSQL gave the column's UNIQUE when the table was
            # made, so the constraint is the same one.
            models.UniqueConstraint(
                fields=["dedupe_key"], name="notifications_notification_dedupe_key_key"
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values),
                name="notifications_notification_status_known",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=NotificationChannel.values),
                name="notifications_notification_channel_known",
            ),
            # A lease exists exactly while a dispatcher holds the row.
            models.CheckConstraint(
                condition=(
                    Q(status="sending", claimed_until__isnull=False)
                    | (~Q(status="sending") & Q(claimed_until__isnull=True))
                ),
                name="notifications_notification_lease_iff_sending",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="notifications_notification_sent_has_time",
            ),
            models.CheckConstraint(
                condition=Q(delivery="", delivery_at__isnull=True)
                | Q(delivery__in=["delivered", "bounced"], delivery_at__isnull=False),
                name="notifications_notification_delivery_known",
            ),
            # The inbox belongs to an account; e-mail and SMS need somewhere to go.
            models.CheckConstraint(
                condition=(
                    Q(channel="in_app", recipient__isnull=False, to_address="")
                    | (~Q(channel="in_app") & ~Q(to_address=""))
                ),
                name="notifications_notification_addressed",
            ),
        ]
        indexes = [
            # The dispatcher's claim: due pending rows, and rows whose lease ran out.
            models.Index(
                fields=["available_at", "id"],
                condition=Q(status="pending"),
                name="notif_pending_due_idx",
            ),
            models.Index(
                fields=["claimed_until"],
                condition=Q(status="sending"),
                name="notif_sending_lease_idx",
            ),
            # The inbox: one person's in-app messages, newest first.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=Q(channel="in_app"),
                name="notif_inbox_idx",
            ),
            # The guest limit's count: recent messages to one guest address.
            models.Index(
                Lower("to_address"),
                F("channel"),
                F("created_at"),
                condition=Q(recipient__isnull=True),
                name="notif_guest_recent_idx",
            ),
            # The provider's delivery webhook finds its message by the provider's id.
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="notif_provider_id_idx",
            ),
            # Staff reports of one kind of message over time (e.g. the reminder runs).
            models.Index(fields=["template_key", "created_at"], name="notif_template_time_idx"),
            # The inbox's unread count: one person's unread in-app messages.
            models.Index(
                fields=["recipient"],
                condition=Q(channel="in_app", read_at__isnull=True),
                name="notif_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or f"{self.template_key} ({self.get_channel_display()})"


class EmailOptOut(models.Model):
    """A record that an address asked, through an unsubscribe link, to get no more e-mail.

    For an account holder the switch that counts is `User.notify_by_email` (they can turn it
    back on in their settings); for a guest this row is the only memory of the request, and
    the dispatcher skips e-mail to the address while it exists.
    """

    email = models.EmailField(_("e-mail address"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="email_opt_outs",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail opt-out")
        verbose_name_plural = _("e-mail opt-outs")
        indexes = [models.Index(Lower("email"), name="notif_optout_email_ci_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.created_at:%Y-%m-%d})"


class SMSOptOut(models.Model):
    """A phone number that asked for no more text messages (it replied STOP).

    Carriers honor STOP per number, whoever's account it is on, so the dispatcher skips every
    SMS to a number listed here; a reply of START removes it.
    """

    class Source(models.TextChoices):
        REPLY = "reply", _("The recipient replied STOP")
        PROVIDER = "provider", _("The SMS provider reported an opt-out")

    phone = models.CharField(_("phone number"), max_length=32, unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("SMS opt-out")
        verbose_name_plural = _("SMS opt-outs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=["reply", "provider"]),
                name="notif_smsoptout_source_known",
            )
        ]

    def __str__(self) -> str:
        return f"…{self.phone[-2:]} ({self.created_at:%Y-%m-%d})"


class ReminderTiming(models.TextChoices):
    BEFORE = "before", _("before the date")
    AFTER = "after", _("after the date")


def default_reminder_channels() -> list[str]:
    return list(NotificationChannel.values)


def _reminder_source_choices() -> list[tuple[str, str]]:
    from notifications.reminders import source_choices

    return source_choices()


class ReminderRule(models.Model):
    """ "N days before (or after) this date of these rows, on these channels, with this template".

    Data an administrator edits. The rows and the date are a source that the owning service
    registers in code (`notifications.reminders`); each rule is evaluated by one set-based
    statement (`notifications.services.reminders_run`) that remembers which row it reminded
    for which due date (`ReminderOccurrence`), so it fires once per row and due date.
    """

    Timing = ReminderTiming

    name = models.CharField(_("name"), max_length=150)
    source = models.CharField(_("rows and date"), max_length=100, choices=_reminder_source_choices)
    days = models.PositiveSmallIntegerField(_("days"))
    timing = models.CharField(
        _("when"), max_length=6, choices=ReminderTiming.choices, default=ReminderTiming.BEFORE
    )
    scope = ArrayField(
        models.BigIntegerField(),
        verbose_name=_("only for"),
        default=list,
        blank=True,
        help_text=_("Empty: every row of the source. Otherwise the ids it is narrowed to."),
    )
    channels = ArrayField(
        models.CharField(max_length=16, choices=NotificationChannel.choices),
        verbose_name=_("channels"),
        default=default_reminder_channels,
        help_text=_("Each person gets the channels of these they accept."),
    )
    template_key = models.CharField(
        _("message template"),
        max_length=100,
        help_text=_("The folder under templates/notifications/, e.g. licensing/renewal_reminder."),
    )
    send_at = models.TimeField(
        _("send at"),
        default=datetime.time(7, 0),
        help_text=_("Time of day, in the agency's time zone, the message goes out on its day."),
    )
    catch_up_days = models.PositiveSmallIntegerField(
        _("catch-up (days)"),
        default=7,
        help_text=_(
            "A reminder missed while the job did not run is still sent this many days late "
            "at most (1: only on its day), and never once a nearer reminder of the same "
            "rows and template is due."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["source", "template_key", "timing", "-days"]
        constraints = [
            models.CheckConstraint(
                condition=Q(timing__in=ReminderTiming.values),
                name="notif_reminderrule_timing_known",
            ),
            models.CheckConstraint(
                condition=Q(catch_up_days__gte=1, catch_up_days__lte=366),
                name="notif_reminderrule_catch_up_range",
            ),
            models.CheckConstraint(
                condition=Q(channels__len__gte=1)
                & Q(channels__contained_by=NotificationChannel.values),
                name="notif_reminderrule_channels_known",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def offset(self) -> int:
        """Days from the row's date to the reminder's day: negative before, positive after."""
        return -self.days if self.timing == ReminderTiming.BEFORE else self.days


class ReminderOccurrence(models.Model):
    """A rule fired for one row and due date: the dedupe key of the reminder engine.

    Written by the rule's statement with `ON CONFLICT DO NOTHING`, so a second run, or two
    runs at once, remind nobody twice; a row whose date moves (a renewed license) has a new
    due date and is reminded again.
    """

    # Not indexed alone: the unique (rule, row, due date) index starts with the rule, and
    # serves every lookup by rule; a second index would be one more entry per reminder.
    rule = models.ForeignKey(
        ReminderRule, on_delete=models.PROTECT, related_name="occurrences", db_index=False
    )
    object_id = models.BigIntegerField(_("row"))
    due_on = models.DateField(_("due on"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "object_id", "due_on"], name="notif_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.object_id} ({self.due_on})"
