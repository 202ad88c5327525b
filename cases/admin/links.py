"""Guest links (`cases.links`): who got one for what, until when; staff can withdraw them."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases.links import GuestLink


@admin.register(GuestLink)
class GuestLinkAdmin(admin.ModelAdmin):
    """Links sent to guests: who got one for what, until when; staff can withdraw them.

    Read-only: a link is issued by its service and only ever revoked (the token itself is
    not stored, so nothing here opens anything)."""

    list_display = ["scope", "target_type", "target_id", "email", "created_at", "expires_at"]
    list_filter = ["scope", "target_type", "revoked_reason"]
    search_fields = ["email", "=target_id"]
    readonly_fields = [
        "scope",
        "target_type",
        "target_id",
        "email",
        "phone",
        "page",
        "created_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
        "last_used_at",
    ]
    exclude = ["token_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Withdraw the selected links"), permissions=["change"])
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_reason=GuestLink.RevokedReason.STAFF
        )
        text = ngettext("%(count)d link withdrawn.", "%(count)d links withdrawn.", count)
        messages.success(request, text % {"count": count})
