"""Concern categories with their questions, and the canned responses staff send reporters."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.questions.admin import QuestionInline
from concerns.models import CannedResponse, ConcernCategory


@admin.register(ConcernCategory)
class ConcernCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "group", "department", "target_days", "active"]
    list_filter = ["active", "group", "department"]
    search_fields = ["name", "name_es", "code", "keywords", "keywords_es", "group"]
    ordering = ["group", "order", "name"]
    inlines = [QuestionInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "code",
                    "group",
                    "description",
                    "keywords",
                    "keywords_es",
                    "order",
                ]
            },
        ),
        (
            _("In Spanish"),
            {
                "fields": ["name_es", "group_es", "description_es"],
                "description": _("Left empty, Spanish readers see the English."),
            },
        ),
        (
            _("Handling"),
            {
                "fields": [
                    "department",
                    "target_days",
                    "active",
                    "location_required",
                    "photo_required",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        # Reports keep their category: make it inactive instead.
        return False


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ["title", "close_reason", "active", "order"]
    list_filter = ["active", "close_reason"]
    search_fields = ["title", "body"]
