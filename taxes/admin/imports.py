"""The record of applied roll imports (read only)."""

from django.contrib import admin

from taxes.models import RollImport


@admin.register(RollImport)
class RollImportAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "file_name",
        "imported_by",
        "rows",
        "parcels_created",
        "bills_created",
        "bills_adjusted",
        "bills_unchanged",
    ]
    list_select_related = ["imported_by"]
    readonly_fields = [*list_display, "file_sha256", "seconds"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
