"""Departments and who holds which role in each (`cases.permissions` says what each role may do)."""

from django.contrib import admin

from cases.models import Department, StaffMembership


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    fields = ["user", "role"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    ordering = ["name"]
    inlines = [StaffMembershipInline]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    """Who holds which role where; what each role may do is in cases/permissions.py."""

    list_display = ["user", "role", "department"]
    list_filter = ["role", "department"]
    list_select_related = ["user", "department"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user"]
