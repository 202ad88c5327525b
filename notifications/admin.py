from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.forms import ReminderRuleForm
from notifications.models import EmailOptOut, Notification, ReminderRule, SMSOptOut
from notifications.services import notifications_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only view of the outbox; staff can only ask for a failed message to be retried."""

    # No message bodies in the list: text messages and e-mails carry personal details.
    list_display = [
        "id",
        "template_key",
        "channel",
        "status",
        "attempts",
        "available_at",
        "sent_at",
        "created_at",
    ]
    list_filter = ["channel", "status"]
    search_fields = ["dedupe_key"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    ordering = ["-id"]
    actions = ["retry_now"]
    fields = [
        "recipient",
        "to_address",
        "channel",
        "template_key",
        "language",
        "status",
        "attempts",
        "last_error",
        "dedupe_key",
        "available_at",
        "claimed_until",
        "sent_at",
        "read_at",
        "provider_message_id",
        "link_url",
        "subject",
        "body",
        "context",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description=_("Retry now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = notifications_retry(notification_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d notification will be sent again.",
                "%(count)d notifications will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(EmailOptOut)
class EmailOptOutAdmin(admin.ModelAdmin):
    list_display = ["email", "user", "created_at"]
    search_fields = ["email"]
    readonly_fields = ["email", "user", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SMSOptOut)
class SMSOptOutAdmin(admin.ModelAdmin):
    """Numbers that replied STOP. Only a START reply from the number itself lifts it."""

    list_display = ["__str__", "source", "created_at"]
    list_filter = ["source"]
    search_fields = ["=phone"]
    readonly_fields = ["phone", "source", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    """Reminder schedules: "N days before this date, on these channels, with this template".

    A rule that has sent reminders cannot be deleted (its record of who was reminded is what
    keeps it from sending them again): make it inactive instead.
    """

    form = ReminderRuleForm
    list_display = ["name", "source", "days", "timing", "send_at", "catch_up_days", "active"]
    list_filter = ["source", "active", "timing"]
    search_fields = ["name", "template_key"]
    fieldsets = [
        (None, {"fields": ["name", "active"]}),
        (_("What and when"), {"fields": ["source", "scope", "days", "timing", "catch_up_days"]}),
        (_("How"), {"fields": ["channels", "template_key", "send_at"]}),
    ]
