"""Mortgage lenders (configured here: name and members) and their escrow files (read only:
the record of what each file did)."""

from django.contrib import admin

from taxes.models import EscrowFile, Lender


@admin.register(Lender)
class LenderAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
    fields = ["name", "members"]


@admin.register(EscrowFile)
class EscrowFileAdmin(admin.ModelAdmin):
    list_display = ["file_name", "lender", "tax_year", "status", "created_at", "bills_marked"]
    list_filter = ["status", "tax_year"]
    list_select_related = ["lender"]
    search_fields = ["lender__name", "file_name"]
    readonly_fields = [
        "lender",
        "tax_year",
        "file_name",
        "file_sha256",
        "uploaded_by",
        "status",
        "applied_at",
        "applied_by",
        "bills_marked",
        "bills_unchanged",
        "bills_conflicting",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
