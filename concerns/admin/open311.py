"""Open311 API keys: issued here, shown once, revoked rather than deleted."""

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from concerns import services
from concerns.models import Open311ApiKey


@admin.register(Open311ApiKey)
class Open311ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "requests_per_minute", "created_at", "last_used_at", "state"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "requests_per_minute", *readonly_fields]
    actions = ["revoke"]

    @admin.display(description=_("state"))
    def state(self, api_key):
        return gettext("Active") if api_key.is_active else gettext("Revoked")

    def has_delete_permission(self, request, obj=None):
        # Reports made with a key point to it: revoke instead.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        issued, raw_key = services.api_key_issue(
            name=obj.name, requests_per_minute=obj.requests_per_minute, actor=request.user
        )
        obj.pk, obj.prefix, obj.created_at = issued.pk, issued.prefix, issued.created_at
        self.message_user(
            request,
            gettext(
                "The key for %(name)s is %(key)s. Copy it now and send it safely: it will not "
                "be shown again."
            )
            % {"name": issued.name, "key": raw_key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request, queryset):
        for api_key in queryset.order_by("pk"):
            services.api_key_revoke(api_key=api_key, actor=request.user)
        self.message_user(request, gettext("The selected keys are revoked."))
