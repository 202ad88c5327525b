"""E-bill recipients: the other addresses residents added to their linked parcels (read only:
residents add, confirm and remove them; staff see whether each address confirmed)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from taxes.models import BillRecipient


class ConfirmedFilter(admin.SimpleListFilter):
    title = _("confirmed")
    parameter_name = "confirmed"

    def lookups(self, request, model_admin):
        return [("yes", _("Confirmed")), ("no", _("Waiting for the address to confirm"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(confirmed_at__isnull=self.value() == "no")
        return queryset


@admin.register(BillRecipient)
class BillRecipientAdmin(admin.ModelAdmin):
    list_display = ["email", "parcel", "relationship", "created_at", "confirmed_at"]
    list_filter = [ConfirmedFilter, "relationship"]
    list_select_related = ["link__parcel"]
    search_fields = ["=email", "=link__parcel__number"]
    show_full_result_count = False
    empty_value_display = _("Not confirmed")
    fields = ["email", "name", "relationship", "parcel", "created_at", "confirmed_at"]
    readonly_fields = fields

    @admin.display(description=_("parcel"), ordering="link__parcel__number")
    def parcel(self, recipient):
        return recipient.link.parcel.number

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
